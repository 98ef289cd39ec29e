// The manifest and override files as written, after JSON Schema validation: the shapes of
// schemas/manifest.schema.json and schemas/override.schema.json. Numbers a JS number would
// round (`1.50`, a bigint bound) are kept as the text they were written as.
import type { SqlSource } from '../engines/types.js';

export type FkActionSpec = 'no action' | 'restrict' | 'cascade' | 'set null' | 'set default';

export interface ColumnSpecObject {
  readonly type: string;
  readonly nullable?: boolean;
  readonly primaryKey?: boolean;
  readonly unique?: boolean;
  readonly default?: string | number | boolean;
  readonly identity?: 'always' | 'by default';
  readonly generated?: string;
  readonly virtual?: boolean;
  readonly collation?: string;
  readonly comment?: string;
  readonly renamedFrom?: string;
  /** `table.column` or `schema.table.column` */
  readonly references?: string;
  readonly onDelete?: FkActionSpec;
  readonly onUpdate?: FkActionSpec;
  readonly statistics?: number;
  readonly storage?: 'plain' | 'external' | 'extended' | 'main';
  readonly compression?: string;
  readonly options?: Readonly<Record<string, number | string>>;
  readonly identityOptions?: IdentityOptionsSpec;
}

export interface IdentityOptionsSpec {
  readonly start?: number | string;
  readonly increment?: number | string;
  readonly minValue?: number | string;
  readonly maxValue?: number | string;
  readonly cache?: number | string;
  readonly cycle?: boolean;
  readonly sequenceName?: string;
}

/** A bare string is the type of a nullable column with nothing else. */
export type ColumnSpec = string | ColumnSpecObject;

export type PrimaryKeySpec = readonly string[] | { readonly name?: string; readonly columns: readonly string[]; readonly comment?: string };

export type UniqueSpec =
  | readonly string[]
  | {
      readonly name?: string;
      readonly columns: readonly string[];
      readonly nullsNotDistinct?: boolean;
      readonly deferrable?: boolean;
      readonly initiallyDeferred?: boolean;
      readonly comment?: string;
    };

export type IndexKeySpec =
  | string
  | {
      readonly column?: string;
      readonly expression?: string;
      readonly order?: 'asc' | 'desc';
      readonly nulls?: 'first' | 'last';
      readonly opclass?: string;
      readonly collation?: string;
    };

export interface IndexSpec {
  readonly columns: readonly IndexKeySpec[];
  readonly unique?: boolean;
  readonly where?: string;
  readonly method?: string;
  readonly include?: readonly string[];
  readonly comment?: string;
  readonly storageParameters?: Readonly<Record<string, string | boolean | number>>;
}

export interface ForeignKeySpec {
  readonly name?: string;
  readonly columns: readonly string[];
  readonly references: { readonly table: string; readonly columns: readonly string[] };
  readonly onDelete?: FkActionSpec;
  readonly onUpdate?: FkActionSpec;
  readonly deferrable?: boolean;
  readonly initiallyDeferred?: boolean;
  readonly match?: 'full' | 'simple';
  readonly comment?: string;
}

export type CheckSpec = string | { readonly name?: string; readonly expression: string; readonly comment?: string };

/** name -> expression, or a list of expressions and { name, expression } maps. */
export type ChecksSpec = Readonly<Record<string, string>> | readonly CheckSpec[];

export interface TableSpec {
  readonly comment?: string;
  readonly renamedFrom?: string;
  /** Absent only on a partition, whose columns come from its partitioned table. */
  readonly columns: Readonly<Record<string, ColumnSpec>>;
  readonly partitionBy?: string;
  readonly partitionOf?: { readonly table: string; readonly bound: string };
  /** PostgreSQL: INHERITS parents, in order; the columns and CHECKs they give are not listed. */
  readonly inherits?: readonly string[];
  readonly unlogged?: boolean;
  readonly storageParameters?: Readonly<Record<string, string | boolean | number>>;
  readonly clusterOn?: string;
  readonly replicaIdentity?: 'default' | 'full' | 'nothing' | { readonly index: string };
  readonly primaryKey?: PrimaryKeySpec;
  readonly uniques?: readonly UniqueSpec[];
  readonly indexes?: Readonly<Record<string, IndexSpec>>;
  readonly foreignKeys?: readonly ForeignKeySpec[];
  readonly checks?: ChecksSpec;
  /** name -> definition (`EXCLUDE USING gist (...)`), or { definition, comment }. */
  readonly exclusionConstraints?: Readonly<Record<string, string | { readonly definition: string; readonly comment?: string }>>;
  readonly options?: Readonly<Record<string, string | boolean | number>>;
}

export type EnumSpec = readonly string[] | { readonly values: readonly string[]; readonly comment?: string };

export interface SequenceSpec {
  readonly type?: 'smallint' | 'integer' | 'bigint' | 'int' | 'int2' | 'int4' | 'int8';
  readonly start?: number | string;
  readonly increment?: number | string;
  readonly minValue?: number | string;
  readonly maxValue?: number | string;
  readonly cache?: number | string;
  readonly cycle?: boolean;
  /** `table.column` */
  readonly ownedBy?: string;
  readonly unlogged?: boolean;
  readonly comment?: string;
}

export interface ManifestContent {
  readonly $schema?: string;
  readonly version: 1;
  readonly enums?: Readonly<Record<string, EnumSpec>>;
  readonly sequences?: Readonly<Record<string, SequenceSpec>>;
  readonly externalTypes?: readonly string[];
  readonly tables?: Readonly<Record<string, TableSpec>>;
  /** Statements for the objects tables: does not describe (views, functions, triggers, ...). */
  readonly sql?: string | readonly string[];
  readonly grants?: GrantsSpec;
}

/**
 * Privileges granted to roles, by object (`schema`, `table orders`, `column orders.total`,
 * `function f(integer)`, ...), then by role (or PUBLIC): what GRANT gives (`SELECT`, `ALL`,
 * `UPDATE WITH GRANT OPTION`), in place of the default a new object has.
 */
export type GrantsSpec = Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;

export interface ExcludeSpec {
  readonly tables?: readonly string[];
  readonly columns?: Readonly<Record<string, readonly string[]>>;
  readonly indexes?: Readonly<Record<string, readonly string[]>>;
}

export interface OverrideContent {
  readonly $schema?: string;
  readonly description?: string;
  /** Tenant name globs (picomatch). */
  readonly tenants?: readonly string[];
  /** The override applies to a tenant with any of these labels. */
  readonly labels?: readonly string[];
  /** Tables to add (columns required) or to merge into a manifest table. */
  readonly tables?: Readonly<Record<string, Partial<TableSpec>>>;
  readonly enums?: Readonly<Record<string, EnumSpec>>;
  readonly sequences?: Readonly<Record<string, SequenceSpec>>;
  readonly externalTypes?: readonly string[];
  readonly sql?: string | readonly string[];
  readonly grants?: GrantsSpec;
  readonly exclude?: ExcludeSpec;
}

/** A loaded, validated manifest. Plain data; positions for later errors are kept aside. */
export interface Manifest {
  /** The path it was loaded from, as given. */
  readonly file: string;
  readonly content: ManifestContent;
  /** Set when the manifest is SQL (see load-sql.ts): the whole desired schema, and content is empty. */
  readonly sql?: readonly SqlSource[];
}

/** A loaded, validated override file. */
export interface Override {
  /** The path it was loaded from. */
  readonly file: string;
  /** The file name within the overrides directory: its identity in plans and DesiredSchema. */
  readonly name: string;
  readonly content: OverrideContent;
}
