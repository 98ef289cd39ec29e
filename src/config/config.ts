import type { ApplySettings, EngineName, TenantSelector } from '../engines/types.js';
import type { SnapshotStoreKind } from '../snapshot/types.js';

/** The resolved configuration: defaults filled in, paths absolute, durations in milliseconds. */
export interface Config {
  /** The config file, or undefined when flags alone describe the project. */
  readonly file?: string;
  readonly baseDir: string;
  readonly engine: EngineName;
  readonly url?: string;
  readonly tenants: TenantSelector;
  readonly manifest: string;
  readonly overrides: string;
  readonly plans: string;
  readonly snapshots: string;
  /** Where snapshots are kept; unset: git when the config's directory is in a git work tree, else filesystem. */
  readonly snapshotStore?: SnapshotStoreKind;
  readonly apply: ApplySettings;
}

/**
 * How long apply waits for a tenant's lock held by someone else: a SQLite writer for the busy
 * timeout; another schema-sync apply on PostgreSQL for as long as a statement may run.
 */
export function lockWaitMs(config: Config): number {
  return config.engine === 'sqlite' ? config.apply.busyTimeoutMs : Math.max(config.apply.statementTimeoutMs, 30_000);
}
