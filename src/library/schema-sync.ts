import type { ApplyOptions, TenantResult } from '../apply/apply-plan.js';
import type { Executor } from '../workflow/pipeline.js';
import { applyReviewed, type ApplyReviewedOptions, type ReviewedRun } from './apply-reviewed.js';
import type { LoadConfigOptions } from '../config/load-config.js';
import type { Change } from '../diff/changes.js';
import type { TenantContext } from '../domain/tenant.js';
import { UserError } from '../errors.js';
import type { PlanFile } from '../plan/plan-file.js';
import { Project } from '../project/project.js';
import { openSnapshotStore } from '../project/snapshot-store.js';
import type { SnapshotStore } from '../snapshot/types.js';
import type { TenantFilter } from '../tenants/select-tenants.js';
import { auditWithSnapshots, type AuditReport } from '../workflow/audit-tenants.js';
import { planTenants, planWithSnapshots, type PlanOptions } from '../workflow/plan-tenants.js';

/** The pieces of DESIGN.md the library runs; each one left out is the default. */
export interface SchemaSyncParts {
  /** Runs a plan across tenants; the default is the one executor, applyPlan. */
  readonly executor?: Executor;
}

export interface SyncTenantOptions {
  /** Apply the changes; without it, syncTenant only plans. */
  readonly execute?: boolean;
  readonly allowDestructive?: boolean;
}

export interface SyncTenantResult {
  readonly diff: readonly Change[];
  readonly plan: PlanFile;
  readonly alreadyInSync: boolean;
  /** Set when execute was true and there was something to apply. */
  readonly result?: TenantResult;
}

/**
 * The library's entry point: one configured project. The CLI is a thin layer over exactly these
 * methods.
 */
export class SchemaSyncEngine {
  private constructor(
    readonly project: Project,
    private readonly parts: SchemaSyncParts,
  ) {}

  /** Opens the project the config describes; `parts` replaces the default pieces the library is built from. */
  static async open(options: LoadConfigOptions = {}, parts: SchemaSyncParts = {}): Promise<SchemaSyncEngine> {
    return new SchemaSyncEngine(await Project.open(options), parts);
  }

  async listTenants(filter: TenantFilter = {}): Promise<TenantContext[]> {
    return (await this.project.discover(filter)).tenants;
  }

  async plan(filter: TenantFilter = {}, options: PlanOptions = {}): Promise<PlanFile> {
    return (await planWithSnapshots(this.project, await this.listTenants(filter), options)).plan;
  }

  /**
   * Applies a reviewed plan and saves the snapshots of the tenants it migrated, as `apply` does. A
   * snapshot that could not be saved is a process warning: the tenants are migrated either way.
   */
  async apply(plan: PlanFile, options: Partial<ApplyOptions> = {}): Promise<TenantResult[]> {
    const run = await this.applyRun(plan, options);
    if (run.snapshotError !== undefined) process.emitWarning(`snapshots not saved: ${run.snapshotError}`, 'SchemaSyncWarning');
    return run.results;
  }

  /** apply, with what it recorded: the snapshot store, the git commit, or why nothing was saved. */
  async applyRun(plan: PlanFile, options: Omit<ApplyReviewedOptions, 'executor'> = {}): Promise<ReviewedRun> {
    return applyReviewed(this.project, plan, { ...options, ...(this.parts.executor && { executor: this.parts.executor }) });
  }

  /** The project's snapshot store (config `snapshotStore`): each tenant's last applied schema and its history. */
  snapshots(): Promise<SnapshotStore> {
    return openSnapshotStore(this.project);
  }

  async audit(filter: TenantFilter = {}): Promise<AuditReport> {
    return auditWithSnapshots(this.project, await this.listTenants(filter));
  }

  /** Plans one tenant and, with `execute`, applies that plan to it. */
  async syncTenant(tenant: string | TenantContext, options: SyncTenantOptions = {}): Promise<SyncTenantResult> {
    const name = typeof tenant === 'string' ? tenant : tenant.name;
    const context = (await this.listTenants({ tenants: [name] })).find((t) => t.name === name);
    if (!context) throw new UserError(`tenant '${name}' not found by discovery`);
    const { plan, diffs } = await planTenants(this.project, [context], { allowDestructive: options.allowDestructive ?? false });
    if (plan.failed.length > 0) throw new UserError(`${name}: ${plan.failed[0]!.error}`);
    const diff = diffs[0]?.changes ?? [];
    const alreadyInSync = diff.length === 0;
    if (!options.execute || alreadyInSync) return { diff, plan, alreadyInSync };
    const [result] = await this.apply(plan, { allowDestructive: options.allowDestructive ?? false });
    return { diff, plan, alreadyInSync, ...(result ? { result } : {}) };
  }

  async close(): Promise<void> {
    await this.project.close();
  }
}
