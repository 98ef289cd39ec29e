import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { SchemaSyncEngine } from '../src/library/schema-sync.js';
import { benchWorkDir } from './workdir.js';

export interface BenchProject {
  readonly dir: string;
  readonly configFile: string;
  writeManifest(content: unknown): Promise<void>;
  /** A fresh engine: it loads the manifest as it is on disk now (Project caches it once loaded). */
  open(): Promise<SchemaSyncEngine>;
  remove(): Promise<void>;
  /**
   * Puts the snapshots an apply saved out of the way, so tenants reset behind schema-sync's back
   * are not drift. Moved, not deleted: ext4 skips inodes freed in the last 30 s when it allocates
   * new ones, so deleting 1,000 files made the next run's snapshot files several times slower to
   * create than a user's apply would find them. remove() deletes them with the rest.
   */
  forgetSnapshots(): Promise<void>;
}

/**
 * A project directory as a user would have it: schema-sync.yaml (the engine's settings, with the
 * manifest at schema/manifest.yaml) and the manifest, plus any folders the engine's fleet needs.
 */
export async function createBenchProject(options: {
  readonly prefix: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly manifest: unknown;
  readonly folders?: readonly string[];
}): Promise<BenchProject> {
  const dir = await benchWorkDir(options.prefix);
  const configFile = path.join(dir, 'schema-sync.yaml');
  const manifestFile = path.join(dir, 'schema', 'manifest.yaml');
  let forgotten = 0;
  const project: BenchProject = {
    dir,
    configFile,
    writeManifest: (content) => writeFile(manifestFile, stringify(content)),
    open: () => SchemaSyncEngine.open({ file: configFile }),
    remove: () => rm(dir, { recursive: true, force: true }),
    forgetSnapshots: async () => {
      await rename(path.join(dir, 'snapshots'), path.join(dir, `snapshots-forgotten-${++forgotten}`)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
    },
  };
  try {
    await writeFile(configFile, stringify({ ...options.config, manifest: 'schema/manifest.yaml' }));
    await mkdir(path.dirname(manifestFile), { recursive: true });
    for (const folder of options.folders ?? []) await mkdir(path.join(dir, folder), { recursive: true });
    await project.writeManifest(options.manifest);
  } catch (error) {
    await project.remove();
    throw error;
  }
  return project;
}

/** tenant_00001 ... ; zero-padded so the names sort in creation order. */
export function tenantNames(count: number): string[] {
  const width = Math.max(5, String(count).length);
  return Array.from({ length: count }, (_, i) => `tenant_${String(i + 1).padStart(width, '0')}`);
}

/** Always quoted, like the library's quoteIdent. */
export function quoteIdent(name: string): string {
  return '"' + name.replaceAll('"', '""') + '"';
}
