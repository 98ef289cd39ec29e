import pLimit from 'p-limit';
import type { TenantResult } from '../apply/apply-plan.js';
import { fingerprint } from '../model/fingerprint.js';
import type { SchemaModel } from '../model/types.js';
import type { SnapshotRun, SnapshotStore, SnapshotStoreKind } from './types.js';

export interface RecordedSnapshots {
  readonly store: SnapshotStoreKind;
  readonly location: string;
  /** Tenants whose snapshot was saved. */
  readonly saved: readonly string[];
  /** The git commit of the run, when one was made. */
  readonly commit?: string;
  readonly warnings: readonly string[];
}

/**
 * Tenants an apply left as the plan wanted, with the schema its verification read, and tenants it
 * changed without finishing (committed), as they now are: schema-sync's own change is then the
 * base of the next three-way comparison, never drift.
 */
export function snapshotsOfApply(results: readonly TenantResult[]): { tenant: string; schema: SchemaModel }[] {
  return results
    .filter((r) => (r.status === 'applied' || r.status === 'in-sync' || r.committed === true) && r.schema !== undefined)
    .map((r) => ({ tenant: r.tenant, schema: r.schema! }));
}

/** Saves every tenant's snapshot and ends the run: one git commit, or one batch of rows. */
export async function recordSnapshots(
  store: SnapshotStore,
  run: SnapshotRun,
  snapshots: readonly { tenant: string; schema: SchemaModel }[],
  at: Date = new Date(),
): Promise<RecordedSnapshots> {
  const recorder = new SnapshotRecorder(async () => store, run, at);
  for (const { tenant, schema } of snapshots) recorder.save(tenant, schema);
  return recorder.finish();
}

/**
 * Saves snapshots as they come, so an apply writes each wave's files while the next wave's work
 * runs on the database, rather than all of them after the last wave. The store is opened at the
 * first save; finish() waits for every save and ends the run (one git commit, one batch of rows).
 */
export class SnapshotRecorder {
  #store: Promise<SnapshotStore> | undefined;
  // File writes overlap: one at a time, 10,000 tenants wait on the disk 10,000 times in a row.
  readonly #limit = pLimit(16);
  readonly #saves: Promise<void>[] = [];
  readonly #saved: string[] = [];
  readonly #when: string;
  #finishing = false;

  constructor(
    private readonly open: () => Promise<SnapshotStore>,
    private readonly run: SnapshotRun,
    at: Date = new Date(),
  ) {
    this.#when = at.toISOString();
  }

  get empty(): boolean {
    return this.#saves.length === 0;
  }

  save(tenant: string, schema: SchemaModel): void {
    if (this.#finishing) throw new Error('SnapshotRecorder: save() after finish()');
    const store = (this.#store ??= this.open());
    const meta = { fingerprint: fingerprint(schema), at: this.#when, ...(this.run.planId !== undefined ? { planId: this.run.planId } : {}) };
    const saving = this.#limit(async () => {
      await (await store).save(tenant, schema, meta);
      this.#saved.push(tenant);
    });
    // Failures are reported by finish(), not as unhandled rejections while the apply goes on.
    saving.catch(() => {});
    this.#saves.push(saving);
  }

  /** Waits for every save; throws the first failure, and then commits nothing. */
  async finish(): Promise<RecordedSnapshots> {
    this.#finishing = true;
    const store = await (this.#store ?? this.open());
    const settled = await Promise.allSettled(this.#saves);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    const saved = [...this.#saved].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const { commit, warnings } = saved.length > 0 ? await store.commit(this.run) : { commit: undefined, warnings: [] };
    return {
      store: store.kind,
      location: store.location,
      saved,
      ...(commit !== undefined ? { commit } : {}),
      warnings,
    };
  }
}
