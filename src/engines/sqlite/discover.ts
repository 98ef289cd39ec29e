export { discoverSqliteFiles as discoverTenants } from './internal/discover.js';
