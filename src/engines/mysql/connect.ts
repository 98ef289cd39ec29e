import mysql from 'mysql2/promise';
import { redactUrl } from '../../util/redact-url.js';
import { detectFlavor, sessionBounds, type Flavor } from './flavor.js';

export type Connection = mysql.Connection;
export type Pool = mysql.Pool;

/** How long any statement of ours may wait for a lock, and run. */
export interface Timeouts {
  readonly lockTimeoutMs: number;
  readonly statementTimeoutMs: number;
}

/** One server: its flavor, detected once, and a pool whose every session starts bounded. */
export interface MysqlServer {
  readonly url: string;
  readonly flavor: Flavor;
  /** A pooled session for one piece of work; a session whose work failed is discarded, never reused. */
  withConnection<T>(fn: (connection: Connection) => Promise<T>): Promise<T>;
  /** A dedicated session with the same settings (a compile, a lock), closed by the caller. */
  connect(): Promise<Connection>;
  close(): Promise<void>;
}

/**
 * Settings that keep text exact: utf8mb4 so any name comes back whole, dates and big numbers as
 * the server printed them, one statement per call (a tenant name or a config's query can never
 * smuggle in a second one).
 */
function options(url: string): mysql.ConnectionOptions {
  return { uri: url, charset: 'UTF8MB4_GENERAL_CI', dateStrings: true, supportBigNumbers: true, bigNumberStrings: true, multipleStatements: false };
}

/**
 * A session's settings, as one SET (one round trip, run on each checkout of a pooled session):
 * lock_wait_timeout and the flavor's statement time limit (invariant 9). ANSI_QUOTES and
 * NO_BACKSLASH_ESCAPES leave the session's sql_mode, since both change how our quoted names and
 * literals read; the rest of the server's sql_mode stays, as the application's DDL runs under it.
 */
export function sessionSetup(flavor: Flavor, timeouts: Timeouts): string {
  const without = (mode: string, word: string) => `REPLACE(${mode}, ',${word},', ',')`;
  const mode = without(without(`CONCAT(',', @@SESSION.sql_mode, ',')`, 'ANSI_QUOTES'), 'NO_BACKSLASH_ESCAPES');
  return `SET ${[...sessionBounds(flavor, timeouts.lockTimeoutMs, timeouts.statementTimeoutMs), `SESSION sql_mode = TRIM(BOTH ',' FROM ${mode})`].join(', ')}`;
}

/** Connects once to learn the server's flavor, then opens a pool of at most `max` sessions. */
export async function openServer(url: string, timeouts: Timeouts, max = 10): Promise<MysqlServer> {
  const first = await connectRaw(url);
  let flavor: Flavor;
  try {
    const [rows] = await first.query<mysql.RowDataPacket[]>('SELECT VERSION() AS version, @@version_comment AS comment');
    flavor = detectFlavor(String(rows[0]?.['version'] ?? ''), String(rows[0]?.['comment'] ?? ''));
  } finally {
    await first.end().catch(() => undefined);
  }
  const pool = mysql.createPool({ ...options(url), connectionLimit: max, maxIdle: max, enableKeepAlive: true });
  const setup = sessionSetup(flavor, timeouts);
  return {
    url,
    flavor,
    async withConnection(fn) {
      let connection: mysql.PoolConnection;
      try {
        connection = await pool.getConnection();
      } catch (error) {
        throw connectError(url, error);
      }
      let broken = false;
      try {
        // Again on every checkout: the work before may have changed the session.
        await connection.query(setup);
        return await fn(connection);
      } catch (error) {
        broken = true;
        throw error;
      } finally {
        if (broken) connection.destroy();
        else connection.release();
      }
    },
    async connect() {
      const connection = await connectRaw(url);
      try {
        await connection.query(setup);
      } catch (error) {
        connection.destroy();
        throw error;
      }
      return connection;
    },
    close: () => pool.end(),
  };
}

async function connectRaw(url: string): Promise<Connection> {
  try {
    const connection = await mysql.createConnection(options(url));
    // A session killed by the server emits 'error' when idle; its next query fails instead.
    connection.on('error', () => undefined);
    return connection;
  } catch (error) {
    throw connectError(url, error);
  }
}

/** A failed connection as a user reads it: where to (password masked) and the driver's words; its code is kept for retries. */
export function connectError(url: string, error: unknown): Error {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return Object.assign(new Error(`cannot connect to ${redactUrl(url)}: ${message}`, { cause: error }), typeof code === 'string' ? { code } : {});
}

/**
 * Always quotes with backticks, inner backticks doubled, so reserved words and hostile names keep
 * their exact spelling (invariant 4). The server refuses an empty name, a NUL and a name ending
 * in a space; we refuse them before they reach it, naming the name.
 */
export function quoteIdent(name: string): string {
  if (name.length === 0) throw new Error('an identifier cannot be empty');
  if (name.includes('\0')) throw new Error(`the identifier ${JSON.stringify(name)} contains a NUL character`);
  if (name.endsWith(' ')) throw new Error(`the identifier ${JSON.stringify(name)} ends with a space, which MySQL does not allow`);
  return '`' + name.replaceAll('`', '``') + '`';
}

/**
 * A string literal for our sessions, whose sql_mode never holds NO_BACKSLASH_ESCAPES (see
 * sessionSetup): backslashes and quotes doubled, so it reads back exactly.
 */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new Error('a string literal cannot contain a NUL character');
  return "'" + value.replaceAll('\\', '\\\\').replaceAll("'", "''") + "'";
}
