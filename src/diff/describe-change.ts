import { grantTargetWords } from '../model/grant-target.js';
import type { Change } from './changes.js';

/** One engine-neutral line per change, for summaries, audits and pull-request comments. */
export function describeChange(change: Change): string {
  switch (change.kind) {
    case 'createEnum':
      return `create enum ${change.enum.name} (${change.enum.values.join(', ')})`;
    case 'dropEnum':
      return `drop enum ${change.enum.name}`;
    case 'addEnumValues':
      return `add to enum ${change.enum}: ${change.values.map((v) => v.value).join(', ')}`;
    case 'recreateEnum':
      return `recreate enum ${change.to.name}: (${change.from.values.join(', ')}) -> (${change.to.values.join(', ')})`;
    case 'setEnumComment':
      return `set comment on enum ${change.enum}`;
    case 'createSequence':
      return `create sequence ${change.sequence.name}`;
    case 'dropSequence':
      return `drop sequence ${change.sequence.name}`;
    case 'alterSequence':
      return `alter sequence ${change.to.name}`;
    case 'createTable':
      return `create table ${change.table.name}`;
    case 'dropTable':
      return `drop table ${change.table.name}`;
    case 'rebuildTable':
      return `rebuild table ${change.to.name}: ${change.reasons.join('; ')}`;
    case 'replaceTable':
      return `replace table ${change.to.name}: ${change.reasons.join('; ')}`;
    case 'alterTable':
      return `alter table ${change.table}: ${change.changed.join(', ')}`;
    case 'attachPartition':
      return `attach ${change.table} to ${change.partitionOf.table} ${change.partitionOf.bound}`;
    case 'detachPartition':
      return `detach ${change.table} from ${change.partitionOf.table}`;
    case 'inherit':
      return `${change.table} inherits ${change.parent}`;
    case 'noInherit':
      return `${change.table} no longer inherits ${change.parent}`;
    case 'setObjectComment':
      return `set comment on ${change.object.kind} ${change.object.kind === 'sequence' ? '' : `${change.object.table}.`}${change.object.name}`;
    case 'renameTable':
      return `rename table ${change.from} to ${change.to}`;
    case 'setTableComment':
      return `set comment on table ${change.table}`;
    case 'addColumn':
      return `add column ${change.table}.${change.column.name} (${change.column.type})`;
    case 'dropColumn':
      return `drop column ${change.table}.${change.column.name}`;
    case 'renameColumn':
      return `rename column ${change.table}.${change.from} to ${change.to}`;
    case 'alterColumn':
      return `alter column ${change.table}.${change.to.name}: ${change.changed
        .map((p) => `${p} ${show(change.from[p])} -> ${show(change.to[p])}`)
        .join(', ')}`;
    case 'renameConstraint':
      return `rename constraint ${change.table}.${change.from} to ${change.to}`;
    case 'renameIndex':
      return `rename index ${change.table}.${change.from} to ${change.to}`;
    case 'addPrimaryKey':
      return `add primary key ${change.table} (${change.primaryKey.columns.join(', ')})`;
    case 'dropPrimaryKey':
      return `drop primary key ${change.table}`;
    case 'addUnique':
      return `add unique ${change.table}.${change.unique.name}`;
    case 'dropUnique':
      return `drop unique ${change.table}.${change.unique.name}`;
    case 'addIndex':
      return `add index ${change.table}.${change.index.name}`;
    case 'alterIndex':
      return `alter index ${change.table}.${change.to.name}: storage parameters`;
    case 'dropIndex':
      return `drop index ${change.table}.${change.index.name}${change.index.invalid ? ' (INVALID)' : ''}`;
    case 'addForeignKey':
      return `add foreign key ${change.table}.${change.foreignKey.name} -> ${change.foreignKey.refTable}`;
    case 'dropForeignKey':
      return `drop foreign key ${change.table}.${change.foreignKey.name}`;
    case 'addCheck':
      return `add check ${change.table}.${change.check.name}`;
    case 'dropCheck':
      return `drop check ${change.table}.${change.check.name}`;
    case 'addExclusion':
      return `add exclusion constraint ${change.table}.${change.exclusion.name}`;
    case 'dropExclusion':
      return `drop exclusion constraint ${change.table}.${change.exclusion.name}`;
    case 'validateConstraint':
      return `validate ${change.constraint} ${change.table}.${change.name}`;
    case 'setRowSecurity':
      return `row level security on ${change.table}: ${rowSecurityWords(change.from)} -> ${rowSecurityWords(change.to)}`;
    case 'createObject':
      return `${change.recreate ? 'recreate' : 'create'} ${objectWords(change.object)}`;
    case 'dropObject':
      return `drop ${objectWords(change.object)}${change.recreate ? ' (recreated)' : ''}`;
    case 'replaceObject':
      return `replace ${objectWords(change.to)}`;
    case 'alterObject':
      return `alter ${objectWords(change.to)}: ${change.changed.map((property) => (property === 'indexes' ? indexWords(change.from.indexes, change.to.indexes) : property)).join(', ')}`;
    case 'replaceType':
      return `replace ${objectWords(change.to)}${change.usedBy.length > 0 ? `, converting ${change.usedBy.map((u) => `${u.table}.${u.column}`).join(', ')}` : ''}`;
    case 'dropReplacedType':
      return `drop the replaced ${objectWords(change.object)}`;
    case 'setGrants':
      return `grants on ${grantTargetWords(change.on)} to ${change.grantee}: ${privilegeWords(change.from)} -> ${privilegeWords(change.to)}`;
  }
}

/** A materialized view's indexes that come and go, by name: `indexes (+ a, - b)`. */
function indexWords(from: readonly string[] = [], to: readonly string[] = []): string {
  const name = (definition: string): string => /^CREATE (?:UNIQUE )?INDEX (\S+)/.exec(definition)?.[1] ?? definition;
  const added = to.filter((d) => !from.includes(d)).map((d) => `+ ${name(d)}`);
  const dropped = from.filter((d) => !to.includes(d)).map((d) => `- ${name(d)}`);
  return `indexes (${[...added, ...dropped].join(', ')})`;
}

/** Undefined is the default a new object gets; empty is nothing at all. */
function privilegeWords(privileges: readonly string[] | undefined): string {
  if (privileges === undefined) return 'default';
  return privileges.length === 0 ? 'none' : privileges.join(', ');
}

function rowSecurityWords(state: { enabled: boolean; forced: boolean }): string {
  return state.enabled ? (state.forced ? 'enabled, forced' : 'enabled') : state.forced ? 'disabled, forced' : 'disabled';
}

function objectWords(object: { kind: string; name: string; table?: string }): string {
  return object.table === undefined ? `${object.kind} ${object.name}` : `${object.kind} ${object.name} on ${object.table}`;
}

function show(value: unknown): string {
  if (value === undefined || value === null) return 'none';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
