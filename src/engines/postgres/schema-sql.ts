export { schemaSql } from './internal/schema-sql.js';
