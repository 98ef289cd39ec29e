// The bench's engines, by the name --engine takes: each module is loaded only when asked for, so a
// SQLite run never loads pg. A new engine's bench is one module under bench/engines/ that
// exports a BenchEngine (bench-engine.ts), named here.
import type { BenchEngine } from '../bench-engine.js';

export const benchEngines = {
  postgres: async () => (await import('./postgres/index.js')).postgresBench,
  sqlite: async () => (await import('./sqlite/index.js')).sqliteBench,
} as const satisfies Record<string, () => Promise<BenchEngine>>;

export type BenchEngineName = keyof typeof benchEngines;
