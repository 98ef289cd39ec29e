import picomatch from 'picomatch';
import type { RenameHints } from '../model/desired.js';
import type { ManifestRules } from '../engines/types.js';
import type { TenantContext } from '../domain/tenant.js';
import type { SchemaModel } from '../model/types.js';
import type { DesiredSchema, Exclusions } from '../model/desired.js';
import { ManifestError } from '../yaml/errors.js';
import { deepFreeze } from '../util/deep-freeze.js';
import type { Manifest, Override } from './spec.js';
import { assembleInput, buildSchema, IssueCollector } from './to-model.js';
import { nameRecord, own } from '../util/own.js';
import type { SqlSource } from '../model/desired.js';
import { sourceOf } from '../yaml/source.js';

const matchers = new WeakMap<Override, (name: string) => boolean>();

/** An override applies when the tenant's name matches one of its globs or the tenant has one of its labels. */
export function overrideApplies(override: Override, tenant: TenantContext): boolean {
  let matches = matchers.get(override);
  if (!matches) {
    const globs = override.content.tenants ?? [];
    matches = globs.length > 0 ? picomatch([...globs]) : () => false;
    matchers.set(override, matches);
  }
  if (matches(tenant.name)) return true;
  const labels = override.content.labels ?? [];
  return labels.some((label) => tenant.labels.includes(label));
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(compareNames);
}

/** The exclusions of all the given overrides, merged: sorted, without repeats. */
export function mergeExclusions(overrides: readonly Override[]): Exclusions {
  const tables: string[] = [];
  const columns = new Map<string, string[]>();
  const indexes = new Map<string, string[]>();
  for (const override of overrides) {
    const exclude = override.content.exclude;
    if (!exclude) continue;
    tables.push(...(exclude.tables ?? []));
    for (const [target, source] of [
      [columns, exclude.columns],
      [indexes, exclude.indexes],
    ] as const) {
      for (const [table, names] of Object.entries(source ?? {})) target.set(table, [...(target.get(table) ?? []), ...names]);
    }
  }
  const record = (map: Map<string, string[]>): Record<string, string[]> =>
    Object.fromEntries([...map].sort((a, b) => compareNames(a[0], b[0])).map(([table, names]) => [table, sortedUnique(names)]));
  return { tables: sortedUnique(tables), columns: record(columns), indexes: record(indexes) };
}

function applyExclusions(schema: SchemaModel, renames: RenameHints, excluded: Exclusions): { schema: SchemaModel; renames: RenameHints } {
  const droppedTables = new Set(excluded.tables);
  const tables = schema.tables
    .filter((table) => !droppedTables.has(table.name))
    .map((table) => {
      const columns = new Set(own(excluded.columns, table.name) ?? []);
      const indexes = new Set(own(excluded.indexes, table.name) ?? []);
      if (columns.size === 0 && indexes.size === 0) return table;
      return {
        ...table,
        columns: table.columns.filter((c) => !columns.has(c.name)),
        indexes: table.indexes.filter((i) => !indexes.has(i.name)),
      };
    });
  const tableRenames = Object.fromEntries(Object.entries(renames.tables).filter(([table]) => !droppedTables.has(table)));
  const columnRenames = nameRecord<Record<string, string>>();
  for (const [table, hints] of Object.entries(renames.columns)) {
    if (droppedTables.has(table)) continue;
    const columns = new Set(own(excluded.columns, table) ?? []);
    const kept = Object.fromEntries(Object.entries(hints).filter(([column]) => !columns.has(column)));
    if (Object.keys(kept).length > 0) columnRenames[table] = kept;
  }
  const grants = schema.grants?.filter((g) => g.kind !== 'table' || (!droppedTables.has(g.name) && (g.column === undefined || !(own(excluded.columns, g.name) ?? []).includes(g.column))));
  return { schema: { ...schema, tables, ...(grants !== undefined && { grants }) }, renames: { tables: tableRenames, columns: columnRenames } };
}

/**
 * The schema without what the exclusions take out: for a SQL manifest, whose tables come from the
 * compile, not from the model the exclusions were first applied to.
 */
export function withoutExcluded(schema: SchemaModel, excluded: Exclusions): SchemaModel {
  return applyExclusions(schema, { tables: {}, columns: {} }, excluded).schema;
}

/** The `sql:` texts of a manifest or override, each with the file and line it starts on. */
function sqlSources(content: { readonly sql?: string | readonly string[] }, file: string): SqlSource[] {
  if (content.sql === undefined) return [];
  const source = sourceOf(content);
  const texts = typeof content.sql === 'string' ? [content.sql] : content.sql;
  return texts.map((text, i) => {
    const path = typeof content.sql === 'string' ? ['sql'] : ['sql', i];
    return { text, file: source?.file ?? file, line: source ? source.textLine(path) : 1 };
  });
}

/** Desired schemas already built, per engine's rules, per manifest, per set of applying overrides. */
const built = new WeakMap<ManifestRules, WeakMap<Manifest, Map<string, DesiredSchema>>>();
const overrideIds = new WeakMap<Override, number>();
let nextOverrideId = 1;

function overrideId(override: Override): number {
  let id = overrideIds.get(override);
  if (id === undefined) {
    id = nextOverrideId++;
    overrideIds.set(override, id);
  }
  return id;
}

/**
 * The tenant's desired schema: the manifest with the overrides that select the tenant merged in,
 * in the order given (file-name order from loadOverrides), and excluded objects taken out; what
 * the manifest leaves unnamed is named by the engine's rules. Deterministic: the same inputs give the same JSON, byte for byte. Throws ManifestError when an
 * override does not fit the manifest (an index on a column neither defines, say).
 */
export function desiredFor(tenant: TenantContext, manifest: Manifest, overrides: readonly Override[], rules: ManifestRules): DesiredSchema {
  const applying = overrides.filter((override) => overrideApplies(override, tenant));
  const key = applying.map(overrideId).join(',');
  let byManifest = built.get(rules);
  if (!byManifest) {
    byManifest = new WeakMap();
    built.set(rules, byManifest);
  }
  let cache = byManifest.get(manifest);
  if (!cache) {
    cache = new Map();
    byManifest.set(manifest, cache);
  }
  const cached = cache.get(key);
  if (cached) return cached;

  const issues = new IssueCollector();
  const { schema, renames } = buildSchema(assembleInput(manifest, applying, issues), issues, rules);
  if (issues.issues.length > 0) throw new ManifestError(issues.issues);
  const excluded = mergeExclusions(applying);
  const result = applyExclusions(schema, renames, excluded);
  const sql = [...(manifest.sql ?? sqlSources(manifest.content, manifest.file)), ...applying.flatMap((doc) => sqlSources(doc.content, doc.file))];
  const desired: DesiredSchema = { schema: result.schema, renames: result.renames, excluded, overrides: applying.map((o) => o.name), sql };
  cache.set(key, deepFreeze(desired));
  return desired;
}
