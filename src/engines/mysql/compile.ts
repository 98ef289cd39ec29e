// The desired schema, compiled by the server itself (DESIGN.md invariant 2): each distinct
// desired schema is created in a scratch database of its own and read back by the inspector that
// reads tenants. MySQL has no transactional DDL, so the scratch database cannot be rolled back
// like PostgreSQL's scratch schema: it is dropped when the compile ends, however it ends, and
// discovery never takes one for a tenant (discover.ts).
import { randomBytes } from 'node:crypto';
import type mysql from 'mysql2/promise';
import type { CompileFailure, CompileInput, CompileOutcome } from '../types.js';
import { quoteIdent, type Connection, type MysqlServer } from './connect.js';
import { SCRATCH_PREFIX } from './discover.js';
import type { Flavor } from './flavor.js';
import { inspectDatabases } from './inspect.js';
import { compileStatements, type CompileStatement } from './sql-source.js';

/** The flavor and its major version: what decides how the server prints, for the compile cache's key. */
export function compilerVersion(flavor: Flavor): string {
  return flavor.label;
}

/**
 * A name no tenant has and no other compile uses at the same time; it carries its creation time
 * (seconds, base 36), so that a scratch database a killed process left behind can be told apart
 * from one a compile is still using.
 */
export function scratchName(now = Date.now()): string {
  return `${SCRATCH_PREFIX}${Math.floor(now / 1000).toString(36)}_${randomBytes(8).toString('hex')}`;
}

/** Older than this, a scratch database belongs to no running compile: every statement of one is bounded far below it. */
const STALE_AFTER_MS = 24 * 60 * 60 * 1000;

/** Drops the scratch databases of compiles that were killed before they could drop their own; returns their names. */
export async function dropStaleScratch(server: MysqlServer, now = Date.now()): Promise<string[]> {
  return server.withConnection(async (connection) => {
    const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?', [`${SCRATCH_PREFIX.replaceAll('_', '\\_')}%`]);
    const stale = rows
      .map((r) => String(r['name']))
      .filter((name) => {
        const created = /^([0-9a-z]+)_[0-9a-f]{16}$/.exec(name.slice(SCRATCH_PREFIX.length))?.[1];
        return created !== undefined && now - parseInt(created, 36) * 1000 > STALE_AFTER_MS;
      });
    for (const name of stale) await connection.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
    return stale;
  });
}

export async function compileSchemas(server: MysqlServer, inputs: readonly CompileInput[]): Promise<CompileOutcome[]> {
  await dropStaleScratch(server);
  const outcomes: CompileOutcome[] = [];
  for (const input of inputs) outcomes.push(await compileOne(server, input));
  return outcomes;
}

async function compileOne(server: MysqlServer, input: CompileInput): Promise<CompileOutcome> {
  if (input.changes.length > 0) {
    // The MySQL renderer does not exist yet: a manifest's tables cannot be built here.
    return { ok: false, error: { message: 'the mysql engine compiles SQL only so far: a manifest with tables needs the MySQL renderer, which does not exist yet' } };
  }
  const statements = compileStatements(input.sql);
  if (!Array.isArray(statements)) return { ok: false, error: statements };
  const scratch = scratchName();
  let connection: Connection | undefined;
  try {
    connection = await server.connect();
    // The SQL is the application's DDL: it runs under the server's own sql_mode (ANSI_QUOTES and
    // all), not the one our inspection sessions use.
    await connection.query('SET SESSION sql_mode = @@GLOBAL.sql_mode');
    await connection.query(`CREATE DATABASE ${quoteIdent(scratch)}`);
    await connection.query(`USE ${quoteIdent(scratch)}`);
    for (const statement of statements) {
      const failure = await run(connection, statement);
      if (failure) return { ok: false, error: failure };
    }
    // Read on a clean pooled session: the SQL may have changed this one's sql_mode or charset.
    const models = await server.withConnection((c) => inspectDatabases(c, server.flavor, [scratch]));
    const schema = models.get(scratch);
    if (!schema) throw new Error(`the scratch database ${scratch} vanished while compiling`);
    return { ok: true, schema };
  } finally {
    await dropScratch(server, connection, scratch);
  }
}

/** Runs one statement; the server's refusal comes back with the file and line it is written on. */
async function run(connection: Connection, statement: CompileStatement): Promise<CompileFailure | undefined> {
  try {
    await connection.query(statement.text);
    return undefined;
  } catch (error) {
    if (!isServerError(error)) throw error;
    const message = error.sqlMessage ?? error.message;
    // A syntax error ends with `at line N`, counted within the statement.
    const within = Number(/ at line (\d+)\s*$/.exec(message)?.[1] ?? 1);
    return { message, source: { file: statement.file, line: statement.line + Math.max(0, within - 1) } };
  }
}

/**
 * Drops the scratch database on the compile's own session, or on a pooled one when that session
 * is gone (the statement that failed may have been a lost connection); then ends the session.
 */
async function dropScratch(server: MysqlServer, connection: Connection | undefined, scratch: string): Promise<void> {
  const drop = `DROP DATABASE IF EXISTS ${quoteIdent(scratch)}`;
  try {
    if (!connection) throw new Error('no session');
    await connection.query(drop);
  } catch {
    await server.withConnection((c) => c.query(drop));
  } finally {
    connection?.destroy();
  }
}

/** An error the server raised for a statement, as opposed to a lost connection. */
function isServerError(error: unknown): error is Error & { errno: number; sqlMessage?: string } {
  const e = error as { errno?: unknown; fatal?: unknown };
  return typeof e.errno === 'number' && e.fatal !== true;
}
