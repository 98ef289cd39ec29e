import { Document, isCollection, type Node } from 'yaml';
import type {
  GrantModel,
  CheckModel,
  ColumnModel,
  EnumModel,
  ForeignKeyModel,
  IdentitySequenceModel,
  IndexKey,
  IndexModel,
  SchemaModel,
  SequenceModel,
  TableModel,
  UniqueModel,
} from '../model/types.js';
import type { EngineModule, IndexKeySyntax, ManifestRules, NamingRules, UnnamedConstraint } from '../engines/types.js';
import { grantTargetWords } from '../model/grant-target.js';
import { deepEqual } from '../model/deep-equal.js';
import { sequenceDefaults } from './to-model.js';

export interface WriteManifestOptions {
  /** Where editors find the JSON Schema, relative to the written file. */
  readonly schemaUrl?: string;
  /** The engine's statements for the schema's objects (Normalizer.manifestSql), written under `sql:`. */
  readonly sql?: readonly string[];
}

/** Where schema-sync's JSON Schema is when the manifest sits in schema/ and the package is installed. */
export const defaultManifestSchemaUrl = '../node_modules/schema-sync/schemas/manifest.schema.json';

type Yaml = Record<string, unknown>;

/**
 * A schema as manifest YAML, for `inspect -o` (adopting a live schema). Compact: a column with
 * only a type is written as that type, values equal to the defaults are left out, and so are
 * constraint names equal to the names the engine's rules would give. Loading the text back gives the same
 * schema (unmanaged objects are listed in a closing comment, since nothing manages them), with its
 * other objects under `sql:` as the engine prints them (options.sql).
 */
export function writeManifest(schema: SchemaModel, rules: ManifestRules, options: WriteManifestOptions = {}): string {
  const names = new NameCounts(schema, rules.naming);
  const content: Yaml = { version: 1 };
  const flow: unknown[][] = [];
  if (schema.enums.length > 0) content.enums = Object.fromEntries(schema.enums.map((e) => [e.name, enumSpec(e, flow)]));
  if (schema.sequences.length > 0) {
    content.sequences = Object.fromEntries(schema.sequences.map((s) => [s.name, sequenceSpec(s)]));
    for (const s of schema.sequences) flow.push(['sequences', s.name]);
  }
  if (schema.externalTypes && schema.externalTypes.length > 0) {
    content.externalTypes = [...schema.externalTypes];
    flow.push(['externalTypes']);
  }
  const tables = new Map(schema.tables.map((t) => [t.name, t]));
  if (schema.tables.length > 0) content.tables = Object.fromEntries(schema.tables.map((t) => [t.name, tableSpec(t, names, flow, tables, rules.indexKeys)]));
  // Compiled as written, each entry after what it needs: views, routines, triggers, policies, ...
  if (options.sql !== undefined && options.sql.length > 0) content.sql = [...options.sql];
  if (schema.grants !== undefined && schema.grants.length > 0) content.grants = grantsSpec(schema.grants, flow);

  const doc = new Document(content);
  for (const path of flow) {
    const node = doc.getIn(path, true) as Node | undefined;
    if (isCollection(node)) node.flow = true;
  }
  const header = `# yaml-language-server: $schema=${options.schemaUrl ?? defaultManifestSchemaUrl}\n`;
  return header + doc.toString({ lineWidth: 0 }) + unmanagedComment(schema);
}

/** The model's grants as `grants:`: object -> role -> privileges, each list on one line. */
function grantsSpec(grants: readonly GrantModel[], flow: unknown[][]): Yaml {
  const spec: Record<string, Record<string, string[]>> = {};
  for (const grant of grants) {
    const object = grantTargetWords(grant);
    (spec[object] ??= {})[grant.grantee] = [...grant.privileges];
    flow.push(['grants', object, grant.grantee]);
  }
  return spec;
}

/** An inspected schema as the manifest that adopts it (`inspect -o`): the engine's sugar, and its objects under `sql:`. */
export function adoptedManifest(
  schema: SchemaModel,
  engine: Pick<EngineModule, 'normalizer' | 'naming' | 'indexKeys'>,
  options: Omit<WriteManifestOptions, 'sql'> = {},
): string {
  const sql = engine.normalizer.manifestSql?.(schema);
  return writeManifest(engine.normalizer.toManifestSchema(schema), engine, { ...options, ...(sql !== undefined && { sql }) });
}

function unmanagedComment(schema: SchemaModel): string {
  const unmanaged = [...(schema.unmanaged ?? [])].sort((a, b) => compare(a.kind, b.kind) || compare(a.name, b.name));
  if (unmanaged.length === 0) return '';
  const line = (text: string): string => text.replace(/[\r\n]+/g, ' ');
  return (
    '\n# Not managed by schema-sync (reported, never changed or dropped):\n' +
    unmanaged.map((object) => `#   ${line(object.kind)}: ${line(object.name)}\n`).join('')
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * How often each name is used anywhere in the schema. A constraint's name may be left out only
 * when it equals its default and nothing else holds that name: then loading gives it that exact
 * name back, whatever order the names are chosen in.
 */
class NameCounts {
  private readonly counts = new Map<string, number>();

  constructor(
    schema: SchemaModel,
    private readonly naming: NamingRules,
  ) {
    const add = (name: string): void => {
      this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
    };
    for (const table of schema.tables) {
      add(table.name);
      if (table.primaryKey) add(table.primaryKey.name);
      for (const item of [...table.uniques, ...table.indexes, ...table.foreignKeys, ...table.checks]) add(item.name);
    }
    for (const sequence of schema.sequences) add(sequence.name);
  }

  omittable(name: string, unnamed: UnnamedConstraint): boolean {
    return name === this.naming.constraintName(unnamed, new Set()) && this.counts.get(name) === 1;
  }
}

function enumSpec(model: EnumModel, flow: unknown[][]): unknown {
  if (model.comment === undefined) {
    flow.push(['enums', model.name]);
    return [...model.values];
  }
  flow.push(['enums', model.name]);
  return { values: [...model.values], comment: model.comment };
}

function sequenceSpec(model: SequenceModel): Yaml {
  const spec: Yaml = {};
  const increment = BigInt(model.increment);
  const defaults = sequenceDefaults(model.type, increment);
  const start = increment > 0n ? BigInt(model.minValue) : BigInt(model.maxValue);
  if (model.type !== 'bigint') spec.type = model.type;
  if (BigInt(model.start) !== start) spec.start = integerValue(model.start);
  if (increment !== 1n) spec.increment = integerValue(model.increment);
  if (BigInt(model.minValue) !== defaults.minValue) spec.minValue = integerValue(model.minValue);
  if (BigInt(model.maxValue) !== defaults.maxValue) spec.maxValue = integerValue(model.maxValue);
  if (BigInt(model.cache) !== 1n) spec.cache = integerValue(model.cache);
  if (model.cycle) spec.cycle = true;
  if (model.ownedBy) spec.ownedBy = `${model.ownedBy.table}.${model.ownedBy.column}`;
  if (model.unlogged) spec.unlogged = true;
  if (model.comment !== undefined) spec.comment = model.comment;
  return spec;
}

/** A whole number as a YAML number while it is exact as one, else as its digits in a string. */
function integerValue(text: string): number | string {
  const value = Number(text);
  return Number.isSafeInteger(value) && String(value) === text ? value : text;
}

/** A default written as YAML: a number or boolean when loading gives back the same text. */
function defaultValue(text: string): string | number | boolean {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (/^-?(0|[1-9]\d*)(\.\d*[1-9])?$/.test(text)) {
    const value = Number(text);
    if (String(value) === text && (Number.isSafeInteger(value) || !Number.isInteger(value))) return value;
  }
  return text;
}

/**
 * A partitioned table's column as a partition created with PARTITION OF holds it: what loading
 * gives a partition's column that the manifest does not list (to-model.ts, inheritedColumn).
 */
function inheritedColumn(column: ColumnModel): ColumnModel {
  const { comment: _c, statistics: _s, options: _o, compression: _z, identity: _i, identityOptions: _io, identitySequenceName: _in, ...kept } = column;
  return kept;
}

function tableSpec(table: TableModel, names: NameCounts, flow: unknown[][], tables: ReadonlyMap<string, TableModel>, keySyntax: IndexKeySyntax): Yaml {
  const at = (...path: unknown[]): unknown[] => ['tables', table.name, ...path];
  const columnNames = table.columns.map((c) => c.name);
  // A partition lists only the columns that differ from what its parent gives it, so its keys
  // are written on the table, not on columns.
  const parent = table.partitionOf && tables.get(table.partitionOf.table);
  // So does a table that inherits: its keys may name columns it does not list.
  const sugar = parent === undefined && table.inherits === undefined;
  const pk = table.primaryKey;
  const pkOnColumn =
    sugar && pk !== undefined && pk.columns.length === 1 && pk.comment === undefined && names.omittable(pk.name, { kind: 'primaryKey', table: table.name })
      ? pk.columns[0]
      : undefined;

  const uniqueOnColumn = new Map<string, UniqueModel>();
  const tableUniques: UniqueModel[] = [];
  for (const unique of table.uniques) {
    const column = unique.columns[0]!;
    const plain = unique.columns.length === 1 && !unique.nullsNotDistinct && !unique.deferrable && !unique.initiallyDeferred && unique.comment === undefined;
    if (sugar && plain && !uniqueOnColumn.has(column) && names.omittable(unique.name, { kind: 'unique', table: table.name, columns: unique.columns })) {
      uniqueOnColumn.set(column, unique);
    } else tableUniques.push(unique);
  }

  const referenceOnColumn = new Map<string, ForeignKeyModel>();
  const tableForeignKeys: ForeignKeyModel[] = [];
  for (const fk of table.foreignKeys) {
    const column = fk.columns[0]!;
    const plain =
      fk.columns.length === 1 &&
      fk.refColumns.length === 1 &&
      !fk.refColumns[0]!.includes('.') &&
      fk.refTable.split('.').length <= 2 &&
      !fk.deferrable &&
      !fk.initiallyDeferred &&
      fk.match === undefined &&
      fk.comment === undefined;
    if (sugar && plain && !referenceOnColumn.has(column) && names.omittable(fk.name, { kind: 'foreignKey', table: table.name, columns: fk.columns })) {
      referenceOnColumn.set(column, fk);
    } else tableForeignKeys.push(fk);
  }

  const pkColumns = new Set(pk?.columns ?? []);
  const inherited = new Map((parent?.columns ?? []).map((c) => [c.name, inheritedColumn(c)]));
  // A Map, not an object: an object would move columns named like integers ("2024") to the front.
  const columns = new Map<string, unknown>();
  for (const column of table.columns) {
    if (parent && deepEqual(inherited.get(column.name) ?? null, column)) continue;
    const spec = columnSpec(column, {
      primaryKey: column.name === pkOnColumn,
      notNullImplied: pkColumns.has(column.name) || column.identity !== undefined,
      unique: uniqueOnColumn.has(column.name),
      reference: referenceOnColumn.get(column.name),
    });
    columns.set(column.name, spec);
    if (typeof spec === 'object') flow.push(at('columns', column.name));
  }

  const spec: Yaml = {};
  if (table.comment !== undefined) spec.comment = table.comment;
  if (table.partitionOf !== undefined) {
    spec.partitionOf = { table: table.partitionOf.table, bound: table.partitionOf.bound };
    flow.push(at('partitionOf'));
  }
  if (table.inherits !== undefined) {
    spec.inherits = [...table.inherits];
    flow.push(at('inherits'));
  }
  if ((!parent && table.inherits === undefined) || columns.size > 0) spec.columns = columns;
  if (table.partitionBy !== undefined) spec.partitionBy = table.partitionBy;
  if (table.unlogged) spec.unlogged = true;
  if (table.storageParameters !== undefined && Object.keys(table.storageParameters).length > 0) {
    spec.storageParameters = Object.fromEntries(Object.entries(table.storageParameters).map(([k, v]) => [k, defaultValue(v)]));
    flow.push(at('storageParameters'));
  }
  if (table.clusterOn !== undefined) spec.clusterOn = table.clusterOn;
  if (typeof table.replicaIdentity === 'string') spec.replicaIdentity = table.replicaIdentity;
  else if (table.replicaIdentity !== undefined) {
    spec.replicaIdentity = { index: table.replicaIdentity.index };
    flow.push(at('replicaIdentity'));
  }
  if (pk !== undefined && pkOnColumn === undefined) {
    const omit = names.omittable(pk.name, { kind: 'primaryKey', table: table.name });
    spec.primaryKey =
      omit && pk.comment === undefined
        ? [...pk.columns]
        : { ...(omit ? {} : { name: pk.name }), columns: [...pk.columns], ...(pk.comment !== undefined ? { comment: pk.comment } : {}) };
    flow.push(at('primaryKey'));
  }
  if (tableUniques.length > 0) {
    spec.uniques = tableUniques.map((u, i) => {
      flow.push(at('uniques', i));
      return uniqueSpec(u, names.omittable(u.name, { kind: 'unique', table: table.name, columns: u.columns }));
    });
  }
  if (table.exclusions !== undefined && table.exclusions.length > 0) {
    spec.exclusionConstraints = Object.fromEntries(
      table.exclusions.map((x) => [x.name, x.comment === undefined ? x.definition : { definition: x.definition, comment: x.comment }]),
    );
  }
  if (table.indexes.length > 0) {
    spec.indexes = Object.fromEntries(table.indexes.map((index) => [index.name, indexSpec(index, keySyntax)]));
    for (const index of table.indexes) flow.push(at('indexes', index.name));
  }
  if (tableForeignKeys.length > 0) {
    spec.foreignKeys = tableForeignKeys.map((fk, i) => {
      flow.push(at('foreignKeys', i));
      return foreignKeySpec(fk, names.omittable(fk.name, { kind: 'foreignKey', table: table.name, columns: fk.columns }));
    });
  }
  if (table.checks.length > 0) spec.checks = checksSpec(table, table.checks, columnNames, names, flow);
  if (table.options !== undefined && Object.keys(table.options).length > 0) {
    spec.options = { ...table.options };
    flow.push(at('options'));
  }
  return spec;
}

function columnSpec(
  column: ColumnModel,
  sugar: { primaryKey: boolean; notNullImplied: boolean; unique: boolean; reference: ForeignKeyModel | undefined },
): string | Yaml {
  const spec: Yaml = { type: column.type };
  if (!column.nullable && !sugar.notNullImplied) spec.nullable = false;
  if (sugar.primaryKey) spec.primaryKey = true;
  if (sugar.unique) spec.unique = true;
  if (column.default !== undefined) spec.default = defaultValue(column.default);
  if (column.identity !== undefined) spec.identity = column.identity;
  if (column.generated !== undefined) spec.generated = column.generated;
  if (column.virtual === true) spec.virtual = true;
  if (column.collation !== undefined) spec.collation = column.collation;
  if (column.comment !== undefined) spec.comment = column.comment;
  if (column.statistics !== undefined) spec.statistics = column.statistics;
  if (column.storage !== undefined) spec.storage = column.storage;
  if (column.compression !== undefined) spec.compression = column.compression;
  if (column.options !== undefined) spec.options = Object.fromEntries(Object.entries(column.options).map(([k, v]) => [k, defaultValue(v)]));
  if (column.identityOptions !== undefined || column.identitySequenceName !== undefined) {
    spec.identityOptions = {
      ...(column.identitySequenceName !== undefined ? { sequenceName: column.identitySequenceName } : {}),
      ...(column.identityOptions !== undefined ? identityOptionsSpec(column.type, column.identityOptions) : {}),
    };
  }
  const fk = sugar.reference;
  if (fk) {
    spec.references = `${fk.refTable}.${fk.refColumns[0]!}`;
    if (fk.onDelete !== 'no action') spec.onDelete = fk.onDelete;
    if (fk.onUpdate !== 'no action') spec.onUpdate = fk.onUpdate;
  }
  return Object.keys(spec).length === 1 && (column.nullable || sugar.notNullImplied) ? column.type : spec;
}

/** An identity sequence's options that are not CREATE SEQUENCE's defaults for the column's type (to-model.ts fills those in). */
function identityOptionsSpec(type: string, options: IdentitySequenceModel): Yaml {
  const sequenceType = type === 'smallint' || type === 'integer' ? type : 'bigint';
  const increment = BigInt(options.increment);
  const defaults = sequenceDefaults(sequenceType, increment);
  const spec: Yaml = {};
  if (increment !== 1n) spec.increment = integerValue(options.increment);
  if (BigInt(options.minValue) !== defaults.minValue) spec.minValue = integerValue(options.minValue);
  if (BigInt(options.maxValue) !== defaults.maxValue) spec.maxValue = integerValue(options.maxValue);
  if (BigInt(options.start) !== (increment > 0n ? BigInt(options.minValue) : BigInt(options.maxValue))) spec.start = integerValue(options.start);
  if (BigInt(options.cache) !== 1n) spec.cache = integerValue(options.cache);
  if (options.cycle) spec.cycle = true;
  return spec;
}

function uniqueSpec(unique: UniqueModel, omitName: boolean): unknown {
  const flags = unique.nullsNotDistinct || unique.deferrable || unique.initiallyDeferred || unique.comment !== undefined;
  if (omitName && !flags) return [...unique.columns];
  return {
    ...(omitName ? {} : { name: unique.name }),
    columns: [...unique.columns],
    ...(unique.nullsNotDistinct ? { nullsNotDistinct: true } : {}),
    ...(unique.deferrable ? { deferrable: true } : {}),
    ...(unique.initiallyDeferred ? { initiallyDeferred: true } : {}),
    ...(unique.comment !== undefined ? { comment: unique.comment } : {}),
  };
}

function indexKeySpec(key: IndexKey, keySyntax: IndexKeySyntax): unknown {
  const text = keySyntax.format(key);
  if (text !== undefined) return text;
  return {
    ...(key.column !== undefined ? { column: key.column } : {}),
    ...(key.expression !== undefined ? { expression: key.expression } : {}),
    ...(key.descending ? { order: 'desc' } : {}),
    ...(key.nulls !== undefined ? { nulls: key.nulls } : {}),
    ...(key.opclass !== undefined ? { opclass: key.opclass } : {}),
    ...(key.collation !== undefined ? { collation: key.collation } : {}),
  };
}

function indexSpec(index: IndexModel, keySyntax: IndexKeySyntax): Yaml {
  return {
    columns: index.keys.map((key) => indexKeySpec(key, keySyntax)),
    ...(index.unique ? { unique: true } : {}),
    ...(index.where !== undefined ? { where: index.where } : {}),
    ...(index.method !== 'btree' ? { method: index.method } : {}),
    ...(index.include.length > 0 ? { include: [...index.include] } : {}),
    ...(index.comment !== undefined ? { comment: index.comment } : {}),
    ...(index.storageParameters !== undefined && Object.keys(index.storageParameters).length > 0
      ? { storageParameters: Object.fromEntries(Object.entries(index.storageParameters).map(([k, v]) => [k, defaultValue(v)])) }
      : {}),
  };
}

function foreignKeySpec(fk: ForeignKeyModel, omitName: boolean): Yaml {
  return {
    ...(omitName ? {} : { name: fk.name }),
    columns: [...fk.columns],
    references: { table: fk.refTable, columns: [...fk.refColumns] },
    ...(fk.onDelete !== 'no action' ? { onDelete: fk.onDelete } : {}),
    ...(fk.onUpdate !== 'no action' ? { onUpdate: fk.onUpdate } : {}),
    ...(fk.deferrable ? { deferrable: true } : {}),
    ...(fk.initiallyDeferred ? { initiallyDeferred: true } : {}),
    ...(fk.match === 'full' ? { match: 'full' } : {}),
    ...(fk.comment !== undefined ? { comment: fk.comment } : {}),
  };
}

/** All named: a map of name -> expression. Otherwise a list: bare expressions where the name is the default. */
function checksSpec(table: TableModel, checks: readonly CheckModel[], columns: readonly string[], names: NameCounts, flow: unknown[][]): unknown {
  const omit = checks.map((c) => names.omittable(c.name, { kind: 'check', table: table.name, expression: c.expression, tableColumns: columns }));
  const commented = checks.some((c) => c.comment !== undefined);
  if (!omit.some(Boolean) && !commented) return Object.fromEntries(checks.map((c) => [c.name, c.expression]));
  return checks.map((c, i) => {
    if (omit[i] && c.comment === undefined) return c.expression;
    flow.push(['tables', table.name, 'checks', i]);
    return { ...(omit[i] ? {} : { name: c.name }), expression: c.expression, ...(c.comment !== undefined ? { comment: c.comment } : {}) };
  });
}
