/** Everything an operation knows about one tenant. Nothing crosses tenants. */
export interface TenantContext {
  /** The tenant's name: schema (postgres), database (mysql) or file stem (sqlite). */
  readonly name: string;
  /** Server or target the tenant lives on, when a config lists several. */
  readonly target?: string;
  /** The name on its target, when the fleet qualified it (`target.name`) because it clashed. */
  readonly localName?: string;
  readonly labels: readonly string[];
  /** Engine-specific address, e.g. the SQLite file path. */
  readonly location?: string;
}

export interface DiscoveredTenant {
  readonly name: string;
  /** Where the tenant lives when its name is not enough: the SQLite file. */
  readonly location?: string;
  /** Set by a fleet of several targets; see TenantContext. */
  readonly target?: string;
  readonly localName?: string;
  /** Why the engine never treats it as a tenant (a system schema), though the config named it. */
  readonly refused?: string;
}

export interface TenantSelector {
  readonly pattern?: string;
  readonly exclude?: readonly string[];
  readonly query?: string;
  readonly list?: readonly string[];
  readonly labels?: Readonly<Record<string, readonly string[]>>;
}
