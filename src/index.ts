// The public API. The CLI uses nothing that is not reachable from here.
export { SchemaSyncEngine, type SyncTenantOptions, type SyncTenantResult } from './engine.js';
export type * from './model/types.js';
export { fingerprint } from './model/fingerprint.js';
export type { Change, ChangeKind, RenameHints } from './diff/changes.js';
export { diffSchemas, type DiffInput } from './diff/diff-schemas.js';
export { describeChange } from './diff/describe-change.js';
export { diffTenant, type TenantDiff } from './plan/plan-tenant.js';
export { orderChanges } from './plan/order-changes.js';
export { buildPlan, type PlanFile, type PlanGroup } from './plan/plan-file.js';
export { readPlanFile, writePlanYaml } from './plan/plan-yaml.js';
export type { Hazard, HazardCode } from './plan/hazards.js';
export type { PlanStep, RenderOptions, StepLock, StepPlacement } from './plan/step.js';
export { stepPlacement } from './plan/step.js';
export { applyPlan, type ApplyOptions, type TenantResult, type TenantStatus } from './apply/apply-plan.js';
export type { CancelSignal } from './apply/apply-options.js';
export type {
  BatchRunner,
  DatabaseAdapter,
  EngineName,
  HistoryEntry,
  HistoryTable,
  LockOutcome,
  MigrationRunner,
  SchemaInspector,
  TenantContext,
} from './engines/types.js';
export { defaultDiffCalculator, defaultExecutor, enginePlanner, type DiffCalculator, type Executor, type Planner } from './interfaces.js';
export { loadConfig } from './config/load-config.js';
export { openSnapshotStore, snapshotStoreKind } from './snapshot/open-store.js';
export { recordSnapshots, snapshotsOfApply, type RecordedSnapshots } from './snapshot/record-snapshots.js';
export { diffSnapshots } from './snapshot/diff-snapshots.js';
export { FilesystemSnapshotStore } from './snapshot/filesystem-store.js';
export { GitSnapshotStore } from './snapshot/git-store.js';
export { DatabaseSnapshotStore } from './snapshot/database-store.js';
export type { SnapshotMeta, SnapshotRun, SnapshotStore, SnapshotStoreKind, SnapshotVersion, StoredSnapshot } from './snapshot/types.js';
export { UserError } from './errors.js';
