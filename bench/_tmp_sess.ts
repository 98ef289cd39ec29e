import { openPostgresSession } from '../src/engines/postgres/session.js';
import { fingerprint } from '../src/model/fingerprint.js';
import { timed } from './measure.js';
const url = 'postgres://postgres@127.0.0.1:5432/' + process.argv[2];
for (const name of ['tenant_00100', 'tenant_00200', 'tenant_00300']) {
  const t: Record<string, number> = {};
  const s = await timed(() => openPostgresSession(url, { name, labels: [] })); t.connect = s.seconds;
  const sess = s.value;
  t.lock = (await timed(() => sess.acquireLock())).seconds;
  const i1 = await timed(() => sess.inspect()); t.inspect = i1.seconds;
  t.fingerprint = (await timed(async () => fingerprint(i1.value))).seconds;
  t.run = (await timed(() => sess.runSteps([{ summary: 'x', sql: [`ALTER TABLE "${name}"."tasks" ADD COLUMN zz text`, `CREATE INDEX zz_idx ON "${name}"."tasks" (zz)`], hazards: [], transactional: true }], { lockTimeoutMs: 5000, statementTimeoutMs: 300000 }))).seconds;
  t.inspect2 = (await timed(() => sess.inspect())).seconds;
  t.invalid = (await timed(() => sess.invalidIndexes())).seconds;
  await sess.runSteps([{ summary: 'x', sql: [`ALTER TABLE "${name}"."tasks" DROP COLUMN zz`], hazards: [], transactional: true }], { lockTimeoutMs: 5000, statementTimeoutMs: 300000 });
  t.unlock = (await timed(() => sess.releaseLock())).seconds;
  t.close = (await timed(() => sess.close())).seconds;
  console.log(Object.entries(t).map(([k, v]) => `${k} ${(v * 1000).toFixed(1)}ms`).join('  '));
}
