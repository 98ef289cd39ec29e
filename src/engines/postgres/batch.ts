import type pg from 'pg';
import type { BatchRunner, InspectScope } from '../types.js';
import { connectClient, withPoolClient } from './internal/connect.js';
import { inspectOutcomes, readIsolating } from './internal/inspect.js';
import { type ReadSettings } from '../../domain/settings.js';
import { releaseAdvisoryLocks, tryAdvisoryLocks } from './internal/lock.js';
import { INVALID_INDEXES_OF_SCHEMAS } from './internal/queries.js';
import { runSteps } from './internal/session.js';

/**
 * The apply runner for waves of tenants. Every advisory lock of the run lives on one dedicated
 * connection, so a killed process releases them all at once; each tenant's SQL runs on a
 * pooled connection. The stale checks and verifications run on pooled connections kept for the
 * whole run.
 */
export async function openBatch(url: string, pool: pg.Pool, limits: ReadSettings): Promise<BatchRunner> {
  const locks = await connectClient(url, limits);
  let lost = false;
  locks.on('error', () => {
    lost = true;
  });
  locks.on('end', () => {
    lost = true;
  });
  // Deparsing a CHECK, an index predicate or an expression index opens its table, and a backend
  // that has not opened it before builds its relation cache entry from the catalogs: on a backend
  // new to the tenants, that more than doubled a batched inspection. So inspections run on
  // connections kept for the whole run, where a pooled connection that ran other tenants' DDL
  // would build them all again; the pool hands out the connection used last, which is the one a
  // plan made just before in the same process inspected with. The executor may inspect the next
  // wave while it verifies this one: two inspections at once take two kept connections.
  const kept: pg.PoolClient[] = [];
  let closed = false;
  // Held between waves, so a connection lost while idle must not crash the process.
  const ignoreError = () => {};
  const drop = (client: pg.PoolClient, broken: boolean) => {
    client.removeListener('error', ignoreError);
    client.release(broken);
  };
  const inspect = async (schemas: string[], scope?: InspectScope) => {
    let client = kept.pop();
    if (!client) {
      client = await pool.connect();
      client.on('error', ignoreError);
    }
    try {
      const models = await readIsolating(client, schemas, scope, limits);
      // An inspection that outlived the run (a wave abandoned after a failure) gives its
      // connection back to the pool.
      if (closed) drop(client, false);
      else kept.push(client);
      return models;
    } catch (error) {
      // A connection that failed mid-query may be unusable: the next inspection takes another.
      drop(client, true);
      throw error;
    }
  };
  // Locking the next wave may overlap unlocking this one; one query at a time on the connection.
  let lockQueue: Promise<unknown> = Promise.resolve();
  const onLockConnection = <T>(run: () => Promise<T>): Promise<T> => {
    const next = lockQueue.then(run, run);
    lockQueue = next.catch(() => {});
    return next;
  };
  const held = new Set<string>();
  // Connections running a tenant's steps, so an interrupt can cancel them.
  const running = new Set<pg.PoolClient>();
  const withPooled = <T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> => withPoolClient(pool, url, fn);
  return {
    async lockTenants(tenants) {
      const taken = await onLockConnection(() => tryAdvisoryLocks(locks, tenants.map((t) => t.name)));
      for (const name of taken) held.add(name);
      return { taken, failed: new Map() };
    },
    holdsLock: (tenant) => !lost && held.has(tenant.name),
    async unlockTenants(tenants) {
      const names = tenants.map((t) => t.name).filter((n) => held.has(n));
      if (names.length === 0) return;
      await onLockConnection(() => releaseAdvisoryLocks(locks, names));
      for (const name of names) held.delete(name);
    },
    inspectTenants: (tenants, scope) => inspectOutcomes(tenants, inspect, scope),
    runSteps: (tenant, steps, options) =>
      withPooled(async (client) => {
        running.add(client);
        try {
          return await runSteps(client, tenant.name, steps, options, limits.grants === true);
        } finally {
          running.delete(client);
        }
      }),
    async cancelRunning() {
      const pids = [...running].map((c) => (c as unknown as { processID?: number }).processID).filter((pid): pid is number => typeof pid === 'number');
      if (pids.length === 0) return;
      // The pooled connections are busy with the statements to cancel: ask on a connection of its own.
      const canceller = await connectClient(url, limits);
      try {
        await canceller.query('SELECT pg_cancel_backend(pid) FROM unnest($1::int[]) AS pid', [pids]);
      } finally {
        await canceller.end().catch(() => {});
      }
    },
    async invalidIndexes(tenants) {
      const { rows } = await withPooled((c) => c.query<{ schema: string; name: string }>(INVALID_INDEXES_OF_SCHEMAS, [tenants.map((t) => t.name)]));
      const byTenant = new Map<string, string[]>();
      for (const row of rows) byTenant.set(row.schema, [...(byTenant.get(row.schema) ?? []), row.name]);
      return byTenant;
    },
    async close() {
      if (held.size > 0) await onLockConnection(() => releaseAdvisoryLocks(locks, [...held])).catch(() => {});
      held.clear();
      await locks.end().catch(() => {});
      closed = true;
      for (const client of kept.splice(0)) drop(client, false);
    },
  };
}
