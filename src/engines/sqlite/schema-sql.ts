/** None yet: a SQLite schema is written as a YAML manifest only (EngineModule.schemaSql is absent). */
export const schemaSql = undefined;
