// The baseline for audit and plan: the least a tool must ask the catalog to know everything audit
// compares or reports about a tenant: its tables (with partitioning, inheritance, persistence,
// storage and row-level security), columns (type, nullability, default, identity, generation,
// collation and settings), constraints, indexes, comments, enums, sequences, the objects the
// server prints whole (views and materialized views, functions, procedures and aggregates,
// triggers, policies, rules, domains with their checks, composite types, extended statistics),
// and the objects it reports as unmanaged (other relations, types, collations, operators, and
// the rest). One query per kind the audit reads, every row fetched and every deparsing function
// the answer needs run on the server, but nothing done with the rows. Written as a tool plainly
// would, each filtered by schema name. What audit reads only to order a plan (the objects'
// dependencies) is left out. The bench keeps its own SQL here on purpose: the library's queries
// are what is being measured.

import type pg from 'pg';

/** Same chunk size as the library's inspector, so both send the same number of `= ANY` arrays. */
export const catalogChunk = 500;

const inChunk = (namespaceColumn: string): string => `JOIN pg_namespace n ON n.oid = ${namespaceColumn} AND n.nspname = ANY($1::text[])`;

/**
 * Every relation: tables, sequences, views, materialized views, foreign tables, composite types,
 * partitions, with a view's definition, a partition's parent and bound, and a table's parents.
 */
const RELATIONS = `
SELECT n.nspname, c.relname, c.relkind, c.relpersistence, c.relispartition, c.reloptions, c.relrowsecurity,
       c.relforcerowsecurity, c.relreplident, obj_description(c.oid, 'pg_class') AS comment,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_by,
       pg_get_expr(c.relpartbound, c.oid) AS partition_bound, inh.inhparent::regclass AS parent, inh.inhseqno,
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid, true) END AS view_definition
FROM pg_class c
${inChunk('c.relnamespace')}
LEFT JOIN pg_inherits inh ON inh.inhrelid = c.oid
WHERE c.relkind IN ('r', 'p', 'S', 'v', 'm', 'f', 'c')`;

/** Columns of tables, and the attributes of composite types. */
const COLUMNS = `
SELECT n.nspname, c.relname, a.attname, a.attnum,
       format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull, a.attcollation, a.attislocal,
       a.attidentity, a.attgenerated, pg_get_expr(d.adbin, d.adrelid) AS default_expr,
       a.attstattarget, a.attstorage, a.attcompression, a.attoptions
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
${inChunk('c.relnamespace')}
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE c.relkind IN ('r', 'p', 'c') AND a.attnum > 0 AND NOT a.attisdropped`;

/** Constraints of tables and of domains. */
const CONSTRAINTS = `
SELECT n.nspname, c.relname, con.conname, con.contype, pg_get_constraintdef(con.oid) AS definition,
       obj_description(con.oid, 'pg_constraint') AS comment
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
${inChunk('c.relnamespace')}
UNION ALL
SELECT n.nspname, t.typname, con.conname, con.contype, pg_get_constraintdef(con.oid), obj_description(con.oid, 'pg_constraint')
FROM pg_constraint con
JOIN pg_type t ON t.oid = con.contypid
${inChunk('t.typnamespace')}`;

/** Indexes of tables and materialized views, with the partitioned index an attached one belongs to. */
const INDEXES = `
SELECT n.nspname, c.relname, ic.relname AS index_name, i.indisunique, i.indisvalid, i.indisclustered,
       i.indisreplident, ic.reloptions, inh.inhparent::regclass AS parent_index,
       pg_get_indexdef(i.indexrelid) AS definition
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class c ON c.oid = i.indrelid
${inChunk('c.relnamespace')}
LEFT JOIN pg_inherits inh ON inh.inhrelid = i.indexrelid
WHERE c.relkind IN ('r', 'p', 'm')`;

/** Comments on tables and their columns. */
const COMMENTS = `
SELECT n.nspname, c.relname, ds.objsubid, ds.description
FROM pg_description ds
JOIN pg_class c ON c.oid = ds.objoid AND ds.classoid = 'pg_class'::regclass
${inChunk('c.relnamespace')}`;

const ENUMS = `
SELECT n.nspname, t.typname, e.enumlabel, e.enumsortorder, obj_description(t.oid, 'pg_type') AS comment
FROM pg_type t
${inChunk('t.typnamespace')}
JOIN pg_enum e ON e.enumtypid = t.oid`;

const SEQUENCES = `
SELECT n.nspname, c.relname, format_type(s.seqtypid, NULL) AS type, s.seqstart, s.seqincrement,
       s.seqmin, s.seqmax, s.seqcache, s.seqcycle, d.refobjid::regclass AS owned_by, d.refobjsubid, d.deptype
FROM pg_sequence s
JOIN pg_class c ON c.oid = s.seqrelid
${inChunk('c.relnamespace')}
LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid
  AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')`;

/** Functions and procedures as the server prints them; aggregates with their parts. */
const ROUTINES = `
SELECT n.nspname, p.proname, p.prokind, pg_get_function_identity_arguments(p.oid) AS args,
       CASE WHEN p.prokind <> 'a' THEN pg_get_functiondef(p.oid) END AS definition,
       a.aggtransfn, a.aggtranstype, a.aggfinalfn, a.agginitval, obj_description(p.oid, 'pg_proc') AS comment
FROM pg_proc p
${inChunk('p.pronamespace')}
LEFT JOIN pg_aggregate a ON a.aggfnoid = p.oid`;

/**
 * Domains (base type, default, NOT NULL; their checks are in CONSTRAINTS), composite, range and
 * base types (and the arrays and row types to tell apart from them).
 */
const TYPES = `
SELECT n.nspname, t.typname, t.typtype, t.typelem, t.typrelid, format_type(t.typbasetype, t.typtypmod) AS base_type,
       pg_get_expr(t.typdefaultbin, 0) AS default_expr, t.typnotnull, obj_description(t.oid, 'pg_type') AS comment
FROM pg_type t
${inChunk('t.typnamespace')}
WHERE t.typtype IN ('d', 'c', 'r', 'b', 'm')`;

/** Triggers, policies and rules of every relation, as the server prints them. */
const TABLE_OBJECTS = `
SELECT n.nspname, c.relname, 'trigger' AS kind, tg.tgname AS name, pg_get_triggerdef(tg.oid) AS definition,
       tg.tgenabled::text AS enabled, NULL::text AS using_expr, NULL::text AS check_expr,
       obj_description(tg.oid, 'pg_trigger') AS comment
FROM pg_trigger tg
JOIN pg_class c ON c.oid = tg.tgrelid
${inChunk('c.relnamespace')}
WHERE NOT tg.tgisinternal
UNION ALL
SELECT n.nspname, c.relname, 'policy', pol.polname,
       pol.polcmd::text || ' ' || pol.polpermissive::text || ' ' || array_to_string(ARRAY(SELECT r::regrole::text FROM unnest(pol.polroles) r), ','),
       NULL, pg_get_expr(pol.polqual, pol.polrelid), pg_get_expr(pol.polwithcheck, pol.polrelid),
       obj_description(pol.oid, 'pg_policy')
FROM pg_policy pol
JOIN pg_class c ON c.oid = pol.polrelid
${inChunk('c.relnamespace')}
UNION ALL
SELECT n.nspname, c.relname, 'rule', r.rulename, pg_get_ruledef(r.oid), r.ev_enabled::text, NULL, NULL,
       obj_description(r.oid, 'pg_rewrite')
FROM pg_rewrite r
JOIN pg_class c ON c.oid = r.ev_class
${inChunk('c.relnamespace')}
WHERE r.rulename <> '_RETURN'`;

/** Extensions, collations, operators and the other kinds that live in a schema. */
const OTHER = [
  ['pg_extension', 'extname', 'extnamespace'],
  ['pg_collation', 'collname', 'collnamespace'],
  ['pg_operator', 'oprname', 'oprnamespace'],
  ['pg_opclass', 'opcname', 'opcnamespace'],
  ['pg_opfamily', 'opfname', 'opfnamespace'],
  ['pg_statistic_ext', 'stxname', 'stxnamespace'],
  ['pg_ts_config', 'cfgname', 'cfgnamespace'],
  ['pg_ts_dict', 'dictname', 'dictnamespace'],
  ['pg_conversion', 'conname', 'connamespace'],
]
  .map(
    ([catalog, name, namespace]) =>
      `SELECT n.nspname, '${catalog}' AS kind, x.${name}::text AS name, ` +
      // Extended statistics are managed: their definition is compared.
      `${catalog === 'pg_statistic_ext' ? 'pg_get_statisticsobjdef(x.oid)' : 'NULL::text'} AS definition FROM ${catalog} x ${inChunk(`x.${namespace}`)}`,
  )
  .join('\nUNION ALL\n');

export const catalogQueries = {
  relations: RELATIONS,
  columns: COLUMNS,
  constraints: CONSTRAINTS,
  indexes: INDEXES,
  comments: COMMENTS,
  'enum labels': ENUMS,
  sequences: SEQUENCES,
  routines: ROUTINES,
  types: TYPES,
  'triggers, policies, rules': TABLE_OBJECTS,
  'other objects': OTHER,
} as const;

export type CatalogCounts = Record<keyof typeof catalogQueries, number>;

/**
 * Reads the catalogs for all tenants, a chunk at a time, and returns only the row counts
 * (holding 10,000 tenants' rows would measure the garbage collector, not the catalog).
 */
export async function readCatalog(client: pg.ClientBase, tenants: readonly string[]): Promise<CatalogCounts> {
  const kinds = Object.keys(catalogQueries) as (keyof typeof catalogQueries)[];
  const counts = Object.fromEntries(kinds.map((k) => [k, 0])) as CatalogCounts;
  for (let i = 0; i < tenants.length; i += catalogChunk) {
    const params = [tenants.slice(i, i + catalogChunk)];
    for (const kind of kinds) counts[kind] += (await client.query(catalogQueries[kind], params)).rowCount ?? 0;
  }
  return counts;
}
