import type { TenantSelector } from './tenant.js';

export type EngineName = 'postgres' | 'sqlite' | 'mysql';

export interface ApplySettings {
  readonly concurrency: number;
  readonly lockTimeoutMs: number;
  readonly statementTimeoutMs: number;
  readonly retries: number;
  readonly concurrentIndexes: boolean;
  readonly indexTimeoutMs: number;
  /** How long a SQLite writer waits for another. */
  readonly busyTimeoutMs: number;
  /** Failures in a row from a change set's first tenant that halt the rest of it; 0 never. */
  readonly failFast: number;
}

export interface ConnectionSettings {
  readonly url?: string;
  /** Directory the config file lives in; relative paths resolve against it. */
  readonly baseDir: string;
  readonly tenants: TenantSelector;
  readonly apply: ApplySettings;
  /** Whether privileges granted to roles are read and compared (the `grants` setting). */
  readonly grants?: boolean;
}

/** How long a catalog read may wait for a table lock and run (invariant 9), and what it reads. */
export interface ReadSettings {
  readonly lockTimeoutMs: number;
  readonly statementTimeoutMs: number;
  /** Whether a read includes the grants to roles (the `grants` setting). */
  readonly grants?: boolean;
}

/** Where the snapshots of applied schemas are kept (the config's `snapshotStore`). */
export type SnapshotStoreKind = 'filesystem' | 'git' | 'database';
