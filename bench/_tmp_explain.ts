import pg from 'pg';
import * as q from '../src/engines/postgres/queries.js';
const c = new pg.Client('postgres://postgres@127.0.0.1:5432/' + process.argv[2]); await c.connect();
for (const n of process.argv.slice(3)) {
  const sql = (q as any)[n] as string;
  const r = await c.query('EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) ' + sql, [['tenant_00500']]);
  console.log('==', n); console.log(r.rows.map((x: any) => x['QUERY PLAN']).join('\n'));
}
await c.end();
