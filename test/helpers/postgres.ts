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
