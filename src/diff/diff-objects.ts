import { deepEqual } from '../model/deep-equal.js';
import { objectKey, routineName, tableKey } from '../model/object-key.js';
import type { CompositeAttribute, DefinedObjectKind, DefinedObjectModel, SchemaModel } from '../model/types.js';
import type { Exclusions } from '../model/desired.js';
import type { Change, ObjectPhase, ObjectProperty } from './changes.js';
import { columnsOfType } from './type-uses.js';

/** Kinds that always come after the tables: they are defined on tables or select from them. */
const afterTableKinds: ReadonlySet<DefinedObjectKind> = new Set<DefinedObjectKind>(['view', 'materialized view', 'trigger', 'policy', 'rule', 'statistics']);
const routineKinds: ReadonlySet<DefinedObjectKind> = new Set<DefinedObjectKind>(['function', 'procedure']);
/**
 * Kinds that PostgreSQL keeps a table column's type change from going under (ALTER COLUMN TYPE
 * fails while a view, rule, policy or trigger uses the column): they are dropped around it.
 */
const blockingTypeChange: ReadonlySet<DefinedObjectKind> = new Set<DefinedObjectKind>(['view', 'materialized view', 'trigger', 'policy', 'rule', 'statistics']);
/** Types whose values table columns can hold. */
const typeKinds: ReadonlySet<DefinedObjectKind> = new Set<DefinedObjectKind>(['domain', 'composite type']);

/**
 * Pure: the changes of views, routines, triggers, policies, domains and composite types, given
 * the table changes the diff found (a column type change recreates the views on its table, a
 * replaced table everything on it).
 * Changed objects are altered in place where PostgreSQL can (a comment, a trigger's enabled
 * state, a materialized view's indexes, a domain's default, NOT NULL and checks), replaced in
 * place when a routine keeps its arguments and result (CREATE OR REPLACE), and dropped and created
 * again otherwise, with every live object that depends on them, in dependency order.
 */
export function diffObjects(current: SchemaModel, desired: SchemaModel, tableChanges: readonly Change[]): Change[] {
  const liveObjects = current.objects ?? [];
  const wantedObjects = desired.objects ?? [];
  if (liveObjects.length === 0 && wantedObjects.length === 0) return [];
  const live = new Map(liveObjects.map((o) => [objectKey(o), o]));
  const wanted = new Map(wantedObjects.map((o) => [objectKey(o), o]));
  const liveGraph = new Graph(live);
  const wantedGraph = new Graph(wanted);
  const holders = new ColumnHolders(current, live, liveGraph);

  const creates = new Set<string>();
  const drops = new Set<string>();
  const recreates = new Set<string>();
  const replaced = new Set<string>();
  const altered = new Map<string, ObjectProperty[]>();
  for (const [key, to] of wanted) {
    const from = live.get(key);
    if (from === undefined) creates.add(key);
    else if (deepEqual(from, to)) continue;
    else {
      const changed = inPlace(from, to);
      // ALTER ATTRIBUTE ... TYPE refuses a type whose values a table column holds.
      const blocked = changed?.includes('attributes') === true && retyped(from, to) && holders.of(key).length > 0;
      if (changed !== undefined && !blocked) altered.set(key, changed);
      else if (routineKinds.has(to.kind) && from.signature === to.signature) replaced.add(key);
      else recreates.add(key);
    }
  }
  for (const key of live.keys()) if (!wanted.has(key)) drops.add(key);

  // Whatever depends on an object that goes, or on a table whose column changes type, goes too
  // and comes back after it.
  const queue = [...recreates, ...drops];
  const blockingOn = (table: string): void => {
    for (const dependant of liveGraph.dependantsOf(tableKey(table))) {
      if (blockingTypeChange.has(live.get(dependant)!.kind)) queue.push(...markRecreated(dependant));
    }
  };
  for (const change of tableChanges) {
    // A table dropped and created again (its partitioning changed) takes everything on it along,
    // and on the partitions that go with it.
    if (change.kind === 'replaceTable') {
      for (const table of [change.from.name, ...partitionsUnder(current, change.droppedPartitions ?? [])]) {
        for (const dependant of liveGraph.dependantsOf(tableKey(table))) queue.push(...markRecreated(dependant));
      }
    }
    // A table dropped (for good, or to be created again: a child of a replaced table).
    if (change.kind === 'dropTable') {
      for (const dependant of liveGraph.dependantsOf(tableKey(change.table.name))) queue.push(...markRecreated(dependant));
    }
    if (change.kind === 'alterColumn' && change.changed.includes('type')) blockingOn(change.table);
    // Recreating an enum changes the type of every column that uses it, and drops the old type.
    if (change.kind === 'recreateEnum') {
      for (const table of new Set(change.usedBy.map((use) => use.table))) blockingOn(table);
      for (const dependant of liveGraph.dependantsOf(`enum:${change.from.name}`)) queue.push(...markRecreated(dependant));
    }
  }
  // A composite type's attribute retyped in place: a view or rule that uses the type refuses it.
  for (const [key, changed] of altered) {
    if (!changed.includes('attributes') || !retyped(live.get(key)!, wanted.get(key)!)) continue;
    for (const dependant of liveGraph.dependantsOf(key)) {
      if (blockingTypeChange.has(live.get(dependant)!.kind)) queue.push(...markRecreated(dependant));
    }
  }
  function markRecreated(key: string): string[] {
    if (drops.has(key) || recreates.has(key)) return [];
    if (!wanted.has(key)) drops.add(key);
    else {
      recreates.add(key);
      altered.delete(key);
      replaced.delete(key);
    }
    return [key];
  }
  const cascade = (): void => {
    while (queue.length > 0) {
      const key = queue.pop()!;
      for (const dependant of liveGraph.dependantsOf(key)) queue.push(...markRecreated(dependant));
    }
  };
  cascade();

  // A recreated domain or composite type whose values table columns hold cannot be dropped
  // first: it is swapped (renamed aside, created anew, its columns converted, the old one dropped
  // last), and so is a type that such a one needs. Deepest first: a type's dependants decide first.
  const swapped = new Set<string>();
  const types = [...recreates].filter((key) => typeKinds.has(live.get(key)!.kind));
  for (const key of types.sort((a, b) => liveGraph.depth(b) - liveGraph.depth(a) || compare(a, b))) {
    if (columnsOfType(current, live.get(key)!.name).length > 0 || liveGraph.dependantsOf(key).some((d) => swapped.has(d))) swapped.add(key);
  }
  // The columns' new type is what a view, trigger or policy on their table refuses.
  for (const key of swapped) for (const use of columnsOfType(current, live.get(key)!.name)) blockingOn(use.table);
  cascade();

  const out: Change[] = [];
  // Dependants before what they depend on.
  for (const key of [...drops, ...recreates].sort((a, b) => liveGraph.depth(b) - liveGraph.depth(a) || compare(a, b))) {
    const object = live.get(key)!;
    if (swapped.has(key)) {
      out.push({ kind: 'dropReplacedType', object });
      continue;
    }
    const dependants = liveGraph.dependantsOf(key);
    out.push({
      kind: 'dropObject',
      object,
      phase: liveGraph.phase(key),
      ...(recreates.has(key) && { recreate: true as const }),
      ...(dependants.length > 0 && { dependants }),
    });
  }
  for (const key of [...replaced].sort(compare)) {
    const usedBy = usersOf(live.get(key)!, liveGraph, current);
    out.push({ kind: 'replaceObject', from: live.get(key)!, to: wanted.get(key)!, ...(usedBy.length > 0 && { usedBy }) });
  }
  const attributeChanges = [...altered].filter(([, changed]) => changed.includes('attributes')).map(([key]) => key);
  for (const [key, changed] of [...altered].sort((a, b) => compare(a[0], b[0]))) {
    if (!changed.includes('attributes')) out.push({ kind: 'alterObject', from: live.get(key)!, to: wanted.get(key)!, changed });
  }
  // What they depend on before dependants (a composite type's new attribute may be of a type created here).
  for (const key of [...creates, ...recreates, ...attributeChanges].sort((a, b) => wantedGraph.depth(a) - wantedGraph.depth(b) || compare(a, b))) {
    const to = wanted.get(key)!;
    const changed = altered.get(key);
    if (swapped.has(key)) out.push({ kind: 'replaceType', from: live.get(key)!, to, usedBy: columnsOfType(current, live.get(key)!.name) });
    else if (changed !== undefined) {
      const usedBy = holders.of(key);
      out.push({ kind: 'alterObject', from: live.get(key)!, to, changed, ...(usedBy.length > 0 && { usedBy }) });
    } else {
      out.push({ kind: 'createObject', object: to, phase: wantedGraph.phase(key), ...(recreates.has(key) && { recreate: true as const }) });
    }
  }
  return out;
}

/**
 * The objects on a table an override took out of management (its triggers and policies), and
 * those that need one, directly or through another such object (a view over a view of it): left
 * as they are, like the table.
 */
export function onExcludedTables(objects: readonly DefinedObjectModel[], excluded: Exclusions): DefinedObjectModel[] {
  if (excluded.tables.length === 0) return [];
  const out = new Set(excluded.tables.map(tableKey));
  const found = new Set<DefinedObjectModel>();
  for (let grew = true; grew; ) {
    grew = false;
    for (const object of objects) {
      if (found.has(object)) continue;
      const onTable = object.table !== undefined && out.has(tableKey(object.table));
      if (onTable || (object.dependsOn ?? []).some((key) => out.has(key))) {
        found.add(object);
        out.add(objectKey(object));
        grew = true;
      }
    }
  }
  return objects.filter((o) => found.has(o));
}

/** The tables named, and every partition under them. */
function partitionsUnder(schema: SchemaModel, tables: readonly string[]): string[] {
  const found = [...tables];
  for (let i = 0; i < found.length; i++) {
    for (const t of schema.tables) if (t.partitionOf?.table === found[i] && !found.includes(t.name)) found.push(t.name);
  }
  return found;
}

/** The objects in an order that creates each after what it depends on (dependency depth, then key). */
export function dependencyOrder(objects: readonly DefinedObjectModel[]): DefinedObjectModel[] {
  const byKey = new Map(objects.map((o) => [objectKey(o), o]));
  const graph = new Graph(byKey);
  return [...byKey.keys()].sort((a, b) => graph.depth(a) - graph.depth(b) || compare(a, b)).map((key) => byKey.get(key)!);
}

/** The properties that differ, when nothing else does and each can change in place. */
function inPlace(from: DefinedObjectModel, to: DefinedObjectModel): ObjectProperty[] | undefined {
  const changed: ObjectProperty[] = [];
  if ((from.comment ?? null) !== (to.comment ?? null)) changed.push('comment');
  if ((from.enabled ?? null) !== (to.enabled ?? null)) changed.push('enabled');
  if ((from.statisticsTarget ?? null) !== (to.statisticsTarget ?? null)) changed.push('statisticsTarget');
  if (!deepEqual(from.indexes ?? [], to.indexes ?? [])) changed.push('indexes');
  const domainChanged = from.domain !== undefined && to.domain !== undefined && !deepEqual(from.domain, to.domain);
  if (domainChanged) {
    // The base type is where the column values live: it cannot change in place.
    if (from.domain!.type !== to.domain!.type) return undefined;
    changed.push('domain');
  }
  const attributesChanged = from.attributes !== undefined && to.attributes !== undefined && !deepEqual(from.attributes, to.attributes);
  if (attributesChanged) {
    if (!attributesInPlace(from.attributes!, to.attributes!)) return undefined;
    changed.push('attributes');
  }
  // After the attributes: a comment may be on one they add.
  if (!deepEqual(from.columnComments ?? {}, to.columnComments ?? {})) changed.push('columnComments');
  const rest = (o: DefinedObjectModel): unknown => {
    const { comment: _c, columnComments: _cc, enabled: _e, statisticsTarget: _t, indexes: _i, dependsOn: _d, ...others } = o;
    if (!domainChanged && !attributesChanged) return others;
    const { definition: _def, domain: _dom, attributes: _attr, ...parts } = others;
    return parts;
  };
  return changed.length > 0 && deepEqual(rest(from), rest(to)) ? changed : undefined;
}

/**
 * Whether ALTER TYPE can turn one attribute list into the other: the attributes both have keep
 * their order, and the new ones come after them (ADD ATTRIBUTE appends). Dropping an attribute,
 * and retyping one no table column holds, happen in place.
 */
function attributesInPlace(from: readonly CompositeAttribute[], to: readonly CompositeAttribute[]): boolean {
  const was = new Set(from.map((a) => a.name));
  const stays = new Set(to.map((a) => a.name));
  const kept = from.filter((a) => stays.has(a.name)).map((a) => a.name);
  const names = to.map((a) => a.name);
  return kept.every((name, i) => names[i] === name) && names.slice(kept.length).every((name) => !was.has(name));
}

/** Whether an attribute both lists have changes its type (or collation). */
function retyped(from: DefinedObjectModel, to: DefinedObjectModel): boolean {
  const types = new Map((from.attributes ?? []).map((a) => [a.name, a.type]));
  return (to.attributes ?? []).some((a) => types.has(a.name) && types.get(a.name) !== a.type);
}

/**
 * Who uses a routine: objects that depend on it, and a table's indexes, checks, defaults and
 * generated columns whose expressions call it by name (the server records those uses, but the
 * model keeps only their text: a name followed by `(` is how a call reads).
 */
function usersOf(routine: DefinedObjectModel, graph: Graph, schema: SchemaModel): string[] {
  const users = [...graph.dependantsOf(objectKey(routine))];
  const name = routineName(routine.name);
  const bare = /^[a-z_][a-z0-9_$]*$/.test(name) ? escape(name) : undefined;
  const quoted = escape('"' + name.replaceAll('"', '""') + '"');
  const call = new RegExp(`(?:^|[^A-Za-z0-9_$."])(?:${bare !== undefined ? `${bare}|` : ''}${quoted})\\s*\\(`);
  const calls = (text: string | undefined): boolean => text !== undefined && call.test(text);
  for (const table of schema.tables) {
    for (const index of table.indexes) {
      if (calls(index.where) || index.keys.some((k) => calls(k.expression))) users.push(`index ${table.name}.${index.name}`);
    }
    for (const check of table.checks) if (calls(check.expression)) users.push(`check ${table.name}.${check.name}`);
    for (const column of table.columns) {
      if (calls(column.default) || calls(column.generated)) users.push(`column ${table.name}.${column.name}`);
    }
  }
  return users;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The table columns that hold values of a domain or composite type (`table.column`): its own, and
 * those of the domains and composite types built on it, as PostgreSQL looks for them before it
 * retypes an attribute (find_composite_type_dependencies).
 */
class ColumnHolders {
  readonly #found = new Map<string, string[]>();

  constructor(
    private readonly schema: SchemaModel,
    private readonly objects: ReadonlyMap<string, DefinedObjectModel>,
    private readonly graph: Graph,
  ) {}

  of(key: string, visiting: Set<string> = new Set()): string[] {
    const known = this.#found.get(key);
    if (known !== undefined) return known;
    const object = this.objects.get(key);
    if (object === undefined || !typeKinds.has(object.kind) || visiting.has(key)) return [];
    visiting.add(key);
    const found = columnsOfType(this.schema, object.name).map((use) => `${use.table}.${use.column}`);
    for (const dependant of this.graph.dependantsOf(key)) found.push(...this.of(dependant, visiting));
    visiting.delete(key);
    const unique = [...new Set(found)].sort(compare);
    this.#found.set(key, unique);
    return unique;
  }
}

/** The dependencies among one model's objects. */
class Graph {
  readonly #dependants = new Map<string, string[]>();
  readonly #depth = new Map<string, number>();
  readonly #phase = new Map<string, ObjectPhase>();

  constructor(private readonly objects: ReadonlyMap<string, DefinedObjectModel>) {
    for (const [key, object] of objects) {
      for (const needed of object.dependsOn ?? []) {
        let list = this.#dependants.get(needed);
        if (list === undefined) this.#dependants.set(needed, (list = []));
        list.push(key);
      }
    }
    for (const list of this.#dependants.values()) list.sort(compare);
  }

  /** Objects that depend on the key (an object's or a table's) directly. */
  dependantsOf(key: string): string[] {
    return this.#dependants.get(key) ?? [];
  }

  /** The longest chain of the object's dependencies among the model's objects: 0 for none. */
  depth(key: string, visiting: Set<string> = new Set()): number {
    const known = this.#depth.get(key);
    if (known !== undefined) return known;
    if (visiting.has(key)) return 0;
    visiting.add(key);
    let depth = 0;
    for (const needed of this.objects.get(key)?.dependsOn ?? []) {
      if (this.objects.has(needed)) depth = Math.max(depth, this.depth(needed, visiting) + 1);
    }
    visiting.delete(key);
    this.#depth.set(key, depth);
    return depth;
  }

  /** After the tables when it is of such a kind, or needs a table or an object that comes after them. */
  phase(key: string, visiting: Set<string> = new Set()): ObjectPhase {
    const known = this.#phase.get(key);
    if (known !== undefined) return known;
    const object = this.objects.get(key);
    let phase: ObjectPhase = 'before tables';
    if (object !== undefined && !visiting.has(key)) {
      visiting.add(key);
      if (afterTableKinds.has(object.kind)) phase = 'after tables';
      for (const needed of object.dependsOn ?? []) {
        if (needed.startsWith('table:') || (this.objects.has(needed) && this.phase(needed, visiting) === 'after tables')) phase = 'after tables';
      }
      visiting.delete(key);
    }
    this.#phase.set(key, phase);
    return phase;
  }
}
