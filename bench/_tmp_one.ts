import pg from 'pg';
import { inspectSchemas } from '../src/engines/postgres/inspect.js';
import * as q from '../src/engines/postgres/queries.js';
const c = new pg.Client('postgres://postgres@127.0.0.1:5432/' + process.argv[2]); await c.connect();
for (let i = 0; i < 3; i++) { const t = performance.now(); await inspectSchemas(c, ['tenant_00500']); console.log('inspect one ms', (performance.now() - t).toFixed(1)); }
const named: [string,string][] = Object.entries(q).filter(([k, v]) => typeof v === 'string' && k !== 'LIST_SCHEMAS' && k !== 'INVALID_INDEXES' && k !== 'CONSTRAINTS_PRE15') as any;
for (const [n, sql] of named) { const t = performance.now(); await c.query(sql, [['tenant_00500']]); console.log(n.padEnd(26), (performance.now() - t).toFixed(1)); }
await c.end();
