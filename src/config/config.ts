import type { ApplySettings, EngineName } from '../domain/settings.js';
import type { TenantSelector } from '../domain/tenant.js';
import type { SnapshotStoreKind } from '../domain/settings.js';

/** The resolved configuration: defaults filled in, paths absolute, durations in milliseconds. */
export interface Config {
  /** The config file, or undefined when flags alone describe the project. */
  readonly file?: string;
  readonly baseDir: string;
  readonly engine: EngineName;
  readonly url?: string;
  /** Where the desired schema is compiled instead of the tenants' server (Atlas's dev database). */
  readonly devUrl?: string;
  /** Whether privileges granted to roles are compared and applied. */
  readonly grants: boolean;
  readonly tenants: TenantSelector;
  /** The manifest's path (YAML, a .sql file or a folder of them); for a command, the directory it runs in. */
  readonly manifest: string;
  /** The manifest is SQL (a file or folder of .sql, or a command's output), with these settings. */
  readonly manifestSql?: ManifestSqlSettings;
  readonly overrides: string;
  readonly plans: string;
  readonly snapshots: string;
  /** Where snapshots are kept; unset: git when the config's directory is in a git work tree, else filesystem. */
  readonly snapshotStore?: SnapshotStoreKind;
  readonly apply: ApplySettings;
  readonly reconcile: ReconcileSettings;
  /** Several servers, each with its own url and discovery; absent for one server. */
  readonly targets?: readonly TargetSettings[];
}

export interface ManifestSqlSettings {
  /** A shell command that prints the SQL, run in `manifest`. */
  readonly command?: string;
  readonly timeoutMs: number;
  /** The schema the SQL qualifies its objects with; unset: detected. */
  readonly schema?: string;
}

export interface TargetSettings {
  readonly name: string;
  readonly url?: string;
  /** pattern, query or list of the target; exclude and labels come from the top-level tenants. */
  readonly tenants: TenantSelector;
}

export type ReconcilePolicy = 'report' | 'plan' | 'apply-safe';

export interface ReconcileSettings {
  readonly policy: ReconcilePolicy;
  /** The git ref each pass fast-forwards to, such as origin/main. */
  readonly ref?: string;
  /** policy plan: the branch a plan is committed to; `{id}` is the plan id. */
  readonly branch: string;
  /** policy apply-safe: labels, one wave each, in order; the unlabelled rest is the last wave. */
  readonly waves: readonly string[];
  readonly maxFailuresPerWave: number;
  /** Directory of drift.json and drift.md. */
  readonly reports: string;
}

/**
 * How long apply waits for a tenant's lock held by someone else: a SQLite writer for the busy
 * timeout; another schema-sync apply on PostgreSQL for as long as a statement may run.
 */
export function lockWaitMs(config: Config): number {
  return config.engine === 'sqlite' ? config.apply.busyTimeoutMs : Math.max(config.apply.statementTimeoutMs, 30_000);
}
