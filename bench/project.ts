import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { SchemaSyncEngine } from '../src/library/schema-sync.js';
import { benchWorkDir } from './workdir.js';

/** Same pattern the tenants are named by (see tenantNames). */
export const tenantPattern = 'tenant_*';

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

/** A project directory as a user would have it: schema-sync.yaml and schema/manifest.yaml. */
export async function createBenchProject(url: string, manifest: unknown): Promise<BenchProject> {
  const dir = await benchWorkDir('schema-sync-bench-');
  const configFile = path.join(dir, 'schema-sync.yaml');
  const manifestFile = path.join(dir, 'schema', 'manifest.yaml');
  await writeFile(
    configFile,
    stringify({
      engine: 'postgres',
      url,
      tenants: { pattern: tenantPattern },
      manifest: 'schema/manifest.yaml',
      apply: { concurrency: 8 },
    }),
  );
  await mkdir(path.dirname(manifestFile), { recursive: true });
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
  await project.writeManifest(manifest);
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
