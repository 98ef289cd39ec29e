import pg from 'pg';
import * as q from '../src/engines/postgres/queries.js';
import { catalogQueries } from './catalog.js';
import { tenantNames } from './project.js';
const c = new pg.Client('postgres://postgres@127.0.0.1:5432/' + process.argv[2]); await c.connect();
const names = tenantNames(1000).slice(0, 500);
await c.query(`BEGIN; SET LOCAL search_path TO ''`);
const all: [string, string][] = [...Object.entries(catalogQueries).map(([k, v]) => ['bare ' + k, v] as [string, string]),
  ['lib TABLES', q.TABLES], ['lib COLUMNS', q.COLUMNS], ['lib CONSTRAINTS', q.CONSTRAINTS], ['lib INDEXES', q.INDEXES], ['lib SEQUENCES', q.SEQUENCES]];
for (let rep = 0; rep < 2; rep++) for (const [n, sql] of all) {
  const t = performance.now(); const r = await c.query(sql, [names]); const ms = performance.now() - t;
  const t2 = performance.now(); const r2 = await c.query({ text: sql, values: [names], rowMode: 'array' }); const ms2 = performance.now() - t2;
  const e = await c.query('EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON, COSTS OFF) ' + sql, [names]);
  const exec = e.rows.map((x: any) => x['QUERY PLAN']).filter((l: string) => /Execution Time/.test(l))[0];
  if (rep === 1) console.log(n.padEnd(18), 'rows', String(r.rowCount).padStart(6), 'client ms', ms.toFixed(0).padStart(5), 'array ms', ms2.toFixed(0).padStart(5), exec);
}
if (process.argv[3]) { const e = await c.query('EXPLAIN (ANALYZE, COSTS OFF) ' + (q as any)[process.argv[3]], [names]); console.log(e.rows.map((x: any) => x['QUERY PLAN']).join('\n')); }
await c.query('COMMIT'); await c.end();
