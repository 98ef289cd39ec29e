export { checkSqlTexts } from './internal/sql-text.js';

/** None: SQLite keeps a name of any length whole (EngineModule.identifierProblem is absent). */
export const identifierProblem = undefined;
