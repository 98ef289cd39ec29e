import type { PlanGroup } from '../plan/plan-file.js';

/** Failures in a row, from a change set's first tenant, after which the rest of it is not started. */
export const DEFAULT_FAIL_FAST = 3;

/**
 * A change set that fails on its first tenants will most likely fail on all of them (a bad
 * default, rows that break a new constraint): halting it then spares a thousand identical
 * failures and their lock waits. Counted per plan group, from its first results; once one
 * tenant of the group succeeded, later failures are the tenants' own and never halt it.
 */
export class FailFast {
  readonly #groups = new Map<PlanGroup, { failures: number; succeeded: boolean; first?: string }>();

  /** @param limit failures before the group halts; 0 never halts. */
  constructor(private readonly limit: number) {}

  record(group: PlanGroup, ok: boolean, error?: string): void {
    const state = this.#groups.get(group) ?? { failures: 0, succeeded: false };
    if (ok) state.succeeded = true;
    else {
      state.failures++;
      state.first ??= error;
    }
    this.#groups.set(group, state);
  }

  /** Why the group's remaining tenants must not start, or undefined when they may. */
  halted(group: PlanGroup): string | undefined {
    const state = this.#groups.get(group);
    if (this.limit <= 0 || !state || state.succeeded || state.failures < this.limit) return undefined;
    return `its change set was halted after its first ${state.failures} tenants failed (apply.failFast), the first with: ${state.first ?? 'an error'}`;
  }
}
