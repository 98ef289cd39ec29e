// A temporary SQLite project as a user would have it: schema-sync.yaml, schema/manifest.yaml and
// one database file per tenant under data/tenants/, found by the glob data/tenants/*.db.
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { SchemaSyncEngine } from '../src/library/schema-sync.js';
import { benchWorkDir } from './workdir.js';

export const sqliteTenantPattern = 'data/tenants/*.db';

export interface SqliteBenchProject {
  readonly dir: string;
  readonly configFile: string;
  readonly tenantDir: string;
  /** The file of a tenant, as discovery finds it. */
  fileOf(name: string): string;
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

export async function createSqliteBenchProject(manifest: unknown): Promise<SqliteBenchProject> {
  const dir = await benchWorkDir('schema-sync-bench-sqlite-');
  const configFile = path.join(dir, 'schema-sync.yaml');
  const manifestFile = path.join(dir, 'schema', 'manifest.yaml');
  const tenantDir = path.join(dir, 'data', 'tenants');
  let forgotten = 0;
  const project: SqliteBenchProject = {
    dir,
    configFile,
    tenantDir,
    fileOf: (name) => path.join(tenantDir, `${name}.db`),
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
    await writeFile(
      configFile,
      stringify({
        engine: 'sqlite',
        tenants: { pattern: sqliteTenantPattern },
        manifest: 'schema/manifest.yaml',
        apply: { concurrency: 4 },
      }),
    );
    await mkdir(path.dirname(manifestFile), { recursive: true });
    await mkdir(tenantDir, { recursive: true });
    await project.writeManifest(manifest);
  } catch (error) {
    await project.remove();
    throw error;
  }
  return project;
}
