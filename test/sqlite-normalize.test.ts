// Canonical form of the SQLite engine (DESIGN.md invariant 2): what a person writes in a manifest
// (often the PostgreSQL way) and what SQLite holds after hand-written DDL normalize to the same
// model, every canonical form is a fixed point, and canonical text written as DDL reads back as
// itself (the renderer writes canonical text).
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { inspectDatabase } from '../src/engines/sqlite/internal/inspect.js';
import { engine as sqliteEngine } from '../src/engines/sqlite/index.js';
import {
  canonicalDefault,
  canonicalExpression,
  canonicalType,
  isBuiltinType,
  normalizeSchema,
  toManifestSchema,
} from '../src/engines/sqlite/internal/normalize.js';
import { desiredFor, parseManifest, writeManifest } from '../src/manifest/index.js';
import type { SchemaModel, TableModel } from '../src/model/types.js';
import { fixturesDir } from './helpers/fixtures.js';

function inspectSql(sql: string): SchemaModel {
  const db = new Database(':memory:');
  try {
    db.exec(sql);
    return inspectDatabase(db);
  } finally {
    db.close();
  }
}

function manifestSchema(yaml: string): SchemaModel {
  return desiredFor({ name: 't', labels: [] }, parseManifest(yaml, 'manifest.yaml', sqliteEngine), [], sqliteEngine).schema;
}

const emptyTable = (name: string, columns: TableModel['columns']): TableModel => ({ name, columns, uniques: [], indexes: [], foreignKeys: [], checks: [] });

describe('types', () => {
  const TYPES: readonly (readonly [string, string])[] = [
    ['int', 'INT'],
    ['INTEGER', 'INTEGER'],
    ['integer', 'INTEGER'],
    ['varchar (255)', 'VARCHAR(255)'],
    ['varchar(255)', 'VARCHAR(255)'],
    ['numeric( 10 , 2 )', 'NUMERIC(10,2)'],
    ['numeric(10, 2)', 'NUMERIC(10,2)'],
    ['double   precision', 'DOUBLE PRECISION'],
    ['  text ', 'TEXT'],
    ['boolean', 'BOOLEAN'],
    ['timestamptz', 'TIMESTAMPTZ'],
    ['unsigned big int', 'UNSIGNED BIG INT'],
    ['"double precision"', 'DOUBLE PRECISION'],
    ['serial', 'INTEGER'],
    ['bigserial', 'INTEGER'],
    ['smallserial', 'INTEGER'],
    ['', ''],
  ];

  test.each(TYPES)('%s -> %s', (written, canonical) => {
    expect(canonicalType(written)).toBe(canonical);
    expect(canonicalType(canonical)).toBe(canonical);
  });

  test('declared types read back from SQLite canonicalize to the same text', () => {
    const schema = inspectSql(`CREATE TABLE t (${TYPES.filter(([w]) => !/serial/.test(w)).map(([w], i) => `c${i} ${w}`).join(', ')})`);
    expect(schema.tables[0]!.columns.map((c) => c.type)).toEqual(TYPES.filter(([w]) => !/serial/.test(w)).map(([, c]) => c));
  });

  test('isBuiltinType: any name SQLite takes as a declared type, never an array', () => {
    for (const type of ['int', 'varchar(255)', 'numeric(10, 2)', 'double precision', 'timestamptz', 'anything_at_all', 'FLOAT(-1)', '"quoted type"', '']) {
      expect(isBuiltinType(type), type).toBe(true);
    }
    for (const type of ['text[]', 'int[3]', 'public.citext', 'varchar(', 'numeric(a)']) expect(isBuiltinType(type), type).toBe(false);
  });
});

describe('expressions', () => {
  const EXPRESSIONS: readonly (readonly [string, string])[] = [
    ['price > 0', 'price > 0'],
    ['(price>0)', 'price > 0'],
    ['((price > 0))', 'price > 0'],
    ['"price" >= 0', 'price >= 0'],
    ['[price] >= 0 and `price` < 100', 'price >= 0 AND price < 100'],
    ['LENGTH( name )>0', 'length(name) > 0'],
    ["status in ('a','b')", "status IN ('a', 'b')"],
    ['a between 1 and 5', 'a BETWEEN 1 AND 5'],
    ['x is not null', 'x IS NOT NULL'],
    ['a == b', 'a = b'],
    ['a != b', 'a <> b'],
    ['a-1 > -1', 'a - 1 > -1'],
    ['abs( - a ) < 10', 'abs(-a) < 10'],
    ['cast(a as text) <> \'\'', "CAST(a AS TEXT) <> ''"],
    ['cast ( a as varchar (10) ) <> \'x\'', "CAST(a AS VARCHAR(10)) <> 'x'"],
    ['a::text <> \'\'', "CAST(a AS TEXT) <> ''"],
    ['(a + b)::numeric(10,2) > 0', 'CAST((a + b) AS NUMERIC(10,2)) > 0'],
    ["case when a > 0 then 'p' else 'n' end = 'p'", "CASE WHEN a > 0 THEN 'p' ELSE 'n' END = 'p'"],
    ["email like '%@%'", "email LIKE '%@%'"],
    ["like('a%', name)", "like('a%', name)"],
    ['name collate nocase = \'x\'', "name COLLATE NOCASE = 'x'"],
    ["data ->> '$.a' is not null", "data ->> '$.a' IS NOT NULL"],
    ['a||b <> \'\'', "a || b <> ''"],
    ['count(*) > 0', 'count(*) > 0'],
    ['t.a > 0', 't.a > 0'],
    ['a > 0 -- positive\n', 'a > 0'],
    ['a /* note */ > 0', 'a > 0'],
    ["x'ab' <> b", "X'AB' <> b"],
    ['not (a and b)', 'NOT (a AND b)'],
    ['"select" > 0', '"select" > 0'],
    ['"Mixed Case" > 0', '"Mixed Case" > 0'],
    ["'  keep  spacing  ' = s", "'  keep  spacing  ' = s"],
    ['a = true or b = false', 'a = TRUE OR b = FALSE'],
    ['key > first', 'key > first'],
    ['lo <= hi', 'lo <= hi'],
    ['(lo >= 0) AND (hi < 100)', '(lo >= 0) AND (hi < 100)'],
    ["datetime('now') > created_at", "datetime('now') > created_at"],
    ['1e6 > 2.5', '1e6 > 2.5'],
  ];

  test.each(EXPRESSIONS)('%s -> %s', (written, canonical) => {
    expect(canonicalExpression(written)).toBe(canonical);
    expect(canonicalExpression(canonical)).toBe(canonical);
  });

  test('as CHECK, partial-index predicate, index key and generated column: written and canonical spellings read back equal', () => {
    const columns = 'price REAL, name TEXT, status TEXT, a INT, b INT, x INT, email TEXT, data TEXT, lo INT, hi INT, s TEXT, created_at TEXT, "select" INT, "Mixed Case" INT, key INT, first INT';
    // Not in a CHECK: PostgreSQL casts, qualified names, aggregates.
    const usable = EXPRESSIONS.filter(([w]) => !/::|t\.a|count/.test(w));
    for (const source of ['written', 'canonical'] as const) {
      const sql = usable
        .map(([written, canonical], i) => {
          const text = source === 'written' ? written : canonical;
          return `CREATE TABLE t${i} (${columns}, CHECK (${text}));\nCREATE INDEX i${i} ON t${i} (a) WHERE ${text};`;
        })
        .join('\n');
      const schema = inspectSql(sql);
      usable.forEach(([, canonical], i) => {
        const t = schema.tables.find((table) => table.name === `t${i}`)!;
        expect(t.checks.map((c) => c.expression), `${source} ${canonical}`).toEqual([canonical]);
        expect(t.indexes[0]!.where, `${source} ${canonical}`).toBe(canonical);
      });
    }
    const keys = inspectSql(`CREATE TABLE k (a INT, b INT, name TEXT, g INT AS ((a+b)*2) STORED);
      CREATE INDEX k1 ON k (LOWER( name ), (a+b) DESC, name COLLATE nocase);`).tables[0]!;
    expect(keys.indexes[0]!.keys).toEqual([{ expression: 'lower(name)' }, { expression: 'a + b', descending: true }, { column: 'name', collation: 'NOCASE' }]);
    expect(keys.columns.find((c) => c.name === 'g')!.generated).toBe('(a + b) * 2');
  });
});

describe('defaults', () => {
  const DEFAULTS: readonly (readonly [string, string | undefined])[] = [
    ['0', '0'],
    ['-1', '-1'],
    ['- 1', '-1'],
    ['1.5', '1.5'],
    ['(0)', '0'],
    ["'new'", "'new'"],
    ["'it''s'", "'it''s'"],
    ['true', 'TRUE'],
    ['FALSE', 'FALSE'],
    ['now()', 'CURRENT_TIMESTAMP'],
    ['NOW( )', 'CURRENT_TIMESTAMP'],
    ['current_timestamp', 'CURRENT_TIMESTAMP'],
    ['(CURRENT_TIMESTAMP)', 'CURRENT_TIMESTAMP'],
    ['current_date', 'CURRENT_DATE'],
    ['NULL', undefined],
    ['(null)', undefined],
    ["datetime( 'now' )", "datetime('now')"],
    ["'new'::text", "CAST('new' AS TEXT)"],
    ['abc', "'abc'"],
    ['"abc"', "'abc'"],
  ];

  test.each(DEFAULTS)('%s -> %s', (written, canonical) => {
    expect(canonicalDefault(written, 'TEXT')).toBe(canonical);
    if (canonical !== undefined) expect(canonicalDefault(canonical, 'TEXT')).toBe(canonical);
  });

  test('written as DEFAULT in DDL (the SQLite-valid ones) and read back: the same canonical text', () => {
    const valid = DEFAULTS.filter(([w]) => !/now|::/i.test(w));
    // A name in parentheses would be a column reference; bare, SQLite takes it as a string.
    const clause = (text: string): string => (/^"?abc"?$/.test(text) ? text : `(${text})`);
    const bare = (text: string): string => (/^(-? ?[0-9.]+|'.*'|true|false|null|current_\w+|"?abc"?)$/i.test(text) ? text : clause(text));
    for (const spell of [clause, bare]) {
      for (const pick of [0, 1] as const) {
        const sql = `CREATE TABLE t (${valid.map((d, i) => `c${i} TEXT DEFAULT ${spell(d[pick] ?? 'NULL')}`).join(', ')})`;
        const columns = inspectSql(sql).tables[0]!.columns;
        expect(columns.map((c) => c.default), sql).toEqual(valid.map(([, canonical]) => canonical));
      }
    }
  });
});

describe('normalizeSchema', () => {
  const MANIFEST = `
version: 1
tables:
  customers:
    columns:
      id: { type: serial, primaryKey: true }
      email: { type: varchar(255), nullable: false, unique: true, collation: nocase }
      name: text
      active: { type: boolean, nullable: false, default: true }
      created_at: { type: timestamptz, nullable: false, default: now() }
      score: { type: "numeric(10, 2)", default: 0 }
    indexes:
      customers_lower_email: { columns: ["lower(email)"], unique: true, where: "active = true" }
      customers_score: { columns: ["score DESC", "name COLLATE NOCASE"] }
    checks:
      - "score >= 0"
  orders:
    columns:
      id: { type: integer, primaryKey: true }
      customer_id: { type: int, nullable: false, references: customers.id, onDelete: cascade }
      total: { type: real, nullable: false, default: 0 }
      doubled: { type: real, generated: "total*2" }
      note: { type: text, default: "'none'" }
    foreignKeys:
      - { name: orders_note_fk, columns: [note], references: { table: notes, columns: [body] }, deferrable: true, initiallyDeferred: true }
    checks:
      total_not_negative: "(total >= 0)"
    options: { autoincrement: true }
  notes:
    columns:
      body: { type: text, primaryKey: true }
      extra: ""
    options: { withoutRowid: true }
`.replace('extra: ""', 'extra: { type: blob }');

  const SQL = `
    CREATE TABLE customers (
      id integer primary key,
      email VARCHAR(255) not null COLLATE NOCASE,
      name TEXT,
      active BOOLEAN NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
      score NUMERIC(10,2) DEFAULT 0,
      UNIQUE (email),
      CHECK(score>=0)
    );
    CREATE UNIQUE INDEX customers_lower_email ON customers (LOWER(email)) WHERE active = TRUE;
    CREATE INDEX customers_score ON customers (score DESC, name COLLATE nocase);
    CREATE TABLE notes (body TEXT NOT NULL PRIMARY KEY, extra BLOB) WITHOUT ROWID;
    CREATE TABLE orders (
      id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
      customer_id INT NOT NULL REFERENCES customers ON DELETE CASCADE,
      total REAL NOT NULL DEFAULT (0),
      doubled REAL GENERATED ALWAYS AS (total * 2) STORED,
      note TEXT DEFAULT 'none',
      CONSTRAINT total_not_negative CHECK (total >= 0),
      CONSTRAINT orders_note_fk FOREIGN KEY (note) REFERENCES notes (body) DEFERRABLE INITIALLY DEFERRED
    );`;

  test('a manifest written the PostgreSQL way equals the database written by hand', () => {
    const desired = normalizeSchema(manifestSchema(MANIFEST));
    const inspected = inspectSql(SQL);
    expect(desired.tables).toEqual(inspected.tables);
    expect(inspected.unmanaged).toEqual([]);
  });

  test('default check names read the columns as the expression is written, quoted or not', () => {
    const desired = normalizeSchema(
      manifestSchema(`
version: 1
tables:
  q:
    columns: { Price: real, qty: int }
    checks: ['"Price" > 0', 'qty > 0', 'Price < qty']
`),
    );
    const inspected = inspectSql('CREATE TABLE q (Price REAL CHECK ([Price] > 0), qty INT CHECK (qty > 0), CHECK (Price < qty))');
    expect(inspected.tables).toEqual(desired.tables);
    expect(inspected.tables[0]!.checks.map((c) => [c.name, c.expression])).toEqual([
      ['q_Price_check', 'Price > 0'],
      // PostgreSQL's rule: an unquoted Price folds to price, no column of q, so qty is the one column.
      ['q_qty_check', 'qty > 0'],
      ['q_qty_check1', 'Price < qty'],
    ]);
  });

  test('is idempotent', () => {
    const once = normalizeSchema(manifestSchema(MANIFEST));
    expect(normalizeSchema(once)).toEqual(once);
  });

  test('adopting a database: inspect, write the manifest, load it, normalize: the same tables (Chinook)', () => {
    const inspected = inspectSql(readFileSync(path.join(fixturesDir, 'chinook', 'sqlite.schema.sql'), 'utf8') + SQL);
    const yaml = writeManifest(toManifestSchema(inspected), sqliteEngine);
    expect(normalizeSchema(manifestSchema(yaml)).tables).toEqual(inspected.tables);
  });

  test('primary key columns are NOT NULL; serial must be the only key column', () => {
    const schema = normalizeSchema({
      tables: [{ ...emptyTable('t', [{ name: 'code', type: 'text', nullable: true }]), primaryKey: { name: 't_pkey', columns: ['code'] } }],
      enums: [],
      sequences: [],
    });
    expect(schema.tables[0]!.columns[0]).toEqual({ name: 'code', type: 'TEXT', nullable: false });
    expect(() =>
      normalizeSchema({
        tables: [{ ...emptyTable('t', [{ name: 'id', type: 'serial', nullable: false }, { name: 'b', type: 'int', nullable: false }]), primaryKey: { name: 't_pkey', columns: ['id', 'b'] } }],
        enums: [],
        sequences: [],
      }),
    ).toThrow(/t\.id: serial is an INTEGER PRIMARY KEY in sqlite/);
  });

  test('what SQLite cannot hold is refused with the table and column named', () => {
    expect(() => normalizeSchema({ tables: [emptyTable('posts', [{ name: 'tags', type: 'text[]', nullable: true }])], enums: [], sequences: [] })).toThrow(
      /posts\.tags: array type 'text\[\]' is not supported by the sqlite engine/,
    );
    expect(() =>
      normalizeSchema({
        tables: [emptyTable('orders', [{ name: 'status', type: 'order_status', nullable: true }])],
        enums: [{ name: 'order_status', values: ['new', 'paid'] }],
        sequences: [],
      }),
    ).toThrow(/enums are not supported by the sqlite engine/);
    expect(() =>
      normalizeSchema({
        tables: [],
        enums: [],
        sequences: [{ name: 's', type: 'bigint', start: '1', increment: '1', minValue: '1', maxValue: '9', cache: '1', cycle: false }],
      }),
    ).toThrow(/sequences are not supported by the sqlite engine/);
    expect(() =>
      normalizeSchema({
        tables: [{ ...emptyTable('t', [{ name: 'a', type: 'text', nullable: true }]), indexes: [{ name: 'i', unique: false, method: 'gin', keys: [{ column: 'a' }], include: [] }] }],
        enums: [],
        sequences: [],
      }),
    ).toThrow(/t index i: index method gin is not supported/);
    expect(() =>
      normalizeSchema({ tables: [{ ...emptyTable('t', [{ name: 'a', type: 'text', nullable: true }]), options: { unlogged: true } }], enums: [], sequences: [] }),
    ).toThrow(/t: unknown table option 'unlogged'/);
    expect(() =>
      normalizeSchema({ tables: [{ ...emptyTable('t', [{ name: 'a', type: 'varchar(10)', nullable: true }]), options: { strict: true } }], enums: [], sequences: [] }),
    ).toThrow(/t\.a: type 'VARCHAR\(10\)' is not allowed in a STRICT table/);
  });

  test("PostgreSQL's partitions, storage and column settings are refused, not dropped in silence", () => {
    expect(() =>
      normalizeSchema({
        tables: [
          { ...emptyTable('t', [{ name: 'a', type: 'text', nullable: true, statistics: 100 }]), partitionBy: 'LIST (a)', unlogged: true },
        ],
        enums: [],
        sequences: [],
      }),
    ).toThrow(/t: partitionBy, unlogged are PostgreSQL's[^]*t\.a: statistics are PostgreSQL column settings/);
  });

  test('index keys: the natural NULLS order is accepted, the other refused; a collation equal to the column one is implied', () => {
    const table: TableModel = {
      ...emptyTable('t', [{ name: 'a', type: 'text', nullable: true, collation: 'NoCase' }]),
      indexes: [
        {
          name: 'i',
          unique: false,
          method: 'btree',
          keys: [{ column: 'a', nulls: 'first', collation: 'nocase' }, { expression: '(a)', descending: true, nulls: 'last' }, { expression: 'lower(a) COLLATE rtrim' }],
          include: [],
        },
      ],
    };
    expect(normalizeSchema({ tables: [table], enums: [], sequences: [] }).tables[0]!.indexes[0]!.keys).toEqual([
      { column: 'a' },
      { column: 'a', descending: true },
      { expression: 'lower(a)', collation: 'RTRIM' },
    ]);
    const bad = { ...table, indexes: [{ ...table.indexes[0]!, keys: [{ column: 'a', nulls: 'last' as const }] }] };
    expect(() => normalizeSchema({ tables: [bad], enums: [], sequences: [] })).toThrow(/NULLS LAST is not supported in a sqlite index/);
  });

  test('foreign keys: MATCH dropped, DEFERRABLE without INITIALLY DEFERRED is immediate, missing columns are the primary key', () => {
    const parent = { ...emptyTable('p', [{ name: 'id', type: 'integer', nullable: false }]), primaryKey: { name: 'p_pkey', columns: ['id'] } };
    const child: TableModel = {
      ...emptyTable('c', [{ name: 'p', type: 'int', nullable: true }]),
      foreignKeys: [
        { name: 'c_p_fkey', columns: ['p'], refTable: 'p', refColumns: [], onDelete: 'cascade', onUpdate: 'no action', match: 'full', deferrable: true, initiallyDeferred: false },
      ],
    };
    expect(normalizeSchema({ tables: [parent, child], enums: [], sequences: [] }).tables[0]!.foreignKeys).toEqual([
      { name: 'c_p_fkey', columns: ['p'], refTable: 'p', refColumns: ['id'], onDelete: 'cascade', onUpdate: 'no action', deferrable: false, initiallyDeferred: false },
    ]);
  });

  test('toManifestSchema has no sugar to undo', () => {
    const inspected = inspectSql('CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT)');
    expect(toManifestSchema(inspected)).toEqual(inspected);
  });
});
