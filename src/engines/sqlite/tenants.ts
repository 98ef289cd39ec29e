export { createTenantFile as createTenant, dropTenantFile as dropTenant } from './internal/tenants.js';

/** None: SQLite's types are built in, so every tenant has what a compile used (DatabaseAdapter.missingTypes is absent). */
export const missingTypes = undefined;
