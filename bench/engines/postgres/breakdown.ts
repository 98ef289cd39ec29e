// --breakdown: where audit's time goes. Runs the pieces engine.audit() is made of one at a time,
// with the same inputs, and times each: discovery, the inspector as a whole, each of the
// library's catalog queries on its own, the desired schema per tenant, and the diff with its
// two fingerprints. Read-only, untimed in the main table.

import type pg from 'pg';
import { diffSchemas } from '../../../src/diff/diff-schemas.js';
import { expectedSchema } from '../../../src/diff/expected-schema.js';
import type { SchemaSyncEngine } from '../../../src/library/schema-sync.js';
import * as queries from '../../../src/engines/postgres/internal/queries.js';
import type { DesiredSchema } from '../../../src/model/desired.js';
import { fingerprint } from '../../../src/model/fingerprint.js';
import type { SchemaModel } from '../../../src/model/types.js';
import { orderChanges } from '../../../src/plan/order-changes.js';
import type { Phase } from '../../bench-engine.js';
import { catalogChunk } from './catalog.js';
import { timed } from '../../measure.js';
import type { Progress } from '../../progress.js';

/** The settings inspect.ts gives its read-only transaction (they change how catalog text prints). */
const inspectSettings = [
  "SET LOCAL search_path TO ''",
  'SET LOCAL quote_all_identifiers TO off',
  'SET LOCAL standard_conforming_strings TO on',
  "SET LOCAL TimeZone TO 'UTC'",
  "SET LOCAL DateStyle TO 'ISO, YMD'",
  "SET LOCAL IntervalStyle TO 'postgres'",
  'SET LOCAL extra_float_digits TO 1',
  "SET LOCAL bytea_output TO 'hex'",
].join('; ');

export async function auditBreakdown(
  engine: SchemaSyncEngine,
  client: pg.ClientBase,
  tenantNames: readonly string[],
  progress: Progress,
): Promise<Phase[]> {
  progress.log('breakdown: timing the phases inside audit');
  const phases: Phase[] = [];
  const project = engine.project;

  const discovery = await timed(() => engine.listTenants());
  phases.push({ phase: 'discovery (listTenants)', seconds: discovery.seconds });
  const tenants = discovery.value;

  const inspection = await timed(() => project.adapter.inspector.inspectTenants(tenants));
  phases.push({ phase: 'inspector.inspectTenants (queries + model)', seconds: inspection.seconds });

  // The library's catalog queries one by one, in the transaction and settings inspect.ts uses.
  const version = Number((await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]?.v ?? 0);
  const named: [string, string][] = [
    ['SCHEMAS', queries.SCHEMAS],
    ['RELATIONS', queries.RELATIONS],
    ['COLUMNS', queries.COLUMNS],
    ['TYPES', queries.TYPES],
    ['DESCRIPTIONS', queries.DESCRIPTIONS],
    ['CONSTRAINTS', queries.catalogQueries(version).constraints],
    ['INDEXES', queries.INDEXES],
    ['ENUMS', queries.ENUMS],
    ['SEQUENCES', queries.SEQUENCES],
    ['ROUTINES', queries.catalogQueries(version).routines],
    ['AGGREGATES', queries.AGGREGATES],
    ['DOMAINS', queries.DOMAINS],
    ['COMPOSITE_TYPES', queries.COMPOSITE_TYPES],
    ['UNMANAGED_TYPES', queries.UNMANAGED_TYPES],
    ['UNMANAGED_TABLE_OBJECTS', queries.UNMANAGED_TABLE_OBJECTS],
    ['UNMANAGED_OTHER', queries.UNMANAGED_OTHER],
  ];
  const byTableOid = new Set(['COLUMNS', 'DESCRIPTIONS', 'CONSTRAINTS', 'INDEXES']);
  const perQuery = new Map<string, number>(named.map(([n]) => [n, 0]));
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    await client.query(inspectSettings);
    for (let i = 0; i < tenantNames.length; i += catalogChunk) {
      const params = [tenantNames.slice(i, i + catalogChunk)];
      // COLUMNS, DESCRIPTIONS, CONSTRAINTS and INDEXES take the chunk's table oids and SEQUENCES
      // its sequence oids, which RELATIONS returns; TYPES the distinct column types from COLUMNS.
      let tableOids: string[] = [];
      let sequenceOids: string[] = [];
      let typeOids: string[] = [];
      for (const [name, sql] of named) {
        const values = byTableOid.has(name)
          ? [tableOids]
          : name === 'TYPES'
            ? [typeOids]
            : name === 'SEQUENCES'
              ? [sequenceOids]
              : name === 'RELATIONS'
                ? [...params, queries.ALL_RELATION_KINDS]
                : params;
        const t = await timed(() => client.query<{ oid: string; type_oid: string; kind: string; is_partition: boolean }>(sql, values));
        if (name === 'RELATIONS') {
          tableOids = t.value.rows.filter((r) => (r.kind === 'r' || r.kind === 'p') && !r.is_partition).map((r) => r.oid);
          sequenceOids = t.value.rows.filter((r) => r.kind === 'S').map((r) => r.oid);
        }
        if (name === 'COLUMNS') typeOids = [...new Set(t.value.rows.map((r) => r.type_oid))];
        perQuery.set(name, (perQuery.get(name) ?? 0) + t.seconds);
      }
    }
  } finally {
    await client.query('COMMIT');
  }
  let querySum = 0;
  for (const [name, seconds] of perQuery) {
    phases.push({ phase: `  query ${name}`, seconds });
    querySum += seconds;
  }
  phases.push({ phase: '  all library catalog queries', seconds: querySum });
  phases.push({ phase: '  rows -> model (inspect minus queries)', seconds: Math.max(0, inspection.seconds - querySum) });

  const models: { schema: SchemaModel; desired: DesiredSchema }[] = [];
  const desired = await timed(async () => {
    for (const tenant of tenants) {
      const outcome = inspection.value.get(tenant.name);
      if (outcome?.ok) models.push({ schema: outcome.schema, desired: await project.desired.desiredFor(tenant) });
    }
  });
  phases.push({ phase: 'desiredFor (all tenants)', seconds: desired.seconds });

  const diff = await timed(async () => {
    for (const { schema, desired } of models) {
      orderChanges(diffSchemas({ current: schema, desired: desired.schema, renames: desired.renames, excluded: desired.excluded }));
    }
  });
  phases.push({ phase: 'diffSchemas + orderChanges', seconds: diff.seconds });
  const prints = await timed(async () => {
    for (const { schema, desired } of models) {
      fingerprint(schema);
      fingerprint(expectedSchema(schema, desired.schema, desired.excluded));
    }
  });
  phases.push({ phase: 'fingerprints (from + expected to)', seconds: prints.seconds });

  const audit = await timed(() => engine.audit());
  phases.push({ phase: 'engine.audit() end to end', seconds: audit.seconds });
  return phases;
}
