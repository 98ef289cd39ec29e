import pg from 'pg';
import * as q from '../src/engines/postgres/queries.js';
import { tenantNames } from './project.js';
import { catalogQueries } from './catalog.js';
const c = new pg.Client('postgres://postgres@127.0.0.1:5432/' + process.argv[2]); await c.connect();
const names = tenantNames(1000).slice(0, 500);
await c.query(`BEGIN; SET LOCAL search_path TO ''`);
const variants: [string, string][] = [
  ['bare columns', catalogQueries.columns], ['bare constraints', catalogQueries.constraints], ['bare indexes', catalogQueries.indexes], ['bare tables', catalogQueries.tables], ['COLUMNS', q.COLUMNS],
  ['COLUMNS no col_description', q.COLUMNS.replace('col_description(a.attrelid, a.attnum)', 'NULL::text')],
  ['COLUMNS no element joins', q.COLUMNS.replace(/format_type\(et\.oid, NULL\) AS element_type,\s*en\.nspname AS element_schema,\s*et\.typtype::text AS element_kind/, "'' AS x").replace(/JOIN pg_type et[^\n]*\nJOIN pg_namespace en[^\n]*\n/, '')],
  ['COLUMNS no extension NOT EXISTS', q.COLUMNS.replace(/AND NOT EXISTS \(SELECT 1 FROM pg_depend x[^)]*\)/, '')],
  ['TABLES', q.TABLES],
  ['TABLES no obj_description', q.TABLES.replace("obj_description(c.oid, 'pg_class')", 'NULL::text')],
  ['TABLES no NOT EXISTS', q.TABLES.replace(/AND NOT EXISTS \(SELECT 1 FROM pg_depend x[^)]*\)/, '')],
  ['CONSTRAINTS', q.CONSTRAINTS],
  ['CONSTRAINTS no arrays', q.CONSTRAINTS.replace(/ARRAY\(SELECT a\.attname::text\s+FROM unnest\(con\.conkey\)[\s\S]*?ORDER BY k\.ord\) AS columns/, 'NULL AS columns').replace(/ARRAY\(SELECT a\.attname::text\s+FROM unnest\(con\.confkey\)[\s\S]*?ORDER BY k\.ord\) AS ref_columns/, 'NULL AS ref_columns')],
  ['INDEXES', q.INDEXES],
  ['INDEXES regcollation/opclass via index lookups', q.INDEXES.replace(/LEFT JOIN pg_opclass opc ON opc\.oid = k\.cls/, 'LEFT JOIN LATERAL (SELECT * FROM pg_opclass o WHERE o.oid = k.cls OFFSET 0) opc ON true').replace(/LEFT JOIN pg_collation kco ON kco\.oid = k\.coll/, 'LEFT JOIN LATERAL (SELECT * FROM pg_collation x WHERE x.oid = k.coll OFFSET 0) kco ON true')],
];
const best = new Map<string, number>(); for (let rep = 0; rep < 6; rep++) for (const [n, sql] of variants) {
  const t = performance.now(); const r = await c.query(sql, [names]); const ms = performance.now() - t;
  best.set(n, Math.min(best.get(n) ?? 1e9, ms)); if (rep === 5) console.log(n.padEnd(48), String(r.rowCount).padStart(6), "min ms", best.get(n)!.toFixed(0).padStart(5));
}
await c.query('COMMIT'); await c.end();
