import type { DefinedObjectModel } from './types.js';

/**
 * How one object names another in DefinedObjectModel.dependsOn: `kind:name`, with the table for
 * a trigger or policy (`trigger:film.film_ts`), and `table:name` for a table. Unique per schema,
 * since a routine's name carries its identity arguments.
 */
export function objectKey(object: Pick<DefinedObjectModel, 'kind' | 'name' | 'table'>): string {
  return object.table === undefined ? `${object.kind}:${object.name}` : `${object.kind}:${object.table}.${object.name}`;
}

export function tableKey(table: string): string {
  return `table:${table}`;
}

/** The name of a routine without its identity arguments: `f(integer, text)` -> `f`. */
export function routineName(name: string): string {
  const open = name.indexOf('(');
  return open < 0 ? name : name.slice(0, open);
}

/** The identity arguments of a routine's name: `f(integer, text)` -> `integer, text`. */
export function routineArguments(name: string): string {
  const open = name.indexOf('(');
  return open < 0 || !name.endsWith(')') ? '' : name.slice(open + 1, -1);
}
