// Runs rendered PostgreSQL DDL on a real server and checks the catalog, not the SQL text
// (except for isolation, where the text itself is the invariant).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Change, ColumnProperty } from '../src/diff/changes.js';
import { quoteIdent, quoteLiteral } from '../src/engines/postgres/internal/connect.js';
import { renderChanges } from '../src/engines/postgres/internal/render.js';
import { runSteps } from '../src/engines/postgres/internal/session.js';
import type { ColumnModel, SequenceModel, TableModel } from '../src/model/types.js';
import type { HazardCode } from '../src/plan/hazards.js';
import type { PlanStep, RenderOptions } from '../src/plan/step.js';

const adminUrl = process.env.SCHEMA_SYNC_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const database = `schema_sync_render_${process.pid}_${Date.now()}`;
let admin: pg.Client;
let db: pg.Client;

beforeAll(async () => {
  admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${quoteIdent(database)}`);
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  db = new pg.Client({ connectionString: url.toString() });
  await db.connect();
});

afterAll(async () => {
  await db?.end();
  await admin?.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)} WITH (FORCE)`);
  await admin?.end();
});

// ---------------------------------------------------------------------------------------------
// Helpers

function options(schema: string, extra: Partial<RenderOptions> = {}): RenderOptions {
  return {
    qualifier: quoteIdent(schema),
    concurrentIndexes: false,
    indexTimeoutMs: 60_000,
    tenantTypes: [],
    tenantSequences: [],
    ...extra,
  };
}

function col(name: string, type: string, extra: Partial<ColumnModel> = {}): ColumnModel {
  return { name, type, nullable: true, ...extra };
}

function table(name: string, columns: ColumnModel[], extra: Partial<TableModel> = {}): TableModel {
  return { name, columns, uniques: [], indexes: [], foreignKeys: [], checks: [], ...extra };
}

function sequence(name: string, extra: Partial<SequenceModel> = {}): SequenceModel {
  return {
    name,
    type: 'bigint',
    start: '1',
    increment: '1',
    minValue: '1',
    maxValue: '9223372036854775807',
    cache: '1',
    cycle: false,
    ...extra,
  };
}

/** A fresh schema; setup SQL runs with it on the search_path for brevity. */
async function freshSchema(schema: string, setup = ''): Promise<void> {
  await db.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
  await db.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
  if (setup) {
    await db.query(`SET search_path TO ${quoteIdent(schema)}`);
    try {
      await db.query(setup);
    } finally {
      await db.query('RESET search_path');
    }
  }
}

/** Runs steps with apply's own runner: one main transaction, then the steps that run after it. */
async function run(steps: readonly PlanStep[], schema = 'unused'): Promise<void> {
  await runSteps(db, schema, steps, { lockTimeoutMs: 5000, statementTimeoutMs: 60_000 });
}

async function apply(schema: string, changes: Change[], extra: Partial<RenderOptions> = {}): Promise<PlanStep[]> {
  const steps = renderChanges(changes, options(schema, extra));
  await run(steps);
  return steps;
}

async function rows<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
  return (await db.query(sql, params)).rows as T[];
}

interface ColumnRow {
  name: string;
  type: string;
  type_schema: string;
  type_name: string;
  not_null: boolean;
  default: string | null;
  identity: string;
  generated: string;
  collation: string | null;
  comment: string | null;
}

async function columns(schema: string, tableName: string): Promise<ColumnRow[]> {
  return rows<ColumnRow>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, tn.nspname AS type_schema,
            t.typname AS type_name, a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS default,
            a.attidentity AS identity, a.attgenerated AS generated,
            CASE WHEN a.attcollation <> t.typcollation THEN co.collname END AS collation,
            col_description(c.oid, a.attnum) AS comment
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_type t ON t.oid = a.atttypid
       JOIN pg_namespace tn ON tn.oid = t.typnamespace
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       LEFT JOIN pg_collation co ON co.oid = a.attcollation
      WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [schema, tableName],
  );
}

async function column(schema: string, tableName: string, name: string): Promise<ColumnRow> {
  const found = (await columns(schema, tableName)).find((c) => c.name === name);
  if (!found) throw new Error(`no column ${schema}.${tableName}.${name}`);
  return found;
}

interface ConstraintRow {
  name: string;
  type: string;
  def: string;
  validated: boolean;
  deferrable: boolean;
  deferred: boolean;
}

async function constraints(schema: string, tableName: string): Promise<ConstraintRow[]> {
  return rows<ConstraintRow>(
    `SELECT conname AS name, contype AS type, pg_get_constraintdef(co.oid) AS def, convalidated AS validated,
            condeferrable AS deferrable, condeferred AS deferred
       FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2 ORDER BY conname`,
    [schema, tableName],
  );
}

interface IndexRow {
  name: string;
  def: string;
  valid: boolean;
  unique: boolean;
  nulls_not_distinct: boolean;
}

async function indexes(schema: string, tableName: string): Promise<IndexRow[]> {
  return rows<IndexRow>(
    `SELECT ic.relname AS name, pg_get_indexdef(i.indexrelid) AS def, i.indisvalid AS valid,
            i.indisunique AS unique, i.indnullsnotdistinct AS nulls_not_distinct
       FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class c ON c.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2 ORDER BY ic.relname`,
    [schema, tableName],
  );
}

async function enumLabels(schema: string, name: string): Promise<string[]> {
  const found = await rows<{ label: string }>(
    `SELECT e.enumlabel AS label FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid
       JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = $1 AND t.typname = $2 ORDER BY e.enumsortorder`,
    [schema, name],
  );
  return found.map((r) => r.label);
}

async function typeComment(schema: string, name: string): Promise<string | null | undefined> {
  const found = await rows<{ comment: string | null }>(
    `SELECT obj_description(t.oid, 'pg_type') AS comment FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = $1 AND t.typname = $2`,
    [schema, name],
  );
  return found[0]?.comment;
}

async function tableComment(schema: string, name: string): Promise<string | null | undefined> {
  const found = await rows<{ comment: string | null }>(
    `SELECT obj_description(c.oid, 'pg_class') AS comment FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2`,
    [schema, name],
  );
  return found[0]?.comment;
}

async function relationExists(schema: string, name: string): Promise<boolean> {
  const found = await rows(
    `SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`,
    [schema, name],
  );
  return found.length > 0;
}

async function ownerOfSequence(schema: string, name: string): Promise<string | null> {
  const found = await rows<{ owner: string | null }>(
    `SELECT (SELECT format('%s.%s', c.relname, a.attname)
               FROM pg_depend d JOIN pg_class c ON c.oid = d.refobjid
               JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
              WHERE d.objid = s.oid AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')) AS owner
       FROM pg_class s JOIN pg_namespace n ON n.oid = s.relnamespace WHERE n.nspname = $1 AND s.relname = $2`,
    [schema, name],
  );
  return found[0]?.owner ?? null;
}

function codes(steps: readonly PlanStep[]): HazardCode[] {
  return [...new Set(steps.flatMap((s) => s.hazards.map((h) => h.code)))].sort();
}

// ---------------------------------------------------------------------------------------------
// Enums

describe('enums', () => {
  const s = 'r_enum';

  test('create, add values, comment, recreate, drop', async () => {
    await freshSchema(s);
    await apply(s, [{ kind: 'createEnum', enum: { name: 'mood', values: ['sad', 'ok', 'happy'], comment: 'feelings' } }]);
    expect(await enumLabels(s, 'mood')).toEqual(['sad', 'ok', 'happy']);
    expect(await typeComment(s, 'mood')).toBe('feelings');

    await apply(s, [{ kind: 'addEnumValues', enum: 'mood', values: [{ value: 'meh', before: 'ok' }, { value: 'great' }] }]);
    expect(await enumLabels(s, 'mood')).toEqual(['sad', 'meh', 'ok', 'happy', 'great']);

    await apply(s, [{ kind: 'setEnumComment', enum: 'mood' }]);
    expect(await typeComment(s, 'mood')).toBeNull();

    await db.query(`CREATE TABLE r_enum.t (id int, m r_enum.mood DEFAULT 'ok', n r_enum.mood NOT NULL)`);
    await db.query(`INSERT INTO r_enum.t VALUES (1, 'happy', 'sad'), (2, 'ok', 'ok')`);
    const from = { name: 'mood', values: ['sad', 'meh', 'ok', 'happy', 'great'] };
    const to = { name: 'mood', values: ['happy', 'ok', 'sad'], comment: 'v2' };
    const steps = await apply(s, [
      { kind: 'recreateEnum', from, to, usedBy: [{ table: 't', column: 'm' }, { table: 't', column: 'n' }] },
    ]);
    expect(codes(steps)).toEqual(['ACCESS_EXCLUSIVE_LOCK', 'MAY_FAIL_ON_EXISTING_ROWS', 'REWRITES_TABLE']);
    expect(await enumLabels(s, 'mood')).toEqual(['happy', 'ok', 'sad']);
    expect(await enumLabels(s, 'mood__old')).toEqual([]);
    expect(await typeComment(s, 'mood')).toBe('v2');
    for (const name of ['m', 'n']) {
      const c = await column(s, 't', name);
      expect([c.type_schema, c.type_name]).toEqual([s, 'mood']);
    }
    expect(await rows(`SELECT id, m::text, n::text FROM r_enum.t ORDER BY id`)).toEqual([
      { id: 1, m: 'happy', n: 'sad' },
      { id: 2, m: 'ok', n: 'ok' },
    ]);
    expect((await column(s, 't', 'n')).not_null).toBe(true);

    await db.query('DROP TABLE r_enum.t');
    await apply(s, [{ kind: 'dropEnum', enum: to }]);
    expect(await enumLabels(s, 'mood')).toEqual([]);
  });

  test('recreate converts array columns and restores defaults when the change carries them', async () => {
    await freshSchema(s, `CREATE TYPE mood AS ENUM ('a', 'b', 'c'); CREATE TABLE t (m mood DEFAULT 'a', ms mood[] DEFAULT '{b}'); INSERT INTO t VALUES ('a', '{a,c}');`);
    // The diff may add `array` and `default` to each use; the Change type only promises table and column.
    const usedBy: { table: string; column: string }[] = [
      { table: 't', column: 'm', default: "'c'::mood" } as { table: string; column: string },
      { table: 't', column: 'ms', array: true, default: "'{c}'::mood[]" } as { table: string; column: string },
    ];
    await apply(s, [{ kind: 'recreateEnum', from: { name: 'mood', values: ['a', 'b', 'c'] }, to: { name: 'mood', values: ['c', 'a'] }, usedBy }], { tenantTypes: ['mood'] });
    expect(await enumLabels(s, 'mood')).toEqual(['c', 'a']);
    expect(await column(s, 't', 'm')).toMatchObject({ type_schema: s, type_name: 'mood' });
    expect(await column(s, 't', 'ms')).toMatchObject({ type_schema: s, type_name: '_mood' });
    await db.query('INSERT INTO r_enum.t DEFAULT VALUES');
    expect(await rows('SELECT m::text, ms::text FROM r_enum.t')).toEqual([
      { m: 'a', ms: '{a,c}' },
      { m: 'c', ms: '{c}' },
    ]);
  });

  test('recreate fails on a removed value in use, and leaves nothing behind', async () => {
    await freshSchema(s, `CREATE TYPE mood AS ENUM ('a', 'b'); CREATE TABLE t (m mood); INSERT INTO t VALUES ('b');`);
    await expect(
      apply(s, [{ kind: 'recreateEnum', from: { name: 'mood', values: ['a', 'b'] }, to: { name: 'mood', values: ['a'] }, usedBy: [{ table: 't', column: 'm' }] }]),
    ).rejects.toThrow(/invalid input value for enum/);
    expect(await enumLabels(s, 'mood')).toEqual(['a', 'b']);
  });
});

// ---------------------------------------------------------------------------------------------
// Sequences

describe('sequences', () => {
  const s = 'r_seq';

  test('create without owner, alter options and ownership, drop', async () => {
    await freshSchema(s, 'CREATE TABLE t (id integer)');
    const created = sequence('s', { type: 'integer', start: '10', increment: '5', minValue: '1', maxValue: '1000', cache: '3', cycle: true });
    await apply(s, [{ kind: 'createSequence', sequence: created }]);
    const read = async (): Promise<Record<string, unknown> | undefined> =>
      (
        await rows(
          `SELECT data_type::text, start_value::text, increment_by::text, min_value::text, max_value::text, cache_size::text, cycle
             FROM pg_sequences WHERE schemaname = $1 AND sequencename = 's'`,
          [s],
        )
      )[0];
    expect(await read()).toEqual({
      data_type: 'integer', start_value: '10', increment_by: '5', min_value: '1', max_value: '1000', cache_size: '3', cycle: true,
    });
    expect(await ownerOfSequence(s, 's')).toBeNull();

    const owned = { ...created, type: 'bigint' as const, increment: '2', maxValue: '5000', cycle: false, ownedBy: { table: 't', column: 'id' } };
    const steps = await apply(s, [{ kind: 'alterSequence', from: created, to: owned }]);
    expect(codes(steps)).toEqual([]);
    expect(await read()).toEqual({
      data_type: 'bigint', start_value: '10', increment_by: '2', min_value: '1', max_value: '5000', cache_size: '3', cycle: false,
    });
    expect(await ownerOfSequence(s, 's')).toBe('t.id');

    const disowned = { ...owned, ownedBy: undefined };
    await apply(s, [{ kind: 'alterSequence', from: owned, to: disowned }]);
    expect(await ownerOfSequence(s, 's')).toBeNull();

    await apply(s, [{ kind: 'alterSequence', from: disowned, to: owned }]);
    await db.query('DROP TABLE r_seq.t');
    expect(await relationExists(s, 's')).toBe(false);
    // Went with its table: dropping it again must not fail.
    await apply(s, [{ kind: 'dropSequence', sequence: owned }]);

    await apply(s, [{ kind: 'createSequence', sequence: sequence('other') }]);
    expect(await relationExists(s, 'other')).toBe(true);
    await apply(s, [{ kind: 'dropSequence', sequence: sequence('other') }]);
    expect(await relationExists(s, 'other')).toBe(false);
  });

  test('rejects non-integer options instead of writing them into SQL', () => {
    expect(() =>
      renderChanges([{ kind: 'createSequence', sequence: sequence('s', { cache: '1; DROP TABLE x' }) }], options(s)),
    ).toThrow(/integer/);
  });
});

// ---------------------------------------------------------------------------------------------
// Tables

describe('tables', () => {
  const s = 'r_table';

  test('create table with every column and constraint feature, then its indexes and foreign keys', async () => {
    await db.query('DROP SCHEMA IF EXISTS r_ext CASCADE');
    await db.query('CREATE SCHEMA r_ext; CREATE DOMAIN r_ext.posint AS integer CHECK (VALUE > 0)');
    await freshSchema(s, `CREATE TYPE mood AS ENUM ('sad', 'ok'); CREATE SEQUENCE orders_seq;`);
    const customers = table('customers', [col('id', 'integer', { nullable: false })], { primaryKey: { name: 'customers_pkey', columns: ['id'] } });
    const orders = table(
      'orders',
      [
        col('id', 'bigint', { nullable: false, default: `nextval('orders_seq'::regclass)` }),
        col('customer_id', 'integer'),
        col('code', 'character varying(20)', { collation: 'C' }),
        col('qty', 'integer', { nullable: false, default: '1', comment: "how many, it's" }),
        col('price', 'numeric(10,2)'),
        col('total', 'numeric', { generated: '(price * (qty)::numeric)' }),
        col('status', 'mood', { nullable: false, default: "'ok'::mood" }),
        col('tags', 'mood[]', { default: "'{sad}'::mood[]" }),
        col('rank', 'integer', { nullable: false, identity: 'always' }),
        col('amount', 'r_ext.posint'),
        col('created', 'timestamp with time zone', { default: 'CURRENT_TIMESTAMP' }),
      ],
      {
        primaryKey: { name: 'orders_pkey', columns: ['id'] },
        uniques: [{ name: 'orders_code_key', columns: ['code'], nullsNotDistinct: true, deferrable: true, initiallyDeferred: true }],
        checks: [
          { name: 'orders_qty_check', expression: '(qty > 0)' },
          { name: 'orders_status_check', expression: "(status <> 'sad'::mood)" },
        ],
        comment: 'all orders',
      },
    );
    const steps = await apply(
      s,
      [
        { kind: 'createTable', table: customers },
        { kind: 'createTable', table: orders },
        {
          kind: 'addIndex',
          table: 'orders',
          newTable: true,
          index: {
            name: 'orders_code_idx',
            unique: false,
            method: 'btree',
            keys: [{ expression: 'lower((code)::text)', opclass: 'text_pattern_ops' }, { column: 'created', descending: true, nulls: 'last' }],
            include: ['qty'],
            where: '(qty > 1)',
          },
        },
        {
          kind: 'addForeignKey',
          table: 'orders',
          newTable: true,
          foreignKey: {
            name: 'orders_customer_fkey', columns: ['customer_id'], refTable: 'customers', refColumns: ['id'],
            onDelete: 'cascade', onUpdate: 'restrict', match: 'full', deferrable: true, initiallyDeferred: false,
          },
        },
      ],
      { tenantTypes: ['mood'], tenantSequences: ['orders_seq'] },
    );
    expect(codes(steps)).toEqual([]);
    expect(steps.map((st) => st.summary)).toEqual([
      'create table customers',
      'create table orders',
      'create index orders_code_idx on orders',
      'add foreign key orders_customer_fkey on orders -> customers',
    ]);

    const cols = Object.fromEntries((await columns(s, 'orders')).map((c) => [c.name, c]));
    expect(Object.keys(cols)).toEqual(['id', 'customer_id', 'code', 'qty', 'price', 'total', 'status', 'tags', 'rank', 'amount', 'created']);
    expect(cols.id?.default).toBe(`nextval('r_table.orders_seq'::regclass)`);
    expect(cols.code).toMatchObject({ type: 'character varying(20)', collation: 'C' });
    expect(cols.qty).toMatchObject({ not_null: true, default: '1', comment: "how many, it's" });
    expect(cols.total).toMatchObject({ generated: 's' });
    expect(cols.status).toMatchObject({ type_schema: s, type_name: 'mood', not_null: true });
    expect(cols.tags).toMatchObject({ type_schema: s, type_name: '_mood' });
    expect(cols.rank).toMatchObject({ identity: 'a' });
    expect(cols.amount).toMatchObject({ type_schema: 'r_ext', type_name: 'posint' });
    expect(cols.created).toMatchObject({ type: 'timestamp with time zone', default: 'CURRENT_TIMESTAMP' });
    expect(await tableComment(s, 'orders')).toBe('all orders');

    const cons = await constraints(s, 'orders');
    expect(cons.map((c) => [c.name, c.type])).toEqual([
      ['orders_code_key', 'u'],
      ['orders_customer_fkey', 'f'],
      ['orders_pkey', 'p'],
      ['orders_qty_check', 'c'],
      ['orders_status_check', 'c'],
    ]);
    expect(cons.find((c) => c.name === 'orders_code_key')).toMatchObject({ deferrable: true, deferred: true });
    const fk = cons.find((c) => c.name === 'orders_customer_fkey');
    expect(fk).toMatchObject({ deferrable: true, deferred: false, validated: true });
    expect(fk?.def).toMatch(/REFERENCES r_table\.customers\(id\) MATCH FULL ON UPDATE RESTRICT ON DELETE CASCADE/);

    const idx = await indexes(s, 'orders');
    expect(idx.find((i) => i.name === 'orders_code_key')?.nulls_not_distinct).toBe(true);
    const codeIdx = idx.find((i) => i.name === 'orders_code_idx');
    expect(codeIdx?.def).toContain('text_pattern_ops');
    expect(codeIdx?.def).toContain('created DESC NULLS LAST');
    expect(codeIdx?.def).toContain('INCLUDE (qty)');
    expect(codeIdx?.def).toContain('WHERE (qty > 1)');

    // The generated column, identity and defaults work on insert.
    await db.query(`INSERT INTO r_table.customers VALUES (7)`);
    await db.query(`INSERT INTO r_table.orders (customer_id, code, qty, price) VALUES (7, 'A', 2, 1.50)`);
    expect(await rows(`SELECT id::int, total::text, rank, status::text, tags::text FROM r_table.orders`)).toEqual([
      { id: 1, total: '3.00', rank: 1, status: 'ok', tags: '{sad}' },
    ]);
    await expect(db.query(`INSERT INTO r_table.orders (customer_id, status) VALUES (7, 'sad')`)).rejects.toThrow(/orders_status_check/);
  });

  test('drop, rename, comment', async () => {
    await freshSchema(s, 'CREATE TABLE a (id int); CREATE TABLE b (id int);');
    const steps = await apply(s, [
      { kind: 'dropTable', table: table('a', [col('id', 'integer')]) },
      { kind: 'renameTable', from: 'b', to: 'c' },
      { kind: 'setTableComment', table: 'c', comment: 'renamed' },
    ]);
    expect(steps.map((st) => st.hazards.map((h) => h.code))).toEqual([['DELETES_DATA'], [], []]);
    expect(await relationExists(s, 'a')).toBe(false);
    expect(await relationExists(s, 'b')).toBe(false);
    expect(await tableComment(s, 'c')).toBe('renamed');
    await apply(s, [{ kind: 'setTableComment', table: 'c' }]);
    expect(await tableComment(s, 'c')).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// Columns

describe('columns', () => {
  const s = 'r_col';

  test('add, drop, rename', async () => {
    await freshSchema(s, `CREATE TABLE t (id int, old text, gone text); INSERT INTO t VALUES (1, 'x', 'y');`);
    await apply(s, [
      { kind: 'addColumn', table: 't', column: col('note', 'text', { comment: 'free text' }) },
      { kind: 'addColumn', table: 't', column: col('flag', 'boolean', { nullable: false, default: 'false' }) },
      { kind: 'addColumn', table: 't', column: col('uid', 'uuid', { nullable: false, default: 'gen_random_uuid()' }) },
      { kind: 'addColumn', table: 't', column: col('n', 'bigint', { nullable: false, identity: 'by default' }) },
      { kind: 'addColumn', table: 't', column: col('twice', 'integer', { generated: '(id * 2)' }) },
      { kind: 'dropColumn', table: 't', column: col('gone', 'text') },
      { kind: 'renameColumn', table: 't', from: 'old', to: 'new' },
    ]);
    const cols = Object.fromEntries((await columns(s, 't')).map((c) => [c.name, c]));
    expect(Object.keys(cols)).toEqual(['id', 'new', 'note', 'flag', 'uid', 'n', 'twice']);
    expect(cols.note?.comment).toBe('free text');
    expect(cols.flag).toMatchObject({ not_null: true, default: 'false' });
    expect(cols.n?.identity).toBe('d');
    expect(await rows(`SELECT new, flag, n::int, twice, uid IS NOT NULL AS has_uid FROM r_col.t`)).toEqual([
      { new: 'x', flag: false, n: 1, twice: 2, has_uid: true },
    ]);
  });

  test('NOT NULL without a default fails on existing rows, as its hazard says', async () => {
    await freshSchema(s, `CREATE TABLE t (id int); INSERT INTO t VALUES (1);`);
    const change: Change = { kind: 'addColumn', table: 't', column: col('x', 'text', { nullable: false }) };
    expect(codes(renderChanges([change], options(s)))).toEqual(['MAY_FAIL_ON_EXISTING_ROWS']);
    await expect(apply(s, [change])).rejects.toThrow(/contains null values/);
  });
});

describe('alter column', () => {
  const s = 'r_alter';
  const alter = (from: ColumnModel, to: ColumnModel, changed: ColumnProperty[]): Change => ({
    kind: 'alterColumn',
    table: 't',
    from,
    to,
    changed,
  });

  test('type with a default, widenings and collation', async () => {
    await freshSchema(
      s,
      `CREATE TABLE t (n integer DEFAULT 0, v character varying(10), w character varying(10), p numeric(10,2), c text);
       INSERT INTO t VALUES (5, 'abc', 'def', 1.25, 'x');`,
    );
    const steps = await apply(s, [
      alter(col('n', 'integer', { default: '0' }), col('n', 'bigint', { default: '0' }), ['type']),
      alter(col('v', 'character varying(10)'), col('v', 'character varying(20)'), ['type']),
      alter(col('w', 'character varying(10)'), col('w', 'text'), ['type']),
      alter(col('p', 'numeric(10,2)'), col('p', 'numeric(12,2)'), ['type']),
      alter(col('c', 'text'), col('c', 'text', { collation: 'C' }), ['collation']),
    ]);
    expect(steps.map((st) => st.hazards.map((h) => h.code))).toEqual([
      ['REWRITES_TABLE', 'ACCESS_EXCLUSIVE_LOCK', 'MAY_FAIL_ON_EXISTING_ROWS'],
      ['ACCESS_EXCLUSIVE_LOCK'],
      ['ACCESS_EXCLUSIVE_LOCK'],
      ['ACCESS_EXCLUSIVE_LOCK'],
      ['ACCESS_EXCLUSIVE_LOCK'],
    ]);
    const cols = Object.fromEntries((await columns(s, 't')).map((c) => [c.name, c]));
    expect(cols.n).toMatchObject({ type: 'bigint', default: '0' });
    expect(cols.v?.type).toBe('character varying(20)');
    expect(cols.w?.type).toBe('text');
    expect(cols.p?.type).toBe('numeric(12,2)');
    expect(cols.c?.collation).toBe('C');
    expect(await rows(`SELECT n::int, v, w, p::text, c FROM r_alter.t`)).toEqual([{ n: 5, v: 'abc', w: 'def', p: '1.25', c: 'x' }]);
  });

  test('type to a tenant enum, with collation back to default', async () => {
    await freshSchema(s, `CREATE TYPE mood AS ENUM ('a', 'b'); CREATE TABLE t (m text COLLATE "C"); INSERT INTO t VALUES ('b');`);
    await apply(s, [alter(col('m', 'text', { collation: 'C' }), col('m', 'mood'), ['type', 'collation'])], { tenantTypes: ['mood'] });
    expect(await column(s, 't', 'm')).toMatchObject({ type_schema: s, type_name: 'mood', collation: null });
  });

  test('nullability both ways, defaults, comments', async () => {
    await freshSchema(s, `CREATE TABLE t (a int, b int NOT NULL, d int DEFAULT 1); INSERT INTO t VALUES (1, 2, 3);`);
    const steps = await apply(s, [
      alter(col('a', 'integer'), col('a', 'integer', { nullable: false }), ['nullable']),
      alter(col('b', 'integer', { nullable: false }), col('b', 'integer', { default: '42', comment: 'bee' }), ['nullable', 'default', 'comment']),
      alter(col('d', 'integer', { default: '1' }), col('d', 'integer'), ['default']),
    ]);
    expect(steps.map((st) => [st.summary.replace(/schema_sync_nn_\w+/, 'H'), st.runs, st.lock])).toEqual([
      ['alter column t.a: set not null, 1/3: add check H (a IS NOT NULL) on t NOT VALID', 'main-transaction', 'ACCESS EXCLUSIVE'],
      ['alter column t.a: set not null, 2/3: validate check H (a IS NOT NULL) on t', 'own-transaction', 'SHARE UPDATE EXCLUSIVE'],
      ['alter column t.a: set not null, 3/3: set not null and drop the check', 'own-transaction', 'ACCESS EXCLUSIVE'],
      ['alter column t.b: drop not null', 'main-transaction', 'ACCESS EXCLUSIVE'],
      ['alter column t.b: set default', 'main-transaction', 'ACCESS EXCLUSIVE'],
      ['alter column t.b: comment', 'main-transaction', 'SHARE UPDATE EXCLUSIVE'],
      ['alter column t.d: drop default', 'main-transaction', 'ACCESS EXCLUSIVE'],
    ]);
    expect(steps.map((st) => st.summary).slice(3)).toEqual([
      'alter column t.b: drop not null',
      'alter column t.b: set default',
      'alter column t.b: comment',
      'alter column t.d: drop default',
    ]);
    const cols = Object.fromEntries((await columns(s, 't')).map((c) => [c.name, c]));
    expect(cols.a?.not_null).toBe(true);
    expect(cols.b).toMatchObject({ not_null: false, default: '42', comment: 'bee' });
    expect(cols.d?.default).toBeNull();
    // The helper CHECK of the safe SET NOT NULL is gone again.
    expect(await constraints(s, 't')).toEqual([]);

    await apply(s, [alter(col('b', 'integer', { comment: 'bee' }), col('b', 'integer'), ['comment'])]);
    expect((await column(s, 't', 'b')).comment).toBeNull();
  });

  test('SET NOT NULL on NULLs: the validation fails after the commit, says so, and leaves the NOT VALID helper check', async () => {
    await freshSchema(s, `CREATE TABLE t (a int, b int); INSERT INTO t VALUES (NULL, 1);`);
    const failure = apply(s, [
      alter(col('a', 'integer'), col('a', 'integer', { nullable: false }), ['nullable']),
      alter(col('b', 'integer'), col('b', 'integer', { default: '7' }), ['default']),
    ]);
    await expect(failure).rejects.toThrow(/violated/);
    await expect(failure).rejects.toThrow(/failed after the tenant's main transaction had committed/);
    await expect(failure).rejects.toThrow(/left with check schema_sync_nn_\w+ \(a IS NOT NULL\) on t, NOT VALID; t\.a still allows NULLs/);
    // The main transaction committed: the other change and the helper check (not validated) are there.
    expect((await column(s, 't', 'b')).default).toBe('7');
    expect((await constraints(s, 't')).map((c) => [c.name.replace(/_[0-9a-f]{12}$/, ''), c.validated])).toEqual([['schema_sync_nn', false]]);
    expect((await column(s, 't', 'a')).not_null).toBe(false);
  });

  test('SET NOT NULL together with an added identity stays in the main transaction', async () => {
    await freshSchema(s, `CREATE TABLE t (id int); INSERT INTO t VALUES (1);`);
    const steps = await apply(s, [alter(col('id', 'integer'), col('id', 'integer', { nullable: false, identity: 'always' }), ['nullable', 'identity'])]);
    expect(steps.map((st) => [st.summary, st.runs])).toEqual([
      ['alter column t.id: set not null', 'main-transaction'],
      ['alter column t.id: add identity (always)', 'main-transaction'],
    ]);
    expect(await column(s, 't', 'id')).toMatchObject({ not_null: true, identity: 'a' });
  });

  test('type, nullability and default together', async () => {
    await freshSchema(s, `CREATE TABLE t (a int DEFAULT 1); INSERT INTO t VALUES (7);`);
    await apply(s, [alter(col('a', 'integer', { default: '1' }), col('a', 'bigint', { nullable: false, default: '5' }), ['type', 'nullable', 'default'])]);
    expect(await column(s, 't', 'a')).toMatchObject({ type: 'bigint', not_null: true, default: '5' });
  });

  test('identity: add, change, drop (with default and nullability after it)', async () => {
    await freshSchema(s, `CREATE TABLE t (id int NOT NULL)`);
    await apply(s, [alter(col('id', 'integer', { nullable: false }), col('id', 'integer', { nullable: false, identity: 'by default' }), ['identity'])]);
    expect((await column(s, 't', 'id')).identity).toBe('d');
    await apply(s, [
      alter(col('id', 'integer', { nullable: false, identity: 'by default' }), col('id', 'integer', { nullable: false, identity: 'always' }), ['identity']),
    ]);
    expect((await column(s, 't', 'id')).identity).toBe('a');
    await apply(s, [
      alter(col('id', 'integer', { nullable: false, identity: 'always' }), col('id', 'integer', { default: '0' }), ['identity', 'nullable', 'default']),
    ]);
    expect(await column(s, 't', 'id')).toMatchObject({ identity: '', not_null: false, default: '0' });
  });

  test('generated: from plain, new expression, back to plain', async () => {
    await freshSchema(s, `CREATE TABLE t (a int, b int); INSERT INTO t VALUES (3, 100);`);
    const plain = col('b', 'integer');
    const double = col('b', 'integer', { generated: '(a * 2)', comment: 'twice a' });
    const triple = col('b', 'integer', { generated: '(a * 3)' });
    let steps = await apply(s, [alter(plain, double, ['generated', 'comment'])]);
    expect(codes(steps)).toEqual(['ACCESS_EXCLUSIVE_LOCK', 'DELETES_DATA', 'REWRITES_TABLE']);
    expect(await column(s, 't', 'b')).toMatchObject({ generated: 's', comment: 'twice a' });
    expect(await rows('SELECT b FROM r_alter.t')).toEqual([{ b: 6 }]);

    steps = await apply(s, [alter(double, triple, ['generated', 'comment'])]);
    expect(codes(steps)).toEqual(['ACCESS_EXCLUSIVE_LOCK', 'REWRITES_TABLE']);
    expect(await rows('SELECT b FROM r_alter.t')).toEqual([{ b: 9 }]);

    steps = await apply(s, [alter(triple, col('b', 'bigint'), ['generated', 'type'])]);
    expect(await column(s, 't', 'b')).toMatchObject({ generated: '', type: 'bigint' });
    expect(await rows('SELECT b::int FROM r_alter.t')).toEqual([{ b: 9 }]);
  });
});

// ---------------------------------------------------------------------------------------------
// Keys, indexes, foreign keys, checks

describe('constraints and indexes', () => {
  const s = 'r_cons';

  test('primary key and unique on an existing table, then dropped', async () => {
    await freshSchema(s, `CREATE TABLE t (a int NOT NULL, b int); INSERT INTO t VALUES (1, NULL), (2, NULL);`);
    await apply(s, [
      { kind: 'addPrimaryKey', table: 't', primaryKey: { name: 't_pk', columns: ['a'] } },
      { kind: 'addUnique', table: 't', unique: { name: 't_b_key', columns: ['b', 'a'], deferrable: true } },
    ]);
    expect((await constraints(s, 't')).map((c) => [c.name, c.type, c.deferrable])).toEqual([
      ['t_b_key', 'u', true],
      ['t_pk', 'p', false],
    ]);
    await apply(s, [
      { kind: 'dropUnique', table: 't', unique: { name: 't_b_key', columns: ['b', 'a'] } },
      { kind: 'dropPrimaryKey', table: 't', primaryKey: { name: 't_pk', columns: ['a'] } },
    ]);
    expect(await constraints(s, 't')).toEqual([]);
  });

  test('indexes on an existing table: in the transaction, concurrently, dropped', async () => {
    await freshSchema(s, `CREATE TABLE t (a int, b text); INSERT INTO t VALUES (1, 'x');`);
    const plain = { name: 't_a_idx', unique: true, method: 'btree', keys: [{ column: 'a' }], include: [] };
    const concurrent = { name: 't_b_idx', unique: false, method: 'hash', keys: [{ column: 'b' }], include: [] };
    const inTx = renderChanges([{ kind: 'addIndex', table: 't', index: plain, newTable: false }], options(s));
    expect(inTx.map((st) => st.transactional)).toEqual([true]);
    await run(inTx);
    const conc = renderChanges([{ kind: 'addIndex', table: 't', index: concurrent, newTable: false }], options(s, { concurrentIndexes: true, indexTimeoutMs: 1234 }));
    expect(conc).toMatchObject([{ transactional: false, timeoutMs: 1234, sql: [expect.stringContaining('CONCURRENTLY')] }]);
    await run(conc);
    const idx = await indexes(s, 't');
    expect(idx.map((i) => [i.name, i.valid, i.unique])).toEqual([
      ['t_a_idx', true, true],
      ['t_b_idx', true, false],
    ]);
    expect(idx[1]?.def).toContain('USING hash');
    await apply(s, [
      { kind: 'dropIndex', table: 't', index: plain },
      { kind: 'dropIndex', table: 't', index: concurrent },
    ]);
    expect(await indexes(s, 't')).toEqual([]);
  });

  test('foreign keys: existing table validated, shared schema reference, dropped', async () => {
    await db.query('DROP SCHEMA IF EXISTS r_shared CASCADE');
    await db.query('CREATE SCHEMA r_shared; CREATE TABLE r_shared.countries (code text PRIMARY KEY); INSERT INTO r_shared.countries VALUES (\'NL\')');
    await freshSchema(s, `CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE c (p_id int, country text); INSERT INTO p VALUES (1); INSERT INTO c VALUES (1, 'NL');`);
    const fk = { columns: ['p_id'], refTable: 'p', refColumns: ['id'], onDelete: 'set null', onUpdate: 'no action', deferrable: false, initiallyDeferred: false } as const;
    const shared = { name: 'c_country_fkey', columns: ['country'], refTable: 'r_shared.countries', refColumns: ['code'], onDelete: 'restrict', onUpdate: 'cascade', deferrable: true, initiallyDeferred: true } as const;
    const steps = await apply(s, [
      { kind: 'addForeignKey', table: 'c', foreignKey: { name: 'c_p_fkey', ...fk }, newTable: false },
      { kind: 'addForeignKey', table: 'c', foreignKey: shared, newTable: false },
    ]);
    expect(codes(steps)).toEqual(['MAY_FAIL_ON_EXISTING_ROWS', 'RUNS_AFTER_COMMIT']);
    expect(steps.map((st) => [st.summary, st.runs, st.lock])).toEqual([
      ['add foreign key c_p_fkey on c -> p (NOT VALID)', 'main-transaction', 'SHARE ROW EXCLUSIVE'],
      ['validate foreign key c_p_fkey on c', 'own-transaction', 'SHARE UPDATE EXCLUSIVE'],
      ['add foreign key c_country_fkey on c -> r_shared.countries (NOT VALID)', 'main-transaction', 'SHARE ROW EXCLUSIVE'],
      ['validate foreign key c_country_fkey on c', 'own-transaction', 'SHARE UPDATE EXCLUSIVE'],
    ]);
    const cons = await constraints(s, 'c');
    expect(cons.map((c) => [c.name, c.validated, c.deferred])).toEqual([
      ['c_country_fkey', true, true],
      ['c_p_fkey', true, false],
    ]);
    expect(cons[0]?.def).toContain('REFERENCES r_shared.countries(code)');
    expect(cons[1]?.def).toContain('REFERENCES r_cons.p(id)');
    await apply(s, [
      { kind: 'dropForeignKey', table: 'c', foreignKey: { name: 'c_p_fkey', ...fk } },
      { kind: 'dropForeignKey', table: 'c', foreignKey: shared },
    ]);
    expect(await constraints(s, 'c')).toEqual([]);
  });

  test('foreign key on existing rows that violate it fails', async () => {
    await freshSchema(s, `CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE c (p_id int); INSERT INTO c VALUES (9);`);
    const fk = { name: 'c_p_fkey', columns: ['p_id'], refTable: 'p', refColumns: ['id'], onDelete: 'no action', onUpdate: 'no action', deferrable: false, initiallyDeferred: false } as const;
    await expect(apply(s, [{ kind: 'addForeignKey', table: 'c', foreignKey: fk, newTable: false }])).rejects.toThrow(/violates foreign key/);
  });

  test('checks: existing table validated, new table plain, dropped', async () => {
    await freshSchema(s, `CREATE TABLE t (a int); CREATE TABLE n (a int); INSERT INTO t VALUES (1);`);
    const steps = await apply(s, [
      { kind: 'addCheck', table: 't', check: { name: 't_a_check', expression: '(a > 0)' }, newTable: false },
      { kind: 'addCheck', table: 'n', check: { name: 'n_a_check', expression: '(a < 10)' }, newTable: true },
    ]);
    expect(steps.map((st) => [st.runs, st.lock, st.hazards.map((h) => h.code)])).toEqual([
      ['main-transaction', 'ACCESS EXCLUSIVE', []],
      ['own-transaction', 'SHARE UPDATE EXCLUSIVE', ['MAY_FAIL_ON_EXISTING_ROWS', 'RUNS_AFTER_COMMIT']],
      ['main-transaction', 'NONE', []],
    ]);
    expect(await constraints(s, 't')).toMatchObject([{ name: 't_a_check', type: 'c', validated: true }]);
    expect((await constraints(s, 't'))[0]?.def).toContain('a > 0');
    expect(await constraints(s, 'n')).toMatchObject([{ name: 'n_a_check', validated: true }]);
    await apply(s, [{ kind: 'dropCheck', table: 't', check: { name: 't_a_check', expression: '(a > 0)' } }]);
    expect(await constraints(s, 't')).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Hazards per change, as a table (rendering only)

describe('hazards', () => {
  const o = options('h');
  const t = table('t', [col('id', 'integer')]);
  const idx = { name: 'i', unique: false, method: 'btree', keys: [{ column: 'id' }], include: [] };
  const fk = { name: 'f', columns: ['id'], refTable: 'p', refColumns: ['id'], onDelete: 'no action', onUpdate: 'no action', deferrable: false, initiallyDeferred: false } as const;
  const add = (column: ColumnModel): Change => ({ kind: 'addColumn', table: 't', column });
  const alter = (from: ColumnModel, to: ColumnModel, changed: ColumnProperty[]): Change => ({
    kind: 'alterColumn', table: 't', from, to, changed,
  });
  const D = 'DELETES_DATA', R = 'REWRITES_TABLE', L = 'ACCESS_EXCLUSIVE_LOCK', F = 'MAY_FAIL_ON_EXISTING_ROWS', I = 'INDEX_BUILD', C = 'RUNS_AFTER_COMMIT';

  const cases: [string, Change, HazardCode[], Partial<RenderOptions>?][] = [
    ['create enum', { kind: 'createEnum', enum: { name: 'e', values: ['a'] } }, []],
    ['drop enum', { kind: 'dropEnum', enum: { name: 'e', values: ['a'] } }, []],
    ['add enum values', { kind: 'addEnumValues', enum: 'e', values: [{ value: 'b' }] }, []],
    ['recreate enum', { kind: 'recreateEnum', from: { name: 'e', values: ['a', 'b'] }, to: { name: 'e', values: ['a'] }, usedBy: [{ table: 't', column: 'c' }] }, [R, L, F]],
    ['create sequence', { kind: 'createSequence', sequence: sequence('s') }, []],
    ['alter sequence (widen)', { kind: 'alterSequence', from: sequence('s', { type: 'integer', maxValue: '2147483647' }), to: sequence('s') }, []],
    ['alter sequence (narrow)', { kind: 'alterSequence', from: sequence('s'), to: sequence('s', { maxValue: '100' }) }, [F]],
    ['drop sequence', { kind: 'dropSequence', sequence: sequence('s') }, [D]],
    ['create table', { kind: 'createTable', table: t }, []],
    ['drop table', { kind: 'dropTable', table: t }, [D]],
    ['rename table', { kind: 'renameTable', from: 't', to: 'u' }, []],
    ['table comment', { kind: 'setTableComment', table: 't', comment: 'x' }, []],
    ['add nullable column', add(col('c', 'text')), []],
    ['add column, constant default', add(col('c', 'integer', { nullable: false, default: '0' })), []],
    ['add column, cast default', add(col('c', 'numeric(10,2)', { nullable: false, default: "'1.5'::numeric(10,2)" })), []],
    ['add column, now()', add(col('c', 'timestamp with time zone', { nullable: false, default: 'now()' })), []],
    ['add column, CURRENT_TIMESTAMP', add(col('c', 'timestamp with time zone', { default: 'CURRENT_TIMESTAMP' })), []],
    ['add column, varchar cast', add(col('c', 'character varying(5)', { default: "'x'::character varying" })), []],
    ['add column, NOT NULL no default', add(col('c', 'text', { nullable: false })), [F]],
    ['add column, random()', add(col('c', 'double precision', { default: 'random()' })), [R, L]],
    ['add column, gen_random_uuid()', add(col('c', 'uuid', { default: 'gen_random_uuid()' })), [R, L]],
    ['add column, uuid_generate_v4()', add(col('c', 'uuid', { default: 'public.uuid_generate_v4()' })), [R, L]],
    ['add column, clock_timestamp()', add(col('c', 'timestamp with time zone', { default: 'clock_timestamp()' })), [R, L]],
    ['add column, nextval', add(col('c', 'bigint', { nullable: false, default: "nextval('s'::regclass)" })), [R, L]],
    ['add column, unknown function', add(col('c', 'text', { default: 'my_func()' })), [R, L]],
    ['add column, function name in a string', add(col('c', 'text', { default: "'random()'::text" })), []],
    ['add column, identity', add(col('c', 'bigint', { nullable: false, identity: 'always' })), [R, L]],
    ['add column, generated', add(col('c', 'integer', { generated: '(id * 2)' })), [R, L]],
    ['drop column', { kind: 'dropColumn', table: 't', column: col('c', 'text') }, [D]],
    ['rename column', { kind: 'renameColumn', table: 't', from: 'a', to: 'b' }, []],
    ['type int -> bigint', alter(col('c', 'integer'), col('c', 'bigint'), ['type']), [R, L, F]],
    ['type text -> integer', alter(col('c', 'text'), col('c', 'integer'), ['type']), [R, L, F]],
    ['type varchar(5) -> varchar(3)', alter(col('c', 'character varying(5)'), col('c', 'character varying(3)'), ['type']), [R, L, F]],
    ['type varchar(5) -> varchar(10)', alter(col('c', 'character varying(5)'), col('c', 'character varying(10)'), ['type']), [L]],
    ['type varchar(5) -> text', alter(col('c', 'character varying(5)'), col('c', 'text'), ['type']), [L]],
    ['type varchar -> text', alter(col('c', 'character varying'), col('c', 'text'), ['type']), [L]],
    ['type numeric(10,2) -> numeric(12,2)', alter(col('c', 'numeric(10,2)'), col('c', 'numeric(12,2)'), ['type']), [L]],
    ['type numeric(10,2) -> numeric', alter(col('c', 'numeric(10,2)'), col('c', 'numeric'), ['type']), [L]],
    ['type numeric(10,2) -> numeric(12,3)', alter(col('c', 'numeric(10,2)'), col('c', 'numeric(12,3)'), ['type']), [R, L, F]],
    ['collation', alter(col('c', 'text'), col('c', 'text', { collation: 'C' }), ['collation']), [L]],
    ['set not null', alter(col('c', 'text'), col('c', 'text', { nullable: false }), ['nullable']), [F, C]],
    ['drop not null', alter(col('c', 'text', { nullable: false }), col('c', 'text'), ['nullable']), []],
    ['set default', alter(col('c', 'text'), col('c', 'text', { default: "'x'::text" }), ['default']), []],
    ['add identity', alter(col('c', 'integer', { nullable: false }), col('c', 'integer', { nullable: false, identity: 'always' }), ['identity']), []],
    ['column comment', alter(col('c', 'text'), col('c', 'text', { comment: 'x' }), ['comment']), []],
    ['plain -> generated', alter(col('c', 'integer'), col('c', 'integer', { generated: '(id + 1)' }), ['generated']), [D, R, L]],
    ['generated -> generated', alter(col('c', 'integer', { generated: '(id + 1)' }), col('c', 'integer', { generated: '(id + 2)' }), ['generated']), [R, L]],
    ['generated -> plain', alter(col('c', 'integer', { generated: '(id + 1)' }), col('c', 'integer'), ['generated']), []],
    ['add primary key', { kind: 'addPrimaryKey', table: 't', primaryKey: { name: 'pk', columns: ['id'] } }, [L, F, I]],
    ['drop primary key', { kind: 'dropPrimaryKey', table: 't', primaryKey: { name: 'pk', columns: ['id'] } }, []],
    ['add unique', { kind: 'addUnique', table: 't', unique: { name: 'u', columns: ['id'] } }, [L, F, I]],
    ['drop unique', { kind: 'dropUnique', table: 't', unique: { name: 'u', columns: ['id'] } }, []],
    ['add index, new table', { kind: 'addIndex', table: 't', index: idx, newTable: true }, []],
    ['add index, existing table', { kind: 'addIndex', table: 't', index: idx, newTable: false }, [I]],
    ['add index, concurrently', { kind: 'addIndex', table: 't', index: idx, newTable: false }, [I, C], { concurrentIndexes: true }],
    ['add unique index, existing', { kind: 'addIndex', table: 't', index: { ...idx, unique: true }, newTable: false }, [F, I]],
    ['drop index', { kind: 'dropIndex', table: 't', index: idx }, []],
    ['add foreign key, new table', { kind: 'addForeignKey', table: 't', foreignKey: fk, newTable: true }, []],
    ['add foreign key, existing', { kind: 'addForeignKey', table: 't', foreignKey: fk, newTable: false }, [F, C]],
    ['drop foreign key', { kind: 'dropForeignKey', table: 't', foreignKey: fk }, []],
    ['add check, new table', { kind: 'addCheck', table: 't', check: { name: 'c', expression: '(id > 0)' }, newTable: true }, []],
    ['add check, existing', { kind: 'addCheck', table: 't', check: { name: 'c', expression: '(id > 0)' }, newTable: false }, [F, C]],
    ['drop check', { kind: 'dropCheck', table: 't', check: { name: 'c', expression: '(id > 0)' } }, []],
  ];

  test.each(cases)('%s', (_label, change, expected, extra) => {
    const steps = renderChanges([change], { ...o, ...extra });
    expect(steps.length).toBeGreaterThan(0);
    expect(codes(steps)).toEqual([...expected].sort());
    for (const h of steps.flatMap((st) => st.hazards)) {
      expect(h.message).not.toContain('\n');
      expect(h.message).toMatch(/\bt\b|\be\b|\bs\b/); // names the table (or the enum / sequence)
    }
    for (const st of steps) {
      expect(st.summary).not.toContain('"');
      for (const sql of st.sql) expect(sql.trimEnd().endsWith(';')).toBe(false);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Isolation (invariant 4)

describe('isolation', () => {
  const schema = `evil"'; DROP SCHEMA keep CASCADE; --\\`;
  const tbl = `x"; DROP TABLE keep.sentinel; --`;
  const other = `p'); DROP TABLE keep.sentinel; --`;
  const colName = `c"'); DROP TABLE keep.sentinel; --`;
  const enumName = `e"'; DROP TYPE x; --`;
  const seqName = `s"'; DROP SEQUENCE x; --\\`;
  const comment = `'); DROP TABLE keep.sentinel; -- \\ "`;

  // pg_toast holds the TOAST tables PostgreSQL creates for the tenant's own tables: not ours to count.
  const objectsOutside = async (): Promise<string[]> => {
    const found = await rows<{ o: string }>(
      `SELECT 'class ' || n.nspname || '.' || c.relname AS o FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ($1, 'pg_toast')
       UNION ALL SELECT 'type ' || n.nspname || '.' || t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname <> $1
       UNION ALL SELECT 'constraint ' || n.nspname || '.' || c.conname FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname <> $1
       UNION ALL SELECT 'proc ' || n.nspname || '.' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname <> $1
       UNION ALL SELECT 'schema ' || nspname FROM pg_namespace WHERE nspname <> $1
       UNION ALL SELECT 'comment ' || objoid::text || ' ' || description FROM pg_description WHERE objoid >= 16384 AND objoid NOT IN (
         SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1
         UNION ALL SELECT t.oid FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = $1)
       ORDER BY 1`,
      [schema],
    );
    return found.map((r) => r.o);
  };

  const changes = (): Change[] => {
    const seq = sequence(seqName);
    const idCol = col(colName, 'bigint', { nullable: false, default: `nextval(${quoteLiteral(quoteIdent(seqName))}::regclass)`, comment });
    const quotedCol = quoteIdent(colName);
    return [
      { kind: 'createEnum', enum: { name: enumName, values: [`it's`, `a"b`, `\\`], comment } },
      { kind: 'createSequence', sequence: seq },
      { kind: 'createTable', table: table(other, [col('id', 'integer', { nullable: false })], { primaryKey: { name: `${other}_pk`, columns: ['id'] } }) },
      {
        kind: 'createTable',
        table: table(
          tbl,
          [
            idCol,
            col(`${colName}2`, enumName, { comment, default: `${quoteLiteral("it's")}::${quoteIdent(enumName)}` }),
            col(`${colName}3`, `${enumName}[]`),
            col(`${colName}4`, 'integer', { generated: `(${quotedCol} * 2)` }),
            col('ref', 'integer'),
          ],
          {
            primaryKey: { name: `${tbl}pk`, columns: [colName] },
            uniques: [{ name: `${tbl}u`, columns: [`${colName}2`, colName] }],
            checks: [{ name: `${tbl}c`, expression: `(${quotedCol} > 0)` }],
            comment,
          },
        ),
      },
      { kind: 'alterSequence', from: seq, to: { ...seq, ownedBy: { table: tbl, column: colName } } },
      { kind: 'addIndex', table: tbl, newTable: true, index: { name: `${tbl}i`, unique: false, method: 'btree', keys: [{ column: `${colName}2` }, { expression: `(${quotedCol} + 1)` }], include: [], where: `(${quotedCol} > 5)` } },
      {
        kind: 'addForeignKey', table: tbl, newTable: true,
        foreignKey: { name: `${tbl}f`, columns: ['ref'], refTable: other, refColumns: ['id'], onDelete: 'cascade', onUpdate: 'no action', deferrable: false, initiallyDeferred: false },
      },
      { kind: 'addEnumValues', enum: enumName, values: [{ value: `new'"`, before: `a"b` }] },
      { kind: 'addColumn', table: tbl, column: col(`${colName}5`, 'text', { default: `'x'::text`, comment }) },
      { kind: 'alterColumn', table: tbl, from: col('ref', 'integer'), to: col('ref', 'integer', { nullable: false, default: '1', comment }), changed: ['nullable', 'default', 'comment'] },
      { kind: 'alterColumn', table: tbl, from: col(`${colName}5`, 'text', { default: `'x'::text` }), to: col(`${colName}5`, 'character varying(50)', { default: `'y'::character varying` }), changed: ['type', 'default'] },
      { kind: 'addCheck', table: tbl, newTable: false, check: { name: `${tbl}c2`, expression: `(ref > 0)` } },
      { kind: 'addIndex', table: tbl, newTable: false, index: { name: `${tbl}i2`, unique: true, method: 'btree', keys: [{ column: colName, descending: true }], include: ['ref'] } },
      { kind: 'setEnumComment', enum: enumName, comment },
      { kind: 'setTableComment', table: other, comment },
      { kind: 'renameTable', from: other, to: `${other}2` },
      { kind: 'renameColumn', table: tbl, from: `${colName}5`, to: `${colName}6` },
      { kind: 'dropIndex', table: tbl, index: { name: `${tbl}i`, unique: false, method: 'btree', keys: [], include: [] } },
    ];
  };

  test('hostile names stay inside their quotes and their schema', async () => {
    await db.query('DROP SCHEMA IF EXISTS keep CASCADE');
    await db.query(`CREATE SCHEMA keep; CREATE TABLE keep.sentinel (id int); INSERT INTO keep.sentinel VALUES (42)`);
    await db.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
    await db.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
    const before = await objectsOutside();

    const o = options(schema, { tenantTypes: [enumName], tenantSequences: [seqName] });
    const steps = renderChanges(changes(), o);
    for (const sql of steps.flatMap((st) => st.sql)) expect(sql).toContain(o.qualifier);
    await run(steps);
    await db.query(`INSERT INTO ${quoteIdent(schema)}.${quoteIdent(other + '2')} VALUES (1)`);
    await db.query(
      `INSERT INTO ${quoteIdent(schema)}.${quoteIdent(tbl)} (ref) VALUES (1)`,
    );

    expect(await objectsOutside()).toEqual(before);
    expect(await rows('SELECT id FROM keep.sentinel')).toEqual([{ id: 42 }]);

    const inside = await rows<{ name: string; kind: string }>(
      `SELECT c.relname AS name, c.relkind::text AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 ORDER BY 1`,
      [schema],
    );
    expect(inside.map((r) => r.name)).toEqual(expect.arrayContaining([tbl, `${other}2`, `${tbl}i2`, `${tbl}pk`, `${tbl}u`, seqName]));
    expect(inside.map((r) => r.name)).not.toContain(`${tbl}i`);
    expect(await enumLabels(schema, enumName)).toEqual([`it's`, `new'"`, `a"b`, `\\`]);
    expect(await typeComment(schema, enumName)).toBe(comment);
    expect(await tableComment(schema, tbl)).toBe(comment);
    expect(await tableComment(schema, `${other}2`)).toBe(comment);
    const cols = Object.fromEntries((await columns(schema, tbl)).map((c) => [c.name, c]));
    expect(cols[colName]?.comment).toBe(comment);
    expect(cols[colName]?.default).toContain('nextval(');
    expect(cols[`${colName}2`]).toMatchObject({ type_schema: schema, type_name: enumName, comment });
    expect(cols.ref).toMatchObject({ not_null: true, default: '1', comment });
    expect(cols[`${colName}6`]?.type).toBe('character varying(50)');
    expect(await ownerOfSequence(schema, seqName)).toBe(`${tbl}.${colName}`);
    expect(
      await rows(
        `SELECT ${quoteIdent(colName)}::int AS id, ${quoteIdent(colName + '2')}::text AS mood, ${quoteIdent(colName + '4')} AS twice
           FROM ${quoteIdent(schema)}.${quoteIdent(tbl)}`,
      ),
    ).toEqual([{ id: 1, mood: "it's", twice: 2 }]);
    expect((await constraints(schema, tbl)).map((c) => c.name).sort()).toEqual([`${tbl}c`, `${tbl}c2`, `${tbl}f`, `${tbl}pk`, `${tbl}u`].sort());
  });

  test('a placeholder qualifier is used verbatim and works after substitution', async () => {
    const target = 'r_placeholder';
    await freshSchema(target);
    const placeholder = '{{tenant}}';
    const o = { ...options(target, { tenantTypes: [enumName], tenantSequences: [seqName] }), qualifier: placeholder };
    const steps = renderChanges(changes(), o);
    for (const sql of steps.flatMap((st) => st.sql)) expect(sql).toContain(placeholder);
    const substituted = steps.map((st) => ({ ...st, sql: st.sql.map((sql) => sql.replaceAll(placeholder, quoteIdent(target))) }));
    await run(substituted);
    expect(await relationExists(target, tbl)).toBe(true);
    expect(await ownerOfSequence(target, seqName)).toBe(`${tbl}.${colName}`);
  });
});
