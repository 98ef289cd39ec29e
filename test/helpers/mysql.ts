import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { fixturesDir } from './fixtures.js';

export const mysqlUrl = process.env['SCHEMA_SYNC_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306/';

/** Backtick-quoted, for test SQL. */
export function qm(name: string): string {
  return '`' + name.replaceAll('`', '``') + '`';
}

/** A unique database name for one test file: `ss_<prefix>_<hex>`. */
export function uniqueName(prefix: string): string {
  return `ss_${prefix}_${randomBytes(4).toString('hex')}`;
}

export async function withMysql<T>(fn: (connection: mysql.Connection) => Promise<T>): Promise<T> {
  const connection = await mysql.createConnection({ uri: mysqlUrl, charset: 'UTF8MB4_GENERAL_CI', multipleStatements: true });
  try {
    return await fn(connection);
  } finally {
    await connection.end();
  }
}

/**
 * The databases a test file made, dropped at its end. Each name is created empty; drop() removes
 * every one of them, and any other database whose name starts with one of `prefixes` (what a
 * test made under a name it built itself).
 */
export class TestDatabases {
  private readonly names = new Set<string>();

  async create(name: string): Promise<string> {
    this.names.add(name);
    await withMysql((c) => c.query(`CREATE DATABASE ${qm(name)}`));
    return name;
  }

  track(name: string): void {
    this.names.add(name);
  }

  async drop(): Promise<void> {
    await withMysql(async (c) => {
      // A foreign key from one test database into another must not keep either alive.
      await c.query('SET SESSION foreign_key_checks = 0');
      for (const name of this.names) await c.query(`DROP DATABASE IF EXISTS ${qm(name)}`);
    });
    this.names.clear();
  }
}

/**
 * Runs a script through the mysql client, as a person loading a dump would: it understands
 * DELIMITER, which no driver does, so the test does not depend on the engine's own splitter.
 */
export function loadWithClient(database: string, sql: string): void {
  const url = new URL(mysqlUrl);
  const args = ['-h', url.hostname, '-P', url.port || '3306', '-u', decodeURIComponent(url.username || 'root'), '--default-character-set=utf8mb4', database];
  if (url.password) args.splice(0, 0, `-p${decodeURIComponent(url.password)}`);
  execFileSync('mysql', args, { input: sql, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Names of every database on the server. */
export async function databaseNames(): Promise<string[]> {
  return withMysql(async (c) => {
    const [rows] = await c.query<mysql.RowDataPacket[]>('SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA');
    return rows.map((r) => String(r['name']));
  });
}

/**
 * Sakila 1.2 (test/fixtures/sakila/sakila-schema.sql) as a tenant's DDL: its first lines drop,
 * make and use a database called sakila, and the view actor_info names its tables with it.
 */
export function sakilaForTenant(): string {
  return readFileSync(path.join(fixturesDir, 'sakila', 'sakila-schema.sql'), 'utf8')
    .replace(/^(DROP SCHEMA IF EXISTS|CREATE SCHEMA|USE) sakila;$/gm, '')
    .replaceAll('sakila.', '');
}
