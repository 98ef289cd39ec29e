// Catalog queries for inspect.ts. Each one reads a whole chunk of tenants at once, by the chunk's
// schema names ($1::text[]) or by oids a query before it returned (COLUMNS, CONSTRAINTS and
// INDEXES: the chunk's table oids from RELATIONS), never one query per tenant or per table
// (STYLE.md, Inspection).
//
// The pattern every query follows, new ones included: a chunk reads only its own rows, each
// through an index, so it costs the same whether the database holds 1,000 tenants or 100,000.
// - An object that lives in a schema is never found by joining the catalog's namespace column
//   (relnamespace, typnamespace, pronamespace, ...) to pg_namespace: no catalog has an index that
//   leads with it, so every chunk read the whole catalog, every tenant's rows (10,000 tenants
//   took 16x the time of 1,000). Write `${inSchemas('pg_proc', 'p', 'pronamespace')}` as the
//   FROM clause instead, with `n.nspname = ANY($1::text[])` in the WHERE clause: it finds the
//   objects from the schemas' side, through pg_depend's reference index (see inSchemas).
// - Not every object has that dependency: one PostgreSQL makes as part of another has none (a
//   table's row type, array types, indexes, TOAST tables, a composite type's pg_class row). Read
//   those through their owner: an index by indrelid, a composite type through its pg_type row.
//   test/catalog-reach.test.ts checks, for each catalog read this way, that every object of
//   the kinds read has the dependency.
// - An object that hangs off a table (column, constraint, index, trigger, policy, rule, default,
//   comment) is read by the table's oid, through the catalog's index that leads with it
//   (attrelid, conrelid, indrelid, tgrelid, polrelid, ev_class, adrelid, objoid).
// - A lookup by oid (a type, a collation, an FK's target) goes through the catalog's oid index,
//   as a scalar subquery under a CASE where only some rows need it.
// Check a new query on fleets of 1,000 and 10,000 tenants (built once by npm run bench --
// --tenants N --database NAME) with node --import tsx bench/explain-inspect.ts --database NAME
// [--spread]: no Seq Scan on a catalog that grows with the fleet, and a chunk's buffers about the
// same on both (a B-tree one level deeper costs a little more per probe).
// inspect.ts runs them with search_path set to '', so every reference to a tenant object comes
// out schema-qualified and can be stripped reliably.
//
// Locks (invariant 7): reading pg_catalog locks no tenant table, and neither do format_type or
// quote_ident. But deparsing an expression that names a column (pg_get_expr(expr, relid),
// pg_get_constraintdef of a CHECK, pg_get_indexdef, pg_get_partkeydef) opens the table for its
// column names and so takes a transient ACCESS SHARE lock, released when the function returns. It
// never blocks writers, only waits while DDL holds ACCESS EXCLUSIVE. To keep that to the minimum
// these functions are only called where an expression exists: column-free defaults are deparsed
// with relid 0, CHECKs and index predicates once per distinct expression (DEPARSED), and only an
// index with expression keys goes through pg_get_indexdef (the keys of any other index are read
// from pg_index's arrays). An exclusion constraint is deparsed whole (pg_get_constraintdef) where
// it is read: they are rare, and its operators and predicate are in no array.
//
// Speed: a fleet puts hundreds of thousands of rows in pg_attribute, pg_depend and pg_class, so a
// lookup the planner turns into a hash join over a whole catalog, or a subquery run per row,
// can cost more than the rows we want. Lookups that only some rows need (an FK's target, a
// unique's index) are scalar subqueries on an oid index under a CASE, so they run only where
// needed; pg_type and pg_collation, which nearly every column row needs, stay joins (a subquery
// per column row would also push COLUMNS' estimate past jit_above_cost). Lists of names
// (constraint and index keys) come back as attnum and oid arrays that inspect.ts maps with the
// column rows of the same chunk, KEY_NAMES and REFERENCED_COLUMNS.
// Supported servers: PostgreSQL 13 and newer (12 is out of support; tgparentid is 13+).

/**
 * Objects that belong to an extension are reported as the extension, not one by one. The members
 * are found from the extension's side (deptype 'e' always references a pg_extension row, and
 * pg_depend_reference_index leads with refclassid): a short list the planner hashes once per
 * query, where probing pg_depend per row, or hashing all of it, cost up to a third of a query.
 */
const notExtensionMember = (catalog: string, oid: string): string =>
  `${oid} NOT IN (SELECT x.objid FROM pg_depend x WHERE x.refclassid = 'pg_extension'::regclass AND x.classid = '${catalog}'::regclass AND x.deptype = 'e')`;

/**
 * Nor are objects PostgreSQL made as part of another one (deptype 'i'): a range type's
 * constructor functions, a multirange type (PG14+) and its constructors.
 */
const notPartOfAnother = (catalog: string, oid: string): string =>
  `NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.classid = '${catalog}'::regclass AND x.objid = ${oid} AND x.deptype IN ('e', 'i'))`;

/**
 * `FROM` the chunk's schemas (pg_namespace n, for `n.nspname = ANY($1::text[])`) and their
 * objects of `catalog` (as `alias`, all its columns): every such object has a pg_depend row on
 * its schema (deptype 'n', recorded when the object is created and moved by SET SCHEMA), read
 * per schema through pg_depend_reference_index (refclassid, refobjid, refobjsubid), and its
 * catalog row by oid. The namespace column still decides. LATERAL with OFFSET 0 keeps both
 * loops (schemas, then their objects), whatever the planner thinks of their row counts: as plain
 * joins, it hashed the whole catalog (pg_class) or read the reference index's range of every
 * schema of the database. Join what else a row needs the same way, LATERAL by oid. Schemas
 * PostgreSQL pins (pg_catalog) have no such rows; a tenant's always do, public's included.
 */
const inSchemas = (catalog: string, alias: string, namespaceColumn: string): string => `
FROM pg_namespace n
CROSS JOIN LATERAL (
  SELECT d.objid FROM pg_depend d
  WHERE d.refclassid = 'pg_namespace'::regclass AND d.refobjid = n.oid AND d.refobjsubid = 0
    AND d.classid = '${catalog}'::regclass AND d.deptype = 'n'
  OFFSET 0
) nd
CROSS JOIN LATERAL (SELECT x.* FROM ${catalog} x WHERE x.oid = nd.objid AND x.${namespaceColumn} = n.oid OFFSET 0) ${alias}`;

/**
 * inSchemas for several catalogs at once: the body of a CTE (`member`) of the chunk's schemas'
 * objects of those catalogs (schema, schema_oid, classid, objid), one pass over each schema's
 * dependencies; memberRows then reads one catalog's rows from it by oid.
 */
const schemaMembers = (...catalogs: string[]): string => `
  SELECT n.nspname AS schema, n.oid AS schema_oid, nd.classid, nd.objid
  FROM pg_namespace n
  CROSS JOIN LATERAL (
    SELECT d.classid, d.objid FROM pg_depend d
    WHERE d.refclassid = 'pg_namespace'::regclass AND d.refobjid = n.oid AND d.refobjsubid = 0
      AND d.classid IN (${catalogs.map((c) => `'${c}'::regclass`).join(', ')}) AND d.deptype = 'n'
    OFFSET 0
  ) nd
  WHERE n.nspname = ANY($1::text[])
`;

const memberRows = (catalog: string, alias: string, namespaceColumn: string): string => `
FROM member m
CROSS JOIN LATERAL (
  SELECT x.* FROM ${catalog} x
  WHERE m.classid = '${catalog}'::regclass AND x.oid = m.objid AND x.${namespaceColumn} = m.schema_oid
  OFFSET 0
) ${alias}`;

/**
 * The digest of a stored expression tree (pg_node_tree), which names every column by attnum and
 * every function, operator, type and collation by oid: the text a deparsing function prints for
 * it depends on nothing else but the table's name and column names, which inspect.ts adds to the
 * key. convert_to, because a text -> bytea cast would read backslashes as escapes.
 */
const deparseKey = (tree: string): string => `encode(sha256(convert_to(${tree}::text, 'UTF8')), 'hex')`;

/**
 * The owner of schema n. PostgreSQL 14+ gives `public` to pg_database_owner (oid 6171 in every
 * release that has it), a role that stands for the database's owner: that owner, then.
 */
const schemaOwner = `CASE WHEN n.nspowner = 6171 THEN (SELECT db.datdba FROM pg_database db WHERE db.datname = current_database()) ELSE n.nspowner END`;

/**
 * The role that owns an object, where it is not the role that owns the object's schema (n, as
 * inSchemas joins it); null where they are the same. Owners are not managed, but pg_dump prints
 * them, so an object owned by another role is reported (inspect.ts) rather than passed over.
 */
const otherOwner = (owner: string): string => `CASE WHEN ${owner} <> ${schemaOwner} THEN pg_get_userbyid(${owner})::text END AS other_owner`;

/** Managed tables: plain and partitioned ones, partitions (relispartition, PG10+) included. */
const managedTable = `c.relkind IN ('r', 'p') AND ${notExtensionMember('pg_class', 'c.oid')}`;

/**
 * What a table row says of partitioning and storage: the partition key of a partitioned table;
 * for a partition, its parent (pg_inherits by inhrelid: one row per partition, looked up only for
 * partitions), named like an FK's target, and its bound, which names no column and so is deparsed
 * with relid 0 (no lock); for a table that is not a partition, its parents by classic
 * inheritance (INHERITS), in inhseqno order, which is the order columns merge in; UNLOGGED; and
 * the storage parameters, reloptions as name=value texts,
 * those of its TOAST table (`toast.` parameters, which live there) by reltoastrelid; the index
 * it is clustered on (indisclustered, at most one), looked up only for a table with indexes; its
 * REPLICA IDENTITY (relreplident), and for USING INDEX that index (indisreplident).
 */
const partitionColumns = `
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_by,
       CASE WHEN c.relispartition THEN
         (SELECT CASE WHEN pc.relnamespace = c.relnamespace THEN pc.relname::text
                      ELSE pc.relnamespace::regnamespace::text || '.' || quote_ident(pc.relname) END
          FROM pg_inherits pi JOIN pg_class pc ON pc.oid = pi.inhparent WHERE pi.inhrelid = c.oid)
       END AS partition_of,
       CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, 0) END AS partition_bound,
       CASE WHEN NOT c.relispartition AND c.relkind = 'r' THEN
         ARRAY(SELECT CASE WHEN pc.relnamespace = c.relnamespace THEN pc.relname::text
                           ELSE pc.relnamespace::regnamespace::text || '.' || quote_ident(pc.relname) END
               FROM pg_inherits pi JOIN pg_class pc ON pc.oid = pi.inhparent
               WHERE pi.inhrelid = c.oid ORDER BY pi.inhseqno)
       END AS inherits,
       c.relpersistence = 'u' AS unlogged,
       c.reloptions::text[] AS storage_parameters,
       CASE WHEN c.relhasindex THEN
         (SELECT ic.relname FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid WHERE i.indrelid = c.oid AND i.indisclustered)
       END AS cluster_on,
       c.relreplident::text AS replica_identity,
       CASE WHEN c.relreplident = 'i' THEN
         (SELECT ic.relname FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid WHERE i.indrelid = c.oid AND i.indisreplident)
       END AS replica_index,
       CASE WHEN c.reltoastrelid <> 0 THEN
         (SELECT tc.reloptions::text[] FROM pg_class tc WHERE tc.oid = c.reltoastrelid)
       END AS toast_parameters,
       c.relrowsecurity AS row_security, c.relforcerowsecurity AS force_row_security`;

/** Relations whose triggers and policies are managed: the tables (partitions too) and the views. */
const managedRelation = `(c.relkind IN ('r', 'p', 'v'))`;

/**
 * Which of the requested schemas exist: a missing schema gets no entry in the result. The oid is
 * how the other queries' rows (relnamespace, collnamespace, ...) name a schema.
 */
export const SCHEMAS = `
SELECT n.oid, n.nspname AS schema, quote_ident(n.nspname) AS quoted
FROM pg_namespace n
WHERE n.nspname = ANY($1::text[])`;

/** All user schemas; pg_toast_temp_* and pg_temp_* exist per backend and are never tenants. */
export const LIST_SCHEMAS = `
SELECT n.nspname AS schema
FROM pg_namespace n
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_toast' AND n.nspname !~ '^pg_temp_'
ORDER BY n.nspname COLLATE "C"`;

/**
 * Managed tables: relkind 'p' (PG10+) is a partitioned table, relispartition a partition of one;
 * see partitionColumns. Comments come from DESCRIPTIONS.
 */
const tableRows = `
SELECT c.oid, c.relnamespace AS schema_oid, c.relname AS name,${partitionColumns}
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1::text[]) AND ${managedTable}`;

/**
 * Every relation of the schemas a full read needs, in one pass over the schemas' pg_class rows
 * (inSchemas): the managed tables (with tableRows' columns), the sequences
 * (their oids go to SEQUENCES), and the unmanaged relations: views, materialized views, foreign
 * tables and composite types (relkind 'c'). Partitions are managed tables (a foreign table that
 * is a partition stays a foreign table). Indexes of partitions are partitions too (relkind 'i'),
 * and are left out with every other index. $2 is the relkinds wanted: a scoped read wants only
 * sequences ('S'), and must not deparse a partition key, which waits for a lock on the table. A
 * composite type's pg_class row has no dependency on its schema (its pg_type row has one), so
 * composite types come through the schemas' pg_type rows.
 */
const relationColumns = `c.oid, c.relnamespace AS schema_oid, c.relname AS name, c.relkind::text AS kind,
       c.relispartition AS is_partition, c.relhastriggers AS has_triggers, c.relhasrules AS has_rules, ${otherOwner('c.relowner')},${partitionColumns}`;
export const RELATIONS = `
SELECT ${relationColumns}${inSchemas('pg_class', 'c', 'relnamespace')}
WHERE n.nspname = ANY($1::text[]) AND c.relkind::text = ANY($2::text[]) AND c.relkind <> 'c'
  AND ${notExtensionMember('pg_class', 'c.oid')}
UNION ALL
SELECT ${relationColumns}${inSchemas('pg_type', 't', 'typnamespace')}
CROSS JOIN LATERAL (SELECT x.* FROM pg_class x WHERE x.oid = t.typrelid AND x.relkind = 'c' OFFSET 0) c
WHERE n.nspname = ANY($1::text[]) AND 'c' = ANY($2::text[]) AND t.typtype = 'c'
  AND ${notExtensionMember('pg_class', 'c.oid')}`;

/** RELATIONS' relkinds for a whole read. */
export const ALL_RELATION_KINDS = ['r', 'p', 'S', 'v', 'm', 'f', 'c'];

/**
 * Managed tables, only those named in $2 (the same names in every schema of $1), and every one
 * that inherits from one of them: what an apply changed, read back to verify it. A column or a
 * CHECK added to a parent is added to the tables that inherit from it, by the same statement. The
 * planner finds the named tables through pg_class's (relname, relnamespace) index, and their rows
 * by oid (an array, so it does not hash all of pg_class to join them), instead of reading every
 * relation of the schemas; the inheriting tables per table through pg_inherits' inhparent index
 * (LATERAL, OFFSET 0: a fleet of partitioned tenants fills pg_inherits).
 */
const scopedTables = `
WITH RECURSIVE scoped(oid) AS (
  SELECT c.oid
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = ANY($1::text[]) AND c.relname = ANY($2::text[])
  UNION
  SELECT i.inhrelid FROM scoped s CROSS JOIN LATERAL (SELECT x.inhrelid FROM pg_inherits x WHERE x.inhparent = s.oid OFFSET 0) i
)`;

export const TABLES_NAMED = `${scopedTables}${tableRows}
  AND c.oid = ANY(ARRAY(SELECT oid FROM scoped))`;

/**
 * The oids of the tables TABLES_NAMED returns, as an array expression the server computes: apply's
 * read back inside a tenant's transaction passes it to COLUMNS, DESCRIPTIONS, CONSTRAINTS and
 * INDEXES in place of the oids TABLES_NAMED would have sent back, so all five go out in one round
 * trip rather than two. Written into the text with $1 and $2 as literals, as grouped queries are.
 */
export const TABLE_OIDS_NAMED = `ARRAY(${scopedTables}
SELECT c.oid
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1::text[]) AND ${managedTable}
  AND c.oid = ANY(ARRAY(SELECT oid FROM scoped)))`;

/**
 * Columns, by table oid and attnum (inspect.ts puts them in attnum order): attnum <= 0 are system
 * columns and dropped columns stay in pg_attribute as "........pg.dropped.N........".
 * attgenerated 's' (PG12+) keeps the generation expression in pg_attrdef like a default. A plain
 * default cannot name a column, so it is deparsed with relid 0, which needs no lock on the table;
 * a generation expression does name columns.
 *
 * $1 is the oids of the chunk's tables (RELATIONS or TABLES_NAMED), not its schema names: the planner then reads
 * pg_attribute through its (attrelid, attnum) index, a few rows per table, where filtering by
 * namespace made it scan all of pg_attribute (every tenant's rows, and each table's system
 * columns) and hash pg_class. Nothing else is joined per column row: an index probe per row into
 * pg_type (twice), pg_collation, pg_namespace and pg_description cost more than the rest of the
 * query (500 tenants, 37,000 columns: 275 -> 165 ms of server time). What those gave comes from
 * TYPES and KEY_NAMES, one row per distinct type or collation, and from DESCRIPTIONS, one index
 * range per table. Defaults come from pg_attrdef one index range per table (adrelid, LATERAL),
 * hashed to the column rows: probed per column with a default, they were three quarters of the
 * query's buffers on 10,000 tenants (one index descent per default, where a table's defaults sit
 * side by side).
 */
const columnsQuery = (compression: string): string => `
WITH defaults AS MATERIALIZED (
  SELECT d.adrelid, d.adnum, d.adbin
  FROM unnest($1::oid[]) AS r(oid)
  CROSS JOIN LATERAL (SELECT x.adrelid, x.adnum, x.adbin FROM pg_attrdef x WHERE x.adrelid = r.oid OFFSET 0) d
)
SELECT a.attrelid AS table_oid, a.attnum AS position, a.attname AS name,
       format_type(a.atttypid, a.atttypmod) AS type,
       a.atttypid AS type_oid,
       a.attnotnull AS not_null,
       a.attislocal AS is_local,
       CASE WHEN a.atthasdef THEN pg_get_expr(d.adbin, CASE WHEN a.attgenerated = '' THEN 0 ELSE d.adrelid END) END AS default_expr,
       a.attidentity::text AS identity,
       a.attgenerated::text AS generated,
       a.attcollation AS collation_oid,
       a.attstattarget AS statistics,
       a.attstorage::text AS storage,
       ${compression} AS compression,
       a.attoptions::text[] AS options,
       CASE WHEN a.attidentity <> '' THEN
         (SELECT ARRAY[s.seqstart::text, s.seqincrement::text, s.seqmin::text, s.seqmax::text, s.seqcache::text, s.seqcycle::text, sc.relname::text]
          FROM pg_depend d JOIN pg_sequence s ON s.seqrelid = d.objid JOIN pg_class sc ON sc.oid = s.seqrelid
          WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = a.attrelid AND d.refobjsubid = a.attnum
            AND d.classid = 'pg_class'::regclass AND d.deptype = 'i')
       END AS identity_sequence
FROM pg_attribute a
LEFT JOIN defaults d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped`;

/**
 * attislocal is false for a column a table has only from its parents (INHERITS, PARTITION OF):
 * attinhcount > 0 then, and CREATE TABLE ... INHERITS gives it; a column both inherited and
 * declared by the table stays local.
 *
 * Column settings: attstattarget (-1 is the default), attstorage (inspect.ts compares it with
 * TYPES' typstorage), attcompression (PG14+; '' is default_toast_compression) and attoptions. An
 * identity column's sequence options and name come from its sequence, found through pg_depend's
 * reference index (deptype 'i' on the column), for identity columns only.
 */
export const COLUMNS = columnsQuery('a.attcompression::text');

/** COLUMNS before PG14, which has no attcompression. */
export const COLUMNS_PRE14 = columnsQuery("''::text");

/**
 * Comments on the chunk's tables (objsubid 0, what obj_description(oid, 'pg_class') reads) and
 * their columns (objsubid = attnum, col_description's row), by table oid ($1): one range of
 * pg_description's (objoid, classoid, objsubid) index per table. The classoid keeps out a
 * comment on another object kind that shares the oid.
 */
export const DESCRIPTIONS = `
SELECT ds.objoid AS table_oid, ds.objsubid AS position, ds.description AS comment
FROM pg_description ds
WHERE ds.objoid = ANY($1::oid[]) AND ds.classoid = 'pg_class'::regclass`;

/**
 * Comments on the chunk's constraints ($1, pg_constraint oids), and on its indexes and sequences
 * ($2, pg_class oids), by pg_description's (objoid, classoid, objsubid) index.
 */
export const OBJECT_DESCRIPTIONS = `
SELECT ds.objoid AS oid, ds.description AS comment
FROM pg_description ds
WHERE ds.objoid = ANY($1::oid[]) AND ds.classoid = 'pg_constraint'::regclass AND ds.objsubid = 0
UNION ALL
SELECT ds.objoid, ds.description
FROM pg_description ds
WHERE ds.objoid = ANY($2::oid[]) AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = 0`;

/**
 * The column types of a chunk ($1, type oids), one row per distinct type: its default collation
 * (a column's attcollation only counts when it differs), and its element type for an array (or
 * itself), which decides whether the type is external: neither pg_catalog's nor an enum of the
 * table's own schema (inspect.ts compares element_schema_oid), such as a domain, an extension's
 * type or another schema's type. element_type is how format_type names it.
 */
export const TYPES = `
SELECT t.oid, t.typcollation AS collation_oid, t.typstorage::text AS storage,
       e.typnamespace AS element_schema_oid,
       e.typnamespace = 'pg_catalog'::regnamespace AS element_in_catalog,
       e.typtype = 'e' AS element_is_enum,
       format_type(e.oid, NULL) AS element_type
FROM pg_type t
JOIN pg_type e ON e.oid = CASE WHEN t.typcategory = 'A' AND t.typelem <> 0 THEN t.typelem ELSE t.oid END
WHERE t.oid = ANY($1::oid[])`;

const constraintsQuery = (nullsNotDistinct: string): string => `
SELECT con.conrelid AS table_oid, con.conname AS name, con.contype::text AS type,
       con.conkey AS columns,
       con.confrelid AS ref_oid,
       CASE WHEN con.contype = 'f' THEN
         (SELECT CASE WHEN rc.relnamespace = con.connamespace THEN rc.relname::text
                      ELSE rc.relnamespace::regnamespace::text || '.' || quote_ident(rc.relname) END
          FROM pg_class rc WHERE rc.oid = con.confrelid)
       END AS ref_table,
       con.confkey AS ref_columns,
       con.confdeltype::text AS on_delete, con.confupdtype::text AS on_update,
       con.confmatchtype::text AS match,
       con.condeferrable AS deferrable, con.condeferred AS deferred,
       con.convalidated AS validated,
       con.oid,
       CASE WHEN con.contype = 'c' THEN ${deparseKey('con.conbin')} END AS definition_key,
       CASE WHEN con.contype = 'x' THEN pg_get_constraintdef(con.oid) END AS exclusion,
       ${nullsNotDistinct} AS nulls_not_distinct,
       con.conislocal AS is_local
FROM unnest($1::oid[]) AS r(oid)
CROSS JOIN LATERAL (SELECT x.* FROM pg_constraint x WHERE x.conrelid = r.oid OFFSET 0) con
WHERE con.contype IN ('p', 'u', 'f', 'c', 'x') AND con.conparentid = 0`;

/**
 * Constraints, PG15+: NOT NULL is attnotnull, not a pg_constraint row (PG18 adds contype 'n', which
 * the contype filter leaves out). A CHECK comes with the digest of its expression tree, not its
 * text: see DEPARSED. conkey and confkey are attnums (int2[], in key order), which
 * inspect.ts maps to names with the COLUMNS rows of the chunk, or REFERENCED_COLUMNS for a table
 * outside it: a subquery per key list was more than half of this query. A unique constraint's
 * NULLS NOT DISTINCT lives on its backing index. conparentid <> 0 marks the per-partition copies
 * PG12+ makes of an FK that references a partitioned table; only the parent row is the
 * constraint the user wrote. $1 is the oids of the chunk's tables, as for COLUMNS: read
 * through pg_constraint's conrelid index, which also keeps a scoped read (TABLES_NAMED) cheap.
 * An FK's target is named unqualified in the constraint's own schema (connamespace, the table's),
 * else qualified: regnamespace prints the schema as quote_ident does. Joining pg_class for the
 * table's schema instead made the planner hash all of pg_class and scan all of pg_constraint
 * (500 of 1,000 tenants: 100 -> 45 ms of server time). Read per table oid (LATERAL, OFFSET 0)
 * rather than filtered by `= ANY`, with which the planner chose to scan all of pg_constraint on
 * 10,000 tenants, or merge-joined, which reads the conrelid index from the chunk's lowest table
 * oid to its highest: all of it once a fleet's tables were made at different times.
 * convalidated is false for a CHECK or FOREIGN KEY added NOT VALID and not validated since (what
 * pg_dump prints as NOT VALID); it is true for every other kind. A CHECK a partition got from its
 * parent is not local (conislocal): it is the parent's.
 */
export const CONSTRAINTS = constraintsQuery(
  `CASE WHEN con.contype = 'u' THEN coalesce((SELECT ix.indnullsnotdistinct FROM pg_index ix WHERE ix.indexrelid = con.conindid), false) ELSE false END`,
);

/** Constraints before PG15: pg_index.indnullsnotdistinct does not exist, every unique is NULLS DISTINCT. */
export const CONSTRAINTS_PRE15 = constraintsQuery('false');

/**
 * Columns of the tables foreign keys reference outside the chunk's managed tables (in a schema
 * outside the chunk, a partition, an extension's table), by table oid and attnum, to name
 * CONSTRAINTS' confkey. Usually not needed at all.
 */
export const REFERENCED_COLUMNS = `
SELECT a.attrelid AS table_oid, a.attnum AS position, a.attname AS name
FROM pg_attribute a
WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped`;

/**
 * Indexes that do not back a primary key, unique or exclusion constraint. indkey holds indnatts
 * entries (keys, then INCLUDE columns, PG11+) while indoption, indclass and indcollation only hold
 * the indnkeyatts key entries. They come back as arrays: inspect.ts names the columns from the
 * COLUMNS rows, and the collations and operator classes with KEY_NAMES (joined per key, all of
 * pg_collation and pg_opclass were scanned for every index). indkey 0 is an expression; for an
 * index with expressions, key_texts holds each key as pg_get_indexdef(oid, k, true) prints it (a
 * column as quote_ident(attname)), and the whole definition lets the caller see whether an
 * expression key carries an explicit COLLATE (its implicit collation is in no catalog).
 * Deparsing opens the table, so indexes without expressions get neither. A predicate comes as
 * the digest of its expression tree: see DEPARSED. indisvalid is false after a failed CREATE
 * INDEX CONCURRENTLY. $1 is the oids of the chunk's tables, as for COLUMNS: read through
 * pg_index's indrelid index per table oid (see CONSTRAINTS), not a scan of every tenant's
 * indexes joined to pg_class. A primary key's index (indisprimary) and an exclusion
 * constraint's (indisexclusion) always back their constraint, so only a unique index is looked
 * up in pg_constraint: that probe, per index, was most of the query. An index a partition got
 * from its parent's partitioned index is a partition of it (relispartition): the parent's index,
 * not the partition's own; it comes with the parent index's name (pg_inherits by inhrelid), a
 * constraint's index included.
 */
export const INDEXES = `
SELECT i.indrelid AS table_oid, ic.relname AS name,
       i.indisunique AS is_unique, i.indisvalid AS is_valid, am.amname AS method,
       i.indnkeyatts AS key_count,
       i.indkey::int2[] AS attnums, i.indoption::int2[] AS options,
       i.indclass::oid[] AS opclasses, i.indcollation::oid[] AS collations,
       i.indexrelid AS oid,
       ic.reloptions::text[] AS storage_parameters,
       ic.relispartition AS attached,
       CASE WHEN ic.relispartition THEN
         (SELECT pc.relname FROM pg_inherits pi JOIN pg_class pc ON pc.oid = pi.inhparent WHERE pi.inhrelid = i.indexrelid)
       END AS parent_index,
       CASE WHEN i.indpred IS NOT NULL THEN ${deparseKey('i.indpred')} END AS predicate_key,
       CASE WHEN i.indexprs IS NOT NULL THEN pg_get_indexdef(i.indexrelid, 0, true) END AS definition,
       CASE WHEN i.indexprs IS NOT NULL THEN
         ARRAY(SELECT pg_get_indexdef(i.indexrelid, k.ord::int, true)
               FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
               ORDER BY k.ord)
       END AS key_texts
FROM unnest($1::oid[]) AS r(oid)
CROSS JOIN LATERAL (SELECT x.* FROM pg_index x WHERE x.indrelid = r.oid OFFSET 0) i
CROSS JOIN LATERAL (SELECT x.relname, x.relam, x.relispartition, x.reloptions FROM pg_class x WHERE x.oid = i.indexrelid OFFSET 0) ic
JOIN pg_am am ON am.oid = ic.relam
WHERE ic.relispartition
   OR (NOT i.indisprimary AND NOT i.indisexclusion
       AND (NOT i.indisunique
            OR NOT EXISTS (SELECT 1 FROM pg_constraint k
                           WHERE k.conrelid = i.indrelid AND k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x'))))`;

/**
 * CHECK bodies ($1, constraint oids) and index predicates ($2, index oids), one per distinct
 * expression. Deparsing opens the table for its column names, and a backend that has not opened
 * a table yet builds its relation cache entry first: done for every tenant, that was most of the
 * time of CONSTRAINTS and INDEXES on a new connection (and a lock per table). A fleet's tenants
 * share a few dozen expressions, so inspect.ts asks for one constraint or index of each (same
 * tree, table name and column names: same text; a tenant's own type or sequence has its own
 * oid, so its trees never share a digest with another tenant's).
 */
export const DEPARSED = `
SELECT 'check' AS kind, con.oid, pg_get_constraintdef(con.oid) AS text
FROM pg_constraint con
WHERE con.oid = ANY($1::oid[])
UNION ALL
SELECT 'predicate', i.indexrelid, pg_get_expr(i.indpred, i.indrelid)
FROM pg_index i
WHERE i.indexrelid = ANY($2::oid[])`;

/**
 * The collations of columns and index keys and the operator classes of index keys, by oid ($1
 * collations, $2 operator classes): a few distinct oids per chunk. A default operator class is left out, as the model
 * records only others (varchar columns use the default text_ops, which opcdefault says). A name
 * is written unqualified from pg_catalog and from the tenant's own schema (inspect.ts compares
 * schema_oid), and as `qualified` from any other schema.
 */
export const KEY_NAMES = `
SELECT 'collation' AS kind, co.oid, co.collnamespace AS schema_oid,
       co.collnamespace = 'pg_catalog'::regnamespace AS in_catalog,
       co.collname::text AS name, quote_ident(cn.nspname) || '.' || quote_ident(co.collname) AS qualified
FROM pg_collation co
JOIN pg_namespace cn ON cn.oid = co.collnamespace
WHERE co.oid = ANY($1::oid[])
UNION ALL
SELECT 'opclass', opc.oid, opc.opcnamespace, opc.opcnamespace = 'pg_catalog'::regnamespace,
       opc.opcname::text, quote_ident(opn.nspname) || '.' || quote_ident(opc.opcname)
FROM pg_opclass opc
JOIN pg_namespace opn ON opn.oid = opc.opcnamespace
WHERE opc.oid = ANY($2::oid[]) AND NOT opc.opcdefault`;

/**
 * Enums: labels in enumsortorder, which ALTER TYPE ... ADD VALUE BEFORE fills with fractions. The
 * comment is obj_description(oid, 'pg_type')'s pg_description row.
 */
export const ENUMS = `
SELECT n.nspname AS schema, t.typname AS name,
       ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) AS labels,
       ds.description AS comment, ${otherOwner('t.typowner')}${inSchemas('pg_type', 't', 'typnamespace')}
LEFT JOIN LATERAL (
  SELECT x.description FROM pg_description x
  WHERE x.objoid = t.oid AND x.classoid = 'pg_type'::regclass AND x.objsubid = 0
  OFFSET 0
) ds ON true
WHERE n.nspname = ANY($1::text[]) AND t.typtype = 'e' AND ${notExtensionMember('pg_type', 't.oid')}`;

/**
 * Sequences, by oid ($1, RELATIONS' relkind 'S' rows; pg_sequence is PG10+, before that the
 * values lived in the sequence relation itself). OWNED BY is a pg_depend row of deptype 'a' on a
 * table column; an identity column's sequence has deptype 'i' and is part of the column, not a
 * sequence of its own, so it gets no row. Both come from one range of pg_depend's (classid,
 * objid) index per sequence: as joins, the planner read every pg_class dependency of the database
 * (a few hundred thousand rows for 1,000 tenants) into hash tables for each chunk, and as two
 * lookups per sequence they were a third of the query.
 */
export const SEQUENCES = `
SELECT s.seqrelid AS oid, format_type(s.seqtypid, NULL) AS type,
       s.seqstart::text AS start, s.seqincrement::text AS increment,
       s.seqmin::text AS min_value, s.seqmax::text AS max_value, s.seqcache::text AS cache,
       s.seqcycle AS cycle,
       o.owned_table, o.owned_column
FROM pg_sequence s
CROSS JOIN LATERAL (
  SELECT bool_or(d.deptype = 'i') AS is_identity,
         max(d.refobjid) FILTER (WHERE d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0 AND d.deptype = 'a') AS owner_oid,
         max(d.refobjsubid) FILTER (WHERE d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0 AND d.deptype = 'a') AS owner_attnum
  FROM pg_depend d
  WHERE d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid
) dep
LEFT JOIN LATERAL (
  SELECT oc.relname AS owned_table, oa.attname AS owned_column
  FROM pg_class oc
  JOIN pg_attribute oa ON oa.attrelid = oc.oid AND oa.attnum = dep.owner_attnum
  WHERE oc.oid = dep.owner_oid
  OFFSET 0
) o ON true
WHERE s.seqrelid = ANY($1::oid[]) AND NOT coalesce(dep.is_identity, false)`;

/**
/**
 * Range types and base types. Enums, domains and composite types are managed, and the array type
 * (another type's typarray) and multirange type (typtype 'm', PG14+) PostgreSQL creates
 * alongside a type are not objects of their own. An array type names its
 * element in typelem, so the element is found by oid: pg_type has no index on typarray.
 */
export const UNMANAGED_TYPES = `
SELECT n.nspname AS schema,
       'type' AS kind,
       t.typname::text AS name, NULL::text AS args${inSchemas('pg_type', 't', 'typnamespace')}
WHERE n.nspname = ANY($1::text[]) AND t.typtype IN ('r', 'b')
  AND NOT EXISTS (SELECT 1 FROM pg_type e WHERE e.oid = t.typelem AND e.typarray = t.oid)
  AND ${notPartOfAnother('pg_type', 't.oid')}`;

/**
 * Objects that hang off a table, named `table.object`. Triggers, policies and rules of managed
 * tables and views are managed (TRIGGERS, POLICIES, RULES); those of foreign tables are listed here.
 * Triggers: tgisinternal marks the ones
 * behind FKs and deferrable uniques; tgparentid <> 0 (PG13+) marks the clones a partitioned
 * table's trigger gets on each partition. Rules: every view has an internal '_RETURN' rule.
 * Each
 * catalog is read through its index on the relation's oid (tgrelid, polrelid, ev_class,
 * conrelid), for the schemas' relations that can hold such objects (inSchemas), one relation
 * at a time (LATERAL, OFFSET 0): joined to pg_class by the schema, or hashed, pg_trigger (four
 * rows per FK) was read whole for every chunk. relhastriggers and relhasrules are true for a
 * relation that has (or once had) triggers or rules, so where they are false there is nothing
 * to look up.
 */
export const UNMANAGED_TABLE_OBJECTS = `
WITH owner AS MATERIALIZED (
  SELECT n.nspname AS schema, c.oid, c.relname, c.relkind, c.relispartition, c.relhastriggers, c.relhasrules${inSchemas('pg_class', 'c', 'relnamespace')}
  WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
)
SELECT c.schema, 'trigger' AS kind, c.relname || '.' || tg.tgname AS name, NULL::text AS args
FROM owner c
CROSS JOIN LATERAL (SELECT x.* FROM pg_trigger x WHERE c.relhastriggers AND x.tgrelid = c.oid OFFSET 0) tg
WHERE NOT tg.tgisinternal AND tg.tgparentid = 0 AND NOT ${managedRelation}
  AND ${notExtensionMember('pg_trigger', 'tg.oid')}
UNION ALL
SELECT c.schema, 'policy', c.relname || '.' || pol.polname, NULL
FROM owner c
CROSS JOIN LATERAL (SELECT x.* FROM pg_policy x WHERE x.polrelid = c.oid OFFSET 0) pol
WHERE NOT ${managedRelation}
UNION ALL
SELECT c.schema, 'rule', c.relname || '.' || r.rulename, NULL
FROM owner c
CROSS JOIN LATERAL (SELECT x.* FROM pg_rewrite x WHERE c.relhasrules AND x.ev_class = c.oid OFFSET 0) r
WHERE r.rulename <> '_RETURN' AND NOT ${managedRelation}
  AND ${notExtensionMember('pg_rewrite', 'r.oid')}`;

/**
 * Everything else that lives in a namespace and is cheap to list. An extension is reported once
 * (extnamespace), its member objects not at all. Operators are named with their operand types,
 * since `=` is overloaded; NONE stands for the missing side of a prefix operator. None of these
 * catalogs has an index that leads with the schema: as inSchemas, but one pass over the
 * schemas' dependencies for all of them.
 */
export const UNMANAGED_OTHER = `
WITH member AS MATERIALIZED (${schemaMembers('pg_extension', 'pg_collation', 'pg_operator', 'pg_opclass', 'pg_opfamily', 'pg_statistic_ext', 'pg_ts_config', 'pg_ts_dict', 'pg_conversion')})
SELECT m.schema AS schema, 'extension' AS kind, e.extname::text AS name, NULL::text AS args${memberRows('pg_extension', 'e', 'extnamespace')}
UNION ALL
SELECT m.schema, 'collation', co.collname::text, NULL${memberRows('pg_collation', 'co', 'collnamespace')}
WHERE ${notExtensionMember('pg_collation', 'co.oid')}
UNION ALL
SELECT m.schema, 'operator', o.oprname::text,
       CASE WHEN o.oprleft = 0 THEN 'NONE' ELSE format_type(o.oprleft, NULL) END || ', ' || format_type(o.oprright, NULL)${memberRows('pg_operator', 'o', 'oprnamespace')}
WHERE ${notExtensionMember('pg_operator', 'o.oid')}
UNION ALL
SELECT m.schema, 'operator class', opc.opcname || ' (' || am.amname || ')', NULL${memberRows('pg_opclass', 'opc', 'opcnamespace')}
JOIN pg_am am ON am.oid = opc.opcmethod
WHERE ${notExtensionMember('pg_opclass', 'opc.oid')}
UNION ALL
SELECT m.schema, 'operator family', opf.opfname || ' (' || am.amname || ')', NULL${memberRows('pg_opfamily', 'opf', 'opfnamespace')}
JOIN pg_am am ON am.oid = opf.opfmethod
WHERE ${notExtensionMember('pg_opfamily', 'opf.oid')}
UNION ALL
SELECT m.schema, 'text search configuration', cfg.cfgname::text, NULL${memberRows('pg_ts_config', 'cfg', 'cfgnamespace')}
WHERE ${notExtensionMember('pg_ts_config', 'cfg.oid')}
UNION ALL
SELECT m.schema, 'text search dictionary', d.dictname::text, NULL${memberRows('pg_ts_dict', 'd', 'dictnamespace')}
WHERE ${notExtensionMember('pg_ts_dict', 'd.oid')}
UNION ALL
SELECT m.schema, 'conversion', cv.conname::text, NULL${memberRows('pg_conversion', 'cv', 'connamespace')}
WHERE ${notExtensionMember('pg_conversion', 'cv.oid')}`;

/**
 * Tables of the given schemas that another session holds, or waits for, in ACCESS EXCLUSIVE mode:
 * the ones whose expressions a catalog read cannot deparse until that session is done (a waiting
 * request blocks too, since later lockers queue behind it). Asked after a read hit lock_timeout,
 * to set those tenants aside and read the others.
 */
export const LOCKED_TABLES = `
SELECT DISTINCT n.nspname AS schema, c.relname AS table, l.pid
FROM pg_locks l
JOIN pg_class c ON c.oid = l.relation
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock' AND l.pid <> pg_backend_pid()
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND n.nspname = ANY($1::text[])
ORDER BY 1, 2`;

/**
 * Indexes left INVALID by a failed CREATE INDEX CONCURRENTLY, on any relation of the schema. An
 * index has no dependency on its schema: it is found through its table's (inSchemas), by
 * pg_index's indrelid index.
 */
const invalidIndexes = (schemas: string): string => `
SELECT n.nspname AS schema, ic.relname AS name${inSchemas('pg_class', 'c', 'relnamespace')}
JOIN pg_index i ON i.indrelid = c.oid
JOIN pg_class ic ON ic.oid = i.indexrelid AND ic.relnamespace = n.oid
WHERE ${schemas} AND c.relkind IN ('r', 'p', 'm') AND NOT i.indisvalid
ORDER BY n.nspname COLLATE "C", ic.relname COLLATE "C"`;

export const INVALID_INDEXES = invalidIndexes('n.nspname = $1');

/** INVALID_INDEXES for many schemas at once, for the apply waves. */
export const INVALID_INDEXES_OF_SCHEMAS = invalidIndexes('n.nspname = ANY($1::text[])');

/** The queries to run against a server of the given server_version_num. */
export function catalogQueries(serverVersionNum: number): {
  readonly constraints: string;
  readonly columns: string;
  readonly routines: string;
} {
  if (serverVersionNum < 130000) {
    throw new Error(`PostgreSQL ${serverVersionNum} is not supported; schema-sync needs PostgreSQL 13 or newer`);
  }
  return {
    constraints: serverVersionNum >= 150000 ? CONSTRAINTS : CONSTRAINTS_PRE15,
    columns: serverVersionNum >= 140000 ? COLUMNS : COLUMNS_PRE14,
    routines: serverVersionNum >= 140000 ? ROUTINES : ROUTINES_PRE14,
  };
}

// ---------------------------------------------------------------------------------------------
// Objects the server prints whole (DefinedObjectModel): routines, domains, composite types, views,
// materialized views, triggers and policies. Each read once per chunk, never per tenant.
//
// A schema's routines, domains and composite types are found through pg_depend's reference index
// (refclassid, refobjid): each has a deptype 'n' row on its namespace (ProcedureCreate,
// TypeCreate), while a table's row type, an array type and a composite type's pg_class row have
// none. That reads the chunk's objects only, where a filter on pronamespace or typnamespace read
// all of pg_proc or pg_type (neither has an index that leads with the namespace alone).

/**
 * The rows of `catalog` whose `column` is one of the oids in `param`, one index lookup per oid
 * (OFFSET 0, as above): with a few thousand oids the planner otherwise hashed them and read the
 * whole catalog, every tenant's rows.
 */
const byOids = (param: string, catalog: string, alias: string, column: string): string =>
  `unnest(${param}::oid[]) AS r(oid) CROSS JOIN LATERAL (SELECT * FROM ${catalog} ${alias} WHERE ${alias}.${column} = r.oid OFFSET 0) ${alias}`;

const descriptionOf = (catalog: string, oid: string): string =>
  `(SELECT ds.description FROM pg_description ds WHERE ds.objoid = ${oid} AND ds.classoid = '${catalog}'::regclass AND ds.objsubid = 0)`;

/**
 * The comments on a relation's columns (a view's, or a composite type's attributes), by
 * pg_description's (objoid, classoid, objsubid) index: the columns' names and the comments, in
 * column order, as two arrays.
 */
const columnDescriptionsOf = (relid: string): string => {
  const rows = `FROM pg_description ds JOIN pg_attribute a ON a.attrelid = ds.objoid AND a.attnum = ds.objsubid
             WHERE ds.objoid = ${relid} AND ds.classoid = 'pg_class'::regclass AND ds.objsubid > 0 ORDER BY ds.objsubid`;
  return `ARRAY(SELECT a.attname::text ${rows}) AS column_comment_names,
       ARRAY(SELECT ds.description ${rows}) AS column_comments`;
};

const routinesQuery = (body: string): string => `
SELECT p.oid, n.oid AS schema_oid, p.proname::text AS name,
       CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END AS kind,
       oidvectortypes(p.proargtypes) AS identity_args,
       pg_get_function_arguments(p.oid) || CASE WHEN p.prokind <> 'p' THEN ' RETURNS ' || pg_get_function_result(p.oid) ELSE '' END AS signature,
       pg_get_functiondef(p.oid) AS definition,
       ${body} AS body,
       ${descriptionOf('pg_proc', 'p.oid')} AS comment,
       ${otherOwner('p.proowner')}
${inSchemas('pg_proc', 'p', 'pronamespace')}
WHERE n.nspname = ANY($1::text[]) AND p.prokind IN ('f', 'p', 'w')
  AND ${notPartOfAnother('pg_proc', 'p.oid')}`;

/**
 * Functions and procedures (prokind is PG11+; 'w' window functions count as functions), named
 * with their input argument types (oidvectortypes of proargtypes: `f(integer, text)`), which is
 * what tells overloads apart; argument names are in the signature. pg_get_functiondef prints the whole
 * CREATE OR REPLACE statement; `body` is prosrc, the text the user wrote between the dollar
 * quotes, which inspect.ts leaves as written (only the catalog's own text around it is made
 * tenant-neutral). A SQL-standard body (prosqlbody, PG14+: BEGIN ATOMIC, RETURN) is deparsed by
 * the server, so it is catalog output like the rest, and body is null. `signature` is what CREATE
 * OR REPLACE cannot change: the arguments as declared (names, defaults) and the result type.
 */
export const ROUTINES = routinesQuery('CASE WHEN p.prosqlbody IS NULL THEN p.prosrc END');

/** ROUTINES before PG14, which has no SQL-standard bodies. */
export const ROUTINES_PRE14 = routinesQuery('p.prosrc');

/**
 * Aggregates: no catalog function prints one, so inspect.ts writes CREATE AGGREGATE from
 * pg_aggregate's columns, as pg_dump does (dumpAgg). Support functions by regproc, which names a
 * function of another schema than pg_catalog qualified (search_path is ''), so the tenant's own
 * are stripped like any other name; pg_get_function_arguments prints an ordered-set aggregate's
 * arguments with their ORDER BY. aggfinalmodify and aggmfinalmodify are PG11+.
 */
export const AGGREGATES = `
SELECT p.oid, n.oid AS schema_oid, p.proname::text AS name, quote_ident(p.proname) AS quoted,
       oidvectortypes(p.proargtypes) AS identity_args,
       pg_get_function_arguments(p.oid) AS args,
       a.aggkind::text AS agg_kind,
       a.aggtransfn::regproc::text AS sfunc, format_type(a.aggtranstype, NULL) AS stype, a.aggtransspace AS sspace,
       CASE WHEN a.aggfinalfn <> 0 THEN a.aggfinalfn::regproc::text END AS finalfunc,
       a.aggfinalextra AS final_extra, a.aggfinalmodify::text AS final_modify,
       CASE WHEN a.aggcombinefn <> 0 THEN a.aggcombinefn::regproc::text END AS combinefunc,
       CASE WHEN a.aggserialfn <> 0 THEN a.aggserialfn::regproc::text END AS serialfunc,
       CASE WHEN a.aggdeserialfn <> 0 THEN a.aggdeserialfn::regproc::text END AS deserialfunc,
       a.agginitval AS initcond,
       CASE WHEN a.aggmtransfn <> 0 THEN a.aggmtransfn::regproc::text END AS msfunc,
       CASE WHEN a.aggminvtransfn <> 0 THEN a.aggminvtransfn::regproc::text END AS minvfunc,
       CASE WHEN a.aggmtransfn <> 0 THEN format_type(a.aggmtranstype, NULL) END AS mstype, a.aggmtransspace AS msspace,
       CASE WHEN a.aggmfinalfn <> 0 THEN a.aggmfinalfn::regproc::text END AS mfinalfunc,
       a.aggmfinalextra AS mfinal_extra, a.aggmfinalmodify::text AS mfinal_modify,
       a.aggminitval AS minitcond,
       CASE WHEN a.aggsortop <> 0 THEN (SELECT o.oprname::text FROM pg_operator o WHERE o.oid = a.aggsortop) END AS sortop,
       p.proparallel::text AS parallel,
       ${descriptionOf('pg_proc', 'p.oid')} AS comment,
       ${otherOwner('p.proowner')}
${inSchemas('pg_proc', 'p', 'pronamespace')}
-- Per aggregate, through pg_aggregate's aggfnoid index: as a join, the planner read all of it.
CROSS JOIN LATERAL (SELECT * FROM pg_aggregate a WHERE a.aggfnoid = p.oid OFFSET 0) a
WHERE n.nspname = ANY($1::text[]) AND p.prokind = 'a'
  AND ${notPartOfAnother('pg_proc', 'p.oid')}`;

/**
 * Domains: base type (format_type, with its typmod), a collation other than the base type's,
 * default (deparsed from typdefaultbin with no relation), NOT NULL, and the CHECK constraints by
 * name, through pg_constraint's contypid index (PG17+ also keeps NOT NULL there as contype 'n',
 * which is typnotnull's and left out).
 */
export const DOMAINS = `
SELECT t.oid, n.oid AS schema_oid, t.typname::text AS name, quote_ident(t.typname) AS quoted,
       format_type(t.typbasetype, t.typtypmod) AS base_type,
       CASE WHEN t.typcollation <> 0 AND t.typcollation <> bt.typcollation THEN
         (SELECT CASE WHEN co.collnamespace = 'pg_catalog'::regnamespace THEN quote_ident(co.collname)
                      ELSE co.collnamespace::regnamespace::text || '.' || quote_ident(co.collname) END
          FROM pg_collation co WHERE co.oid = t.typcollation)
       END AS collation,
       pg_get_expr(t.typdefaultbin, 0) AS default_expr,
       t.typnotnull AS not_null,
       ARRAY(SELECT con.conname::text FROM pg_constraint con
             WHERE con.contypid = t.oid AND con.contype = 'c' ORDER BY con.conname COLLATE "C") AS check_names,
       ARRAY(SELECT quote_ident(con.conname) FROM pg_constraint con
             WHERE con.contypid = t.oid AND con.contype = 'c' ORDER BY con.conname COLLATE "C") AS check_quoted,
       ARRAY(SELECT pg_get_constraintdef(con.oid) FROM pg_constraint con
             WHERE con.contypid = t.oid AND con.contype = 'c' ORDER BY con.conname COLLATE "C") AS check_definitions,
       ${descriptionOf('pg_type', 't.oid')} AS comment,
       ${otherOwner('t.typowner')}
${inSchemas('pg_type', 't', 'typnamespace')}
JOIN pg_type bt ON bt.oid = t.typbasetype
WHERE n.nspname = ANY($1::text[]) AND t.typtype = 'd'
  AND ${notPartOfAnother('pg_type', 't.oid')}`;

/**
 * Composite types (CREATE TYPE ... AS): a pg_type row of typtype 'c' whose pg_class row is of
 * relkind 'c' (a table's row type has no namespace dependency, but checked all the same). The
 * attributes in attnum order, each as pg_dump writes it: name, format_type, and a collation other
 * than its type's.
 */
export const COMPOSITE_TYPES = `
SELECT t.oid, t.typrelid AS relid, n.oid AS schema_oid, t.typname::text AS name, quote_ident(t.typname) AS quoted,
       ARRAY(SELECT quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod) ||
                    CASE WHEN a.attcollation <> 0 AND a.attcollation <> (SELECT at.typcollation FROM pg_type at WHERE at.oid = a.atttypid) THEN
                      ' COLLATE ' || (SELECT CASE WHEN co.collnamespace = 'pg_catalog'::regnamespace THEN quote_ident(co.collname)
                                                  ELSE co.collnamespace::regnamespace::text || '.' || quote_ident(co.collname) END
                                      FROM pg_collation co WHERE co.oid = a.attcollation)
                    ELSE '' END
             FROM pg_attribute a
             WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum) AS attributes,
       ${columnDescriptionsOf('t.typrelid')},
       ${descriptionOf('pg_type', 't.oid')} AS comment
${inSchemas('pg_type', 't', 'typnamespace')}
WHERE n.nspname = ANY($1::text[]) AND t.typtype = 'c'
  AND (SELECT rc.relkind FROM pg_class rc WHERE rc.oid = t.typrelid) = 'c'
  AND ${notPartOfAnother('pg_type', 't.oid')}`;

/**
 * Views and materialized views, by oid ($1, RELATIONS' relkind 'v' and 'm' rows). pg_get_viewdef
 * opens the view (a transient ACCESS SHARE lock, as deparsing a table's expressions does).
 * reloptions hold security_barrier, security_invoker (PG15+), check_option and a materialized
 * view's storage parameters. A materialized view's indexes, as pg_get_indexdef prints them, and
 * the comments on its columns; the columns a view gives a default (reported as unmanaged).
 */
export const VIEWS = `
SELECT c.oid, c.relkind::text AS kind, quote_ident(c.relname) AS quoted,
       pg_get_viewdef(c.oid, true) AS body,
       c.reloptions::text[] AS options,
       CASE WHEN c.relkind = 'm' THEN
         ARRAY(SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid = c.oid)
       END AS indexes,
       ${columnDescriptionsOf('c.oid')},
       ${descriptionOf('pg_class', 'c.oid')} AS comment,
       ARRAY(SELECT a.attname::text FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
             WHERE d.adrelid = c.oid ORDER BY d.adnum) AS defaulted_columns
FROM ${byOids('$1', 'pg_class', 'c', 'oid')}`;

/**
 * Triggers of the chunk's managed tables and views ($1, oids of those whose relhastriggers says
 * they may have some), through pg_trigger's (tgrelid,
 * tgname) index; internal ones (FKs) and a partitioned table's clones (tgparentid, PG13+) are
 * not the user's. pg_get_triggerdef as pg_dump calls it (not pretty); tgenabled is not in it.
 */
export const TRIGGERS = `
SELECT tg.oid, tg.tgrelid AS table_oid, tg.tgname::text AS name,
       pg_get_triggerdef(tg.oid, false) AS definition, tg.tgenabled::text AS enabled,
       ${descriptionOf('pg_trigger', 'tg.oid')} AS comment
FROM ${byOids('$1', 'pg_trigger', 'tg', 'tgrelid')}
WHERE NOT tg.tgisinternal AND tg.tgparentid = 0
  AND ${notExtensionMember('pg_trigger', 'tg.oid')}`;

/**
 * Row-level security policies of the chunk's managed tables ($1, oids), through pg_policy's
 * (polrelid, polname) index. No catalog function prints a policy, so inspect.ts writes CREATE
 * POLICY from its parts, as pg_dump does: roles (0 is PUBLIC) by name from pg_roles, which any
 * role may read, and USING / WITH CHECK deparsed against the table.
 */
export const POLICIES = `
SELECT pol.oid, pol.polrelid AS table_oid, pol.polname::text AS name, quote_ident(pol.polname) AS quoted,
       (SELECT quote_ident(c.relname) FROM pg_class c WHERE c.oid = pol.polrelid) AS quoted_table,
       pol.polpermissive AS permissive, pol.polcmd::text AS command,
       ARRAY(SELECT CASE WHEN r.oid = 0 THEN 'PUBLIC' ELSE (SELECT quote_ident(ro.rolname) FROM pg_roles ro WHERE ro.oid = r.oid) END
             FROM unnest(pol.polroles) AS r(oid) ORDER BY 1) AS roles,
       pg_get_expr(pol.polqual, pol.polrelid) AS using_expr,
       pg_get_expr(pol.polwithcheck, pol.polrelid) AS check_expr,
       ${descriptionOf('pg_policy', 'pol.oid')} AS comment
FROM ${byOids('$1', 'pg_policy', 'pol', 'polrelid')}`;

/**
 * Rules of the chunk's managed tables and views ($1, oids of those whose relhasrules says they
 * may have some: every view, few tables), through pg_rewrite's (ev_class,
 * rulename) index; a view's own '_RETURN' rule is the view. pg_get_ruledef as pg_dump calls it.
 */
export const RULES = `
SELECT rw.oid, rw.ev_class AS table_oid, rw.rulename::text AS name,
       pg_get_ruledef(rw.oid, false) AS definition, rw.ev_enabled::text AS enabled,
       ${descriptionOf('pg_rewrite', 'rw.oid')} AS comment
FROM ${byOids('$1', 'pg_rewrite', 'rw', 'ev_class')}
WHERE rw.rulename <> '_RETURN'
  AND ${notExtensionMember('pg_rewrite', 'rw.oid')}`;

/**
 * Extended statistics on the chunk's managed tables ($1, oids), through pg_statistic_ext's
 * stxrelid index; only those in the table's own schema are the tenant's.
 */
export const STATISTICS = `
SELECT s.oid, s.stxrelid AS table_oid, s.stxnamespace AS schema_oid, s.stxname::text AS name,
       pg_get_statisticsobjdef(s.oid) AS definition, s.stxstattarget::int AS target,
       ${descriptionOf('pg_statistic_ext', 's.oid')} AS comment
FROM ${byOids('$1', 'pg_statistic_ext', 's', 'stxrelid')}
WHERE ${notExtensionMember('pg_statistic_ext', 's.oid')}`;

/** The pg_depend rows of the objects of `catalog` whose oids are in `param`, what they need (not their internal parts). */
const dependencies = (param: string, catalog: string): string =>
  `unnest(${param}::oid[]) AS r(oid) CROSS JOIN LATERAL (
    SELECT * FROM pg_depend d WHERE d.classid = '${catalog}'::regclass AND d.objid = r.oid AND d.deptype <> 'i' OFFSET 0
  ) d`;

/**
 * What the objects found above depend on, from pg_depend's (classid, objid) index: $1 routines and aggregates,
 * $2 domains, $3 composite types' pg_class rows, $4 views (their '_RETURN' rule holds the
 * dependencies, found through pg_rewrite's ev_class index), $5 triggers, $6 policies. A domain's
 * CHECK constraints depend on what their expressions call. Each referenced object comes back as
 * its schema, kind and name (a routine with its identity arguments; a table's, view's or
 * composite type's row type as that relation; an array type as its element), for inspect.ts to
 * keep those of the object's own schema. Internal rows (deptype 'i': a view's rule on the view)
 * say nothing of what must exist first.
 */
export const OBJECT_DEPENDENCIES = `
SELECT src.catalog, src.oid, k.schema_oid AS ref_schema_oid, k.kind AS ref_kind, k.name AS ref_name, k.args AS ref_args
FROM (
  SELECT 'pg_proc' AS catalog, d.objid AS oid, d.refclassid, d.refobjid
  FROM ${dependencies('$1', 'pg_proc')}
  UNION ALL
  SELECT 'pg_type', d.objid, d.refclassid, d.refobjid
  FROM ${dependencies('$2', 'pg_type')}
  UNION ALL
  SELECT 'pg_type', con.contypid, d.refclassid, d.refobjid
  FROM ${byOids('$2', 'pg_constraint', 'con', 'contypid')}
  JOIN pg_depend d ON d.classid = 'pg_constraint'::regclass AND d.objid = con.oid AND d.deptype <> 'i'
  UNION ALL
  SELECT 'pg_class', d.objid, d.refclassid, d.refobjid
  FROM ${dependencies('$3', 'pg_class')}
  UNION ALL
  SELECT 'pg_class', rw.ev_class, d.refclassid, d.refobjid
  FROM ${byOids('$4', 'pg_rewrite', 'rw', 'ev_class')}
  JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid AND d.deptype <> 'i'
  WHERE d.refobjid <> rw.ev_class
  UNION ALL
  SELECT 'pg_trigger', d.objid, d.refclassid, d.refobjid
  FROM ${dependencies('$5', 'pg_trigger')}
  UNION ALL
  SELECT 'pg_policy', d.objid, d.refclassid, d.refobjid
  FROM ${dependencies('$6', 'pg_policy')}) src
CROSS JOIN LATERAL (
  SELECT c.relnamespace AS schema_oid,
         CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'c' THEN 'composite type'
                        WHEN 'S' THEN 'sequence' WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' END AS kind,
         c.relname::text AS name, NULL::text AS args
  FROM pg_class c WHERE src.refclassid = 'pg_class'::regclass AND c.oid = src.refobjid
  UNION ALL
  SELECT p.pronamespace, CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END,
         p.proname::text, oidvectortypes(p.proargtypes)
  FROM pg_proc p WHERE src.refclassid = 'pg_proc'::regclass AND p.oid = src.refobjid
  UNION ALL
  SELECT t.typnamespace,
         CASE WHEN t.typtype = 'd' THEN 'domain' WHEN t.typtype = 'e' THEN 'enum'
              WHEN rc.relkind = 'c' THEN 'composite type' WHEN rc.relkind = 'v' THEN 'view'
              WHEN rc.relkind = 'm' THEN 'materialized view' WHEN rc.relkind IN ('r', 'p') THEN 'table' END,
         coalesce(rc.relname, t.typname)::text, NULL
  FROM pg_type t0
  JOIN pg_type t ON t.oid = CASE WHEN t0.typcategory = 'A' AND t0.typelem <> 0 THEN t0.typelem ELSE t0.oid END
  LEFT JOIN pg_class rc ON t.typrelid <> 0 AND rc.oid = t.typrelid
  WHERE src.refclassid = 'pg_type'::regclass AND t0.oid = src.refobjid
) k
WHERE k.kind IS NOT NULL`;

// Grants (read only with the `grants` setting). Each ACL is expanded with aclexplode; the owner's
// own entries are left out (its privileges are implicit in owning), and a NULL ACL is the
// object's default (acldefault), so a routine or type nobody touched still shows PUBLIC's
// EXECUTE or USAGE, which inspect-grants.ts then takes as the default it is.
const grantColumns = `CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee)::text END AS grantee,
       a.privilege_type::text AS privilege, a.is_grantable AS grantable`;

/**
 * The entries of an ACL (its default, acldefault of `kind`, where it is NULL) but the owner's, as
 * `a`; one row of NULLs where none is left, so that an object granting nothing is still seen.
 */
const everyGrantee = (acl: string, kind: string, owner: string): string =>
  `LEFT JOIN LATERAL (SELECT * FROM aclexplode(coalesce(${acl}, acldefault('${kind}', ${owner}))) e WHERE e.grantee <> ${owner}) a ON true`;

/** On the tenant's schema itself. */
export const SCHEMA_GRANTS = `
SELECT n.nspname AS schema, 'schema' AS kind, '' AS name, NULL::text AS args, NULL::text AS column_name, ${grantColumns}
FROM pg_namespace n
CROSS JOIN LATERAL aclexplode(n.nspacl) a
WHERE n.nspname = ANY($1::text[]) AND a.grantee <> n.nspowner`;

/**
 * On the managed relations, and on their columns (attacl, read per relation through
 * pg_attribute's attrelid index). An identity column's sequence is part of its column
 * (notPartOfAnother) and not read.
 */
export const RELATION_GRANTS = `
SELECT n.nspname AS schema, c.relkind::text AS kind, c.relname::text AS name, NULL::text AS args, NULL::text AS column_name, ${grantColumns}
${inSchemas('pg_class', 'c', 'relnamespace')}
CROSS JOIN LATERAL aclexplode(c.relacl) a
WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p', 'v', 'm', 'S') AND a.grantee <> c.relowner
  AND ${notPartOfAnother('pg_class', 'c.oid')}
UNION ALL
SELECT n.nspname, c.relkind::text, c.relname::text, NULL::text, col.attname::text, ${grantColumns}
${inSchemas('pg_class', 'c', 'relnamespace')}
CROSS JOIN LATERAL (
  SELECT x.attname, x.attacl FROM pg_attribute x
  WHERE x.attrelid = c.oid AND x.attnum > 0 AND NOT x.attisdropped AND x.attacl IS NOT NULL
  OFFSET 0
) col
CROSS JOIN LATERAL aclexplode(col.attacl) a
WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p', 'v', 'm') AND a.grantee <> c.relowner
  AND ${notPartOfAnother('pg_class', 'c.oid')}`;

/**
 * Grants on an identity column's sequence (a part of its column, deptype 'i', that the model does
 * not hold as a sequence of its own): pg_dump prints them, so they are reported as unmanaged, one
 * row per sequence.
 */
export const IDENTITY_SEQUENCE_GRANTS = `
SELECT DISTINCT n.nspname AS schema, 'grants' AS kind, 'on identity sequence ' || c.relname::text AS name, NULL::text AS args
${inSchemas('pg_class', 'c', 'relnamespace')}
CROSS JOIN LATERAL aclexplode(c.relacl) a
WHERE n.nspname = ANY($1::text[]) AND c.relkind = 'S' AND c.relacl IS NOT NULL AND a.grantee <> c.relowner
  AND EXISTS (SELECT 1 FROM pg_depend x WHERE x.classid = 'pg_class'::regclass AND x.objid = c.oid AND x.deptype = 'i')`;

/**
 * On functions, procedures and aggregates, named as ROUTINES and AGGREGATES name them: one row
 * with a NULL grantee for a routine that grants nothing to anyone, so that PUBLIC's EXECUTE,
 * revoked, is seen to be missing.
 */
export const ROUTINE_GRANTS = `
SELECT n.nspname AS schema, CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END AS kind,
       p.proname::text AS name, oidvectortypes(p.proargtypes) AS args, NULL::text AS column_name, ${grantColumns}
${inSchemas('pg_proc', 'p', 'pronamespace')}
${everyGrantee('p.proacl', 'f', 'p.proowner')}
WHERE n.nspname = ANY($1::text[]) AND p.prokind IN ('f', 'p', 'w', 'a')
  AND ${notPartOfAnother('pg_proc', 'p.oid')}`;

/** On enums, domains and composite types (a table's row type has no namespace dependency), as ROUTINE_GRANTS. */
export const TYPE_GRANTS = `
SELECT n.nspname AS schema, CASE t.typtype WHEN 'e' THEN 'enum' WHEN 'd' THEN 'domain' ELSE 'composite type' END AS kind,
       t.typname::text AS name, NULL::text AS args, NULL::text AS column_name, ${grantColumns}
${inSchemas('pg_type', 't', 'typnamespace')}
${everyGrantee('t.typacl', 'T', 't.typowner')}
WHERE n.nspname = ANY($1::text[]) AND t.typtype IN ('e', 'd', 'c')
  AND ${notPartOfAnother('pg_type', 't.oid')}`;

/**
 * ALTER DEFAULT PRIVILEGES IN SCHEMA: what the tenant's new objects will be granted, reported as
 * unmanaged (read with grants only, when pg_dump with privileges shows them too). pg_default_acl
 * holds a row only per role and kind someone altered, so reading it whole costs nothing.
 */
export const DEFAULT_PRIVILEGES = `
SELECT n.nspname AS schema, 'default privileges' AS kind,
       'for role ' || pg_get_userbyid(d.defaclrole) || ' on ' ||
         CASE d.defaclobjtype WHEN 'r' THEN 'tables' WHEN 'S' THEN 'sequences' WHEN 'f' THEN 'functions' WHEN 'T' THEN 'types' WHEN 'n' THEN 'schemas' ELSE d.defaclobjtype::text END AS name,
       NULL::text AS args
FROM pg_default_acl d
JOIN pg_namespace n ON n.oid = d.defaclnamespace
WHERE n.nspname = ANY($1::text[])`;
