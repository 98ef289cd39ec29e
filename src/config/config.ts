import type { ApplySettings, EngineName, TenantSelector } from '../engines/types.js';

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
  readonly apply: ApplySettings;
}
