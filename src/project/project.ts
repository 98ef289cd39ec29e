import path from 'node:path';
import { simpleGit } from 'simple-git';
import type { Config } from '../config/config.js';
import { loadConfig, type LoadConfigOptions } from '../config/load-config.js';
import { loadEngine } from '../engines/index.js';
import type { DatabaseAdapter, EngineModule } from '../engines/types.js';
import type { TenantContext, TenantSelector } from '../domain/tenant.js';
import { FleetAdapter } from '../targets/fleet-adapter.js';
import { TenantQueryError, UserError } from '../errors.js';
import type { DesiredSchema } from '../model/desired.js';
import { deepFreeze } from '../util/deep-freeze.js';
import { desiredFor, isSqlManifest, loadManifest, loadOverrides, loadSqlManifest, manifestDigest, withoutExcluded, type Manifest, type Override } from '../manifest/index.js';
import { routineName } from '../model/object-key.js';
import { emptySchema, type SchemaModel } from '../model/types.js';
import { diffSchemas } from '../diff/diff-schemas.js';
import { orderChanges } from '../plan/order-changes.js';
import { filterRejected, filterTenants, selectTenants, type Discovery, type TenantFilter } from '../tenants/select-tenants.js';
import { checkTypes } from './check-types.js';
import { checkExpressions, checkNormalizedExpressions } from './check-expressions.js';
import { checkIdentifiers } from './check-identifiers.js';
import { sourceOf, type DocPath } from '../yaml/source.js';
import { own } from '../util/own.js';
import type { RefineChanges } from '../plan/plan-tenant.js';
import { CompileFailed, DesiredCompiler } from './compile-desired.js';
import { describeCompileFailure } from './compile-failure.js';

/**
 * A configured project: config, engine adapter, manifest and overrides, loaded once and shared
 * by every step. It holds no schema logic; it only wires the pieces together.
 */
export class Project {
  private adapterInstance: DatabaseAdapter | undefined;
  private devAdapter: DatabaseAdapter | undefined;
  private compilerInstance: DesiredCompiler | undefined;
  private desiredState: { manifest: Manifest; overrides: Override[] } | undefined;
  private readonly compiledByOverrides = new Map<string, Promise<DesiredSchema>>();
  private readonly usedOverrides = new Set<string>();

  private constructor(
    readonly config: Config,
    readonly engine: EngineModule,
  ) {}

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

  async loadDesiredState(): Promise<{ manifest: Manifest; overrides: Override[] }> {
    if (!this.desiredState) {
      const sql = await isSqlManifest(this.config.manifest, this.config.manifestSql);
      if (sql && this.config.engine !== 'postgres') {
        throw new UserError(`${this.relative(this.config.manifest)}: a SQL manifest is compiled on PostgreSQL only, for now; for ${this.config.engine}, write the manifest in YAML`);
      }
      const manifest = sql
        ? await loadSqlManifest(this.config.manifest, this.config.manifestSql, (file) => this.relative(file))
        : await loadManifest(this.relative(this.config.manifest), this.engine);
      const overrides = await loadOverrides(this.relative(this.config.overrides));
      if (!this.config.grants) refuseUncomparedGrants([manifest, ...overrides], this.config.file === undefined ? 'the config' : this.relative(this.config.file));
      checkIdentifiers(manifest, overrides, this.engine);
      await checkExpressions(manifest, overrides, this.engine);
      this.desiredState = { manifest, overrides };
    }
    return this.desiredState;
  }

  /**
   * The tenant's desired schema, compiled by the server (DESIGN.md invariant 2). Tenants that
   * share the same set of overrides share one compiled schema, so a fleet of 10,000 compiles a
   * handful of times, and not at all when the compile cache has the result.
   */
  async desiredFor(tenant: TenantContext): Promise<DesiredSchema> {
    const { manifest, overrides } = await this.loadDesiredState();
    const raw = desiredFor(tenant, manifest, overrides, this.engine);
    for (const name of raw.overrides) this.usedOverrides.add(name);
    const key = raw.overrides.join('\0');
    let compiled = this.compiledByOverrides.get(key);
    if (!compiled) {
      compiled = this.compileDesired(raw, manifest, overrides);
      this.compiledByOverrides.set(key, compiled);
    }
    return compiled;
  }

  private async compileDesired(raw: DesiredSchema, manifest: Manifest, overrides: readonly Override[]): Promise<DesiredSchema> {
    const applying = overrides.filter((o) => raw.overrides.includes(o.name)).reverse();
    // The last override that writes a path wins, as in the merge; else the manifest.
    const docs = [...applying.map((o) => o.content), manifest.content];
    const locate = (table: string, column: string): string | undefined => {
      const found = locateIn(docs, ['tables', table, 'columns', column, 'type']) ?? locateIn(docs, ['tables', table, 'columns', column]);
      return found?.at;
    };
    const files = raw.overrides.length > 0 ? `${this.manifestName(manifest)} with ${raw.overrides.join(', ')}` : this.manifestName(manifest);
    checkTypes(raw.schema, this.engine.normalizer, files, locate);
    let prepared: SchemaModel;
    try {
      prepared = this.engine.normalizer.normalizeSchema(raw.schema);
    } catch (error) {
      // What the engine cannot hold (a SQLite index method, say) is said of the files that ask for it.
      if (error instanceof UserError) throw new UserError(`${files}: ${error.message}`, error.exitCode);
      throw error;
    }
    const tenantObjects = this.tenantObjects(prepared);
    let schema: SchemaModel;
    try {
      schema = await this.compiler.compile({ schema: prepared, sql: raw.sql, tenantTypes: tenantObjects.types, tenantSequences: tenantObjects.sequences });
    } catch (error) {
      if (error instanceof CompileFailed) throw new UserError(describeCompileFailure(error.failure, error.changes, { files, locate: (base, matches) => locateIn(docs, base, matches) }));
      throw compileConnectionError(error, this.config.devUrl !== undefined);
    }
    // A SQL manifest's tables come from the compile: the overrides' exclusions apply to them now.
    if (manifest.sql) schema = withoutExcluded(schema, raw.excluded);
    // Frozen like every shared model: the diff remembers its result per pair of frozen tables.
    const desired: DesiredSchema = deepFreeze({ ...raw, schema });
    await checkNormalizedExpressions(desired.schema, this.engine);
    return desired;
  }

  /**
   * Override files that selected none of the tenants computed so far: after a run over the whole
   * fleet, most likely a typo in a glob or a label.
   */
  async unusedOverrides(): Promise<string[]> {
    const { overrides } = await this.loadDesiredState();
    return overrides.map((o) => o.name).filter((name) => !this.usedOverrides.has(name));
  }

  async manifestInfo(): Promise<{ path: string; digest: string; commit?: string }> {
    const { manifest, overrides } = await this.loadDesiredState();
    const commit = await gitCommit(this.config.baseDir);
    return {
      path: this.config.manifestSql?.command !== undefined ? manifest.file : path.relative(this.config.baseDir, this.config.manifest) || path.basename(this.config.manifest),
      digest: manifestDigest(manifest, overrides),
      ...(commit ? { commit } : {}),
    };
  }

  /**
   * An inspected schema as a SQL manifest: tenant-neutral statements in an order that runs, and
   * the objects the model does not manage listed as comments, as the YAML manifest lists them.
   */
  async schemaAsSql(schema: SchemaModel, tenant: string): Promise<string> {
    if (!this.engine.schemaSql) throw new UserError(`${this.config.engine} cannot write a schema as SQL: write a YAML manifest (-o <file>.yaml)`);
    const changes = orderChanges(diffSchemas({ current: emptySchema, desired: schema }));
    const { types, sequences } = this.tenantObjects(schema);
    const statements = await this.engine.schemaSql({ changes, tenantTypes: types, tenantSequences: sequences });
    const unmanaged = (schema.unmanaged ?? []).map((o) => `--   ${o.kind} ${o.table ? `${o.table}.` : ''}${o.name}`.replace(/[\r\n]/g, ' '));
    const header = [
      `-- The schema of tenant ${JSON.stringify(tenant)}, written by schema-sync inspect, naming no schema:`,
      '-- use it as the manifest (manifest: <this file>) or run it with the target schema first in search_path.',
      ...(unmanaged.length > 0 ? ['-- Not written here (not managed by schema-sync yet):', ...unmanaged] : []),
    ];
    return [...header, '', ...statements.map((s) => `${s}\n`)].join('\n');
  }

  /** The manifest as messages name it: its path, or the command that prints it. */
  private manifestName(manifest: Manifest): string {
    return this.config.manifestSql?.command !== undefined ? manifest.file : this.relative(this.config.manifest);
  }

  /** Types and sequences a tenant's expressions may name: they get the tenant's qualifier. */
  tenantObjects(...schemas: SchemaModel[]): { types: string[]; sequences: string[]; functions?: string[] } {
    const types = new Set<string>();
    const sequences = new Set<string>();
    const functions = new Set<string>();
    for (const schema of schemas) {
      for (const e of schema.enums) types.add(e.name);
      for (const t of schema.externalTypes ?? []) if (!t.includes('.')) types.add(t);
      for (const s of schema.sequences) sequences.add(s.name);
      for (const o of schema.objects ?? []) {
        if (o.kind === 'function' || o.kind === 'aggregate') functions.add(routineName(o.name));
        if (o.kind === 'domain' || o.kind === 'composite type') types.add(o.name);
      }
    }
    return {
      types: [...types].sort(),
      sequences: [...sequences].sort(),
      ...(functions.size > 0 && { functions: [...functions].sort() }),
    };
  }

  /** A path as the user would type it: relative to the working directory when that is shorter. */
  relative(file: string): string {
    const rel = path.relative(process.cwd(), file);
    return rel.length < file.length && !rel.startsWith('..' + path.sep + '..') ? rel : file;
  }

  async close(): Promise<void> {
    const adapters = [this.adapterInstance, this.devAdapter];
    this.adapterInstance = undefined;
    this.devAdapter = undefined;
    for (const adapter of adapters) if (adapter) await adapter.close();
  }
}

async function gitCommit(dir: string): Promise<string | undefined> {
  try {
    const git = simpleGit({ baseDir: dir });
    if (!(await git.checkIsRepo())) return undefined;
    return (await git.revparse(['HEAD'])).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Where in the desired state's files a path is written (the first document that has it), or with
 * `matches`, the first string under it that matches, as `file:line:column` and its path.
 */
function locateIn(docs: readonly object[], base: DocPath, matches?: (text: string) => boolean): { at: string; path: DocPath } | undefined {
  for (const content of docs) {
    const source = sourceOf(content);
    if (!source?.has(base)) continue;
    let node: unknown = content;
    for (const segment of base) node = node !== null && typeof node === 'object' ? own(node as Record<string, unknown>, String(segment)) : undefined;
    const path = matches ? firstMatch(node, base, matches) : base;
    if (!path) continue;
    const { line, column } = source.position(path);
    return { at: `${source.file}:${line}:${column}`, path };
  }
  return undefined;
}

function firstMatch(node: unknown, path: DocPath, matches: (text: string) => boolean): DocPath | undefined {
  if (typeof node === 'string') return matches(node) ? path : undefined;
  if (node === null || typeof node !== 'object') return undefined;
  const entries: [string | number, unknown][] = Array.isArray(node) ? node.map((v, i) => [i, v]) : Object.keys(node).map((k) => [k, own(node as Record<string, unknown>, k)]);
  for (const [key, value] of entries) {
    // A key is text the user wrote too (a column's name).
    if (typeof key === 'string' && matches(key)) return [...path, key];
    const found = firstMatch(value, [...path, key], matches);
    if (found) return found;
  }
  return undefined;
}

/** `grants:` written while the setting is off would be silently ignored: said instead. */
function refuseUncomparedGrants(docs: readonly (Manifest | Override)[], config: string): void {
  for (const doc of docs) {
    if (doc.content.grants === undefined) continue;
    const source = sourceOf(doc.content);
    const at = source ? `${doc.file}:${source.position(['grants'], { key: true }).line}` : doc.file;
    throw new UserError(`${at}: grants: privileges are compared only with \`grants: true\` in ${config}; set it, or remove the grants`);
  }
}

/**
 * A compile that the server refused for lack of privilege says what would let it run; other
 * errors (a lost connection) pass unchanged.
 */
function compileConnectionError(error: unknown, onDevUrl: boolean): unknown {
  // 42501: no CREATE privilege; 25006: the role's transactions are read-only.
  const code = (error as { code?: string }).code;
  if (code !== '42501' && code !== '25006') return error;
  const where = onDevUrl ? 'the devUrl server' : "the tenants' server";
  return new UserError(
    `cannot compile the desired schema on ${where}: ${(error as Error).message}. The compile creates a scratch schema ` +
      `in a transaction that is always rolled back, so the role needs CREATE on the database; or set devUrl to a server ` +
      `where it has it. A compile cached in .schema-sync/compiled/ (from a run that could compile) needs neither.`,
  );
}

export function requireTenants(discovery: Discovery): void {
  if (discovery.tenants.length === 0) {
    const refused = discovery.rejected.length;
    const also = refused > 0 ? ` (${refused} name${refused === 1 ? '' : 's'} refused: see schema-sync tenants)` : '';
    throw new UserError(`no tenants matched${also}: check tenants in the config, --tenant and --label`, 2);
  }
}
