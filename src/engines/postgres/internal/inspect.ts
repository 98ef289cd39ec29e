import pg from 'pg';
import type { ReadSettings } from '../../../domain/settings.js';
import type {
  CheckModel,
  ExclusionModel,
  ColumnModel,
  DefinedObjectModel,
  EnumModel,
  FkAction,
  ForeignKeyModel,
  IndexKey,
  IdentitySequenceModel,
  IndexModel,
  PartitionOfModel,
  PrimaryKeyModel,
  SchemaModel,
  SequenceModel,
  TableModel,
  UniqueModel,
  UnmanagedObject,
} from '../../../model/types.js';
import { sharedInterner } from '../../../model/intern.js';
import type { InspectOutcome, InspectScope } from '../../types.js';
import type { TenantContext } from '../../../domain/tenant.js';
import { quoteLiteral } from './connect.js';
import { sqlTokens, tokenFrom } from './sql-tokens.js';
import { serialSequenceName } from './normalize.js';
import {
  ObjectsDraft,
  type AggregateRow,
  type CompositeRow,
  type DependencyRow,
  type DomainRow,
  type PolicyRow,
  type RoutineRow,
  type TriggerRow,
  type ViewRow, type RuleRow, type StatisticsRow } from './inspect-objects.js';
import {
  AGGREGATES,
  ALL_RELATION_KINDS,
  COMPOSITE_TYPES,
  DEPARSED,
  DOMAINS,
  OBJECT_DEPENDENCIES,
  POLICIES,
  RULES,
  STATISTICS,
  TRIGGERS,
  VIEWS,
  DESCRIPTIONS,
  INDEXES,
  INVALID_INDEXES,
  KEY_NAMES,
  OBJECT_DESCRIPTIONS,
  LIST_SCHEMAS,
  LOCKED_TABLES,
  REFERENCED_COLUMNS,
  SCHEMAS,
  ENUMS,
  RELATIONS,
  SEQUENCES,
  TABLES_NAMED,
  TABLE_OIDS_NAMED,
  TYPES,
  UNMANAGED_OTHER,
  UNMANAGED_TABLE_OBJECTS,
  UNMANAGED_TYPES,
  SCHEMA_GRANTS,
  RELATION_GRANTS,
  ROUTINE_GRANTS,
  TYPE_GRANTS,
  DEFAULT_PRIVILEGES,
  IDENTITY_SEQUENCE_GRANTS,
  catalogQueries,
} from './queries.js';
import { GrantsDraft, type GrantRow } from './grants.js';

/** What a tenant's read compares; anything else it holds is reported as unmanaged. */
export const COMPARED_KINDS: readonly string[] = [
  'tables',
  'columns (type, nullability, default, identity, generation, collation, comment)',
  'primary keys',
  'unique, check and foreign key constraints',
  'indexes',
  'enums',
  'sequences',
  'partitioned tables (strategy and key) and partitions (parent and bound)',
  'table inheritance (INHERITS parents, in order)',
  'table storage (unlogged, storage parameters)',
  'column settings (statistics target, storage, compression, options, identity sequence options)',
  'comments on constraints, indexes and sequences',
  'row-level security',
  'views and materialized views (with their indexes)',
  'functions, procedures and aggregates',
  'triggers (with their enabled state)',
  'policies',
  'domains (with their checks) and composite types',
  'rules',
  'extended statistics',
];

/** Compared with the `grants` setting. */
export const GRANTS_KIND = 'grants to roles (on the schema, tables, columns, sequences, views, routines and types)';

/** Tenants per round of catalog queries: keeps `= ANY($1)` arrays and result sets bounded. */
const CHUNK_SIZE = 500;

/** Tenants per read-only transaction of inspectOutcomes: large enough to amortize, small enough to keep rows bounded. */
const OUTCOME_CHUNK = 500;

/** What one batched read found: the schemas read, and those set aside with the reason. */
export interface BatchRead {
  readonly models: Map<string, SchemaModel>;
  readonly unreadable: ReadonlyMap<string, string>;
}

/**
 * Inspects the tenants a chunk at a time with `inspect` (readIsolating on some connection); a
 * tenant whose schema does not exist, or that could not be read, gets a failed outcome.
 */
export async function inspectOutcomes(
  tenants: readonly TenantContext[],
  inspect: (schemas: string[], scope?: InspectScope) => Promise<BatchRead>,
  scope?: InspectScope,
): Promise<Map<string, InspectOutcome>> {
  const outcomes = new Map<string, InspectOutcome>();
  for (let i = 0; i < tenants.length; i += OUTCOME_CHUNK) {
    const chunk = tenants.slice(i, i + OUTCOME_CHUNK).map((t) => t.name);
    const { models, unreadable } = await inspect(chunk, scope);
    for (const name of chunk) {
      const schema = models.get(name);
      const reason = unreadable.get(name);
      outcomes.set(name, schema ? { ok: true, schema } : { ok: false, error: reason ?? `schema "${name}" does not exist` });
    }
  }
  return outcomes;
}

/**
 * inspectSchemas, bounded by the limits, where one tenant's locked table never fails the others:
 * after a lock timeout, the tenants with a table another session holds (or waits for) in ACCESS
 * EXCLUSIVE mode are set aside, named with the table and the session, and the rest read again.
 */
export async function readIsolating(client: pg.ClientBase, schemas: readonly string[], scope: InspectScope | undefined, limits: ReadSettings): Promise<BatchRead> {
  const unreadable = new Map<string, string>();
  let remaining = [...schemas];
  for (;;) {
    try {
      return { models: await inspectSchemas(client, remaining, scope, limits), unreadable };
    } catch (error) {
      if ((error as { code?: string }).code !== LOCK_NOT_AVAILABLE) throw error;
      const { rows } = await client.query<{ schema: string; table: string; pid: number }>(LOCKED_TABLES, [remaining]);
      const locked = rows.filter((r) => !unreadable.has(r.schema));
      if (locked.length === 0) throw error;
      for (const row of locked) {
        unreadable.set(
          row.schema,
          `could not be read: its table ${row.table} is locked by another session (pid ${row.pid}); the read gave up after lock_timeout (${limits.lockTimeoutMs} ms)`,
        );
      }
      remaining = remaining.filter((name) => !unreadable.has(name));
      if (remaining.length === 0) return { models: new Map(), unreadable };
    }
  }
}

const LOCK_NOT_AVAILABLE = '55P03';

/**
 * Settings that change how the catalog functions print, fixed so the same catalog always yields
 * the same text (invariant 3). An empty search_path makes format_type, pg_get_expr and friends
 * qualify every tenant object, which is what lets us strip exactly the tenant's own qualifier.
 * TimeZone and DateStyle decide how timestamptz constants in defaults print; with
 * standard_conforming_strings off, literals would come out with doubled backslashes. And jit is
 * off: compiling a catalog query's expressions takes longer than running them, and the estimates
 * of a chunk's queries can reach jit_above_cost. Nor are there parallel workers: they are new
 * backends, started for each query with empty catalog caches, and format_type and pg_get_expr
 * ran in them once per row. COLUMNS and UNMANAGED_TABLE_OBJECTS were planned parallel and took
 * far longer than serial (500 tenants, server time: 300 -> 120 ms and 57 -> 6 ms).
 */
const SESSION_SETTINGS = `
SET LOCAL search_path TO '';
SET LOCAL quote_all_identifiers TO off;
SET LOCAL standard_conforming_strings TO on;
SET LOCAL TimeZone TO 'UTC';
SET LOCAL DateStyle TO 'ISO, YMD';
SET LOCAL IntervalStyle TO 'postgres';
SET LOCAL extra_float_digits TO 1;
SET LOCAL bytea_output TO 'hex';
SET LOCAL jit TO off;
SET LOCAL max_parallel_workers_per_gather TO 0`;

/** server_version_num of each connection, asked once: it cannot change while connected. */
const serverVersions = new WeakMap<pg.ClientBase, number>();

/**
 * Reads the named schemas in one read-only transaction, so all catalog queries see one snapshot;
 * the client must not be inside a transaction already. A schema that does not exist gets no
 * entry. No lock on a tenant table is held (invariant 7), but deparsing an expression that names
 * a column takes a transient ACCESS SHARE lock (see queries.ts), so inspection waits while DDL
 * holds ACCESS EXCLUSIVE on such a table; set lock_timeout on the session to bound that wait.
 * With a scope, only that part of each schema is read (see InspectScope).
 */
export async function inspectSchemas(
  client: pg.ClientBase,
  schemas: readonly string[],
  scope?: InspectScope,
  limits?: ReadSettings,
): Promise<Map<string, SchemaModel>> {
  const names = [...new Set(schemas)];
  if (names.length === 0) return new Map();
  const bounds = limits
    ? `;SET LOCAL lock_timeout = ${Math.max(0, Math.floor(limits.lockTimeoutMs))};SET LOCAL statement_timeout = ${Math.max(0, Math.floor(limits.statementTimeoutMs))}`
    : '';
  try {
    await client.query(`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;${SESSION_SETTINGS}${bounds}`);
    const result = await readSchemas(client, names, scope, limits?.grants === true);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * The catalog settings of every read, one statement each: apply sends them at the end of a
 * tenant's DDL, in the same round trip, before it reads the tenant back with inspectInTransaction.
 */
export const CATALOG_SETTINGS: readonly string[] = SESSION_SETTINGS.split(';').map((s) => s.trim()).filter((s) => s.length > 0);

/**
 * Statements sent ahead of a read's first queries, in their round trip, their results unread:
 * apply's tenant transaction (BEGIN, the DDL, CATALOG_SETTINGS), so the read back costs no round
 * trip of its own to start. The text must have been checked to hold exactly `statements`
 * statements; an error in it fails the read with that error.
 */
export interface LeadStatements {
  readonly text: string;
  readonly statements: number;
}

/**
 * Reads one schema inside the transaction the client is in, which sees that transaction's own
 * uncommitted DDL: apply verifies a tenant this way before its COMMIT. The transaction must have
 * run CATALOG_SETTINGS (or `lead` runs them). Its queries go out grouped, a few round trips in all
 * (see QueryChain).
 */
export async function inspectInTransaction(
  client: pg.ClientBase,
  schema: string,
  scope?: InspectScope,
  grants = false,
  lead?: LeadStatements,
): Promise<SchemaModel | undefined> {
  return (await readSchemas(client, [schema], scope, grants, true, lead)).get(schema);
}

async function readSchemas(
  client: pg.ClientBase,
  names: readonly string[],
  scope: InspectScope | undefined,
  grants: boolean,
  grouped = false,
  lead?: LeadStatements,
): Promise<Map<string, SchemaModel>> {
  const queries = catalogQueries(await serverVersion(client));
  const keyNames = new KeyNames();
  const found = new Map<string, SchemaModel>();
  for (let i = 0; i < names.length; i += CHUNK_SIZE) {
    const chunk = names.slice(i, i + CHUNK_SIZE);
    for (const [name, model] of await inspectChunk(client, chunk, queries, keyNames, scope, grants, grouped, i === 0 ? lead : undefined)) found.set(name, model);
  }
  const result = new Map<string, SchemaModel>();
  for (const name of names) {
    const model = found.get(name);
    if (model !== undefined) result.set(name, model);
  }
  return result;
}

async function serverVersion(client: pg.ClientBase): Promise<number> {
  let version = serverVersions.get(client);
  if (version === undefined) {
    const { rows } = await client.query<{ version: number }>(
      "SELECT current_setting('server_version_num')::int AS version",
    );
    version = rows[0]?.version ?? 0;
    serverVersions.set(client, version);
  }
  return version;
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

/**
 * The catalog queries of one transaction, sent one after another on its one connection, with
 * steps of our own in between; the next query goes out as soon as one has returned. Each row is
 * handed over as it arrives and outlives its query only as part of the model: holding a chunk's
 * 37,000 column rows until the query ended made the garbage collector copy every one of them.
 * pg is only ever handed one query at a time (queueing on a busy client is deprecated); after a
 * failure, or stop(), nothing more is sent.
 *
 * Grouped, the queries between two barriers (or steps) go out together as one multi-statement
 * query, their parameters written into the text as literals: for a single tenant, read back
 * inside its apply transaction, round trips cost more than the queries, and a dozen of them per
 * tenant doubled the cost of an apply.
 */
class QueryChain {
  #tail: Promise<void> = Promise.resolve();
  #stopped = false;
  #group: Queued[] = [];
  #lead: LeadStatements | undefined;

  /** `lead` goes out with the first group: grouped only. */
  constructor(
    private readonly client: pg.ClientBase,
    private readonly grouped = false,
    lead?: LeadStatements,
  ) {
    if (lead && !grouped) throw new Error('QueryChain: lead statements need grouped queries');
    this.#lead = lead;
  }

  /**
   * Queues a query whose rows go to onRow. Values given as a function are computed when the
   * query's turn comes, from what the queries before it found; undefined skips the query.
   */
  each<R extends pg.QueryResultRow>(
    text: string,
    values: unknown[] | (() => unknown[] | undefined),
    onRow: (row: R) => void,
  ): void {
    const queued: Queued = { text, values, onRow: onRow as (row: pg.QueryResultRow) => void };
    if (this.grouped) {
      this.#group.push(queued);
      return;
    }
    this.#then(() => {
      const params = typeof values === 'function' ? values() : values;
      return params === undefined ? undefined : streamRows(this.client, text, params, queued.onRow);
    });
  }

  /** Where the queries after it need the rows of those before it. */
  barrier(): void {
    if (!this.grouped || this.#group.length === 0) return;
    const group = this.#group;
    const lead = this.#lead;
    this.#group = [];
    this.#lead = undefined;
    this.#then(() => sendGroup(this.client, group, lead));
  }

  /** Queues a step of our own, run once every query before it has returned. */
  step(run: () => void | Promise<void>): void {
    this.barrier();
    this.#then(run);
  }

  /**
   * A step that only needs the rows of the queries before it, not their answers before the next
   * queries go out: grouped, it runs between their rows and those of the queries after it.
   */
  between(run: () => void): void {
    if (this.grouped) this.#group.push({ run });
    else this.#then(run);
  }

  /** Sends nothing more; what is on the wire still completes. */
  stop(): void {
    this.#stopped = true;
  }

  /** Resolves when every step has run; rejects with the first failure. */
  async done(): Promise<void> {
    this.barrier();
    await this.#tail;
  }

  #then(run: () => void | Promise<void>): void {
    this.#tail = this.#tail.then(() => (this.#stopped ? undefined : run()));
  }
}

type Queued =
  | { readonly text: string; readonly values: unknown[] | (() => unknown[] | undefined); readonly onRow: (row: pg.QueryResultRow) => void }
  | { readonly run: () => void };

/**
 * Queries sent as one text, after the lead statements if any: each `$n` becomes its value as a
 * literal (every one is cast in queries.ts).
 */
async function sendGroup(client: pg.ClientBase, group: readonly Queued[], lead?: LeadStatements): Promise<void> {
  // In the group's order: a step of our own, or the query whose result comes next.
  const handlers: ({ readonly run: () => void } | { readonly onRow: (row: pg.QueryResultRow) => void })[] = [];
  const texts: string[] = [];
  for (const queued of group) {
    if ('run' in queued) {
      handlers.push(queued);
      continue;
    }
    const params = typeof queued.values === 'function' ? queued.values() : queued.values;
    if (params === undefined) continue;
    texts.push(withLiterals(queued.text, params));
    handlers.push(queued);
  }
  let results: pg.QueryResult[] = [];
  if (texts.length > 0 || lead) {
    const text = [...(lead ? [lead.text] : []), ...texts].join(';\n');
    const result = (await client.query({ text, types: catalogTypes })) as unknown as pg.QueryResult | pg.QueryResult[];
    results = (Array.isArray(result) ? result : [result]).slice(lead?.statements ?? 0);
  }
  let next = 0;
  for (const handler of handlers) {
    if ('run' in handler) handler.run();
    else for (const row of results[next++]?.rows ?? []) handler.onRow(row);
  }
}

/** A query's text with each `$n` written as its value: a literal, or a ServerExpression in parentheses. */
function withLiterals(text: string, params: readonly unknown[]): string {
  return text.replace(/\$(\d+)(?!\d)/g, (_, n: string) => arrayLiteral(params[Number(n) - 1]));
}

/** A grouped query's parameter that the server computes: SQL written into the text as it is. */
class ServerExpression {
  constructor(readonly sql: string) {}
}

/** A text or integer array parameter (or one already written as an array literal) as a quoted literal. */
function arrayLiteral(value: unknown): string {
  if (value instanceof ServerExpression) return `(${value.sql})`;
  if (typeof value === 'string') return quoteLiteral(value);
  if (!Array.isArray(value)) throw new Error('catalog query parameters are arrays');
  const elements = value.map((v) => (typeof v === 'number' ? String(v) : '"' + String(v).replaceAll('\\', '\\\\').replaceAll('"', '\\"') + '"'));
  return quoteLiteral('{' + elements.join(',') + '}');
}

/**
 * pg's parsers, but for the int2[] and oid[] columns of CONSTRAINTS and INDEXES (keys, options,
 * operator classes, collations), which a fleet returns by the hundred thousand: pg parses any
 * array character by character, and these only ever hold integers, as in {1,-2,3}. pg_index's
 * vectors start at index 0, so they print as [0:1]={1,2}; like pg's parser, this one keeps the
 * elements and drops the bounds. Anything else goes to pg's parser.
 */
const INT2_ARRAY = 1005;
const OID_ARRAY = 1028;
const INTEGER_ARRAY = /^(?:\[-?\d+:-?\d+\]=)?\{(-?\d+(?:,-?\d+)*)?\}$/;
const catalogTypes = {
  getTypeParser(oid: number, format?: string): (text: string) => unknown {
    const parser = pg.types.getTypeParser(oid, format === 'binary' ? 'binary' : 'text') as (text: string) => unknown;
    if ((oid !== INT2_ARRAY && oid !== OID_ARRAY) || format === 'binary') return parser;
    return (text: string) => parseIntegerArray(text, parser);
  },
};

/** An integer array's text as pg's parser reads it; `fallback` gets what is not plain integers. */
export function parseIntegerArray(text: string, fallback: (text: string) => unknown): unknown {
  const match = INTEGER_ARRAY.exec(text);
  if (!match) return fallback(text);
  return match[1] === undefined ? [] : match[1].split(',').map(Number);
}

/** Runs a query, handing each row to onRow; resolves once pg is ready for the next query. */
function streamRows<R extends pg.QueryResultRow>(
  client: pg.ClientBase,
  text: string,
  values: unknown[],
  onRow: (row: R) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const query = new pg.Query<R>({ text, values, types: catalogTypes });
    // A row handler runs inside pg's socket callback: it must not throw there.
    let failure: { error: unknown } | undefined;
    query.on('row', (row) => {
      if (failure !== undefined) return;
      try {
        onRow(row);
      } catch (error) {
        failure = { error };
      }
    });
    query.on('error', reject);
    query.on('end', () => (failure === undefined ? resolve() : reject(failure.error)));
    client.query(query);
  });
}

// ---------------------------------------------------------------------------------------------
// Rows, as the queries in queries.ts return them. oid, int2[] and oid[] columns arrive as numbers.

interface SchemaRow {
  oid: number;
  schema: string;
  quoted: string;
}
interface TableRow {
  oid: number;
  schema_oid: number;
  name: string;
  partition_by: string | null;
  partition_of: string | null;
  partition_bound: string | null;
  /** Parents by INHERITS, in inhseqno order; null on partitions and partitioned tables. */
  inherits: string[] | null;
  unlogged: boolean;
  /** reloptions: `name=value` texts; toast_parameters those of the TOAST table, named without `toast.`. */
  storage_parameters: string[] | null;
  toast_parameters: string[] | null;
  row_security: boolean;
  force_row_security: boolean;
  cluster_on: string | null;
  /** relreplident: d(efault), n(othing), f(ull) or i(ndex: replica_index). */
  replica_identity: string;
  replica_index: string | null;
}
interface ColumnRow {
  table_oid: number;
  position: number;
  name: string;
  type: string;
  type_oid: number;
  not_null: boolean;
  default_expr: string | null;
  identity: string;
  generated: string;
  collation_oid: number;
  statistics: number | null;
  storage: string;
  /** attislocal: false for a column the table has only from its parents. */
  is_local: boolean;
  compression: string;
  /** attoptions: `name=value` texts. */
  options: string[] | null;
  /** An identity column's sequence: start, increment, min, max, cache, cycle. */
  identity_sequence: string[] | null;
}
interface DescriptionRow {
  table_oid: number;
  /** 0 for the table itself, else the column's attnum. */
  position: number;
  comment: string;
}
interface TypeRow {
  oid: number;
  collation_oid: number;
  storage: string;
  element_schema_oid: number;
  element_in_catalog: boolean;
  element_is_enum: boolean;
  element_type: string;
}
interface ConstraintRow {
  table_oid: number;
  name: string;
  type: string;
  /** attnums of the table, in key order; null for a CHECK that names no column. */
  columns: number[] | null;
  ref_oid: number;
  ref_table: string | null;
  /** attnums of the referenced table (foreign keys only). */
  ref_columns: number[] | null;
  on_delete: string;
  on_update: string;
  match: string;
  deferrable: boolean;
  deferred: boolean;
  /** pg_constraint.convalidated: false for a CHECK or FOREIGN KEY left NOT VALID. */
  validated: boolean;
  oid: number;
  /** A CHECK's expression digest, for DEPARSED. */
  definition_key: string | null;
  /** An exclusion constraint's pg_get_constraintdef (rare, so deparsed in place). */
  exclusion: string | null;
  nulls_not_distinct: boolean;
  /** conislocal: false for a CHECK a partition (or child) got from its parent. */
  is_local: boolean;
}
interface IndexRow {
  table_oid: number;
  name: string;
  is_unique: boolean;
  /**
   * An INVALID index stays in the model: it exists and holds its name, so creating it again
   * would fail. inspectInvalidIndexes lists these for the executor to rebuild.
   */
  is_valid: boolean;
  method: string;
  key_count: number;
  /** indkey: key_count keys (0 for an expression), then the INCLUDE columns. */
  attnums: number[];
  /** indoption, indclass and indcollation: one entry per key, none for INCLUDE columns. */
  options: number[];
  opclasses: number[];
  collations: number[];
  oid: number;
  /** reloptions of the index: `name=value` texts. */
  storage_parameters: string[] | null;
  /** An index a partition got from its parent's partitioned index, and that index's name. */
  attached: boolean;
  parent_index: string | null;
  /** The predicate's expression digest, for DEPARSED. */
  predicate_key: string | null;
  /** Only for indexes with expression keys, as is key_texts. */
  definition: string | null;
  key_texts: string[] | null;
}
interface KeyNameRow {
  kind: 'collation' | 'opclass';
  oid: number;
  schema_oid: number;
  in_catalog: boolean;
  name: string;
  qualified: string;
}
interface DeparsedRow {
  kind: 'check' | 'predicate';
  oid: number;
  text: string;
}
interface ObjectDescriptionRow {
  oid: number;
  comment: string;
}
interface ReferencedColumnRow {
  table_oid: number;
  position: number;
  name: string;
}
interface RelationRow extends TableRow {
  kind: string;
  is_partition: boolean;
  /** relhastriggers, relhasrules: false when the relation has none (true may mean it once had). */
  has_triggers: boolean;
  has_rules: boolean;
  other_owner: string | null;
}
interface EnumRow {
  schema: string;
  name: string;
  labels: string[];
  comment: string | null;
  other_owner: string | null;
}
interface SequenceRow {
  oid: number;
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

/** A collation or operator class as KEY_NAMES returns it. */
interface CatalogName {
  readonly schemaOid: number;
  readonly inCatalog: boolean;
  readonly name: string;
  readonly qualified: string;
}

/** A column type as TYPES returns it. */
interface TypeInfo {
  /** typcollation: a column of the type has it unless it says otherwise. */
  readonly collation: number;
  /** typstorage: a column of the type has it unless SET STORAGE says otherwise. */
  readonly storage: string;
  readonly elementSchemaOid: number;
  readonly elementInCatalog: boolean;
  readonly elementIsEnum: boolean;
  readonly elementType: string;
}

/**
 * Collation, operator class and type facts by oid (null: no such collation, or a default
 * operator class). Kept across the chunks of one transaction: they read the same snapshot, and a
 * fleet's columns and indexes use the same few.
 */
class KeyNames {
  readonly collations = new Map<number, CatalogName | null>();
  readonly opclasses = new Map<number, CatalogName | null>();
  readonly types = new Map<number, TypeInfo>();
  /** DEPARSED's text by deparseKey() (undefined while asked for); the same snapshot throughout. */
  readonly deparsed = new Map<string, string | undefined>();
}

interface TableDraft {
  readonly schema: SchemaDraft;
  readonly name: string;
  comment?: string;
  partitionBy?: string;
  partitionOf?: PartitionOfModel;
  inherits?: readonly string[];
  /** attnums of the columns the table has only from its INHERITS parents: not its own. */
  readonly inheritedOnly: Set<number>;
  attachedIndexes?: Record<string, string>;
  unlogged?: true;
  storageParameters?: Record<string, string>;
  rowSecurity?: true;
  forceRowSecurity?: true;
  clusterOn?: string;
  replicaIdentity?: 'full' | 'nothing' | { readonly index: string };
  /** Columns by attnum while COLUMNS rows come in; `columns` once they are all in. */
  readonly columnsAt: Mutable<ColumnModel>[];
  columns: readonly ColumnModel[];
  /** Column name and attcollation by attnum, for the keys of constraints and indexes. */
  readonly attnames: string[];
  readonly attcollations: number[];
  /** atttypid, attstorage and the column's comment by attnum, for finish(). */
  readonly atttypids: number[];
  readonly attstorages: string[];
  readonly comments: string[];
  /**
   * Column name -> canonical type. The canonicalizer needs it to tell a cast PostgreSQL adds
   * itself (`(code)::text` on a varchar column) from one a person wrote (`n::text` on an integer).
   */
  types: ReadonlyMap<string, string>;
  /** What a deparsed expression of the table depends on besides its tree: see deparseKey(). */
  deparseContext?: string;
  primaryKey?: PrimaryKeyModel;
  readonly uniques: UniqueModel[];
  readonly indexes: IndexModel[];
  readonly foreignKeys: ForeignKeyModel[];
  readonly checks: CheckModel[];
  readonly exclusions: ExclusionModel[];
}

/**
 * An inherited column whose default or NOT NULL the table changed for itself (ALTER TABLE ONLY)
 * differs from what INHERITS gives it: kept as the table's own, so the difference is compared
 * and built, rather than lost. Compared with the first parent (in the tenant's schema) that has it.
 */
function keepOverriddenColumns(table: TableDraft): void {
  if (table.inherits === undefined || table.inheritedOnly.size === 0) return;
  const parents = table.inherits.map((name) => table.schema.tables.find((t) => t.name === name));
  for (const position of [...table.inheritedOnly]) {
    const column = table.columnsAt[position];
    if (column === undefined) continue;
    let given: ColumnModel | undefined;
    for (const parent of parents) {
      given = parent?.columnsAt.find((c) => c !== undefined && c.name === column.name);
      if (given !== undefined) break;
    }
    if (given !== undefined && (given.default !== column.default || given.nullable !== column.nullable)) table.inheritedOnly.delete(position);
  }
}

/** Puts the columns in attnum order. */
function closeColumns(table: TableDraft): void {
  const columns: Mutable<ColumnModel>[] = [];
  const own: Mutable<ColumnModel>[] = [];
  table.columnsAt.forEach((column, position) => {
    if (column === undefined) return;
    columns.push(column);
    if (!table.inheritedOnly.has(position)) own.push(column);
  });
  // An inherited column's type still reads the table's own CHECKs and indexes.
  const types = new Map(columns.map((c) => [c.name, c.type]));
  table.columns = own;
  table.types = types;
}

/** One tenant's model while the rows of the different queries come in. */
class SchemaDraft {
  readonly tables: TableDraft[] = [];
  readonly enums: EnumModel[] = [];
  readonly sequences: SequenceModel[] = [];
  readonly unmanaged: UnmanagedObject[] = [];
  readonly externalTypes = new Set<string>();
  /** Views, routines, triggers, policies, domains and composite types, set by the chunk. */
  objects: readonly DefinedObjectModel[] = [];
  readonly #prefix: string;

  constructor(
    readonly oid: number,
    readonly name: string,
    /** How PostgreSQL prints this schema: quote_ident(name). */
    readonly quoted: string,
  ) {
    this.#prefix = quoted + '.';
  }

  /** Strips this tenant's qualification from catalog output; other schemas' stay. */
  strip(text: string): string {
    return stripSchemaQualifier(text, this.#prefix);
  }

  /** A collation or operator class as format_type would name it from this schema. */
  nameOf(key: CatalogName): string {
    return key.inCatalog || key.schemaOid === this.oid ? key.name : key.qualified;
  }

  finish(): SchemaModel {
    const tables: TableModel[] = this.tables
      .map((t) => sharedInterner.table({
        name: t.name,
        columns: t.columns,
        ...(t.primaryKey !== undefined && { primaryKey: t.primaryKey }),
        uniques: byName(t.uniques),
        indexes: byName(t.indexes),
        foreignKeys: byName(t.foreignKeys),
        checks: byName(t.checks),
        ...(t.exclusions.length > 0 && { exclusions: byName(t.exclusions) }),
        ...(t.comment !== undefined && { comment: t.comment }),
        ...(t.partitionBy !== undefined && { partitionBy: t.partitionBy }),
        ...(t.partitionOf !== undefined && { partitionOf: t.partitionOf }),
        ...(t.inherits !== undefined && { inherits: t.inherits }),
        ...(t.attachedIndexes !== undefined && { attachedIndexes: sortedRecord(t.attachedIndexes) }),
        ...(t.unlogged && { unlogged: true as const }),
        ...(t.storageParameters !== undefined && { storageParameters: t.storageParameters }),
        ...(t.rowSecurity && { rowSecurity: t.rowSecurity }),
        ...(t.forceRowSecurity && { forceRowSecurity: t.forceRowSecurity }),
        ...(t.clusterOn !== undefined && { clusterOn: t.clusterOn }),
        ...(t.replicaIdentity !== undefined && { replicaIdentity: t.replicaIdentity }),
      }))
      .sort((a, b) => compareNames(a.name, b.name));
    const unmanaged = [...this.unmanaged].sort(
      (a, b) => compareNames(a.kind, b.kind) || compareNames(a.name, b.name),
    );
    return {
      tables,
      enums: byName(this.enums).map((e) => sharedInterner.enum(e)),
      sequences: byName(this.sequences).map((s) => sharedInterner.sequence(s)),
      ...(this.externalTypes.size > 0 && { externalTypes: [...this.externalTypes].sort(compareNames) }),
      unmanaged,
      ...(this.objects.length > 0 && { objects: this.objects }),
    };
  }
}

/** A foreign key whose referenced table is outside the chunk, waiting for REFERENCED_COLUMNS. */
interface PendingForeignKey {
  readonly table: TableDraft;
  readonly row: ConstraintRow;
}

/**
 * The models of one chunk while its rows come in, query by query. Constraint and index keys
 * arrive as attnums and oids: named from the column rows before them, and from KEY_NAMES and
 * REFERENCED_COLUMNS, which run last and only for what the chunk still needs.
 */
class ChunkDraft {
  readonly drafts = new Map<string, SchemaDraft>();
  readonly #draftsByOid = new Map<number, SchemaDraft>();
  readonly #tables = new Map<number, TableDraft>();
  #tableOids: string | undefined;
  /** Sequences by oid, from RELATIONS, waiting for SEQUENCES. */
  readonly #sequences = new Map<number, { readonly draft: SchemaDraft; readonly name: string; readonly unlogged: boolean }>();
  /** Column names by table oid: the chunk's tables, then the tables outside it that FKs reference. */
  readonly #columnNames = new Map<number, string[]>();
  readonly #pendingForeignKeys: PendingForeignKey[] = [];
  /** Constraints, waiting for DEPARSED (CHECKs), REFERENCED_COLUMNS (FKs) and OBJECT_DESCRIPTIONS. */
  readonly #constraints: { readonly table: TableDraft; readonly row: ConstraintRow }[] = [];
  /** Sequences as SEQUENCES returns them, waiting for OBJECT_DESCRIPTIONS. */
  readonly #sequenceRows: { readonly draft: SchemaDraft; readonly name: string; readonly unlogged: boolean; readonly row: SequenceRow }[] = [];
  /** Comments on constraints, indexes and sequences by oid. */
  readonly #objectComments = new Map<number, string>();
  readonly #indexes: IndexRow[] = [];
  /** Representatives for DEPARSED: a constraint or index oid per expression key not known yet. */
  readonly #toDeparse = new Map<number, string>();
  readonly objects = new ObjectsDraft((oid) => this.#draftsByOid.get(oid));

  /** Grants, when the read includes them (and reads the whole schema). */
  readonly grants: GrantsDraft | undefined;

  constructor(
    private readonly keyNames: KeyNames,
    readsGrants: boolean,
  ) {
    this.grants = readsGrants ? new GrantsDraft() : undefined;
  }

  addGrant(row: GrantRow): void {
    const draft = this.drafts.get(row.schema);
    if (draft !== undefined) this.grants?.add(row, (text) => draft.strip(text));
  }

  addSchema(row: SchemaRow): void {
    const draft = new SchemaDraft(row.oid, row.schema, row.quoted);
    this.drafts.set(row.schema, draft);
    this.#draftsByOid.set(row.oid, draft);
  }

  addTable(row: TableRow & Partial<Pick<RelationRow, 'has_triggers' | 'has_rules'>>): void {
    const draft = this.#draftsByOid.get(row.schema_oid);
    if (draft === undefined) return;
    const table: TableDraft = {
      schema: draft,
      name: row.name,
      columnsAt: [],
      columns: [],
      attnames: [],
      attcollations: [],
      atttypids: [],
      attstorages: [],
      comments: [],
      types: new Map(),
      uniques: [],
      indexes: [],
      foreignKeys: [],
      checks: [],
      inheritedOnly: new Set(),
      exclusions: [],
    };
    if (row.partition_by !== null) table.partitionBy = draft.strip(row.partition_by);
    if (row.partition_of !== null) table.partitionOf = { table: row.partition_of, bound: draft.strip(row.partition_bound ?? '') };
    if (row.inherits !== null && row.inherits.length > 0) table.inherits = row.inherits;
    if (row.unlogged) table.unlogged = true;
    const parameters = nameValues([...(row.storage_parameters ?? []), ...(row.toast_parameters ?? []).map((p) => `toast.${p}`)]);
    if (parameters !== undefined) table.storageParameters = parameters;
    if (row.row_security) table.rowSecurity = true;
    if (row.force_row_security) table.forceRowSecurity = true;
    if (row.cluster_on !== null) table.clusterOn = row.cluster_on;
    // USING INDEX whose index was dropped since acts as NOTHING, but pg_dump prints no REPLICA IDENTITY for it.
    if (row.replica_identity === 'f') table.replicaIdentity = 'full';
    else if (row.replica_identity === 'n') table.replicaIdentity = 'nothing';
    else if (row.replica_identity === 'i' && row.replica_index !== null) table.replicaIdentity = { index: row.replica_index };
    draft.tables.push(table);
    this.objects.addTable(row.oid, draft, row.name, { triggers: row.has_triggers ?? true, rules: row.has_rules ?? true });
    this.#tables.set(row.oid, table);
    this.#tableOids = undefined;
    this.#columnNames.set(row.oid, table.attnames);
  }

  /** COLUMNS', CONSTRAINTS' and INDEXES' parameter: the oids of the chunk's tables. Undefined when it has none. */
  tableOids(): [string] | undefined {
    if (this.#tables.size === 0) return undefined;
    // Four queries take it: pg would write the array's text four times, quoting every element.
    this.#tableOids ??= `{${[...this.#tables.keys()].join(',')}}`;
    return [this.#tableOids];
  }

  addColumn(row: ColumnRow): void {
    const table = this.#tables.get(row.table_oid);
    if (table === undefined) return;
    const draft = table.schema;
    table.columnsAt[row.position] = toColumn(draft, row, table.name);
    table.attnames[row.position] = row.name;
    table.attcollations[row.position] = row.collation_oid;
    table.atttypids[row.position] = row.type_oid;
    table.attstorages[row.position] = row.storage;
    if (!row.is_local && table.inherits !== undefined) table.inheritedOnly.add(row.position);
  }

  addDescription(row: DescriptionRow): void {
    const table = this.#tables.get(row.table_oid);
    if (table === undefined) return;
    if (row.position === 0) table.comment = row.comment;
    else table.comments[row.position] = row.comment;
  }

  /** TYPES' parameter: the column types keyNames does not know yet. Undefined when there are none. */
  typesToLookUp(): [number[]] | undefined {
    const oids = new Set<number>();
    for (const table of this.#tables.values()) {
      for (const oid of table.atttypids) if (oid !== undefined && !this.keyNames.types.has(oid)) oids.add(oid);
    }
    return oids.size === 0 ? undefined : [[...oids]];
  }

  addType(row: TypeRow): void {
    this.keyNames.types.set(row.oid, {
      collation: row.collation_oid,
      storage: row.storage,
      elementSchemaOid: row.element_schema_oid,
      elementInCatalog: row.element_in_catalog,
      elementIsEnum: row.element_is_enum,
      elementType: row.element_type,
    });
  }

  /** Once every column is in: constraints and indexes need the tables' column types. */
  closeColumns(): void {
    for (const table of this.#tables.values()) keepOverriddenColumns(table);
    for (const table of this.#tables.values()) closeColumns(table);
  }

  addConstraint(row: ConstraintRow): void {
    const table = this.#tables.get(row.table_oid);
    if (table === undefined) return;
    // A CHECK a partition (or an INHERITS child) got from its parent is the parent's.
    if (row.type === 'c' && !row.is_local && (table.partitionOf !== undefined || table.inherits !== undefined)) return;
    // Built in finish(), once their comments (and a CHECK's text) are in.
    this.#constraints.push({ table, row });
    if (row.type === 'f' && !this.#columnNames.has(row.ref_oid)) this.#pendingForeignKeys.push({ table, row });
    else if (row.type === 'c') this.#deparse(table, 'check', row.oid, row.definition_key);
  }

  addIndex(row: IndexRow): void {
    const table = this.#tables.get(row.table_oid);
    if (table === undefined) return;
    if (row.attached) {
      (table.attachedIndexes ??= {})[row.name] = row.parent_index ?? '';
      return;
    }
    this.#indexes.push(row);
    this.#deparse(table, 'predicate', row.oid, row.predicate_key);
  }

  /** The key of an expression's text in keyNames.deparsed; asks DEPARSED for it the first time. */
  #deparse(table: TableDraft, kind: DeparsedRow['kind'], oid: number, tree: string | null): void {
    if (tree === null) return;
    const key = deparseKey(table, kind, tree);
    if (this.keyNames.deparsed.has(key)) return;
    this.keyNames.deparsed.set(key, undefined);
    this.#toDeparse.set(oid, key);
  }

  /** DEPARSED's parameters: the representative constraints and indexes. Undefined when none. */
  deparsedToLookUp(): [number[], number[]] | undefined {
    if (this.#toDeparse.size === 0) return undefined;
    const checks: number[] = [];
    const predicates: number[] = [];
    for (const [oid, key] of this.#toDeparse) (key.startsWith('check') ? checks : predicates).push(oid);
    return [checks, predicates];
  }

  addDeparsed(row: DeparsedRow): void {
    const key = this.#toDeparse.get(row.oid);
    if (key !== undefined) this.keyNames.deparsed.set(key, row.text);
  }

  #deparsed(table: TableDraft, kind: DeparsedRow['kind'], tree: string | null): string | undefined {
    if (tree === null) return undefined;
    const text = this.keyNames.deparsed.get(deparseKey(table, kind, tree));
    // Only a failed DEPARSED query leaves a key without text, and that fails the inspection.
    if (text === undefined) throw new Error(`no text for a ${kind} of table ${table.name}`);
    return text;
  }

  /**
   * A RELATIONS row: a managed table, a sequence for SEQUENCES, or an unmanaged relation. A
   * scoped read takes only what its scope asks for.
   */
  addRelation(row: RelationRow, scope: InspectScope | undefined): void {
    const draft = this.#draftsByOid.get(row.schema_oid);
    if (draft === undefined) return;
    if (row.kind === 'S') {
      if (scope === undefined || scope.sequences) this.#sequences.set(row.oid, { draft, name: row.name, unlogged: row.unlogged });
      if (scope === undefined) this.addOtherOwner(draft, 'sequence', row.name, row.other_owner);
      return;
    }
    if (scope !== undefined) return;
    this.addOtherOwner(draft, relationKind(row), row.name, row.other_owner);
    if (row.kind === 'r' || row.kind === 'p') this.addTable(row);
    else if (row.kind === 'v' || row.kind === 'm') this.objects.addView(row.oid, draft, row.name, { triggers: row.has_triggers, rules: row.has_rules });
    // A composite type's pg_class row: the type is read by COMPOSITE_TYPES.
    else if (row.kind !== 'c') draft.unmanaged.push({ kind: unmanagedRelationKind(row), name: row.name });
  }

  /** SEQUENCES' parameter: the sequences RELATIONS found. Undefined when there are none. */
  sequencesToLookUp(): [number[]] | undefined {
    return this.#sequences.size === 0 ? undefined : [[...this.#sequences.keys()]];
  }

  addSequence(row: SequenceRow): void {
    const sequence = this.#sequences.get(row.oid);
    if (sequence !== undefined) this.#sequenceRows.push({ ...sequence, row });
  }

  /** OBJECT_DESCRIPTIONS' parameters: the constraints, indexes and sequences read. Undefined when there are none. */
  objectsToDescribe(): [number[], number[]] | undefined {
    const constraints = this.#constraints.map((c) => c.row.oid);
    const relations = [...this.#indexes.map((i) => i.oid), ...this.#sequenceRows.map((s) => s.row.oid)];
    return constraints.length === 0 && relations.length === 0 ? undefined : [constraints, relations];
  }

  addObjectDescription(row: ObjectDescriptionRow): void {
    this.#objectComments.set(row.oid, row.comment);
  }

  addEnum(row: EnumRow, scope: InspectScope | undefined): void {
    if (scope === undefined) this.addOtherOwner(this.drafts.get(row.schema), 'enum', row.name, row.other_owner);
    this.drafts.get(row.schema)?.enums.push({
      name: row.name,
      values: row.labels,
      ...(row.comment !== null && { comment: row.comment }),
    });
  }

  /**
   * An object owned by another role than its schema's owner. Owners are not managed (a tenant's
   * schema may belong to a role of its own), but pg_dump prints them, and apply cannot alter what
   * the role it connects as does not own: reported as unmanaged, so check --strict fails on it.
   */
  addOtherOwner(draft: SchemaDraft | undefined, kind: string, name: string, owner: string | null, args?: string): void {
    if (draft === undefined || owner === null) return;
    const object = args === undefined ? name : `${name}(${draft.strip(args)})`;
    draft.unmanaged.push({ kind: 'owner', name: `${kind} ${object}: ${owner}` });
  }

  /** addOtherOwner for the rows that name their schema by oid. */
  addOtherOwnerIn(schemaOid: number, kind: string, name: string, owner: string | null, args?: string): void {
    if (owner !== null) this.addOtherOwner(this.#draftsByOid.get(schemaOid), kind, name, owner, args);
  }

  addUnmanaged(row: UnmanagedRow): void {
    const draft = this.drafts.get(row.schema);
    if (draft === undefined) return;
    // Only the argument types are catalog output; the name is the object's own spelling.
    const name = row.args === null ? row.name : `${row.name}(${draft.strip(row.args)})`;
    draft.unmanaged.push({ kind: row.kind, name });
  }

  /**
   * KEY_NAMES' parameters for the collations and operator classes keyNames does not know yet:
   * the collations columns and index keys will record, and every operator class of an index key
   * (only the catalog knows which are defaults). Undefined when there are none.
   */
  keyNamesToLookUp(): [number[], number[]] | undefined {
    const collations = new Set<number>();
    const opclasses = new Set<number>();
    for (const table of this.#tables.values()) {
      // Every column collation, not only those that differ from their type's: that needs TYPES,
      // and asking after it would cost a read inside an apply transaction a round trip. A
      // fleet's columns use a handful of collations, so the few extra names are nothing.
      for (let position = 1; position < table.attcollations.length; position++) {
        const collation = table.attcollations[position] ?? 0;
        if (collation !== 0 && !this.keyNames.collations.has(collation)) collations.add(collation);
      }
    }
    for (const row of this.#indexes) {
      const table = this.#tables.get(row.table_oid);
      if (table === undefined) continue;
      const explicit = explicitKeyCollations(row);
      for (let key = 0; key < row.key_count; key++) {
        const opclass = row.opclasses[key] ?? 0;
        if (opclass !== 0 && !this.keyNames.opclasses.has(opclass)) opclasses.add(opclass);
        const collation = row.collations[key] ?? 0;
        if (collation !== 0 && !this.keyNames.collations.has(collation) && keyHasCollation(table, row, key, explicit)) {
          collations.add(collation);
        }
      }
    }
    if (collations.size === 0 && opclasses.size === 0) return undefined;
    // Null until a row says otherwise: a default operator class gets none.
    for (const oid of collations) this.keyNames.collations.set(oid, null);
    for (const oid of opclasses) this.keyNames.opclasses.set(oid, null);
    return [[...collations], [...opclasses]];
  }

  /** The column's collation when it is not its type's own (which it then has implicitly), else 0. */
  #columnCollation(table: TableDraft, position: number): number {
    const collation = table.attcollations[position] ?? 0;
    if (collation === 0) return 0;
    const type = this.keyNames.types.get(table.atttypids[position] ?? 0);
    return type !== undefined && collation === type.collation ? 0 : collation;
  }

  /** What COLUMNS leaves to TYPES, KEY_NAMES and DESCRIPTIONS: collations, comments, external types. */
  #completeColumns(table: TableDraft): void {
    const draft = table.schema;
    for (let position = 1; position < table.columnsAt.length; position++) {
      const column = table.columnsAt[position];
      if (column === undefined) continue;
      const collation = this.keyNames.collations.get(this.#columnCollation(table, position));
      if (collation) column.collation = draft.nameOf(collation);
      const comment = table.comments[position];
      if (comment !== undefined) column.comment = comment;
      const type = this.keyNames.types.get(table.atttypids[position] ?? 0);
      const storage = table.attstorages[position];
      if (type !== undefined && storage !== undefined && storage !== type.storage) {
        const name = STORAGE[storage];
        if (name !== undefined) column.storage = name;
      }
      if (type !== undefined && !type.elementInCatalog && !(type.elementSchemaOid === draft.oid && type.elementIsEnum)) {
        draft.externalTypes.add(draft.strip(type.elementType));
      }
    }
  }

  addKeyName(row: KeyNameRow): void {
    const name: CatalogName = {
      schemaOid: row.schema_oid,
      inCatalog: row.in_catalog,
      name: row.name,
      qualified: row.qualified,
    };
    (row.kind === 'collation' ? this.keyNames.collations : this.keyNames.opclasses).set(row.oid, name);
  }

  /** REFERENCED_COLUMNS' parameter: the tables outside the chunk that its FKs reference. */
  tablesToLookUp(): [number[]] | undefined {
    if (this.#pendingForeignKeys.length === 0) return undefined;
    const oids = [...new Set(this.#pendingForeignKeys.map((p) => p.row.ref_oid))];
    for (const oid of oids) this.#columnNames.set(oid, []);
    return [oids];
  }

  addReferencedColumn(row: ReferencedColumnRow): void {
    const names = this.#columnNames.get(row.table_oid);
    if (names !== undefined) names[row.position] = row.name;
  }

  finish(): Map<string, SchemaModel> {
    for (const table of this.#tables.values()) this.#completeColumns(table);
    for (const row of this.#indexes) {
      const table = this.#tables.get(row.table_oid);
      if (table === undefined) continue;
      const index = toIndex(table, row, this.keyNames, this.#deparsed(table, 'predicate', row.predicate_key));
      const comment = this.#objectComments.get(row.oid);
      table.indexes.push(comment === undefined ? index : { ...index, comment });
    }
    for (const { table, row } of this.#constraints) {
      const definition = row.type === 'c' ? this.#deparsed(table, 'check', row.definition_key) : undefined;
      addConstraint(table, row, this.#columnNames, definition, this.#objectComments.get(row.oid));
    }
    for (const { draft, name, unlogged, row } of this.#sequenceRows) {
      const comment = this.#objectComments.get(row.oid);
      draft.sequences.push({ ...toSequence(name, row), ...(unlogged && { unlogged: true as const }), ...(comment !== undefined && { comment }) });
    }
    for (const draft of this.drafts.values()) draft.objects = this.objects.objectsOf(draft);
    const models = new Map<string, SchemaModel>();
    for (const [name, draft] of this.drafts) {
      const model = draft.finish();
      models.set(name, this.grants === undefined ? model : { ...model, grants: this.grants.of(name) });
    }
    return models;
  }
}

async function inspectChunk(
  client: pg.ClientBase,
  schemas: readonly string[],
  queries: ReturnType<typeof catalogQueries>,
  keyNames: KeyNames,
  scope: InspectScope | undefined,
  grants: boolean,
  grouped: boolean,
  lead?: LeadStatements,
): Promise<Map<string, SchemaModel>> {
  const params = [schemas];
  const chunk = new ChunkDraft(keyNames, grants && scope === undefined);
  const chain = new QueryChain(client, grouped, lead);
  // Barriers and steps separate the queries that need rows of those before them.
  chain.each<SchemaRow>(SCHEMAS, params, (row) => chunk.addSchema(row));
  chain.between(() => {
    if (chunk.drafts.size === 0) chain.stop();
  });
  if (scope === undefined || scope.sequences) {
    const kinds = scope === undefined ? ALL_RELATION_KINDS : ['S'];
    chain.each<RelationRow>(RELATIONS, [schemas, kinds], (row) => chunk.addRelation(row, scope));
  }
  if (scope !== undefined && scope.tables.length > 0) chain.each<TableRow>(TABLES_NAMED, [schemas, scope.tables], (row) => chunk.addTable(row));
  if (scope === undefined || scope.enums) chain.each<EnumRow>(ENUMS, params, (row) => chunk.addEnum(row, scope));
  // Separate queries rather than one UNION ALL: the union is planned as a Parallel Append, whose
  // workers cost more than the round trips the chain already hides.
  const unmanaged = scope === undefined ? [UNMANAGED_TYPES, UNMANAGED_TABLE_OBJECTS, UNMANAGED_OTHER] : [];
  for (const query of unmanaged) chain.each<UnmanagedRow>(query, params, (row) => chunk.addUnmanaged(row));
  const objects = chunk.objects;
  if (scope === undefined) {
    chain.each<RoutineRow>(queries.routines, params, (row) => {
      objects.addRoutine(row);
      chunk.addOtherOwnerIn(row.schema_oid, row.kind, row.name, row.other_owner, row.identity_args);
    });
    chain.each<AggregateRow>(AGGREGATES, params, (row) => {
      objects.addAggregate(row);
      chunk.addOtherOwnerIn(row.schema_oid, 'aggregate', row.name, row.other_owner, row.identity_args);
    });
    chain.each<DomainRow>(DOMAINS, params, (row) => {
      objects.addDomain(row);
      chunk.addOtherOwnerIn(row.schema_oid, 'domain', row.name, row.other_owner);
    });
    chain.each<CompositeRow>(COMPOSITE_TYPES, params, (row) => objects.addComposite(row));
  }
  const grantsRead = chunk.grants;
  if (grantsRead !== undefined) {
    for (const query of [SCHEMA_GRANTS, RELATION_GRANTS, ROUTINE_GRANTS, TYPE_GRANTS]) chain.each<GrantRow>(query, params, (row) => chunk.addGrant(row));
    for (const query of [DEFAULT_PRIVILEGES, IDENTITY_SEQUENCE_GRANTS]) chain.each<UnmanagedRow>(query, params, (row) => chunk.addUnmanaged(row));
  }
  // A grouped read of named tables (apply's read back) lets the server work out their oids again
  // for the queries by table oid, which then go out in the same round trip as TABLES_NAMED. Only
  // where no query after the barrier needs other rows of the first group: a scope with sequences
  // looks them up by the oids RELATIONS returns.
  const oidsOnServer = grouped && scope !== undefined && scope.tables.length > 0 && !scope.sequences;
  if (!oidsOnServer) chain.barrier();
  const tableOids = oidsOnServer ? () => [new ServerExpression(withLiterals(TABLE_OIDS_NAMED, [schemas, scope.tables]))] : () => chunk.tableOids();
  chain.each<ColumnRow>(queries.columns, tableOids, (row) => chunk.addColumn(row));
  chain.between(() => chunk.closeColumns());
  chain.each<DescriptionRow>(DESCRIPTIONS, tableOids, (row) => chunk.addDescription(row));
  chain.each<ConstraintRow>(queries.constraints, tableOids, (row) => chunk.addConstraint(row));
  chain.each<IndexRow>(INDEXES, tableOids, (row) => chunk.addIndex(row));
  chain.each<SequenceRow>(SEQUENCES, () => chunk.sequencesToLookUp(), (row) => chunk.addSequence(row));
  if (scope === undefined) {
    chain.each<ViewRow>(VIEWS, () => objects.viewsToLookUp(), (row) => objects.addViewDefinition(row));
    chain.each<TriggerRow>(TRIGGERS, () => objects.triggerRelations(), (row) => objects.addTrigger(row));
    chain.each<PolicyRow>(POLICIES, () => objects.policyTables(), (row) => objects.addPolicy(row));
    chain.each<RuleRow>(RULES, () => objects.ruleRelations(), (row) => objects.addRule(row));
    chain.each<StatisticsRow>(STATISTICS, () => objects.statisticsTables(), (row) => objects.addStatistics(row));
  }
  chain.barrier();
  chain.each<TypeRow>(TYPES, () => chunk.typesToLookUp(), (row) => chunk.addType(row));
  chain.each<DeparsedRow>(DEPARSED, () => chunk.deparsedToLookUp(), (row) => chunk.addDeparsed(row));
  chain.each<ReferencedColumnRow>(REFERENCED_COLUMNS, () => chunk.tablesToLookUp(), (row) =>
    chunk.addReferencedColumn(row),
  );
  chain.each<KeyNameRow>(KEY_NAMES, () => chunk.keyNamesToLookUp(), (row) => chunk.addKeyName(row));
  chain.each<ObjectDescriptionRow>(OBJECT_DESCRIPTIONS, () => chunk.objectsToDescribe(), (row) => chunk.addObjectDescription(row));
  if (scope === undefined) {
    chain.each<DependencyRow>(OBJECT_DEPENDENCIES, () => objects.dependenciesToLookUp(), (row) => objects.addDependency(row));
  }
  await chain.done();
  return chunk.finish();
}

function toColumn(draft: SchemaDraft, row: ColumnRow, table: string): Mutable<ColumnModel> {
  const type = draft.strip(row.type);
  const column: Mutable<ColumnModel> = { name: row.name, type, nullable: !row.not_null };
  if (row.default_expr !== null) {
    const expression = draft.strip(row.default_expr);
    // A generated column's expression sits in pg_attrdef like a default ('s' stored; PG18 'v').
    if (row.generated !== '') column.generated = expression;
    else column.default = expression;
  }
  if (row.identity === 'a') column.identity = 'always';
  else if (row.identity === 'd') column.identity = 'by default';
  if (row.statistics !== null && row.statistics >= 0) column.statistics = row.statistics;
  const compression = COMPRESSION[row.compression];
  if (compression !== undefined) column.compression = compression;
  const options = nameValues(row.options, ATTRIBUTE_OPTIONS);
  if (options !== undefined) column.options = options;
  const identityOptions = identitySequence(row.identity_sequence, type);
  if (identityOptions !== undefined) column.identityOptions = identityOptions;
  const sequenceName = row.identity_sequence?.[6];
  if (sequenceName !== undefined && sequenceName !== serialSequenceName(table, row.name)) column.identitySequenceName = sequenceName;
  return column;
}

/** attstorage letters. */
const STORAGE: Readonly<Record<string, ColumnModel['storage']>> = { p: 'plain', e: 'external', x: 'extended', m: 'main' };

/** attcompression letters (PG14+); '' is default_toast_compression. */
const COMPRESSION: Readonly<Record<string, string>> = { p: 'pglz', l: 'lz4' };

/**
 * The attribute options PostgreSQL 15 knows (ALTER TABLE ... SET ( attribute_option = value )).
 * Anything else in attoptions was put there by something other than ALTER TABLE, and is no
 * setting of the column.
 */
const ATTRIBUTE_OPTIONS: ReadonlySet<string> = new Set(['n_distinct', 'n_distinct_inherited']);

/** `{name=value, ...}` (reloptions, attoptions) as a sorted record; undefined when empty. */
function nameValues(items: readonly string[] | null, known?: ReadonlySet<string>): Record<string, string> | undefined {
  if (items === null || items.length === 0) return undefined;
  const pairs: [string, string][] = [];
  for (const item of items) {
    const at = item.indexOf('=');
    const name = at < 0 ? item : item.slice(0, at);
    if (known !== undefined && !known.has(name)) continue;
    pairs.push([name, at < 0 ? '' : item.slice(at + 1)]);
  }
  if (pairs.length === 0) return undefined;
  return Object.fromEntries(pairs.sort((a, b) => compareNames(a[0], b[0])));
}

/** The maximum of an identity column's type, CREATE SEQUENCE's default MAXVALUE for it. */
const IDENTITY_MAX: Readonly<Record<string, string>> = { smallint: '32767', integer: '2147483647', bigint: '9223372036854775807' };

/** An identity sequence's options, when any is not CREATE SEQUENCE's default for the column's type. */
function identitySequence(values: readonly string[] | null, type: string): IdentitySequenceModel | undefined {
  if (values === null) return undefined;
  const [start = '', increment = '', minValue = '', maxValue = '', cache = '', cycle = ''] = values;
  const options: IdentitySequenceModel = { start, increment, minValue, maxValue, cache, cycle: cycle === 'true' };
  const isDefault =
    increment === '1' && minValue === '1' && maxValue === IDENTITY_MAX[type] && start === '1' && cache === '1' && !options.cycle;
  return isDefault ? undefined : options;
}

/** Names of the given attnums of a table, in key order; attnums it does not have are left out. */
function keyColumns(attnames: readonly string[] | undefined, attnums: readonly number[] | null): string[] {
  const names: string[] = [];
  for (const attnum of attnums ?? []) {
    const name = attnames?.[attnum];
    if (name !== undefined) names.push(name);
  }
  return names;
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

/**
 * A deparsed expression's key: its tree's digest, and the table name and column names a Var
 * prints as (a whole-row Var prints the table's name).
 */
function deparseKey(table: TableDraft, kind: DeparsedRow['kind'], tree: string): string {
  table.deparseContext ??= JSON.stringify([table.name, table.attnames]);
  return `${kind} ${tree} ${table.deparseContext}`;
}

/** `definition`: a CHECK's pg_get_constraintdef text. */
function addConstraint(
  table: TableDraft,
  row: ConstraintRow,
  columnNames: ReadonlyMap<number, readonly string[]>,
  definition: string | undefined,
  comment: string | undefined,
): void {
  const commented = comment !== undefined ? { comment } : {};
  switch (row.type) {
    case 'p':
      table.primaryKey = { name: row.name, columns: keyColumns(table.attnames, row.columns), ...commented };
      break;
    case 'u':
      table.uniques.push({
        name: row.name,
        columns: keyColumns(table.attnames, row.columns),
        ...(row.nulls_not_distinct && { nullsNotDistinct: true }),
        ...(row.deferrable && { deferrable: true }),
        ...(row.deferred && { initiallyDeferred: true }),
        ...commented,
      });
      break;
    case 'f':
      table.foreignKeys.push({
        name: row.name,
        columns: keyColumns(table.attnames, row.columns),
        refTable: row.ref_table ?? '',
        refColumns: keyColumns(columnNames.get(row.ref_oid), row.ref_columns),
        onDelete: fkAction(row.on_delete),
        onUpdate: fkAction(row.on_update),
        ...(row.match === 'f' && { match: 'full' as const }),
        deferrable: row.deferrable,
        initiallyDeferred: row.deferred,
        ...(!row.validated && { notValid: true as const }),
        ...commented,
      });
      break;
    case 'c':
      table.checks.push({
        name: row.name,
        expression: table.schema.strip(checkBody(definition ?? '')),
        ...(!row.validated && { notValid: true as const }),
        ...commented,
      });
      break;
    case 'x':
      table.exclusions.push({ name: row.name, definition: table.schema.strip(row.exclusion ?? ''), ...commented });
      break;
    default:
      break;
  }
}

/** `CHECK ((a > 0)) NOT VALID` -> `(a > 0)`: the model holds the expression; validity comes from convalidated. */
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

/**
 * Whether a key's collation is part of the index as written. A column key inherits the column's
 * collation, so only another one counts; an expression key's implicit collation is not in the
 * catalog, so only an explicit COLLATE in the definition (`explicit`) counts.
 */
function keyHasCollation(
  table: TableDraft,
  row: IndexRow,
  key: number,
  explicit: readonly boolean[] | undefined,
): boolean {
  const attnum = row.attnums[key] ?? 0;
  if (attnum === 0) return explicit?.[key] === true;
  const columnCollation = table.attcollations[attnum] ?? 0;
  return !(columnCollation !== 0 && columnCollation === row.collations[key]);
}

/** Which keys of an expression index carry an explicit COLLATE; undefined for other indexes. */
function explicitKeyCollations(row: IndexRow): boolean[] | undefined {
  if (row.definition === null) return undefined;
  return explicitCollations(row.definition, (row.key_texts ?? []).slice(0, row.key_count));
}

/** `predicate`: pg_get_expr of the index's predicate. */
function toIndex(table: TableDraft, row: IndexRow, keyNames: KeyNames, predicate: string | undefined): IndexModel {
  const draft = table.schema;
  const explicit = explicitKeyCollations(row);
  const keys: IndexKey[] = [];
  for (let i = 0; i < row.key_count; i++) {
    const attnum = row.attnums[i] ?? 0;
    const column = attnum === 0 ? undefined : table.attnames[attnum];
    const key: Mutable<IndexKey> =
      column !== undefined
        ? { column }
        : { expression: draft.strip(row.key_texts?.[i] ?? '') };
    const option = row.options[i] ?? 0;
    const descending = (option & INDOPTION_DESC) !== 0;
    const nullsFirst = (option & INDOPTION_NULLS_FIRST) !== 0;
    if (descending) key.descending = true;
    // NULLS LAST is the default for ASC and NULLS FIRST for DESC; only the other one is recorded.
    if (!descending && nullsFirst) key.nulls = 'first';
    if (descending && !nullsFirst) key.nulls = 'last';
    const collation = keyNames.collations.get(row.collations[i] ?? 0);
    if (collation && keyHasCollation(table, row, i, explicit)) key.collation = draft.nameOf(collation);
    const opclass = keyNames.opclasses.get(row.opclasses[i] ?? 0);
    if (opclass) key.opclass = draft.strip(draft.nameOf(opclass));
    keys.push(key);
  }
  const include: string[] = [];
  for (let i = row.key_count; i < row.attnums.length; i++) {
    include.push(table.attnames[row.attnums[i] ?? 0] ?? row.key_texts?.[i] ?? '');
  }
  const storageParameters = nameValues(row.storage_parameters);
  return {
    name: row.name,
    unique: row.is_unique,
    method: row.method,
    keys,
    include,
    ...(predicate !== undefined && { where: draft.strip(predicate) }),
    ...(!row.is_valid && { invalid: true as const }),
    ...(storageParameters !== undefined && { storageParameters }),
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
  for (const token of sqlTokens(text.slice(from))) {
    if (token.kind !== 'other') continue;
    const char = text[from + token.start]!;
    if (depth === 0 && stops.includes(char)) return from + token.start;
    if (char === '(') depth++;
    else if (char === ')') depth--;
  }
  return -1;
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
  // Most catalog text names nothing of the tenant's. Unless the prefix holds a quote (which a
  // reg* literal would double), it is spelled the same inside a literal, so one search tells.
  if (!text.includes(prefix) && !prefix.includes("'")) return text;
  // Text up to `copied` is in `out`, with the changes made.
  let out = '';
  let copied = 0;
  for (let token = tokenFrom(text, 0); token !== undefined; token = tokenFrom(text, token.end)) {
    const { kind, start, end } = token;
    // The '.' of a prefix taken out.
    if (start < copied) continue;
    const before = text[start - 1];
    if ((kind === 'identifier' || kind === 'quoted-identifier') && text.startsWith(prefix, start) && !isIdentChar(before) && before !== '.' && before !== '"') {
      out += text.slice(copied, start);
      copied = start + prefix.length;
    } else if (kind === 'string' && text.startsWith('::reg', end) && REG_CAST.test(text.slice(end, end + 24))) {
      const name = text.slice(start + 1, end - 1).replaceAll("''", "'");
      out += text.slice(copied, start) + "'" + stripSchemaQualifier(name, prefix).replaceAll("'", "''") + "'";
      copied = end;
    }
  }
  return out + text.slice(copied);
}

function toSequence(name: string, row: SequenceRow): SequenceModel {
  return {
    name,
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

/** What a RELATIONS row is, as an owner's report names it. */
function relationKind(row: RelationRow): string {
  if (row.kind === 'r' || row.kind === 'p') return 'table';
  return row.is_partition && row.kind !== 'f' ? 'partition' : unmanagedRelationKind(row);
}

function unmanagedRelationKind(row: RelationRow): string {
  if (row.is_partition) return 'partition';
  switch (row.kind) {
    case 'v':
      return 'view';
    case 'm':
      return 'materialized view';
    case 'f':
      return 'foreign table';
    default:
      return 'type';
  }
}

function sortedRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort((a, b) => compareNames(a[0], b[0])));
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byName<T extends { readonly name: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => compareNames(a.name, b.name));
}
