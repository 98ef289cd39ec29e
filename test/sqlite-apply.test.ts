import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Change } from '../src/diff/changes.js';
import { refineChanges, rewriteTrigger } from '../src/engines/sqlite/internal/rebuild.js';
import { renderChanges } from '../src/engines/sqlite/internal/render.js';
import { openSqliteSession } from '../src/engines/sqlite/internal/session.js';
import { engine as sqliteEngine } from '../src/engines/sqlite/index.js';
import type { ColumnModel, SchemaModel, TableModel } from '../src/model/types.js';
import { orderChanges } from '../src/plan/order-changes.js';
import type { PlanStep, RenderOptions } from '../src/plan/step.js';
import { createTempProject, type TempProject } from './helpers/project.js';

// ---------------------------------------------------------------------------------------------
// Hand-made models: the renderer and the session, without inspection.

const renderOptions: RenderOptions = { qualifier: '"main"', concurrentIndexes: false, indexTimeoutMs: 0, tenantTypes: [], tenantSequences: [] };
const runOptions = { lockTimeoutMs: 1000, statementTimeoutMs: 1000 };

function col(name: string, type: string, more: Partial<ColumnModel> = {}): ColumnModel {
  return { name, type, nullable: true, ...more };
}

function table(name: string, columns: ColumnModel[], more: Partial<TableModel> = {}): TableModel {
  return { name, columns, uniques: [], indexes: [], foreignKeys: [], checks: [], ...more };
}

function schema(tables: TableModel[], unmanaged: SchemaModel['unmanaged'] = []): SchemaModel {
  return { tables, enums: [], sequences: [], unmanaged };
}

let dir: string;
let fileCount = 0;

/** A new database file holding `sql`. */
function newFile(sql = ''): string {
  const file = path.join(dir, `db_${++fileCount}.db`);
  const db = new Database(file);
  db.exec(sql);
  db.close();
  return file;
}

function withDb<T>(file: string, fn: (db: Database.Database) => T): T {
  const db = new Database(file);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

function schemaSql(file: string): unknown[] {
  return withDb(file, (db) => db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name').all());
}

function integrity(file: string): { integrity: unknown; foreignKeys: unknown[] } {
  return withDb(file, (db) => ({ integrity: db.pragma('integrity_check', { simple: true }), foreignKeys: db.pragma('foreign_key_check') as unknown[] }));
}

/** Renders changes the way the planner does (ordered) and runs them like the executor. */
async function applyChanges(file: string, changes: readonly Change[], current?: SchemaModel, desired?: SchemaModel): Promise<PlanStep[]> {
  const refined = current && desired ? refineChanges(changes, current, desired) : [...changes];
  const steps = renderChanges(orderChanges(refined), renderOptions);
  const session = await openSqliteSession(file, 500);
  try {
    expect(await session.acquireLock()).toBe(true);
    await session.runSteps(steps, runOptions);
  } finally {
    await session.releaseLock();
    await session.close();
  }
  return steps;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'schema-sync-sqlite-apply-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('sqlite render: CREATE TABLE and friends', () => {
  test('a created table is what the model says, foreign keys inline; hostile names stay inside quotes', async () => {
    const hostile = 'x"; DROP TABLE parents; --';
    const parents = table(
      'parents',
      [
        col('id', 'INTEGER', { nullable: false }),
        col('name', 'TEXT', { nullable: false, collation: 'NOCASE' }),
        col('created', 'TEXT', { default: "datetime('now')" }),
        col('n', 'INTEGER', { default: '-1' }),
        col('flag', '', { default: 'TRUE' }),
        col('at', 'TEXT', { default: 'CURRENT_TIMESTAMP' }),
        col('twice', 'INTEGER', { generated: 'n * 2', virtual: true }),
      ],
      { primaryKey: { name: 'parents_pkey', columns: ['id'] }, options: { autoincrement: true } },
    );
    const child = table(
      hostile,
      [col('id', 'INTEGER', { nullable: false }), col('parent_id', 'INTEGER'), col('qty', 'INTEGER')],
      {
        primaryKey: { name: 'child_pkey', columns: ['id'] },
        uniques: [{ name: 'child_parent_qty', columns: ['parent_id', 'qty'] }],
        checks: [{ name: 'qty_positive', expression: 'qty > 0' }],
        foreignKeys: [
          { name: 'child_parent_fk', columns: ['parent_id'], refTable: 'parents', refColumns: ['id'], onDelete: 'cascade', onUpdate: 'no action', deferrable: true, initiallyDeferred: true },
        ],
        indexes: [{ name: `${hostile}_idx`, unique: false, method: 'btree', keys: [{ column: 'qty', descending: true }], include: [], where: 'qty > 1' }],
        options: { strict: true },
      },
    );
    const changes: Change[] = [
      { kind: 'createTable', table: parents },
      { kind: 'createTable', table: child },
      { kind: 'addIndex', table: hostile, index: child.indexes[0]!, newTable: true },
      { kind: 'addForeignKey', table: hostile, foreignKey: child.foreignKeys[0]!, newTable: true },
    ];
    const steps = renderChanges(orderChanges(changes), renderOptions);
    // The foreign key of a new table is part of its CREATE TABLE: no step of its own.
    expect(steps.map((s) => s.summary)).toEqual(['create table parents', `create table ${hostile}`, `create index ${hostile}_idx on ${hostile}`]);
    expect(steps.flatMap((s) => s.hazards)).toEqual([]);
    expect(steps[0]!.sql[0]).toContain(`DEFAULT (datetime('now'))`);
    expect(steps[0]!.sql[0]).toContain('DEFAULT CURRENT_TIMESTAMP');
    expect(steps[0]!.sql[0]).toContain('DEFAULT -1');

    const file = newFile();
    await applyChanges(file, changes);
    withDb(file, (db) => {
      const names = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
      expect(names).toEqual(['parents', 'sqlite_sequence', hostile]);
      const columns = db.prepare('SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?)').all('parents');
      expect(columns).toEqual([
        { name: 'id', type: 'INTEGER', notnull: 1, dflt_value: null, pk: 1 },
        { name: 'name', type: 'TEXT', notnull: 1, dflt_value: null, pk: 0 },
        { name: 'created', type: 'TEXT', notnull: 0, dflt_value: "datetime('now')", pk: 0 },
        { name: 'n', type: 'INTEGER', notnull: 0, dflt_value: '-1', pk: 0 },
        { name: 'flag', type: '', notnull: 0, dflt_value: 'TRUE', pk: 0 },
        { name: 'at', type: 'TEXT', notnull: 0, dflt_value: 'CURRENT_TIMESTAMP', pk: 0 },
      ]);
      db.prepare("INSERT INTO parents (name) VALUES ('a')").run();
      expect(db.prepare('SELECT id, n, twice, flag, created IS NOT NULL AS has_created FROM parents').get()).toEqual({ id: 1, n: -1, twice: -2, flag: 1, has_created: 1 });
      expect(db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'parents'").get()).toEqual({ seq: 1 });
      // 'a' = 'A' under NOCASE.
      expect(db.prepare("SELECT count(*) AS n FROM parents WHERE name = 'A'").get()).toEqual({ n: 1 });
      const listed = db.prepare('SELECT name, strict FROM pragma_table_list WHERE name IN (?, ?) ORDER BY name').all('parents', hostile);
      expect(listed).toEqual([{ name: 'parents', strict: 0 }, { name: hostile, strict: 1 }]);
      const fks = db.prepare('SELECT "table", "from", "to", on_delete FROM pragma_foreign_key_list(?)').all(hostile);
      expect(fks).toEqual([{ table: 'parents', from: 'parent_id', to: 'id', on_delete: 'CASCADE' }]);
      const indexes = db.prepare('SELECT name, "unique", origin, partial FROM pragma_index_list(?) ORDER BY name').all(hostile) as { name: string }[];
      expect(indexes.map((i) => i.name)).toContain(`${hostile}_idx`);
      expect(() => db.prepare(`INSERT INTO "${hostile.replaceAll('"', '""')}" (id, parent_id, qty) VALUES (1, 1, 0)`).run()).toThrow(/CHECK constraint failed: qty_positive/);
      // STRICT: a text that is no integer is refused.
      expect(() => db.prepare(`INSERT INTO "${hostile.replaceAll('"', '""')}" (id, parent_id, qty) VALUES (1, 1, 'many')`).run()).toThrow(/cannot store TEXT value in INTEGER column/);
    });
  });

  test('a type that could end the column definition is refused, not written', () => {
    const bad = table('t', [col('a', 'INT) ; DROP TABLE t; --')]);
    expect(() => renderChanges([{ kind: 'createTable', table: bad }], renderOptions)).toThrow(/not a SQLite type name/);
  });

  test('hazards of plain ALTER steps: drops delete data, an index on a live table is a build', () => {
    const index = { name: 'i', unique: true, method: 'btree', keys: [{ column: 'a' }], include: [] };
    const steps = renderChanges(
      [
        { kind: 'addIndex', table: 't', index, newTable: false },
        { kind: 'dropColumn', table: 't', column: col('b', 'TEXT') },
        { kind: 'dropTable', table: table('u', [col('a', 'INT')]) },
        { kind: 'setTableComment', table: 't', comment: 'no comments in SQLite' },
      ],
      renderOptions,
    );
    expect(steps.map((s) => [s.summary, s.hazards.map((h) => h.code)])).toEqual([
      ['create index i on t', ['INDEX_BUILD', 'MAY_FAIL_ON_EXISTING_ROWS']],
      ['drop column t.b', ['DELETES_DATA']],
      ['drop table u', ['DELETES_DATA']],
    ]);
    expect(steps[0]!.sql).toEqual(['CREATE UNIQUE INDEX "main"."i" ON "t" ("a")']);
    // One BEGIN IMMEDIATE transaction per tenant file: every step runs in it, under the write lock.
    expect(new Set(steps.map((s) => `${s.runs} ${s.lock} ${s.transactional}`))).toEqual(new Set(['main-transaction DATABASE WRITE true']));
  });
});

describe('sqlite refineChanges', () => {
  const orders = table(
    'orders',
    [col('id', 'INTEGER', { nullable: false }), col('price', 'INT'), col('qty', 'INTEGER'), col('note', 'TEXT')],
    {
      primaryKey: { name: 'orders_pkey', columns: ['id'] },
      indexes: [{ name: 'orders_qty', unique: false, method: 'btree', keys: [{ column: 'qty' }], include: [] }],
    },
  );
  const trigger = { kind: 'trigger', name: 'orders.orders_touch', table: 'orders', definition: 'CREATE TRIGGER orders_touch AFTER UPDATE ON orders BEGIN UPDATE orders SET note = new.note WHERE id = new.id; END' };
  const current = schema([orders], [trigger, { kind: 'view', name: 'v' }]);

  test('what ALTER TABLE cannot do becomes one rebuildTable with copy, reasons and kept triggers', () => {
    const to = table('orders', [col('id', 'INTEGER', { nullable: false }), col('price', 'REAL'), col('qty', 'INTEGER', { nullable: false }), col('added', 'TEXT')], {
      primaryKey: orders.primaryKey!,
      indexes: orders.indexes,
      checks: [{ name: 'qty_positive', expression: 'qty > 0' }],
    });
    const changes: Change[] = [
      { kind: 'alterColumn', table: 'orders', from: orders.columns[1]!, to: to.columns[1]!, changed: ['type'] },
      { kind: 'alterColumn', table: 'orders', from: orders.columns[2]!, to: to.columns[2]!, changed: ['nullable'] },
      { kind: 'addColumn', table: 'orders', column: to.columns[3]! },
      { kind: 'dropColumn', table: 'orders', column: orders.columns[3]! },
      { kind: 'addCheck', table: 'orders', check: to.checks[0]!, newTable: false },
    ];
    const refined = refineChanges(changes, current, schema([to]));
    expect(refined).toEqual([
      {
        kind: 'rebuildTable',
        from: orders,
        to,
        copy: { id: 'id', price: 'price', qty: 'qty' },
        reasons: ['type of price: INT -> REAL', 'qty NOT NULL', 'add check qty_positive', 'add column added', 'drop column note'],
        keep: [trigger],
      },
    ]);
    const [step] = renderChanges(refined, renderOptions);
    expect(step!.summary).toBe('rebuild table orders (type of price: INT -> REAL; qty NOT NULL; add check qty_positive; add column added; drop column note)');
    expect([...new Set(step!.hazards.map((h) => h.code))].sort()).toEqual(['DELETES_DATA', 'MAY_FAIL_ON_EXISTING_ROWS', 'REWRITES_TABLE']);
  });

  test('ALTER TABLE keeps what it can do: a nullable or constant-default column, a free column drop', () => {
    const plain: Change[] = [
      { kind: 'addColumn', table: 'orders', column: col('a', 'TEXT') },
      { kind: 'addColumn', table: 'orders', column: col('b', 'INTEGER', { nullable: false, default: '0' }) },
      { kind: 'addColumn', table: 'orders', column: col('c', 'TEXT', { generated: "note || 'x'", virtual: true }) },
      { kind: 'dropColumn', table: 'orders', column: orders.columns[3]! },
    ];
    expect(refineChanges(plain, current, current)).toEqual(plain);
    for (const column of [
      col('d', 'INTEGER', { nullable: false }),
      col('e', 'TEXT', { default: 'CURRENT_TIMESTAMP' }),
      col('f', 'TEXT', { default: "datetime('now')" }),
      col('g', 'TEXT', { generated: "note || 'x'" }),
    ]) {
      expect(refineChanges([{ kind: 'addColumn', table: 'orders', column }], current, current).map((c) => c.kind), column.name).toEqual(['rebuildTable']);
    }
    // A column an index still uses cannot be dropped by ALTER TABLE; once the index goes, it can.
    const dropQty: Change = { kind: 'dropColumn', table: 'orders', column: orders.columns[2]! };
    expect(refineChanges([dropQty], current, current).map((c) => c.kind)).toEqual(['rebuildTable']);
    const dropIndex: Change = { kind: 'dropIndex', table: 'orders', index: orders.indexes[0]! };
    expect(refineChanges([dropIndex, dropQty], current, current)).toEqual([dropIndex, dropQty]);
  });

  test('renameIndex becomes drop + create; an option change alone rebuilds; enums are refused', () => {
    const renamed = { ...orders.indexes[0]!, name: 'orders_by_qty' };
    const desired = schema([{ ...orders, indexes: [renamed] }]);
    expect(refineChanges([{ kind: 'renameIndex', table: 'orders', from: 'orders_qty', to: 'orders_by_qty' }], current, desired)).toEqual([
      { kind: 'dropIndex', table: 'orders', index: orders.indexes[0] },
      { kind: 'addIndex', table: 'orders', index: renamed, newTable: false },
    ]);
    const strict = refineChanges([], current, schema([{ ...orders, options: { strict: true } }]));
    expect(strict.map((c) => (c.kind === 'rebuildTable' ? c.reasons : c.kind))).toEqual([['STRICT']]);
    expect(() => refineChanges([{ kind: 'createEnum', enum: { name: 'mood', values: ['a'] } }], current, current)).toThrow(/SQLite has no enum types/);
  });

  test('a renamed table with a renamed column: the renames stay ALTERs before the rebuild, and the kept trigger follows them', () => {
    const touch = {
      kind: 'trigger',
      name: 'orders.orders_touch',
      table: 'orders',
      definition: 'CREATE TRIGGER orders_touch AFTER UPDATE OF price ON orders BEGIN UPDATE orders SET note = new.price WHERE id = new.id; END',
    };
    const to = table('purchases', [col('id', 'INTEGER', { nullable: false }), col('amount', 'REAL'), col('qty', 'INTEGER'), col('note', 'TEXT')], {
      primaryKey: orders.primaryKey!,
      indexes: orders.indexes,
    });
    const changes: Change[] = [
      { kind: 'renameTable', from: 'orders', to: 'purchases' },
      { kind: 'renameColumn', table: 'purchases', from: 'price', to: 'amount' },
      { kind: 'alterColumn', table: 'purchases', from: { ...orders.columns[1]!, name: 'amount' }, to: to.columns[1]!, changed: ['type'] },
    ];
    const refined = refineChanges(changes, schema([orders], [touch]), schema([to]));
    expect(refined.map((c) => c.kind)).toEqual(['renameTable', 'renameColumn', 'rebuildTable']);
    const rebuild = refined[2] as Extract<Change, { kind: 'rebuildTable' }>;
    // The rebuild runs after the renames: its `from` is the table they leave behind.
    expect(rebuild.from).toEqual({ ...orders, name: 'purchases', columns: [orders.columns[0], { ...orders.columns[1]!, name: 'amount' }, orders.columns[2], orders.columns[3]] });
    expect(rebuild.copy).toEqual({ id: 'id', amount: 'amount', qty: 'qty', note: 'note' });
    expect(rebuild.reasons).toEqual(['type of amount: INT -> REAL']);
    // Exactly what SQLite's own RENAME TO / RENAME COLUMN write into the trigger.
    expect(rebuild.keep).toEqual([
      {
        ...touch,
        table: 'purchases',
        definition: 'CREATE TRIGGER orders_touch AFTER UPDATE OF "amount" ON "purchases" BEGIN UPDATE "purchases" SET note = new."amount" WHERE id = new.id; END',
      },
    ]);
  });

  test('the fallback trigger rewrite (when the schema cannot be replayed) touches only unambiguous references', () => {
    const definition = 'CREATE TRIGGER orders AFTER UPDATE OF price, qty ON main.orders BEGIN INSERT INTO log SELECT price, new.price, orders.price FROM other; END';
    expect(rewriteTrigger(definition, { table: { from: 'orders', to: 'purchases' }, columns: new Map([['price', 'amount']]) })).toBe(
      'CREATE TRIGGER orders AFTER UPDATE OF "amount", qty ON main."purchases" BEGIN INSERT INTO log SELECT price, new."amount", "purchases"."amount" FROM other; END',
    );
  });
});

describe('sqlite session: rebuilds on hand-made models', () => {
  const baseSql = `
    CREATE TABLE parents (id INTEGER NOT NULL, name TEXT, CONSTRAINT parents_pkey PRIMARY KEY (id));
    CREATE TABLE items (id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, parent_id INTEGER, price INT, legacy TEXT);
    CREATE INDEX items_price ON items (price);
    CREATE TABLE audit (item_id INTEGER, what TEXT);
    CREATE TRIGGER items_audit AFTER UPDATE ON items BEGIN INSERT INTO audit VALUES (new.id, 'update'); END;
    CREATE VIEW item_prices AS SELECT id, price FROM items;
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10) INSERT INTO parents SELECT i, 'p' || i FROM n;
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50) INSERT INTO items (parent_id, price, legacy) SELECT 1 + i % 10, i, 'x' FROM n;
    INSERT INTO items (id, parent_id, price) VALUES (100, 1, 1);
    DELETE FROM items WHERE id = 100;`;
  const itemsFrom = table('items', [col('id', 'INTEGER', { nullable: false }), col('parent_id', 'INTEGER'), col('price', 'INT'), col('legacy', 'TEXT')], {
    primaryKey: { name: 'items_pkey', columns: ['id'] },
    indexes: [{ name: 'items_price', unique: false, method: 'btree', keys: [{ column: 'price' }], include: [] }],
    options: { autoincrement: true },
  });
  const trigger = {
    kind: 'trigger',
    name: 'items.items_audit',
    table: 'items',
    definition: "CREATE TRIGGER items_audit AFTER UPDATE ON items BEGIN INSERT INTO audit VALUES (new.id, 'update'); END",
  };
  const fk = { name: 'items_parent_fk', columns: ['parent_id'], refTable: 'parents', refColumns: ['id'], onDelete: 'cascade' as const, onUpdate: 'no action' as const, deferrable: false, initiallyDeferred: false };
  const itemsTo = table('items', [col('id', 'INTEGER', { nullable: false }), col('parent_id', 'INTEGER'), col('price', 'REAL', { nullable: false })], {
    primaryKey: itemsFrom.primaryKey!,
    indexes: itemsFrom.indexes,
    foreignKeys: [fk],
    options: { autoincrement: true },
  });
  const rebuild: Change = {
    kind: 'rebuildTable',
    from: itemsFrom,
    to: itemsTo,
    copy: { id: 'id', parent_id: 'parent_id', price: 'price' },
    reasons: ['type of price: INT -> REAL', 'add foreign key items_parent_fk -> parents'],
    keep: [trigger],
  };

  test('keeps every row, the AUTOINCREMENT counter, indexes, triggers and views; foreign keys hold', async () => {
    const file = newFile(baseSql);
    const before = withDb(file, (db) => db.prepare('SELECT id, parent_id, price FROM items ORDER BY id').all());
    const [step] = await applyChanges(file, [rebuild]);
    expect(step!.sql[0]).toMatch(/^CREATE TABLE "main"."_schema_sync_new_items"/);
    expect(step!.sql.at(-1)).toBe('PRAGMA "main".foreign_key_check("items")');
    withDb(file, (db) => {
      expect(db.prepare('SELECT id, parent_id, price FROM items ORDER BY id').all()).toEqual(before);
      expect(db.prepare('SELECT DISTINCT typeof(price) AS t FROM items').all()).toEqual([{ t: 'real' }]);
      expect(db.prepare("SELECT name FROM pragma_table_info('items')").all()).toEqual([{ name: 'id' }, { name: 'parent_id' }, { name: 'price' }]);
      expect(db.prepare("SELECT type, name FROM sqlite_schema WHERE tbl_name = 'items' ORDER BY name").all()).toEqual([
        { type: 'table', name: 'items' },
        { type: 'trigger', name: 'items_audit' },
        { type: 'index', name: 'items_price' },
      ]);
      expect(db.prepare('SELECT count(*) AS n FROM item_prices').get()).toEqual({ n: 50 });
      // The old counter survives the rebuild: AUTOINCREMENT never reuses 100.
      db.prepare('INSERT INTO items (parent_id, price) VALUES (1, 2.5)').run();
      expect(db.prepare('SELECT max(id) AS id FROM items').get()).toEqual({ id: 101 });
      db.prepare('UPDATE items SET price = 3 WHERE id = 1').run();
      expect(db.prepare('SELECT count(*) AS n FROM audit').get()).toEqual({ n: 1 });
      // foreign_keys is back ON on a fresh connection's default, and the new key is enforced.
      expect(() => db.prepare('INSERT INTO items (parent_id, price) VALUES (999, 1)').run()).toThrow(/FOREIGN KEY constraint failed/);
      db.prepare('DELETE FROM parents WHERE id = 2').run();
      expect(db.prepare('SELECT count(*) AS n FROM items WHERE parent_id = 2').get()).toEqual({ n: 0 });
    });
    expect(integrity(file)).toEqual({ integrity: 'ok', foreignKeys: [] });
  });

  test('a rebuild that would break a foreign key fails, names the table and rowid, and rolls back completely', async () => {
    const file = newFile(baseSql + `INSERT INTO items (id, parent_id, price) VALUES (7000, 4242, 1);`);
    const schemaBefore = schemaSql(file);
    const rowsBefore = withDb(file, (db) => db.prepare('SELECT * FROM items ORDER BY id').all());
    await expect(applyChanges(file, [rebuild])).rejects.toThrow(/foreign key check failed: table items rowid 7000 has no parent row in parents/);
    expect(schemaSql(file)).toEqual(schemaBefore);
    expect(withDb(file, (db) => db.prepare('SELECT * FROM items ORDER BY id').all())).toEqual(rowsBefore);
    expect(existsSync(file + '-journal')).toBe(false);
    expect(integrity(file).integrity).toBe('ok');
  });

  test('a check the rows violate fails the rebuild and changes nothing', async () => {
    const file = newFile(baseSql);
    const schemaBefore = schemaSql(file);
    const checked: Change = { ...rebuild, to: { ...itemsTo, checks: [{ name: 'cheap', expression: 'price < 10' }] } } as Change;
    await expect(applyChanges(file, [checked])).rejects.toThrow(/CHECK constraint failed: cheap/);
    expect(schemaSql(file)).toEqual(schemaBefore);
    expect(withDb(file, (db) => db.prepare('SELECT count(*) AS n FROM items').get())).toEqual({ n: 50 });
  });

  test('a table without an INTEGER PRIMARY KEY keeps its implicit rowids through a rebuild', async () => {
    const file = newFile(`
      CREATE TABLE tags (name TEXT, weight INT);
      INSERT INTO tags (rowid, name, weight) VALUES (3, 'a', 1), (10, 'b', 2), (42, 'c', 3);`);
    const tags = table('tags', [col('name', 'TEXT'), col('weight', 'INT')]);
    const to = table('tags', [col('name', 'TEXT', { nullable: false }), col('weight', 'REAL')], { uniques: [{ name: 'tags_name_key', columns: ['name'] }] });
    await applyChanges(file, [{ kind: 'rebuildTable', from: tags, to, copy: { name: 'name', weight: 'weight' }, reasons: ['test'], keep: [] }]);
    expect(withDb(file, (db) => db.prepare('SELECT rowid, name, weight, typeof(weight) AS t FROM tags ORDER BY rowid').all())).toEqual([
      { rowid: 3, name: 'a', weight: 1, t: 'real' },
      { rowid: 10, name: 'b', weight: 2, t: 'real' },
      { rowid: 42, name: 'c', weight: 3, t: 'real' },
    ]);
  });

  test('a second writer holding BEGIN IMMEDIATE: acquireLock says no at once (the executor polls); nothing is touched', async () => {
    const file = newFile(baseSql);
    const blocker = new Database(file);
    blocker.exec('BEGIN IMMEDIATE');
    blocker.prepare('INSERT INTO parents VALUES (11, ?)').run('from the blocker');
    const session = await openSqliteSession(file, 150);
    try {
      // No synchronous wait: a busy file must not stall the event loop and with it other tenants.
      const started = Date.now();
      expect(await session.acquireLock()).toBe(false);
      expect(Date.now() - started).toBeLessThan(100);
      // runSteps never runs without the lock: it refuses with a transient (retryable) error.
      const error = await session.runSteps(renderChanges([rebuild], renderOptions), runOptions).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'SQLITE_BUSY' });
      const adapter = sqliteEngine.createAdapter({
        baseDir: dir,
        tenants: {},
        apply: { concurrency: 1, lockTimeoutMs: 0, statementTimeoutMs: 0, retries: 0, concurrentIndexes: false, indexTimeoutMs: 0, busyTimeoutMs: 150, failFast: 3 },
      });
      expect(adapter.isTransientError(error)).toBe(true);
    } finally {
      await session.releaseLock();
      await session.close();
      blocker.exec('COMMIT');
      blocker.close();
    }
    expect(withDb(file, (db) => db.prepare('SELECT count(*) AS n FROM parents').get())).toEqual({ n: 11 });
    expect(withDb(file, (db) => db.prepare("SELECT type FROM pragma_table_info('items') WHERE name = 'price'").get())).toEqual({ type: 'INT' });
    expect(integrity(file)).toEqual({ integrity: 'ok', foreignKeys: [] });
  });

  test('runSteps opens its own transaction when no lock was taken; inspect works inside it and after COMMIT', async () => {
    const file = newFile('CREATE TABLE t (a INT)');
    const session = await openSqliteSession(file, 500);
    try {
      const steps = renderChanges([{ kind: 'addColumn', table: 't', column: col('b', 'TEXT', { default: "'x'" }) }], renderOptions);
      await session.runSteps(steps, runOptions);
      const after = await session.inspect();
      expect(after.tables.map((t) => t.columns.map((c) => c.name))).toEqual([['a', 'b']]);
      expect(await session.invalidIndexes()).toEqual([]);
    } finally {
      await session.releaseLock();
      await session.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Through the library: plan, apply, plan again, with inspection.

const v1 = {
  tables: {
    parents: {
      columns: { id: { type: 'INTEGER', primaryKey: true }, name: { type: 'TEXT', nullable: false }, code: 'TEXT' },
      indexes: { parents_code: { columns: ['code'], unique: true } },
    },
    items: {
      columns: {
        id: { type: 'INTEGER', primaryKey: true },
        parent_id: { type: 'INTEGER', nullable: false, references: 'parents.id', onDelete: 'cascade' },
        price: 'INT',
        qty: 'INTEGER',
        legacy: 'TEXT',
        other_id: 'INTEGER',
      },
      indexes: { items_parent: { columns: ['parent_id'] } },
    },
    audit: { columns: { id: { type: 'INTEGER', primaryKey: true }, item_id: 'INTEGER', what: 'TEXT' } },
  },
};

/** v1 -> v2 rebuilds both tables: a type change on the parent, and type, NOT NULL, check, drop on the child. */
const v2 = {
  tables: {
    ...v1.tables,
    parents: { ...v1.tables.parents, columns: { ...v1.tables.parents.columns, name: { type: 'VARCHAR(100)', nullable: false } } },
    items: {
      columns: {
        id: { type: 'INTEGER', primaryKey: true },
        parent_id: { type: 'INTEGER', nullable: false, references: 'parents.id', onDelete: 'cascade' },
        price: 'REAL',
        qty: { type: 'INTEGER', nullable: false },
        other_id: 'INTEGER',
        note: { type: 'TEXT', nullable: false, default: "'none'" },
      },
      indexes: v1.tables.items.indexes,
      checks: { qty_positive: 'qty > 0' },
    },
  },
};

/** v1 plus a foreign key on items.other_id, which orphans in the data break. */
const v1WithOtherFk = {
  tables: {
    ...v1.tables,
    items: { ...v1.tables.items, columns: { ...v1.tables.items.columns, other_id: { type: 'INTEGER', references: 'parents.id' } } },
  },
};

interface Tenant {
  readonly project: TempProject;
  readonly file: string;
}

/** A project with one tenant file at v1, holding 100 parents and 900 items (1,000 rows), a trigger and a view. */
async function tenantAtV1(apply: Record<string, unknown> = {}): Promise<Tenant> {
  const project = await createTempProject({ engine: 'sqlite', tenants: { pattern: 'tenants/*.db' }, apply: { retries: 0, ...apply } });
  const engine = await project.open();
  try {
    await engine.project.adapter.createTenant('acme');
    const file = path.join(project.dir, 'tenants', 'acme.db');
    expect(existsSync(file)).toBe(true);
    await project.writeManifest(v1);
    const results = await engine.apply(await engine.plan());
    expect(results.map((r) => [r.status, r.error])).toEqual([['applied', undefined]]);
    withDb(file, (db) => {
      db.exec(`
        CREATE TRIGGER items_audit AFTER UPDATE ON items BEGIN INSERT INTO audit (item_id, what) VALUES (new.id, 'update'); END;
        CREATE VIEW item_totals AS SELECT parent_id, sum(price * qty) AS total FROM items GROUP BY parent_id;
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
          INSERT INTO parents (id, name, code) SELECT i, 'parent ' || i, 'c' || i FROM n;
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 900)
          INSERT INTO items (id, parent_id, price, qty, legacy, other_id) SELECT i, 1 + i % 100, i * 3, 1 + i % 9, 'old ' || i, 1 + i % 100 FROM n;`);
    });
    return { project, file };
  } finally {
    await engine.close();
  }
}

async function withEngine<T>(project: TempProject, fn: (engine: Awaited<ReturnType<TempProject['open']>>) => Promise<T>): Promise<T> {
  const engine = await project.open();
  try {
    return await fn(engine);
  } finally {
    await engine.close();
  }
}

function itemRows(file: string): unknown[] {
  return withDb(file, (db) => db.prepare('SELECT id, parent_id, price, qty, other_id FROM items ORDER BY id').all());
}

describe('sqlite apply through the library', () => {
  test('a rebuild keeps all 1,000 rows, foreign keys, indexes, the trigger and the view; then the plan is empty', async () => {
    const { project, file } = await tenantAtV1();
    try {
      const rowsBefore = itemRows(file);
      const parentsBefore = withDb(file, (db) => db.prepare('SELECT id, name, code FROM parents ORDER BY id').all());
      await project.writeManifest(v2);
      await withEngine(project, async (engine) => {
        const plan = await engine.plan();
        expect(plan.groups).toHaveLength(1);
        const group = plan.groups[0]!;
        expect(group.changes.map((c) => c.kind)).toEqual(['rebuildTable', 'rebuildTable']);
        expect(group.steps.map((s) => s.summary)).toEqual([
          'rebuild table items (type of price: INT -> REAL; qty NOT NULL; add check qty_positive; add column note; drop column legacy)',
          'rebuild table parents (type of name: TEXT -> VARCHAR(100))',
        ]);
        expect(group.hazards).toEqual(['DELETES_DATA', 'MAY_FAIL_ON_EXISTING_ROWS', 'REWRITES_TABLE']);

        expect((await engine.apply(plan)).map((r) => r.status)).toEqual(['refused']);
        const results = await engine.apply(plan, { allowDestructive: true });
        expect(results.map((r) => [r.status, r.error])).toEqual([['applied', undefined]]);
        const again = await engine.plan();
        expect(again.groups).toEqual([]);
        expect(again.inSync).toEqual(['acme']);
      });

      expect(itemRows(file)).toEqual(rowsBefore);
      withDb(file, (db) => {
        expect(db.prepare('SELECT id, name, code FROM parents ORDER BY id').all()).toEqual(parentsBefore);
        expect(db.prepare('SELECT count(*) AS n FROM items JOIN parents ON parents.id = items.parent_id').get()).toEqual({ n: 900 });
        expect(db.prepare("SELECT count(*) AS n FROM items WHERE note = 'none' AND typeof(price) = 'real'").get()).toEqual({ n: 900 });
        expect(db.prepare("SELECT name FROM pragma_table_info('items') WHERE name = 'legacy'").all()).toEqual([]);
        expect(db.prepare("SELECT type, name FROM sqlite_schema WHERE type IN ('index', 'trigger', 'view') AND sql IS NOT NULL ORDER BY name").all()).toEqual([
          { type: 'view', name: 'item_totals' },
          { type: 'trigger', name: 'items_audit' },
          { type: 'index', name: 'items_parent' },
          { type: 'index', name: 'parents_code' },
        ]);
        expect(db.prepare('SELECT count(*) AS n FROM item_totals').get()).toEqual({ n: 100 });
        db.prepare('UPDATE items SET qty = 2 WHERE id = 1').run();
        expect(db.prepare('SELECT item_id, what FROM audit').all()).toEqual([{ item_id: 1, what: 'update' }]);
        expect(() => db.prepare('UPDATE items SET qty = 0 WHERE id = 2').run()).toThrow(/CHECK constraint failed: qty_positive/);
        expect(() => db.prepare("INSERT INTO parents (id, name, code) VALUES (101, 'dup', 'c1')").run()).toThrow(/UNIQUE constraint failed/);
        // The children's foreign key still points at the rebuilt parent table, with its cascade.
        db.prepare('DELETE FROM parents WHERE id = 5').run();
        expect(db.prepare('SELECT count(*) AS n FROM items').get()).toEqual({ n: 891 });
      });
      expect(integrity(file)).toEqual({ integrity: 'ok', foreignKeys: [] });
    } finally {
      await project.remove();
    }
  });

  test('rename + rebuild keeps the trigger on the renamed table; options, a dropped key and a renamed index converge', async () => {
    const { project, file } = await tenantAtV1();
    const { orders: _none, ...tables } = { ...v1.tables, orders: undefined };
    const purchases = (extra: Record<string, unknown>) => ({ tables: { ...tables, items: undefined, purchases: extra } });
    try {
      const rowsBefore = itemRows(file).map((r) => {
        const { price, ...rest } = r as { price: number };
        return { ...rest, amount: price };
      });
      const steps: [string, unknown, string[]][] = [
        [
          'rename',
          purchases({
            renamedFrom: 'items',
            columns: {
              id: { type: 'INTEGER', primaryKey: true },
              parent_id: { type: 'INTEGER', nullable: false, references: 'parents.id', onDelete: 'cascade' },
              amount: { type: 'REAL', renamedFrom: 'price' },
              qty: 'INTEGER',
              legacy: 'TEXT',
              other_id: 'INTEGER',
            },
            indexes: { items_parent: { columns: ['parent_id'] } },
          }),
          ['renameTable', 'renameColumn', 'rebuildTable'],
        ],
        [
          'options',
          purchases({
            options: { strict: true, autoincrement: true },
            columns: {
              id: { type: 'INTEGER', primaryKey: true },
              parent_id: { type: 'INTEGER', nullable: false },
              amount: 'REAL',
              qty: 'INTEGER',
              legacy: 'TEXT',
              other_id: 'INTEGER',
            },
            indexes: { purchases_parent: { columns: ['parent_id'] } },
          }),
          ['rebuildTable'],
        ],
      ];
      for (const [label, manifest, kinds] of steps) {
        await project.writeManifest(manifest);
        await withEngine(project, async (engine) => {
          const plan = await engine.plan();
          expect(plan.groups.flatMap((g) => g.changes.map((c) => c.kind)), label).toEqual(kinds);
          const results = await engine.apply(plan, { allowDestructive: true });
          expect(results.map((r) => [r.status, r.error]), label).toEqual([['applied', undefined]]);
          expect((await engine.plan()).groups, label).toEqual([]);
        });
      }
      withDb(file, (db) => {
        expect(db.prepare('SELECT id, parent_id, amount, qty, other_id FROM purchases ORDER BY id').all()).toEqual(rowsBefore);
        expect(db.prepare("SELECT tbl_name FROM sqlite_schema WHERE name = 'items_audit'").get()).toEqual({ tbl_name: 'purchases' });
        expect(db.prepare('SELECT count(*) AS n FROM item_totals').get()).toEqual({ n: 100 });
        db.prepare('UPDATE purchases SET qty = 3 WHERE id = 10').run();
        expect(db.prepare('SELECT item_id FROM audit').all()).toEqual([{ item_id: 10 }]);
        db.prepare('INSERT INTO purchases (parent_id, amount) VALUES (1, 2.5)').run();
        expect(db.prepare('SELECT max(id) AS id FROM purchases').get()).toEqual({ id: 901 });
        expect(db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'purchases'").get()).toEqual({ seq: 901 });
        expect(db.prepare("SELECT strict FROM pragma_table_list WHERE name = 'purchases'").get()).toEqual({ strict: 1 });
        expect(db.prepare("SELECT count(*) AS n FROM pragma_foreign_key_list('purchases')").get()).toEqual({ n: 0 });
      });
      expect(integrity(file)).toEqual({ integrity: 'ok', foreignKeys: [] });
    } finally {
      await project.remove();
    }
  });

  test('a rebuild adding a foreign key that existing rows break fails and rolls back completely', async () => {
    const { project, file } = await tenantAtV1();
    try {
      withDb(file, (db) => db.prepare('UPDATE items SET other_id = 4242 WHERE id = 77').run());
      const schemaBefore = schemaSql(file);
      const rowsBefore = itemRows(file);
      await project.writeManifest(v1WithOtherFk);
      await withEngine(project, async (engine) => {
        const plan = await engine.plan();
        expect(plan.groups[0]!.changes.map((c) => c.kind)).toEqual(['rebuildTable']);
        const [result] = await engine.apply(plan);
        expect(result!.status).toBe('failed');
        expect(result!.error).toMatch(/foreign key check failed: table items rowid 77 has no parent row in parents/);
        // Untouched: the same plan still applies to the same schema (the stale check passes).
        const again = await engine.plan();
        expect(again.groups[0]!.tenants[0]!.from).toBe(plan.groups[0]!.tenants[0]!.from);
      });
      expect(schemaSql(file)).toEqual(schemaBefore);
      expect(itemRows(file)).toEqual(rowsBefore);
      expect(integrity(file)).toEqual({ integrity: 'ok', foreignKeys: [] });
    } finally {
      await project.remove();
    }
  });

  test('another connection holding the write lock: apply gives up cleanly after the busy timeout; the file is intact', async () => {
    const { project, file } = await tenantAtV1({ busyTimeout: '100ms' });
    try {
      await project.writeManifest(v2);
      const schemaBefore = schemaSql(file);
      await withEngine(project, async (engine) => {
        const plan = await engine.plan();
        const blocker = new Database(file);
        blocker.exec('BEGIN IMMEDIATE');
        blocker.prepare("INSERT INTO parents (id, name, code) VALUES (101, 'written while locked', 'c101')").run();
        try {
          const [result] = await engine.apply(plan, { allowDestructive: true, lockWaitMs: 400 });
          expect(result!.status).toBe('failed');
          expect(result!.error).toMatch(/lock/);
        } finally {
          blocker.exec('COMMIT');
          blocker.close();
        }
        expect(schemaSql(file)).toEqual(schemaBefore);
        expect(withDb(file, (db) => db.prepare('SELECT count(*) AS n FROM parents').get())).toEqual({ n: 101 });
        expect(integrity(file)).toEqual({ integrity: 'ok', foreignKeys: [] });
        // Once the writer is gone, the same reviewed plan applies.
        const [retry] = await engine.apply(plan, { allowDestructive: true });
        expect([retry!.status, retry!.error]).toEqual(['applied', undefined]);
      });
      expect(withDb(file, (db) => db.prepare('SELECT (SELECT count(*) FROM parents) AS p, (SELECT count(*) FROM items) AS i').get())).toEqual({ p: 101, i: 900 });
      expect(integrity(file)).toEqual({ integrity: 'ok', foreignKeys: [] });
    } finally {
      await project.remove();
    }
  });

  test('a writer in another process that finishes within the busy timeout: apply waits, then applies; both writes land', async () => {
    const { project, file } = await tenantAtV1({ busyTimeout: '10s' });
    try {
      await project.writeManifest(v2);
      await withEngine(project, async (engine) => {
        const plan = await engine.plan();
        const script = `
          const Database = require('better-sqlite3');
          const db = new Database(process.argv[1]);
          db.exec('BEGIN IMMEDIATE');
          db.prepare("INSERT INTO parents (id, name, code) VALUES (101, 'other process', 'c101')").run();
          process.stdout.write('locked\\n');
          setTimeout(() => { db.exec('COMMIT'); db.close(); }, 700);`;
        const child = spawn(process.execPath, ['-e', script, file], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
        const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
        await new Promise<void>((resolve, reject) => {
          child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('locked') && resolve());
          child.on('exit', (code) => reject(new Error(`writer exited early (${code})`)));
        });
        const started = Date.now();
        const [result] = await engine.apply(plan, { allowDestructive: true });
        expect([result!.status, result!.error, result!.attempts]).toEqual(['applied', undefined, 1]);
        expect(Date.now() - started).toBeGreaterThanOrEqual(300);
        expect(await exited).toBe(0);
      });
      withDb(file, (db) => {
        expect(db.prepare("SELECT name FROM parents WHERE id = 101").get()).toEqual({ name: 'other process' });
        expect(db.prepare("SELECT type FROM pragma_table_info('items') WHERE name = 'price'").get()).toEqual({ type: 'REAL' });
        expect(db.prepare('SELECT count(*) AS n FROM items').get()).toEqual({ n: 900 });
      });
      expect(integrity(file)).toEqual({ integrity: 'ok', foreignKeys: [] });
    } finally {
      await project.remove();
    }
  });

  test('a file another connection holds EXCLUSIVE (no reads either): apply fails cleanly, nothing changes', async () => {
    const { project, file } = await tenantAtV1({ busyTimeout: '100ms' });
    try {
      await project.writeManifest(v2);
      const schemaBefore = schemaSql(file);
      await withEngine(project, async (engine) => {
        const plan = await engine.plan();
        const blocker = new Database(file);
        blocker.pragma('locking_mode = EXCLUSIVE');
        blocker.exec('BEGIN EXCLUSIVE');
        try {
          const [result] = await engine.apply(plan, { allowDestructive: true, lockWaitMs: 300 });
          expect(result!.status).toBe('failed');
          expect(result!.error).toMatch(/lock|busy/i);
        } finally {
          blocker.exec('COMMIT');
          blocker.close();
        }
      });
      expect(schemaSql(file)).toEqual(schemaBefore);
      expect(integrity(file)).toEqual({ integrity: 'ok', foreignKeys: [] });
      expect(withDb(file, (db) => db.prepare('SELECT count(*) AS n FROM items').get())).toEqual({ n: 900 });
    } finally {
      await project.remove();
    }
  });

  test('a read-only file: apply fails with SQLite\'s read-only error and leaves the file as it was', async (ctx) => {
    const { project, file } = await tenantAtV1();
    let immutable = false;
    try {
      await project.writeManifest(v2);
      const schemaBefore = schemaSql(file);
      await chmod(file, 0o444);
      // root writes through 0444; the immutable attribute stops root too (it needs CAP_LINUX_IMMUTABLE).
      if (process.getuid?.() === 0) {
        immutable = spawnSync('chattr', ['+i', file]).status === 0;
        if (!immutable) ctx.skip('running as root without chattr +i: a read-only file cannot be made here');
      }
      await withEngine(project, async (engine) => {
        const plan = await engine.plan();
        const [result] = await engine.apply(plan, { allowDestructive: true });
        expect(result!.status).toBe('failed');
        expect(result!.error).toMatch(/readonly database/);
      });
      if (immutable) spawnSync('chattr', ['-i', file]);
      immutable = false;
      expect(schemaSql(file)).toEqual(schemaBefore);
      expect(integrity(file)).toEqual({ integrity: 'ok', foreignKeys: [] });
    } finally {
      if (immutable) spawnSync('chattr', ['-i', file]);
      await project.remove();
    }
  });

  test('a COMMIT readers hold off past the busy timeout is retried under a new lock and stale check, and applies', async () => {
    const { project, file } = await tenantAtV1({ busyTimeout: '100ms' });
    try {
      await project.writeManifest(v2);
      await withEngine(project, async (engine) => {
        const plan = await engine.plan();
        // A reader in a read transaction holds SHARED: BEGIN IMMEDIATE and the statements go
        // through, but COMMIT needs the file to itself and gives up after the busy timeout.
        const reader = new Database(file);
        reader.exec('BEGIN');
        reader.prepare('SELECT count(*) FROM parents').get();
        const retried: string[] = [];
        try {
          const [result] = await engine.apply(plan, {
            allowDestructive: true,
            retries: 2,
            retryDelayMs: 20,
            onRetry: (_tenant, _attempt, error) => {
              retried.push(error);
              // The rollback ended the write lock with the transaction: the file is as it was.
              expect(withDb(file, (db) => db.prepare("SELECT type FROM pragma_table_info('items') WHERE name = 'price'").get())).toEqual({ type: 'INT' });
              reader.exec('COMMIT');
            },
          });
          expect([result!.status, result!.error, result!.attempts]).toEqual(['applied', undefined, 2]);
        } finally {
          if (reader.inTransaction) reader.exec('COMMIT');
          reader.close();
        }
        expect(retried).toHaveLength(1);
        expect(retried[0]).toMatch(/locked|busy/i);
        expect((await engine.plan()).groups).toEqual([]);
      });
      expect(withDb(file, (db) => db.prepare("SELECT type FROM pragma_table_info('items') WHERE name = 'price'").get())).toEqual({ type: 'REAL' });
      expect(integrity(file)).toEqual({ integrity: 'ok', foreignKeys: [] });
    } finally {
      await project.remove();
    }
  });

  test('a file changed while its retry waited is stale: the retry checks again under the new lock, and nothing runs', async () => {
    const { project, file } = await tenantAtV1({ busyTimeout: '100ms' });
    try {
      await project.writeManifest(v2);
      await withEngine(project, async (engine) => {
        const plan = await engine.plan();
        const reader = new Database(file);
        reader.exec('BEGIN');
        reader.prepare('SELECT count(*) FROM parents').get();
        try {
          const [result] = await engine.apply(plan, {
            allowDestructive: true,
            retries: 2,
            retryDelayMs: 20,
            onRetry: () => {
              reader.exec('COMMIT');
              withDb(file, (db) => db.exec('CREATE TABLE sneaky (x INTEGER)'));
            },
          });
          expect([result!.status, result!.error]).toEqual(['stale', 'schema changed since the plan was made; plan again']);
        } finally {
          if (reader.inTransaction) reader.exec('COMMIT');
          reader.close();
        }
      });
      withDb(file, (db) => {
        expect(db.prepare("SELECT type FROM pragma_table_info('items') WHERE name = 'price'").get()).toEqual({ type: 'INT' });
        expect(db.prepare("SELECT name FROM sqlite_schema WHERE name = 'sneaky'").get()).toEqual({ name: 'sneaky' });
      });
      expect(integrity(file)).toEqual({ integrity: 'ok', foreignKeys: [] });
    } finally {
      await project.remove();
    }
  });

  test('a tenant file that is no database any more fails that tenant, naming the file; the other tenant applies', async () => {
    const { project, file } = await tenantAtV1();
    try {
      await withEngine(project, (engine) => engine.project.adapter.createTenant('globex'));
      await project.writeManifest(v2);
      await withEngine(project, async (engine) => {
        const plan = await engine.plan();
        await writeFile(file, 'not a database, and long enough to fill a header page '.repeat(20));
        const results = await engine.apply(plan, { allowDestructive: true });
        expect(results.map((r) => [r.tenant, r.status])).toEqual([
          ['acme', 'failed'],
          ['globex', 'applied'],
        ]);
        expect(results[0]!.error).toBe(`cannot open ${file} for writing: not a SQLite database (file is not a database)`);
      });
    } finally {
      await project.remove();
    }
  });

  test('createTenant makes an empty database in the pattern\'s directory; dropTenant removes it and its journals', async () => {
    const project = await createTempProject({ engine: 'sqlite', tenants: { pattern: 'data/tenants/*.db' } });
    try {
      await withEngine(project, async (engine) => {
        const adapter = engine.project.adapter;
        await adapter.createTenant('globex');
        const file = path.join(project.dir, 'data', 'tenants', 'globex.db');
        expect(withDb(file, (db) => db.prepare('SELECT count(*) AS n FROM sqlite_schema').get())).toEqual({ n: 0 });
        expect((await engine.listTenants()).map((t) => t.name)).toEqual(['globex']);
        await mkdir(path.dirname(file), { recursive: true });
        withDb(file, (db) => db.exec('CREATE TABLE kept (a)'));
        await adapter.createTenant('globex');
        expect(withDb(file, (db) => db.prepare('SELECT name FROM sqlite_schema').all())).toEqual([{ name: 'kept' }]);
        await expect(adapter.createTenant('../escape')).rejects.toThrow(/cannot be a SQLite file name/);
        await adapter.dropTenant('globex');
        expect(existsSync(file)).toBe(false);
        expect(existsSync(file + '-journal')).toBe(false);
      });
    } finally {
      await project.remove();
    }
  });
});
