import type { Change } from '../diff/changes.js';
import type { Hazard } from './hazards.js';

/**
 * One rendered step of a plan: the exact SQL apply will run, with its hazards. Statements that
 * cannot run in a transaction (CREATE INDEX CONCURRENTLY) are marked so the runner executes
 * them on their own, after the transactional part.
 */
export interface PlanStep {
  /** One line a reviewer reads, e.g. `add column orders.note`. */
  readonly summary: string;
  readonly sql: readonly string[];
  readonly hazards: readonly Hazard[];
  readonly transactional: boolean;
  /** Timeout for a non-transactional step (a concurrent index build), in milliseconds. */
  readonly timeoutMs?: number;
}

/** How an engine renders changes; implemented once per engine in `engines/<name>/render.ts`. */
export interface RenderOptions {
  /** The already-quoted qualifier to prefix object names with, or a placeholder. */
  readonly qualifier: string;
  /** Build indexes on existing tables CONCURRENTLY, outside the transaction (PostgreSQL). */
  readonly concurrentIndexes: boolean;
  readonly indexTimeoutMs: number;
  /** Names of types and sequences that live in the tenant, so expressions naming them get qualified. */
  readonly tenantTypes: readonly string[];
  readonly tenantSequences: readonly string[];
}

export type RenderChanges = (changes: readonly Change[], options: RenderOptions) => PlanStep[];
