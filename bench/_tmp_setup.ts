import { createBenchDatabase, connectMany, endAll } from './database.js';
import { createBenchProject } from './project.js';
import { benchManifest } from './manifest.js';
import pg from 'pg';
const db = await createBenchDatabase();
try {
  const p = await createBenchProject(db.url, benchManifest);
  const c = new pg.Client(db.url); await c.connect(); await c.query('create schema tenant_00001');
  const e = await p.open();
  const plan = await e.plan({ tenants: ['tenant_00001'] });
  const g = plan.groups[0]!;
  const tpl = g.steps.flatMap((s) => s.sql).join(';\n');
  let n = 0;
  const sqlFor = (k: number) => { const name = `"x_${n++}"`; return `BEGIN; CREATE SCHEMA ${name};` + tpl.split(g.placeholder).join(name) + '; COMMIT;'; };
  for (const conns of [1, 2, 4]) {
    const cs = await connectMany(db.url, conns);
    await Promise.all(cs.map((x) => x.query('SET synchronous_commit TO off')));
    const t = performance.now();
    await Promise.all(cs.map(async (x) => { for (let i = 0; i < 40 / conns; i++) await x.query(Array.from({length: 1}, () => sqlFor(0)).join('\n')); }));
    console.log(conns, 'conns: ms/tenant', (performance.now() - t) / 40);
    await endAll(cs);
  }
  const t = performance.now();
  await c.query('SET synchronous_commit TO off');
  await c.query(Array.from({length: 20}, () => sqlFor(0)).join('\n'));
  console.log('batch 20 one conn ms/tenant', (performance.now() - t) / 20);
  await e.close(); await c.end(); await p.remove();
} finally { await db.drop(); }
