export { checkSqlTexts, identifierProblem } from './internal/sql-text.js';
