import { readFileSync } from 'node:fs';
import path from 'node:path';
import { cosmiconfig, defaultLoaders } from 'cosmiconfig';
import { UserError, errorMessage } from '../errors.js';
import { parseCheckedYaml } from '../yaml/checked-yaml.js';
import { ManifestError } from '../yaml/errors.js';
import { SourceDoc } from '../yaml/source.js';
import type { EngineName } from '../domain/settings.js';
import type { TenantSelector } from '../domain/tenant.js';
import type { SnapshotStoreKind } from '../domain/settings.js';
import type { Config, ReconcilePolicy } from './config.js';
import { parseDuration } from './duration.js';
import { connectionUrlProblem, redactUrl } from '../util/redact-url.js';

const moduleName = 'schema-sync';

export const configSearchPlaces = [
  'package.json',
  'schema-sync.yaml',
  'schema-sync.yml',
  '.schema-syncrc',
  '.schema-syncrc.json',
  '.schema-syncrc.yaml',
  '.schema-syncrc.yml',
  '.schema-syncrc.js',
  '.schema-syncrc.cjs',
  '.schema-syncrc.mjs',
  'schema-sync.config.js',
  'schema-sync.config.cjs',
  'schema-sync.config.mjs',
  'schema-sync.config.ts',
];

export interface LoadConfigOptions {
  /** An explicit config file (--config). */
  readonly file?: string;
  /** Where to start searching; defaults to the working directory. */
  readonly cwd?: string;
  /** --database-url; wins over SCHEMA_SYNC_DATABASE_URL, which wins over the file. */
  readonly databaseUrl?: string;
  /** Defaults to process.env. A plain record, so the published types need no Node typings. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

interface RawConfig {
  engine: EngineName;
  url?: string;
  devUrl?: string;
  grants?: boolean;
  tenants?: TenantSelector;
  manifest?: string | { sql?: string; command?: string; timeout?: string; schema?: string };
  overrides?: string;
  plans?: string;
  snapshots?: string;
  snapshotStore?: SnapshotStoreKind;
  apply?: {
    concurrency?: number;
    lockTimeout?: string;
    statementTimeout?: string;
    retries?: number;
    concurrentIndexes?: boolean;
    indexTimeout?: string;
    busyTimeout?: string;
    failFast?: number;
  };
  targets?: { name: string; url?: string; tenants?: Pick<TenantSelector, 'pattern' | 'query' | 'list'> }[];
  reconcile?: {
    policy?: ReconcilePolicy;
    ref?: string;
    branch?: string;
    waves?: string[];
    maxFailuresPerWave?: number;
    reports?: string;
  };
}

/**
 * Validates against schemas/config.schema.json. YAML and JSON files are read again with
 * positions, so a problem names its line; a JavaScript config has none to give.
 */
function validateConfig(raw: unknown, filepath: string, file: string): RawConfig {
  const text = /\.(c|m)?(j|t)s$/.test(filepath) ? undefined : readFileSync(filepath, 'utf8');
  if (text !== undefined && path.basename(filepath) !== 'package.json') return parseCheckedYaml(text, file, 'config') as RawConfig;
  parseCheckedYaml(JSON.stringify(raw ?? null), file, 'config');
  return raw as RawConfig;
}

/**
 * YAML and JSON config files go through our parser, not cosmiconfig's: its errors quote the
 * lines around a mistake (a url with its password among them) and name no position we keep;
 * ours name file and line, refuse a second document and refuse absurd nesting.
 */
const parseConfigText = (filepath: string, content: string): unknown => {
  const { data, issues } = SourceDoc.parse(content, path.relative(process.cwd(), filepath) || filepath);
  if (issues.length > 0) throw new ManifestError(issues);
  return data;
};
const configLoaders = {
  '.yaml': parseConfigText,
  '.yml': parseConfigText,
  noExt: parseConfigText,
  // package.json stays JSON: a project's package.json is no business of a YAML parser.
  '.json': (filepath: string, content: string) => (path.basename(filepath) === 'package.json' ? defaultLoaders['.json'](filepath, content) : parseConfigText(filepath, content)),
};

/** Finds, validates and resolves the configuration (cosmiconfig search, then flags and env). */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<Config> {
  const env = options.env ?? process.env;
  const explorer = cosmiconfig(moduleName, { searchPlaces: configSearchPlaces, searchStrategy: 'global', loaders: configLoaders });
  let result;
  try {
    result = options.file
      ? await explorer.load(path.resolve(options.cwd ?? process.cwd(), options.file))
      : await explorer.search(options.cwd ?? process.cwd());
  } catch (error) {
    if (error instanceof ManifestError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`config file not found: ${options.file}`);
    throw new UserError(`cannot read config${options.file ? ` ${options.file}` : ''}: ${errorMessage(error)}`);
  }
  if (!result || result.isEmpty) {
    throw new UserError(
      `no schema-sync config found from ${options.cwd ?? process.cwd()} upwards.\n` +
        `Run 'schema-sync init' to create schema-sync.yaml, or pass --config <file>.`,
    );
  }
  const file = path.relative(process.cwd(), result.filepath) || result.filepath;
  const raw = validateConfig(result.config, result.filepath, file);
  const baseDir = path.dirname(result.filepath);
  const url = options.databaseUrl ?? env['SCHEMA_SYNC_DATABASE_URL'] ?? raw.url;
  const checkUrl = (where: string, value: string | undefined) => {
    if (raw.engine !== 'sqlite' && !value) {
      throw new UserError(`${file}: no database url${where}: set 'url', pass --database-url, or set SCHEMA_SYNC_DATABASE_URL`);
    }
    if (value && raw.engine === 'postgres' && !/^postgres(ql)?:\/\//.test(value)) {
      throw new UserError(`${file}: engine is postgres, but the database url${where} does not start with postgres:// or postgresql://`);
    }
    // Refused before the driver reads it: a misread URL puts pieces of its password in errors.
    const problem = value && raw.engine === 'postgres' ? connectionUrlProblem(value) : undefined;
    if (problem) throw new UserError(`${from(value)}: the database url${where} ${redactUrl(value!)} ${problem}`);
  };
  const from = (value: string | undefined) =>
    value === options.databaseUrl ? '--database-url' : value === env['SCHEMA_SYNC_DATABASE_URL'] ? 'SCHEMA_SYNC_DATABASE_URL' : file;
  const tenants = raw.tenants ?? {};
  const checkSources = (where: string, selector: Pick<TenantSelector, 'pattern' | 'query' | 'list'>) => {
    const sources = [selector.pattern, selector.query, selector.list].filter((x) => x !== undefined).length;
    if (sources !== 1) throw new UserError(`${file}: ${where}: give exactly one of 'pattern', 'query' or 'list'`);
  };
  let targets: Config['targets'];
  if (raw.targets) {
    const seen = new Set<string>();
    targets = raw.targets.map((t, i) => {
      if (seen.has(t.name)) throw new UserError(`${file}: targets[${i}]: the name '${t.name}' is used twice`);
      seen.add(t.name);
      const targetUrl = t.url ?? url;
      checkUrl(` of target ${t.name}`, targetUrl);
      const selector = t.tenants && Object.keys(t.tenants).length > 0 ? t.tenants : { pattern: tenants.pattern, query: tenants.query, list: tenants.list };
      checkSources(`targets[${i}] (${t.name}) tenants`, selector);
      const own = Object.fromEntries(Object.entries(selector).filter(([, v]) => v !== undefined));
      return { name: t.name, ...(targetUrl !== undefined ? { url: targetUrl } : {}), tenants: { ...own, ...(tenants.exclude ? { exclude: tenants.exclude } : {}) } };
    });
  } else {
    checkUrl('', url);
    checkSources('tenants', tenants);
  }
  const devUrl = env['SCHEMA_SYNC_DEV_URL'] ?? raw.devUrl;
  if (devUrl !== undefined) {
    if (raw.engine === 'sqlite') throw new UserError(`${file}: devUrl is for server engines; SQLite compiles the desired schema in memory`);
    checkUrl(' in devUrl', devUrl);
  }
  if (raw.grants === true && raw.engine === 'sqlite') throw new UserError(`${file}: grants: SQLite has no roles to grant to; remove the key or set it to false`);
  const apply = raw.apply ?? {};
  const duration = (key: string, value: string | undefined, fallback: string) => {
    try {
      return parseDuration(value ?? fallback);
    } catch (error) {
      throw new UserError(`${file}: ${key.includes('.') ? key : `apply.${key}`}: ${errorMessage(error)}`);
    }
  };
  return {
    file: result.filepath,
    baseDir,
    engine: raw.engine,
    ...(url !== undefined ? { url } : {}),
    ...(devUrl !== undefined ? { devUrl } : {}),
    grants: raw.grants ?? false,
    tenants,
    ...manifestSettings(raw.manifest, baseDir, (value) => duration('manifest.timeout', value, '2m'), file),
    overrides: path.resolve(baseDir, raw.overrides ?? 'overrides'),
    plans: path.resolve(baseDir, raw.plans ?? 'plans'),
    snapshots: path.resolve(baseDir, raw.snapshots ?? 'snapshots'),
    ...(raw.snapshotStore !== undefined ? { snapshotStore: raw.snapshotStore } : {}),
    apply: {
      concurrency: apply.concurrency ?? 8,
      lockTimeoutMs: duration('lockTimeout', apply.lockTimeout, '5s'),
      statementTimeoutMs: duration('statementTimeout', apply.statementTimeout, '5m'),
      retries: apply.retries ?? 3,
      concurrentIndexes: apply.concurrentIndexes ?? false,
      indexTimeoutMs: duration('indexTimeout', apply.indexTimeout, '30m'),
      busyTimeoutMs: duration('busyTimeout', apply.busyTimeout, '5s'),
      failFast: apply.failFast ?? 3,
    },
    ...(targets ? { targets } : {}),
    reconcile: {
      policy: raw.reconcile?.policy ?? 'report',
      ...(raw.reconcile?.ref !== undefined ? { ref: raw.reconcile.ref } : {}),
      branch: raw.reconcile?.branch ?? 'schema-sync/plan-{id}',
      waves: raw.reconcile?.waves ?? [],
      maxFailuresPerWave: raw.reconcile?.maxFailuresPerWave ?? 1,
      reports: path.resolve(baseDir, raw.reconcile?.reports ?? 'reports'),
    },
  };
}

/** Where the desired schema comes from: a path (YAML, or SQL by its name), or a map for SQL. */
function manifestSettings(manifest: RawConfig['manifest'], baseDir: string, timeout: (value: string | undefined) => number, file: string): Pick<Config, 'manifest' | 'manifestSql'> {
  if (manifest === undefined || typeof manifest === 'string') return { manifest: path.resolve(baseDir, manifest ?? 'schema/manifest.yaml') };
  if ((manifest.sql === undefined) === (manifest.command === undefined)) throw new UserError(`${file}: manifest: give either 'sql' (a file or folder) or 'command', not ${manifest.sql === undefined ? 'neither' : 'both'}`);
  if (manifest.timeout !== undefined && manifest.command === undefined) throw new UserError(`${file}: manifest.timeout goes with 'command'`);
  const schema = manifest.schema !== undefined ? { schema: manifest.schema } : {};
  if (manifest.command !== undefined) return { manifest: baseDir, manifestSql: { command: manifest.command, timeoutMs: timeout(manifest.timeout), ...schema } };
  return { manifest: path.resolve(baseDir, manifest.sql ?? ''), manifestSql: { timeoutMs: 0, ...schema } };
}

export { redactUrl } from '../util/redact-url.js';
