// Compiling a desired schema on MySQL/MariaDB: SQL runs in a scratch database of its own, is read
// back by the tenants' inspector, and the scratch database is gone afterwards, whatever happened.
// The fixtures' own DDL compiles to the model of a tenant loaded from it by the mysql client.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { compileSchemas, compilerVersion, scratchName } from '../src/engines/mysql/compile.js';
import { openServer, type MysqlServer } from '../src/engines/mysql/connect.js';
import { SCRATCH_PREFIX } from '../src/engines/mysql/discover.js';
import { inspectDatabases } from '../src/engines/mysql/inspect.js';
import { compileStatements } from '../src/engines/mysql/sql-source.js';
import { splitStatements } from '../src/engines/mysql/sql-tokens.js';
import type { CompileInput, CompileOutcome } from '../src/engines/types.js';
import type { SqlSource } from '../src/model/desired.js';
import type { SchemaModel } from '../src/model/types.js';
import { fixturesDir } from './helpers/fixtures.js';
import { databaseNames, loadWithClient, mysqlUrl, qm, sakilaForTenant, TestDatabases, withMysql } from './helpers/mysql.js';

const prefix = `ss_comp_${randomBytes(3).toString('hex')}`;
const dbs = new TestDatabases();
let server: MysqlServer;

const sakilaFile = path.join(fixturesDir, 'sakila', 'sakila-schema.sql');
const chinookFile = path.join(fixturesDir, 'chinook', 'mysql.schema.sql');

function input(sql: readonly SqlSource[]): CompileInput {
  return { changes: [], tenantTypes: [], tenantSequences: [], sql };
}

async function compile(...sources: SqlSource[]): Promise<CompileOutcome> {
  const [outcome] = await compileSchemas(server, [input(sources)]);
  return outcome!;
}

async function tenantModel(name: string): Promise<SchemaModel> {
  return (await server.withConnection((c) => inspectDatabases(c, server.flavor, [name]))).get(name)!;
}

const scratchDatabases = async () => (await databaseNames()).filter((n) => n.startsWith(SCRATCH_PREFIX));
let scratchBefore: string[];

beforeAll(async () => {
  server = await openServer(mysqlUrl, { lockTimeoutMs: 5_000, statementTimeoutMs: 60_000 });
  scratchBefore = await scratchDatabases();
});

afterAll(async () => {
  await server?.close();
  await dbs.drop();
});

describe('the fixtures compile to the models of tenants loaded from them', () => {
  test('Sakila, given whole as a dump (it makes and uses a database called sakila)', async () => {
    const tenant = await dbs.create(`${prefix}_sakila`);
    loadWithClient(tenant, sakilaForTenant());
    const outcome = await compile({ text: readFileSync(sakilaFile, 'utf8'), file: 'sakila-schema.sql', line: 1, wholeSchema: {} });
    expect(outcome).toEqual({ ok: true, schema: await tenantModel(tenant) });
    if (outcome.ok) expect(outcome.schema.tables).toHaveLength(16);
    expect(await scratchDatabases()).toEqual(scratchBefore);
  });

  test('Chinook, as plain statements', async () => {
    const tenant = await dbs.create(`${prefix}_chinook`);
    const text = readFileSync(chinookFile, 'utf8');
    loadWithClient(tenant, text);
    const outcome = await compile({ text, file: 'mysql.schema.sql', line: 1 });
    expect(outcome).toEqual({ ok: true, schema: await tenantModel(tenant) });
    expect(await scratchDatabases()).toEqual(scratchBefore);
  });

  test('the compiler names the flavor and its major version', () => {
    expect(compilerVersion(server.flavor)).toMatch(/^mariadb 10\.\d+$/);
  });
});

describe('a failing statement', () => {
  test('names its file and line, and the scratch database is dropped', async () => {
    const text = ['CREATE TABLE a (id int PRIMARY KEY);', '', 'CREATE TABLE b (', '  id int PRIMARY KEY,', '  a_id int REFERENCES nowhere (id) ON DELETE CASCADE,', '  FOREIGN KEY (a_id) REFERENCES missing_table (id)', ');'].join('\n');
    const outcome = await compile({ text, file: 'schema/structure.sql', line: 10 });
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) {
      expect(outcome.error.source).toEqual({ file: 'schema/structure.sql', line: 12 });
      expect(outcome.error.message).toMatch(/foreign key constraint/i);
    }
    expect(await scratchDatabases()).toEqual(scratchBefore);
  });

  test('a syntax error points at the line within the statement', async () => {
    const text = ['CREATE TABLE ok (id int);', 'CREATE TABLE broken (', '  id int,', '  name varchar(10) NOT NUL', ');'].join('\n');
    const outcome = await compile({ text, file: 'x.sql', line: 1 });
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) {
      expect(outcome.error.message).toMatch(/syntax/);
      expect(outcome.error.source).toEqual({ file: 'x.sql', line: 4 });
    }
    expect(await scratchDatabases()).toEqual(scratchBefore);
  });

  test('each input compiles alone: a broken one does not hide the others', async () => {
    const outcomes = await compileSchemas(server, [input([{ text: 'CREATE TABLE t (id int', file: 'a.sql', line: 1 }]), input([{ text: 'CREATE TABLE t (id bigint)', file: 'b.sql', line: 1 }])]);
    expect(outcomes[0]?.ok).toBe(false);
    expect(outcomes[1]?.ok && outcomes[1].schema.tables[0]?.columns[0]?.type).toBe('bigint(20)');
    expect(await scratchDatabases()).toEqual(scratchBefore);
  });
});

describe('nothing but the scratch database can be touched', () => {
  const victim = `${prefix}_victim`;

  beforeAll(async () => {
    await dbs.create(victim);
    await withMysql((c) => c.query(`CREATE TABLE ${qm(victim)}.t (id smallint PRIMARY KEY)`));
  });

  const refusals: [string, RegExp][] = [
    ['INSERT INTO t VALUES (1)', /only schema statements .* not INSERT/],
    ['SET GLOBAL max_connections = 1', /SET GLOBAL changes more than/],
    ['SET @@global.sql_mode = ""', /changes the server/],
    ['SET SESSION max_statement_time = 0', /schema-sync's own bound/],
    ['USE mysql', /USE is not allowed/],
    ['DROP DATABASE mysql', /DROP DATABASE is not allowed/],
    [`DROP TABLE IF EXISTS ${qm('x')}, ${qm(victim)}.t`, /names another database/],
    [`CREATE TABLE ${qm(victim)}.made (id int)`, /CREATE TABLE .* names another database/],
    [`ALTER TABLE ${qm(victim)}.t ADD COLUMN x int`, /names another database/],
    ['CREATE TABLE c (id smallint, FOREIGN KEY (id) REFERENCES `' + victim + '`.t (id))', /REFERENCES .* names another database/],
    ['CREATE TABLE m (id int); ALTER TABLE m RENAME TO `' + victim + '`.m', /RENAME .* names another database/],
    ['CREATE TEMPORARY TABLE tmp (id int)', /TEMPORARY/],
    ['DROP VIEW IF EXISTS v, `' + victim + '`.v', /names another database/],
    ['CREATE TABLE p (id int) PARTITION BY HASH (id) PARTITIONS 2; ALTER TABLE p EXCHANGE PARTITION p0 WITH TABLE `' + victim + '`.t', /TABLE .* names another database/],
    [`CREATE EVENT ev ON SCHEDULE EVERY 1 SECOND DO DELETE FROM ${qm(victim)}.t`, /enabled event would run/],
    ['GRANT ALL ON *.* TO nobody', /not GRANT/],
  ];

  test.each(refusals)('%s is refused with its line, before anything runs', async (sql, message) => {
    const text = `-- header\n\nCREATE TABLE first (id int);\n${sql};\n`;
    const statements = splitStatements(text);
    const refusedLine = 4;
    const outcome = await compile({ text, file: 'evil.sql', line: 1 });
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) {
      expect(outcome.error.message).toMatch(message);
      expect(outcome.error.source).toEqual({ file: 'evil.sql', line: refusedLine });
    }
    expect(statements.length).toBeGreaterThanOrEqual(2);
    const [rows] = await withMysql((c) => c.query<any[]>(`SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?`, [victim]));
    expect(rows.map((r: { name: string }) => r.name)).toEqual(['t']);
    expect(await scratchDatabases()).toEqual(scratchBefore);
  });
});

describe('splitting', () => {
  test('DELIMITER blocks, executable comments, strings and comments holding the delimiter', () => {
    const text = [
      "SET NAMES utf8mb4; /*!50610 SET @@default_storage_engine = 'InnoDB'*/;",
      "CREATE TABLE `semi;colon` (a varchar(3) DEFAULT ';' COMMENT 'x;y') -- trailing; comment",
      ';',
      'DELIMITER ;;',
      'CREATE TRIGGER t AFTER INSERT ON x FOR EACH ROW BEGIN',
      '  INSERT INTO y VALUES (1); # a comment; with a semicolon',
      'END;;',
      'DELIMITER ;',
      'CREATE TABLE z (id int);',
    ].join('\n');
    const statements = splitStatements(text);
    expect(statements.map((s) => s.line)).toEqual([1, 1, 2, 5, 9]);
    expect(statements[3]!.text).toBe('CREATE TRIGGER t AFTER INSERT ON x FOR EACH ROW BEGIN\n  INSERT INTO y VALUES (1); # a comment; with a semicolon\nEND');
    expect(statements[2]!.tokens[2]).toMatchObject({ kind: 'ident', text: 'semi;colon' });
    expect(statements[1]!.tokens.map((t) => t.text)).toEqual(['SET', '@@default_storage_engine', '=', 'InnoDB']);
  });

  test('a whole-schema dump loses its own database name and nothing else', () => {
    const statements = compileStatements([
      { text: 'CREATE DATABASE shop;\nUSE shop;\nCREATE VIEW v AS SELECT o.id FROM shop.orders o JOIN `shop`.`items` i ON i.order_id = o.id;', file: 'd.sql', line: 1, wholeSchema: {} },
    ]);
    expect(statements).toEqual([{ text: 'CREATE VIEW v AS SELECT o.id FROM orders o JOIN `items` i ON i.order_id = o.id', file: 'd.sql', line: 3 }]);
  });
});

describe('scratch databases a killed compile left behind', () => {
  test('are dropped by the next compile once a day old; a recent one is left to its compile', async () => {
    const stale = scratchName(Date.now() - 25 * 60 * 60 * 1000);
    const recent = scratchName(Date.now() - 60 * 1000);
    await dbs.create(stale);
    await dbs.create(recent);
    const outcome = await compile({ text: 'CREATE TABLE t (id int)', file: 'a.sql', line: 1 });
    expect(outcome.ok).toBe(true);
    const names = await databaseNames();
    expect(names).not.toContain(stale);
    expect(names).toContain(recent);
  });
});
