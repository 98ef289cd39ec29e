import type { GrantObjectKind, GrantTarget } from './types.js';

/**
 * How a grant's object is written, in the manifest's `grants:` and in plans: `schema`,
 * `table film`, `column film.title`, `function f(integer)`, `materialized view totals`.
 */
export function grantTargetWords(on: GrantTarget): string {
  if (on.kind === 'schema') return 'schema';
  return on.column === undefined ? `${on.kind} ${on.name}` : `column ${on.name}.${on.column}`;
}

/** Longest first, so `materialized view` is not read as a view named `view ...`. */
const kinds: readonly GrantObjectKind[] = ['materialized view', 'composite type', 'procedure', 'aggregate', 'function', 'sequence', 'domain', 'table', 'view', 'enum'];

/**
 * The object grantTargetWords wrote, or a reason it is not one. A column's table is the longest
 * of `tables` its text starts with (a table's name may hold a dot), else the text before the first dot.
 */
export function parseGrantTarget(text: string, tables: ReadonlySet<string>): GrantTarget | string {
  if (text === 'schema') return { kind: 'schema', name: '' };
  if (text.startsWith('column ')) {
    const rest = text.slice('column '.length);
    const table = [...tables].filter((t) => rest.startsWith(`${t}.`) && rest.length > t.length + 1).sort((a, b) => b.length - a.length)[0];
    const dot = table === undefined ? rest.indexOf('.') : table.length;
    if (dot <= 0 || dot === rest.length - 1) return `expected 'column <table>.<column>', got '${text}'`;
    return { kind: 'table', name: rest.slice(0, dot), column: rest.slice(dot + 1) };
  }
  for (const kind of kinds) {
    if (text.startsWith(`${kind} `) && text.length > kind.length + 1) return { kind, name: text.slice(kind.length + 1) };
  }
  return `expected 'schema', or an object kind and name such as 'table orders', 'column orders.total', 'sequence orders_id_seq', 'view v', 'function f(integer)'; got '${text}'`;
}
