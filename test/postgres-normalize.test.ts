// What the PostgreSQL normalizer still does before the server compiles a manifest (compile.ts):
// names and sequence options a manifest may leave out, and serial columns as the integer column
// + owned sequence + nextval default PostgreSQL creates. Types and expressions pass unchanged:
// the server judges them (test/postgres-compile.test.ts).
import pg from 'pg';
import { describe, expect, it, test, vi } from 'vitest';
import { parseIntegerArray } from '../src/engines/postgres/internal/inspect.js';
import type { SchemaModel, TableModel } from '../src/model/types.js';
import { normalizeSchema, toManifestSchema } from '../src/engines/postgres/internal/normalize.js';

function table(partial: Partial<TableModel> & { name: string }): TableModel {
  return { columns: [], uniques: [], indexes: [], foreignKeys: [], checks: [], ...partial };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

describe('normalizeSchema', () => {
  const manifest: SchemaModel = deepFreeze({
    tables: [
      table({
        name: 'users',
        columns: [
          { name: 'id', type: 'bigserial', nullable: true },
          { name: 'email', type: 'VARCHAR(255)', nullable: false },
          { name: 'status', type: 'mood', nullable: false, default: "'active'::mood" },
          { name: 'created_at', type: 'timestamptz', nullable: false, default: 'now()' },
          { name: 'score', type: 'int', nullable: true, default: '0' },
          { name: 'active', type: 'bool', nullable: false, default: 'true' },
          { name: 'total', type: 'int', nullable: true, generated: '(score * 2)' },
          { name: 'note', type: 'text', nullable: true, default: 'NULL' },
        ],
        primaryKey: { name: 'users_pkey', columns: ['id'] },
        uniques: [{ name: 'users_email_key', columns: ['email'], deferrable: false }],
        indexes: [
          { name: 'users_lower_email', unique: true, method: 'BTREE', keys: [{ expression: 'lower((email)::text)' }], include: [] },
          { name: 'users_active', unique: false, method: '', keys: [{ column: 'id', descending: false, nulls: 'last' }], include: [], where: 'active = true and deleted_at is null' },
          { name: 'users_a', unique: false, method: 'gin', keys: [{ expression: '(score)' }], include: [] },
        ],
        checks: [
          { name: 'users_score_check', expression: 'score between 0 and 100' },
          { name: 'users_email_check', expression: "email like '%@%'" },
        ],
        foreignKeys: [],
      }),
      table({
        name: 'orders',
        columns: [
          { name: 'id', type: 'serial', nullable: false },
          { name: 'user_id', type: 'int8', nullable: false },
          { name: 'code', type: 'integer', nullable: true },
        ],
        primaryKey: { name: 'orders_pkey', columns: ['id'] },
        foreignKeys: [
          { name: 'orders_user_fk', columns: ['user_id'], refTable: 'users', refColumns: [], onDelete: 'CASCADE' as never, onUpdate: 'No Action' as never, deferrable: false, initiallyDeferred: false },
        ],
      }),
    ],
    enums: [
      { name: 'mood', values: ['active', 'sleeping'] },
      { name: 'color', values: ['red', 'blue'] },
    ],
    sequences: [{ name: 'invoice_seq', type: 'bigint', start: '', increment: '', minValue: '', maxValue: '', cache: '', cycle: false } as never],
  });

  const normalized = normalizeSchema(manifest);
  const users = normalized.tables.find((t) => t.name === 'users')!;
  const orders = normalized.tables.find((t) => t.name === 'orders')!;

  test('sorts tables, enums, sequences and table parts by name; keeps column order', () => {
    expect(normalized.tables.map((t) => t.name)).toEqual(['orders', 'users']);
    expect(normalized.enums.map((e) => e.name)).toEqual(['color', 'mood']);
    expect(normalized.sequences.map((s) => s.name)).toEqual(['invoice_seq', 'orders_id_seq', 'users_id_seq']);
    expect(users.indexes.map((i) => i.name)).toEqual(['users_a', 'users_active', 'users_lower_email']);
    expect(users.checks.map((c) => c.name)).toEqual(['users_email_check', 'users_score_check']);
    expect(users.columns.map((c) => c.name)).toEqual(['id', 'email', 'status', 'created_at', 'score', 'active', 'total', 'note']);
    expect(normalized.enums[0]!.values).toEqual(['red', 'blue']);
  });

  test('desugars serial columns into integer + owned sequence + nextval default', () => {
    expect(users.columns[0]).toEqual({ name: 'id', type: 'bigint', nullable: false, default: "nextval('users_id_seq'::regclass)" });
    expect(orders.columns[0]).toEqual({ name: 'id', type: 'integer', nullable: false, default: "nextval('orders_id_seq'::regclass)" });
    expect(normalized.sequences.find((s) => s.name === 'users_id_seq')).toEqual({
      name: 'users_id_seq', type: 'bigint', start: '1', increment: '1', minValue: '1', maxValue: '9223372036854775807', cache: '1', cycle: false,
      ownedBy: { table: 'users', column: 'id' },
    });
    expect(normalized.sequences.find((s) => s.name === 'orders_id_seq')?.maxValue).toBe('2147483647');
  });

  test('fills sequence defaults for the type', () => {
    expect(normalized.sequences.find((s) => s.name === 'invoice_seq')).toEqual({
      name: 'invoice_seq', type: 'bigint', start: '1', increment: '1', minValue: '1', maxValue: '9223372036854775807', cache: '1', cycle: false,
    });
    const descending = normalizeSchema({ tables: [], enums: [], sequences: [{ name: 's', type: 'integer', increment: '-1' } as never] });
    expect(descending.sequences[0]).toEqual({ name: 's', type: 'integer', start: '-1', increment: '-1', minValue: '-2147483648', maxValue: '-1', cache: '1', cycle: false });
  });

  test('types and expressions pass as written, for the server to judge', () => {
    expect(users.columns.map((c) => c.type)).toEqual(['bigint', 'VARCHAR(255)', 'mood', 'timestamptz', 'int', 'bool', 'int', 'text']);
    expect(users.columns.map((c) => c.default)).toEqual(["nextval('users_id_seq'::regclass)", undefined, "'active'::mood", 'now()', '0', 'true', undefined, 'NULL']);
    expect(users.columns[6]!.generated).toBe('(score * 2)');
    expect(users.checks.map((c) => c.expression)).toEqual(["email like '%@%'", 'score between 0 and 100']);
  });

  test('indexes: lower-case method defaulting to btree, default key options dropped, keys as written', () => {
    expect(users.indexes).toEqual([
      { name: 'users_a', unique: false, method: 'gin', keys: [{ expression: '(score)' }], include: [] },
      { name: 'users_active', unique: false, method: 'btree', keys: [{ column: 'id' }], include: [], where: 'active = true and deleted_at is null' },
      { name: 'users_lower_email', unique: true, method: 'btree', keys: [{ expression: 'lower((email)::text)' }], include: [] },
    ]);
    expect(users.uniques).toEqual([{ name: 'users_email_key', columns: ['email'] }]);
  });

  test('foreign keys: lower-case actions, referenced primary key filled in', () => {
    expect(orders.foreignKeys).toEqual([
      { name: 'orders_user_fk', columns: ['user_id'], refTable: 'users', refColumns: ['id'], onDelete: 'cascade', onUpdate: 'no action', deferrable: false, initiallyDeferred: false },
    ]);
  });

  test('primary-key columns are NOT NULL', () => {
    const s = normalizeSchema({ tables: [table({ name: 't', columns: [{ name: 'k', type: 'text', nullable: true }], primaryKey: { name: 't_pkey', columns: ['k'] } })], enums: [], sequences: [] });
    expect(s.tables[0]!.columns[0]!.nullable).toBe(false);
  });

  test('keeps a sequence the schema already declares', () => {
    const declared = { name: 't_id_seq', type: 'integer' as const, start: '100', increment: '1', minValue: '1', maxValue: '2147483647', cache: '1', cycle: false };
    const s = normalizeSchema({ tables: [table({ name: 't', columns: [{ name: 'id', type: 'serial', nullable: false }] })], enums: [], sequences: [declared] });
    expect(s.sequences).toEqual([declared]);
  });

  test('shortens serial sequence names like PostgreSQL (63 bytes)', () => {
    const longTable = 'a'.repeat(60);
    const s = normalizeSchema({ tables: [table({ name: longTable, columns: [{ name: 'identifier', type: 'serial', nullable: false }] })], enums: [], sequences: [] });
    const name = `${'a'.repeat(48)}_identifier_seq`;
    expect(s.sequences[0]!.name).toBe(name);
    expect(s.tables[0]!.columns[0]!.default).toBe(`nextval('${name}'::regclass)`);
    const mixed = normalizeSchema({ tables: [table({ name: 'Order', columns: [{ name: 'id', type: 'serial', nullable: false }] })], enums: [], sequences: [] });
    expect(mixed.tables[0]!.columns[0]!.default).toBe("nextval('\"Order_id_seq\"'::regclass)");
  });

  test('does not mutate its input and is idempotent', () => {
    expect(normalizeSchema(normalized)).toEqual(normalized);
    expect(JSON.stringify(normalizeSchema(normalized))).toBe(JSON.stringify(normalized));
  });
});

describe('toManifestSchema', () => {
  const manifest: SchemaModel = {
    tables: [
      table({
        name: 't',
        columns: [
          { name: 'id', type: 'serial', nullable: false },
          { name: 'big', type: 'bigserial', nullable: false },
          { name: 'small', type: 'smallserial', nullable: false },
          { name: 'other', type: 'integer', nullable: false, default: "nextval('custom_seq'::regclass)" },
        ],
        primaryKey: { name: 't_pkey', columns: ['id'] },
      }),
    ],
    enums: [],
    sequences: [{ name: 'custom_seq', type: 'integer', start: '1', increment: '1', minValue: '1', maxValue: '2147483647', cache: '1', cycle: false }],
  };
  const inspected = normalizeSchema(manifest);

  test('turns owned default sequences back into serial columns', () => {
    const back = toManifestSchema(inspected);
    expect(back.tables[0]!.columns).toEqual([
      { name: 'id', type: 'serial', nullable: false },
      { name: 'big', type: 'bigserial', nullable: false },
      { name: 'small', type: 'smallserial', nullable: false },
      { name: 'other', type: 'integer', nullable: false, default: "nextval('custom_seq'::regclass)" },
    ]);
    expect(back.sequences.map((s) => s.name)).toEqual(['custom_seq']);
    expect(normalizeSchema(back)).toEqual(inspected);
  });

  test('keeps sequences with non-default options', () => {
    const changed: SchemaModel = {
      ...inspected,
      sequences: inspected.sequences.map((s) => (s.name === 't_id_seq' ? { ...s, start: '1000' } : s)),
    };
    const back = toManifestSchema(changed);
    expect(back.tables[0]!.columns[0]).toEqual({ name: 'id', type: 'integer', nullable: false, default: "nextval('t_id_seq'::regclass)" });
    expect(back.sequences.map((s) => s.name)).toContain('t_id_seq');
  });
});

describe('parseIntegerArray', () => {
  const int2Array: number = 1005;
  const pgParser = pg.types.getTypeParser(int2Array, 'text') as (text: string) => unknown;
  it('reads integer arrays as pg does, bounds dropped, and leaves anything else to pg', () => {
    for (const text of ['{1,2}', '{}', '{-1,0,32767}', '[0:1]={1,2}', '[0:0]={3124}', '[2:3]={-1,2}', '{4294967295}', '{NULL,1}', '{{1,2},{3,4}}']) {
      expect(parseIntegerArray(text, pgParser), text).toEqual(pgParser(text));
    }
    const fallback = vi.fn(pgParser);
    parseIntegerArray('[0:1]={5,6}', fallback);
    parseIntegerArray('{1,NULL}', fallback);
    expect(fallback.mock.calls.map((c) => c[0])).toEqual(['{1,NULL}']);
  });
});
