import type { DatabaseAdapter, EngineModule, Normalizer, RecoverOutcome } from '../types.js';
import type { ConnectionSettings } from '../../domain/settings.js';
import { MAX_WAVE, openSqliteBatch } from './batch.js';
import { discoverSqliteFiles, tenantFilePath } from './discover.js';
import { sqliteHistory } from './history.js';
import { COMPARED_KINDS, inspectFiles } from './inspect.js';
import { isBusyError } from './lock.js';
import { isBuiltinType, normalizeSchema, toManifestSchema } from './normalize.js';
import { refineChanges } from './rebuild.js';
import { recoverFile } from './recover.js';
import { renderChanges } from './render.js';
import { checkSqlTexts } from './sql-text.js';
import { compileSchemas, compilerVersion } from './compile.js';
import { createTenantFile, dropTenantFile } from './tenants.js';
import { naming } from './names.js';
import { indexKeys } from './index-keys.js';

const normalizer: Normalizer = { normalizeSchema, toManifestSchema, isBuiltinType };

function createAdapter(settings: ConnectionSettings): DatabaseAdapter {
  const fileOf = (name: string) => tenantFilePath(settings.tenants, settings.baseDir, name);
  return {
    engine: 'sqlite',
    discoverTenants: async (selector) => discoverSqliteFiles(selector, settings.baseDir),
    refineChanges,
    inspector: { inspectTenants: (tenants) => inspectFiles(tenants) },
    comparedKinds: COMPARED_KINDS,
    compiler: { version: async () => compilerVersion(), compileSchemas: async (inputs) => compileSchemas(inputs) },
    async recoverTenants(tenants) {
      const out = new Map<string, RecoverOutcome>();
      for (const tenant of tenants) {
        if (tenant.location === undefined) {
          out.set(tenant.name, { ok: false, error: `tenant ${tenant.name} has no SQLite file` });
          continue;
        }
        try {
          out.set(tenant.name, recoverFile(tenant.location, settings.apply.busyTimeoutMs));
        } catch (error) {
          out.set(tenant.name, { ok: false, error: `cannot recover ${tenant.location}: ${(error as Error).message}` });
        }
      }
      return out;
    },
    runner: { maxWave: MAX_WAVE, openBatch: async () => openSqliteBatch(settings.apply.busyTimeoutMs) },
    render: renderChanges,
    normalizer,
    history: sqliteHistory(settings.apply.busyTimeoutMs),
    createTenant: (name) => createTenantFile(name, fileOf(name)),
    dropTenant: (name) => dropTenantFile(name, fileOf(name)),
    // One tenant per file: every statement names the file's own schema.
    tenantQualifier: () => '"main"',
    isTransientError: isBusyError,
    // Every batch opens and closes its own files; nothing is pooled.
    async close() {},
  };
}

export const sqliteEngine: EngineModule = { createAdapter, normalizer, render: renderChanges, naming, indexKeys, checkSqlTexts };
