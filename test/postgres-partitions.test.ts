import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { diffSchemas } from '../src/diff/diff-schemas.js';
import { inspectSchemas } from '../src/engines/postgres/inspect.js';
import { renderChanges } from '../src/engines/postgres/render.js';
import { orderChanges } from '../src/plan/order-changes.js';
import { writeManifest } from '../src/manifest/index.js';
import type { SchemaModel, TableModel } from '../src/model/types.js';
import { readDump } from './helpers/fixtures.js';
import { createTestDatabase, withClient } from './helpers/postgres.js';
import { createTempProject, type TempProject } from './helpers/project.js';

const run = promisify(execFile);

let db: Awaited<ReturnType<typeof createTestDatabase>>;
const projects: TempProject[] = [];

beforeAll(async () => {
  db = await createTestDatabase('partitions');
  await withClient(db.url, async (c) => {
    await c.query(readDump('pagila/pagila-schema.sql'));
    await c.query(`
      CREATE SCHEMA pagila_copy;
      CREATE SCHEMA by_list;
      CREATE TABLE by_list.items (kind text NOT NULL, n integer) PARTITION BY LIST (kind);
      CREATE TABLE by_list.items_a PARTITION OF by_list.items FOR VALUES IN ('a');
      CREATE SCHEMA plain;
      CREATE TABLE plain.items (kind text NOT NULL, n integer);
      CREATE TABLE plain.items_a (kind text NOT NULL, n integer);
      CREATE SCHEMA other_bound;
      CREATE TABLE other_bound.items (kind text NOT NULL, n integer) PARTITION BY LIST (kind);
      CREATE TABLE other_bound.items_a PARTITION OF other_bound.items FOR VALUES IN ('a', 'b');
      CREATE SCHEMA other_key;
      CREATE TABLE other_key.items (kind text NOT NULL, n integer) PARTITION BY RANGE (kind);
      CREATE TABLE other_key.items_a PARTITION OF other_key.items FOR VALUES FROM ('a') TO ('b');
      CREATE SCHEMA settings;
      CREATE TABLE settings.items (kind text NOT NULL, n integer) WITH (fillfactor = 70);
      ALTER TABLE settings.items ALTER COLUMN n SET STATISTICS 500, ALTER COLUMN n SET (n_distinct = 10),
        ALTER COLUMN kind SET STORAGE MAIN;
      CREATE TABLE settings.items_a (kind text NOT NULL, n integer);
      CREATE SCHEMA auto_names;
      CREATE TABLE auto_names.events (id integer NOT NULL, kind text NOT NULL, PRIMARY KEY (kind, id)) PARTITION BY LIST (kind);
      CREATE INDEX events_id_idx ON auto_names.events (id);
      CREATE TABLE auto_names.events_a PARTITION OF auto_names.events FOR VALUES IN ('a');
      CREATE SCHEMA own_names;
      CREATE TABLE own_names.events (id integer NOT NULL, kind text NOT NULL, PRIMARY KEY (kind, id)) PARTITION BY LIST (kind);
      CREATE INDEX events_id_idx ON own_names.events (id);
      CREATE TABLE own_names.events_a (id integer NOT NULL, kind text NOT NULL);
      CREATE INDEX events_a_by_id ON own_names.events_a (id);
      ALTER TABLE own_names.events_a ADD CONSTRAINT events_a_key PRIMARY KEY (kind, id);
      ALTER TABLE own_names.events ATTACH PARTITION own_names.events_a FOR VALUES IN ('a');
    `);
  });
}, 60_000);

afterAll(async () => {
  await db?.drop();
  for (const p of projects) await p.remove();
});

async function read(schemas: string[]): Promise<Map<string, SchemaModel>> {
  return withClient(db.url, (c) => inspectSchemas(c, schemas));
}

describe('partitioned and plain tables differ', () => {
  test('a table partitioned by LIST and a plain one of the same columns are not the same', async () => {
    const models = await read(['by_list', 'plain', 'other_bound', 'other_key', 'settings']);
    const list = models.get('by_list')!;
    const kinds = (current: string): string[] => diffSchemas({ current: models.get(current)!, desired: list }).map((c) => c.kind);
    // The plain table must be replaced (it cannot become partitioned in place); the plain
    // items_a is attached as the partition.
    expect(kinds('plain')).toEqual(['replaceTable', 'attachPartition']);
    expect(kinds('other_bound')).toEqual(['detachPartition', 'attachPartition']);
    expect(kinds('other_key')).toEqual(['replaceTable', 'createTable']);
    expect(diffSchemas({ current: list, desired: list })).toEqual([]);
  });

  test('column statistics, options and storage, and storage parameters are read and compared', async () => {
    const models = await read(['plain', 'settings']);
    const settings = models.get('settings')!.tables.find((t) => t.name === 'items')!;
    expect(settings.storageParameters).toEqual({ fillfactor: '70' });
    expect(settings.columns).toEqual([
      { name: 'kind', type: 'text', nullable: false, storage: 'main' },
      { name: 'n', type: 'integer', nullable: true, statistics: 500, options: { n_distinct: '10' } },
    ]);
    const changes = diffSchemas({ current: models.get('plain')!, desired: models.get('settings')! });
    expect(changes.map((c) => (c.kind === 'alterColumn' ? `${c.kind} ${c.to.name} ${c.changed.join(',')}` : c.kind))).toEqual([
      'alterColumn kind storage',
      'alterColumn n statistics,options',
      'alterTable',
    ]);
  });
});

describe("a partition's attached indexes", () => {
  test('are the parent\'s, but their names are compared, and renamed to converge', async () => {
    const models = await read(['auto_names', 'own_names']);
    const auto = models.get('auto_names')!;
    const own = models.get('own_names')!;
    const partition = own.tables.find((t) => t.name === 'events_a')!;
    expect(partition.indexes).toEqual([]);
    expect(partition.primaryKey).toBeUndefined();
    expect(partition.attachedIndexes).toEqual({ events_a_by_id: 'events_id_idx', events_a_key: 'events_pkey' });
    const changes = orderChanges(diffSchemas({ current: own, desired: auto }));
    expect(changes.map((c) => (c.kind === 'renameIndex' ? `${c.from} -> ${c.to}` : c.kind))).toEqual([
      'events_a_by_id -> events_a_id_idx',
      'events_a_key -> events_a_pkey',
    ]);
    const steps = renderChanges(changes, { qualifier: '"own_names"', concurrentIndexes: false, indexTimeoutMs: 0, tenantTypes: [], tenantSequences: [] });
    await withClient(db.url, (c) => c.query(steps.flatMap((s) => s.sql).join(';\n')));
    const after = (await read(['own_names'])).get('own_names')!;
    expect(after.tables).toEqual(auto.tables);
  });
});

/** The payment family of Pagila and the tables its foreign keys reference, without their own foreign keys. */
function paymentFamily(schema: SchemaModel): SchemaModel {
  const referenced = new Set(['customer', 'rental', 'staff']);
  const keep = (t: TableModel): boolean => t.name === 'payment' || t.partitionOf?.table === 'payment' || referenced.has(t.name);
  const names = new Set(schema.tables.filter(keep).map((t) => t.name));
  const tables = schema.tables.filter(keep).map((t) => ({ ...t, foreignKeys: t.foreignKeys.filter((f) => names.has(f.refTable)) }));
  const sequences = schema.sequences.filter((s) => s.ownedBy === undefined || names.has(s.ownedBy.table));
  return { tables, enums: [], sequences };
}

/** pg_dump --schema-only of the payment tables of a schema, with the schema's name replaced. */
async function dumpPayment(schema: string): Promise<string> {
  const { stdout } = await run('pg_dump', ['--schema-only', '--no-owner', '--no-privileges', '-d', db.url, '-t', `${schema}.payment*`]);
  return stdout
    .split('\n')
    .filter((line) => !line.startsWith('--') && !line.startsWith('\\') && !line.startsWith('SET ') && !line.startsWith('SELECT pg_catalog'))
    .join('\n')
    .replaceAll(`${schema}.`, 'TENANT.');
}

describe("Pagila's payment partitions", () => {
  test('survive adopt (inspect -o) and rebuild into an empty tenant that pg_dump shows identical', async () => {
    const project = await createTempProject({ engine: 'postgres', url: db.url, tenants: { list: ['public', 'pagila_copy'] }, apply: { retries: 0 } });
    projects.push(project);
    let engine = await project.open();
    try {
      const [inspected] = [...(await engine.project.adapter.inspector.inspectTenants([{ name: 'public', labels: [] }])).values()];
      if (!inspected?.ok) throw new Error('cannot inspect public');
      const manifest = writeManifest(engine.project.engine.normalizer.toManifestSchema(paymentFamily(inspected.schema)));
      expect(manifest).toContain('partitionBy: RANGE (payment_date)');
      expect(manifest).toContain("partitionOf: { table: payment, bound: FOR VALUES FROM ('2022-01-01 00:00:00+00') TO ('2022-02-01 00:00:00+00') }");
      await writeFile(path.join(project.dir, 'schema', 'manifest.yaml'), manifest);
    } finally {
      await engine.close();
    }
    engine = await project.open();
    try {
      const build = await engine.plan({ tenants: ['pagila_copy'] });
      const results = await engine.apply(build);
      expect(results.map((r) => [r.tenant, r.status, r.error])).toEqual([['pagila_copy', 'applied', undefined]]);
      const again = await engine.plan({ tenants: ['pagila_copy'] });
      expect(again.inSync).toEqual(['pagila_copy']);
    } finally {
      await engine.close();
    }
    const original = await dumpPayment('public');
    expect(original).toContain('ATTACH PARTITION TENANT.payment_p2022_07');
    expect(original).toContain('CREATE INDEX idx_fk_payment_p2022_01_customer_id');
    expect(await dumpPayment('pagila_copy')).toEqual(original);
  });
});
