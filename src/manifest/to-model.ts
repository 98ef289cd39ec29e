import { parseGrantTarget } from '../model/grant-target.js';
import type { RenameHints } from '../model/desired.js';
import type { IndexKeySyntax, ManifestRules, NamingRules, UnnamedConstraint } from '../engines/types.js';
import type {
  CheckModel,
  ExclusionModel,
  GrantModel,
  ColumnModel,
  EnumModel,
  ForeignKeyModel,
  IdentitySequenceModel,
  IndexKey,
  IndexModel,
  PrimaryKeyModel,
  SchemaModel,
  SequenceModel,
  TableModel,
  UniqueModel,
} from '../model/types.js';
import { formatPath, type ManifestIssue } from '../yaml/errors.js';
import { sourceOf, type DocPath, type PathSegment, type SourceDoc } from '../yaml/source.js';
import type {
  ChecksSpec,
  ColumnSpec,
  EnumSpec,
  ForeignKeySpec,
  IdentityOptionsSpec,
  IndexKeySpec,
  IndexSpec,
  Manifest,
  Override,
  PrimaryKeySpec,
  SequenceSpec,
  TableSpec,
  UniqueSpec,
} from './spec.js';

// Manifest (+ overrides) -> SchemaModel. Every piece keeps the file and path it came from, so a
// problem found after overrides merged into the manifest still names the line to edit.

/** Where a piece of the desired state was written. */
export interface Origin {
  readonly file: string;
  readonly source: SourceDoc | undefined;
  readonly path: DocPath;
}

function below(origin: Origin, ...segments: PathSegment[]): Origin {
  return { ...origin, path: [...origin.path, ...segments] };
}

export class IssueCollector {
  readonly issues: ManifestIssue[] = [];

  add(origin: Origin, message: string, key?: PathSegment): void {
    if (origin.source) {
      this.issues.push(origin.source.issue(origin.path, message, key === undefined ? {} : { key }));
      return;
    }
    const where = formatPath(origin.path);
    this.issues.push({ file: origin.file, line: 0, column: 0, path: where, message: where === '' ? message : `${where}: ${message}` });
  }

  /** An issue about the entry at `origin`, placed where its name (the map key) is written. */
  addAtKey(origin: Origin, message: string): void {
    const key = origin.path[origin.path.length - 1];
    if (key === undefined || !origin.source) return this.add(origin, message);
    const { line, column } = origin.source.position(origin.path, { key: true });
    const where = formatPath(origin.path);
    this.issues.push({ file: origin.file, line, column, path: where, message: `${where}: ${message}` });
  }
}

interface Entry<T> {
  readonly value: T;
  /** The node holding the value. */
  readonly origin: Origin;
}

interface CheckEntry {
  readonly name?: string;
  readonly expression: string;
  readonly comment?: string;
  readonly origin: Origin;
}

type ReplacedTableKey =
  | 'comment'
  | 'renamedFrom'
  | 'primaryKey'
  | 'uniques'
  | 'foreignKeys'
  | 'options'
  | 'partitionBy'
  | 'partitionOf'
  | 'inherits'
  | 'unlogged'
  | 'storageParameters'
  | 'clusterOn'
  | 'replicaIdentity'
  | 'exclusionConstraints';
const REPLACED_KEYS: readonly ReplacedTableKey[] = [
  'comment',
  'renamedFrom',
  'primaryKey',
  'uniques',
  'foreignKeys',
  'options',
  'partitionBy',
  'partitionOf',
  'inherits',
  'unlogged',
  'storageParameters',
  'clusterOn',
  'replicaIdentity',
  'exclusionConstraints',
];

interface TableInput {
  readonly name: string;
  readonly keys: Map<ReplacedTableKey, Entry<unknown>>;
  /** Insertion order is column order; an override replacing a column keeps its place. */
  readonly columns: Map<string, Entry<ColumnSpec>>;
  readonly indexes: Map<string, Entry<IndexSpec>>;
  readonly checks: CheckEntry[];
}

/** The manifest with the overrides merged in, before any model is built. */
export interface SchemaInput {
  readonly tables: Map<string, TableInput>;
  readonly enums: Map<string, Entry<EnumSpec>>;
  readonly sequences: Map<string, Entry<SequenceSpec>>;
  readonly externalTypes: Set<string>;
  /** `grants:` by object, as written (the last file to write an object's entry wins). */
  readonly grants: Map<string, Entry<Readonly<Record<string, readonly string[]>>>>;
}

function rootOrigin(file: string, content: object): Origin {
  return { file, source: sourceOf(content), path: [] };
}

function checkEntries(spec: ChecksSpec, origin: Origin): CheckEntry[] {
  if (Array.isArray(spec)) {
    return (spec as readonly (string | { name?: string; expression: string; comment?: string })[]).map((item, i) =>
      typeof item === 'string'
        ? { expression: item, origin: below(origin, i) }
        : {
            ...(item.name !== undefined ? { name: item.name } : {}),
            expression: item.expression,
            ...(item.comment !== undefined ? { comment: item.comment } : {}),
            origin: below(origin, i),
          },
    );
  }
  return Object.entries(spec as Readonly<Record<string, string>>).map(([name, expression]) => ({ name, expression, origin: below(origin, name) }));
}

function mergeTable(table: TableInput, spec: Partial<TableSpec>, origin: Origin): void {
  for (const key of REPLACED_KEYS) {
    if (spec[key] !== undefined) table.keys.set(key, { value: spec[key], origin: below(origin, key) });
  }
  const columns = spec.columns ?? {};
  for (const name of writtenOrder(columns, below(origin, 'columns'))) {
    table.columns.set(name, { value: columns[name]!, origin: below(origin, 'columns', name) });
  }
  for (const [name, index] of Object.entries(spec.indexes ?? {})) {
    table.indexes.set(name, { value: index, origin: below(origin, 'indexes', name) });
  }
  if (spec.checks !== undefined) {
    // A named check replaces one of the same name from an earlier file; a name repeated within
    // one file is kept twice, to be reported as a duplicate.
    const earlier = table.checks.length;
    const replaced = new Set<number>();
    for (const check of checkEntries(spec.checks, below(origin, 'checks'))) {
      const at = check.name === undefined ? -1 : table.checks.findIndex((c, i) => i < earlier && !replaced.has(i) && c.name === check.name);
      if (at >= 0) {
        table.checks[at] = check;
        replaced.add(at);
      } else table.checks.push(check);
    }
  }
}

/** The keys of a map in the order they are written, which columns keep. */
function writtenOrder(map: object, origin: Origin): string[] {
  const present = Object.keys(map);
  const written = origin.source?.keys(origin.path)?.filter((key) => Object.hasOwn(map, key)) ?? [];
  return [...written, ...present.filter((key) => !written.includes(key))];
}

function newTable(name: string): TableInput {
  return { name, keys: new Map(), columns: new Map(), indexes: new Map(), checks: [] };
}

/** Merges the overrides, in order, into the manifest: tables by name, their columns, indexes and checks by name. */
export function assembleInput(manifest: Manifest, overrides: readonly Override[], issues: IssueCollector): SchemaInput {
  const input: SchemaInput = { tables: new Map(), enums: new Map(), sequences: new Map(), externalTypes: new Set(), grants: new Map() };
  const add = (file: string, content: Manifest['content'] | Override['content'], isOverride: boolean): void => {
    const root = rootOrigin(file, content);
    for (const [name, spec] of Object.entries(content.tables ?? {})) {
      const origin = below(root, 'tables', name);
      let table = input.tables.get(name);
      if (!table) {
        if (isOverride && spec.columns === undefined && spec.partitionOf === undefined && spec.inherits === undefined) {
          issues.add(origin, `table '${name}' is not in the manifest, so an override that adds it must give its columns`);
        }
        table = newTable(name);
        input.tables.set(name, table);
      }
      mergeTable(table, spec, origin);
    }
    for (const [name, spec] of Object.entries(content.enums ?? {})) input.enums.set(name, { value: spec, origin: below(root, 'enums', name) });
    for (const [name, spec] of Object.entries(content.sequences ?? {})) {
      input.sequences.set(name, { value: spec, origin: below(root, 'sequences', name) });
    }
    for (const type of content.externalTypes ?? []) input.externalTypes.add(type);
    for (const [object, grantees] of Object.entries(content.grants ?? {})) input.grants.set(object, { value: grantees, origin: below(root, 'grants', object) });
  };
  add(manifest.file, manifest.content, false);
  for (const override of overrides) add(override.file, override.content, true);
  return input;
}

// ---------------------------------------------------------------------------------------------

interface Pending<T> {
  readonly model: Omit<T, 'name'>;
  /** The name the person gave, if any. */
  readonly name: string | undefined;
  /** What the engine's naming rule makes a name of, when the person gave none. */
  readonly unnamed: UnnamedConstraint;
  readonly origin: Origin;
}

interface ForeignKeyDraft extends Pending<ForeignKeyModel> {
  /** Where the referenced table and its columns are written. */
  readonly tableOrigin: Origin;
  readonly refColumnOrigins: readonly Origin[];
}

interface TableDraft {
  readonly name: string;
  readonly columns: ColumnModel[];
  readonly columnNames: ReadonlySet<string>;
  readonly primaryKey: Pending<PrimaryKeyModel> | undefined;
  readonly uniques: Pending<UniqueModel>[];
  readonly foreignKeys: ForeignKeyDraft[];
  readonly checks: Pending<CheckModel>[];
  readonly indexes: { model: IndexModel; origin: Origin }[];
  readonly comment: string | undefined;
  readonly options: Record<string, string | boolean> | undefined;
  readonly partitionBy: string | undefined;
  readonly partitionOf: Entry<{ readonly table: string; readonly bound: string }> | undefined;
  readonly inherits: readonly string[] | undefined;
  readonly unlogged: boolean;
  readonly storageParameters: Record<string, string> | undefined;
  readonly clusterOn: Entry<string> | undefined;
  readonly exclusions: ExclusionModel[];
  readonly replicaIdentity: Entry<NonNullable<TableSpec['replicaIdentity']>> | undefined;
  readonly renamedFrom: Entry<string> | undefined;
  readonly columnRenames: Map<string, Entry<string>>;
}

function sqlText(value: string | number | boolean): string {
  return typeof value === 'string' ? value : String(value);
}

/** `customers.id` -> customers / id; `billing.customers.id` -> billing.customers / id. */
export function splitReference(reference: string): { table: string; column: string } {
  const dot = reference.lastIndexOf('.');
  return { table: reference.slice(0, dot), column: reference.slice(dot + 1) };
}

interface ColumnDraft {
  name: string;
  spec: ColumnSpec;
  origin: Origin;
  nullable: boolean;
}

/**
 * `inherited`: a partition's columns as PARTITION OF gives them from its partitioned table; a
 * column the partition lists replaces its inherited one, and it can list no other.
 */
function draftTable(
  input: TableInput,
  issues: IssueCollector,
  keySyntax: IndexKeySyntax,
  inherited?: readonly ColumnModel[],
  fromParents: ReadonlySet<string> = new Set(),
): TableDraft {
  const table = input.name;
  const spec = <K extends ReplacedTableKey>(key: K): Entry<TableSpec[K]> | undefined => input.keys.get(key) as Entry<TableSpec[K]> | undefined;
  const columns: ColumnDraft[] = [];
  const columnRenames = new Map<string, Entry<string>>();
  const columnPrimaryKey: ColumnDraft[] = [];
  const uniques: Pending<UniqueModel>[] = [];
  const foreignKeys: ForeignKeyDraft[] = [];

  for (const [name, entry] of input.columns) {
    const column: ColumnDraft = { name, spec: entry.value, origin: entry.origin, nullable: true };
    columns.push(column);
    const value = entry.value;
    if (typeof value === 'string') continue;
    const at = entry.origin;
    if (value.identity !== undefined && value.default !== undefined) issues.add(below(at, 'default'), 'an identity column cannot also have a default');
    if (value.identity !== undefined && value.generated !== undefined) issues.add(below(at, 'generated'), 'an identity column cannot also be generated');
    if (value.generated !== undefined && value.default !== undefined) issues.add(below(at, 'default'), 'a generated column cannot also have a default');
    if (value.virtual === true && value.generated === undefined) issues.add(below(at, 'virtual'), 'virtual applies only to a generated column');
    const bareWord = typeof value.default === 'string' ? bareWordDefault(value.default) : undefined;
    if (bareWord) {
      issues.add(below(at, 'default'), `'${bareWord}' is SQL here, a column name, not a string: YAML removed your quotes. Write default: "'${bareWord}'" for the text ${bareWord}`);
    }
    if (value.nullable === true && value.primaryKey === true) issues.add(below(at, 'nullable'), 'a primary key column cannot be nullable');
    if (value.nullable === true && value.identity !== undefined) issues.add(below(at, 'nullable'), 'an identity column cannot be nullable');
    for (const key of ['onDelete', 'onUpdate'] as const) {
      if (value[key] !== undefined && value.references === undefined) issues.add(below(at, key), `${key} needs references on the same column`);
    }
    // PostgreSQL makes identity columns NOT NULL whether or not the DDL says so.
    column.nullable = value.nullable ?? true;
    if (value.identity !== undefined) column.nullable = false;
    if (value.primaryKey === true) columnPrimaryKey.push(column);
    if (value.unique === true) {
      uniques.push({ model: { columns: [name] }, name: undefined, unnamed: { kind: 'unique', table, columns: [name] }, origin: below(at, 'unique') });
    }
    if (value.references !== undefined) {
      const ref = splitReference(value.references);
      foreignKeys.push({
        model: {
          columns: [name],
          refTable: ref.table,
          refColumns: [ref.column],
          onDelete: value.onDelete ?? 'no action',
          onUpdate: value.onUpdate ?? 'no action',
          deferrable: false,
          initiallyDeferred: false,
        },
        name: undefined,
        unnamed: { kind: 'foreignKey', table, columns: [name] },
        origin: below(at, 'references'),
        tableOrigin: below(at, 'references'),
        refColumnOrigins: [below(at, 'references')],
      });
    }
    if (value.renamedFrom !== undefined) columnRenames.set(name, { value: value.renamedFrom, origin: below(at, 'renamedFrom') });
  }

  const byName = new Map(columns.map((c) => [c.name, c]));
  if (inherited !== undefined) {
    const parentColumns = new Set(inherited.map((c) => c.name));
    for (const column of columns) {
      if (!parentColumns.has(column.name)) issues.addAtKey(column.origin, `column '${column.name}' is not a column of the partitioned table: a partition has its parent's columns only`);
    }
  }
  const columnNames = new Set([...(inherited ?? []).map((c) => c.name), ...fromParents, ...byName.keys()]);
  const checkColumnList = (names: readonly string[], origin: Origin, what: string): void => {
    names.forEach((name, i) => {
      if (!columnNames.has(name)) issues.add(below(origin, i), `unknown column '${name}' in ${what} of table '${table}'`);
      else if (names.indexOf(name) !== i) issues.add(below(origin, i), `column '${name}' is listed twice`);
    });
  };

  // Primary key: on the columns or on the table, never both.
  let primaryKey: Pending<PrimaryKeyModel> | undefined;
  const tablePrimaryKey = spec('primaryKey');
  if (tablePrimaryKey !== undefined) {
    const value = tablePrimaryKey.value as PrimaryKeySpec;
    const [names, name, listOrigin] = isList(value)
      ? [value, undefined, tablePrimaryKey.origin]
      : [value.columns, value.name, below(tablePrimaryKey.origin, 'columns')];
    const pkComment = isList(value) ? undefined : value.comment;
    if (columnPrimaryKey.length > 0) {
      issues.add(tablePrimaryKey.origin, `primary key given twice: here and by primaryKey on column '${columnPrimaryKey[0]!.name}'`);
    }
    checkColumnList(names, listOrigin, 'the primary key');
    names.forEach((column, i) => {
      const draft = byName.get(column);
      if (draft && typeof draft.spec !== 'string' && draft.spec.nullable === true) {
        issues.add(below(listOrigin, i), `column '${column}' is nullable: true, but a primary key column cannot be nullable`);
      }
    });
    primaryKey = {
      model: { columns: [...names], ...(pkComment !== undefined ? { comment: pkComment } : {}) },
      name,
      unnamed: { kind: 'primaryKey', table },
      origin: tablePrimaryKey.origin,
    };
  } else if (columnPrimaryKey.length > 0) {
    primaryKey = {
      model: { columns: columnPrimaryKey.map((c) => c.name) },
      name: undefined,
      unnamed: { kind: 'primaryKey', table },
      origin: below(columnPrimaryKey[0]!.origin, 'primaryKey'),
    };
  }
  for (const column of primaryKey?.model.columns ?? []) {
    const draft = byName.get(column);
    if (draft) draft.nullable = false;
  }

  const tableUniques = spec('uniques');
  (tableUniques?.value ?? []).forEach((value: UniqueSpec, i: number) => {
    const origin = below(tableUniques!.origin, i);
    if (isList(value)) {
      checkColumnList(value, origin, 'a unique constraint');
      uniques.push({ model: { columns: [...value] }, name: undefined, unnamed: { kind: 'unique', table, columns: value }, origin });
      return;
    }
    checkColumnList(value.columns, below(origin, 'columns'), 'a unique constraint');
    if (value.initiallyDeferred === true && value.deferrable !== true) issues.add(below(origin, 'initiallyDeferred'), 'initiallyDeferred needs deferrable: true');
    uniques.push({
      model: {
        columns: [...value.columns],
        ...(value.nullsNotDistinct === true ? { nullsNotDistinct: true } : {}),
        ...(value.deferrable === true ? { deferrable: true } : {}),
        ...(value.initiallyDeferred === true ? { initiallyDeferred: true } : {}),
        ...(value.comment !== undefined ? { comment: value.comment } : {}),
      },
      name: value.name,
      unnamed: { kind: 'unique', table, columns: value.columns },
      origin,
    });
  });

  const tableForeignKeys = spec('foreignKeys');
  (tableForeignKeys?.value ?? []).forEach((value: ForeignKeySpec, i: number) => {
    const origin = below(tableForeignKeys!.origin, i);
    checkColumnList(value.columns, below(origin, 'columns'), 'a foreign key');
    if (value.references.columns.length !== value.columns.length) {
      issues.add(
        below(origin, 'references', 'columns'),
        `a foreign key of ${value.columns.length} column(s) must reference ${value.columns.length} column(s), not ${value.references.columns.length}`,
      );
    }
    if (value.initiallyDeferred === true && value.deferrable !== true) issues.add(below(origin, 'initiallyDeferred'), 'initiallyDeferred needs deferrable: true');
    foreignKeys.push({
      model: {
        columns: [...value.columns],
        refTable: value.references.table,
        refColumns: [...value.references.columns],
        onDelete: value.onDelete ?? 'no action',
        onUpdate: value.onUpdate ?? 'no action',
        ...(value.match === 'full' ? { match: 'full' as const } : {}),
        deferrable: value.deferrable ?? false,
        initiallyDeferred: value.initiallyDeferred ?? false,
        ...(value.comment !== undefined ? { comment: value.comment } : {}),
      },
      name: value.name,
      unnamed: { kind: 'foreignKey', table, columns: value.columns },
      origin,
      tableOrigin: below(origin, 'references', 'table'),
      refColumnOrigins: value.references.columns.map((_, j) => below(origin, 'references', 'columns', j)),
    });
  });

  const columnList = [...columnNames];
  const checks: Pending<CheckModel>[] = input.checks.map((check) => ({
    model: { expression: check.expression, ...(check.comment !== undefined ? { comment: check.comment } : {}) },
    name: check.name,
    unnamed: { kind: 'check', table, expression: check.expression, tableColumns: columnList },
    origin: check.origin,
  }));

  const indexes: { model: IndexModel; origin: Origin }[] = [];
  for (const [name, entry] of input.indexes) {
    const value = entry.value;
    const keys = value.columns.map((key, i) => indexKey(key, below(entry.origin, 'columns', i), columnNames, table, issues, keySyntax));
    if (value.include !== undefined) checkColumnList(value.include, below(entry.origin, 'include'), `the include list of index '${name}'`);
    indexes.push({
      model: {
        name,
        unique: value.unique ?? false,
        method: value.method ?? 'btree',
        keys,
        include: [...(value.include ?? [])],
        ...(value.where !== undefined ? { where: value.where } : {}),
        ...(value.comment !== undefined ? { comment: value.comment } : {}),
        ...(value.storageParameters !== undefined && Object.keys(value.storageParameters).length > 0
          ? { storageParameters: sortedRecord(Object.entries(value.storageParameters).map(([key, v]) => [key, String(v)] as const)) }
          : {}),
      },
      origin: entry.origin,
    });
  }

  const written = spec('options')?.value;
  // `partitionBy` and `unlogged` were once written under options (inspect -o before 0.x): still read there.
  const { partitionBy: legacyPartitionBy, unlogged: legacyUnlogged, ...options } = written ?? {};
  const renamedFrom = spec('renamedFrom');
  const comment = spec('comment')?.value;
  const partitionBy = spec('partitionBy')?.value ?? (typeof legacyPartitionBy === 'string' ? legacyPartitionBy : undefined);
  const parameters = spec('storageParameters')?.value;
  const own = new Map(columns.map((c) => [c.name, columnModel(c)]));
  // A partition's column listed in the manifest replaces the inherited one, but keeps its NOT
  // NULL unless it says otherwise: a partition cannot drop a NOT NULL its parent has.
  const explicitlyNullable = new Set(columns.filter((c) => typeof c.spec !== 'string' && c.spec.nullable !== undefined).map((c) => c.name));
  const partitionColumn = (c: ColumnModel): ColumnModel => {
    const column = own.get(c.name);
    if (column === undefined) return c;
    return explicitlyNullable.has(c.name) ? column : { ...column, nullable: column.nullable && c.nullable };
  };
  return {
    name: table,
    columns: inherited === undefined ? [...own.values()] : inherited.map(partitionColumn),
    partitionBy,
    partitionOf: spec('partitionOf') as Entry<{ readonly table: string; readonly bound: string }> | undefined,
    inherits: spec('inherits')?.value,
    unlogged: spec('unlogged')?.value ?? legacyUnlogged === true,
    storageParameters:
      parameters === undefined || Object.keys(parameters).length === 0
        ? undefined
        : sortedRecord(Object.entries(parameters).map(([key, v]) => [key, String(v)] as const)),
    clusterOn: spec('clusterOn') as Entry<string> | undefined,
    exclusions: Object.entries(spec('exclusionConstraints')?.value ?? {}).map(([name, value]) =>
      typeof value === 'string' ? { name, definition: value } : { name, definition: value.definition, ...(value.comment !== undefined ? { comment: value.comment } : {}) },
    ),
    replicaIdentity: spec('replicaIdentity') as Entry<NonNullable<TableSpec['replicaIdentity']>> | undefined,
    columnNames,
    primaryKey,
    uniques,
    foreignKeys,
    checks,
    indexes,
    comment,
    options:
      written === undefined || Object.keys(options).length === 0
        ? undefined
        : Object.fromEntries(Object.entries(options).map(([key, v]) => [key, typeof v === 'number' ? String(v) : v])),
    renamedFrom: renamedFrom === undefined ? undefined : { value: renamedFrom.value as string, origin: renamedFrom.origin },
    columnRenames,
  };
}

function isList<T>(value: readonly T[] | object): value is readonly T[] {
  return Array.isArray(value);
}

function columnModel(draft: ColumnDraft): ColumnModel {
  const spec = draft.spec;
  if (typeof spec === 'string') return { name: draft.name, type: spec, nullable: draft.nullable };
  return {
    name: draft.name,
    type: spec.type,
    nullable: draft.nullable,
    ...(spec.default !== undefined ? { default: sqlText(spec.default) } : {}),
    ...(spec.identity !== undefined ? { identity: spec.identity } : {}),
    ...(spec.generated !== undefined ? { generated: spec.generated } : {}),
    ...(spec.generated !== undefined && spec.virtual === true ? { virtual: true as const } : {}),
    ...(spec.collation !== undefined ? { collation: spec.collation } : {}),
    ...(spec.comment !== undefined ? { comment: spec.comment } : {}),
    ...(spec.statistics !== undefined && spec.statistics >= 0 ? { statistics: spec.statistics } : {}),
    ...(spec.storage !== undefined ? { storage: spec.storage } : {}),
    ...(spec.compression !== undefined ? { compression: spec.compression } : {}),
    ...(spec.options !== undefined && Object.keys(spec.options).length > 0
      ? { options: sortedRecord(Object.entries(spec.options).map(([k, v]) => [k, String(v)] as const)) }
      : {}),
    ...(spec.identity !== undefined && spec.identityOptions !== undefined ? identityOptions(spec.type, spec.identityOptions) : {}),
    ...(spec.identity !== undefined && spec.identityOptions?.sequenceName !== undefined ? { identitySequenceName: spec.identityOptions.sequenceName } : {}),
  };
}

/**
 * The identity sequence's options: CREATE SEQUENCE's defaults for the column's type where the
 * manifest gives none, and nothing at all when every one is the default (as inspection reads it).
 */
function identityOptions(type: string, spec: IdentityOptionsSpec): { identityOptions?: IdentitySequenceModel } {
  const sequenceType = SEQUENCE_TYPES[type.trim().toLowerCase() as keyof typeof SEQUENCE_TYPES] ?? 'bigint';
  const value = (v: number | string | undefined): bigint | undefined => (v === undefined ? undefined : BigInt(String(v).replace(/^\+/, '')));
  const increment = value(spec.increment) ?? 1n;
  const defaults = sequenceDefaults(sequenceType, increment === 0n ? 1n : increment);
  const minValue = value(spec.minValue) ?? defaults.minValue;
  const maxValue = value(spec.maxValue) ?? defaults.maxValue;
  const model: IdentitySequenceModel = {
    start: (value(spec.start) ?? (increment > 0n ? minValue : maxValue)).toString(),
    increment: increment.toString(),
    minValue: minValue.toString(),
    maxValue: maxValue.toString(),
    cache: (value(spec.cache) ?? 1n).toString(),
    cycle: spec.cycle ?? false,
  };
  const [, high] = SEQUENCE_LIMITS[sequenceType];
  const isDefault = model.start === '1' && model.increment === '1' && model.minValue === '1' && model.maxValue === high.toString() && model.cache === '1' && !model.cycle;
  return isDefault ? {} : { identityOptions: model };
}

function indexKey(spec: IndexKeySpec, origin: Origin, columns: ReadonlySet<string>, table: string, issues: IssueCollector, keySyntax: IndexKeySyntax): IndexKey {
  if (typeof spec === 'string') {
    const key = keySyntax.parse(spec);
    if (key.column !== undefined && !columns.has(key.column)) {
      issues.add(origin, `unknown column '${key.column}' in table '${table}' (an expression needs more than a name)`);
    }
    return key;
  }
  if ((spec.column === undefined) === (spec.expression === undefined)) {
    issues.add(origin, 'give either column or expression');
  } else if (spec.column !== undefined && !columns.has(spec.column)) {
    issues.add(below(origin, 'column'), `unknown column '${spec.column}' in table '${table}'`);
  }
  return {
    ...(spec.column !== undefined ? { column: spec.column } : {}),
    ...(spec.expression !== undefined ? { expression: spec.expression } : {}),
    ...(spec.order === 'desc' ? { descending: true } : {}),
    ...(spec.nulls !== undefined ? { nulls: spec.nulls } : {}),
    ...(spec.collation !== undefined ? { collation: spec.collation } : {}),
    ...(spec.opclass !== undefined ? { opclass: spec.opclass } : {}),
  };
}

// ---------------------------------------------------------------------------------------------

type SequenceType = SequenceModel['type'];

const SEQUENCE_TYPES: Record<NonNullable<SequenceSpec['type']>, SequenceType> = {
  smallint: 'smallint',
  int2: 'smallint',
  integer: 'integer',
  int: 'integer',
  int4: 'integer',
  bigint: 'bigint',
  int8: 'bigint',
};

export const SEQUENCE_LIMITS: Record<SequenceType, readonly [bigint, bigint]> = {
  smallint: [-32768n, 32767n],
  integer: [-2147483648n, 2147483647n],
  bigint: [-9223372036854775808n, 9223372036854775807n],
};

/** PostgreSQL's CREATE SEQUENCE defaults for the options not given. */
export function sequenceDefaults(type: SequenceType, increment: bigint): { minValue: bigint; maxValue: bigint } {
  const [low, high] = SEQUENCE_LIMITS[type];
  return increment > 0n ? { minValue: 1n, maxValue: high } : { minValue: low, maxValue: -1n };
}

function sequenceModel(name: string, entry: Entry<SequenceSpec>, issues: IssueCollector): SequenceModel {
  const spec = entry.value;
  const type = SEQUENCE_TYPES[spec.type ?? 'bigint'];
  const [low, high] = SEQUENCE_LIMITS[type];
  const number = (key: 'start' | 'increment' | 'minValue' | 'maxValue' | 'cache'): bigint | undefined => {
    const value = spec[key];
    if (value === undefined) return undefined;
    const parsed = BigInt(String(value).replace(/^\+/, ''));
    if (parsed < low || parsed > high) issues.add(below(entry.origin, key), `${String(value)} is out of range for ${type}`);
    return parsed;
  };
  let increment = number('increment') ?? 1n;
  if (increment === 0n) {
    issues.add(below(entry.origin, 'increment'), 'increment must not be zero');
    increment = 1n;
  }
  const defaults = sequenceDefaults(type, increment);
  const minValue = number('minValue') ?? defaults.minValue;
  const maxValue = number('maxValue') ?? defaults.maxValue;
  const start = number('start') ?? (increment > 0n ? minValue : maxValue);
  const cache = number('cache') ?? 1n;
  if (minValue >= maxValue) issues.add(below(entry.origin, spec.minValue !== undefined ? 'minValue' : 'maxValue'), `minValue (${minValue}) must be less than maxValue (${maxValue})`);
  else if (start < minValue || start > maxValue) issues.add(below(entry.origin, 'start'), `start (${start}) must lie between minValue (${minValue}) and maxValue (${maxValue})`);
  if (cache < 1n) issues.add(below(entry.origin, 'cache'), 'cache must be at least 1');
  const ownedBy = spec.ownedBy === undefined ? undefined : splitReference(spec.ownedBy);
  return {
    name,
    type,
    start: start.toString(),
    increment: increment.toString(),
    minValue: minValue.toString(),
    maxValue: maxValue.toString(),
    cache: cache.toString(),
    cycle: spec.cycle ?? false,
    ...(ownedBy ? { ownedBy } : {}),
    ...(spec.unlogged === true ? { unlogged: true as const } : {}),
    ...(spec.comment !== undefined ? { comment: spec.comment } : {}),
  };
}

function enumModel(name: string, entry: Entry<EnumSpec>, issues: IssueCollector): EnumModel {
  const spec = entry.value;
  const [values, valuesOrigin, comment] = isList(spec) ? [spec, entry.origin, undefined] : [spec.values, below(entry.origin, 'values'), spec.comment];
  values.forEach((value, i) => {
    if (values.indexOf(value) !== i) issues.add(below(valuesOrigin, i), `value '${value}' is listed twice`);
  });
  return { name, values: [...values], ...(comment !== undefined ? { comment } : {}) };
}

// ---------------------------------------------------------------------------------------------

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortByName<T extends { readonly name: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => compareNames(a.name, b.name));
}

function sortedRecord<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  return Object.fromEntries([...entries].sort((a, b) => compareNames(a[0], b[0])));
}

export interface BuiltSchema {
  readonly schema: SchemaModel;
  readonly renames: RenameHints;
}

/**
 * Builds the model with the engine's rules for what the manifest leaves to it; problems go to
 * `issues` and the result is only meaningful when there are none.
 */
export function buildSchema(input: SchemaInput, issues: IssueCollector, rules: ManifestRules): BuiltSchema {
  const drafts = draftTables(input, issues, rules.indexKeys);
  const draftByName = new Map(drafts.map((d) => [d.name, d]));

  // References between tables.
  for (const draft of drafts) {
    for (const fk of draft.foreignKeys) {
      const target = draftByName.get(fk.model.refTable);
      if (!target) {
        if (!fk.model.refTable.includes('.')) {
          issues.add(fk.tableOrigin, `unknown table '${fk.model.refTable}' (write schema.table for a table outside the manifest)`);
        }
        continue;
      }
      fk.model.refColumns.forEach((column, i) => {
        if (!target.columnNames.has(column)) issues.add(fk.refColumnOrigins[i]!, `unknown column '${column}' in table '${target.name}'`);
      });
    }
  }

  const sequences = [...input.sequences].map(([name, entry]) => {
    const model = sequenceModel(name, entry, issues);
    if (model.ownedBy) {
      const owner = draftByName.get(model.ownedBy.table);
      if (!owner) issues.add(below(entry.origin, 'ownedBy'), `unknown table '${model.ownedBy.table}'`);
      else if (!owner.columnNames.has(model.ownedBy.column)) {
        issues.add(below(entry.origin, 'ownedBy'), `unknown column '${model.ownedBy.column}' in table '${owner.name}'`);
      }
    }
    return model;
  });
  const enums = [...input.enums].map(([name, entry]) => {
    if (input.tables.has(name)) issues.addAtKey(entry.origin, `enum '${name}' has the name of a table (a table's row type takes that name)`);
    return enumModel(name, entry, issues);
  });
  for (const [name, entry] of input.sequences) {
    if (input.tables.has(name)) issues.addAtKey(entry.origin, `sequence '${name}' has the name of a table`);
  }

  const renames = collectRenames(drafts, issues);
  const names = assignNames(drafts, input, issues, rules.naming);

  const tables: TableModel[] = drafts.map((draft) => {
    const named = names.get(draft)!;
    const indexNames = [named.primaryKey, ...named.uniques, ...draft.indexes.map((i) => i.model.name)];
    const clusterOn = draft.clusterOn;
    if (clusterOn !== undefined && !indexNames.includes(clusterOn.value)) {
      issues.add(clusterOn.origin, `clusterOn: table '${draft.name}' has no index, primary key or unique constraint named '${clusterOn.value}'`);
    }
    const replica = draft.replicaIdentity?.value;
    if (typeof replica === 'object' && !indexNames.includes(replica.index)) {
      issues.add(below(draft.replicaIdentity!.origin, 'index'), `replicaIdentity: table '${draft.name}' has no index, primary key or unique constraint named '${replica.index}'`);
    }
    return {
      name: draft.name,
      columns: draft.columns,
      ...(draft.primaryKey ? { primaryKey: { name: named.primaryKey!, ...draft.primaryKey.model } } : {}),
      uniques: sortByName(draft.uniques.map((u, i) => ({ name: named.uniques[i]!, ...u.model }))),
      indexes: sortByName(draft.indexes.map((i) => i.model)),
      foreignKeys: sortByName(draft.foreignKeys.map((f, i) => ({ name: named.foreignKeys[i]!, ...f.model }))),
      checks: sortByName(draft.checks.map((c, i) => ({ name: named.checks[i]!, ...c.model }))),
      ...(draft.exclusions.length > 0 ? { exclusions: sortByName(draft.exclusions) } : {}),
      ...(draft.comment !== undefined ? { comment: draft.comment } : {}),
      ...(draft.options !== undefined ? { options: sortedRecord(Object.entries(draft.options)) } : {}),
      ...(draft.partitionBy !== undefined ? { partitionBy: draft.partitionBy } : {}),
      ...(draft.partitionOf !== undefined ? { partitionOf: { table: draft.partitionOf.value.table, bound: draft.partitionOf.value.bound } } : {}),
      ...(draft.inherits !== undefined ? { inherits: [...draft.inherits] } : {}),
      ...(draft.unlogged ? { unlogged: true as const } : {}),
      ...(draft.storageParameters !== undefined ? { storageParameters: draft.storageParameters } : {}),
      ...(clusterOn !== undefined ? { clusterOn: clusterOn.value } : {}),
      ...(replica === 'full' || replica === 'nothing' ? { replicaIdentity: replica } : typeof replica === 'object' ? { replicaIdentity: { index: replica.index } } : {}),
    };
  });

  const externalTypes = [...input.externalTypes].sort(compareNames);
  const grants = grantModels(input, issues);
  const schema: SchemaModel = {
    tables: sortByName(tables),
    enums: sortByName(enums),
    sequences: sortByName(sequences),
    ...(externalTypes.length > 0 ? { externalTypes } : {}),
    ...(grants.length > 0 ? { grants } : {}),
  };
  return { schema, renames };
}

/** `grants:` as the model's list: each object's roles, PUBLIC however it is written. */
function grantModels(input: SchemaInput, issues: IssueCollector): GrantModel[] {
  const tables = new Set(input.tables.keys());
  const grants: GrantModel[] = [];
  for (const [object, entry] of input.grants) {
    const on = parseGrantTarget(object, tables);
    if (typeof on === 'string') {
      issues.addAtKey(entry.origin, on);
      continue;
    }
    for (const [grantee, privileges] of Object.entries(entry.value)) {
      grants.push({ ...on, grantee: grantee.toUpperCase() === 'PUBLIC' ? 'PUBLIC' : grantee, privileges: [...privileges] });
    }
  }
  return grants;
}

/**
 * The tables' drafts, each partitioned table before its partitions, which take its columns. A
 * partition of a table the manifest does not hold, or of one that is not partitioned, is an error.
 */
function draftTables(input: SchemaInput, issues: IssueCollector, keySyntax: IndexKeySyntax): TableDraft[] {
  const drafts = new Map<string, TableDraft>();
  const visiting = new Set<string>();
  const draft = (table: TableInput): TableDraft => {
    const done = drafts.get(table.name);
    if (done) return done;
    const partitionOf = table.keys.get('partitionOf') as Entry<{ table: string; bound: string }> | undefined;
    let inherited: ColumnModel[] | undefined;
    if (partitionOf !== undefined) {
      const parentInput = input.tables.get(partitionOf.value.table);
      visiting.add(table.name);
      if (!parentInput) issues.add(below(partitionOf.origin, 'table'), `unknown table '${partitionOf.value.table}'`);
      else if (visiting.has(parentInput.name)) issues.add(below(partitionOf.origin, 'table'), `table '${table.name}' cannot be a partition of itself`);
      else {
        const parent = draft(parentInput);
        if (parent.partitionBy === undefined) issues.add(below(partitionOf.origin, 'table'), `table '${parent.name}' is not partitioned (give it partitionBy)`);
        inherited = parent.columns.map(inheritedColumn);
      }
      visiting.delete(table.name);
    }
    const fromParents = new Set<string>();
    const inherits = table.keys.get('inherits') as Entry<readonly string[]> | undefined;
    if (inherits !== undefined) {
      visiting.add(table.name);
      if (partitionOf !== undefined) issues.add(inherits.origin, `table '${table.name}' is a partition: it cannot also inherit (give partitionOf or inherits)`);
      inherits.value.forEach((name, i) => {
        const parentInput = input.tables.get(name);
        const at = below(inherits.origin, i);
        // inspect writes a parent in another schema qualified; a tenant's tables may inherit only from its own.
        if (!parentInput) issues.add(at, `unknown table '${name}': a table can inherit only from a table of the same manifest`);
        else if (visiting.has(parentInput.name)) issues.add(at, `table '${table.name}' cannot inherit from itself`);
        else {
          const parent = draft(parentInput);
          if (parent.partitionBy !== undefined || parent.partitionOf !== undefined) issues.add(at, `table '${name}' is partitioned or a partition: PostgreSQL does not let a table inherit from it`);
          for (const column of parent.columnNames) fromParents.add(column);
        }
      });
      visiting.delete(table.name);
    }
    const result = draftTable(table, issues, keySyntax, inherited, fromParents);
    drafts.set(table.name, result);
    return result;
  };
  return [...input.tables.values()].map(draft);
}

/**
 * A partitioned table's column as PARTITION OF gives it to a partition: its type, collation, NOT
 * NULL, default, generation and storage, and none of its comment, statistics target, options,
 * compression or identity (PostgreSQL's MergeAttributes).
 */
function inheritedColumn(column: ColumnModel): ColumnModel {
  const { comment: _c, statistics: _s, options: _o, compression: _z, identity: _i, identityOptions: _io, identitySequenceName: _in, ...kept } = column;
  return kept;
}

function collectRenames(drafts: readonly TableDraft[], issues: IssueCollector): RenameHints {
  const tableNames = new Set(drafts.map((d) => d.name));
  const tables = new Map<string, string>();
  const claimed = new Map<string, string>();
  const columns = new Map<string, Record<string, string>>();
  for (const draft of drafts) {
    const from = draft.renamedFrom;
    if (from) {
      if (from.value === draft.name) issues.add(from.origin, 'renamedFrom names the table itself');
      else if (tableNames.has(from.value)) issues.add(from.origin, `table '${from.value}' is still in the manifest, so '${draft.name}' cannot be renamed from it`);
      else if (claimed.has(from.value)) issues.add(from.origin, `table '${claimed.get(from.value)!}' is already renamed from '${from.value}'`);
      else {
        claimed.set(from.value, draft.name);
        tables.set(draft.name, from.value);
      }
    }
    const columnClaims = new Map<string, string>();
    const hints: [string, string][] = [];
    for (const [column, old] of draft.columnRenames) {
      if (old.value === column) issues.add(old.origin, 'renamedFrom names the column itself');
      else if (draft.columnNames.has(old.value)) issues.add(old.origin, `column '${old.value}' is still in table '${draft.name}', so '${column}' cannot be renamed from it`);
      else if (columnClaims.has(old.value)) issues.add(old.origin, `column '${columnClaims.get(old.value)!}' is already renamed from '${old.value}'`);
      else {
        columnClaims.set(old.value, column);
        hints.push([column, old.value]);
      }
    }
    if (hints.length > 0) columns.set(draft.name, sortedRecord(hints));
  }
  return { tables: sortedRecord(tables), columns: sortedRecord(columns) };
}

interface AssignedNames {
  primaryKey: string | undefined;
  uniques: string[];
  foreignKeys: string[];
  checks: string[];
}

/**
 * Gives unnamed constraints the engine's default names. Explicit names are reserved first; then,
 * table by table in name order, checks (named when the table is created), the primary key and
 * unique constraints (named when their indexes are built) and foreign keys (added last) take the
 * first name the engine's rule gives that is still free, in PostgreSQL's order of creation.
 */
function assignNames(drafts: readonly TableDraft[], input: SchemaInput, issues: IssueCollector, naming: NamingRules): Map<TableDraft, AssignedNames> {
  const taken = new Set<string>([...input.tables.keys(), ...input.sequences.keys()]);
  for (const draft of drafts) {
    for (const index of draft.indexes) taken.add(index.model.name);
    for (const pending of allPending(draft)) if (pending.name !== undefined) taken.add(pending.name);
  }
  const result = new Map<TableDraft, AssignedNames>();
  const choose = (pending: Pending<unknown>): string => {
    if (pending.name !== undefined) return pending.name;
    const name = naming.constraintName(pending.unnamed, taken);
    taken.add(name);
    return name;
  };
  for (const draft of [...drafts].sort((a, b) => compareNames(a.name, b.name))) {
    const checks = draft.checks.map(choose);
    const primaryKey = draft.primaryKey ? choose(draft.primaryKey) : undefined;
    const uniques = draft.uniques.map(choose);
    const foreignKeys = draft.foreignKeys.map(choose);
    result.set(draft, { primaryKey, uniques, foreignKeys, checks });

    // One table's constraints share a namespace; its unique and primary key indexes share one with its indexes.
    const seen = new Map<string, string>();
    const claim = (name: string, what: string, origin: Origin): void => {
      const earlier = seen.get(name);
      if (earlier !== undefined) issues.add(origin, `name '${name}' is already used by ${earlier} of table '${draft.name}'`);
      else seen.set(name, what);
    };
    if (draft.primaryKey) claim(primaryKey!, 'the primary key', draft.primaryKey.origin);
    draft.uniques.forEach((u, i) => claim(uniques[i]!, 'a unique constraint', u.origin));
    draft.foreignKeys.forEach((f, i) => claim(foreignKeys[i]!, 'a foreign key', f.origin));
    draft.checks.forEach((c, i) => claim(checks[i]!, 'a check constraint', c.origin));
    const indexBacked = new Set([...(primaryKey !== undefined ? [primaryKey] : []), ...uniques]);
    for (const index of draft.indexes) {
      if (indexBacked.has(index.model.name)) {
        issues.addAtKey(index.origin, `index name '${index.model.name}' is already used by a constraint's index of table '${draft.name}'`);
      }
    }
  }
  return result;
}

function allPending(draft: TableDraft): Pending<unknown>[] {
  return [...draft.checks, ...(draft.primaryKey ? [draft.primaryKey] : []), ...draft.uniques, ...draft.foreignKeys];
}

/** Words a default may be without quotes: SQL keywords that are values. */
const valueKeywords = new Set(['null', 'true', 'false', 'current_timestamp', 'current_date', 'current_time', 'localtimestamp', 'localtime', 'current_user', 'session_user', 'user']);

/**
 * `default: 'new'` in YAML is the bare SQL word new, which the database reads as a column and
 * rejects only at apply. Returns the word when a default is such a bare identifier.
 */
function bareWordDefault(text: string): string | undefined {
  const word = text.trim();
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(word) || valueKeywords.has(word.toLowerCase())) return undefined;
  return word;
}
