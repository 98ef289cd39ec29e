// node --import tsx bench/compare-apply.ts --database NAME --checkout before=DIR --checkout after=. [--rounds R] [--tenants N]
//
// Whether a change made apply faster on PostgreSQL: alternates, round after round in one process,
// the straight SQL on one connection and apply by each checkout's library (DIR holds src/ and
// schemas/ of another version, say `git worktree add DIR main`), on one kept fleet (built by
// npm run bench -- --tenants N --database NAME --build-only). Two bench runs back to back differ
// by the load of the minutes between them more than by the change; here every version meets the
// same load. Each apply is checked, then undone; prints each one's median and its ratio to the
// straight SQL.

import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { SchemaSyncEngine } from '../src/library/schema-sync.js';
import { expectAllApplied, expectOneGroup } from './checks.js';
import { connect, urlFor } from './engines/postgres/database.js';
import { createPostgresProject } from './engines/postgres/index.js';
import { benchManifestWithAddedColumn } from './engines/postgres/manifest.js';
import { applyStraight, dropAddedColumn } from './engines/postgres/straight.js';
import { median, timed } from './measure.js';
import type { BenchProject } from './project.js';
import { tenantNames } from './project.js';

const { values } = parseArgs({
  options: { database: { type: 'string' }, checkout: { type: 'string', multiple: true }, rounds: { type: 'string' }, tenants: { type: 'string' } },
  strict: true,
});
const checkouts = (values.checkout ?? []).map((spec) => {
  const at = spec.indexOf('=');
  return { name: spec.slice(0, at), dir: path.resolve(spec.slice(at + 1)) };
});
if (values.database === undefined || checkouts.length === 0 || checkouts.some((c) => c.name === '')) {
  process.stderr.write('usage: node --import tsx bench/compare-apply.ts --database NAME --checkout NAME=DIR ... [--rounds R] [--tenants N]\n');
  process.exit(2);
}
const url = urlFor(values.database);
const rounds = Number(values.rounds ?? 3);
const tenants = tenantNames(Number(values.tenants ?? 1000));
const straightName = 'straight SQL, 1 connection';

interface Run {
  readonly name: string;
  readonly project: BenchProject;
  readonly engine: SchemaSyncEngine;
}
const runs: Run[] = [];
const seconds = new Map<string, number[]>();
const record = (name: string, s: number) => seconds.set(name, [...(seconds.get(name) ?? []), s]);
const straight = await connect(url);
try {
  for (const { name, dir } of checkouts) {
    // The checkout's own library, loaded beside this one's: each version applies with its code.
    // The library moved from src/engine.ts to src/library/schema-sync.ts: either version may be checked out.
    const library = existsSync(path.join(dir, 'src', 'library', 'schema-sync.ts')) ? path.join(dir, 'src', 'library', 'schema-sync.ts') : path.join(dir, 'src', 'engine.ts');
    const { SchemaSyncEngine: Engine } = (await import(library)) as typeof import('../src/library/schema-sync.js');
    const project = await createPostgresProject(url, benchManifestWithAddedColumn());
    runs.push({ name, project, engine: (await Engine.open({ file: project.configFile })) as SchemaSyncEngine });
  }
  await dropAddedColumn(url, tenants);
  for (let round = 1; round <= rounds; round++) {
    const s = await timed(() => applyStraight(straight, tenants));
    record(straightName, s.seconds);
    process.stderr.write(`round ${round}: ${straightName} ${s.seconds.toFixed(3)}s\n`);
    await dropAddedColumn(url, tenants);
    for (const { name, project, engine } of runs) {
      const plan = await engine.plan();
      expectOneGroup(plan, tenants.length, 2, `${name}: plan of the added column and index`);
      const applied = await timed(() => engine.apply(plan));
      expectAllApplied(applied.value, tenants.length, `${name}: apply`);
      record(name, applied.seconds);
      process.stderr.write(`round ${round}: apply ${name} ${applied.seconds.toFixed(3)}s\n`);
      await dropAddedColumn(url, tenants);
      await project.forgetSnapshots();
    }
  }
  const base = median(seconds.get(straightName) ?? []);
  for (const [name, runSeconds] of seconds) {
    const m = median(runSeconds);
    process.stdout.write(
      `${name}: median ${m.toFixed(3)}s (runs ${runSeconds.map((r) => r.toFixed(3)).join(', ')})` +
        (name === straightName ? '\n' : `, ${(m / base).toFixed(2)}x the straight SQL\n`),
    );
  }
} finally {
  await straight.end();
  await Promise.all(runs.map((r) => r.engine.close()));
  await Promise.all(runs.map((r) => rm(r.project.dir, { recursive: true, force: true })));
}
