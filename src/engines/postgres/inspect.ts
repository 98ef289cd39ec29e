import type pg from 'pg';
import type {
  CheckModel,
  ColumnModel,
  EnumModel,
  FkAction,
  ForeignKeyModel,
  IndexKey,
  IndexModel,
  PrimaryKeyModel,
  SchemaModel,
  SequenceModel,
  TableModel,
  UniqueModel,
  UnmanagedObject,
} from '../../model/types.js';
import { canonicalDefault, canonicalExpression, canonicalType } from './normalize.js';
import {
  COLUMNS,
  ENUMS,
  INDEXES,
  INVALID_INDEXES,
  LIST_SCHEMAS,
  SCHEMAS,
  SEQUENCES,
  TABLES,
  UNMANAGED_OTHER,
  UNMANAGED_RELATIONS,
  UNMANAGED_ROUTINES,
  UNMANAGED_TABLE_OBJECTS,
  UNMANAGED_TYPES,
  catalogQueries,
} from './queries.js';

/** Tenants per round of catalog queries: keeps `= ANY($1)` arrays and result sets bounded. */
const CHUNK_SIZE = 500;

/**
 * Settings that change how the catalog functions print, fixed so the same catalog always yields
 * the same text (invariant 3). An empty search_path makes format_type, pg_get_expr and friends
 * qualify every tenant object, which is what lets us strip exactly the tenant's own qualifier.
 * TimeZone and DateStyle decide how timestamptz constants in defaults print; with
 * standard_conforming_strings off, literals would come out with doubled backslashes.
 */
const SESSION_SETTINGS = `
SET LOCAL search_path TO '';
SET LOCAL quote_all_identifiers TO off;
SET LOCAL standard_conforming_strings TO on;
SET LOCAL TimeZone TO 'UTC';
SET LOCAL DateStyle TO 'ISO, YMD';
SET LOCAL IntervalStyle TO 'postgres';
SET LOCAL extra_float_digits TO 1;
SET LOCAL bytea_output TO 'hex'`;

/**
 * Reads the named schemas in one read-only transaction, so all catalog queries see one snapshot;
 * the client must not be inside a transaction already. A schema that does not exist gets no
 * entry. No lock on a tenant table is held (invariant 7), but deparsing an expression that names
 * a column takes a transient ACCESS SHARE lock (see queries.ts), so inspection waits while DDL
 * holds ACCESS EXCLUSIVE on such a table; set lock_timeout on the session to bound that wait.
 */
export async function inspectSchemas(
  client: pg.ClientBase,
  schemas: readonly string[],
): Promise<Map<string, SchemaModel>> {
  const result = new Map<string, SchemaModel>();
  const names = [...new Set(schemas)];
  if (names.length === 0) return result;
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    await client.query(SESSION_SETTINGS);
    const version = await client.query<{ version: number }>(
      "SELECT current_setting('server_version_num')::int AS version",
    );
    const queries = catalogQueries(version.rows[0]?.version ?? 0);
    const found = new Map<string, SchemaModel>();
    for (let i = 0; i < names.length; i += CHUNK_SIZE) {
      const chunk = names.slice(i, i + CHUNK_SIZE);
      for (const [name, model] of await inspectChunk(client, chunk, queries.constraints)) found.set(name, model);
    }
    await client.query('COMMIT');
    for (const name of names) {
      const model = found.get(name);
      if (model !== undefined) result.set(name, model);
    }
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  return result;
}

/** Indexes left INVALID by a failed concurrent build, for the caller to drop or rebuild. */
export async function inspectInvalidIndexes(client: pg.ClientBase, schema: string): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(INVALID_INDEXES, [schema]);
  return rows.map((r) => r.name).sort(compareNames);
}

/** Every schema that is not PostgreSQL's own, sorted. */
export async function listSchemas(client: pg.ClientBase): Promise<string[]> {
  const { rows } = await client.query<{ schema: string }>(LIST_SCHEMAS);
  return rows.map((r) => r.schema).sort(compareNames);
}

// ---------------------------------------------------------------------------------------------
// Rows, as the queries in queries.ts return them.

interface SchemaRow {
  schema: string;
  quoted: string;
}
interface TableRow {
  schema: string;
  name: string;
  comment: string | null;
  partition_by: string | null;
  unlogged: boolean;
}
interface ColumnRow {
  schema: string;
  table: string;
  name: string;
  type: string;
  not_null: boolean;
  default_expr: string | null;
  identity: string;
  generated: string;
  collation: string | null;
  comment: string | null;
  element_type: string;
  element_schema: string;
  element_kind: string;
}
interface ConstraintRow {
  schema: string;
  table: string;
  name: string;
  type: string;
  columns: string[];
  ref_table: string | null;
  ref_columns: string[];
  on_delete: string;
  on_update: string;
  match: string;
  deferrable: boolean;
  deferred: boolean;
  definition: string | null;
  nulls_not_distinct: boolean;
}
interface IndexKeyRow {
  column: string | null;
  text: string;
  option: number | null;
  collation: string | null;
  columnCollation: boolean | null;
  opclass: string | null;
}
interface IndexRow {
  schema: string;
  table: string;
  name: string;
  is_unique: boolean;
  /**
   * An INVALID index stays in the model: it exists and holds its name, so creating it again
   * would fail. inspectInvalidIndexes lists these for the executor to rebuild.
   */
  is_valid: boolean;
  method: string;
  key_count: number;
  predicate: string | null;
  /** Only for indexes with expression keys. */
  definition: string | null;
  keys: IndexKeyRow[];
}
interface EnumRow {
  schema: string;
  name: string;
  labels: string[];
  comment: string | null;
}
interface SequenceRow {
  schema: string;
  name: string;
  type: string;
  start: string;
  increment: string;
  min_value: string;
  max_value: string;
  cache: string;
  cycle: boolean;
  owned_table: string | null;
  owned_column: string | null;
}
interface UnmanagedRow {
  schema: string;
  kind: string;
  name: string;
  args: string | null;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface TableDraft {
  readonly name: string;
  comment?: string;
  options?: Record<string, string | boolean>;
  readonly columns: ColumnModel[];
  primaryKey?: PrimaryKeyModel;
  readonly uniques: UniqueModel[];
  readonly indexes: IndexModel[];
  readonly foreignKeys: ForeignKeyModel[];
  readonly checks: CheckModel[];
}

/**
 * Column name -> canonical type. The canonicalizer needs it to tell a cast PostgreSQL adds
 * itself (`(code)::text` on a varchar column) from one a person wrote (`n::text` on an integer).
 */
function columnTypes(table: TableDraft): ReadonlyMap<string, string> {
  return new Map(table.columns.map((c) => [c.name, c.type]));
}

/** One tenant's model while the rows of the different queries come in. */
class SchemaDraft {
  readonly tables = new Map<string, TableDraft>();
  readonly enums: EnumModel[] = [];
  readonly sequences: SequenceModel[] = [];
  readonly unmanaged: UnmanagedObject[] = [];
  readonly externalTypes = new Set<string>();

  constructor(
    readonly name: string,
    /** How PostgreSQL prints this schema: quote_ident(name). */
    readonly quoted: string,
  ) {}

  /** Strips this tenant's qualification from catalog output; other schemas' stay. */
  strip(text: string): string {
    return stripSchemaQualifier(text, this.quoted + '.');
  }

  finish(): SchemaModel {
    const tables: TableModel[] = [...this.tables.values()]
      .map((t) => ({
        name: t.name,
        columns: t.columns.map((c) =>
          c.generated === undefined ? c : { ...c, generated: canonicalExpression(c.generated, columnTypes(t)) },
        ),
        ...(t.primaryKey !== undefined && { primaryKey: t.primaryKey }),
        uniques: byName(t.uniques),
        indexes: byName(t.indexes),
        foreignKeys: byName(t.foreignKeys),
        checks: byName(t.checks),
        ...(t.comment !== undefined && { comment: t.comment }),
        ...(t.options !== undefined && { options: t.options }),
      }))
      .sort((a, b) => compareNames(a.name, b.name));
    const unmanaged = [...this.unmanaged].sort(
      (a, b) => compareNames(a.kind, b.kind) || compareNames(a.name, b.name),
    );
    return {
      tables,
      enums: byName(this.enums),
      sequences: byName(this.sequences),
      ...(this.externalTypes.size > 0 && { externalTypes: [...this.externalTypes].sort(compareNames) }),
      unmanaged,
    };
  }
}

async function inspectChunk(
  client: pg.ClientBase,
  schemas: readonly string[],
  constraintsQuery: string,
): Promise<Map<string, SchemaModel>> {
  const params = [schemas];
  const drafts = new Map<string, SchemaDraft>();
  for (const row of (await client.query<SchemaRow>(SCHEMAS, params)).rows) {
    drafts.set(row.schema, new SchemaDraft(row.schema, row.quoted));
  }
  if (drafts.size === 0) return new Map();
  const tableOf = (schema: string, table: string): [SchemaDraft, TableDraft] | undefined => {
    const draft = drafts.get(schema);
    const t = draft?.tables.get(table);
    return draft !== undefined && t !== undefined ? [draft, t] : undefined;
  };

  for (const row of (await client.query<TableRow>(TABLES, params)).rows) {
    const draft = drafts.get(row.schema);
    if (draft === undefined) continue;
    const table: TableDraft = { name: row.name, columns: [], uniques: [], indexes: [], foreignKeys: [], checks: [] };
    if (row.comment !== null) table.comment = row.comment;
    const options: Record<string, string | boolean> = {};
    if (row.partition_by !== null) options.partitionBy = draft.strip(row.partition_by);
    if (row.unlogged) options.unlogged = true;
    if (Object.keys(options).length > 0) table.options = options;
    draft.tables.set(row.name, table);
  }

  for (const row of (await client.query<ColumnRow>(COLUMNS, params)).rows) {
    const found = tableOf(row.schema, row.table);
    if (found === undefined) continue;
    const [draft, table] = found;
    table.columns.push(toColumn(draft, row));
    if (row.element_schema !== 'pg_catalog' && !(row.element_schema === row.schema && row.element_kind === 'e')) {
      draft.externalTypes.add(canonicalType(draft.strip(row.element_type)));
    }
  }

  for (const row of (await client.query<ConstraintRow>(constraintsQuery, params)).rows) {
    const found = tableOf(row.schema, row.table);
    if (found === undefined) continue;
    const [draft, table] = found;
    addConstraint(draft, table, row);
  }

  for (const row of (await client.query<IndexRow>(INDEXES, params)).rows) {
    const found = tableOf(row.schema, row.table);
    if (found === undefined) continue;
    const [draft, table] = found;
    table.indexes.push(toIndex(draft, row, columnTypes(table)));
  }

  for (const row of (await client.query<EnumRow>(ENUMS, params)).rows) {
    drafts.get(row.schema)?.enums.push({
      name: row.name,
      values: row.labels,
      ...(row.comment !== null && { comment: row.comment }),
    });
  }

  for (const row of (await client.query<SequenceRow>(SEQUENCES, params)).rows) {
    drafts.get(row.schema)?.sequences.push(toSequence(row));
  }

  for (const query of [UNMANAGED_RELATIONS, UNMANAGED_ROUTINES, UNMANAGED_TYPES, UNMANAGED_TABLE_OBJECTS, UNMANAGED_OTHER]) {
    for (const row of (await client.query<UnmanagedRow>(query, params)).rows) {
      const draft = drafts.get(row.schema);
      if (draft === undefined) continue;
      // Only the argument types are catalog output; the name is the object's own spelling.
      const name = row.args === null ? row.name : `${row.name}(${draft.strip(row.args)})`;
      draft.unmanaged.push({ kind: row.kind, name });
    }
  }

  const models = new Map<string, SchemaModel>();
  for (const [name, draft] of drafts) models.set(name, draft.finish());
  return models;
}

function toColumn(draft: SchemaDraft, row: ColumnRow): ColumnModel {
  const type = canonicalType(draft.strip(row.type));
  const column: Mutable<ColumnModel> = { name: row.name, type, nullable: !row.not_null };
  if (row.default_expr !== null) {
    const expression = draft.strip(row.default_expr);
    // A generated column's expression sits in pg_attrdef like a default ('s' stored; PG18 'v').
    // Canonicalized in finish(), once every column's type is known.
    if (row.generated !== '') column.generated = expression;
    else {
      const value = canonicalDefault(expression, type);
      if (value !== undefined) column.default = value;
    }
  }
  if (row.identity === 'a') column.identity = 'always';
  else if (row.identity === 'd') column.identity = 'by default';
  if (row.collation !== null) column.collation = row.collation;
  if (row.comment !== null) column.comment = row.comment;
  return column;
}

const FK_ACTIONS: Readonly<Record<string, FkAction>> = {
  a: 'no action',
  r: 'restrict',
  c: 'cascade',
  n: 'set null',
  d: 'set default',
};

function fkAction(letter: string): FkAction {
  const action = FK_ACTIONS[letter];
  if (action === undefined) throw new Error(`unknown foreign key action '${letter}' in pg_constraint`);
  return action;
}

function addConstraint(draft: SchemaDraft, table: TableDraft, row: ConstraintRow): void {
  switch (row.type) {
    case 'p':
      table.primaryKey = { name: row.name, columns: row.columns };
      break;
    case 'u':
      table.uniques.push({
        name: row.name,
        columns: row.columns,
        ...(row.nulls_not_distinct && { nullsNotDistinct: true }),
        ...(row.deferrable && { deferrable: true }),
        ...(row.deferred && { initiallyDeferred: true }),
      });
      break;
    case 'f':
      table.foreignKeys.push({
        name: row.name,
        columns: row.columns,
        refTable: row.ref_table ?? '',
        refColumns: row.ref_columns,
        onDelete: fkAction(row.on_delete),
        onUpdate: fkAction(row.on_update),
        ...(row.match === 'f' && { match: 'full' as const }),
        deferrable: row.deferrable,
        initiallyDeferred: row.deferred,
      });
      break;
    case 'c':
      table.checks.push({
        name: row.name,
        expression: canonicalExpression(draft.strip(checkBody(row.definition ?? '')), columnTypes(table)),
      });
      break;
    default:
      // 'x' exclusion constraints are listed as unmanaged objects by UNMANAGED_TABLE_OBJECTS.
      break;
  }
}

/** `CHECK ((a > 0)) NOT VALID` -> `(a > 0)`: the model holds the expression, not the clause. */
export function checkBody(definition: string): string {
  let body = definition.trim();
  if (body.endsWith(' NOT VALID')) body = body.slice(0, -' NOT VALID'.length);
  // NO INHERIT cannot be expressed in the model; it only matters with table inheritance.
  if (body.endsWith(' NO INHERIT')) body = body.slice(0, -' NO INHERIT'.length);
  if (body.startsWith('CHECK (') && body.endsWith(')')) body = body.slice('CHECK ('.length, -1);
  return body;
}

const INDOPTION_DESC = 1;
const INDOPTION_NULLS_FIRST = 2;

function toIndex(draft: SchemaDraft, row: IndexRow, types: ReadonlyMap<string, string>): IndexModel {
  const keyRows = row.keys.slice(0, row.key_count);
  const explicit = row.definition === null ? undefined : explicitCollations(row.definition, keyRows.map((k) => k.text));
  const keys = keyRows.map((k, i): IndexKey => {
    const key: Mutable<IndexKey> =
      k.column !== null ? { column: k.column } : { expression: canonicalExpression(draft.strip(k.text), types) };
    const option = k.option ?? 0;
    const descending = (option & INDOPTION_DESC) !== 0;
    const nullsFirst = (option & INDOPTION_NULLS_FIRST) !== 0;
    if (descending) key.descending = true;
    // NULLS LAST is the default for ASC and NULLS FIRST for DESC; only the other one is recorded.
    if (!descending && nullsFirst) key.nulls = 'first';
    if (descending && !nullsFirst) key.nulls = 'last';
    // A column key inherits the column's collation; an expression key's implicit collation is not
    // in the catalog, so only an explicit COLLATE in the definition counts.
    const hasCollation = k.column !== null ? k.columnCollation === false : explicit?.[i] === true;
    if (k.collation !== null && hasCollation) key.collation = k.collation;
    if (k.opclass !== null) key.opclass = draft.strip(k.opclass);
    return key;
  });
  return {
    name: row.name,
    unique: row.is_unique,
    method: row.method,
    keys,
    include: row.keys.slice(row.key_count).map((k) => k.column ?? k.text),
    ...(row.predicate !== null && { where: canonicalExpression(draft.strip(row.predicate), types) }),
    ...(!row.is_valid && { invalid: true as const }),
  };
}

/**
 * Which keys of `CREATE INDEX ... USING m (k1 COLLATE x DESC, k2, ...)` carry an explicit
 * COLLATE. Each key starts with exactly the text pg_get_indexdef(oid, k, true) gives for it, so
 * the definition can be walked key by key. Undefined when it does not have the expected shape.
 */
export function explicitCollations(definition: string, keyTexts: readonly string[]): boolean[] | undefined {
  let p = skipTo(definition, 0, '(');
  if (p < 0) return undefined;
  p += 1;
  const result: boolean[] = [];
  for (const text of keyTexts) {
    if (!definition.startsWith(text, p)) return undefined;
    p += text.length;
    result.push(definition.startsWith(' COLLATE ', p));
    const end = skipTo(definition, p, ',', ')');
    if (end < 0) return undefined;
    p = end + 1;
    if (definition[end] === ',') p += definition[p] === ' ' ? 1 : 0;
  }
  return result;
}

/** Position of the first of `stops` at nesting depth 0 from `from`, outside quotes; -1 if none. */
function skipTo(text: string, from: number, ...stops: string[]): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === '"' || ch === "'") {
      i = endOfQuoted(text, i) - 1;
      continue;
    }
    if (depth === 0 && stops.includes(ch)) return i;
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
  }
  return -1;
}

/** Index just past the quoted token starting at `start`; a doubled quote stays inside. */
function endOfQuoted(text: string, start: number): number {
  const quote = text[start];
  let i = start + 1;
  while (i < text.length) {
    if (text[i] === quote) {
      if (text[i + 1] === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return text.length;
}

const isIdentChar = (ch: string | undefined): boolean =>
  ch !== undefined && (/[A-Za-z0-9_$]/.test(ch) || ch.charCodeAt(0) >= 0x80);

/** Casts whose literal holds an object name PostgreSQL prints qualified, as in nextval('s.seq'::regclass). */
const REG_CAST = /^::reg[a-z]+\b/;

/**
 * Removes `prefix` (the tenant's quote_ident(schema) + '.') where it qualifies a name: at the
 * start of an identifier outside quotes, and inside the string literal of a reg* cast such as
 * `nextval('"Tenant A".t_id_seq'::regclass)`. Any other string literal or quoted identifier that
 * merely contains the text is left alone, as are other schemas' qualifiers.
 */
export function stripSchemaQualifier(text: string, prefix: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith(prefix, i) && !isIdentChar(text[i - 1]) && text[i - 1] !== '.' && text[i - 1] !== '"') {
      i += prefix.length;
      continue;
    }
    const ch = text[i] as string;
    if (ch === '"' || ch === "'") {
      const end = endOfQuoted(text, i);
      const token = text.slice(i, end);
      if (ch === "'" && REG_CAST.test(text.slice(end))) {
        const name = token.slice(1, -1).replaceAll("''", "'");
        out += "'" + stripSchemaQualifier(name, prefix).replaceAll("'", "''") + "'";
      } else out += token;
      i = end;
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}

function toSequence(row: SequenceRow): SequenceModel {
  return {
    name: row.name,
    type: row.type as SequenceModel['type'],
    start: row.start,
    increment: row.increment,
    minValue: row.min_value,
    maxValue: row.max_value,
    cache: row.cache,
    cycle: row.cycle,
    ...(row.owned_table !== null &&
      row.owned_column !== null && { ownedBy: { table: row.owned_table, column: row.owned_column } }),
  };
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byName<T extends { readonly name: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => compareNames(a.name, b.name));
}
