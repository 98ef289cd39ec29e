// MySQL/MariaDB inspection against the real server. Sakila and Chinook (test/fixtures) are loaded
// by the mysql client into two databases each: their models are equal, and one change to one
// object in one database makes the models differ in that object alone. A table with the features
// the model holds is read field by field, and what the model does not hold is reported unmanaged.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openServer, type MysqlServer } from '../src/engines/mysql/connect.js';
import { inspectDatabases, inspectOutcomes, unreadableTenants } from '../src/engines/mysql/inspect.js';
import type { SchemaModel, TableModel } from '../src/model/types.js';
import { fixturesDir } from './helpers/fixtures.js';
import { loadWithClient, mysqlUrl, qm, sakilaForTenant, TestDatabases, withMysql } from './helpers/mysql.js';

const prefix = `ss_insp_${randomBytes(3).toString('hex')}`;
const dbs = new TestDatabases();
let server: MysqlServer;

const chinook = () => readFileSync(path.join(fixturesDir, 'chinook', 'mysql.schema.sql'), 'utf8');

async function inspect(...names: string[]): Promise<Map<string, SchemaModel>> {
  return server.withConnection((c) => inspectDatabases(c, server.flavor, names));
}

async function inspectOne(name: string): Promise<SchemaModel> {
  const model = (await inspect(name)).get(name);
  if (!model) throw new Error(`no database ${name}`);
  return model;
}

function table(schema: SchemaModel, name: string): TableModel {
  const found = schema.tables.find((t) => t.name === name);
  if (!found) throw new Error(`no table ${name}`);
  return found;
}

/** Names of the tables whose models differ, and whether the unmanaged lists do. */
function differing(a: SchemaModel, b: SchemaModel): string[] {
  const names = new Set([...a.tables, ...b.tables].map((t) => t.name));
  const out = [...names].filter((n) => JSON.stringify(a.tables.find((t) => t.name === n)) !== JSON.stringify(b.tables.find((t) => t.name === n)));
  if (JSON.stringify(a.unmanaged) !== JSON.stringify(b.unmanaged)) out.push('(unmanaged)');
  return out.sort();
}

async function exec(database: string, ...statements: string[]): Promise<void> {
  await withMysql(async (c) => {
    await c.query(`USE ${qm(database)}`);
    for (const sql of statements) await c.query(sql);
  });
}

beforeAll(async () => {
  server = await openServer(mysqlUrl, { lockTimeoutMs: 5_000, statementTimeoutMs: 60_000 });
});

afterAll(async () => {
  await server?.close();
  await dbs.drop();
});

describe('Sakila', () => {
  const a = `${prefix}_sakila_a`;
  const b = `${prefix}_sakila_b`;

  beforeAll(async () => {
    for (const name of [a, b]) {
      await dbs.create(name);
      loadWithClient(name, sakilaForTenant());
      // Sakila has no CHECK constraint: both get the same one, so that changing it can be seen.
      await exec(name, "ALTER TABLE category ADD CONSTRAINT chk_category_name CHECK (name <> '')");
    }
  });

  test('two databases loaded from the same DDL have equal models', async () => {
    const models = await inspect(a, b);
    const modelA = models.get(a)!;
    expect(modelA.tables).toHaveLength(16);
    expect(models.get(b)).toEqual(modelA);
  });

  test('the model holds what the server reports', async () => {
    const model = await inspectOne(a);
    const film = table(model, 'film');
    expect(film.columns.find((c) => c.name === 'rating')).toEqual({
      name: 'rating',
      type: "enum('G','PG','PG-13','R','NC-17')",
      nullable: true,
      default: "'G'",
      charset: 'utf8mb4',
      collation: 'utf8mb4_general_ci',
    });
    expect(film.columns.find((c) => c.name === 'film_id')).toEqual({ name: 'film_id', type: 'smallint(5) unsigned', nullable: false, autoIncrement: true });
    expect(film.columns.find((c) => c.name === 'rental_rate')?.default).toBe('4.99');
    expect(film.columns.find((c) => c.name === 'last_update')).toMatchObject({ type: 'timestamp', default: 'current_timestamp()', onUpdate: 'current_timestamp()' });
    expect(film.options).toEqual({ engine: 'InnoDB', rowFormat: 'Dynamic', charset: 'utf8mb4', collation: 'utf8mb4_general_ci' });
    expect(table(model, 'customer').columns.find((c) => c.name === 'active')).toMatchObject({ type: 'tinyint(1)', default: '1' });
    expect(table(model, 'staff').columns.find((c) => c.name === 'password')).toMatchObject({ charset: 'utf8mb4', collation: 'utf8mb4_bin' });
    expect(table(model, 'film_text').indexes).toEqual([{ name: 'idx_title_description', unique: false, method: 'FULLTEXT', keys: [{ column: 'title' }, { column: 'description' }], include: [] }]);
    expect(table(model, 'film_actor').primaryKey).toEqual({ name: 'PRIMARY', columns: ['actor_id', 'film_id'] });
    expect(table(model, 'rental').indexes.find((i) => i.unique)).toEqual({
      name: 'rental_date',
      unique: true,
      method: 'BTREE',
      keys: [{ column: 'rental_date' }, { column: 'inventory_id' }, { column: 'customer_id' }],
      include: [],
    });
    expect(table(model, 'payment').foreignKeys.find((f) => f.name === 'fk_payment_rental')).toEqual({
      name: 'fk_payment_rental',
      columns: ['rental_id'],
      refTable: 'rental',
      refColumns: ['rental_id'],
      onDelete: 'set null',
      onUpdate: 'cascade',
      deferrable: false,
      initiallyDeferred: false,
    });
    expect(table(model, 'category').checks).toEqual([{ name: 'chk_category_name', expression: "`name` <> ''" }]);
    const counts = new Map<string, number>();
    for (const object of model.unmanaged ?? []) counts.set(object.kind, (counts.get(object.kind) ?? 0) + 1);
    expect(Object.fromEntries(counts)).toEqual({ view: 7, trigger: 3, procedure: 3, function: 3 });
  });

  test('one changed object makes the models differ in that object alone', async () => {
    const cases: { sql: string[]; table: string; read: (t: TableModel) => unknown; before: unknown; after: unknown }[] = [
      {
        sql: ['ALTER TABLE actor MODIFY first_name VARCHAR(50) NOT NULL'],
        table: 'actor',
        read: (t) => t.columns.find((c) => c.name === 'first_name')?.type,
        before: 'varchar(45)',
        after: 'varchar(50)',
      },
      { sql: ['ALTER TABLE film ALTER rental_duration SET DEFAULT 5'], table: 'film', read: (t) => t.columns.find((c) => c.name === 'rental_duration')?.default, before: '3', after: '5' },
      {
        sql: ['ALTER TABLE customer DROP INDEX idx_last_name, ADD INDEX idx_last_name (last_name(10))'],
        table: 'customer',
        read: (t) => t.indexes.find((i) => i.name === 'idx_last_name')?.keys,
        before: [{ column: 'last_name' }],
        after: [{ column: 'last_name', length: 10 }],
      },
      {
        sql: ['ALTER TABLE payment DROP FOREIGN KEY fk_payment_rental', 'ALTER TABLE payment ADD CONSTRAINT fk_payment_rental FOREIGN KEY (rental_id) REFERENCES rental (rental_id) ON DELETE CASCADE ON UPDATE CASCADE'],
        table: 'payment',
        read: (t) => t.foreignKeys.find((f) => f.name === 'fk_payment_rental')?.onDelete,
        before: 'set null',
        after: 'cascade',
      },
      {
        sql: ['ALTER TABLE category DROP CONSTRAINT chk_category_name', 'ALTER TABLE category ADD CONSTRAINT chk_category_name CHECK (char_length(name) > 0)'],
        table: 'category',
        read: (t) => t.checks[0]?.expression,
        before: "`name` <> ''",
        after: 'char_length(`name`) > 0',
      },
      {
        sql: ['ALTER TABLE city MODIFY city VARCHAR(50) COLLATE utf8mb4_bin NOT NULL'],
        table: 'city',
        read: (t) => t.columns.find((c) => c.name === 'city')?.collation,
        before: 'utf8mb4_general_ci',
        after: 'utf8mb4_bin',
      },
      { sql: ['ALTER TABLE inventory ALTER INDEX idx_fk_film_id IGNORED'], table: 'inventory', read: (t) => t.indexes.find((i) => i.name === 'idx_fk_film_id')?.invisible, before: undefined, after: true },
      { sql: ["ALTER TABLE country COMMENT = 'countries'"], table: 'country', read: (t) => t.comment, before: undefined, after: 'countries' },
      { sql: ['ALTER TABLE language ROW_FORMAT = COMPACT'], table: 'language', read: (t) => t.options?.['rowFormat'], before: 'Dynamic', after: 'Compact' },
    ];
    const changed: string[] = [];
    for (const c of cases) {
      await exec(b, ...c.sql);
      changed.push(c.table);
      const models = await inspect(a, b);
      const modelA = models.get(a)!;
      const modelB = models.get(b)!;
      expect(differing(modelA, modelB), c.sql.join('; ')).toEqual([...changed].sort());
      expect(c.read(table(modelA, c.table)), c.sql.join('; ')).toEqual(c.before);
      expect(c.read(table(modelB, c.table)), c.sql.join('; ')).toEqual(c.after);
    }
  });
});

describe('Chinook', () => {
  const a = `${prefix}_chinook_a`;
  const b = `${prefix}_chinook_b`;

  beforeAll(async () => {
    for (const name of [a, b]) {
      await dbs.create(name);
      loadWithClient(name, chinook());
    }
  });

  test('two databases loaded from the same DDL have equal models', async () => {
    const models = await inspect(a, b);
    expect(models.get(a)!.tables.map((t) => t.name)).toEqual(['Album', 'Artist', 'Customer', 'Employee', 'Genre', 'Invoice', 'InvoiceLine', 'MediaType', 'Playlist', 'PlaylistTrack', 'Track']);
    expect(models.get(b)).toEqual(models.get(a));
    expect(models.get(a)!.unmanaged).toBeUndefined();
  });

  test('NVARCHAR columns are utf8mb3 inside tables of the server default charset', async () => {
    const album = table(await inspectOne(a), 'Album');
    expect(album.columns.find((c) => c.name === 'Title')).toEqual({ name: 'Title', type: 'varchar(160)', nullable: false, charset: 'utf8mb3', collation: 'utf8mb3_general_ci' });
    expect(album.options?.['charset']).toBe('utf8mb4');
    expect(album.foreignKeys.map((f) => [f.name, f.refTable, f.onDelete])).toEqual([['FK_AlbumArtistId', 'Artist', 'no action']]);
    expect(album.indexes.map((i) => i.name)).toEqual(['IFK_AlbumArtistId']);
  });

  test('a changed default in one database is seen in that column alone', async () => {
    await exec(b, "ALTER TABLE Customer ALTER Country SET DEFAULT 'Brazil'");
    const models = await inspect(a, b);
    expect(differing(models.get(a)!, models.get(b)!)).toEqual(['Customer']);
    expect(table(models.get(b)!, 'Customer').columns.find((c) => c.name === 'Country')?.default).toBe("'Brazil'");
  });
});

describe('what the model holds, field by field', () => {
  const name = `${prefix}_features`;
  let model: SchemaModel;

  beforeAll(async () => {
    await dbs.create(name);
    await exec(
      name,
      `CREATE TABLE g (
         id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
         a varchar(20) CHARACTER SET latin1 COLLATE latin1_bin DEFAULT 'x''y' COMMENT 'hi',
         q int,
         b int AS (q * 2) VIRTUAL,
         c int AS (q + 1) STORED,
         d timestamp(2) NOT NULL DEFAULT current_timestamp(2) ON UPDATE current_timestamp(2) INVISIBLE,
         f text,
         s varchar(10) DEFAULT 'NULL',
         x int CHECK (x < 5),
         CONSTRAINT chk_b CHECK (b > 0),
         KEY kf (f(10), a DESC) COMMENT 'prefix and descending',
         FULLTEXT KEY ft (f),
         UNIQUE KEY (a)
       ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=COMPACT STATS_PERSISTENT=0 COMMENT='features'`,
      'ALTER TABLE g ALTER INDEX kf IGNORED',
      'CREATE TABLE p (id int NOT NULL, body blob NOT NULL, PRIMARY KEY (id, body(16)))',
      'CREATE TABLE parts (id int NOT NULL) PARTITION BY HASH (id) PARTITIONS 2',
      'CREATE SEQUENCE seq',
      'CREATE EVENT ev ON SCHEDULE EVERY 1 DAY DISABLE DO SELECT 1',
      `CREATE TABLE outside (id int, CONSTRAINT fk_out FOREIGN KEY (id) REFERENCES ${qm(`${prefix}_sakila_a`)}.actor (actor_id))`.replace('(id int,', '(id smallint unsigned,'),
    );
    model = await inspectOne(name);
  });

  test('columns: generated, invisible, on update, charset and collation, quoted defaults, comments', () => {
    expect(table(model, 'g').columns).toEqual([
      { name: 'id', type: 'int(10) unsigned', nullable: false, autoIncrement: true },
      { name: 'a', type: 'varchar(20)', nullable: true, default: "'x''y'", charset: 'latin1', collation: 'latin1_bin', comment: 'hi' },
      { name: 'q', type: 'int(11)', nullable: true },
      { name: 'b', type: 'int(11)', nullable: true, generated: '`q` * 2', virtual: true },
      { name: 'c', type: 'int(11)', nullable: true, generated: '`q` + 1' },
      { name: 'd', type: 'timestamp(2)', nullable: false, default: 'current_timestamp(2)', onUpdate: 'current_timestamp(2)', invisible: true },
      { name: 'f', type: 'text', nullable: true, charset: 'utf8mb4', collation: 'utf8mb4_unicode_ci' },
      { name: 's', type: 'varchar(10)', nullable: true, default: "'NULL'", charset: 'utf8mb4', collation: 'utf8mb4_unicode_ci' },
      { name: 'x', type: 'int(11)', nullable: true },
    ]);
  });

  test('indexes: prefix, descending, ignored, FULLTEXT, unique; checks with their level; table options', () => {
    const g = table(model, 'g');
    expect(g.indexes).toEqual([
      { name: 'a', unique: true, method: 'BTREE', keys: [{ column: 'a' }], include: [] },
      { name: 'ft', unique: false, method: 'FULLTEXT', keys: [{ column: 'f' }], include: [] },
      { name: 'kf', unique: false, method: 'BTREE', keys: [{ column: 'f', length: 10 }, { column: 'a', descending: true }], include: [], invisible: true, comment: 'prefix and descending' },
    ]);
    expect(g.checks).toEqual([
      { name: 'chk_b', expression: '`b` > 0' },
      { name: 'x', expression: '`x` < 5', column: 'x' },
    ]);
    expect(g.comment).toBe('features');
    expect(g.options).toEqual({ engine: 'InnoDB', rowFormat: 'Compact', charset: 'utf8mb4', collation: 'utf8mb4_unicode_ci', createOptions: 'stats_persistent=0 row_format=COMPACT' });
    expect(table(model, 'p').primaryKey).toEqual({ name: 'PRIMARY', columns: ['id', 'body'], keys: [{ column: 'id' }, { column: 'body', length: 16 }] });
  });

  test('what the model cannot hold is listed as unmanaged, never dropped', () => {
    expect(model.unmanaged).toEqual([
      { kind: 'event', name: 'ev' },
      { kind: 'foreign key to another database', name: 'outside.fk_out', table: 'outside' },
      { kind: 'partitioning', name: 'parts', table: 'parts' },
      { kind: 'sequence', name: 'seq' },
    ]);
    expect(model.tables.map((t) => t.name)).toEqual(['g', 'outside', 'p', 'parts']);
    expect(table(model, 'outside').foreignKeys).toEqual([]);
  });
});

describe('chunks', () => {
  test('every chunk size and both query shapes read the same models', async () => {
    const names = [`${prefix}_sakila_a`, `${prefix}_chinook_a`, `${prefix}_features`, `${prefix}_missing`];
    const reference = await inspect(...names);
    expect([...reference.keys()].sort()).toEqual(names.slice(0, 3).sort());
    for (const shape of ['in-list', 'union-of-equalities'] as const) {
      for (const chunkSize of [1, 2, 4]) {
        const models = await server.withConnection((c) => inspectDatabases(c, server.flavor, names, { chunkSize, shape }));
        expect(models, `${shape} ${chunkSize}`).toEqual(reference);
      }
    }
  });
});

describe('what the server could not read', () => {
  test('a view whose table is gone still leaves its tenant readable (views are unmanaged)', async () => {
    const name = await dbs.create(`${prefix}_broken_view`);
    await exec(name, 'CREATE TABLE t (a int)', 'CREATE TABLE gone (a int)', 'CREATE VIEW v AS SELECT a FROM gone', 'DROP TABLE gone');
    const outcomes = await server.withConnection((c) => inspectOutcomes(c, server.flavor, [{ name, labels: [] }, { name: `${prefix}_nothing`, labels: [] }]));
    const outcome = outcomes.get(name);
    expect(outcome?.ok && outcome.schema.tables.map((t) => t.name)).toEqual(['t']);
    expect(outcome?.ok && outcome.schema.unmanaged).toEqual([{ kind: 'view', name: 'v' }]);
    expect(outcomes.get(`${prefix}_nothing`)).toEqual({ ok: false, error: `database "${prefix}_nothing" does not exist` });
  });

  test('a warning about a table fails the tenant it names, one naming none fails the chunk', () => {
    const warnings = ["Warning 1033: Incorrect information in file: './tenant_b/film.frm'", "Error 1146: Table 'tenant_c.x' doesn't exist"];
    expect([...unreadableTenants(warnings, ['tenant_a', 'tenant_b', 'tenant_c']).keys()]).toEqual(['tenant_b', 'tenant_c']);
    expect(unreadableTenants(['Warning 1105: something'], ['a', 'b']).get('b')).toBe('could not be read whole: the server warned Warning 1105: something');
    expect(unreadableTenants([], ['a']).size).toBe(0);
  });
});
