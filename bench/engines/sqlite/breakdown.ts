// --breakdown with --engine sqlite: where audit's time goes. Runs the pieces engine.audit() is
// made of one at a time, with the same inputs, and times each: discovery, the inspector as a
// whole, opening and closing the files, each of the library's schema queries on its own, the
// desired schema per tenant, the diff and the fingerprint. Read-only, untimed in the main table.
import Database from 'better-sqlite3';
import { diffSchemas } from '../../../src/diff/diff-schemas.js';
import type { SchemaSyncEngine } from '../../../src/library/schema-sync.js';
import * as queries from '../../../src/engines/sqlite/internal/queries.js';
import type { DesiredSchema } from '../../../src/model/desired.js';
import { fingerprint } from '../../../src/model/fingerprint.js';
import type { SchemaModel } from '../../../src/model/types.js';
import { orderChanges } from '../../../src/plan/order-changes.js';
import { timed } from '../../measure.js';
import type { Progress } from '../../progress.js';
import type { Phase } from '../../bench-engine.js';

export async function sqliteAuditBreakdown(engine: SchemaSyncEngine, files: readonly string[], progress: Progress): Promise<Phase[]> {
  progress.log('breakdown: timing the phases inside audit');
  const phases: Phase[] = [];
  const project = engine.project;

  const discovery = await timed(() => engine.listTenants());
  phases.push({ phase: 'discovery (listTenants: glob + sort)', seconds: discovery.seconds });
  const tenants = discovery.value;

  const inspection = await timed(() => project.adapter.inspector.inspectTenants(tenants));
  phases.push({ phase: 'inspector.inspectTenants (inspectFiles)', seconds: inspection.seconds });

  // The library's schema queries one by one, each file opened read-only as inspect.ts opens it.
  const named: [string, string][] = [
    ['SCHEMA_OBJECTS', queries.SCHEMA_OBJECTS],
    ['TABLE_LIST', queries.TABLE_LIST],
    ['COLUMNS', queries.COLUMNS],
    ['INDEX_KEYS', queries.INDEX_KEYS],
    ['FOREIGN_KEYS', queries.FOREIGN_KEYS],
  ];
  const perQuery = new Map<string, number>(named.map(([n]) => [n, 0]));
  let openClose = 0;
  let transaction = 0;
  for (const file of files) {
    let t = performance.now();
    const db = new Database(file, { readonly: true, fileMustExist: true, timeout: 5000 });
    openClose += performance.now() - t;
    try {
      t = performance.now();
      db.exec('BEGIN');
      transaction += performance.now() - t;
      for (const [name, sql] of named) {
        t = performance.now();
        db.prepare(sql).all();
        perQuery.set(name, (perQuery.get(name) ?? 0) + (performance.now() - t));
      }
      t = performance.now();
      db.exec('COMMIT');
      transaction += performance.now() - t;
    } finally {
      t = performance.now();
      db.close();
      openClose += performance.now() - t;
    }
  }
  phases.push({ phase: '  open + close (read-only)', seconds: openClose / 1000 });
  phases.push({ phase: '  BEGIN + COMMIT', seconds: transaction / 1000 });
  let querySum = 0;
  for (const [name, ms] of perQuery) {
    phases.push({ phase: `  query ${name}`, seconds: ms / 1000 });
    querySum += ms;
  }
  const sqliteSeconds = (openClose + transaction + querySum) / 1000;
  phases.push({ phase: '  all SQLite work (open, queries, close)', seconds: sqliteSeconds });
  phases.push({ phase: '  rows -> model (inspect minus SQLite work)', seconds: Math.max(0, inspection.seconds - sqliteSeconds) });

  const models: { schema: SchemaModel; desired: DesiredSchema }[] = [];
  const desired = await timed(async () => {
    for (const tenant of tenants) {
      const outcome = inspection.value.get(tenant.name);
      if (outcome?.ok) models.push({ schema: outcome.schema, desired: await project.desired.desiredFor(tenant) });
    }
  });
  phases.push({ phase: 'desiredFor (all tenants)', seconds: desired.seconds });

  const refine = project.refineChanges;
  const diff = await timed(async () => {
    for (const { schema, desired } of models) {
      const diffed = diffSchemas({ current: schema, desired: desired.schema, renames: desired.renames, excluded: desired.excluded });
      orderChanges(refine ? refine(diffed, schema, desired.schema) : diffed);
    }
  });
  phases.push({ phase: 'diffSchemas + refineChanges + orderChanges', seconds: diff.seconds });
  // In sync, diffTenant hashes the live schema once ("from" is also "to").
  const prints = await timed(async () => {
    for (const { schema } of models) fingerprint(schema);
  });
  phases.push({ phase: 'fingerprint (from)', seconds: prints.seconds });

  const audit = await timed(() => engine.audit());
  phases.push({ phase: 'engine.audit() end to end', seconds: audit.seconds });
  return phases;
}
