// npm run bench -- --engine sqlite --tenants 1000
//
// The SQLite side of the bench: a fleet of tenant files (one database per tenant, found by the
// glob data/tenants/*.db) in a temporary project, and, side by side in one run, the library
// against the least the same work can cost: audit and plan against a bare read of the same schema
// rows from every file (sqlite-bare.ts); apply of one added column and index against the same SQL
// straight through better-sqlite3 file by file (sqlite-straight.ts). Only the ratios mean
// anything on a shared machine; they are reported, never asserted.
import Database from 'better-sqlite3';
import type { SchemaSyncEngine } from '../src/library/schema-sync.js';
import type { BenchArgs } from './args.js';
import { expectAllApplied, expectAuditInSync, expectEmptyPlan, expectOneGroup } from './checks.js';
import type { Cleanup } from './cleanup.js';
import { Samples, timed } from './measure.js';
import type { Progress } from './progress.js';
import { tenantNames } from './project.js';
import { buildReport, type Report } from './report.js';
import { bareRead } from './sqlite-bare.js';
import { sqliteAuditBreakdown } from './sqlite-breakdown.js';
import { sqliteBenchManifest, sqliteManifestWithAddedColumn } from './sqlite-manifest.js';
import { createSqliteBenchProject } from './sqlite-project.js';
import { createSqliteTenants } from './sqlite-setup.js';
import { applyStraightSqlite, dropAddedColumnSqlite } from './sqlite-straight.js';

const names = {
  bare: 'bare schema read',
  audit: 'audit',
  plan: 'plan (no changes)',
  straight: 'straight SQL, file by file',
  planAdd: 'plan (+column, +index)',
  apply: 'apply (+column, +index)',
} as const;

/** What audit may cost against the bare read (the aim). */
const auditAim = 2;

export async function runSqliteBench(args: BenchArgs, progress: Progress, cleanup: Cleanup): Promise<Report> {
  const project = await createSqliteBenchProject(sqliteBenchManifest);
  cleanup.add('remove project', async () => {
    if (args.keep) progress.log(`kept project ${project.dir}`);
    else await project.remove();
  });
  progress.log(`project ${project.dir}`);

  const engines: SchemaSyncEngine[] = [];
  cleanup.add('close engines', async () => {
    await Promise.all(engines.map((e) => e.close()));
  });
  const open = async () => {
    const engine = await project.open();
    engines.push(engine);
    return engine;
  };

  // Setup, untimed.
  const tenants = tenantNames(args.tenants);
  const files = tenants.map((t) => project.fileOf(t));
  const engine = await open();
  const setup = await timed(() => createSqliteTenants(engine, project, tenants, progress));
  progress.log(`created ${tenants.length} tenant files in ${setup.seconds.toFixed(1)}s`);
  const discovered = await engine.listTenants();
  if (discovered.length !== tenants.length) {
    throw new Error(`discovery found ${discovered.length} tenants, expected ${tenants.length}`);
  }

  const samples = new Samples();
  // One untimed round first, so both sides meet a warm page cache and a loaded manifest; it also
  // checks the fleet is what the measurements assume.
  progress.log('warm-up: bare schema read and audit');
  const counts = bareRead(files);
  progress.log(
    `schema rows: ${counts.objects} sqlite_schema rows, ${counts.tables} tables, ${counts.columns} columns, ` +
      `${counts.indexColumns} index_xinfo rows, ${counts.foreignKeyColumns} foreign key columns in ${counts.files} files`,
  );
  expectAuditInSync(await engine.audit(), tenants.length, 'warm-up audit');

  for (let run = 1; run <= args.repeat; run++) {
    progress.log(`run ${run}/${args.repeat}: bare schema read, audit, plan`);
    samples.add(names.bare, (await timed(async () => bareRead(files))).seconds);
    const audit = await timed(() => engine.audit());
    expectAuditInSync(audit.value, tenants.length, 'audit');
    samples.add(names.audit, audit.seconds);
    const plan = await timed(() => engine.plan());
    expectEmptyPlan(plan.value, tenants.length, 'plan');
    samples.add(names.plan, plan.seconds);
  }

  const breakdown = args.breakdown ? await sqliteAuditBreakdown(engine, files, progress) : undefined;

  // apply: the manifest gains a column and an index, as a user would edit it; a fresh engine
  // loads it (a Project reads its manifest once).
  await project.writeManifest(sqliteManifestWithAddedColumn());
  const editedEngine = await open();
  for (let run = 1; run <= args.repeat; run++) {
    progress.log(`run ${run}/${args.repeat}: straight SQL, file by file`);
    samples.add(names.straight, (await timed(async () => applyStraightSqlite(files))).seconds);
    dropAddedColumnSqlite(files);

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
    dropAddedColumnSqlite(files);
    await project.forgetSnapshots();
  }
  // What is on disk matches the files again, for --keep.
  await project.writeManifest(sqliteBenchManifest);

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
      server: `SQLite ${sqliteVersion()} (better-sqlite3), one file per tenant`,
      ...(breakdown && { breakdown }),
    },
    [
      row(names.bare),
      row(names.audit, names.bare, auditAim),
      row(names.plan, names.bare),
      row(names.planAdd, names.bare),
      row(names.straight),
      row(names.apply, names.straight),
    ],
  );
}

function sqliteVersion(): string {
  const db = new Database(':memory:');
  try {
    return db.prepare('SELECT sqlite_version()').pluck().get() as string;
  } finally {
    db.close();
  }
}
