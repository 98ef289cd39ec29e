import type { ConnectionSettings } from '../../domain/settings.js';
import type { DatabaseAdapter, EngineModule } from '../types.js';
import { openBatch } from './batch.js';
import { compileSchemas, compilerVersion } from './compile.js';
import { discoverTenants } from './discover.js';
import { openHistory } from './history.js';
import { indexKeys } from './index-keys.js';
import { comparedKinds, inspectTenants } from './inspect.js';
import { tenantFilePath } from './internal/discover.js';
import { isBusyError, MAX_WAVE } from './internal/lock.js';
import { naming } from './names.js';
import { normalizer } from './normalize.js';
import { recoverTenants } from './recover.js';
import { refineChanges } from './refine.js';
import { renderChanges } from './render.js';
import { checkSqlTexts } from './sql-text.js';
import { createTenant, dropTenant } from './tenants.js';

function createAdapter(settings: ConnectionSettings): DatabaseAdapter {
  const fileOf = (name: string) => tenantFilePath(settings.tenants, settings.baseDir, name);
  return {
    engine: 'sqlite',
    discoverTenants: async (selector) => discoverTenants(selector, settings.baseDir),
    refineChanges,
    inspector: { inspectTenants: (tenants) => inspectTenants(tenants) },
    comparedKinds: comparedKinds(),
    compiler: { version: async () => compilerVersion(), compileSchemas: async (inputs) => compileSchemas(inputs) },
    recoverTenants: (tenants) => recoverTenants(tenants, settings.apply.busyTimeoutMs),
    runner: { maxWave: MAX_WAVE, openBatch: async () => openBatch(settings.apply.busyTimeoutMs) },
    render: renderChanges,
    normalizer,
    history: openHistory(settings.apply.busyTimeoutMs),
    createTenant: (name) => createTenant(name, fileOf(name)),
    dropTenant: (name) => dropTenant(name, fileOf(name)),
    // One tenant per file: every statement names the file's own schema.
    tenantQualifier: () => '"main"',
    isTransientError: isBusyError,
    // Every batch opens and closes its own files; nothing is pooled.
    async close() {},
  };
}

export const engine: EngineModule = { createAdapter, normalizer, render: renderChanges, naming, indexKeys, checkSqlTexts };
