// The baseline for audit and plan: the least a tool must ask the catalog to know a tenant's
// tables, columns (type, nullability, default), constraints and indexes. Every row is fetched and
// every deparsing function the answer needs runs on the server, but nothing is done with the rows.
// The bench keeps its own SQL here on purpose: the library's queries are what is being measured.

import type pg from 'pg';

/** Same chunk size as the library's inspector, so both send the same number of `= ANY` arrays. */
export const catalogChunk = 500;

const TABLES = `
SELECT n.nspname, c.relname, c.relkind, c.relpersistence
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p')`;

const COLUMNS = `
SELECT n.nspname, c.relname, a.attname, a.attnum,
       format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull,
       a.attidentity, a.attgenerated, pg_get_expr(d.adbin, d.adrelid) AS default_expr
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped`;

const CONSTRAINTS = `
SELECT n.nspname, c.relname, con.conname, con.contype, pg_get_constraintdef(con.oid) AS definition
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1::text[])`;

const INDEXES = `
SELECT n.nspname, c.relname, ic.relname AS index_name, i.indisunique, i.indisvalid,
       pg_get_indexdef(i.indexrelid) AS definition
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p')`;

export const catalogQueries = { tables: TABLES, columns: COLUMNS, constraints: CONSTRAINTS, indexes: INDEXES } as const;

export interface CatalogCounts {
  tables: number;
  columns: number;
  constraints: number;
  indexes: number;
}

/**
 * Reads the four catalogs for all tenants, a chunk at a time, and returns only the row counts
 * (holding 10,000 tenants' rows would measure the garbage collector, not the catalog).
 */
export async function readCatalog(client: pg.ClientBase, tenants: readonly string[]): Promise<CatalogCounts> {
  const counts: CatalogCounts = { tables: 0, columns: 0, constraints: 0, indexes: 0 };
  for (let i = 0; i < tenants.length; i += catalogChunk) {
    const params = [tenants.slice(i, i + catalogChunk)];
    for (const kind of ['tables', 'columns', 'constraints', 'indexes'] as const) {
      counts[kind] += (await client.query(catalogQueries[kind], params)).rowCount ?? 0;
    }
  }
  return counts;
}
