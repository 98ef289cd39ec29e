import type { BatchRunner, InspectOutcome, LockOutcome } from '../types.js';
import type { TenantContext } from '../../domain/tenant.js';
import { describeError, inspectFiles } from './internal/inspect.js';
import { isBusyError } from './internal/lock.js';
import { openSqliteSession, type SqliteSession } from './internal/session.js';


/** Files read between two yields to the event loop: better-sqlite3 is synchronous. */
const YIELD_EVERY = 8;

/**
 * The apply runner for SQLite tenant files. Locking a tenant opens its file for writing and
 * begins its write transaction (BEGIN IMMEDIATE, without waiting); the stale check reads the
 * file inside that transaction, and the steps, their verification and the COMMIT run in it
 * too, so nothing can change the file in between. COMMIT ends the lock; unlocking closes the file.
 */
export function openBatch(busyTimeoutMs: number): BatchRunner {
  const sessions = new Map<string, { readonly file: string; readonly session: SqliteSession }>();
  const yieldEvery = async (count: number) => {
    if (count > 0 && count % YIELD_EVERY === 0) await new Promise<void>((resolve) => setImmediate(resolve));
  };
  const closeSession = async (name: string) => {
    const held = sessions.get(name);
    if (!held) return;
    sessions.delete(name);
    await held.session.close();
  };
  return {
    async lockTenants(tenants: readonly TenantContext[]): Promise<LockOutcome> {
      const taken = new Set<string>();
      const failed = new Map<string, string>();
      let count = 0;
      for (const tenant of tenants) {
        await yieldEvery(count++);
        const file = tenant.location;
        if (file === undefined) {
          failed.set(tenant.name, `tenant ${tenant.name} has no SQLite file (discovery gives each tenant its location)`);
          continue;
        }
        // A tenant comes back only after its wave unlocked it; a session left over is let go.
        await closeSession(tenant.name);
        let session: SqliteSession | undefined;
        try {
          session = await openSqliteSession(file, busyTimeoutMs);
          if (await session.acquireLock()) {
            sessions.set(tenant.name, { file, session });
            taken.add(tenant.name);
            continue;
          }
        } catch (error) {
          // Busy is another writer, tried again later; anything else is this file's problem.
          if (!isBusyError(error)) failed.set(tenant.name, `cannot open ${file} for writing: ${describeError(error, file)}`);
        }
        await session?.close();
      }
      return { taken, failed };
    },
    holdsLock: (tenant) => sessions.get(tenant.name)?.session.holdsLock() === true,
    async unlockTenants(tenants) {
      for (const tenant of tenants) await closeSession(tenant.name);
    },
    async inspectTenants(tenants) {
      const out = new Map<string, InspectOutcome>();
      const unheld: TenantContext[] = [];
      let count = 0;
      for (const tenant of tenants) {
        const held = sessions.get(tenant.name);
        if (!held) unheld.push(tenant);
        else {
          await yieldEvery(count++);
          try {
            out.set(tenant.name, { ok: true, schema: await held.session.inspect() });
          } catch (error) {
            out.set(tenant.name, { ok: false, error: `cannot inspect ${held.file}: ${describeError(error, held.file)}` });
          }
        }
      }
      // A tenant with no file open here is read like any other.
      for (const [name, outcome] of await inspectFiles(unheld)) out.set(name, outcome);
      return out;
    },
    async runSteps(tenant, steps, options) {
      const held = sessions.get(tenant.name);
      // Taking the lock again here would skip the stale check made under it.
      if (!held?.session.holdsLock()) throw new Error(`refusing to migrate ${tenant.location ?? tenant.name}: apply does not hold its write lock`);
      await held.session.runSteps(steps, options);
    },
    invalidIndexes: async () => new Map(),
    // A tenant's statements, its verification and its COMMIT run without yielding to the event
    // loop (better-sqlite3 is synchronous), so an interrupt never finds one half-way to cancel.
    async cancelRunning() {},
    async close() {
      for (const name of [...sessions.keys()]) await closeSession(name);
    },
  };
}
