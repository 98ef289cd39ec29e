import path from 'node:path';
import type { Config } from '../config/config.js';
import { loadConfig, type LoadConfigOptions } from '../config/load-config.js';
import { diffSchemas } from '../diff/diff-schemas.js';
import type { TenantSelector } from '../domain/tenant.js';
import { loadEngine } from '../engines/index.js';
import type { DatabaseAdapter, EngineModule } from '../engines/types.js';
import { TenantQueryError, UserError } from '../errors.js';
import { tenantObjects } from '../model/tenant-objects.js';
import { emptySchema, type SchemaModel } from '../model/types.js';
import { orderChanges } from '../plan/order-changes.js';
import type { RefineChanges } from '../plan/plan-tenant.js';
import { FleetAdapter } from '../targets/fleet-adapter.js';
import { filterRejected, filterTenants, selectTenants, type Discovery, type TenantFilter } from '../tenants/select-tenants.js';
import { displayPath } from '../util/display-path.js';
import { DesiredCompiler } from './compile-desired.js';
import { DesiredState } from './desired-state.js';

/**
 * A configured project: config, engine adapter and tenant discovery, opened once and shared by
 * every step, with its desired state (desired-state.ts). It holds no schema logic; it only wires
 * the pieces together.
 */
export class Project {
  private adapterInstance: DatabaseAdapter | undefined;
  private devAdapter: DatabaseAdapter | undefined;
  private compilerInstance: DesiredCompiler | undefined;
  /** The manifest and overrides, and each tenant's desired schema compiled from them. */
  readonly desired: DesiredState;

  private constructor(
    readonly config: Config,
    readonly engine: EngineModule,
  ) {
    this.desired = new DesiredState(config, engine, () => this.compiler);
  }

  static async open(options: LoadConfigOptions = {}): Promise<Project> {
    const config = await loadConfig(options);
    return Project.fromConfig(config);
  }

  static async fromConfig(config: Config): Promise<Project> {
    return new Project(config, await loadEngine(config.engine));
  }

  get adapter(): DatabaseAdapter {
    if (!this.adapterInstance) {
      const connect = (url: string | undefined, tenants: TenantSelector) =>
        this.engine.createAdapter({ ...(url !== undefined ? { url } : {}), baseDir: this.config.baseDir, tenants, apply: this.config.apply, grants: this.config.grants });
      const targets = this.config.targets;
      this.adapterInstance = targets
        ? new FleetAdapter(targets.map((t) => ({ name: t.name, adapter: connect(t.url, t.tenants), selector: t.tenants })))
        : connect(this.config.url, this.config.tenants);
    }
    return this.adapterInstance;
  }

  /** Where desired schemas are compiled: the devUrl's server, else the tenants' (the first target's). */
  private get compiler(): DesiredCompiler {
    this.compilerInstance ??= new DesiredCompiler(() => {
      const devUrl = this.config.devUrl;
      if (devUrl === undefined) return this.adapter.compiler;
      this.devAdapter ??= this.engine.createAdapter({ url: devUrl, baseDir: this.config.baseDir, tenants: { list: [] }, apply: this.config.apply, grants: this.config.grants });
      return this.devAdapter.compiler;
    }, path.join(this.config.baseDir, '.schema-sync', 'compiled'));
    return this.compilerInstance;
  }

  /** The engine's rewrite of changes it cannot make one by one, if it has one. */
  get refineChanges(): RefineChanges | undefined {
    const adapter = this.adapter;
    return adapter.refineChanges ? (changes, current, desired) => adapter.refineChanges!(changes, current, desired) : undefined;
  }

  /** Tenants from the config's discovery, narrowed by --tenant and --label; so are the refused names. */
  async discover(filter: TenantFilter = {}): Promise<Discovery> {
    let found;
    try {
      found = await this.adapter.discoverTenants(this.config.tenants);
    } catch (error) {
      if (error instanceof TenantQueryError && this.config.file !== undefined) throw new UserError(`${this.relative(this.config.file)}: ${error.message}`);
      throw error;
    }
    const discovery = selectTenants(found, this.config.tenants);
    return { tenants: filterTenants(discovery.tenants, filter), rejected: filterRejected(discovery.rejected, filter, this.config.tenants.labels) };
  }

  /**
   * An inspected schema as a SQL manifest: tenant-neutral statements in an order that runs, and
   * the objects the model does not manage listed as comments, as the YAML manifest lists them.
   */
  async schemaAsSql(schema: SchemaModel, tenant: string): Promise<string> {
    if (!this.engine.schemaSql) throw new UserError(`${this.config.engine} cannot write a schema as SQL: write a YAML manifest (-o <file>.yaml)`);
    const changes = orderChanges(diffSchemas({ current: emptySchema, desired: schema }));
    const { types, sequences } = tenantObjects(schema);
    const statements = await this.engine.schemaSql({ changes, tenantTypes: types, tenantSequences: sequences });
    const unmanaged = (schema.unmanaged ?? []).map((o) => `--   ${o.kind} ${o.table ? `${o.table}.` : ''}${o.name}`.replace(/[\r\n]/g, ' '));
    const header = [
      `-- The schema of tenant ${JSON.stringify(tenant)}, written by schema-sync inspect, naming no schema:`,
      '-- use it as the manifest (manifest: <this file>) or run it with the target schema first in search_path.',
      ...(unmanaged.length > 0 ? ['-- Not written here (not managed by schema-sync yet):', ...unmanaged] : []),
    ];
    return [...header, '', ...statements.map((s) => `${s}\n`)].join('\n');
  }

  /** A path as the user would type it: relative to the working directory when that is shorter. */
  relative(file: string): string {
    return displayPath(file);
  }

  async close(): Promise<void> {
    const adapters = [this.adapterInstance, this.devAdapter];
    this.adapterInstance = undefined;
    this.devAdapter = undefined;
    for (const adapter of adapters) if (adapter) await adapter.close();
  }
}

export function requireTenants(discovery: Discovery): void {
  if (discovery.tenants.length === 0) {
    const refused = discovery.rejected.length;
    const also = refused > 0 ? ` (${refused} name${refused === 1 ? '' : 's'} refused: see schema-sync tenants)` : '';
    throw new UserError(`no tenants matched${also}: check tenants in the config, --tenant and --label`, 2);
  }
}
