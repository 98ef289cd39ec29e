import pg from 'pg';

/** Shows up in pg_stat_activity, so an operator can tell our sessions from the application's. */
export const APPLICATION_NAME = 'schema-sync';

/** A pool for work across many tenants; each checked-out client serves one tenant at a time. */
export function createPool(url: string, max = 10): pg.Pool {
  return new pg.Pool({ connectionString: url, max, application_name: APPLICATION_NAME });
}

/** One dedicated connection, e.g. for a session that holds a tenant's advisory lock. */
export async function connectClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: APPLICATION_NAME });
  await client.connect();
  return client;
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
