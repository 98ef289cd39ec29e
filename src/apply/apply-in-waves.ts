import pLimit from 'p-limit';
import { errorMessage, VerificationFailed } from '../errors.js';
import type { BatchRunner, DatabaseAdapter, ReadInTransaction, RunStepsOptions } from '../engines/types.js';
import type { TenantContext } from '../domain/tenant.js';
import { fingerprint } from '../model/fingerprint.js';
import type { SchemaModel } from '../model/types.js';
import type { PlanFile, PlanGroup, PlanTenant } from '../plan/plan-file.js';
import type { ApplyOptions } from './apply-options.js';
import { backoff, sleep } from './backoff.js';
import { DEFAULT_FAIL_FAST, FailFast } from './fail-fast.js';
import { consentRefusal, stepsForTenant } from './tenant-steps.js';
import type { TenantResult, TenantStatus } from './tenant-result.js';
import { verificationScope, withRereadPart } from './verification-scope.js';
import { afterCommitMessage, committedMismatchMessage, recordedNote, rolledBackMessage, verifyInTransaction } from './verify-tenant.js';

interface Entry {
  readonly group: PlanGroup;
  readonly planned: PlanTenant;
  readonly tenant: TenantContext;
  readonly started: number;
  /** When a tenant whose lock another apply holds gives up waiting. */
  deadline: number;
  lockWaits: number;
  /** Runs of its steps so far: a retry that had to take the lock again goes through a new wave. */
  attempts: number;
}

/**
 * The executor, for every engine: applies a plan a wave of tenants at a time through the engine's
 * batch runner. Take the wave's locks at once (PostgreSQL: one round trip), inspect the locked
 * tenants in one batched pass for the stale check, run each tenant's transaction (verified before
 * its COMMIT), verify after them the tenants with steps outside it, release the locks. The next
 * wave is locked and stale-checked while this one runs. Inspecting each tenant alone, twice,
 * costs far more than its DDL. The verification reads back only what the plan changed where it
 * can (see verificationScope): a full read again would cost as much as the stale check, for
 * tables the plan never touched.
 */
export async function applyInWaves(
  plan: PlanFile,
  adapter: DatabaseAdapter,
  tenants: ReadonlyMap<string, TenantContext>,
  options: ApplyOptions,
): Promise<TenantResult[]> {
  const results: TenantResult[] = [];
  const finish = (entry: { planned: PlanTenant; started: number }, status: TenantStatus, attempts: number, error?: string, warnings: string[] = [], schema?: SchemaModel, committed?: boolean) => {
    const result: TenantResult = {
      tenant: entry.planned.name,
      status,
      ...(error !== undefined ? { error } : {}),
      attempts,
      durationMs: Date.now() - entry.started,
      warnings,
      ...(schema !== undefined ? { schema } : {}),
      ...(committed ? { committed } : {}),
    };
    results.push(result);
    options.onResult?.(result);
  };

  let queue: Entry[] = [];
  const now = Date.now();
  for (const group of plan.groups) {
    const refused = consentRefusal(group, options.allowDestructive);
    for (const planned of group.tenants) {
      const tenant = tenants.get(planned.name);
      if (!tenant) finish({ planned, started: now }, 'failed', 0, 'tenant not found by discovery');
      else if (refused !== undefined) finish({ planned, started: now }, 'refused', 0, refused);
      else queue.push({ group, planned, tenant, started: now, deadline: now + options.lockWaitMs, lockWaits: 0, attempts: 0 });
    }
  }

  const waves = waveSizes(options, adapter.runner.maxWave);
  const failFast = new FailFast(options.failFast ?? DEFAULT_FAIL_FAST);
  const batch = await adapter.runner.openBatch();
  // An interrupt cancels the transactions in flight (each rolls back), so it takes effect in
  // seconds whatever the statements were waiting for (invariant 9).
  const cancel = () => void batch.cancelRunning().catch(() => {});
  options.signal?.addEventListener('abort', cancel, { once: true });
  const prepareNext = (): Promise<PreparedWave> => {
    const size = waves.next().value;
    const wave = queue.slice(0, size);
    queue = queue.slice(size);
    const prepared = prepareWave(wave, batch, finish);
    // Awaited later; a failure must not count as unhandled meanwhile.
    prepared.catch(() => {});
    return prepared;
  };
  let next: Promise<PreparedWave> | undefined;
  try {
    while (queue.length > 0 || next) {
      if (options.signal?.aborted) break;
      const wave = await (next ?? prepareNext());
      // The next wave's locks and stale check start now: its inspection, mostly this process's
      // work, overlaps this wave's DDL and verification, mostly the server's.
      next = queue.length > 0 && !options.signal?.aborted ? prepareNext() : undefined;
      await completeWave(wave, batch, adapter, options, failFast);
      // A retry whose lock went with its rolled-back transaction (SQLite) is locked and
      // stale-checked again, in a later wave.
      for (const entry of wave.again) entry.deadline = Date.now() + options.lockWaitMs;
      queue.push(...wave.again);
      if (wave.waiting.length > 0) {
        // Another apply holds these tenants: come back to them after the rest, then give up.
        const expired = wave.waiting.filter((e) => Date.now() >= e.deadline);
        for (const entry of expired) {
          finish(entry, 'failed', entry.lockWaits, `the tenant's lock stayed held (by another apply or writer) for over ${Math.round(options.lockWaitMs / 1000)}s`);
        }
        const retry = wave.waiting.filter((e) => Date.now() < e.deadline);
        if (retry.length > 0 && queue.length === 0 && !next) await sleep(Math.min(1000, 50 * 2 ** Math.min(retry[0]!.lockWaits, 5)));
        queue.push(...retry);
      }
    }
    if (options.signal?.aborted) {
      // After an interrupt (SIGTERM) nothing more starts: a wave already locked and checked is let go.
      if (next) {
        const wave = await next;
        next = undefined;
        for (const entry of [...wave.runnable.keys(), ...wave.waiting]) finish(entry, 'not-started', 0, 'apply was interrupted');
        await batch.unlockTenants(wave.mine.map((e) => e.tenant)).catch(() => {});
      }
      for (const entry of queue) finish(entry, 'not-started', 0, 'apply was interrupted');
    }
  } finally {
    options.signal?.removeEventListener('abort', cancel);
    if (next) await next.then((wave) => batch.unlockTenants(wave.mine.map((e) => e.tenant))).catch(() => {});
    await batch.close();
  }
  return results;
}

/**
 * The sizes of the run's waves. Each batched inspection costs its round trips and queries' fixed
 * work whatever the wave's size, so waves as large as an inspection chunk keep those few. But
 * nothing runs before the first wave is locked and checked: the first is small, enough for a
 * few rounds of the run's concurrency, and each next one twice the last, so its check (a few
 * milliseconds a tenant) is over before the wave before it has run (tens). An engine whose lock
 * blocks the tenant's own writers bounds them all (MigrationRunner.maxWave); a size given in the
 * options is used for every wave.
 */
function* waveSizes(options: ApplyOptions, maxWave = Infinity): Generator<number, never> {
  if (options.waveSize !== undefined) for (;;) yield Math.max(1, Math.min(options.waveSize, maxWave));
  const largest = Math.min(Math.max(500, options.concurrency * 16), maxWave);
  for (let size = Math.max(1, options.concurrency) * 8; ; size *= 2) yield Math.max(1, Math.min(size, largest));
}

type Finish = (entry: Entry, status: TenantStatus, attempts: number, error?: string, warnings?: string[], schema?: SchemaModel, committed?: boolean) => void;

/** A wave whose locks were tried and whose locked tenants were stale-checked. */
interface PreparedWave {
  /** Tenants whose lock another apply holds. */
  readonly waiting: Entry[];
  /** Tenants this run locked: unlocked by completeWave. */
  readonly mine: Entry[];
  /** Locked tenants still at the plan's `from`, each with the schema read for the stale check. */
  readonly runnable: Map<Entry, SchemaModel>;
  /** Tenants to retry that no longer hold their lock: completeWave fills it. */
  readonly again: Entry[];
  /** Reports a tenant's result once; completeWave fails the ones left when the wave fails. */
  readonly finish: Finish;
  readonly finished: ReadonlySet<Entry>;
}

/**
 * Takes a wave's locks in one round trip and stale-checks the locked tenants in one batched
 * inspection. Those already at the plan's `to` are in sync, those at neither fingerprint stale.
 */
async function prepareWave(wave: Entry[], batch: BatchRunner, report: Finish): Promise<PreparedWave> {
  const finished = new Set<Entry>();
  const finish: Finish = (entry, ...rest) => {
    finished.add(entry);
    report(entry, ...rest);
  };
  let locked: ReadonlySet<string>;
  try {
    const outcome = await batch.lockTenants(wave.map((e) => e.tenant));
    locked = outcome.taken;
    for (const entry of wave) {
      const why = outcome.failed.get(entry.tenant.name);
      if (why !== undefined) finish(entry, 'failed', entry.attempts + 1, why);
    }
  } catch (error) {
    // The lock connection failed: nothing of this wave was locked or touched.
    const message = errorMessage(error);
    for (const entry of wave) finish(entry, 'failed', entry.attempts, `could not take the tenant's lock: ${message}`);
    return { waiting: [], mine: [], runnable: new Map(), again: [], finish, finished };
  }
  const waiting = wave.filter((e) => !locked.has(e.tenant.name) && !finished.has(e));
  for (const entry of waiting) entry.lockWaits++;
  const mine = wave.filter((e) => locked.has(e.tenant.name));
  const runnable = new Map<Entry, SchemaModel>();
  const prepared = { waiting, mine, runnable, again: [], finish, finished };
  if (mine.length === 0) return prepared;
  try {
    const before = await batch.inspectTenants(mine.map((e) => e.tenant));
    for (const entry of mine) {
      const outcome = before.get(entry.tenant.name);
      if (!outcome?.ok) finish(entry, 'failed', entry.attempts + 1, outcome ? outcome.error : 'not inspected');
      else {
        const now = fingerprint(outcome.schema);
        if (now === entry.planned.to) finish(entry, 'in-sync', entry.attempts + 1, undefined, [], outcome.schema);
        else if (now !== entry.planned.from) finish(entry, 'stale', entry.attempts + 1, 'schema changed since the plan was made; plan again');
        else runnable.set(entry, outcome.schema);
      }
    }
  } catch (error) {
    // The inspection failed: no tenant of the wave was touched.
    runnable.clear();
    const message = errorMessage(error);
    for (const entry of mine) if (!finished.has(entry)) finish(entry, 'failed', entry.attempts + 1, message);
  }
  return prepared;
}

/**
 * Runs each runnable tenant's steps and verifies them, and releases the wave's locks. A group whose
 * steps all run in the tenant's transaction is verified inside it, before COMMIT, so a mismatch
 * rolls back. A group with steps after the transaction (concurrent index builds) is verified in
 * one batched read once they ran; a tenant that fails then, or whose later step failed, was
 * changed all the same, so it is read back and its real state recorded (TenantResult.committed).
 */
async function completeWave(wave: PreparedWave, batch: BatchRunner, adapter: DatabaseAdapter, options: ApplyOptions, failFast: FailFast): Promise<void> {
  const { finish } = wave;
  const runnable = [...wave.runnable.keys()];
  try {
    const limit = pLimit(Math.max(1, options.concurrency));
    // After an interrupt (SIGTERM) the transactions in flight finish and no other starts.
    const notStarted = (entry: Entry, error: string): Promise<TenantRun> =>
      Promise.resolve({ entry, ok: false, committed: false, notStarted: true, attempts: 0, error });
    const ran = await Promise.all(
      runnable.map((entry) =>
        limit((): Promise<TenantRun> => {
          // After an interrupt the transactions in flight are cancelled and no other starts.
          if (options.signal?.aborted) return notStarted(entry, 'apply was interrupted');
          if (!batch.holdsLock(entry.tenant)) return notStarted(entry, "the connection holding the tenant's lock was lost");
          const halted = failFast.halted(entry.group);
          if (halted) return notStarted(entry, halted);
          return (
            runTenant(entry, wave.runnable.get(entry)!, batch, adapter, options)
              // A throw here (an onRetry callback's) must not end the wave while others still run.
              .catch((error: unknown): TenantRun => ({ entry, ok: false, committed: false, attempts: 1, error: errorMessage(error) }))
              .then((run) => {
                // A retry under a new lock has not failed yet.
                if (!run.relock) failFast.record(entry.group, run.ok, run.error);
                return run;
              })
          );
        }),
      ),
    );

    const invalid = runnable.some((e) => e.group.steps.some((s) => !s.transactional))
      ? await batch.invalidIndexes(runnable.map((e) => e.tenant))
      : new Map<string, string[]>();
    const invalidWarning = (entry: Entry) => {
      const names = invalid.get(entry.tenant.name) ?? [];
      return names.length > 0 ? [`index left INVALID by a failed concurrent build: ${names.join(', ')}; the next plan rebuilds it`] : [];
    };
    for (const r of ran) {
      if (r.relock) wave.again.push(r.entry);
      else if (r.ok && r.verified) finish(r.entry, 'applied', r.attempts, undefined, invalidWarning(r.entry), r.verified);
      else if (r.notStarted) finish(r.entry, 'not-started', r.attempts, r.error);
      else if (!r.ok && !r.committed) finish(r.entry, 'failed', r.attempts, r.error, invalidWarning(r.entry));
    }

    // Read back, a group at a time: tenants verified only after their separate steps, and
    // tenants whose change was committed before a later step failed.
    const toRead = ran.filter((r) => (r.ok && !r.verified) || (!r.ok && r.committed));
    for (const [group, runs] of byGroup(toRead)) {
      const scope = verificationScope(group);
      const after = await batch.inspectTenants(runs.map((r) => r.entry.tenant), scope);
      for (const r of runs) {
        const { entry, attempts } = r;
        const outcome = after.get(entry.tenant.name);
        const committedNote = 'its change was committed';
        if (!outcome?.ok) {
          const cause = `could not read the tenant back: ${outcome ? outcome.error : 'not inspected'}`;
          finish(entry, 'failed', attempts, r.ok ? `verification ${cause}; ${committedNote}` : `${r.error}; ${committedNote}, and ${cause}`, invalidWarning(entry));
          continue;
        }
        const schema = scope ? withRereadPart(wave.runnable.get(entry)!, outcome.schema, scope) : outcome.schema;
        if (!r.ok) {
          finish(entry, 'failed', attempts, `${r.error}${recordedNote}`, invalidWarning(entry), schema, true);
        } else if (fingerprint(schema) !== entry.planned.to) {
          finish(entry, 'failed', attempts, committedMismatchMessage, invalidWarning(entry), schema, true);
        } else finish(entry, 'applied', attempts, undefined, invalidWarning(entry), schema);
      }
    }
  } catch (error) {
    // A wave-level failure (the lock connection or an inspection failed): every tenant of the wave
    // not yet reported fails with the cause; each one's transaction ran whole or not at all.
    const message = errorMessage(error);
    for (const entry of wave.mine) if (!wave.finished.has(entry)) finish(entry, 'failed', 1, message);
  } finally {
    await batch.unlockTenants(wave.mine.map((e) => e.tenant)).catch(() => {});
  }
}

interface TenantRun {
  readonly entry: Entry;
  readonly ok: boolean;
  /** The tenant was changed: its transaction committed, or a step outside it ran. */
  readonly committed: boolean;
  readonly attempts: number;
  readonly error?: string;
  /** The schema verified inside the transaction before its COMMIT. */
  readonly verified?: SchemaModel;
  /** Never started: interrupted, its lock lost, or its change set halted (see FailFast). */
  readonly notStarted?: boolean;
  /** To be retried under a new lock and stale check: its transaction rolled back and took the lock with it. */
  readonly relock?: boolean;
}

/** Runs by plan group, in the order the groups first appear: each group has its own scope. */
function byGroup(runs: readonly TenantRun[]): Map<PlanGroup, TenantRun[]> {
  const groups = new Map<PlanGroup, TenantRun[]>();
  for (const run of runs) {
    const list = groups.get(run.entry.group);
    if (list) list.push(run);
    else groups.set(run.entry.group, [run]);
  }
  return groups;
}

async function runTenant(entry: Entry, before: SchemaModel, batch: BatchRunner, adapter: DatabaseAdapter, options: ApplyOptions): Promise<TenantRun> {
  const steps = stepsForTenant(entry.group, adapter.tenantQualifier(entry.tenant));
  const transactional = steps.filter((s) => s.transactional);
  const separate = steps.filter((s) => !s.transactional);
  let verified: SchemaModel | undefined;
  const runOptions: RunStepsOptions = {
    lockTimeoutMs: options.lockTimeoutMs,
    statementTimeoutMs: options.statementTimeoutMs,
    // Without steps after the transaction, the tenant's final schema is there before COMMIT.
    ...(separate.length === 0 && { verify: (read: ReadInTransaction) => verifyInTransaction(entry, before, read).then((v) => ((verified = v.schema), v.problem)) }),
  };
  let attempt = entry.attempts;
  if (transactional.length > 0) {
    for (;;) {
      attempt++;
      try {
        await batch.runSteps(entry.tenant, transactional, runOptions);
        break;
      } catch (error) {
        const message = errorMessage(error);
        if (error instanceof VerificationFailed) return { entry, ok: false, committed: false, attempts: attempt, error: rolledBackMessage(message) };
        if (options.signal?.aborted) {
          return { entry, ok: false, committed: false, notStarted: true, attempts: attempt, error: 'apply was interrupted: its transaction was cancelled and rolled back, and the tenant is unchanged' };
        }
        if (adapter.isTransientError(error) && attempt <= options.retries && !options.signal?.aborted) {
          options.onRetry?.(entry.tenant.name, attempt, message);
          await sleep(backoff(attempt, options.retryDelayMs ?? 250));
          // Retrying without the lock would skip the stale check made under it.
          if (!batch.holdsLock(entry.tenant)) {
            entry.attempts = attempt;
            return { entry, ok: false, committed: false, attempts: attempt, relock: true };
          }
          continue;
        }
        return { entry, ok: false, committed: false, attempts: attempt, error: message };
      }
    }
  }
  // Once the transaction has committed, a retry would run it twice: separate steps are not retried.
  for (const step of separate) {
    try {
      await batch.runSteps(entry.tenant, [step], runOptions);
    } catch (error) {
      // The transaction committed before, or an earlier step ran, or this one left an INVALID index.
      return { entry, ok: false, committed: true, attempts: Math.max(1, attempt), error: afterCommitMessage(step, error) };
    }
  }
  return { entry, ok: true, committed: true, attempts: Math.max(1, attempt), ...(verified && { verified }) };
}

