import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const pgUrl = process.env['SCHEMA_SYNC_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A URL for another database on the same server. */
export function urlFor(database: string): string {
  const url = new URL(pgUrl);
  url.pathname = '/' + database;
  return url.toString();
}

/** Creates a database with a unique name for one test file; `drop` removes it even with open sessions. */
export async function createTestDatabase(prefix: string): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const name = `ss_${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: urlFor(name),
    drop: async () => {
      const client = new pg.Client({ connectionString: pgUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export function qi(name: string): string {
  return '"' + name.replaceAll('"', '""') + '"';
}

/**
 * Waits until the server has ended every backend of a schema-sync process in this database. A
 * killed client's backend lives on until it next reads from its socket (after a pg_sleep, say),
 * holding its transaction's locks, so tests that kill an apply wait for this before looking.
 */
export async function waitForSchemaSyncBackendsToEnd(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  await withClient(url, async (client) => {
    for (;;) {
      const result = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'schema-sync'`,
      );
      if (result.rows[0]!.n === 0) return;
      if (Date.now() > deadline) throw new Error(`schema-sync backends still running after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
}
