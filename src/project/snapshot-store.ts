import type { TenantContext } from '../domain/tenant.js';
import { UserError } from '../errors.js';
import type { Project } from './project.js';
import { DatabaseSnapshotStore } from '../snapshot/database-store.js';
import { FilesystemSnapshotStore } from '../snapshot/filesystem-store.js';
import { GitSnapshotStore, isGitWorkTree } from '../snapshot/git-store.js';
import type { SnapshotStore } from '../snapshot/types.js';
import type { SnapshotStoreKind } from '../domain/settings.js';

export interface OpenSnapshotStoreOptions {
  /** Tenants already discovered (apply's): the database store then needs no discovery of its own. */
  readonly tenants?: readonly TenantContext[];
}

/** The config's `snapshotStore`; unset, git when the config's directory is in a git work tree, else filesystem. */
export async function snapshotStoreKind(project: Project): Promise<SnapshotStoreKind> {
  return project.config.snapshotStore ?? ((await isGitWorkTree(project.config.baseDir)) ? 'git' : 'filesystem');
}

export async function openSnapshotStore(project: Project, options: OpenSnapshotStoreOptions = {}): Promise<SnapshotStore> {
  const kind = await snapshotStoreKind(project);
  const files = new FilesystemSnapshotStore(project.config.snapshots, project.relative(project.config.snapshots));
  switch (kind) {
    case 'filesystem':
      return files;
    case 'git':
      return new GitSnapshotStore(files, project.config.baseDir);
    case 'database': {
      const history = project.adapter.history;
      if (!history) throw new UserError(`snapshotStore: database: the ${project.config.engine} engine has no history table; use git or filesystem`);
      const known = new Map((options.tenants ?? []).map((t) => [t.name, t]));
      const tenantOf = async (name: string): Promise<TenantContext> => {
        const found = known.get(name) ?? (await project.discover({ tenants: [name] })).tenants.find((t) => t.name === name);
        if (!found) throw new UserError(`tenant '${name}' not found by discovery (see schema-sync tenants)`);
        known.set(name, found);
        return found;
      };
      return new DatabaseSnapshotStore(history, tenantOf);
    }
  }
}
