// node --import tsx bench/compare-fleets.ts --small NAME --large NAME [--rounds R]
//
// Whether audit and plan grow linearly with the fleet: alternates them on two kept fleets (built
// by npm run bench -- --tenants N --database NAME, say 1,000 and 10,000 tenants) in one process,
// round after round, so both sizes meet the same load on a shared machine, and prints each
// size's median and their ratio. Two bench runs back to back can differ by the load of the
// minutes between them more than by the fleet. Read-only; a tenant not in sync stops it.

import { parseArgs } from 'node:util';
import type { SchemaSyncEngine } from '../src/library/schema-sync.js';
import { urlFor } from './engines/postgres/database.js';
import { createPostgresProject } from './engines/postgres/index.js';
import { benchManifest } from './engines/postgres/manifest.js';
import { median, timed } from './measure.js';
import type { BenchProject } from './project.js';

const { values } = parseArgs({
  options: { small: { type: 'string' }, large: { type: 'string' }, rounds: { type: 'string' } },
  strict: true,
});
if (values.small === undefined || values.large === undefined) {
  process.stderr.write('usage: node --import tsx bench/compare-fleets.ts --small NAME --large NAME [--rounds R]\n');
  process.exit(2);
}
const rounds = Number(values.rounds ?? 3);
const fleets = [values.small, values.large];
const projects: BenchProject[] = [];
const engines: SchemaSyncEngine[] = [];
const seconds = new Map<string, number[]>();


try {
  for (const db of fleets) {
    const project = await createPostgresProject(urlFor(db), benchManifest);
    projects.push(project);
    const engine = await project.open();
    engines.push(engine);
    await engine.audit(); // warm-up: compile cache, catalog caches
  }
  for (let round = 1; round <= rounds; round++) {
    for (const [i, db] of fleets.entries()) {
      const engine = engines[i] as SchemaSyncEngine;
      const audit = await timed(() => engine.audit());
      if (audit.value.summary.inSync !== audit.value.summary.total) throw new Error(`${db}: audit found tenants not in sync`);
      const plan = await timed(() => engine.plan());
      for (const [what, s] of [['audit', audit.seconds], ['plan', plan.seconds]] as const) {
        const key = `${what} ${db}`;
        seconds.set(key, [...(seconds.get(key) ?? []), s]);
        process.stderr.write(`round ${round}: ${key} ${s.toFixed(3)}s (${audit.value.summary.total} tenants)\n`);
      }
    }
  }
  for (const what of ['audit', 'plan']) {
    const small = median(seconds.get(`${what} ${values.small}`) ?? []);
    const large = median(seconds.get(`${what} ${values.large}`) ?? []);
    process.stdout.write(`${what}: ${values.small} ${small.toFixed(3)}s, ${values.large} ${large.toFixed(3)}s, ratio ${(large / small).toFixed(2)}x (medians of ${rounds})\n`);
  }
} finally {
  await Promise.all(engines.map((e) => e.close()));
  await Promise.all(projects.map((p) => p.remove()));
}
