// SQLite inspection: databases made with plain SQL, read back into the model. Also discovery of
// tenant files and the read-only guarantees of inspection (DESIGN.md invariant 7).
import Database from 'better-sqlite3';
import { mkdirSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { discoverSqliteFiles, tenantFilePath } from '../src/engines/sqlite/internal/discover.js';
import { inspectDatabase, inspectFiles } from '../src/engines/sqlite/internal/inspect.js';
import { parseCreateIndex, parseCreateTable } from '../src/engines/sqlite/internal/parse-create-table.js';
import type { SchemaModel, TableModel } from '../src/model/types.js';
import { fixturesDir } from './helpers/fixtures.js';

let dir: string;
let counter = 0;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'schema-sync-sqlite-inspect-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A new database file holding the result of `sql`. */
function createFile(sql: string, name = `db${++counter}`): string {
  const file = path.join(dir, `${name}.db`);
  const db = new Database(file);
  try {
    db.exec(sql);
  } finally {
    db.close();
  }
  return file;
}

function inspectSql(sql: string): SchemaModel {
  const db = new Database(':memory:');
  try {
    db.exec(sql);
    return inspectDatabase(db);
  } finally {
    db.close();
  }
}

function table(schema: SchemaModel, name: string): TableModel {
  const found = schema.tables.find((t) => t.name === name);
  if (!found) throw new Error(`no table ${name} in ${schema.tables.map((t) => t.name).join(', ')}`);
  return found;
}

describe('columns', () => {
  const schema = inspectSql(`
    CREATE TABLE t (
      id integer primary key,
      a varchar (255) NOT NULL,
      b int,
      c INTEGER,
      d,
      e "double  precision",
      f numeric( 10 , 2 ),
      g TEXT COLLATE nocase,
      h TEXT COLLATE BINARY,
      i INT GENERATED ALWAYS AS (b*2) VIRTUAL,
      j INT AS ( b + 1 ) STORED,
      k INT AS (b - 1)
    )`);
  const columns = table(schema, 't').columns;
  const column = (name: string) => columns.find((c) => c.name === name)!;

  test('keep their declared order', () => {
    expect(columns.map((c) => c.name)).toEqual(['id', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k']);
  });

  test('declared types: upper-case, whitespace collapsed, INT and INTEGER distinct, none as empty', () => {
    expect(columns.map((c) => c.type)).toEqual([
      'INTEGER',
      'VARCHAR(255)',
      'INT',
      'INTEGER',
      '',
      'DOUBLE PRECISION',
      'NUMERIC(10,2)',
      'TEXT',
      'TEXT',
      'INT',
      'INT',
      'INT',
    ]);
  });

  test('nullability as declared; the rowid alias is never NULL', () => {
    expect(column('id').nullable).toBe(false);
    expect(column('a').nullable).toBe(false);
    expect(column('b').nullable).toBe(true);
  });

  test('collation upper-case; BINARY (the default) not recorded', () => {
    expect(column('g').collation).toBe('NOCASE');
    expect(column('h').collation).toBeUndefined();
    expect(column('a').collation).toBeUndefined();
  });

  test('generated columns: expression, VIRTUAL flagged (also by default), STORED not', () => {
    expect(column('i')).toEqual({ name: 'i', type: 'INT', nullable: true, generated: 'b * 2', virtual: true });
    expect(column('j')).toEqual({ name: 'j', type: 'INT', nullable: true, generated: 'b + 1' });
    expect(column('k')).toEqual({ name: 'k', type: 'INT', nullable: true, generated: 'b - 1', virtual: true });
  });
});

describe('defaults', () => {
  const schema = inspectSql(`
    CREATE TABLE t (
      a INT DEFAULT 0,
      b INT DEFAULT -1,
      c REAL DEFAULT 1.5,
      d TEXT DEFAULT 'it''s',
      e TIMESTAMP DEFAULT current_timestamp,
      f BOOLEAN DEFAULT true,
      g BOOLEAN DEFAULT (FALSE),
      h INT DEFAULT ( ( 3 ) ),
      i INT DEFAULT NULL,
      j INT,
      k TEXT DEFAULT (lower( 'X' )),
      l INT DEFAULT (1+2),
      m BLOB DEFAULT x'ab',
      n TEXT DEFAULT abc,
      o TEXT DEFAULT "abc"
    )`);
  const defaults = Object.fromEntries(table(schema, 't').columns.map((c) => [c.name, c.default]));

  test('are canonical text', () => {
    expect(defaults).toEqual({
      a: '0',
      b: '-1',
      c: '1.5',
      d: "'it''s'",
      e: 'CURRENT_TIMESTAMP',
      f: 'TRUE',
      g: 'FALSE',
      h: '3',
      i: undefined,
      j: undefined,
      k: "lower('X')",
      l: '1 + 2',
      m: "X'AB'",
      // SQLite takes a bare or double-quoted name in DEFAULT as a string.
      n: "'abc'",
      o: "'abc'",
    });
  });
});

describe('keys and table options', () => {
  const schema = inspectSql(`
    CREATE TABLE plain (id INTEGER PRIMARY KEY, v TEXT);
    CREATE TABLE named (code TEXT CONSTRAINT named_code PRIMARY KEY);
    CREATE TABLE composite (a INT NOT NULL, b INT NOT NULL, c INT, CONSTRAINT [composite pk] PRIMARY KEY (b, a));
    CREATE TABLE nullable_key (code TEXT PRIMARY KEY);
    CREATE TABLE counter (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT);
    CREATE TABLE kv (k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID;
    CREATE TABLE typed (id INTEGER PRIMARY KEY, v TEXT) STRICT;
    CREATE TABLE both (k TEXT PRIMARY KEY, v ANY) STRICT, WITHOUT ROWID;
    CREATE TABLE nokey (v TEXT);
  `);

  test('primary key: default name, CONSTRAINT name, column order of the key', () => {
    expect(table(schema, 'plain').primaryKey).toEqual({ name: 'plain_pkey', columns: ['id'] });
    expect(table(schema, 'named').primaryKey).toEqual({ name: 'named_code', columns: ['code'] });
    expect(table(schema, 'composite').primaryKey).toEqual({ name: 'composite pk', columns: ['b', 'a'] });
    expect(table(schema, 'nokey').primaryKey).toBeUndefined();
  });

  test('a primary key that is not the rowid is nullable unless declared NOT NULL (SQLite quirk); WITHOUT ROWID keys are not', () => {
    expect(table(schema, 'nullable_key').columns[0]!.nullable).toBe(true);
    expect(table(schema, 'kv').columns[0]!.nullable).toBe(false);
  });

  test('AUTOINCREMENT, WITHOUT ROWID and STRICT are table options, only when set', () => {
    expect(table(schema, 'counter').options).toEqual({ autoincrement: true });
    expect(table(schema, 'kv').options).toEqual({ withoutRowid: true });
    expect(table(schema, 'typed').options).toEqual({ strict: true });
    expect(table(schema, 'both').options).toEqual({ strict: true, withoutRowid: true });
    expect(table(schema, 'plain').options).toBeUndefined();
  });
});

describe('unique constraints and indexes', () => {
  const schema = inspectSql(`
    CREATE TABLE u (
      id INTEGER PRIMARY KEY,
      a TEXT UNIQUE,
      b TEXT CONSTRAINT u_b_unique UNIQUE,
      c TEXT COLLATE NOCASE,
      d INT,
      UNIQUE (c, d),
      CONSTRAINT u_pair UNIQUE (a, b)
    );
    CREATE INDEX u_d ON u (d);
    CREATE UNIQUE INDEX u_lower_a ON u (lower(a)) WHERE d  >  0 AND a IS NOT NULL;
    CREATE INDEX u_multi ON u (d DESC, a COLLATE nocase, c, c COLLATE binary, (b), upper(b) COLLATE rtrim ASC);
  `);
  const u = table(schema, 'u');

  test('UNIQUE constraints: default and CONSTRAINT names; their auto-indexes are not indexes', () => {
    expect(u.uniques).toEqual([
      { name: 'u_a_key', columns: ['a'] },
      { name: 'u_b_unique', columns: ['b'] },
      { name: 'u_c_d_key', columns: ['c', 'd'] },
      { name: 'u_pair', columns: ['a', 'b'] },
    ]);
    expect(u.indexes.map((i) => i.name)).toEqual(['u_d', 'u_lower_a', 'u_multi']);
  });

  test('indexes: unique, expression keys, partial predicate, method btree', () => {
    const index = (name: string) => u.indexes.find((i) => i.name === name)!;
    expect(index('u_d')).toEqual({ name: 'u_d', unique: false, method: 'btree', keys: [{ column: 'd' }], include: [] });
    expect(index('u_lower_a')).toEqual({
      name: 'u_lower_a',
      unique: true,
      method: 'btree',
      keys: [{ expression: 'lower(a)' }],
      include: [],
      where: 'd > 0 AND a IS NOT NULL',
    });
  });

  test('index keys: DESC, a collation other than the column has, (column) as a column key', () => {
    expect(u.indexes.find((i) => i.name === 'u_multi')!.keys).toEqual([
      { column: 'd', descending: true },
      { column: 'a', collation: 'NOCASE' },
      { column: 'c' },
      { column: 'c', collation: 'BINARY' },
      { column: 'b' },
      { expression: 'upper(b)', collation: 'RTRIM' },
    ]);
  });
});

describe('foreign keys', () => {
  const schema = inspectSql(`
    CREATE TABLE parent (id INTEGER PRIMARY KEY, code TEXT UNIQUE);
    CREATE TABLE pair (x INT, y INT, PRIMARY KEY (x, y));
    CREATE TABLE child (
      id INTEGER PRIMARY KEY,
      p1 INT REFERENCES parent,
      p2 INT CONSTRAINT child_to_parent REFERENCES parent (id) ON DELETE CASCADE ON UPDATE SET NULL,
      p3 TEXT REFERENCES PARENT (CODE) ON DELETE SET DEFAULT ON UPDATE RESTRICT MATCH FULL,
      p4 INT REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED,
      p5 INT REFERENCES parent (id) DEFERRABLE INITIALLY IMMEDIATE,
      x INT, y INT,
      FOREIGN KEY (y, x) REFERENCES pair,
      CONSTRAINT child_pair FOREIGN KEY (x, y) REFERENCES pair (x, y) ON DELETE NO ACTION NOT DEFERRABLE
    );
  `);
  const fks = table(schema, 'child').foreignKeys;
  const fk = (name: string) => fks.find((f) => f.name === name);

  test('names: CONSTRAINT on the column or the table, else the default', () => {
    expect(fks.map((f) => f.name)).toEqual(['child_p1_fkey', 'child_p3_fkey', 'child_p4_fkey', 'child_p5_fkey', 'child_pair', 'child_to_parent', 'child_y_x_fkey']);
  });

  test('REFERENCES without columns means the primary key; names as the tables spell them', () => {
    expect(fk('child_p1_fkey')).toEqual({
      name: 'child_p1_fkey',
      columns: ['p1'],
      refTable: 'parent',
      refColumns: ['id'],
      onDelete: 'no action',
      onUpdate: 'no action',
      deferrable: false,
      initiallyDeferred: false,
    });
    expect(fk('child_y_x_fkey')).toMatchObject({ columns: ['y', 'x'], refTable: 'pair', refColumns: ['x', 'y'] });
    expect(fk('child_p3_fkey')).toMatchObject({ refTable: 'parent', refColumns: ['code'] });
  });

  test('actions lower-case; MATCH ignored (SQLite does not implement it)', () => {
    expect(fk('child_to_parent')).toMatchObject({ onDelete: 'cascade', onUpdate: 'set null' });
    expect(fk('child_p3_fkey')).toMatchObject({ onDelete: 'set default', onUpdate: 'restrict' });
    expect(fk('child_p3_fkey')!.match).toBeUndefined();
  });

  test('only DEFERRABLE INITIALLY DEFERRED is deferred', () => {
    expect(fk('child_p4_fkey')).toMatchObject({ deferrable: true, initiallyDeferred: true });
    expect(fk('child_p5_fkey')).toMatchObject({ deferrable: false, initiallyDeferred: false });
    expect(fk('child_pair')).toMatchObject({ deferrable: false, initiallyDeferred: false, columns: ['x', 'y'] });
  });
});

describe('checks', () => {
  const schema = inspectSql(`
    CREATE TABLE c (
      price REAL CHECK (price>=0),
      qty INT CONSTRAINT qty_positive CHECK ( qty > 0 ),
      lo INT, hi INT,
      CHECK (lo <= hi),
      CHECK ((lo >= 0) AND hi < 100),
      CONSTRAINT [named one] CHECK (price < 1e6)
    );`);

  test('column and table CHECKs with CONSTRAINT names or the default names, numbered on clashes', () => {
    expect(table(schema, 'c').checks).toEqual([
      { name: 'c_check', expression: 'lo <= hi' },
      { name: 'c_check1', expression: '(lo >= 0) AND hi < 100' },
      { name: 'c_price_check', expression: 'price >= 0' },
      { name: 'named one', expression: 'price < 1e6' },
      { name: 'qty_positive', expression: 'qty > 0' },
    ]);
  });
});

describe('objects the model does not manage', () => {
  const schema = inspectSql(`
    CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT);
    CREATE TABLE schema_sync_history (id INTEGER PRIMARY KEY, applied TEXT);
    CREATE INDEX schema_sync_history_applied ON schema_sync_history (applied);
    CREATE VIEW recent AS SELECT * FROM t WHERE id > 10;
    CREATE TRIGGER t_touch AFTER UPDATE ON t BEGIN UPDATE t SET body = body WHERE id = new.id; END;
    CREATE VIRTUAL TABLE docs USING fts5(body);
    INSERT INTO t (body) VALUES ('x');
    ANALYZE;
  `);

  test('tables: neither sqlite_* internals, nor FTS shadow tables, nor the reserved history table', () => {
    expect(schema.tables.map((t) => t.name)).toEqual(['t']);
  });

  test('views, triggers (with their table and SQL) and virtual tables are unmanaged', () => {
    expect(schema.unmanaged).toEqual([
      {
        kind: 'trigger',
        name: 't.t_touch',
        table: 't',
        definition: 'CREATE TRIGGER t_touch AFTER UPDATE ON t BEGIN UPDATE t SET body = body WHERE id = new.id; END',
      },
      { kind: 'view', name: 'recent' },
      { kind: 'virtual table', name: 'docs' },
    ]);
    expect(schema.enums).toEqual([]);
    expect(schema.sequences).toEqual([]);
  });
});

describe('files of one schema', () => {
  test('files whose CREATE statements match read as one model whatever their root pages; any other statement reads anew', () => {
    const tables = ['CREATE TABLE a (id INTEGER PRIMARY KEY, x TEXT)', 'CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a (id))'];
    const index = 'CREATE INDEX b_a ON b (a_id)';
    // Made in another order, the second file's tables and index sit on other root pages.
    const first = createFile([...tables, index].join(';'));
    const second = createFile(['CREATE TABLE pad (z)', 'CREATE INDEX pad_z ON pad (z)', tables[1], tables[0], index, 'DROP TABLE pad'].join(';'));
    expect(createdRootPages(first)).not.toEqual(createdRootPages(second));
    const outcomes = [...inspectFilesSync([first, second]).values()];
    expect(outcomes[0]).toBe(outcomes[1]);
    // The statements as written are the schema: a changed one, even one SQLite reads the same
    // way, is read again, and its model is the one a fresh read gives.
    const third = createFile([...tables, index.replace('(a_id)', '("a_id")')].join(';'));
    const [model] = inspectFilesSync([third]).values();
    expect(model).not.toBe(outcomes[0]);
    expect(model).toEqual(outcomes[0]);
    const fourth = createFile([...tables, index.replace('(a_id)', '(a_id DESC)')].join(';'));
    const [changed] = inspectFilesSync([fourth]).values();
    expect(table(changed!, 'b').indexes[0]!.keys).toEqual([{ column: 'a_id', descending: true }]);
  });
});

function createdRootPages(file: string): unknown[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare("SELECT name, rootpage FROM sqlite_schema WHERE name IN ('a', 'b', 'b_a') ORDER BY name").all();
  } finally {
    db.close();
  }
}

/** Each file's model, read as apply and audit read it. */
function inspectFilesSync(files: readonly string[]): Map<string, SchemaModel> {
  const models = new Map<string, SchemaModel>();
  for (const file of files) {
    const db = new Database(file, { readonly: true });
    try {
      models.set(file, inspectDatabase(db));
    } finally {
      db.close();
    }
  }
  return models;
}

describe('parsing', () => {
  test('CREATE TABLE: quoting styles, comments, constraints without commas, odd input', () => {
    const parsed = parseCreateTable(`CREATE TABLE IF NOT EXISTS main."my table" (
      -- a comment (with parens
      [id] INTEGER CONSTRAINT "pk" PRIMARY KEY DESC ON CONFLICT ABORT AUTOINCREMENT,
      \`b\` TEXT /* inline */ NOT NULL DEFAULT 'a,b)' COLLATE "NoCase",
      'c' varchar (10) UNIQUE ON CONFLICT IGNORE,
      CHECK (b <> ')') CONSTRAINT x UNIQUE (b, c) FOREIGN KEY (c) REFERENCES other ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED
    ) STRICT , WITHOUT ROWID;`);
    expect(parsed.name).toBe('my table');
    expect(parsed.problems).toEqual([]);
    expect(parsed.columns).toEqual([
      { name: 'id', type: 'INTEGER', notNull: false, primaryKey: true, autoincrement: true },
      { name: 'b', type: 'TEXT', notNull: true, primaryKey: false, autoincrement: false, default: "'a,b)'", collation: 'NoCase' },
      { name: 'c', type: 'varchar (10)', notNull: false, primaryKey: false, autoincrement: false },
    ]);
    expect(parsed.primaryKey).toEqual({ name: 'pk', columns: ['id'], autoincrement: true });
    expect(parsed.uniques).toEqual([{ columns: ['c'] }, { name: 'x', columns: ['b', 'c'] }]);
    expect(parsed.checks).toEqual([{ expression: "b <> ')'" }]);
    expect(parsed.foreignKeys).toEqual([
      { columns: ['c'], refTable: 'other', refColumns: [], onDelete: 'CASCADE', deferrable: true, initiallyDeferred: true },
    ]);
    expect(parsed.strict).toBe(true);
    expect(parsed.withoutRowid).toBe(true);

    const odd = parseCreateTable('CREATE TABLE t (a INT NOT WOBBLE, b TEXT CHECK (b > 0)');
    expect(odd.columns.map((c) => c.name)).toEqual(['a', 'b']);
    expect(odd.checks).toEqual([{ expression: 'b > 0', column: 'b' }]);
    expect(odd.problems).toEqual(['the column definitions are not closed', "unexpected 'NOT' in the definition of column a"]);
    expect(parseCreateTable('').problems).toEqual(['not a CREATE TABLE statement']);
    expect(parseCreateTable('CREATE TABLE t (a INT, SOMETHING ELSE, b INT)').columns.map((c) => c.name)).toEqual(['a', 'SOMETHING', 'b']);
  });

  test('CREATE INDEX: keys with COLLATE and order, WHERE', () => {
    const parsed = parseCreateIndex('CREATE UNIQUE INDEX IF NOT EXISTS "i" ON [t] (lower(a, \',\') COLLATE nocase DESC, b ASC, "c") WHERE a IS NOT NULL');
    expect(parsed).toEqual({
      name: 'i',
      table: 't',
      unique: true,
      keys: [
        { text: "lower(a, ',') COLLATE nocase DESC", expression: "lower(a, ',')", collation: 'NOCASE', descending: true },
        { text: 'b ASC', expression: 'b', descending: false },
        { text: '"c"', expression: '"c"', descending: false },
      ],
      where: 'a IS NOT NULL',
      problems: [],
    });
  });

  test('rare forms SQLite accepts are read without problems', () => {
    const schema = inspectSql(`CREATE TABLE t (
      key TEXT CONSTRAINT lonely,
      action INT DEFAULT -'1',
      "first" 'text' NOT NULL,
      r INT REFERENCES t2 ON INSERT CASCADE MATCH SIMPLE ON DELETE CASCADE,
      CONSTRAINT also_lonely
    );
    CREATE TABLE t2 (id INTEGER, PRIMARY KEY (id AUTOINCREMENT));`);
    expect(schema.unmanaged).toEqual([]);
    expect(table(schema, 't').columns).toEqual([
      { name: 'key', type: 'TEXT', nullable: true },
      { name: 'action', type: 'INT', nullable: true, default: "-'1'" },
      { name: 'first', type: 'TEXT', nullable: false },
      { name: 'r', type: 'INT', nullable: true },
    ]);
    expect(table(schema, 't').foreignKeys[0]).toMatchObject({ refTable: 't2', refColumns: ['id'], onDelete: 'cascade', onUpdate: 'no action' });
    expect(table(schema, 't2').options).toEqual({ autoincrement: true });
  });
});

describe('Chinook', () => {
  const schema = inspectSql(readFileSync(path.join(fixturesDir, 'chinook', 'sqlite.schema.sql'), 'utf8'));

  test('tables, primary keys by CONSTRAINT name, types as declared', () => {
    expect(schema.tables.map((t) => t.name)).toEqual([
      'Album',
      'Artist',
      'Customer',
      'Employee',
      'Genre',
      'Invoice',
      'InvoiceLine',
      'MediaType',
      'Playlist',
      'PlaylistTrack',
      'Track',
    ]);
    expect(table(schema, 'PlaylistTrack').primaryKey).toEqual({ name: 'PK_PlaylistTrack', columns: ['PlaylistId', 'TrackId'] });
    expect(table(schema, 'Album').primaryKey).toEqual({ name: 'PK_Album', columns: ['AlbumId'] });
    expect(table(schema, 'Album').columns).toEqual([
      { name: 'AlbumId', type: 'INTEGER', nullable: false },
      { name: 'Title', type: 'NVARCHAR(160)', nullable: false },
      { name: 'ArtistId', type: 'INTEGER', nullable: false },
    ]);
    expect(table(schema, 'Invoice').columns.find((c) => c.name === 'Total')).toEqual({ name: 'Total', type: 'NUMERIC(10,2)', nullable: false });
    expect(schema.unmanaged).toEqual([]);
  });

  test('foreign keys with default names and indexes by name', () => {
    expect(table(schema, 'Track').foreignKeys.map((f) => [f.name, f.columns, f.refTable, f.refColumns])).toEqual([
      ['Track_AlbumId_fkey', ['AlbumId'], 'Album', ['AlbumId']],
      ['Track_GenreId_fkey', ['GenreId'], 'Genre', ['GenreId']],
      ['Track_MediaTypeId_fkey', ['MediaTypeId'], 'MediaType', ['MediaTypeId']],
    ]);
    expect(table(schema, 'Employee').foreignKeys).toEqual([
      {
        name: 'Employee_ReportsTo_fkey',
        columns: ['ReportsTo'],
        refTable: 'Employee',
        refColumns: ['EmployeeId'],
        onDelete: 'no action',
        onUpdate: 'no action',
        deferrable: false,
        initiallyDeferred: false,
      },
    ]);
    expect(table(schema, 'Track').indexes.map((i) => [i.name, i.keys])).toEqual([
      ['IFK_TrackAlbumId', [{ column: 'AlbumId' }]],
      ['IFK_TrackGenreId', [{ column: 'GenreId' }]],
      ['IFK_TrackMediaTypeId', [{ column: 'MediaTypeId' }]],
    ]);
    const indexCount = schema.tables.reduce((n, t) => n + t.indexes.length, 0);
    expect(indexCount).toBe(11);
  });
});

describe('inspecting files', () => {
  test('each file read-only: no change to bytes, size or mtime, and a writer is never blocked', async () => {
    const file = createFile('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t (v) VALUES (1);');
    const before = statSync(file);
    const bytes = readFileSync(file);
    await new Promise((resolve) => setTimeout(resolve, 20));

    const result = await inspectFiles([{ name: 'a', labels: [], location: file }]);
    expect(result.get('a')).toMatchObject({ ok: true });

    const after = statSync(file);
    expect(after.size).toBe(before.size);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(readFileSync(file).equals(bytes)).toBe(true);

    // A writer holding the write lock does not stop inspection, and inspection leaves it free.
    const writer = new Database(file, { timeout: 0 });
    try {
      writer.exec('BEGIN IMMEDIATE; INSERT INTO t (v) VALUES (2);');
      expect((await inspectFiles([{ name: 'a', labels: [], location: file }])).get('a')).toMatchObject({ ok: true });
      writer.exec('COMMIT');
      writer.exec('BEGIN IMMEDIATE; INSERT INTO t (v) VALUES (3); COMMIT;');
    } finally {
      writer.close();
    }
  });

  test('a handle held open by inspection takes no write lock', () => {
    const file = createFile('CREATE TABLE t (id INTEGER PRIMARY KEY);');
    const reader = new Database(file, { readonly: true, fileMustExist: true });
    const writer = new Database(file, { timeout: 0 });
    try {
      inspectDatabase(reader);
      writer.exec('BEGIN IMMEDIATE; CREATE TABLE u (id INT); COMMIT;');
      expect(inspectDatabase(reader).tables.map((t) => t.name)).toEqual(['t', 'u']);
    } finally {
      writer.close();
      reader.close();
    }
  });

  test('a missing file is an error naming it and is not created', async () => {
    const file = path.join(dir, 'missing.db');
    const result = await inspectFiles([{ name: 'missing', labels: [], location: file }]);
    expect(result.get('missing')).toEqual({ ok: false, error: `cannot inspect ${file}: the file does not exist` });
    expect(existsSync(file)).toBe(false);
  });

  test('a file that is not a database fails alone; the other tenants go on', async () => {
    const garbage = path.join(dir, 'garbage.db');
    writeFileSync(garbage, Buffer.alloc(4096, 'not a database at all. '));
    const good = createFile('CREATE TABLE t (id INTEGER PRIMARY KEY);');
    const result = await inspectFiles([
      { name: 'garbage', labels: [], location: garbage },
      { name: 'good', labels: [], location: good },
    ]);
    const bad = result.get('garbage');
    expect(bad?.ok).toBe(false);
    expect(bad && !bad.ok && bad.error).toContain(garbage);
    expect(bad && !bad.ok && bad.error).toContain('not a SQLite database');
    expect(result.get('good')).toMatchObject({ ok: true });
  });

  test('many files in one call', async () => {
    const tenants = Array.from({ length: 120 }, (_, i) => ({
      name: `many_${i}`,
      labels: [],
      location: createFile(`CREATE TABLE t${i % 3} (id INTEGER PRIMARY KEY, v TEXT);`, `many_${i}`),
    }));
    const result = await inspectFiles(tenants);
    expect(result.size).toBe(120);
    expect([...result.values()].every((r) => r.ok)).toBe(true);
    const last = result.get('many_119');
    expect(last?.ok && last.schema.tables.map((t) => t.name)).toEqual(['t2']);
  });

  test('inspectDatabase inside a transaction on a writable handle sees that transaction and leaves it open', () => {
    const file = createFile('CREATE TABLE t (id INTEGER PRIMARY KEY);');
    const db = new Database(file);
    try {
      db.exec('BEGIN IMMEDIATE; CREATE TABLE u (id INTEGER PRIMARY KEY, t_id INT REFERENCES t);');
      const schema = inspectDatabase(db);
      expect(schema.tables.map((t) => t.name)).toEqual(['t', 'u']);
      expect(db.inTransaction).toBe(true);
      db.exec('ROLLBACK');
      expect(inspectDatabase(db).tables.map((t) => t.name)).toEqual(['t']);
      expect(db.inTransaction).toBe(false);
    } finally {
      db.close();
    }
  });
});

describe('discovery', () => {
  let base: string;

  beforeAll(() => {
    base = path.join(dir, 'project');
    for (const sub of ['data/tenants', 'data/tenants/eu', 'data/archive', 'other']) mkdirSync(path.join(base, sub), { recursive: true });
    for (const file of ['data/tenants/acme.db', 'data/tenants/globex.db', 'data/tenants/eu/initech.db', 'data/tenants/notes.txt', 'data/archive/old.db', 'other/x.sqlite']) {
      writeFileSync(path.join(base, file), '');
    }
    writeFileSync(path.join(base, 'data/tenants/acme.db-wal'), '');
    writeFileSync(path.join(base, 'data/tenants/acme.db-journal'), '');
  });

  test('a glob relative to the config directory: names are file stems, locations absolute, sorted', () => {
    expect(discoverSqliteFiles({ pattern: 'data/tenants/*.db' }, base)).toEqual([
      { name: 'acme', location: path.join(base, 'data/tenants/acme.db') },
      { name: 'globex', location: path.join(base, 'data/tenants/globex.db') },
    ]);
  });

  test('** crosses directories; companion files (-wal, -journal) are never tenants', () => {
    expect(discoverSqliteFiles({ pattern: 'data/**/*.db' }, base).map((t) => t.name)).toEqual(['acme', 'globex', 'initech', 'old']);
    expect(discoverSqliteFiles({ pattern: 'data/tenants/*' }, base).map((t) => t.name)).toEqual(['acme', 'globex', 'notes']);
  });

  test('a static list of paths', () => {
    expect(discoverSqliteFiles({ list: ['other/x.sqlite', 'data/tenants/acme.db'] }, base)).toEqual([
      { name: 'acme', location: path.join(base, 'data/tenants/acme.db') },
      { name: 'x', location: path.join(base, 'other/x.sqlite') },
    ]);
  });

  test('a missing directory is a clear error naming it', () => {
    expect(() => discoverSqliteFiles({ pattern: 'data/missing/*.db' }, base)).toThrow(/tenant directory data\/missing does not exist/);
  });

  test('tenants.query is refused', () => {
    expect(() => discoverSqliteFiles({ query: 'select 1' }, base)).toThrow(/tenants\.query is not supported by the sqlite engine/);
  });

  test('two files with one tenant name are refused', () => {
    mkdirSync(path.join(base, 'dupes/a'), { recursive: true });
    mkdirSync(path.join(base, 'dupes/b'), { recursive: true });
    writeFileSync(path.join(base, 'dupes/a/same.db'), '');
    writeFileSync(path.join(base, 'dupes/b/same.db'), '');
    expect(() => discoverSqliteFiles({ pattern: 'dupes/**/*.db' }, base)).toThrow(/two tenant files have the name 'same'/);
  });

  test('tenantFilePath: the pattern directory, the name and the pattern extension', () => {
    expect(tenantFilePath({ pattern: 'data/tenants/*.db' }, base, 'new')).toBe(path.join(base, 'data/tenants/new.db'));
    expect(tenantFilePath({ pattern: 'data/**/*.sqlite3' }, base, 'new')).toBe(path.join(base, 'data/new.sqlite3'));
    expect(tenantFilePath({ pattern: 'tenants/*' }, base, 'new')).toBe(path.join(base, 'tenants/new.db'));
    expect(tenantFilePath({ list: ['other/x.sqlite'] }, base, 'new')).toBe(path.join(base, 'other/new.sqlite'));
  });
});
