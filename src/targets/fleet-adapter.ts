import type { BatchRunner, DatabaseAdapter, HistorySave, HistoryTable, InspectOutcome } from '../engines/types.js';
import type { DiscoveredTenant, TenantContext, TenantSelector } from '../domain/tenant.js';
import { UserError } from '../errors.js';

/** One server of a fleet: its own connection and discovery. */
export interface Target {
  readonly name: string;
  readonly adapter: DatabaseAdapter;
  readonly selector: TenantSelector;
}

/**
 * Several servers behind the one DatabaseAdapter interface, so nothing above it knows there is
 * more than one. A tenant name found on two targets is qualified as `target.name` on both; every
 * call is routed to the tenant's target with the tenant's own name, and the answers, keyed by
 * that name, are keyed back by the fleet's name.
 */
export class FleetAdapter implements DatabaseAdapter {
  readonly engine: DatabaseAdapter['engine'];
  readonly render: DatabaseAdapter['render'];
  readonly normalizer: DatabaseAdapter['normalizer'];
  readonly refineChanges?: DatabaseAdapter['refineChanges'];
  readonly inspector: DatabaseAdapter['inspector'];
  /** The first target's: the desired schema is the same for every target (a devUrl overrides it). */
  readonly compiler: DatabaseAdapter['compiler'];
  readonly comparedKinds: DatabaseAdapter['comparedKinds'];
  readonly missingTypes?: DatabaseAdapter['missingTypes'];
  readonly runner: DatabaseAdapter['runner'];
  readonly history?: HistoryTable;

  constructor(private readonly targets: readonly Target[]) {
    const first = targets[0];
    if (!first) throw new UserError('targets: list at least one target');
    this.engine = first.adapter.engine;
    this.render = first.adapter.render;
    this.normalizer = first.adapter.normalizer;
    this.compiler = first.adapter.compiler;
    this.comparedKinds = first.adapter.comparedKinds;
    if (first.adapter.refineChanges) {
      const refine = first.adapter.refineChanges.bind(first.adapter);
      this.refineChanges = (changes, current, desired) => refine(changes, current, desired);
    }
    this.inspector = { inspectTenants: (tenants) => this.inspectTenants(tenants) };
    if (targets.every((t) => t.adapter.missingTypes !== undefined)) {
      this.missingTypes = (tenant, types) => this.route(tenant).adapter.missingTypes!(this.local(tenant), types);
    }
    // A wave spans targets: the strictest target's bound holds for all of them.
    const bounds = targets.flatMap((t) => (t.adapter.runner.maxWave !== undefined ? [t.adapter.runner.maxWave] : []));
    this.runner = { ...(bounds.length > 0 && { maxWave: Math.min(...bounds) }), openBatch: () => Promise.resolve(this.openBatch()) };
    if (targets.every((t) => t.adapter.history !== undefined)) this.history = this.historyTable();
  }

  async discoverTenants(): Promise<DiscoveredTenant[]> {
    const found = await Promise.all(this.targets.map(async (target) => ({ target, tenants: await target.adapter.discoverTenants(target.selector) })));
    const count = new Map<string, number>();
    for (const { tenants } of found) for (const t of tenants) count.set(t.name, (count.get(t.name) ?? 0) + 1);
    return found.flatMap(({ target, tenants }) =>
      tenants.map((t) => ({ ...t, name: (count.get(t.name) ?? 0) > 1 ? `${target.name}.${t.name}` : t.name, target: target.name, localName: t.name })),
    );
  }

  tenantQualifier(tenant: TenantContext): string {
    return this.route(tenant).adapter.tenantQualifier(this.local(tenant));
  }

  createTenant(): Promise<void> {
    return Promise.reject(new UserError('creating a tenant needs one target: the config lists several'));
  }

  dropTenant(): Promise<void> {
    return Promise.reject(new UserError('dropping a tenant needs one target: the config lists several'));
  }

  isTransientError(error: unknown): boolean {
    return this.targets.some((t) => t.adapter.isTransientError(error));
  }

  checkPlannedStatements(statements: readonly string[], placeholder: string): Promise<string | undefined> {
    const check = this.targets[0]!.adapter.checkPlannedStatements;
    return check ? check.call(this.targets[0]!.adapter, statements, placeholder) : Promise.resolve(undefined);
  }

  async close(): Promise<void> {
    await Promise.all(this.targets.map((t) => t.adapter.close()));
  }

  private route(tenant: TenantContext): Target {
    const target = this.targets.find((t) => t.name === tenant.target);
    if (!target) throw new UserError(`tenant '${tenant.name}' belongs to no target of the config`);
    return target;
  }

  /** The tenant as its own target knows it. */
  private local(tenant: TenantContext): TenantContext {
    return tenant.localName !== undefined && tenant.localName !== tenant.name ? { ...tenant, name: tenant.localName } : tenant;
  }

  /** Tenants grouped by target, each with its local context, and the way back to the fleet's name. */
  private split(tenants: readonly TenantContext[]): { target: Target; local: TenantContext[]; fleetName: Map<string, string> }[] {
    const groups = new Map<Target, { target: Target; local: TenantContext[]; fleetName: Map<string, string> }>();
    for (const tenant of tenants) {
      const target = this.route(tenant);
      let group = groups.get(target);
      if (!group) groups.set(target, (group = { target, local: [], fleetName: new Map() }));
      const local = this.local(tenant);
      group.local.push(local);
      group.fleetName.set(local.name, tenant.name);
    }
    return [...groups.values()];
  }

  private async inspectTenants(tenants: readonly TenantContext[]): Promise<Map<string, InspectOutcome>> {
    const out = new Map<string, InspectOutcome>();
    await Promise.all(
      this.split(tenants).map(async ({ target, local, fleetName }) => {
        for (const [name, outcome] of await target.adapter.inspector.inspectTenants(local)) out.set(fleetName.get(name) ?? name, outcome);
      }),
    );
    return out;
  }

  private openBatch(): BatchRunner {
    const open = new Map<Target, Promise<BatchRunner>>();
    const opened = new Map<Target, BatchRunner>();
    const batchOf = (target: Target) => {
      let batch = open.get(target);
      if (!batch) {
        batch = target.adapter.runner.openBatch();
        batch.then((b) => opened.set(target, b)).catch(() => {});
        open.set(target, batch);
      }
      return batch;
    };
    const eachTarget = async <T>(tenants: readonly TenantContext[], fn: (batch: BatchRunner, local: TenantContext[], fleetName: Map<string, string>) => Promise<T>) =>
      Promise.all(this.split(tenants).map(async ({ target, local, fleetName }) => fn(await batchOf(target), local, fleetName)));
    return {
      lockTenants: async (tenants) => {
        const taken = new Set<string>();
        const failed = new Map<string, string>();
        await eachTarget(tenants, async (batch, local, fleetName) => {
          const outcome = await batch.lockTenants(local);
          for (const name of outcome.taken) taken.add(fleetName.get(name) ?? name);
          for (const [name, why] of outcome.failed) failed.set(fleetName.get(name) ?? name, why);
        });
        return { taken, failed };
      },
      holdsLock: (tenant) => opened.get(this.route(tenant))?.holdsLock(this.local(tenant)) ?? false,
      unlockTenants: async (tenants) => {
        await eachTarget(tenants, (batch, local) => batch.unlockTenants(local));
      },
      inspectTenants: async (tenants, scope) => {
        const out = new Map<string, InspectOutcome>();
        await eachTarget(tenants, async (batch, local, fleetName) => {
          for (const [name, outcome] of await batch.inspectTenants(local, scope)) out.set(fleetName.get(name) ?? name, outcome);
        });
        return out;
      },
      runSteps: async (tenant, steps, options) => (await batchOf(this.route(tenant))).runSteps(this.local(tenant), steps, options),
      invalidIndexes: async (tenants) => {
        const out = new Map<string, string[]>();
        await eachTarget(tenants, async (batch, local, fleetName) => {
          for (const [name, indexes] of await batch.invalidIndexes(local)) out.set(fleetName.get(name) ?? name, indexes);
        });
        return out;
      },
      cancelRunning: async () => {
        await Promise.all([...opened.values()].map((batch) => batch.cancelRunning()));
      },
      close: async () => {
        await Promise.all([...open.values()].map(async (batch) => (await batch).close()));
      },
    };
  }

  private historyTable(): HistoryTable {
    return {
      location: this.targets.map((t) => `${t.name}: ${t.adapter.history!.location}`).join(', '),
      save: async (entries) => {
        const byTarget = new Map<Target, HistorySave[]>();
        for (const entry of entries) {
          const target = this.route(entry.tenant);
          let mine = byTarget.get(target);
          if (!mine) byTarget.set(target, (mine = []));
          mine.push({ ...entry, tenant: this.local(entry.tenant) });
        }
        await Promise.all([...byTarget].map(([target, mine]) => target.adapter.history!.save(mine)));
      },
      list: (tenant) => this.route(tenant).adapter.history!.list(this.local(tenant)),
      load: (tenant, id) => this.route(tenant).adapter.history!.load(this.local(tenant), id),
    };
  }
}
