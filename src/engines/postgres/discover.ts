export { discoverSchemas as discoverTenants } from './internal/discover.js';
