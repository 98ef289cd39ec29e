import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const serverUrl = process.env['SCHEMA_SYNC_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Shows in pg_stat_activity, so the bench's own sessions are told from the library's. */
const applicationName = 'schema-sync-bench';

export interface BenchDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

/** The server URL with another database in its path; user, password and options stay. */
export function urlFor(database: string): string {
  const url = new URL(serverUrl);
  url.pathname = '/' + encodeURIComponent(database);
  return url.toString();
}

/** The URL without its password, for anything printed. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparsable url>';
  }
}

export async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: applicationName });
  // A session killed by DROP DATABASE ... WITH (FORCE) during cleanup must not crash the process.
  client.on('error', () => {});
  await client.connect();
  return client;
}

export async function createBenchDatabase(): Promise<BenchDatabase> {
  const name = `ss_bench_${randomBytes(4).toString('hex')}`;
  const admin = await connect(serverUrl);
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: urlFor(name),
    async drop() {
      const client = await connect(serverUrl);
      try {
        // FORCE ends sessions a failed or interrupted run left behind (PG13+).
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * A database of the given name, made if it does not exist yet, that drop() leaves in place: the
 * fleet built in it is reused by later runs (--database).
 */
export async function openKeptDatabase(name: string): Promise<BenchDatabase & { readonly created: boolean }> {
  const admin = await connect(serverUrl);
  let created = false;
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) {
      await admin.query(`CREATE DATABASE "${name}"`);
      created = true;
    }
  } finally {
    await admin.end();
  }
  return { name, url: urlFor(name), created, drop: async () => {} };
}

/** A few connections to run setup SQL on in parallel. */
export async function connectMany(url: string, count: number): Promise<pg.Client[]> {
  return Promise.all(Array.from({ length: count }, () => connect(url)));
}

export async function endAll(clients: readonly pg.Client[]): Promise<void> {
  await Promise.all(clients.map((c) => c.end().catch(() => {})));
}
