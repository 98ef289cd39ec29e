import path from 'node:path';
import { simpleGit } from 'simple-git';
import type { Config } from '../config/config.js';
import type { TenantContext } from '../domain/tenant.js';
import type { EngineModule } from '../engines/types.js';
import { UserError } from '../errors.js';
import { desiredFor, isSqlManifest, loadManifest, loadOverrides, loadSqlManifest, manifestDigest, withoutExcluded, type Manifest, type Override } from '../manifest/index.js';
import type { DesiredSchema } from '../model/desired.js';
import { tenantObjects } from '../model/tenant-objects.js';
import type { SchemaModel } from '../model/types.js';
import { deepFreeze } from '../util/deep-freeze.js';
import { displayPath } from '../util/display-path.js';
import { own } from '../util/own.js';
import { sourceOf, type DocPath } from '../yaml/source.js';
import { checkExpressions, checkNormalizedExpressions } from './check-expressions.js';
import { checkIdentifiers } from './check-identifiers.js';
import { checkTypes } from './check-types.js';
import { CompileFailed, type DesiredCompiler } from './compile-desired.js';
import { describeCompileFailure } from './compile-failure.js';

/**
 * The desired state of a project: its manifest and overrides, loaded and checked once, and each
 * tenant's desired schema compiled by the server, cached per set of overrides that apply.
 */
export class DesiredState {
  private loaded: { manifest: Manifest; overrides: Override[] } | undefined;
  private readonly compiledByOverrides = new Map<string, Promise<DesiredSchema>>();
  private readonly usedOverrides = new Set<string>();

  constructor(
    private readonly config: Config,
    private readonly engine: EngineModule,
    /** Where desired schemas are compiled; asked only when a compile is needed. */
    private readonly compiler: () => DesiredCompiler,
  ) {}

  async load(): Promise<{ manifest: Manifest; overrides: Override[] }> {
    if (!this.loaded) {
      const sql = await isSqlManifest(this.config.manifest, this.config.manifestSql);
      if (sql && this.config.engine !== 'postgres') {
        throw new UserError(`${displayPath(this.config.manifest)}: a SQL manifest is compiled on PostgreSQL only, for now; for ${this.config.engine}, write the manifest in YAML`);
      }
      const manifest = sql
        ? await loadSqlManifest(this.config.manifest, this.config.manifestSql, (file) => displayPath(file))
        : await loadManifest(displayPath(this.config.manifest), this.engine);
      const overrides = await loadOverrides(displayPath(this.config.overrides));
      if (!this.config.grants) refuseUncomparedGrants([manifest, ...overrides], this.config.file === undefined ? 'the config' : displayPath(this.config.file));
      checkIdentifiers(manifest, overrides, this.engine);
      await checkExpressions(manifest, overrides, this.engine);
      this.loaded = { manifest, overrides };
    }
    return this.loaded;
  }

  /**
   * The tenant's desired schema, compiled by the server (DESIGN.md invariant 2). Tenants that
   * share the same set of overrides share one compiled schema, so a fleet of 10,000 compiles a
   * handful of times, and not at all when the compile cache has the result.
   */
  async desiredFor(tenant: TenantContext): Promise<DesiredSchema> {
    const { manifest, overrides } = await this.load();
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
    const objects = tenantObjects(prepared);
    let schema: SchemaModel;
    try {
      schema = await this.compiler().compile({ schema: prepared, sql: raw.sql, tenantTypes: objects.types, tenantSequences: objects.sequences });
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
    const { overrides } = await this.load();
    return overrides.map((o) => o.name).filter((name) => !this.usedOverrides.has(name));
  }

  async manifestInfo(): Promise<{ path: string; digest: string; commit?: string }> {
    const { manifest, overrides } = await this.load();
    const commit = await gitCommit(this.config.baseDir);
    return {
      path: this.config.manifestSql?.command !== undefined ? manifest.file : path.relative(this.config.baseDir, this.config.manifest) || path.basename(this.config.manifest),
      digest: manifestDigest(manifest, overrides),
      ...(commit ? { commit } : {}),
    };
  }

  /** The manifest as messages name it: its path, or the command that prints it. */
  private manifestName(manifest: Manifest): string {
    return this.config.manifestSql?.command !== undefined ? manifest.file : displayPath(this.config.manifest);
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

