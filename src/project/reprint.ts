// The desired schema is a fixed point: what the server prints for it, run again, prints the same
// (see compile-desired.ts). Building the printed schema again from nothing costs a whole compile
// per round, most of it the fsync PostgreSQL makes for every index it builds. But a round only
// needs to run again the text the server prints from an expression tree, which may parse back to
// another tree: the defaults, checks, index keys and predicates, exclusion constraints, and the
// definitions of views, routines, triggers, policies, rules, extended statistics and domains.
// The rest prints from the catalog's own fields (names, column types as format_type spells them,
// keys by column, sequence options, a partition bound's literals, an aggregate's parts, a
// composite type's attributes). So a round runs that text again where it stands, in the schema
// compiled before, as the planner changes a tenant: a check is dropped and added, a default set,
// an index dropped and built, a view created again, a routine replaced.
import type { ChangeKind } from '../diff/changes.js';
import { diffSchemas } from '../diff/diff-schemas.js';
import type { CompileRound } from '../engines/types.js';
import { compareNames } from '../model/fingerprint.js';
import { canonicalJson } from '../model/canonical-json.js';
import { objectKey } from '../model/object-key.js';
import type { DefinedObjectKind, DefinedObjectModel, SchemaModel, TableModel } from '../model/types.js';
import { orderChanges } from '../plan/order-changes.js';

/** Object kinds whose definition is printed from a tree (and so may read back as another). */
const printedKinds: ReadonlySet<DefinedObjectKind> = new Set<DefinedObjectKind>([
  'view',
  'materialized view',
  'function',
  'procedure',
  'trigger',
  'policy',
  'rule',
  'statistics',
  'domain',
]);

/** Appended to a text so the diff sees it changed; a comment, so it still parses where it is read. */
const MARK = ' /* reprint */';

/**
 * Whether the rounds can run in place. A generated column cannot take a new expression in place
 * (PostgreSQL 15 can only drop it), and dropping and adding it would move it to the end.
 */
export function reprintable(schema: SchemaModel): boolean {
  return schema.tables.every((t) => t.columns.every((c) => c.generated === undefined) && !keyHasExpression(t.partitionBy));
}

/**
 * A partition key with an expression (`RANGE ((lower(name)))`, as pg_get_partkeydef prints it)
 * is printed from a tree too, and cannot change in place.
 */
function keyHasExpression(partitionBy: string | undefined): boolean {
  if (partitionBy === undefined) return false;
  const open = partitionBy.indexOf('(');
  return open >= 0 && partitionBy.slice(open + 1, -1).includes('(');
}

/**
 * The changes that run the printed text of `schema` again where it stands: what prints otherwise
 * than in `previous` (the schema read the round before, or the model the first round was built
 * from); the rest ran from the same text already. Undefined when there is nothing to run. When
 * they change only tables' checks, defaults and indexes, only those tables need reading back.
 */
export function reprintRound(schema: SchemaModel, previous: SchemaModel): CompileRound | undefined {
  const before = new Texts(previous);
  const marked = (key: string, text: string | undefined): string | undefined =>
    text !== undefined && before.get(key) !== text ? text + MARK : text;
  const from: SchemaModel = {
    ...schema,
    tables: schema.tables.map((table) => markTable(table, marked)),
    ...(schema.objects !== undefined && { objects: schema.objects.map((object) => markObject(object, marked)) }),
  };
  const changes = orderChanges(diffSchemas({ current: from, desired: schema }));
  if (changes.length === 0) return undefined;
  if (!changes.every((c) => onTableAlone.has(c.kind) && (c.kind !== 'alterColumn' || c.changed.every((p) => p === 'default')))) return { changes };
  const tables = [...new Set(changes.map((c) => ('table' in c && typeof c.table === 'string' ? c.table : '')))].sort(compareNames);
  return { changes, scope: { tables, enums: false, sequences: false } };
}

/** Changes whose effect stays on the table they name. */
const onTableAlone: ReadonlySet<ChangeKind> = new Set<ChangeKind>([
  'alterColumn',
  'dropCheck',
  'addCheck',
  'validateConstraint',
  'dropIndex',
  'addIndex',
  'dropExclusion',
  'addExclusion',
]);

/** Whether two reads differ only in printed text (and what that text makes them depend on). */
export function sameApartFromText(a: SchemaModel, b: SchemaModel): boolean {
  return canonicalJson(withoutText(a)) === canonicalJson(withoutText(b));
}

function withoutText(schema: SchemaModel): SchemaModel {
  const blank = (): string => '';
  return {
    ...schema,
    tables: schema.tables.map((table) => markTable(table, (_key, text) => (text === undefined ? undefined : blank()))),
    ...(schema.objects !== undefined && {
      objects: schema.objects.map((object) => {
        const { dependsOn: _d, ...rest } = markObject(object, (_key, text) => (text === undefined ? undefined : blank()));
        return rest;
      }),
    }),
  };
}

type Mark = (key: string, text: string | undefined) => string | undefined;

function markTable(table: TableModel, mark: Mark): TableModel {
  const at = (what: string, name: string): string => `${table.name} ${what} ${name}`;
  return {
    ...table,
    columns: table.columns.map((column) => {
      const text = mark(at('default', column.name), column.default);
      return text === column.default ? column : { ...column, default: text! };
    }),
    checks: table.checks.map((check) => ({ ...check, expression: mark(at('check', check.name), check.expression)! })),
    indexes: table.indexes.map((index) => {
      const printed = index.where !== undefined || index.keys.some((k) => k.expression !== undefined);
      if (!printed) return index;
      const where = mark(at('index where', index.name), index.where);
      const keys = index.keys.map((key, i) =>
        key.expression === undefined ? key : { ...key, expression: mark(at(`index key ${i}`, index.name), key.expression)! },
      );
      return { ...index, keys, ...(where !== undefined && { where }) };
    }),
    ...(table.exclusions !== undefined && {
      exclusions: table.exclusions.map((exclusion) => ({ ...exclusion, definition: mark(at('exclusion', exclusion.name), exclusion.definition)! })),
    }),
  };
}

function markObject(object: DefinedObjectModel, mark: Mark): DefinedObjectModel {
  if (!printedKinds.has(object.kind)) return object;
  const key = objectKey(object);
  if (object.domain === undefined) return { ...object, definition: mark(key, object.definition)! };
  // A domain is altered in place (ALTER DOMAIN) when only its parts differ, not dropped from
  // under the columns that use it; one with no default or check prints nothing from a tree.
  const domain = object.domain;
  if (domain.default === undefined && domain.checks.length === 0) return object;
  const definition = mark(key, object.definition)!;
  const defaultText = mark(`${key} default`, domain.default);
  return {
    ...object,
    definition,
    domain: {
      ...domain,
      ...(defaultText !== undefined && { default: defaultText }),
      checks: domain.checks.map((check) => ({ ...check, definition: mark(`${key} check ${check.name}`, check.definition)! })),
    },
  };
}

/** Every printed text of a schema, by the keys markTable and markObject give them. */
class Texts {
  readonly #texts = new Map<string, string>();

  constructor(schema: SchemaModel) {
    const record: Mark = (key, text) => {
      if (text !== undefined) this.#texts.set(key, text);
      return text;
    };
    for (const table of schema.tables) markTable(table, record);
    for (const object of schema.objects ?? []) markObject(object, record);
  }

  get(key: string): string | undefined {
    return this.#texts.get(key);
  }
}
