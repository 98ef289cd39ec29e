import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Change } from '../diff/changes.js';
import { UserError } from '../errors.js';
import type { SchemaModel } from '../model/types.js';
import { unsafeNameReason } from '../tenants/select-tenants.js';
import { diffStoredVersions, versionsBack } from './diff-snapshots.js';
import { readSnapshotHeader, readSnapshotYaml, writeSnapshotYaml } from './snapshot-file.js';
import type { CurrentSnapshot, SnapshotMeta, SnapshotStore, SnapshotVersion, StoredSnapshot } from './types.js';

/** `snapshots/<tenant>.yaml`, the current version only: history is what the git store adds. */
export class FilesystemSnapshotStore implements SnapshotStore {
  readonly kind = 'filesystem' as const;

  constructor(
    readonly dir: string,
    readonly location: string = dir,
  ) {}

  /** The tenant's file. Tenant names are checked at discovery; a name that could leave the directory is refused here too. */
  fileOf(tenant: string): string {
    const reason = unsafeNameReason(tenant);
    if (reason) throw new UserError(`tenant name ${JSON.stringify(tenant)} refused: ${reason}`);
    return path.join(this.dir, `${tenant}.yaml`);
  }

  private madeDir: Promise<unknown> | undefined;

  async save(tenant: string, snapshot: SchemaModel, meta: SnapshotMeta): Promise<void> {
    const file = this.fileOf(tenant);
    await (this.madeDir ??= mkdir(this.dir, { recursive: true }));
    const text = writeSnapshotYaml({ tenant, fingerprint: meta.fingerprint, ...(meta.planId !== undefined ? { planId: meta.planId } : {}), schema: snapshot });
    // Written beside and renamed over: a reader (or a killed apply) never sees half a file.
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, text);
    await rename(temporary, file);
  }

  async commit(): Promise<{ warnings: string[] }> {
    return { warnings: [] };
  }

  /** The file's text, or undefined when the tenant has no snapshot yet. */
  async readText(tenant: string): Promise<string | undefined> {
    try {
      return await readFile(this.fileOf(tenant), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async current(tenant: string): Promise<CurrentSnapshot | undefined> {
    const text = await this.readText(tenant);
    if (text === undefined) return undefined;
    const file = this.fileOf(tenant);
    const { fingerprint } = readSnapshotHeader(text, file);
    return { fingerprint, schema: () => readSnapshotYaml(text, file).schema };
  }

  async load(tenant: string, rev?: string): Promise<StoredSnapshot | undefined> {
    const back = versionsBack(rev);
    if (back === undefined) throw new UserError(`the filesystem snapshot store keeps only the current version: use --rev current, or snapshotStore: git for history`);
    if (back > 0) return undefined;
    const text = await this.readText(tenant);
    if (text === undefined) return undefined;
    const file = readSnapshotYaml(text, this.fileOf(tenant));
    const at = (await stat(this.fileOf(tenant))).mtime.toISOString();
    return { tenant, rev: 'current', schema: file.schema, fingerprint: file.fingerprint, ...(file.planId !== undefined ? { planId: file.planId } : {}), at };
  }

  async list(tenant: string): Promise<SnapshotVersion[]> {
    const text = await this.readText(tenant);
    if (text === undefined) return [];
    const head = readSnapshotHeader(text, this.fileOf(tenant));
    const at = (await stat(this.fileOf(tenant))).mtime.toISOString();
    return [{ rev: 'current', at, fingerprint: head.fingerprint, ...(head.planId !== undefined ? { planId: head.planId } : {}) }];
  }

  diff(tenant: string, revA: string, revB: string): Promise<Change[]> {
    return diffStoredVersions((t, r) => this.load(t, r), tenant, revA, revB);
  }
}
