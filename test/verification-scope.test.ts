import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { verificationScope, withRereadPart } from '../src/apply/verification-scope.js';
import type { Change } from '../src/diff/changes.js';
import { diffSchemas } from '../src/diff/diff-schemas.js';
import { desiredFor, loadManifest } from '../src/manifest/index.js';
import { canonicalJson } from '../src/model/canonical-json.js';
import { fingerprint, managedForm } from '../src/model/fingerprint.js';
import type { SchemaModel, TableModel } from '../src/model/types.js';
import { buildPlan, groupAsPlanned, type PlanGroup } from '../src/plan/plan-file.js';
import { parseCheckedYaml } from '../src/yaml/checked-yaml.js';
import { writePlanYaml } from '../src/plan/plan-yaml.js';
import type { PlanFile } from '../src/plan/plan-file.js';
import { renderChanges } from '../src/engines/postgres/internal/render.js';
import { engine as postgresEngine } from '../src/engines/postgres/index.js';

const fixture = fileURLToPath(new URL('./fixtures/manifests/full.yaml', import.meta.url));
const fullSchema = async (): Promise<SchemaModel> => desiredFor({ name: 'acme', labels: [] }, await loadManifest(fixture, postgresEngine), [], postgresEngine).schema;

const table = (name: string, columns: readonly string[] = ['id']): TableModel => ({
  name,
  columns: columns.map((c) => ({ name: c, type: 'integer', nullable: true })),
  uniques: [],
  indexes: [],
  foreignKeys: [],
  checks: [],
});

/** A plan of `changes` for one tenant, rendered for PostgreSQL as plan does. */
function planOf(before: SchemaModel, after: SchemaModel): PlanGroup {
  const changes = diffSchemas({ current: before, desired: after });
  const plan = buildPlan({
    engine: 'postgres',
    manifest: { path: 'schema/manifest.yaml', digest: 'sha256:0' },
    diffs: [{ tenant: 'acme', changes, from: fingerprint(before), to: fingerprint(after) }],
    failed: [],
    render: renderChanges,
    renderOptions: { concurrentIndexes: false, indexTimeoutMs: 60_000 },
    tenantObjects: () => ({ types: after.enums.map((e) => e.name), sequences: after.sequences.map((s) => s.name) }),
    allowDestructive: true,
  });
  return plan.groups[0]!;
}

/** A deep copy with every object's keys in reverse order. */
function reversedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversedKeys(v)]));
}

describe('fingerprint', () => {
  test('is the sha256 of the canonical JSON of the managed form, whatever the key order', async () => {
    const schema = await fullSchema();
    const expected = 'sha256:' + createHash('sha256').update(canonicalJson(managedForm(schema))).digest('hex');
    expect(fingerprint(schema)).toBe(expected);
    // A copy with its lists and every object's keys in another order.
    const shuffled: SchemaModel = {
      sequences: schema.sequences,
      enums: [...schema.enums].reverse(),
      tables: [...schema.tables].reverse().map((t) => reversedKeys(t) as TableModel),
    };
    expect(fingerprint(shuffled)).toBe(expected);
  });

  test('a model deep-equal to one just hashed gets the same fingerprint; one that differs does not', () => {
    const one: SchemaModel = { tables: [table('a', ['id', 'x']), table('b')], enums: [], sequences: [] };
    const expected = 'sha256:' + createHash('sha256').update(canonicalJson(managedForm(one))).digest('hex');
    expect(fingerprint(one)).toBe(expected);
    const copy: SchemaModel = JSON.parse(JSON.stringify(one)) as SchemaModel;
    expect(fingerprint(copy)).toBe(expected);
    // Unequal to the models just hashed, though only inside a column: hashed on its own.
    const other: SchemaModel = { ...one, tables: [{ ...table('a', ['id', 'x']), columns: [{ name: 'id', type: 'integer', nullable: true }, { name: 'x', type: 'text', nullable: true }] }, table('b')] };
    expect(fingerprint(other)).toBe('sha256:' + createHash('sha256').update(canonicalJson(managedForm(other))).digest('hex'));
    expect(fingerprint(other)).not.toBe(expected);
    // The same columns in another order: not deep-equal, but the same schema.
    const reordered: SchemaModel = { ...one, tables: [table('a', ['x', 'id']), table('b')] };
    expect(fingerprint(reordered)).toBe(expected);
    // An undefined property is absent, for both.
    const withUndefined: SchemaModel = { ...one, tables: [{ ...table('a', ['id', 'x']), comment: undefined }, table('b')] } as SchemaModel;
    expect(fingerprint(withUndefined)).toBe(expected);
  });
});

describe('verificationScope', () => {
  test('an additive plan reads back the tables it names, and enums or sequences only when it changes some', async () => {
    const before = await fullSchema();
    const [first, second] = before.tables;
    const after: SchemaModel = {
      ...before,
      tables: [
        ...before.tables.map((t) => (t === first ? { ...t, columns: [...t.columns, { name: 'note', type: 'text', nullable: true }] } : t)),
        table('brand_new'),
      ],
    };
    const scope = verificationScope(planOf(before, after));
    expect(scope).toEqual({ tables: ['brand_new', first!.name].sort(), enums: false, sequences: false });
    expect(scope!.tables).not.toContain(second!.name);

    const withEnum: SchemaModel = { ...before, enums: [...before.enums, { name: 'weather', values: ['sunny'] }] };
    expect(verificationScope(planOf(before, withEnum))).toEqual({ tables: [], enums: true, sequences: false });
  });

  test('drops, renames and column type changes read the whole schema', async () => {
    const before: SchemaModel = { tables: [table('a'), table('b')], enums: [], sequences: [] };
    expect(verificationScope(planOf(before, { ...before, tables: [table('a')] }))).toBeUndefined();
    const retyped: SchemaModel = { ...before, tables: [table('a'), { ...table('b'), columns: [{ name: 'id', type: 'bigint', nullable: true }] }] };
    expect(verificationScope(planOf(before, retyped))).toBeUndefined();
    const notNull: SchemaModel = { ...before, tables: [table('a'), { ...table('b'), columns: [{ name: 'id', type: 'integer', nullable: false }] }] };
    expect(verificationScope(planOf(before, notNull))).toEqual({ tables: ['b'], enums: false, sequences: false });
    // A new generation expression drops and re-adds the column (and a sequence it owns).
    const generated: SchemaModel = { ...before, tables: [table('a'), { ...table('b'), columns: [{ name: 'id', type: 'integer', nullable: true, generated: '1 + 1' }] }] };
    expect(verificationScope(planOf(before, generated))).toBeUndefined();
    const collated: SchemaModel = { ...before, tables: [table('a'), { ...table('b'), columns: [{ name: 'id', type: 'text', nullable: true }] }] };
    const recollated: SchemaModel = { ...collated, tables: [table('a'), { ...table('b'), columns: [{ name: 'id', type: 'text', nullable: true, collation: 'C' }] }] };
    expect(verificationScope(planOf(collated, recollated))).toBeUndefined();
  });

  test('SQL edited by hand reads the whole schema; consent set by a reviewer does not count as an edit', () => {
    const before: SchemaModel = { tables: [table('a'), table('b', ['id', 'old'])], enums: [], sequences: [] };
    const after: SchemaModel = { ...before, tables: [table('a', ['id', 'extra']), table('b', ['id', 'old'])] };
    const group = planOf(before, after);
    expect(groupAsPlanned(group)).toBe(true);
    const edited: PlanGroup = {
      ...group,
      steps: [...group.steps, { ...group.steps[0]!, sql: ['ALTER TABLE {{tenant}}."b" DROP COLUMN "old"'] }],
    };
    expect(verificationScope(edited)).toBeUndefined();
    const consented: PlanGroup = { ...group, steps: group.steps.map((s) => ({ ...s, consent: true })) };
    expect(verificationScope(consented)).toEqual(verificationScope(group));
    // Changes edited without their SQL: the scope they would give cannot be trusted either.
    const fewerChanges: PlanGroup = { ...group, changes: [] };
    expect(verificationScope(fewerChanges)).toBeUndefined();
  });

  test('a plan file read back from YAML still counts as rendered', () => {
    const before: SchemaModel = { tables: [table('a')], enums: [], sequences: [] };
    const change: Change[] = diffSchemas({ current: before, desired: { ...before, tables: [table('a', ['id', 'x'])] } });
    expect(change.map((c) => c.kind)).toEqual(['addColumn']);
    const group = planOf(before, { ...before, tables: [table('a', ['id', 'x'])] });
    const plan = { version: 1 as const, id: '0123456789abcdef', engine: 'postgres' as const, manifest: { path: 'm', digest: 'd' }, options: { concurrentIndexes: false, indexTimeoutMs: 0 }, summary: { tenants: 1, changed: 1, inSync: 0, failed: 0 }, groups: [group], inSync: [], failed: [] };
    const back = parseCheckedYaml(writePlanYaml(plan), path.join('plans', 'x.yaml'), 'plan') as PlanFile;
    expect(groupAsPlanned(back.groups[0]!)).toBe(true);
  });
});

describe('withRereadPart', () => {
  test('takes the scope from the read back and the rest from before', () => {
    const a = table('a');
    const before: SchemaModel = {
      tables: [a, table('b'), table('gone')],
      enums: [{ name: 'e', values: ['x'] }],
      sequences: [],
      externalTypes: ['public.citext'],
      unmanaged: [{ kind: 'view', name: 'v' }],
    };
    const reread: SchemaModel = { tables: [table('b', ['id', 'new']), table('c')], enums: [], sequences: [], externalTypes: ['public.hstore'] };
    const merged = withRereadPart(before, reread, { tables: ['b', 'c', 'gone'], enums: false, sequences: false });
    expect(merged.tables.map((t) => t.name)).toEqual(['a', 'b', 'c']);
    expect(merged.tables[0]).toBe(a);
    expect(merged.tables[1]!.columns.map((c) => c.name)).toEqual(['id', 'new']);
    expect(merged.enums).toBe(before.enums);
    expect(merged.externalTypes).toEqual(['public.citext', 'public.hstore']);
    expect(merged.unmanaged).toEqual([{ kind: 'view', name: 'v' }]);
    expect(withRereadPart(before, reread, { tables: [], enums: true, sequences: false }).enums).toEqual([]);
    // A table read back beyond the scope (one inheriting from a scoped table) replaces its old read.
    const inherited = withRereadPart(before, { ...reread, tables: [...reread.tables, table('a', ['id', 'inherited'])] }, { tables: ['b'], enums: false, sequences: false });
    expect(inherited.tables.map((t) => [t.name, t.columns.length])).toEqual([['a', 2], ['b', 2], ['c', 1], ['gone', 1]]);
  });
});
