import type pg from 'pg';

// Session-level advisory locks keyed by tenant. The key is a 64-bit hash computed by the server
// (hashtextextended, PostgreSQL 11+), namespaced so it cannot collide with an application's own
// advisory locks on small integers. Held on apply's dedicated lock connection, so the server
// releases them if the process dies.

/** Tries many tenants' locks in one round trip; returns the tenants whose lock was taken. */
export async function tryAdvisoryLocks(client: pg.ClientBase, tenants: readonly string[]): Promise<Set<string>> {
  const result = await client.query<{ tenant: string; locked: boolean }>(
    `SELECT t AS tenant, pg_try_advisory_lock(hashtextextended('schema-sync:' || t, 0)) AS locked FROM unnest($1::text[]) AS t`,
    [tenants],
  );
  return new Set(result.rows.filter((r) => r.locked).map((r) => r.tenant));
}

export async function releaseAdvisoryLocks(client: pg.ClientBase, tenants: readonly string[]): Promise<void> {
  await client.query(`SELECT pg_advisory_unlock(hashtextextended('schema-sync:' || t, 0)) FROM unnest($1::text[]) AS t`, [tenants]);
}
