// The fleet bench, for every engine: builds (or reuses) a fleet of tenants and times, side by
// side in one run, the library against the least the same work can cost: audit and plan against
// the engine's bare read of the same schema rows; apply of one added column and index against the
// same SQL run straight, tenant after tenant. The engine's module (bench/engines/) supplies those
// baselines and the fleet; this file is the sequence of measurements and the report. The machine
// is shared and noisy, so only the ratios mean anything, and they are reported, never asserted in
// tests (DESIGN.md, bench/).

import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { SchemaSyncEngine } from '../src/library/schema-sync.js';
import type { BenchArgs } from './args.js';
import type { BenchEngine } from './bench-engine.js';
import { expectAllApplied, expectAuditInSync, expectEmptyPlan, expectOneGroup } from './checks.js';
import type { Cleanup } from './cleanup.js';
import { Samples, timed } from './measure.js';
import type { Progress } from './progress.js';
import { tenantNames } from './project.js';
import { buildReport, type Report } from './report.js';

export async function runFleetBench(bench: BenchEngine, args: BenchArgs, progress: Progress, cleanup: Cleanup): Promise<Report | undefined> {
  const names = {
    bare: bench.names.bare,
    audit: 'audit',
    plan: 'plan (no changes)',
    compile: 'compile the desired schema (no cache)',
    coldAudit: 'audit (compile cache empty)',
    straight: bench.names.straight,
    planAdd: 'plan (+column, +index)',
    apply: 'apply (+column, +index)',
  } as const;
  const fleet = await bench.prepare(args, progress, cleanup);
  const { project } = fleet;

  const engines: SchemaSyncEngine[] = [];
  cleanup.add('close engines', async () => {
    await Promise.all(engines.map((e) => e.close()));
  });
  const open = async () => {
    const engine = await project.open();
    engines.push(engine);
    return engine;
  };

  // Setup, untimed: a kept fleet (--database) is reused.
  const tenants = tenantNames(args.tenants);
  const engine = await open();
  await fleet.build(engine, tenants, progress);
  const discovered = await engine.listTenants();
  if (discovered.length !== tenants.length) {
    throw new Error(`discovery found ${discovered.length} tenants, expected ${tenants.length}${fleet.mismatchHint ?? ''}`);
  }
  if (args.buildOnly) return undefined;

  const samples = new Samples();
  // One untimed round first, so both sides meet warm caches and a loaded manifest; it also checks
  // the fleet is what the measurements assume.
  progress.log(`warm-up: ${names.bare} and audit`);
  progress.log(await fleet.bareRead(tenants));
  expectAuditInSync(await engine.audit(), tenants.length, 'warm-up audit');

  for (let run = 1; run <= args.repeat; run++) {
    progress.log(`run ${run}/${args.repeat}: ${names.bare}, audit, plan`);
    samples.add(names.bare, (await timed(() => fleet.bareRead(tenants))).seconds);
    const audit = await timed(() => engine.audit());
    expectAuditInSync(audit.value, tenants.length, 'audit');
    samples.add(names.audit, audit.seconds);
    const plan = await timed(() => engine.plan());
    expectEmptyPlan(plan.value, tenants.length, 'plan');
    samples.add(names.plan, plan.seconds);
    if (bench.timesCompile) {
      // The compile on its own: a fresh engine with its manifest loaded and checked (as a cached
      // run loads it too), the compile cache emptied first; so this is what the cache saves.
      const firstTenant = discovered[0];
      if (!firstTenant) throw new Error('no tenant to compile for');
      await rm(path.join(project.dir, '.schema-sync'), { recursive: true, force: true });
      const fresh = await open();
      await fresh.project.desired.load();
      samples.add(names.compile, (await timed(() => fresh.project.desired.desiredFor(firstTenant))).seconds);
      // And what it costs an audit that finds the cache empty: the compile overlaps the reads.
      await rm(path.join(project.dir, '.schema-sync'), { recursive: true, force: true });
      const cold = await open();
      const coldAudit = await timed(() => cold.audit());
      expectAuditInSync(coldAudit.value, tenants.length, 'audit with the compile cache empty');
      samples.add(names.coldAudit, coldAudit.seconds);
    }
  }

  const breakdown = args.breakdown ? await fleet.breakdown(engine, tenants, progress) : undefined;

  // apply: the manifest gains a column and an index, as a user would edit it; a fresh engine
  // loads it (a Project reads its manifest once).
  await project.writeManifest(fleet.manifestWithAddedColumn);
  const editedEngine = await open();
  for (let run = 1; run <= args.repeat; run++) {
    progress.log(`run ${run}/${args.repeat}: ${names.straight}`);
    samples.add(names.straight, (await timed(() => fleet.applyStraight(tenants))).seconds);
    await fleet.undoStraight(tenants);

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
    await fleet.undoStraight(tenants);
    await project.forgetSnapshots();
  }
  // What is on disk matches the tenants again, for --keep.
  await project.writeManifest(fleet.manifest);

  const row = (name: string, baseline?: string, aim?: number) => ({
    name,
    seconds: samples.median(name),
    runs: samples.all(name),
    ...(baseline !== undefined && { baseline }),
    ...(aim !== undefined && { aim }),
  });
  return buildReport(
    { tenants: tenants.length, repeat: args.repeat, server: await fleet.server(), ...(breakdown && { breakdown }) },
    [
      row(names.bare),
      row(names.audit, names.bare, bench.aims.audit),
      row(names.plan, names.bare, bench.aims.plan),
      ...(bench.timesCompile ? [row(names.compile, names.audit, 0.05), row(names.coldAudit, names.audit)] : []),
      row(names.planAdd, names.bare),
      row(names.straight),
      row(names.apply, names.straight, bench.aims.apply),
    ],
  );
}
