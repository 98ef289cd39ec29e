import pLimit from 'p-limit';
import type { TenantResult } from '../apply/tenant-result.js';
import { errorMessage } from '../errors.js';
import { fingerprint } from '../model/fingerprint.js';
import type { SchemaModel } from '../model/types.js';
import type { SnapshotRun, SnapshotStore } from './types.js';
import type { SnapshotStoreKind } from '../domain/settings.js';

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
 * Snapshots that were not recorded: written to no file, or not committed. The tenants are migrated
 * either way, so this is a failure of the run (exit 3), never something to warn about and go on:
 * a CI checkout that is thrown away loses them, and the next plan holds those tenants as drifted.
 */
export class SnapshotsNotSavedError extends Error {
  override readonly name = 'SnapshotsNotSavedError';
  constructor(
    /** Tenants whose snapshot was not recorded, sorted. */
    readonly tenants: readonly string[],
    readonly reason: string,
  ) {
    super(`snapshots not saved for ${tenants.length} tenant${tenants.length === 1 ? '' : 's'} (${listed(tenants)}): ${reason}`);
  }
}

function listed(names: readonly string[]): string {
  return names.length > 10 ? `${names.slice(0, 10).join(', ')}, +${names.length - 10} more` : names.join(', ');
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
 * Collects the snapshots of a run and writes them when it ends, then ends the run (one git
 * commit, one batch of rows). Written while the tenants' transactions were still committing,
 * the files went to disk with every commit's flush on a machine where the tenants share the disk
 * (SQLite's files, a local server's WAL): 1,000 snapshot files made such an apply of 1,000
 * tenants a fifth slower. Written after the last tenant, they cost what 1,000 small files cost.
 * The store is opened at the first save, while the run goes on.
 */
export class SnapshotRecorder {
  #store: Promise<SnapshotStore> | undefined;
  // File writes overlap: one at a time, 10,000 tenants wait on the disk 10,000 times in a row.
  readonly #limit = pLimit(16);
  readonly #pending: { readonly tenant: string; readonly schema: SchemaModel }[] = [];
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
    return this.#pending.length === 0;
  }

  save(tenant: string, schema: SchemaModel): void {
    if (this.#finishing) throw new Error('SnapshotRecorder: save() after finish()');
    // Failures are reported by finish(), not as unhandled rejections while the apply goes on.
    (this.#store ??= this.open()).catch(() => {});
    this.#pending.push({ tenant, schema });
  }

  /**
   * Waits for every save and ends the run with the snapshots that were written. Throws
   * SnapshotsNotSavedError naming every tenant whose snapshot was not recorded: a file that could
   * not be written, or all of them when the run could not be committed.
   */
  async finish(): Promise<RecordedSnapshots> {
    this.#finishing = true;
    const wanted = this.#pending.map((p) => p.tenant);
    const store = await this.#openOr(wanted);
    const written: string[] = [];
    const settled = await Promise.allSettled(
      this.#pending.map(({ tenant, schema }) =>
        this.#limit(async () => {
          const meta = { fingerprint: fingerprint(schema), at: this.#when, ...(this.run.planId !== undefined ? { planId: this.run.planId } : {}) };
          await store.save(tenant, schema, meta);
          written.push(tenant);
        }),
      ),
    );
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    const saved = [...written].sort(byName);
    let ended: { readonly commit?: string; readonly warnings: readonly string[] } = { warnings: [] };
    try {
      if (saved.length > 0) ended = await store.commit(this.run);
    } catch (error) {
      throw new SnapshotsNotSavedError([...wanted].sort(byName), errorMessage(error));
    }
    if (failed) {
      const done = new Set(saved);
      throw new SnapshotsNotSavedError(wanted.filter((t) => !done.has(t)).sort(byName), errorMessage(failed.reason));
    }
    const { commit, warnings } = ended;
    return {
      store: store.kind,
      location: store.location,
      saved,
      ...(commit !== undefined ? { commit } : {}),
      warnings,
    };
  }

  async #openOr(tenants: readonly string[]): Promise<SnapshotStore> {
    try {
      return await (this.#store ?? this.open());
    } catch (error) {
      if (tenants.length === 0) throw error;
      throw new SnapshotsNotSavedError([...tenants].sort(byName), errorMessage(error));
    }
  }
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
