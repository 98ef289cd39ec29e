import type { Change } from '../diff/changes.js';
import type { Hazard } from './hazards.js';

/**
 * Where a step runs, relative to the tenant's main transaction:
 * - `main-transaction`: with every other such step, in the one transaction that commits or rolls
 *   back whole;
 * - `own-transaction`: after the main transaction has committed, in a transaction of its own with
 *   its own timeouts (validating a constraint, so the scan does not hold the main transaction's
 *   locks);
 * - `no-transaction`: after the main transaction, outside any transaction block, one statement at
 *   a time (CREATE INDEX CONCURRENTLY).
 */
export const stepPlacements = ['main-transaction', 'own-transaction', 'no-transaction'] as const;
export type StepPlacement = (typeof stepPlacements)[number];

/**
 * The strongest lock a step takes on an object that existed before it (objects the same
 * transaction created are invisible to other sessions). PostgreSQL's lock mode names; for SQLite
 * `DATABASE WRITE`, the write lock on the whole database file (readers go on until the commit,
 * writers wait); `NONE` where the step only creates objects.
 */
export const stepLocks = [
  'NONE',
  'ACCESS SHARE',
  'ROW SHARE',
  'ROW EXCLUSIVE',
  'SHARE UPDATE EXCLUSIVE',
  'SHARE',
  'SHARE ROW EXCLUSIVE',
  'EXCLUSIVE',
  'ACCESS EXCLUSIVE',
  'DATABASE WRITE',
] as const;
export type StepLock = (typeof stepLocks)[number];

/**
 * One rendered step of a plan: the exact SQL apply will run, with its hazards, where it runs and
 * the lock it takes.
 */
export interface PlanStep {
  /** One line a reviewer reads, e.g. `add column orders.note`. */
  readonly summary: string;
  readonly sql: readonly string[];
  readonly hazards: readonly Hazard[];
  readonly runs: StepPlacement;
  readonly lock: StepLock;
  /** True exactly when `runs` is `main-transaction`; kept so plan files from before `runs` read the same. */
  readonly transactional: boolean;
  /** statement_timeout of a step outside the main transaction, in milliseconds. */
  readonly timeoutMs?: number;
  /**
   * For a step outside the main transaction: what the tenant holds if this step fails, since the
   * main transaction has committed by then (e.g. a constraint left NOT VALID).
   */
  readonly failureLeaves?: string;
}

/** Where a step runs; a plan file written before `runs` existed only says `transactional`. */
export function stepPlacement(step: Pick<PlanStep, 'transactional'> & { readonly runs?: StepPlacement }): StepPlacement {
  return step.runs ?? (step.transactional ? 'main-transaction' : 'no-transaction');
}

/** How an engine renders changes; implemented once per engine in `engines/<name>/render.ts`. */
export interface RenderOptions {
  /** The already-quoted qualifier to prefix object names with, or a placeholder. */
  readonly qualifier: string;
  /** Build indexes on existing tables CONCURRENTLY, outside the transaction (PostgreSQL). */
  readonly concurrentIndexes: boolean;
  /** statement_timeout of the long steps outside the main transaction: concurrent builds, validations. */
  readonly indexTimeoutMs: number;
  /** Names of types and sequences that live in the tenant, so expressions naming them get qualified. */
  readonly tenantTypes: readonly string[];
  readonly tenantSequences: readonly string[];
  /** Names of the tenant's routines, so an expression that calls one (a default, an index key) gets it qualified. */
  readonly tenantFunctions?: readonly string[];
}

export type RenderChanges = (changes: readonly Change[], options: RenderOptions) => PlanStep[];
