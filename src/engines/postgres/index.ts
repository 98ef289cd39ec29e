import pg from 'pg';
import type { ConnectionSettings, ReadSettings } from '../../domain/settings.js';
import type { DatabaseAdapter, EngineModule } from '../types.js';
import { openBatch } from './batch.js';
import { compileSchemas, compilerVersion } from './compile.js';
import { discoverTenants } from './discover.js';
import { openHistory } from './history.js';
import { indexKeys } from './index-keys.js';
import { comparedKinds, inspectTenants } from './inspect.js';
import { createPool, quoteIdent, withPoolClient } from './internal/connect.js';
import { naming } from './names.js';
import { normalizer } from './normalize.js';
import { refineChanges } from './refine.js';
import { renderChanges } from './render.js';
import { schemaSql } from './schema-sql.js';
import { checkSqlTexts, identifierProblem } from './sql-text.js';
import { checkPlannedStatements } from './statements.js';
import { createTenant, dropTenant, missingTypes } from './tenants.js';

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
    discoverTenants: (selector) => withClient((c) => discoverTenants(c, selector, limits)),
    refineChanges,
    inspector: { inspectTenants: (tenants) => inspectTenants(tenants, withClient, limits) },
    comparedKinds: comparedKinds(limits),
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
    createTenant: (name) => withClient((c) => createTenant(c, name)),
    dropTenant: (name) => withClient((c) => dropTenant(c, name)),
    runner: {
      openBatch: () => openBatch(url, getPool(), limits),
    },
    render: renderChanges,
    normalizer,
    history: openHistory(withClient),
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

export const engine: EngineModule = { createAdapter, normalizer, render: renderChanges, naming, indexKeys, checkSqlTexts, identifierProblem, schemaSql };
