import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { SchemaSyncEngine } from '../../src/library/schema-sync.js';

export interface TempProject {
  readonly dir: string;
  readonly configFile: string;
  writeManifest(body: unknown): Promise<void>;
  writeOverride(name: string, body: unknown): Promise<void>;
  open(): Promise<SchemaSyncEngine>;
  /** Runs fn with a fresh engine (the manifest as it is on disk now), closed afterwards. */
  withEngine<T>(fn: (engine: SchemaSyncEngine) => Promise<T>): Promise<T>;
  remove(): Promise<void>;
}

/** A project folder in the temp dir: schema-sync.yaml plus a manifest written from plain data. */
export async function createTempProject(config: Record<string, unknown>): Promise<TempProject> {
  const dir = await mkdtemp(path.join(tmpdir(), 'schema-sync-test-'));
  const configFile = path.join(dir, 'schema-sync.yaml');
  await writeFile(configFile, stringify(config));
  await mkdir(path.join(dir, 'schema'), { recursive: true });
  await mkdir(path.join(dir, 'overrides'), { recursive: true });
  return {
    dir,
    configFile,
    async writeManifest(body) {
      await writeFile(path.join(dir, 'schema', 'manifest.yaml'), stringify({ version: 1, ...(body as object) }));
    },
    async writeOverride(name, body) {
      await writeFile(path.join(dir, 'overrides', name), stringify(body));
    },
    open: () => SchemaSyncEngine.open({ file: configFile }),
    async withEngine(fn) {
      const engine = await SchemaSyncEngine.open({ file: configFile });
      try {
        return await fn(engine);
      } finally {
        await engine.close();
      }
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
