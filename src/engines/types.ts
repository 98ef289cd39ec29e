import type { Change } from '../diff/changes.js';
import type { IndexKey, SchemaModel } from '../model/types.js';
import type { PlanStep, RenderChanges } from '../plan/step.js';
import type { SqlSource } from '../model/desired.js';
import type { ConnectionSettings, EngineName } from '../domain/settings.js';
import type { DiscoveredTenant, TenantContext, TenantSelector } from '../domain/tenant.js';

export type InspectOutcome =
  | { readonly ok: true; readonly schema: SchemaModel }
  | { readonly ok: false; readonly error: string };

/** What DatabaseAdapter.recoverTenants did to one tenant: rolled back an interrupted write, or found none. */
export type RecoverOutcome = { readonly ok: true; readonly recovered: boolean } | { readonly ok: false; readonly error: string };

/**
 * Part of a schema to read again after an apply changed only that part. The model read back holds
 * the named tables that exist, the enums and the sequences when asked for (empty lists when not),
 * and no unmanaged objects; withRereadPart (apply/verification-scope.ts) puts it together with
 * the rest of the schema read before.
 */
export interface InspectScope {
  readonly tables: readonly string[];
  readonly enums: boolean;
  readonly sequences: boolean;
}

/** Read-only; many tenants in one call. */
export interface SchemaInspector {
  inspectTenants(tenants: readonly TenantContext[]): Promise<Map<string, InspectOutcome>>;
}

/** Reads the tenant inside the transaction that ran its steps, before COMMIT; a scope reads only that part. */
export type ReadInTransaction = (scope?: InspectScope) => Promise<SchemaModel>;

export interface RunStepsOptions {
  readonly lockTimeoutMs: number;
  readonly statementTimeoutMs: number;
  /**
   * Called after the main transaction's statements ran and before its COMMIT (invariant 5): a
   * message back rolls the transaction back and the run fails with a VerificationFailed error.
   */
  readonly verify?: (read: ReadInTransaction) => Promise<string | undefined>;
}

/**
 * The executor's hold on an engine: apply runs every plan through one executor (apply/apply-in-waves.ts),
 * which locks, stale-checks, runs and verifies tenants a wave at a time through a BatchRunner.
 */
export interface MigrationRunner {
  /**
   * Most tenants a wave may lock at once, where a held lock stops the tenant's own application
   * (a SQLite write lock blocks its writers): waves stay short there. Unset: no bound of its own.
   */
  readonly maxWave?: number;
  openBatch(): Promise<BatchRunner>;
}

/** What BatchRunner.lockTenants did with each tenant of a wave. */
export interface LockOutcome {
  /** Tenants whose lock the run now holds. */
  readonly taken: ReadonlySet<string>;
  /**
   * Tenants whose lock cannot be tried at all (a SQLite file that does not open), with why: the
   * executor fails them. A tenant in neither is held by someone else and is tried again later.
   */
  readonly failed: ReadonlyMap<string, string>;
}

/**
 * An engine's part of apply: lock many tenants at once, read them, run one tenant's steps. The
 * lock is what the engine has (PostgreSQL: advisory locks on one dedicated connection; SQLite:
 * each file's write transaction, BEGIN IMMEDIATE); reading is the engine's inspector, on the
 * locked connection where the lock is a transaction.
 */
export interface BatchRunner {
  /** Tries the locks of many tenants without waiting. */
  lockTenants(tenants: readonly TenantContext[]): Promise<LockOutcome>;
  /**
   * Whether the run still holds the tenant's lock: false once the connection that held it is gone,
   * since the server then released it, or once the transaction that was the lock ended (SQLite).
   */
  holdsLock(tenant: TenantContext): boolean;
  unlockTenants(tenants: readonly TenantContext[]): Promise<void>;
  /**
   * The inspector's inspectTenants, for the stale checks and verifications of the run's waves.
   * With a scope, only that part of each tenant is read (see InspectScope); an engine may read
   * more than the scope.
   */
  inspectTenants(tenants: readonly TenantContext[], scope?: InspectScope): Promise<Map<string, InspectOutcome>>;
  /**
   * Transactional steps in one transaction, then the others one by one. Only on a tenant whose
   * lock the run holds; a failure rolls the transaction back.
   */
  runSteps(tenant: TenantContext, steps: readonly PlanStep[], options: RunStepsOptions): Promise<void>;
  /** Indexes left INVALID by a failed concurrent build, per tenant. */
  invalidIndexes(tenants: readonly TenantContext[]): Promise<Map<string, string[]>>;
  /**
   * Cancels the statements of every tenant now running its steps, after an interrupt: each such
   * runSteps then fails, and a transaction not yet committed is rolled back.
   */
  cancelRunning(): Promise<void>;
  /** Releases every lock still held and the lock connection. */
  close(): Promise<void>;
}

/** Per-engine canonicalization of a desired schema written by a person. */
export interface Normalizer {
  normalizeSchema(schema: SchemaModel): SchemaModel;
  /** The inverse sugar for writing a manifest from an inspected schema (serial columns). */
  toManifestSchema(schema: SchemaModel): SchemaModel;
  /**
   * The manifest's `sql:` for an inspected schema: statements that make its objects (views,
   * routines, triggers, policies, domains, ...) in an order that runs; absent where the engine's
   * model holds none.
   */
  manifestSql?(schema: SchemaModel): string[];
  /**
   * Types the engine knows without the schema declaring them, checked before the compile to name
   * the column; absent where the compiling server judges types itself (PostgreSQL).
   */
  isBuiltinType?(type: string): boolean;
}

/** One row of the database snapshot store's table (see HistoryTable). */
export interface HistoryEntry {
  /** The row's id: a snapshot's revision in the database store. */
  readonly id: string;
  readonly fingerprint: string;
  readonly planId?: string;
  /** When the snapshot was taken, ISO 8601. */
  readonly at: string;
}

export interface HistorySave extends Omit<HistoryEntry, 'id'> {
  readonly tenant: TenantContext;
  readonly snapshot: string;
}

/**
 * The database snapshot store's table, kept next to the tenants so the history survives without
 * the repository: `schema_sync.snapshots` (PostgreSQL), `schema_sync_history` inside the tenant
 * file (SQLite). Inspection never reports it, as drift or as an unmanaged object.
 */
export interface HistoryTable {
  /** Where the rows are, for messages. */
  readonly location: string;
  /** Appends snapshots of many tenants, one row each; `snapshot` is the model as JSON text. */
  save(entries: readonly HistorySave[]): Promise<void>;
  /** The tenant's snapshots, newest first, without their text. */
  list(tenant: TenantContext): Promise<HistoryEntry[]>;
  /** One snapshot with its text: the row with this id, or the newest without one. */
  load(tenant: TenantContext, id?: string): Promise<(HistoryEntry & { readonly snapshot: string }) | undefined>;
}

/**
 * One desired schema to compile: the changes that build the manifest's model from nothing (the
 * neutral layer diffs and orders them; the engine renders them) and the SQL it holds.
 */
export interface CompileInput {
  readonly changes: readonly Change[];
  readonly tenantTypes: readonly string[];
  readonly tenantSequences: readonly string[];
  readonly sql: readonly SqlSource[];
  /**
   * Asked with each read of the compiled schema: changes to make to it where it stands, in the
   * same scratch place, before it is read again (only the scope's part, when one is given);
   * undefined when there are none. The outcome is the last read. An engine that cannot keep its
   * scratch place between reads never asks, and one whose changes the server refuses stops
   * asking and returns the read before them.
   */
  readonly thenChange?: (read: SchemaModel) => CompileRound | undefined;
}

/** Changes to a compiled schema where it stands (CompileInput.thenChange), and what to read back. */
export interface CompileRound {
  readonly changes: readonly Change[];
  readonly scope?: InspectScope;
}

/** Why the server would not build a desired schema: its message, and what it was building. */
export interface CompileFailure {
  readonly message: string;
  /** The plan step's summary when a statement rendered from the manifest's model failed. */
  readonly step?: string;
  /** Which of the input's changes that step was rendering. */
  readonly change?: number;
  /** Where a statement of `sql:` is written. */
  readonly source?: { readonly file: string; readonly line: number };
}

export type CompileOutcome = { readonly ok: true; readonly schema: SchemaModel } | { readonly ok: false; readonly error: CompileFailure };

/** Builds desired schemas where they never persist and reads them back with the tenants' inspector. */
export interface SchemaCompiler {
  /** The engine and the server's major version: what decides how the server prints, for the compile cache's key. */
  version(): Promise<string>;
  compileSchemas(inputs: readonly CompileInput[]): Promise<CompileOutcome[]>;
}

/** One engine's connection to one server: discovery, inspection, rendering, running. */
export interface DatabaseAdapter {
  readonly engine: EngineName;
  /**
   * Candidates matching the config's pattern (in the engine's own namespace: schema names, database
   * names, file paths), query or list. Exclusion, labels and name safety are applied by the caller.
   */
  discoverTenants(selector: TenantSelector): Promise<DiscoveredTenant[]>;
  /**
   * Engine-specific rewriting of diffed changes before they are ordered, e.g. SQLite folds changes
   * its ALTER TABLE cannot make into one table rebuild. Pure.
   */
  refineChanges?(changes: readonly Change[], current: SchemaModel, desired: SchemaModel): Change[];
  readonly inspector: SchemaInspector;
  /** What the inspector reads and the diff compares, in words for the summary of check and audit. */
  readonly comparedKinds: readonly string[];
  /** Compiles desired schemas on this server (or the in-memory database) for the inspector. */
  readonly compiler: SchemaCompiler;
  /**
   * Of the types from other schemas a desired schema uses (SchemaModel.externalTypes: an
   * extension's, installed once per database), those the tenant's server does not have. Absent
   * where every tenant has every type the compile had (SQLite's are built in).
   */
  missingTypes?(tenant: TenantContext, types: readonly string[]): Promise<string[]>;
  /**
   * Finishes what a killed writer left behind (a SQLite hot journal) under each tenant's lock, so
   * read-only inspection can read the tenant again. Engines whose server recovers by itself omit it.
   */
  recoverTenants?(tenants: readonly TenantContext[]): Promise<Map<string, RecoverOutcome>>;
  readonly runner: MigrationRunner;
  readonly render: RenderChanges;
  readonly normalizer: Normalizer;
  /** Creates an empty tenant (schema, database or file). */
  createTenant(name: string): Promise<void>;
  /** Removes a tenant and all it holds; used by the demo on tenants it created. */
  dropTenant(name: string): Promise<void>;
  /** Quotes the tenant for the plan's placeholder substitution. */
  tenantQualifier(tenant: TenantContext): string;
  /** The database snapshot store's table, where the engine has one. */
  readonly history?: HistoryTable;
  /** Transient errors apply retries: lock timeout, deadlock, serialization failure, lost connection. */
  isTransientError(error: unknown): boolean;
  /**
   * Where the engine sends several statements as one text, its own parser checks that a plan
   * step's statements, with the placeholder standing for any tenant, hold exactly those
   * statements; the message says why not. Absent where each statement is sent alone.
   */
  checkPlannedStatements?(statements: readonly string[], placeholder: string): Promise<string | undefined>;
  close(): Promise<void>;
}

/**
 * Free SQL text written in a manifest or override: an expression (a default, a CHECK, an index
 * key or predicate, a generation expression) or a column type.
 */
export interface SqlText {
  /** partitionKey: `RANGE (a)`; partitionBound: `FOR VALUES ...` or `DEFAULT`. */
  readonly kind: 'expression' | 'type' | 'partitionKey' | 'partitionBound';
  readonly text: string;
}

/**
 * A constraint a manifest leaves unnamed, as the engine's naming rule reads it: its table, and the
 * columns (a CHECK's: its expression and the table's columns) the name may be made of.
 */
export type UnnamedConstraint =
  | { readonly kind: 'primaryKey'; readonly table: string }
  | { readonly kind: 'unique' | 'foreignKey'; readonly table: string; readonly columns: readonly string[] }
  | { readonly kind: 'check'; readonly table: string; readonly expression: string; readonly tableColumns: readonly string[] };

/** How the engine names a constraint that is left unnamed (engines/<name>/names.ts). */
export interface NamingRules {
  /** The name the engine gives the constraint: the first of its candidates that `taken` does not hold. */
  constraintName(constraint: UnnamedConstraint, taken: ReadonlySet<string>): string;
}

/** How an index key written as one string reads in the engine's spelling (engines/<name>/index-keys.ts). */
export interface IndexKeySyntax {
  /** `name`, `"Mixed Name" DESC`, `lower(email)`: a column key or, failing that, an expression. */
  parse(text: string): IndexKey;
  /** The string form of a key, or undefined when only the map form says it exactly. */
  format(key: IndexKey): string | undefined;
}

/**
 * The engine's rules a manifest is read and written with: the names of what it leaves unnamed,
 * and its index keys written as text. The manifest holds only what the person wrote.
 */
export interface ManifestRules {
  readonly naming: NamingRules;
  readonly indexKeys: IndexKeySyntax;
}

export interface EngineModule extends ManifestRules {
  createAdapter(settings: ConnectionSettings): DatabaseAdapter;
  readonly normalizer: Normalizer;
  readonly render: RenderChanges;
  /**
   * Judges each text with the engine's own parser: undefined when it is exactly one piece of its
   * kind, else why not (a second statement, a comment, a sub-select, a clause after it, ...).
   */
  checkSqlTexts(texts: readonly SqlText[]): Promise<readonly (string | undefined)[]>;
  /**
   * Why the server would not keep a name as written (PostgreSQL cuts names at 63 bytes), or
   * undefined. Absent where any name a manifest can hold is kept whole.
   */
  identifierProblem?(name: string): string | undefined;
  /**
   * The statements that build a schema from nothing (`changes`, in plan order), naming no schema,
   * for a SQL manifest (`inspect -o x.sql`). Absent where the engine cannot write one.
   */
  schemaSql?(input: { readonly changes: readonly Change[]; readonly tenantTypes: readonly string[]; readonly tenantSequences: readonly string[] }): Promise<string[]>;
}
