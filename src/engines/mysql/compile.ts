// The desired schema, compiled by the server itself (DESIGN.md invariant 2): each distinct
// desired schema is created in a scratch database of its own (the manifest's tables rendered by
// render.ts, then its `sql:`) and read back by the inspector that reads tenants. MySQL has no transactional DDL, so the scratch database cannot be rolled back
// like PostgreSQL's scratch schema: it is dropped when the compile ends, however it ends, and
// discovery never takes one for a tenant (discover.ts).
import { randomBytes } from 'node:crypto';
import type mysql from 'mysql2/promise';
import type { SchemaModel } from '../../model/types.js';
import type { RenderOptions } from '../../plan/step.js';
import type { CompileFailure, CompileInput, CompileOutcome, InspectScope } from '../types.js';
import { quoteIdent, type Connection, type MysqlServer } from './connect.js';
import { SCRATCH_PREFIX } from './discover.js';
import type { Flavor } from './flavor.js';
import { inspectDatabases } from './inspect.js';
import { mysqlRenderer } from './render.js';
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

/** A rendered statement of the manifest's model, and which of the input's changes it renders. */
interface ChangeStatement {
  readonly text: string;
  readonly step: string;
  readonly change: number;
}

/**
 * The input's changes as statements, one change at a time, so that the server's refusal names the
 * change and the manifest line behind it; what the renderer refuses is the compile's failure.
 */
function changeStatements(input: CompileInput, options: RenderOptions, flavor: Flavor): ChangeStatement[] | CompileFailure {
  const render = mysqlRenderer(flavor);
  const out: ChangeStatement[] = [];
  for (const [index, change] of input.changes.entries()) {
    try {
      for (const step of render([change], options)) for (const text of step.sql) out.push({ text, step: step.summary, change: index });
    } catch (error) {
      return { message: (error as Error).message, change: index };
    }
  }
  return out;
}

function renderOptions(scratch: string, input: CompileInput): RenderOptions {
  return { qualifier: quoteIdent(scratch), concurrentIndexes: false, indexTimeoutMs: 0, tenantTypes: input.tenantTypes, tenantSequences: input.tenantSequences };
}

async function compileOne(server: MysqlServer, input: CompileInput): Promise<CompileOutcome> {
  const statements = compileStatements(input.sql);
  if (!Array.isArray(statements)) return { ok: false, error: statements };
  const scratch = scratchName();
  const options = renderOptions(scratch, input);
  const rendered = changeStatements(input, options, server.flavor);
  if (!Array.isArray(rendered)) return { ok: false, error: rendered };
  let connection: Connection | undefined;
  try {
    connection = await server.connect();
    await connection.query(`CREATE DATABASE ${quoteIdent(scratch)}`);
    // The rendered statements name the scratch database in full, quoted as our sessions read them.
    for (const statement of rendered) {
      const failure = await runRendered(connection, statement);
      if (failure) return { ok: false, error: failure };
    }
    // The SQL is the application's DDL: it runs under the server's own sql_mode (ANSI_QUOTES and
    // all), not the one our inspection sessions use.
    await connection.query('SET SESSION sql_mode = @@GLOBAL.sql_mode');
    await connection.query(`USE ${quoteIdent(scratch)}`);
    for (const statement of statements) {
      const failure = await run(connection, statement);
      if (failure) return { ok: false, error: failure };
    }
    let schema = await read(server, scratch);
    // Rounds in place (CompileInput.thenChange): on a session with our sql_mode again. A round the
    // server refuses cannot be rolled back, so the read before it stands, and no more are asked.
    const rounds = await server.connect();
    try {
      for (let round = input.thenChange?.(schema); round !== undefined; round = input.thenChange?.(schema)) {
        const roundStatements = changeStatements({ ...input, changes: round.changes }, options, server.flavor);
        if (!Array.isArray(roundStatements) || !(await runRound(rounds, roundStatements))) break;
        schema = await read(server, scratch, round.scope);
      }
    } finally {
      rounds.destroy();
    }
    return { ok: true, schema };
  } finally {
    await dropScratch(server, connection, scratch);
  }
}

/** The scratch database read on a clean pooled session (the SQL may have changed the compile's sql_mode or charset). */
async function read(server: MysqlServer, scratch: string, _scope?: InspectScope): Promise<SchemaModel> {
  // The whole database is read whatever the scope: an engine may read more than asked.
  const models = await server.withConnection((c) => inspectDatabases(c, server.flavor, [scratch]));
  const schema = models.get(scratch);
  if (!schema) throw new Error(`the scratch database ${scratch} vanished while compiling`);
  return schema;
}

async function runRendered(connection: Connection, statement: ChangeStatement): Promise<CompileFailure | undefined> {
  try {
    await connection.query(statement.text);
    return undefined;
  } catch (error) {
    if (!isServerError(error)) throw error;
    return { message: error.sqlMessage ?? error.message, step: statement.step, change: statement.change };
  }
}

async function runRound(connection: Connection, statements: readonly ChangeStatement[]): Promise<boolean> {
  for (const statement of statements) {
    try {
      await connection.query(statement.text);
    } catch (error) {
      if (!isServerError(error)) throw error;
      return false;
    }
  }
  return true;
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
