import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { diffSchemas } from '../src/diff/diff-schemas.js';
import { inspectSchemas } from '../src/engines/postgres/internal/inspect.js';
import { renderChanges } from '../src/engines/postgres/internal/render.js';
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
      CREATE TABLE settings.items (kind text NOT NULL, n integer) WITH (fillfactor = 70, toast.autovacuum_enabled = false);
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
    // Only the key differs: the partition is detached and attached to the new table, with its rows.
    expect(kinds('other_key')).toEqual(['replaceTable', 'detachPartition', 'attachPartition']);
    expect(diffSchemas({ current: list, desired: list })).toEqual([]);
  });

  test('column statistics, options and storage, and storage parameters are read and compared', async () => {
    const models = await read(['plain', 'settings']);
    const settings = models.get('settings')!.tables.find((t) => t.name === 'items')!;
    // toast.* parameters live on the TOAST table, where pg_dump finds them too.
    expect(settings.storageParameters).toEqual({ fillfactor: '70', 'toast.autovacuum_enabled': 'false' });
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
      const manifest = writeManifest(engine.project.engine.normalizer.toManifestSchema(paymentFamily(inspected.schema)), engine.project.engine);
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

/** One object of the reference schema changed, as a person might by hand. */
const mutations: readonly (readonly [string, string])[] = [
  ['statistics target', 'ALTER TABLE ev ALTER COLUMN body SET STATISTICS 50'],
  ['column option', 'ALTER TABLE ev ALTER COLUMN body SET (n_distinct = 7)'],
  ['column storage', 'ALTER TABLE ev ALTER COLUMN body SET STORAGE EXTERNAL'],
  ['column compression', 'ALTER TABLE ev ALTER COLUMN body SET COMPRESSION lz4'],
  ['storage parameter', 'ALTER TABLE ev_a SET (fillfactor = 60)'],
  ['toast storage parameter', 'ALTER TABLE ev_a SET (toast.autovacuum_enabled = false)'],
  ['unlogged table', 'ALTER TABLE plain SET UNLOGGED'],
  ['identity option', 'ALTER TABLE plain ALTER COLUMN id SET INCREMENT BY 2'],
  ['identity sequence name', 'ALTER SEQUENCE plain_id_seq RENAME TO plain_numbers'],
  ['constraint comment', "COMMENT ON CONSTRAINT plain_pkey ON plain IS 'the key'"],
  ['index comment', "COMMENT ON INDEX ev_kind_idx IS 'by kind'"],
  ['sequence comment', "COMMENT ON SEQUENCE s IS 'counts'"],
  ['unlogged sequence', 'ALTER SEQUENCE s SET UNLOGGED'],
  ['partition bound', "ALTER TABLE ev DETACH PARTITION ev_b; ALTER TABLE ev ATTACH PARTITION ev_b FOR VALUES IN ('b', 'c')"],
  ['partition detached', 'ALTER TABLE ev DETACH PARTITION ev_b'],
  ['attached index name', 'ALTER INDEX ev_a_kind_idx RENAME TO ev_a_by_kind'],
  ["partition's own index", 'CREATE INDEX ev_a_id_idx ON ev_a (id)'],
  ["partition's own check", 'ALTER TABLE ev_a ADD CONSTRAINT ev_a_id_check CHECK (id > 0)'],
  ['partition dropped', 'DROP TABLE ev_b'],
  ['partition key', "DROP TABLE ev; CREATE TABLE ev (id integer NOT NULL, kind text NOT NULL, body text) PARTITION BY RANGE (kind); CREATE INDEX ev_kind_idx ON ev (kind)"],
];

const reference = `
CREATE TABLE ev (id integer NOT NULL, kind text NOT NULL, body text) PARTITION BY LIST (kind);
CREATE INDEX ev_kind_idx ON ev (kind);
CREATE TABLE ev_a PARTITION OF ev FOR VALUES IN ('a');
CREATE TABLE ev_b PARTITION OF ev FOR VALUES IN ('b');
CREATE TABLE plain (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v text);
CREATE SEQUENCE s;`;

async function dumpSchema(schema: string): Promise<string> {
  const { stdout } = await run('pg_dump', ['--schema-only', '--no-owner', '-d', db.url, '-n', schema]);
  return stdout.split('\n').filter((line) => !line.startsWith('--') && !line.startsWith('\\')).join('\n').replaceAll(`${schema}.`, 'TENANT.').replace(/CREATE SCHEMA \S+;/, '');
}

describe('single-object changes to partitions, settings and comments', () => {
  test.each(mutations.map(([name, sql], i) => ({ name, sql, schema: `mutated_${i}` })))('$name: pg_dump and check both see it, and the plan converges', async ({ sql, schema }) => {
    await withClient(db.url, async (c) => {
      await c.query(`DROP SCHEMA IF EXISTS reference CASCADE; CREATE SCHEMA reference; SET search_path TO reference; ${reference}`);
      await c.query(`CREATE SCHEMA ${schema}; SET search_path TO ${schema}; ${reference}; ${sql}`);
    });
    expect(await dumpSchema(schema)).not.toEqual(await dumpSchema('reference'));
    const models = await read(['reference', schema]);
    const desired = models.get('reference')!;
    const changes = orderChanges(diffSchemas({ current: models.get(schema)!, desired }));
    expect(changes.length).toBeGreaterThan(0);
    const steps = renderChanges(changes, { qualifier: `"${schema}"`, concurrentIndexes: false, indexTimeoutMs: 0, tenantTypes: [], tenantSequences: ['s'] });
    await withClient(db.url, async (c) => {
      for (const statement of steps.flatMap((st) => st.sql)) await c.query(statement);
    });
    expect(diffSchemas({ current: (await read([schema])).get(schema)!, desired })).toEqual([]);
    expect(await dumpSchema(schema)).toEqual(await dumpSchema('reference'));
  });
});
