// The normalized, engine-neutral schema model. Plain JSON-shaped data: arrays sorted by name
// (columns keep their declared order), references by name, never by pointer. Every string that
// holds a type or an expression is in the engine's canonical form (DESIGN.md invariant 2), so two
// models are equal exactly when the database would treat them as equal.

export type FkAction = 'no action' | 'restrict' | 'cascade' | 'set null' | 'set default';

export interface ColumnModel {
  readonly name: string;
  /** Canonical type spelling, e.g. `integer`, `character varying(255)`, `text[]`, or an enum name. */
  readonly type: string;
  readonly nullable: boolean;
  /** Canonical default expression; absent when the column has no default. */
  readonly default?: string;
  readonly identity?: 'always' | 'by default';
  /** Expression of a generated column: STORED unless `virtual` is set. */
  readonly generated?: string;
  /** A VIRTUAL generated column (SQLite, MySQL): computed on read, never stored. */
  readonly virtual?: true;
  readonly collation?: string;
  /** Character set of a text column, where the engine keeps one per column (MySQL). */
  readonly charset?: string;
  /** The engine numbers new rows itself without a sequence object (MySQL AUTO_INCREMENT). */
  readonly autoIncrement?: true;
  /** Expression the column is set to whenever its row is updated (MySQL `ON UPDATE current_timestamp()`), as the server prints it. */
  readonly onUpdate?: string;
  /** Left out of `SELECT *` and of an INSERT without a column list (MySQL, MariaDB INVISIBLE). */
  readonly invisible?: true;
  readonly comment?: string;
  /** attstattarget (SET STATISTICS); absent for -1, the server's default_statistics_target. */
  readonly statistics?: number;
  /** attstorage (SET STORAGE), only when it differs from the type's typstorage. */
  readonly storage?: 'plain' | 'external' | 'extended' | 'main';
  /** attcompression (SET COMPRESSION, PostgreSQL 14+); absent for default_toast_compression. */
  readonly compression?: string;
  /** attoptions (SET (n_distinct = ...)): option -> value as the server prints it. */
  readonly options?: Readonly<Record<string, string>>;
  /** An identity column's sequence options: all of them, when any differs from CREATE SEQUENCE's defaults for the column's type. */
  readonly identityOptions?: IdentitySequenceModel;
  /**
   * An identity column's sequence, when it is not named `<table>_<column>_seq` (PostgreSQL's
   * default, which a renamed table or column leaves behind): pg_dump names it.
   */
  readonly identitySequenceName?: string;
}

/** An identity column's sequence options, as SequenceModel spells them. */
export interface IdentitySequenceModel {
  readonly start: string;
  readonly increment: string;
  readonly minValue: string;
  readonly maxValue: string;
  readonly cache: string;
  readonly cycle: boolean;
}

export interface PrimaryKeyModel {
  readonly name: string;
  readonly columns: readonly string[];
  /** The key parts, only when some part is more than its column in ascending order (a prefix length, descending: MySQL). */
  readonly keys?: readonly IndexKey[];
  readonly comment?: string;
}

export interface UniqueModel {
  readonly name: string;
  readonly columns: readonly string[];
  readonly nullsNotDistinct?: boolean;
  readonly deferrable?: boolean;
  readonly initiallyDeferred?: boolean;
  readonly comment?: string;
}

export interface IndexKey {
  /** Exactly one of column and expression is set. */
  readonly column?: string;
  readonly expression?: string;
  readonly descending?: boolean;
  readonly nulls?: 'first' | 'last';
  readonly collation?: string;
  readonly opclass?: string;
  /** Only the first `length` characters (bytes for binary types) of the column are indexed (MySQL prefix key parts). */
  readonly length?: number;
}

export interface IndexModel {
  readonly name: string;
  readonly unique: boolean;
  readonly method: string;
  readonly keys: readonly IndexKey[];
  readonly include: readonly string[];
  readonly where?: string;
  /** Set on an index a failed concurrent build left INVALID; it never matches a desired index, so the next plan rebuilds it. */
  readonly invalid?: true;
  /** The optimizer leaves the index alone, though it is kept up to date (MySQL INVISIBLE, MariaDB IGNORED). */
  readonly invisible?: true;
  readonly comment?: string;
  /** PostgreSQL storage parameters of the index (its reloptions: fillfactor, ...), name -> value as the server prints it. */
  readonly storageParameters?: Readonly<Record<string, string>>;
}

export interface ForeignKeyModel {
  readonly name: string;
  readonly columns: readonly string[];
  readonly refTable: string;
  readonly refColumns: readonly string[];
  readonly onDelete: FkAction;
  readonly onUpdate: FkAction;
  readonly match?: 'full';
  readonly deferrable: boolean;
  readonly initiallyDeferred: boolean;
  /** See CheckModel.notValid. */
  readonly notValid?: true;
  readonly comment?: string;
}

export interface CheckModel {
  readonly name: string;
  readonly expression: string;
  /**
   * Set on a constraint added NOT VALID (PostgreSQL) and not validated since: it holds for new
   * rows only, and pg_dump prints it NOT VALID. Absent when valid, which the desired side always is.
   */
  readonly notValid?: true;
  /** A check written on this column rather than on the table: MariaDB names it after the column and drops it with it. */
  readonly column?: string;
  /** Declared but never checked (MySQL NOT ENFORCED). */
  readonly notEnforced?: true;
  readonly comment?: string;
}

/** PostgreSQL: an exclusion constraint, whole as pg_get_constraintdef prints it: `EXCLUDE USING gist (room WITH =, during WITH &&)`. */
export interface ExclusionModel {
  readonly name: string;
  readonly definition: string;
  readonly comment?: string;
}

/** Where a partition sits: its partitioned table and its bound as pg_get_expr(relpartbound) prints it (`DEFAULT` for a default partition). */
export interface PartitionOfModel {
  readonly table: string;
  readonly bound: string;
}

export interface TableModel {
  readonly name: string;
  readonly columns: readonly ColumnModel[];
  readonly primaryKey?: PrimaryKeyModel;
  readonly uniques: readonly UniqueModel[];
  readonly indexes: readonly IndexModel[];
  readonly foreignKeys: readonly ForeignKeyModel[];
  readonly checks: readonly CheckModel[];
  /** PostgreSQL exclusion constraints; absent when there are none. */
  readonly exclusions?: readonly ExclusionModel[];
  readonly comment?: string;
  /** Row-level security is enabled (PostgreSQL ALTER TABLE ... ENABLE ROW LEVEL SECURITY). */
  readonly rowSecurity?: true;
  /** Row-level security applies to the table's owner too (FORCE ROW LEVEL SECURITY). */
  readonly forceRowSecurity?: true;
  /** Engine-only table options (SQLite `withoutRowid`, `strict`; MySQL engine, charset). */
  readonly options?: Readonly<Record<string, string | boolean>>;
  /** A partitioned table's strategy and key, as pg_get_partkeydef prints it: `RANGE (created_at)`. */
  readonly partitionBy?: string;
  /**
   * A partition. Its columns come from its partitioned table; the indexes, constraints and
   * triggers it got from the parent are the parent's, and only its own are listed here.
   */
  readonly partitionOf?: PartitionOfModel;
  /**
   * PostgreSQL classic inheritance: the parents of `CREATE TABLE ... INHERITS (...)`, in order
   * (pg_inherits.inhseqno). Columns and CHECKs the table has only from its parents are theirs and
   * are not in `columns` or `checks`; one it declares itself as well is.
   */
  readonly inherits?: readonly string[];
  /**
   * A partition's indexes that are attached to its parent's partitioned indexes (their own name
   * -> the parent index's name): the parent's indexes, but pg_dump names them, and a detached
   * partition keeps them as its own.
   */
  readonly attachedIndexes?: Readonly<Record<string, string>>;
  /** PostgreSQL: an UNLOGGED table. */
  readonly unlogged?: true;
  /** PostgreSQL storage parameters (reloptions: fillfactor, autovacuum_*), name -> value as the server prints it. */
  readonly storageParameters?: Readonly<Record<string, string>>;
  /** PostgreSQL: the index (or primary key or unique constraint) the table is marked to CLUSTER on (pg_index.indisclustered). */
  readonly clusterOn?: string;
  /**
   * PostgreSQL: REPLICA IDENTITY (pg_class.relreplident) when not DEFAULT: FULL, NOTHING, or
   * USING INDEX (the index with pg_index.indisreplident).
   */
  readonly replicaIdentity?: 'full' | 'nothing' | { readonly index: string };
}

export interface EnumModel {
  readonly name: string;
  readonly values: readonly string[];
  readonly comment?: string;
}

export interface SequenceModel {
  readonly name: string;
  readonly type: 'smallint' | 'integer' | 'bigint';
  readonly start: string;
  readonly increment: string;
  readonly minValue: string;
  readonly maxValue: string;
  readonly cache: string;
  readonly cycle: boolean;
  readonly ownedBy?: { readonly table: string; readonly column: string };
  /** An UNLOGGED sequence (PostgreSQL 15+); a sequence owned by an unlogged table is unlogged with it. */
  readonly unlogged?: true;
  readonly comment?: string;
}

export type DefinedObjectKind =
  | 'view'
  | 'materialized view'
  | 'function'
  | 'procedure'
  | 'aggregate'
  | 'trigger'
  | 'policy'
  | 'domain'
  | 'composite type'
  | 'rule'
  | 'statistics';

/** An object the server prints whole: its definition is the server's own text, tenant-neutral. */
export interface DefinedObjectModel {
  readonly kind: DefinedObjectKind;
  /** Unique within its kind (and table): a routine's name carries its input argument types (its identity; argument names are in the definition), `f(integer, text)`. */
  readonly name: string;
  /** The table of a trigger or a policy. */
  readonly table?: string;
  /** SQL that creates it exactly, as the catalog functions print it, with the tenant's own qualifier stripped. */
  readonly definition: string;
  /** Keys (`table:film`, `view:v`, `function:f(integer)`, `domain:year`, ...) of the tenant's own objects it needs, from pg_depend. */
  readonly dependsOn?: readonly string[];
  readonly comment?: string;
  /**
   * What an in-place replace (CREATE OR REPLACE) cannot change: a routine's arguments as declared
   * (names, modes, defaults) and its result. Absent for kinds that are never replaced in place.
   */
  readonly signature?: string;
  /** A trigger's state other than the default (fires in origin and local sessions). */
  readonly enabled?: 'disabled' | 'replica' | 'always';
  /** The indexes of a materialized view, each as the server prints its CREATE INDEX, sorted. */
  readonly indexes?: readonly string[];
  /** A domain's parts, which ALTER DOMAIN changes in place (its columns keep their values). */
  readonly domain?: DomainParts;
  /** A composite type's attributes in order, which ALTER TYPE adds, drops and retypes in place. */
  readonly attributes?: readonly CompositeAttribute[];
  /** Comments on a view's, materialized view's or composite type's columns, by column name. */
  readonly columnComments?: Readonly<Record<string, string>>;
  /** Extended statistics' own target (ALTER STATISTICS ... SET STATISTICS), when set. */
  readonly statisticsTarget?: number;
}

export interface CompositeAttribute {
  readonly name: string;
  /** Its type as the server prints it, with a COLLATE clause when not its type's. */
  readonly type: string;
}

export interface DomainParts {
  /** Base type and collation: these cannot change in place. */
  readonly type: string;
  readonly default?: string;
  readonly notNull?: true;
  /** Named CHECK constraints, by name, each as `CHECK (...)`. */
  readonly checks: readonly { readonly name: string; readonly definition: string }[];
}

/** An object the model does not manage: reported, never dropped (invariant 8). */
export interface UnmanagedObject {
  readonly kind: string;
  readonly name: string;
  /** The table it belongs to, for objects a table rebuild must recreate (SQLite triggers). */
  readonly table?: string;
  /** Its SQL, where the engine must recreate it itself (SQLite triggers around a table rebuild). */
  readonly definition?: string;
}

export interface SchemaModel {
  readonly tables: readonly TableModel[];
  readonly enums: readonly EnumModel[];
  readonly sequences: readonly SequenceModel[];
  /** Types the schema uses but does not manage (domains, extension types). */
  readonly externalTypes?: readonly string[];
  readonly unmanaged?: readonly UnmanagedObject[];
  /** Views, routines, triggers, policies, domains and composite types, sorted by kind, table, name. */
  readonly objects?: readonly DefinedObjectModel[];
  /**
   * Privileges granted to roles on the schema and its objects, where they differ from what the
   * object has when it is created; sorted by object, column, grantee. Absent when grants are not
   * compared (the `grants` setting is off, or the engine has none).
   */
  readonly grants?: readonly GrantModel[];
}

/** The object (or column) a grant is on. */
export type GrantTarget = Pick<GrantModel, 'kind' | 'name' | 'column'>;

/** What a grant is on: the tenant's schema itself, or one of its objects. */
export type GrantObjectKind =
  | 'schema'
  | 'table'
  | 'view'
  | 'materialized view'
  | 'sequence'
  | 'function'
  | 'procedure'
  | 'aggregate'
  | 'enum'
  | 'domain'
  | 'composite type';

/**
 * One role's privileges on one object (or one column of a table or view), where they differ from
 * what the object has when it is created (an engine's default: PostgreSQL lets PUBLIC execute a
 * new function and use a new type, and nobody but the owner use anything else). Privileges the
 * object's owner holds are its own and never listed.
 */
export interface GrantModel {
  readonly kind: GrantObjectKind;
  /** The object's name as the model names it (a routine's carries its argument types); '' for the schema. */
  readonly name: string;
  /** For a privilege on one column of a table or view; its kind is then always `table`, whatever the relation. */
  readonly column?: string;
  /** A role name, or PUBLIC. */
  readonly grantee: string;
  /**
   * Sorted: SELECT, INSERT, ..., each with ` WITH GRANT OPTION` when the grantee may grant it on.
   * Empty when the grantee was given less than the default (a function's EXECUTE revoked from PUBLIC).
   */
  readonly privileges: readonly string[];
}

export const emptySchema: SchemaModel = { tables: [], enums: [], sequences: [] };
