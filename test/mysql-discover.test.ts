// MySQL/MariaDB discovery against the real server: tenant databases by pattern, list and query,
// with the shared exclude, labels and name safety; system and bookkeeping databases never
// tenants; hostile database names refused by name, and read exactly when inspected directly.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openServer, quoteIdent, type MysqlServer } from '../src/engines/mysql/connect.js';
import { discoverDatabases, systemDatabaseReason } from '../src/engines/mysql/discover.js';
import { detectFlavor, sessionBounds } from '../src/engines/mysql/flavor.js';
import { inspectDatabases } from '../src/engines/mysql/inspect.js';
import { selectTenants } from '../src/tenants/select-tenants.js';
import { mysqlUrl, TestDatabases, withMysql } from './helpers/mysql.js';

const prefix = `ss_disc_${randomBytes(3).toString('hex')}`;
const dbs = new TestDatabases();
let server: MysqlServer;

const safe = [`${prefix}_acme`, `${prefix}_globex`, `${prefix}_test_one`];
const hostile = [`${prefix}_a\`b`, `${prefix}_a b`, `${prefix}_x';DROP DATABASE mysql;--`, `${prefix}_ünï`, `${prefix}_semi;colon`];
// The same name in two cases: information_schema compares without case, the server keeps both.
const cased = [`${prefix}_Case`, `${prefix}_case`];

beforeAll(async () => {
  for (const name of [...safe, ...hostile, ...cased]) await dbs.create(name);
  await withMysql(async (c) => {
    for (const name of [...hostile, ...cased]) await c.query(`CREATE TABLE ${quoteIdent(name)}.${quoteIdent('t_' + name.slice(prefix.length + 1))} (id int PRIMARY KEY)`);
  });
  server = await openServer(mysqlUrl, { lockTimeoutMs: 5_000, statementTimeoutMs: 60_000 });
});

afterAll(async () => {
  await server?.close();
  await dbs.drop();
});

describe('flavor', () => {
  test('is detected once, from the server', () => {
    expect(server.flavor.kind).toBe('mariadb');
    expect(server.flavor.label).toMatch(/^mariadb \d+\.\d+$/);
    expect(server.flavor.capabilities.statementTimeVariable).toBe('max_statement_time');
  });

  test('MySQL and MariaDB differ by capability, not by version tests elsewhere', () => {
    const mysql8 = detectFlavor('8.0.36', 'MySQL Community Server - GPL');
    expect(mysql8.kind).toBe('mysql');
    expect(mysql8.capabilities).toMatchObject({ statementTimeVariable: 'max_execution_time', checkConstraints: 'via-table-constraints', defaultsAreSql: false });
    expect(detectFlavor('10.11.19-MariaDB-0+deb12u1', 'Debian 12').kind).toBe('mariadb');
    expect(sessionBounds(mysql8, 2500, 300_000)).toEqual(['SESSION lock_wait_timeout = 3', 'SESSION max_execution_time = 300000']);
    expect(sessionBounds(detectFlavor('10.11.2-MariaDB', ''), 500, 1500)).toEqual(['SESSION lock_wait_timeout = 1', 'SESSION max_statement_time = 1.5']);
  });

  test('every pooled session is bounded by lock_wait_timeout and max_statement_time', async () => {
    const bounded = await openServer(mysqlUrl, { lockTimeoutMs: 3_000, statementTimeoutMs: 45_000 });
    try {
      const row = await bounded.withConnection(async (c) => {
        const [rows] = await c.query<any[]>('SELECT @@SESSION.lock_wait_timeout AS lockWait, @@SESSION.max_statement_time AS statementTime, @@SESSION.sql_mode AS mode');
        return rows[0];
      });
      expect(Number(row.lockWait)).toBe(3);
      expect(Number(row.statementTime)).toBe(45);
      expect(row.mode).not.toMatch(/ANSI_QUOTES|NO_BACKSLASH_ESCAPES/);
    } finally {
      await bounded.close();
    }
  });
});

describe('discovery', () => {
  const discover = (selector: Parameters<typeof discoverDatabases>[1]) => server.withConnection((c) => discoverDatabases(c, selector));

  test('by pattern, with exclude and labels from the shared selection', async () => {
    const selector = { pattern: `${prefix}_*`, exclude: [`${prefix}_test_*`], labels: { canary: [`${prefix}_acme`] } };
    const { tenants, rejected } = selectTenants(await discover(selector), selector);
    expect(tenants.map((t) => t.name)).toEqual([...cased, `${prefix}_acme`, `${prefix}_globex`].sort());
    expect(tenants.find((t) => t.name === `${prefix}_acme`)?.labels).toEqual(['canary']);
    expect(rejected.map((r) => r.name).sort()).toEqual([...hostile].sort());
  });

  test('a hostile name is refused with a message naming it', async () => {
    const selector = { pattern: `${prefix}_*` };
    const { rejected } = selectTenants(await discover(selector), selector);
    for (const name of hostile) {
      const refusal = rejected.find((r) => r.name === name);
      expect(refusal?.reason).toMatch(/refused so it can never be mis-quoted/);
    }
  });

  test('a pattern never matches system databases, schema_sync or a compile scratch', async () => {
    await dbs.create('schema_sync_compile_00test' + randomBytes(2).toString('hex'));
    const found = (await discover({ pattern: '*' })).map((t) => t.name);
    for (const system of ['mysql', 'information_schema', 'performance_schema', 'sys']) expect(found).not.toContain(system);
    expect(found.some((n) => n.startsWith('schema_sync_compile_'))).toBe(false);
    expect(found).toContain(`${prefix}_acme`);
  });

  test('a list or query naming a system database gets it back refused', async () => {
    const list = await discover({ list: ['mysql', 'INFORMATION_SCHEMA', 'schema_sync', `${prefix}_acme`] });
    expect(list).toEqual([
      { name: 'mysql', refused: systemDatabaseReason('mysql') },
      { name: 'INFORMATION_SCHEMA', refused: systemDatabaseReason('information_schema') },
      { name: 'schema_sync', refused: "schema-sync's own bookkeeping database, never a tenant" },
      { name: `${prefix}_acme` },
    ]);
    const queried = await discover({ query: `SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN ('sys', '${prefix}_globex') ORDER BY 1` });
    expect(queried).toEqual([{ name: `${prefix}_globex` }, { name: 'sys', refused: 'a MySQL/MariaDB system database, never a tenant' }]);
  });

  test('a tenants query that would write is refused before it runs', async () => {
    await expect(discover({ query: `CREATE DATABASE ${prefix}_made_by_query` })).rejects.toThrow(/must be a SELECT \(it begins with CREATE\)/);
    await expect(discover({ query: `SELECT 1; DROP DATABASE ${prefix}_acme` })).rejects.toThrow(/tenants\.query cannot list tenants/);
    const names = (await discover({ pattern: `${prefix}_*` })).map((t) => t.name);
    expect(names).toContain(`${prefix}_acme`);
    expect(names).not.toContain(`${prefix}_made_by_query`);
  });
});

describe('hostile names, read directly', () => {
  test('each database is read under its exact name, and only its own tables', async () => {
    const models = await server.withConnection((c) => inspectDatabases(c, server.flavor, [...hostile, cased[0]!], { chunkSize: 3 }));
    for (const name of [...hostile, cased[0]!]) {
      expect(models.get(name)?.tables.map((t) => t.name)).toEqual(['t_' + name.slice(prefix.length + 1)]);
    }
    expect(models.has(cased[1]!)).toBe(false);
  });

  test('quoting refuses what the server cannot hold, naming it', () => {
    expect(quoteIdent('a`b')).toBe('`a``b`');
    expect(() => quoteIdent('')).toThrow(/cannot be empty/);
    expect(() => quoteIdent('bad\0name')).toThrow(/"bad\\u0000name" contains a NUL/);
    expect(() => quoteIdent('trailing ')).toThrow(/"trailing " ends with a space/);
  });
});
