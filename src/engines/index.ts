import type { EngineModule } from './types.js';
import type { EngineName } from '../domain/settings.js';

/** Engines load lazily, so a SQLite user never loads pg (STYLE.md). */
const engines: Record<EngineName, () => Promise<EngineModule>> = {
  postgres: async () => (await import('./postgres/index.js')).engine,
  sqlite: async () => (await import('./sqlite/index.js')).engine,
  mysql: async () => {
    throw new Error('the mysql engine is not available yet');
  },
};

export function loadEngine(name: EngineName): Promise<EngineModule> {
  return engines[name]();
}
