// The catalog reads of SQLite inspection. Each is one query for the whole database: the pragmas
// are joined to sqlite_schema as table-valued functions (pragma_table_xinfo(name, schema) and
// friends, SQLite 3.16+), never run once per table from JavaScript (STYLE.md: one query per
// object kind). Every pragma names the schema 'main' explicitly: without it SQLite looks in
// `temp` first, and the apply session's connection may hold temporary tables of the same name.
// Virtual tables are kept out of the column, index and foreign key reads (rootpage = 0): their
// pragmas need the module, and a database may use one this process has not loaded.

/**
 * Every object of the main schema with its CREATE statement, as written. `sqlite_schema` is the
 * name since SQLite 3.33 (earlier `sqlite_master`, which remains an alias). Auto-indexes (which
 * back PRIMARY KEY and UNIQUE constraints) have no sql.
 */
export const SCHEMA_OBJECTS = `
SELECT type, name, tbl_name AS "table", rootpage, sql
FROM main.sqlite_schema
ORDER BY type, name`;

/**
 * Kind and options of every table (SQLite 3.37+): type is 'table', 'view', 'virtual' or 'shadow'
 * (the tables a virtual table such as FTS5 keeps its data in); wr = WITHOUT ROWID; strict = STRICT.
 */
export const TABLE_LIST = `
SELECT name, type, wr, strict
FROM pragma_table_list
WHERE schema = 'main'`;

/**
 * Columns in declared order. table_xinfo, unlike table_info, includes generated columns; hidden
 * is 2 for a VIRTUAL and 3 for a STORED generated column (1 is a virtual table's hidden column).
 * type is the declared type as written ('' when none); dflt_value the default's text as written,
 * without the parentheses of `DEFAULT (expr)`; pk the column's 1-based position in the primary key.
 */
export const COLUMNS = `
SELECT m.name AS "table", c.cid, c.name, c.type, c."notnull" AS not_null, c.dflt_value, c.pk, c.hidden
FROM main.sqlite_schema AS m
JOIN pragma_table_xinfo(m.name, 'main') AS c
WHERE m.type = 'table' AND m.rootpage <> 0
ORDER BY m.name, c.cid`;

/**
 * Indexes with their keys. origin is 'c' (CREATE INDEX), 'u' (a UNIQUE constraint) or 'pk' (a
 * PRIMARY KEY that is not the rowid). index_xinfo lists the key columns (key = 1) and then the
 * columns an index stores besides (key = 0: the rowid or the primary key); cid is -2 for an
 * expression key and -1 for the rowid; coll is the key's collation as written ('BINARY' by default).
 */
export const INDEX_KEYS = `
SELECT m.name AS "table", il.name AS "index", il."unique" AS is_unique, il.origin, il.partial,
       ix.seqno, ix.cid, ix.name AS "column", ix."desc" AS descending, ix.coll AS collation
FROM main.sqlite_schema AS m
JOIN pragma_index_list(m.name, 'main') AS il
JOIN pragma_index_xinfo(il.name, 'main') AS ix
WHERE m.type = 'table' AND m.rootpage <> 0 AND ix.key = 1
ORDER BY m.name, il.name, ix.seqno`;

/**
 * Foreign keys, one row per column pair, grouped by id (ids count from the last declared key).
 * "to" is NULL when the clause names no columns: the referenced table's primary key is meant.
 * match is always reported as 'NONE': SQLite parses MATCH but does not implement it.
 */
export const FOREIGN_KEYS = `
SELECT m.name AS "table", fk.id, fk.seq, fk."table" AS ref_table, fk."from" AS "column", fk."to" AS ref_column,
       fk.on_update, fk.on_delete
FROM main.sqlite_schema AS m
JOIN pragma_foreign_key_list(m.name, 'main') AS fk
WHERE m.type = 'table' AND m.rootpage <> 0
ORDER BY m.name, fk.id, fk.seq`;
