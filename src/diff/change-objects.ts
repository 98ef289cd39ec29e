import type { DefinedObjectModel, DefinedObjectKind } from '../model/types.js';
import type { Change, GrantTarget } from './changes.js';
import { grantTargetWords } from '../model/grant-target.js';

/**
 * A schema object a change touches, as a path: a table, or an object inside one (a column, an
 * index, a constraint), or an enum or a sequence. Used to tell whether two changes concern the
 * same object, as the three-way drift check must.
 */
export interface ObjectRef {
  readonly kind: 'table' | 'column' | 'index' | 'constraint' | 'primary key' | 'table comment' | 'row security' | 'enum' | 'sequence' | 'grants' | DefinedObjectKind;
  /** The table the object lives in (the table itself for kind 'table'). */
  readonly table?: string;
  readonly name: string;
}

export function objectLabel(ref: ObjectRef): string {
  if (ref.kind === 'grants') return `grants on ${ref.name}`;
  if (ref.kind === 'table' || ref.kind === 'enum' || ref.kind === 'sequence') return `${ref.kind} ${ref.name}`;
  if (ref.kind === 'primary key' || ref.kind === 'table comment' || ref.kind === 'row security') return `${ref.kind} of ${ref.table}`;
  if (ref.kind === 'trigger' || ref.kind === 'policy') return `${ref.kind} ${ref.name} on ${ref.table}`;
  if (ref.table === undefined) return `${ref.kind} ${ref.name}`;
  return `${ref.kind} ${ref.table}.${ref.name}`;
}

/**
 * Two refs concern the same object when they are equal, or when one is a whole table and the
 * other lives in it: a table dropped on one side and a column changed on the other collide.
 */
export function sameObject(a: ObjectRef, b: ObjectRef): boolean {
  if (a.kind === 'table' && b.table === a.name) return true;
  if (b.kind === 'table' && a.table === b.name) return true;
  return a.kind === b.kind && a.table === b.table && a.name === b.name;
}

const table = (name: string): ObjectRef => ({ kind: 'table', table: name, name });
const inTable = (kind: ObjectRef['kind'], tableName: string, name: string): ObjectRef => ({ kind, table: tableName, name });

/** A trigger or policy lives in its table: dropping the table collides with a change to it. */
const definedObject = (object: DefinedObjectModel): ObjectRef =>
  object.table === undefined ? { kind: object.kind, name: object.name } : inTable(object.kind, object.table, object.name);

/** A grantee's privileges on an object; those on a table or its columns live in the table. */
function grants(on: GrantTarget, grantee: string): ObjectRef {
  const name = `${grantTargetWords(on)} to ${grantee}`;
  return on.kind === 'table' ? { kind: 'grants', table: on.name, name } : { kind: 'grants', name };
}

export function changeObjects(change: Change): ObjectRef[] {
  switch (change.kind) {
    case 'createEnum':
    case 'dropEnum':
      return [{ kind: 'enum', name: change.enum.name }];
    case 'addEnumValues':
    case 'setEnumComment':
      return [{ kind: 'enum', name: change.enum }];
    case 'recreateEnum':
      return [{ kind: 'enum', name: change.to.name }];
    case 'createSequence':
    case 'dropSequence':
      return [{ kind: 'sequence', name: change.sequence.name }];
    case 'alterSequence':
      return [{ kind: 'sequence', name: change.to.name }];
    case 'createTable':
    case 'dropTable':
      return [table(change.table.name)];
    case 'rebuildTable':
    case 'replaceTable':
      return [table(change.to.name)];
    case 'alterTable':
    case 'attachPartition':
    case 'detachPartition':
    case 'inherit':
    case 'noInherit':
      return [table(change.table)];
    case 'setObjectComment':
      return change.object.kind === 'sequence'
        ? [{ kind: 'sequence', name: change.object.name }]
        : [inTable(change.object.kind, change.object.table, change.object.name)];
    case 'renameTable':
      return [table(change.from), table(change.to)];
    case 'setTableComment':
      return [inTable('table comment', change.table, '')];
    case 'addColumn':
    case 'dropColumn':
      return [inTable('column', change.table, change.column.name)];
    case 'renameColumn':
      return [inTable('column', change.table, change.from), inTable('column', change.table, change.to)];
    case 'alterColumn':
      return [inTable('column', change.table, change.to.name)];
    case 'renameConstraint':
      return [inTable('constraint', change.table, change.from), inTable('constraint', change.table, change.to)];
    case 'renameIndex':
      return [inTable('index', change.table, change.from), inTable('index', change.table, change.to)];
    case 'addPrimaryKey':
    case 'dropPrimaryKey':
      return [inTable('primary key', change.table, '')];
    case 'addUnique':
    case 'dropUnique':
      return [inTable('constraint', change.table, change.unique.name)];
    case 'addIndex':
    case 'dropIndex':
      return [inTable('index', change.table, change.index.name)];
    case 'alterIndex':
      return [inTable('index', change.table, change.to.name)];
    case 'addForeignKey':
    case 'dropForeignKey':
      return [inTable('constraint', change.table, change.foreignKey.name)];
    case 'addCheck':
    case 'dropCheck':
      return [inTable('constraint', change.table, change.check.name)];
    case 'addExclusion':
    case 'dropExclusion':
      return [inTable('constraint', change.table, change.exclusion.name)];
    case 'validateConstraint':
      return [inTable('constraint', change.table, change.name)];
    case 'setRowSecurity':
      return [inTable('row security', change.table, '')];
    case 'createObject':
    case 'dropObject':
      return [definedObject(change.object)];
    case 'replaceObject':
    case 'alterObject':
    case 'replaceType':
      return [definedObject(change.to)];
    case 'dropReplacedType':
      return [definedObject(change.object)];
    case 'setGrants':
      return [grants(change.on, change.grantee)];
  }
}
