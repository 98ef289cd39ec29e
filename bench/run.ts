// npm run bench -- --tenants 1000
//
// Builds a fleet of tenant schemas and times, side by side in one run, the library against the
// least the same work can cost: audit and plan against the bare catalog read of the same tables,
// columns, constraints and indexes; apply of one added column and index against the same SQL
// straight through one connection. The machine is shared and noisy, so only the ratios mean
// anything, and they are reported, never asserted in tests (DESIGN.md, bench/).

import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { SchemaSyncEngine } from '../src/library/schema-sync.js';
import { BenchUsageError, parseBenchArgs, usage, type BenchArgs } from './args.js';
import { auditBreakdown } from './breakdown.js';
import { readCatalog } from './catalog.js';
import { expectAllApplied, expectAuditInSync, expectEmptyPlan, expectOneGroup } from './checks.js';
import { Cleanup } from './cleanup.js';
import { connect, createBenchDatabase, openKeptDatabase, redact, serverUrl } from './database.js';
import { benchManifest, manifestWithAddedColumn } from './manifest.js';
import { Samples, timed } from './measure.js';
import { Progress } from './progress.js';
import { createBenchProject, tenantNames } from './project.js';
import { aimsMet, buildReport, formatReport, type Report } from './report.js';
import { formatOnlineReport, runOnlineValidateBench } from './online-validate.js';
import { createTenants } from './setup.js';
import { runSqliteBench } from './sqlite-run.js';
import { applyStraight, dropAddedColumn } from './straight.js';

const names = {
  bare: 'bare catalog read',
  audit: 'audit',
  plan: 'plan (no changes)',
  compile: 'compile the desired schema (no cache)',
  straight: 'straight SQL, 1 connection',
  planAdd: 'plan (+column, +index)',
  apply: 'apply (+column, +index)',
} as const;

async function runBench(args: BenchArgs, progress: Progress, cleanup: Cleanup): Promise<Report | undefined> {
  const db = args.database === undefined ? await createBenchDatabase() : await openKeptDatabase(args.database);
  cleanup.add('drop database', async () => {
    if (args.keep || args.database !== undefined) progress.log(`kept database ${db.name}: ${redact(db.url)}`);
    else await db.drop();
  });
  progress.log(`database ${db.name} on ${redact(serverUrl)}`);

  const project = await createBenchProject(db.url, benchManifest);
  cleanup.add('remove project', async () => {
    if (args.keep) progress.log(`kept project ${project.dir}`);
    else await project.remove();
  });

  const engines: SchemaSyncEngine[] = [];
  cleanup.add('close engines', async () => {
    await Promise.all(engines.map((e) => e.close()));
  });
  const open = async () => {
    const engine = await project.open();
    engines.push(engine);
    return engine;
  };

  // Setup, untimed: a kept database (--database) that already holds the fleet is reused.
  const tenants = tenantNames(args.tenants);
  const engine = await open();
  const existing = (await engine.listTenants()).length;
  if (existing === 0) {
    const setup = await timed(() => createTenants(engine, db.url, tenants, progress));
    progress.log(`created ${tenants.length} tenants in ${setup.seconds.toFixed(1)}s`);
  } else if (args.database !== undefined) {
    progress.log(`reusing the ${existing} tenants of database ${db.name}`);
  }
  const discovered = await engine.listTenants();
  if (discovered.length !== tenants.length) {
    throw new Error(
      `discovery found ${discovered.length} tenants, expected ${tenants.length}` +
        (args.database === undefined ? '' : ` (database ${db.name} holds another fleet: give its --tenants, or another --database)`),
    );
  }
  if (args.buildOnly) return undefined;

  const samples = new Samples();
  const catalog = await connect(db.url);
  cleanup.add('close catalog connection', () => catalog.end());

  // One untimed round first, so both sides meet warm catalog caches and a loaded manifest; it
  // also checks the fleet is what the measurements assume.
  progress.log('warm-up: bare catalog read and audit');
  const counts = await readCatalog(catalog, tenants);
  progress.log(`catalog rows: ${Object.entries(counts).map(([kind, n]) => `${n} ${kind}`).join(', ')}`);
  expectAuditInSync(await engine.audit(), tenants.length, 'warm-up audit');

  for (let run = 1; run <= args.repeat; run++) {
    progress.log(`run ${run}/${args.repeat}: bare catalog read, audit, plan`);
    samples.add(names.bare, (await timed(() => readCatalog(catalog, tenants))).seconds);
    const audit = await timed(() => engine.audit());
    expectAuditInSync(audit.value, tenants.length, 'audit');
    samples.add(names.audit, audit.seconds);
    const plan = await timed(() => engine.plan());
    expectEmptyPlan(plan.value, tenants.length, 'plan');
    samples.add(names.plan, plan.seconds);
    // The compile on its own: a fresh engine, the compile cache emptied first.
    await rm(path.join(project.dir, '.schema-sync'), { recursive: true, force: true });
    const fresh = await open();
    const firstTenant = discovered[0];
    if (!firstTenant) throw new Error('no tenant to compile for');
    samples.add(names.compile, (await timed(() => fresh.project.desired.desiredFor(firstTenant))).seconds);
  }

  const breakdown = args.breakdown ? await auditBreakdown(engine, catalog, tenants, progress) : undefined;

  // apply: the manifest gains a column and an index, as a user would edit it; a fresh engine
  // loads it (a Project reads its manifest once).
  await project.writeManifest(manifestWithAddedColumn());
  const editedEngine = await open();
  const straight = await connect(db.url);
  cleanup.add('close straight connection', () => straight.end());
  for (let run = 1; run <= args.repeat; run++) {
    progress.log(`run ${run}/${args.repeat}: straight SQL on one connection`);
    samples.add(names.straight, (await timed(() => applyStraight(straight, tenants))).seconds);
    await dropAddedColumn(db.url, tenants);

    progress.log(`run ${run}/${args.repeat}: plan and apply`);
    const plan = await timed(() => editedEngine.plan());
    expectOneGroup(plan.value, tenants.length, 2, 'plan of the added column and index');
    samples.add(names.planAdd, plan.seconds);
    if (run === 1) {
      const group = plan.value.groups[0];
      progress.log(`plan SQL per tenant: ${group?.steps.flatMap((s) => s.sql).join('; ')}`);
    }
    const applied = await timed(() => editedEngine.apply(plan.value));
    expectAllApplied(applied.value, tenants.length, 'apply');
    samples.add(names.apply, applied.seconds);
    if (run === args.repeat) expectAuditInSync(await editedEngine.audit(), tenants.length, 'audit after apply');
    await dropAddedColumn(db.url, tenants);
    await project.forgetSnapshots();
  }
  // What is on disk matches the database again, for --keep.
  await project.writeManifest(benchManifest);

  const row = (name: string, baseline?: string, aim?: number) => ({
    name,
    seconds: samples.median(name),
    runs: samples.all(name),
    ...(baseline !== undefined && { baseline }),
    ...(aim !== undefined && { aim }),
  });
  return buildReport(
    {
      tenants: tenants.length,
      repeat: args.repeat,
      server: (await catalog.query<{ v: string }>("SELECT 'PostgreSQL ' || current_setting('server_version') AS v")).rows[0]?.v ?? '',
      ...(breakdown && { breakdown }),
    },
    [
      row(names.bare),
      row(names.audit, names.bare, 1.5),
      row(names.plan, names.bare),
      row(names.compile, names.audit, 0.05),
      row(names.planAdd, names.bare),
      row(names.straight),
      row(names.apply, names.straight, 2),
    ],
  );
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseBenchArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof BenchUsageError) {
      process.stderr.write(`bench: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (args === 'help') {
    process.stdout.write(usage + '\n');
    return 0;
  }
  const progress = new Progress();
  const cleanup = new Cleanup();
  cleanup.onSignals();
  try {
    if (args.scenario === 'online-validate') {
      const report = await runOnlineValidateBench(args, progress, cleanup);
      process.stdout.write(args.json ? JSON.stringify(report, null, 2) + '\n' : '\n' + formatOnlineReport(report) + '\n');
      return 0;
    }
    const report = args.engine === 'sqlite' ? await runSqliteBench(args, progress, cleanup) : await runBench(args, progress, cleanup);
    if (report === undefined) return 0;
    process.stdout.write(args.json ? JSON.stringify(report, null, 2) + '\n' : '\n' + formatReport(report) + '\n');
    if (!aimsMet(report)) progress.log('\nsome aims were missed (✗); the ratios are reported, never asserted');
    return 0;
  } catch (error) {
    if (cleanup.interrupted) return 130;
    process.stderr.write(`\nbench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  } finally {
    await cleanup.run();
  }
}

process.exitCode = await main();
