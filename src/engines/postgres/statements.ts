export { checkPlannedStatements } from './internal/statements.js';
