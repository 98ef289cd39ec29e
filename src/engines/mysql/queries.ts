// The catalog reads of MySQL/MariaDB inspection: one query per object kind for a whole chunk of
// databases (STYLE.md), never one per database per kind. Each names the chunk with the marker
// SCHEMAS, which chunkQuery turns into `col IN (?, ...)`. No query joins two information_schema
// tables: a join's second table gets no constant to look up by and is read for every database
// on the server. The statistics columns (TABLE_ROWS, DATA_LENGTH, AUTO_INCREMENT, CARDINALITY,
// times) are never selected: they change with the data, and some make the server count.
//
// MariaDB's EXPLAIN says "Scanned all databases" for an IN list and "Scanned 1 database" for
// `col = ?`, so a UNION ALL of one equality branch per database (the 'union-of-equalities' shape)
// looked cheaper. Measured over 200 Sakila databases (bench/mysql-inspect-chunks.ts) it is not:
// most kinds cost the same either way, and TRIGGERS took 44 s as a union of 200 branches against
// 0.4 s as one IN list (chunks of 25: 3.7 s against 0.15 s). The IN list is the shape used; the other stays for the bench to compare.

import type { Flavor } from './flavor.js';

/** The marker a query's WHERE holds where the chunk's databases go. */
const SCHEMAS = '/*SCHEMAS*/';

/** A catalog query over a chunk of databases: its text with the marker, and the column the marker filters. */
export interface ChunkQuery {
  readonly text: string;
  readonly column: string;
}

/** Every database on the server, for discovery by pattern. SCHEMATA reads no table definitions. */
export const LIST_DATABASES = 'SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA ORDER BY SCHEMA_NAME';

/** Which of the named databases exist (a listed or queried tenant may not). */
export const DATABASES: ChunkQuery = {
  column: 'SCHEMA_NAME',
  text: `SELECT SCHEMA_NAME AS db FROM information_schema.SCHEMATA WHERE ${SCHEMAS}`,
};

/**
 * Tables, views and MariaDB's sequences, with the options SHOW CREATE TABLE prints: engine, row
 * format (ROW_FORMAT is the format in use, CREATE_OPTIONS holds row_format=... only when it was
 * written), collation (the charset is the collation's), comment. CREATE_OPTIONS also says
 * `partitioned`. TABLE_TYPE is 'BASE TABLE', 'VIEW', 'SEQUENCE' or 'SYSTEM VERSIONED' (MariaDB).
 * MariaDB opens each table's definition for ENGINE and the rest (EXPLAIN: Open_full_table).
 */
export const TABLES: ChunkQuery = {
  column: 'TABLE_SCHEMA',
  text: `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS name, TABLE_TYPE AS type, ENGINE AS engine, ROW_FORMAT AS row_format,
       TABLE_COLLATION AS collation, CREATE_OPTIONS AS create_options, TABLE_COMMENT AS comment
FROM information_schema.TABLES
WHERE ${SCHEMAS}`,
};

/** The character set of each collation: a table's default charset is its collation's. */
export const COLLATION_CHARSETS = 'SELECT COLLATION_NAME AS collation, CHARACTER_SET_NAME AS charset FROM information_schema.COLLATIONS';

/**
 * Columns of tables (and views, which the inspector drops). COLUMN_TYPE is the type whole, as
 * SHOW CREATE TABLE prints it (`int(10) unsigned`, `enum('a','b')`, `tinyint(1)`). COLUMN_DEFAULT
 * is SQL on MariaDB 10.2.7+ (`'x''y'`, `current_timestamp()`, NULL as SQL NULL or the word NULL),
 * a bare value on MySQL (see Capabilities.defaultsAreSql). EXTRA holds auto_increment,
 * `on update ...`, `VIRTUAL GENERATED`/`STORED GENERATED` (MariaDB before 10.2.5: PERSISTENT),
 * INVISIBLE and MySQL's DEFAULT_GENERATED, space-separated.
 */
export const COLUMNS: ChunkQuery = {
  column: 'TABLE_SCHEMA',
  text: `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS \`table\`, COLUMN_NAME AS name, ORDINAL_POSITION AS position,
       COLUMN_TYPE AS type, IS_NULLABLE AS nullable, COLUMN_DEFAULT AS \`default\`, EXTRA AS extra,
       GENERATION_EXPRESSION AS generation, CHARACTER_SET_NAME AS charset, COLLATION_NAME AS collation,
       COLUMN_COMMENT AS comment
FROM information_schema.COLUMNS
WHERE ${SCHEMAS}`,
};

/**
 * Index key parts, the primary key's among them (INDEX_NAME 'PRIMARY'). SUB_PART is a prefix
 * length; COLLATION is 'A', 'D' (descending: MySQL 8, MariaDB 10.8+) or NULL (FULLTEXT, SPATIAL);
 * INDEX_TYPE BTREE, HASH, FULLTEXT, SPATIAL (RTREE on old servers). The flavor adds whether the
 * optimizer ignores the index and, on MySQL 8.0.13+, a functional key part's expression.
 */
export function indexColumns(flavor: Flavor): ChunkQuery {
  const ignored = flavor.capabilities.ignoredIndexColumn;
  const extra = [
    ignored === 'IGNORED' ? "IGNORED = 'YES'" : ignored === 'IS_VISIBLE' ? "IS_VISIBLE = 'NO'" : "'NO' = 'YES'",
    flavor.capabilities.indexExpressions ? 'EXPRESSION' : 'NULL',
  ];
  return {
    column: 'TABLE_SCHEMA',
    text: `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS \`table\`, INDEX_NAME AS name, SEQ_IN_INDEX AS position, COLUMN_NAME AS \`column\`,
       COLLATION AS \`order\`, SUB_PART AS length, NON_UNIQUE AS non_unique, INDEX_TYPE AS method, INDEX_COMMENT AS comment,
       ${extra[0]} AS ignored, ${extra[1]} AS expression
FROM information_schema.STATISTICS
WHERE ${SCHEMAS}`,
  };
}

/** Foreign keys: the referenced table and the actions. MariaDB's default action is RESTRICT, MySQL's NO ACTION; both as the server says. */
export const FOREIGN_KEYS: ChunkQuery = {
  column: 'CONSTRAINT_SCHEMA',
  text: `SELECT CONSTRAINT_SCHEMA AS db, TABLE_NAME AS \`table\`, CONSTRAINT_NAME AS name, REFERENCED_TABLE_NAME AS ref_table,
       UPDATE_RULE AS on_update, DELETE_RULE AS on_delete
FROM information_schema.REFERENTIAL_CONSTRAINTS
WHERE ${SCHEMAS}`,
};

/** The column pairs of foreign keys, in key order; REFERENCED_TABLE_SCHEMA tells a key into another database. */
export const FOREIGN_KEY_COLUMNS: ChunkQuery = {
  column: 'TABLE_SCHEMA',
  text: `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS \`table\`, CONSTRAINT_NAME AS name, ORDINAL_POSITION AS position, COLUMN_NAME AS \`column\`,
       REFERENCED_TABLE_SCHEMA AS ref_db, REFERENCED_COLUMN_NAME AS ref_column
FROM information_schema.KEY_COLUMN_USAGE
WHERE ${SCHEMAS} AND REFERENCED_TABLE_NAME IS NOT NULL`,
};

/**
 * CHECK constraints, MariaDB 10.2.22+: the table is in the row, and LEVEL says 'Column' for a
 * check written on a column (named after the column, dropped with it) or 'Table'. CHECK_CLAUSE
 * is the server's own text (backticked names, lower-cased functions).
 */
export const CHECKS_WITH_TABLE: ChunkQuery = {
  column: 'CONSTRAINT_SCHEMA',
  text: `SELECT CONSTRAINT_SCHEMA AS db, TABLE_NAME AS \`table\`, CONSTRAINT_NAME AS name, LEVEL AS level, CHECK_CLAUSE AS clause
FROM information_schema.CHECK_CONSTRAINTS
WHERE ${SCHEMAS}`,
};

/** CHECK constraints, MySQL 8.0.16+: name and clause only; the table and ENFORCED come from CHECK_TABLES. */
export const CHECKS_WITHOUT_TABLE: ChunkQuery = {
  column: 'CONSTRAINT_SCHEMA',
  text: `SELECT CONSTRAINT_SCHEMA AS db, CONSTRAINT_NAME AS name, CHECK_CLAUSE AS clause
FROM information_schema.CHECK_CONSTRAINTS
WHERE ${SCHEMAS}`,
};

/** MySQL 8.0.16+: the table of each CHECK constraint and whether it is enforced. */
export const CHECK_TABLES: ChunkQuery = {
  column: 'CONSTRAINT_SCHEMA',
  text: `SELECT CONSTRAINT_SCHEMA AS db, TABLE_NAME AS \`table\`, CONSTRAINT_NAME AS name, ENFORCED AS enforced
FROM information_schema.TABLE_CONSTRAINTS
WHERE ${SCHEMAS} AND CONSTRAINT_TYPE = 'CHECK'`,
};

/** Triggers, by name only: the model does not hold them yet, so they are reported unmanaged. */
export const TRIGGERS: ChunkQuery = {
  column: 'TRIGGER_SCHEMA',
  text: `SELECT TRIGGER_SCHEMA AS db, TRIGGER_NAME AS name, EVENT_OBJECT_TABLE AS \`table\`
FROM information_schema.TRIGGERS
WHERE ${SCHEMAS}`,
};

/** Stored procedures and functions, by name only (unmanaged). ROUTINES is a table of mysql.proc, never a file scan. */
export const ROUTINES: ChunkQuery = {
  column: 'ROUTINE_SCHEMA',
  text: `SELECT ROUTINE_SCHEMA AS db, ROUTINE_NAME AS name, ROUTINE_TYPE AS type
FROM information_schema.ROUTINES
WHERE ${SCHEMAS}`,
};

/** Scheduled events, by name only (unmanaged). */
export const EVENTS: ChunkQuery = {
  column: 'EVENT_SCHEMA',
  text: `SELECT EVENT_SCHEMA AS db, EVENT_NAME AS name
FROM information_schema.EVENTS
WHERE ${SCHEMAS}`,
};

/** How a chunk's databases are named in its queries (see the head of this file). */
export type ChunkShape = 'in-list' | 'union-of-equalities';

/** The query's text and values for these databases (at least one). */
export function chunkQuery(query: ChunkQuery, databases: readonly string[], shape: ChunkShape): { sql: string; values: string[] } {
  if (databases.length === 0) throw new Error('a catalog query needs at least one database');
  if (shape === 'in-list') {
    return { sql: query.text.replace(SCHEMAS, `${query.column} IN (${databases.map(() => '?').join(', ')})`), values: [...databases] };
  }
  const branch = query.text.replace(SCHEMAS, `${query.column} = ?`);
  return { sql: databases.map(() => branch).join('\nUNION ALL\n'), values: [...databases] };
}
