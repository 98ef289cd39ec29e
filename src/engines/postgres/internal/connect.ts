import pg from 'pg';
import { redactUrl } from '../../../util/redact-url.js';

/** Shows up in pg_stat_activity, so an operator can tell our sessions from the application's. */
export const APPLICATION_NAME = 'schema-sync';

/** How long any statement of ours may wait for a lock, and run. */
export interface Timeouts {
  readonly lockTimeoutMs: number;
  readonly statementTimeoutMs: number;
}

/**
 * Every wait is bounded (invariant 9): each connection starts with lock_timeout and
 * statement_timeout as its defaults, so a statement that sets none of its own (discovery, the
 * history table, a lock query) cannot wait forever either. Apply's transactions and catalog reads
 * still set their own.
 */
function startupOptions(timeouts: Timeouts | undefined): { options?: string } {
  if (!timeouts) return {};
  const ms = (value: number) => Math.max(0, Math.floor(value));
  return { options: `-c lock_timeout=${ms(timeouts.lockTimeoutMs)} -c statement_timeout=${ms(timeouts.statementTimeoutMs)}` };
}

/** A pool for work across many tenants; each checked-out client serves one tenant at a time. */
export function createPool(url: string, max = 10, timeouts?: Timeouts): pg.Pool {
  return new pg.Pool({ connectionString: url, max, application_name: APPLICATION_NAME, ...startupOptions(timeouts) });
}

/**
 * A pooled connection for one piece of work. The pool listens for errors only while a client is
 * idle: a checked-out client whose backend is terminated would emit an 'error' nobody handles,
 * and Node would end the whole process. The error reaches the work as its query's rejection;
 * such a client is then discarded, never handed to the next tenant.
 */
export async function withPoolClient<T>(pool: pg.Pool, url: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    // pg says only "ECONNREFUSED 127.0.0.1:5999" or "database x does not exist": say where.
    throw connectError(url, error);
  }
  const ignore = () => {};
  client.on('error', ignore);
  let broken = false;
  try {
    return await fn(client);
  } catch (error) {
    broken = true;
    throw error;
  } finally {
    client.removeListener('error', ignore);
    client.release(broken);
  }
}

/** One dedicated connection, e.g. for a session that holds a tenant's advisory lock. */
export async function connectClient(url: string, timeouts?: Timeouts): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: APPLICATION_NAME, ...startupOptions(timeouts) });
  try {
    await client.connect();
  } catch (error) {
    throw connectError(url, error);
  }
  return client;
}

/**
 * A failed connection as a user reads it: where to (password masked), and why in a sentence
 * where pg's words are its internals. Keeps the driver's code, so retries still see what it was.
 */
export function connectError(url: string, error: unknown): Error {
  const code = (error as { code?: unknown } | null)?.code;
  return Object.assign(new Error(`cannot connect to ${redactUrl(url)}: ${connectFailure(error)}`, { cause: error }), typeof code === 'string' ? { code } : {});
}

/** pg's own message, or a sentence for the messages that only make sense inside pg. */
export function connectFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // SCRAM (and, in other pg versions, MD5 or cleartext) asked for a password the URL did not give.
  if (/client password must be a (non-empty )?string|password must be a string/i.test(message)) {
    return (
      'the server asked for a password and the database url has none: ' +
      "put it in the url (postgres://user:PASSWORD@host/db, with '#', '/', '?' and '@' in it percent-encoded) or set PGPASSWORD"
    );
  }
  return message;
}

/**
 * Always quotes, so reserved words (`select`), upper case and hostile names keep their exact
 * spelling (invariant 4). PostgreSQL rejects empty identifiers and NUL characters, so we do too.
 */
export function quoteIdent(name: string): string {
  if (name.length === 0) throw new Error('an identifier cannot be empty');
  if (name.includes('\0')) throw new Error('an identifier cannot contain a NUL character');
  return '"' + name.replaceAll('"', '""') + '"';
}

/**
 * Quotes like PostgreSQL's quote_literal(): a string with backslashes becomes E'...' with the
 * backslashes doubled, so it reads the same whatever standard_conforming_strings is set to.
 */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new Error('a string literal cannot contain a NUL character');
  const quoted = value.replaceAll("'", "''");
  return value.includes('\\') ? "E'" + quoted.replaceAll('\\', '\\\\') + "'" : "'" + quoted + "'";
}
