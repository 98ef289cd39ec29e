export { createTenantSchema as createTenant, dropTenantSchema as dropTenant, missingTypes } from './internal/tenants.js';
