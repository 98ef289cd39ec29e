import pg from 'pg';
import type { DatabaseAdapter, EngineModule, Normalizer } from '../types.js';
import type { ConnectionSettings } from '../../domain/settings.js';
import type { TenantContext } from '../../domain/tenant.js';
import { createPool, quoteIdent, withPoolClient } from './connect.js';
import { discoverSchemas } from './discover.js';
import { postgresHistory } from './history.js';
import { COMPARED_KINDS, GRANTS_KIND, inspectOutcomes, readIsolating } from './inspect.js';
import { type ReadSettings } from '../../domain/settings.js';
import { normalizeSchema, toManifestSchema } from './normalize.js';
import { refineChanges } from './refine.js';
import { renderChanges } from './render.js';
import { objectStatements } from './render-objects.js';
import { createTenantSchema, dropTenantSchema } from './tenants.js';
import { openPostgresBatch } from './batch.js';
import { checkSqlTexts, identifierProblem } from './sql-text.js';
import { checkPlannedStatements } from './statements.js';
import { compileSchemas, compilerVersion } from './compile.js';
import { schemaSql } from './schema-sql.js';
import { naming } from './names.js';
import { indexKeys } from './index-keys.js';
import { missingTypes } from './tenants.js';

const normalizer: Normalizer = {
  normalizeSchema,
  toManifestSchema,
  manifestSql: (schema) => objectStatements(schema.objects ?? [], schema.tables),
};

/** SQLSTATEs worth retrying: lock_not_available, deadlock, serialization failure, shutdown. */
const transientStates = new Set(['55P03', '40P01', '40001', '57P01', '57P02', '57P03', '53300']);

function isTransientError(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  if (typeof e?.code === 'string' && (transientStates.has(e.code) || e.code.startsWith('08'))) return true;
  if (typeof e?.code === 'string' && ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT'].includes(e.code)) return true;
  return typeof e?.message === 'string' && /Connection terminated|connection lost|terminating connection/i.test(e.message);
}

function createAdapter(settings: ConnectionSettings): DatabaseAdapter {
  if (!settings.url) throw new Error('postgres needs a connection url');
  const url = settings.url;
  const limits: ReadSettings = {
    lockTimeoutMs: settings.apply.lockTimeoutMs,
    statementTimeoutMs: settings.apply.statementTimeoutMs,
    ...(settings.grants === true && { grants: true }),
  };
  let pool: pg.Pool | undefined;
  const getPool = () => {
    if (!pool) {
      // Two more than apply's concurrency: an apply keeps two for its batched inspections (the
      // next wave's stale check runs while this wave is verified).
      pool = createPool(url, Math.max(2, Math.min(settings.apply.concurrency, 16)) + 2, limits);
      pool.on('error', () => {});
    }
    return pool;
  };
  const missing = new Map<string, Promise<string[]>>();
  const withClient = <T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> => withPoolClient(getPool(), url, fn);
  return {
    engine: 'postgres',
    discoverTenants: (selector) => withClient((c) => discoverSchemas(c, selector, limits)),
    refineChanges,
    inspector: {
      inspectTenants: (tenants: readonly TenantContext[]) => inspectOutcomes(tenants, (chunk) => withClient((c) => readIsolating(c, chunk, undefined, limits))),
    },
    comparedKinds: settings.grants === true ? [...COMPARED_KINDS, GRANTS_KIND] : COMPARED_KINDS,
    // Asked once per set of types: every tenant of this adapter is on the same database.
    missingTypes(_tenant, types) {
      const key = JSON.stringify(types);
      let found = missing.get(key);
      if (!found) {
        found = withClient((c) => missingTypes(c, types));
        missing.set(key, found);
        found.catch(() => missing.delete(key));
      }
      return found;
    },
    compiler: {
      version: () => withClient((c) => compilerVersion(c, settings.grants === true)),
      compileSchemas: (inputs) => withClient((c) => compileSchemas(c, inputs, limits)),
    },
    createTenant: (name) => withClient((c) => createTenantSchema(c, name)),
    dropTenant: (name) => withClient((c) => dropTenantSchema(c, name)),
    runner: {
      openBatch: () => openPostgresBatch(url, getPool(), limits),
    },
    render: renderChanges,
    normalizer,
    history: postgresHistory(withClient),
    tenantQualifier: (tenant) => quoteIdent(tenant.name),
    isTransientError,
    checkPlannedStatements,
    async close() {
      const p = pool;
      pool = undefined;
      if (p) await p.end();
    },
  };
}

export const postgresEngine: EngineModule = { createAdapter, normalizer, render: renderChanges, naming, indexKeys, checkSqlTexts, identifierProblem, schemaSql };
