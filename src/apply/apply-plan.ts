import pLimit from 'p-limit';
import { errorMessage, VerificationFailed } from '../errors.js';
import type { DatabaseAdapter, ReadInTransaction, TenantContext, TenantSession } from '../engines/types.js';
import { fingerprint } from '../model/fingerprint.js';
import type { SchemaModel } from '../model/types.js';
import type { PlanFile, PlanGroup, PlanTenant } from '../plan/plan-file.js';
import { sqlForTenant } from '../plan/plan-file.js';
import type { PlanStep } from '../plan/step.js';
import { applyInWaves } from './apply-in-waves.js';
import { afterCommitMessage, committedMismatchMessage, recordedNote, rolledBackMessage, verifyInTransaction } from './verify-tenant.js';
import { checkPlanGroups, stepsNeedingConsent } from '../plan/check-plan.js';
import { DEFAULT_FAIL_FAST, FailFast } from './fail-fast.js';

export type TenantStatus = 'applied' | 'in-sync' | 'stale' | 'failed' | 'refused' | 'not-started';

export interface TenantResult {
  readonly tenant: string;
  readonly status: TenantStatus;
  readonly error?: string;
  readonly attempts: number;
  readonly durationMs: number;
  readonly warnings: readonly string[];
  /**
   * The schema apply read to verify an applied tenant (or to find an in-sync one so): what the
   * tenant's snapshot records, with no further inspection. Also on a failed tenant that was
   * changed all the same (committed), as it now is.
   */
  readonly schema?: SchemaModel;
  /**
   * A failed tenant whose change was committed anyway (a step outside its transaction failed, or
   * the verification after it did): its snapshot records its real state, so the next audit
   * sees schema-sync's own work as pending, not as drift.
   */
  readonly committed?: boolean;
}

export interface ApplyOptions {
  readonly concurrency: number;
  readonly retries: number;
  readonly lockTimeoutMs: number;
  readonly statementTimeoutMs: number;
  readonly allowDestructive: boolean;
  /** How long to wait for another apply that holds a tenant's lock. */
  readonly lockWaitMs: number;
  /** Base delay of the exponential backoff between retries. */
  readonly retryDelayMs?: number;
  readonly onResult?: (result: TenantResult) => void;
  readonly onRetry?: (tenant: string, attempt: number, error: string) => void;
  /** Aborting lets tenants in flight finish and starts no new one. */
  readonly signal?: AbortSignal;
  /** Tenants per wave where the engine applies in waves; the default suits large fleets. */
  readonly waveSize?: number;
  /** A change set whose first this many tenants all fail is halted: the rest are not started. 0: never. */
  readonly failFast?: number;
}

/**
 * Applies exactly the reviewed plan: each tenant under its advisory lock, only if its schema is
 * still the one the plan was computed from, in one transaction, verified afterwards. One
 * tenant's failure never stops or touches another.
 */
export async function applyPlan(
  plan: PlanFile,
  adapter: DatabaseAdapter,
  tenants: ReadonlyMap<string, TenantContext>,
  options: ApplyOptions,
): Promise<TenantResult[]> {
  // Before any tenant is touched: the plan's SQL must be what the planner renders (invariant 5).
  await checkPlanGroups({
    plan,
    render: adapter.render,
    ...(adapter.checkPlannedStatements && { checkStatements: adapter.checkPlannedStatements.bind(adapter) }),
  });
  const results = adapter.runner.openBatch
    ? await applyInWaves(plan, adapter, tenants, options)
    : await applyPerSession(plan, adapter, tenants, options);
  return results.sort((a, b) => (a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : 0));
}

/** One session per tenant: lock, inspect, run, inspect, unlock (engines without bulk locks). */
async function applyPerSession(
  plan: PlanFile,
  adapter: DatabaseAdapter,
  tenants: ReadonlyMap<string, TenantContext>,
  options: ApplyOptions,
): Promise<TenantResult[]> {
  const limit = pLimit(Math.max(1, options.concurrency));
  const failFast = new FailFast(options.failFast ?? DEFAULT_FAIL_FAST);
  const work: Promise<TenantResult>[] = [];
  for (const group of plan.groups) {
    for (const entry of group.tenants) {
      const context = tenants.get(entry.name);
      work.push(
        limit(async () => {
          const started = Date.now();
          const notStarted = (error: string): TenantResult => ({ tenant: entry.name, status: 'not-started', error, attempts: 0, durationMs: 0, warnings: [] });
          const halted = failFast.halted(group);
          let result: TenantResult;
          if (options.signal?.aborted) result = notStarted('apply was interrupted');
          else if (halted) result = notStarted(halted);
          else if (!context) {
            result = { tenant: entry.name, status: 'failed', error: 'tenant not found by discovery', attempts: 0, durationMs: 0, warnings: [] };
          } else {
            result = await applyTenant(group, entry, context, adapter, options, started);
            if (result.status === 'applied' || result.status === 'failed') failFast.record(group, result.status === 'applied', result.error);
          }
          options.onResult?.(result);
          return result;
        }),
      );
    }
  }
  return Promise.all(work);
}

export function refusalMessage(refused: readonly PlanStep[]): string {
  return `destructive change needs consent: ${refused.map((s) => s.summary).join('; ')} (pass --allow-destructive, or set consent: true on the step in the plan)`;
}

/** The group's steps with the placeholder replaced by this tenant's quoted name. */
export function stepsForTenant(group: PlanGroup, qualifier: string): PlanStep[] {
  return group.steps.map((step) => ({ ...step, sql: sqlForTenant(group, step, qualifier) }));
}

async function applyTenant(
  group: PlanGroup,
  entry: PlanTenant,
  tenant: TenantContext,
  adapter: DatabaseAdapter,
  options: ApplyOptions,
  started: number,
): Promise<TenantResult> {
  const warnings: string[] = [];
  const done = (status: TenantStatus, attempts: number, error?: string, schema?: SchemaModel, committed?: boolean): TenantResult => ({
    tenant: tenant.name,
    status,
    ...(error !== undefined ? { error } : {}),
    attempts,
    durationMs: Date.now() - started,
    warnings,
    ...(schema !== undefined ? { schema } : {}),
    ...(committed ? { committed } : {}),
  });

  const refused = stepsNeedingConsent(group, options.allowDestructive);
  if (refused.length > 0) {
    return done('refused', 0, refusalMessage(refused));
  }

  const steps = stepsForTenant(group, adapter.tenantQualifier(tenant));
  const runOptions = { lockTimeoutMs: options.lockTimeoutMs, statementTimeoutMs: options.statementTimeoutMs };

  let attempt = 0;
  for (;;) {
    attempt++;
    let session: TenantSession | undefined;
    let committed = false;
    try {
      session = await adapter.runner.openSession(tenant);
      if (!(await waitForLock(session, options.lockWaitMs))) {
        return done('failed', attempt, `the tenant's lock stayed held (by another apply or writer) for over ${Math.round(options.lockWaitMs / 1000)}s`);
      }
      const before = await session.inspect();
      const now = fingerprint(before);
      if (now === entry.to) return done('in-sync', attempt, undefined, before);
      if (now !== entry.from) return done('stale', attempt, 'schema changed since the plan was made; plan again');

      const transactional = steps.filter((s) => s.transactional);
      const separate = steps.filter((s) => !s.transactional);
      let verified: SchemaModel | undefined;
      // Without steps after the transaction, the tenant's final schema is there before COMMIT.
      const verify = (read: ReadInTransaction) => verifyInTransaction({ group, planned: entry }, before, read).then((v) => ((verified = v.schema), v.problem));
      if (transactional.length > 0) await session.runSteps(transactional, separate.length === 0 ? { ...runOptions, verify } : runOptions);
      if (verified) return done('applied', attempt, undefined, verified);
      committed = true;
      for (const step of separate) {
        try {
          await session.runSteps([step], runOptions);
        } catch (error) {
          const invalid = await session.invalidIndexes().catch(() => []);
          if (invalid.length > 0) warnings.push(`index left INVALID by the failed build: ${invalid.join(', ')}; the next plan rebuilds it`);
          const real = await session.inspect().catch(() => undefined);
          return done('failed', attempt, `${afterCommitMessage(step, error)}${real ? recordedNote : ''}`, real, real !== undefined);
        }
      }

      const after = await session.inspect();
      const invalid = await session.invalidIndexes();
      if (invalid.length > 0) warnings.push(`INVALID indexes: ${invalid.join(', ')}; the next plan rebuilds them`);
      if (fingerprint(after) !== entry.to) {
        return done('failed', attempt, committedMismatchMessage, after, true);
      }
      return done('applied', attempt, undefined, after);
    } catch (error) {
      const message = errorMessage(error);
      if (error instanceof VerificationFailed) return done('failed', attempt, rolledBackMessage(message));
      // Once the transaction has committed, a retry would find the schema changed and call it stale.
      if (!committed && adapter.isTransientError(error) && attempt <= options.retries && !options.signal?.aborted) {
        options.onRetry?.(tenant.name, attempt, message);
        await sleep(backoff(attempt, options.retryDelayMs ?? 250));
        continue;
      }
      return done('failed', attempt, message);
    } finally {
      if (session) {
        await session.releaseLock().catch(() => {});
        await session.close();
      }
    }
  }
}

async function waitForLock(session: TenantSession, waitMs: number): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  let delay = 50;
  for (;;) {
    if (await session.acquireLock()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(delay, Math.max(0, deadline - Date.now())));
    delay = Math.min(delay * 2, 1000);
  }
}

export function backoff(attempt: number, baseMs: number): number {
  const exp = baseMs * 2 ** (attempt - 1);
  return exp + Math.floor(Math.random() * baseMs);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
