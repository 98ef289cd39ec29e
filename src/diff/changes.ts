import type {
  CheckModel,
  ColumnModel,
  DefinedObjectModel,
  EnumModel,
  ExclusionModel,
  GrantTarget,
  ForeignKeyModel,
  IndexModel,
  PartitionOfModel,
  PrimaryKeyModel,
  SequenceModel,
  TableModel,
  UniqueModel,
  UnmanagedObject,
} from '../model/types.js';

/** A column of an enum's, domain's or composite type's that must move to the recreated type, with what it needs back. */
export interface EnumColumnUse {
  readonly table: string;
  readonly column: string;
  readonly array?: boolean;
  readonly default?: string;
}

export type ColumnProperty =
  | 'type'
  | 'nullable'
  | 'default'
  | 'identity'
  | 'generated'
  | 'collation'
  | 'comment'
  | 'statistics'
  | 'storage'
  | 'compression'
  | 'options'
  | 'identityOptions'
  | 'identitySequenceName'
  | 'charset'
  | 'autoIncrement'
  | 'onUpdate'
  | 'invisible';

/** What ALTER TABLE can change of a table itself, in place. */
export type TableProperty = 'unlogged' | 'storageParameters' | 'clusterOn' | 'replicaIdentity' | 'options';

/** Objects of a table or schema that hold a comment of their own. */
export type CommentedObject =
  | { readonly kind: 'constraint'; readonly table: string; readonly name: string }
  | { readonly kind: 'index'; readonly table: string; readonly name: string }
  | { readonly kind: 'sequence'; readonly name: string };

/**
 * One engine-neutral schema change. Each kind has exactly one renderer per engine, so the
 * compiler points at every engine that has not handled a new kind yet.
 */
export type Change =
  | { readonly kind: 'createEnum'; readonly enum: EnumModel }
  | { readonly kind: 'dropEnum'; readonly enum: EnumModel }
  | { readonly kind: 'addEnumValues'; readonly enum: string; readonly values: readonly { value: string; before?: string }[] }
  /** Values removed or reordered: PostgreSQL can only do this by recreating the type. */
  | { readonly kind: 'recreateEnum'; readonly from: EnumModel; readonly to: EnumModel; readonly usedBy: readonly EnumColumnUse[] }
  | { readonly kind: 'setEnumComment'; readonly enum: string; readonly comment?: string }
  | { readonly kind: 'createSequence'; readonly sequence: SequenceModel }
  | { readonly kind: 'dropSequence'; readonly sequence: SequenceModel }
  | { readonly kind: 'alterSequence'; readonly from: SequenceModel; readonly to: SequenceModel }
  | { readonly kind: 'createTable'; readonly table: TableModel }
  | { readonly kind: 'dropTable'; readonly table: TableModel }
  /**
   * Rewrite a table into a new shape by copying its rows (SQLite's documented procedure for what
   * its ALTER TABLE cannot do). `keep` holds the definitions of unmanaged objects on the table,
   * such as triggers, that the rewrite must recreate.
   */
  | {
      readonly kind: 'rebuildTable';
      readonly from: TableModel;
      readonly to: TableModel;
      /** Columns whose values are copied: in both shapes, by their new name -> old name. */
      readonly copy: Readonly<Record<string, string>>;
      readonly reasons: readonly string[];
      readonly keep: readonly UnmanagedObject[];
    }
  /**
   * A table whose partitioning (strategy, key, or being partitioned at all) changed, or whose
   * columns would stay its own where the desired table has them only from its INHERITS parents:
   * PostgreSQL cannot alter it, so the table is dropped with its rows (and partitions) and created
   * anew. `keptPartitions`: partitions detached before the drop and attached again after it, with
   * their rows (the table's columns, keys, indexes and constraints are unchanged);
   * `droppedPartitions`: the others, which go with it.
   */
  | {
      readonly kind: 'replaceTable';
      readonly from: TableModel;
      readonly to: TableModel;
      readonly reasons: readonly string[];
      readonly keptPartitions?: readonly string[];
      readonly droppedPartitions?: readonly string[];
    }
  | { readonly kind: 'alterTable'; readonly table: string; readonly from: TableModel; readonly to: TableModel; readonly changed: readonly TableProperty[] }
  | { readonly kind: 'attachPartition'; readonly table: string; readonly partitionOf: PartitionOfModel }
  /** `reattached`: attached again (a new bound or parent) in the same transaction, so no row leaves. */
  | { readonly kind: 'detachPartition'; readonly table: string; readonly partitionOf: PartitionOfModel; readonly reattached?: true }
  /** ALTER TABLE ... INHERIT: the table joins a parent's (classic inheritance, PostgreSQL). */
  | { readonly kind: 'inherit'; readonly table: string; readonly parent: string }
  /** ALTER TABLE ... NO INHERIT. `rejoins`: inherits it again later in the plan (its parents' order changed). */
  | { readonly kind: 'noInherit'; readonly table: string; readonly parent: string; readonly rejoins: boolean }
  | { readonly kind: 'setObjectComment'; readonly object: CommentedObject; readonly comment?: string }
  | { readonly kind: 'renameTable'; readonly from: string; readonly to: string }
  | { readonly kind: 'setTableComment'; readonly table: string; readonly comment?: string }
  | { readonly kind: 'addColumn'; readonly table: string; readonly column: ColumnModel }
  | { readonly kind: 'dropColumn'; readonly table: string; readonly column: ColumnModel }
  | { readonly kind: 'renameColumn'; readonly table: string; readonly from: string; readonly to: string }
  | {
      readonly kind: 'alterColumn';
      readonly table: string;
      readonly from: ColumnModel;
      readonly to: ColumnModel;
      readonly changed: readonly ColumnProperty[];
    }
  /** A primary key, unique, check or foreign key whose definition is unchanged but whose name is not. */
  | { readonly kind: 'renameConstraint'; readonly table: string; readonly from: string; readonly to: string }
  | { readonly kind: 'renameIndex'; readonly table: string; readonly from: string; readonly to: string }
  | { readonly kind: 'addPrimaryKey'; readonly table: string; readonly primaryKey: PrimaryKeyModel }
  | { readonly kind: 'dropPrimaryKey'; readonly table: string; readonly primaryKey: PrimaryKeyModel }
  | { readonly kind: 'addUnique'; readonly table: string; readonly unique: UniqueModel }
  | { readonly kind: 'dropUnique'; readonly table: string; readonly unique: UniqueModel }
  /** `partitioned`: on a partitioned table, whose indexes cannot be built CONCURRENTLY. */
  | { readonly kind: 'addIndex'; readonly table: string; readonly index: IndexModel; readonly newTable: boolean; readonly partitioned?: true }
  | { readonly kind: 'dropIndex'; readonly table: string; readonly index: IndexModel }
  /** An index whose storage parameters alone changed: set in place, without a rebuild. */
  | { readonly kind: 'alterIndex'; readonly table: string; readonly from: IndexModel; readonly to: IndexModel }
  | { readonly kind: 'addForeignKey'; readonly table: string; readonly foreignKey: ForeignKeyModel; readonly newTable: boolean }
  | { readonly kind: 'dropForeignKey'; readonly table: string; readonly foreignKey: ForeignKeyModel }
  | { readonly kind: 'addCheck'; readonly table: string; readonly check: CheckModel; readonly newTable: boolean }
  | { readonly kind: 'dropCheck'; readonly table: string; readonly check: CheckModel }
  | { readonly kind: 'addExclusion'; readonly table: string; readonly exclusion: ExclusionModel }
  | { readonly kind: 'dropExclusion'; readonly table: string; readonly exclusion: ExclusionModel }
  /** A check or foreign key as desired but NOT VALID: existing rows are checked, nothing is recreated. */
  | { readonly kind: 'validateConstraint'; readonly table: string; readonly name: string; readonly constraint: ValidatedConstraint }
  | { readonly kind: 'setRowSecurity'; readonly table: string; readonly from: RowSecurity; readonly to: RowSecurity }
  /**
   * A view, routine, trigger, policy, domain or composite type. `recreate`: it was dropped earlier
   * in the same plan, because it changed in a way only a new object can express, or because an
   * object it depends on was recreated.
   */
  | { readonly kind: 'createObject'; readonly object: DefinedObjectModel; readonly phase: ObjectPhase; readonly recreate?: true }
  /** `dependants`: keys of the live objects that depend on it (each dropped before it in the same plan). */
  | {
      readonly kind: 'dropObject';
      readonly object: DefinedObjectModel;
      readonly phase: ObjectPhase;
      readonly recreate?: true;
      readonly dependants?: readonly string[];
    }
  /**
   * A routine replaced in place (CREATE OR REPLACE: same arguments and result), so what uses it
   * keeps using it. `usedBy` names those users: triggers and views by key, and a table's indexes,
   * checks and defaults whose expressions call it (`index film.film_title_idx`).
   */
  | { readonly kind: 'replaceObject'; readonly from: DefinedObjectModel; readonly to: DefinedObjectModel; readonly usedBy?: readonly string[] }
  /**
   * Changed where it stands: a comment (its own or its columns'), a trigger's enabled state,
   * extended statistics' target, a materialized view's indexes, a
   * domain's default, NOT NULL or checks, a composite type's attributes. `usedBy`: the table
   * columns (`table.column`) that hold values of a composite type whose attributes change.
   */
  | {
      readonly kind: 'alterObject';
      readonly from: DefinedObjectModel;
      readonly to: DefinedObjectModel;
      readonly changed: readonly ObjectProperty[];
      readonly usedBy?: readonly string[];
    }
  /**
   * A domain or composite type that cannot change in place while table columns hold its values
   * (a domain's base type, a composite type's attribute retyped or reordered), or that such a
   * type needs: the old one is renamed aside, the new one created under its name, and the
   * columns of `usedBy` converted to it. `dropReplacedType` drops the old one once nothing uses it.
   */
  | { readonly kind: 'replaceType'; readonly from: DefinedObjectModel; readonly to: DefinedObjectModel; readonly usedBy: readonly EnumColumnUse[] }
  | { readonly kind: 'dropReplacedType'; readonly object: DefinedObjectModel }
  /**
   * One grantee's privileges on one object (GrantModel), from what it holds to what it should.
   * Undefined is the default the engine gives a new object; a new or recreated object starts there.
   */
  | { readonly kind: 'setGrants'; readonly on: GrantTarget; readonly grantee: string; readonly from?: readonly string[]; readonly to?: readonly string[] };

export type { GrantTarget } from '../model/types.js';

/** A table's row-level security flags. */
export interface RowSecurity {
  readonly enabled: boolean;
  readonly forced: boolean;
}

/**
 * When an object is created and dropped relative to the tables: types and routines that need no
 * table exist before the tables (whose columns, defaults, checks and indexes may use them) and go
 * after them; views, triggers, policies, and anything that needs a table, come after the tables
 * and go before them.
 */
export type ObjectPhase = 'before tables' | 'after tables';

export type ObjectProperty = 'comment' | 'columnComments' | 'enabled' | 'indexes' | 'domain' | 'attributes' | 'statisticsTarget';

/** The constraints that can exist NOT VALID. */
export type ValidatedConstraint = 'check' | 'foreign key';

export type ChangeKind = Change['kind'];
