import { SchemaSyncEngine } from '../src/engine.js';
import { auditBreakdown } from './breakdown.js';
import { readCatalog } from './catalog.js';
import { connect } from './database.js';
import { Progress } from './progress.js';
import { tenantNames } from './project.js';
import { timed } from './measure.js';
const e = await SchemaSyncEngine.open({ file: process.argv[2] + '/schema-sync.yaml' });
const c = await connect(e.project.config.url!);
const names = tenantNames(1000);
await readCatalog(c, names); await e.audit();
for (let i = 0; i < 2; i++) {
  console.log('bare', (await timed(() => readCatalog(c, names))).seconds.toFixed(3), 'audit', (await timed(() => e.audit())).seconds.toFixed(3));
}
if (process.argv[3] === 'bd') for (const p of await auditBreakdown(e, c, names, new Progress())) console.log(p.phase.padEnd(45), p.seconds.toFixed(3));
await c.end(); await e.close();
