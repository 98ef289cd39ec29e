import type { Change } from '../diff/changes.js';
import type { HistorySave, HistoryTable } from '../engines/types.js';
import type { TenantContext } from '../domain/tenant.js';
import { UserError } from '../errors.js';
import type { SchemaModel } from '../model/types.js';
import { diffStoredVersions, versionsBack } from './diff-snapshots.js';
import { parseSnapshotJson, snapshotJson } from './snapshot-file.js';
import type { CurrentSnapshot, SnapshotMeta, SnapshotStore, SnapshotVersion, StoredSnapshot } from './types.js';

/**
 * Snapshots in the engine's own history table (engines/<engine>/history.ts), so the history
 * survives without the repository. A version's rev is its row id; `HEAD~n` counts back from the
 * newest. Saves are kept until `commit`, which writes the whole run in one batch.
 */
export class DatabaseSnapshotStore implements SnapshotStore {
  readonly kind = 'database' as const;
  private pending: HistorySave[] = [];
  readonly location: string;

  constructor(
    private readonly history: HistoryTable,
    /** A tenant by name: the SQLite engine needs its file. */
    private readonly tenantOf: (name: string) => Promise<TenantContext>,
  ) {
    this.location = history.location;
  }

  async save(tenant: string, snapshot: SchemaModel, meta: SnapshotMeta): Promise<void> {
    this.pending.push({
      tenant: await this.tenantOf(tenant),
      fingerprint: meta.fingerprint,
      ...(meta.planId !== undefined ? { planId: meta.planId } : {}),
      at: meta.at,
      snapshot: snapshotJson(snapshot),
    });
  }

  async commit(): Promise<{ warnings: string[] }> {
    const entries = this.pending;
    this.pending = [];
    await this.history.save(entries);
    return { warnings: [] };
  }

  async current(tenant: string): Promise<CurrentSnapshot | undefined> {
    const stored = await this.load(tenant);
    return stored && { fingerprint: stored.fingerprint, schema: () => stored.schema };
  }

  async load(tenant: string, rev?: string): Promise<StoredSnapshot | undefined> {
    const context = await this.tenantOf(tenant);
    const back = versionsBack(rev);
    let id: string | undefined;
    if (back === undefined) {
      if (!/^[0-9]{1,18}$/.test(rev!)) throw new UserError(`not a revision of the database snapshot store: ${JSON.stringify(rev)} (a row id from snapshot list, current, HEAD or HEAD~n)`);
      id = rev;
    } else if (back > 0) {
      const versions = await this.history.list(context);
      const version = versions[back];
      if (!version) return undefined;
      id = version.id;
    }
    const row = await this.history.load(context, id);
    if (!row) return undefined;
    const schema = parseSnapshotJson(row.snapshot, `${this.location} row ${row.id}`);
    return { tenant, rev: row.id, schema, fingerprint: row.fingerprint, ...(row.planId !== undefined ? { planId: row.planId } : {}), at: row.at };
  }

  async list(tenant: string): Promise<SnapshotVersion[]> {
    const rows = await this.history.list(await this.tenantOf(tenant));
    return rows.map((r) => ({ rev: r.id, at: r.at, fingerprint: r.fingerprint, ...(r.planId !== undefined ? { planId: r.planId } : {}) }));
  }

  diff(tenant: string, revA: string, revB: string): Promise<Change[]> {
    return diffStoredVersions((t, r) => this.load(t, r), tenant, revA, revB);
  }
}
