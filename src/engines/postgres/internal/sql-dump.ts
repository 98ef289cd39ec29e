// A whole schema written as SQL (a `pg_dump --schema-only`, a Rails structure.sql) made into the
// statements of a tenant-neutral desired schema. A dump holds more than the schema's objects: the
// session settings pg_dump starts with, psql's meta-commands, owners, grants, the CREATE SCHEMA of
// its own schema, extensions (which exist once per database). And it names every object with the
// schema it was dumped from (`public.film`), which must become each tenant's. The qualifier is cut
// out of the text at the places PostgreSQL's own lexer and parser show, and the cut is proved by
// parsing the result again: its tree must be the original's with that schema taken out, else the
// statement is refused. Function bodies are the user's text and are left as written.
import type { ParseSync } from './parser.js';
import { quoteIdent, quoteLiteral } from './connect.js';
import { sqlTokens, type SqlToken } from './sql-tokens.js';

type Node = Record<string, unknown>;

/** What to do with one statement of a dump. */
export type DumpVerdict =
  | { readonly action: 'keep' }
  | { readonly action: 'skip' }
  | { readonly action: 'refuse'; readonly reason: string }
  | { readonly action: 'extension'; readonly name: string; readonly schema?: string }
  /** A GRANT or REVOKE on the dumped schema itself: the same, on the schema it is compiled in. */
  | { readonly action: 'schema grant' };

/** Tables Rails fills with rows in structure.sql: its own bookkeeping, data and not schema. */
const RAILS_BOOKKEEPING = new Set(['schema_migrations', 'ar_internal_metadata']);

/** Statements that set up a session or a role, never an object of the schema. */
const SESSION_OR_ROLE = new Set(['VariableSetStmt', 'AlterOwnerStmt', 'GrantRoleStmt', 'AlterDefaultPrivilegesStmt']);

/** What GRANT may be on besides a schema's own objects (the database, a language, ...): never a tenant's. */
const OBJECTS_OF_EVERY_TENANT = new Set(['OBJECT_DATABASE', 'OBJECT_LANGUAGE', 'OBJECT_FDW', 'OBJECT_FOREIGN_SERVER', 'OBJECT_LARGEOBJECT', 'OBJECT_TABLESPACE', 'OBJECT_PARAMETER_ACL']);

/**
 * A dump's GRANT or REVOKE: kept where grants are compared and it is on the dumped schema or
 * its objects, else skipped (grants on other schemas, such as pg_dump's on public).
 */
function grantVerdict(node: Node, schema: string | undefined, grants: GrantSettings): DumpVerdict {
  if (!grants.compared) return { action: 'skip' };
  const objtype = node.objtype as string | undefined;
  if (node.targtype !== 'ACL_TARGET_OBJECT') return { action: 'refuse', reason: 'a grant on all objects of a kind in a schema: grant on each object' };
  if (objtype === undefined || OBJECTS_OF_EVERY_TENANT.has(objtype)) return { action: 'skip' };
  const objects = (node.objects as Node[] | undefined) ?? [];
  if (objtype === 'OBJECT_SCHEMA') {
    const names = objects.map(stringValue);
    // Tenant-neutral SQL (inspect -o x.sql) names the schema with the tenant's mark, which the
    // compile has replaced with its own schema's name by now.
    if (names.length === 1 && names[0] === grants.compiledIn) return { action: 'keep' };
    if (schema === undefined) return { action: 'skip' };
    if (names.length === 1 && names[0] === schema) return { action: 'schema grant' };
    if (names.includes(schema)) return { action: 'refuse', reason: `it grants on ${schema} and other schemas at once: grant on ${schema} alone` };
    return { action: 'skip' };
  }
  // Unqualified, in tenant-neutral SQL: on the tenant's own objects.
  if (schema === undefined) return { action: 'keep' };
  return JSON.stringify(objects).includes(JSON.stringify(schema)) ? { action: 'keep' } : { action: 'skip' };
}

/** Whether grants are compared, and the schema a desired schema is compiled in. */
export interface GrantSettings {
  readonly compared: boolean;
  readonly compiledIn?: string;
}

/**
 * `GRANT ... ON SCHEMA <schema> ...` with the schema's name replaced, at the token the lexer
 * shows, by `replacement` (another schema's quoted name, or the tenant's mark).
 */
export function schemaGrantStatement(statement: string, schema: string, replacement: string): string {
  const tokens = [...sqlTokens(statement)].filter((t) => t.kind !== 'comment');
  const at = tokens.findIndex((t, i) => i > 0 && identifierValue(statement, t) === schema && /^schema$/i.test(statement.slice(tokens[i - 1]!.start, tokens[i - 1]!.end)));
  if (at < 0) throw new Error(`no schema ${schema} in the grant`);
  const token = tokens[at]!;
  return statement.slice(0, token.start) + replacement + statement.slice(token.end);
}

function stringValue(node: unknown): string | undefined {
  return (node as { String?: { sval?: string } } | undefined)?.String?.sval;
}

/**
 * Sorts one statement of a dump: session settings and owners are skipped (schema-sync manages
 * objects, not roles), and so are grants unless they are compared (`grants`); `CREATE SCHEMA` of the dumped schema is skipped (each tenant's
 * schema exists already); an extension is checked on the server, never created in a tenant.
 */
export function dumpVerdict(kind: string, node: Node, schema: string | undefined, grants: GrantSettings = { compared: false }): DumpVerdict {
  if (SESSION_OR_ROLE.has(kind)) return { action: 'skip' };
  if (kind === 'GrantStmt') return grantVerdict(node, schema, grants);
  if (kind === 'AlterTableStmt') {
    const cmds = (node.cmds as { AlterTableCmd?: { subtype?: string } }[] | undefined) ?? [];
    if (cmds.length > 0 && cmds.every((c) => c.AlterTableCmd?.subtype === 'AT_ChangeOwner')) return { action: 'skip' };
  }
  if (kind === 'SelectStmt') {
    // pg_dump's `SELECT pg_catalog.set_config('search_path', '', false);`
    const targets = (node.targetList as { ResTarget?: { val?: { FuncCall?: { funcname?: unknown[] } } } }[] | undefined) ?? [];
    const names = targets.length === 1 ? (targets[0]?.ResTarget?.val?.FuncCall?.funcname ?? []).map(stringValue) : [];
    const only = Object.keys(node).every((key) => ['targetList', 'limitOption', 'op'].includes(key));
    if (only && names.at(-1) === 'set_config' && (names.length === 1 || names[0] === 'pg_catalog')) return { action: 'skip' };
    return { action: 'refuse', reason: 'a query is not part of a schema' };
  }
  if (kind === 'CreateSchemaStmt') {
    const name = node.schemaname as string | undefined;
    if (name !== undefined && name === schema && !node.schemaElts) return { action: 'skip' };
    return { action: 'refuse', reason: `it creates a schema${name ? ` (${name})` : ''}: a tenant is one schema, and the file must describe only the schema it dumps${schema ? ` (${schema})` : ''}` };
  }
  if (kind === 'CommentStmt') {
    const objtype = node.objtype as string | undefined;
    if (objtype === 'OBJECT_EXTENSION') return { action: 'skip' };
    if (objtype === 'OBJECT_SCHEMA') return { action: 'skip' };
  }
  if (kind === 'CreateExtensionStmt') {
    const options = (node.options as { DefElem?: { defname?: string; arg?: unknown } }[] | undefined) ?? [];
    const at = options.find((o) => o.DefElem?.defname === 'schema');
    const where = at ? stringValue(at.DefElem?.arg) : undefined;
    return { action: 'extension', name: node.extname as string, ...(where !== undefined ? { schema: where } : {}) };
  }
  if (kind === 'InsertStmt') {
    const relation = node.relation as { relname?: string } | undefined;
    if (relation?.relname !== undefined && RAILS_BOOKKEEPING.has(relation.relname)) return { action: 'skip' };
    return { action: 'refuse', reason: 'it inserts rows: a desired schema holds no data' };
  }
  return { action: 'keep' };
}

/**
 * The text with psql's meta-commands (`\restrict KEY`, `\connect`, ...: lines that start with a
 * backslash outside any quote) blanked out, so that the parser reads the rest and every offset
 * and line stays where it was.
 */
export function withoutMetaCommands(text: string): string {
  const quoted: [number, number][] = [];
  for (const token of sqlTokens(text)) {
    if (token.kind !== 'identifier' && token.kind !== 'other' && token.kind !== 'number' && token.kind !== 'parameter') quoted.push([token.start, token.end]);
  }
  const inside = (at: number): boolean => quoted.some(([start, end]) => start < at && at < end);
  let out = '';
  let at = 0;
  for (const line of text.split('\n')) {
    const lead = line.length - line.trimStart().length;
    out += line.trimStart().startsWith('\\') && !inside(at + lead) ? ' '.repeat(line.length) : line;
    out += '\n';
    at += line.length + 1;
  }
  return out.slice(0, -1);
}

/** The value of an identifier token: folded to lower case unless quoted. */
function identifierValue(text: string, token: SqlToken): string | undefined {
  const raw = text.slice(token.start, token.end);
  if (token.kind === 'quoted-identifier') return raw.slice(1, -1).replaceAll('""', '"');
  if (token.kind === 'identifier') return raw.replace(/[A-Z]/g, (c) => c.toLowerCase());
  return undefined;
}

/** `schema.rest` as the server reads a qualified name in a string: rest, when the first part is `schema`. */
function unqualifiedName(name: string, schema: string): string | undefined {
  const tokens = [...sqlTokens(name)];
  const first = tokens[0];
  const dot = tokens[1];
  if (!first || !dot || name.slice(dot.start, dot.end) !== '.' || !tokens[2]) return undefined;
  return identifierValue(name, first) === schema ? name.slice(tokens[2].start) : undefined;
}

/** The value of the first identifier of a name written in a string (`"Foo"(int)` -> Foo). */
function firstName(text: string): string | undefined {
  const first = sqlTokens(text).next().value as SqlToken | undefined;
  return first ? identifierValue(text, first) : undefined;
}

/** Casts whose string names an object, resolved when the expression is built (early-bound). */
const OBJECT_REFERENCE_TYPES = new Set(['regclass', 'regtype', 'regproc', 'regprocedure', 'regoper', 'regoperator', 'regconfig', 'regdictionary', 'regcollation']);

/** Name lists that may be qualified with a schema (the parser keeps them as lists of strings). */
const QUALIFIED_NAME_KEYS = new Set(['funcname', 'names', 'objname', 'defnames', 'domainname', 'typeName', 'collname', 'opclass', 'opfamilyname', 'items', 'name', 'conversion_name', 'fields']);

interface Rewrites {
  /** Byte offsets of string constants to replace, and their new value. */
  readonly constants: Map<number, string>;
  /** Names in the schema that belong to an extension installed there: they stay qualified. */
  readonly keep: ReadonlySet<string>;
}

/**
 * The tree as it should read once `schema` is taken out, without locations: RangeVars lose the
 * schema, qualified name lists their first part, object-reference casts their string's qualifier,
 * and a routine's `SET search_path` names `searchPath` where it named the schema. Records the
 * string constants the text must change to match.
 */
function expectedTree(value: unknown, schema: string, searchPath: string, rewrites: Rewrites, key = ''): unknown {
  if (Array.isArray(value)) {
    const names = value.map(stringValue);
    const qualified =
      QUALIFIED_NAME_KEYS.has(key) &&
      value.length >= (key === 'fields' ? 3 : 2) &&
      names.every((n) => n !== undefined) &&
      names[0] === schema &&
      !rewrites.keep.has(names[1]!);
    return (qualified ? value.slice(1) : value).map((item) => expectedTree(item, schema, searchPath, rewrites));
  }
  if (value === null || typeof value !== 'object') return value;
  const node = value as Node;
  const out: Node = {};
  for (const [k, child] of Object.entries(node)) {
    if (k === 'location' || k === 'stmt_location' || k === 'stmt_len') continue;
    if (k === 'schemaname' && 'relname' in node && child === schema && !rewrites.keep.has(node.relname as string)) continue;
    out[k] = expectedTree(child, schema, searchPath, rewrites, k);
  }
  const cast = node.TypeCast as { arg?: { A_Const?: { sval?: { sval?: string }; location?: number } }; typeName?: { names?: unknown[] } } | undefined;
  const constant = cast?.arg?.A_Const;
  const castTo = stringValue(cast?.typeName?.names?.at(-1));
  if (constant?.sval?.sval !== undefined && castTo !== undefined && OBJECT_REFERENCE_TYPES.has(castTo) && constant.location !== undefined) {
    const rest = unqualifiedName(constant.sval.sval, schema);
    if (rest !== undefined && !rewrites.keep.has(firstName(rest) ?? rest)) {
      rewrites.constants.set(constant.location, quoteLiteral(rest));
      ((out.TypeCast as Node).arg as { A_Const: { sval: { sval: string } } }).A_Const.sval.sval = rest;
    }
  }
  const setting = node.VariableSetStmt as { name?: string; args?: { A_Const?: { sval?: { sval?: string }; location?: number } }[] } | undefined;
  if (setting?.name === 'search_path') {
    (setting.args ?? []).forEach((arg, i) => {
      if (arg.A_Const?.sval?.sval === schema && arg.A_Const.location !== undefined) {
        rewrites.constants.set(arg.A_Const.location, quoteIdent(searchPath));
        const args = (out.VariableSetStmt as { args: { A_Const: { sval: { sval: string } } }[] }).args;
        args[i]!.A_Const.sval.sval = searchPath;
      }
    });
  }
  return out;
}

function withoutLocations(value: unknown): unknown {
  return expectedTree(value, '\0', '\0', { constants: new Map(), keep: new Set() });
}

/** Characters of an operator's name (scan.l's op_chars). */
const OPERATOR_CHARS = /^[~!@#^&|`?+\-*/%<>=]+/;

/** Char index in `text` of a byte offset of its UTF-8 form. */
function charIndex(text: string, bytes: Buffer, offset: number): number {
  return bytes.subarray(0, offset).toString('utf8').length;
}

/**
 * One statement with `schema` taken out of every name that is qualified with it, but for the
 * names in `keep` (an extension's, installed in that schema, shared by every tenant), and a
 * routine's `SET search_path` naming `searchPath` instead. Throws the reason when the result would not mean
 * the same statement in the new schema.
 */
export function unqualifiedStatement(statement: string, schema: string, searchPath: string, parse: ParseSync, keep: ReadonlySet<string> = new Set()): string {
  const original = (parse(statement) as { stmts?: unknown[] }).stmts ?? [];
  const rewrites: Rewrites = { constants: new Map(), keep };
  const expected = expectedTree(original, schema, searchPath, rewrites);
  const bytes = Buffer.from(statement, 'utf8');
  const edits: { start: number; end: number; text: string }[] = [];
  for (const [offset, text] of rewrites.constants) {
    const start = charIndex(statement, bytes, offset);
    const token = sqlTokens(statement.slice(start)).next().value as SqlToken | undefined;
    if (!token) throw new Error(`no constant at offset ${offset}`);
    edits.push({ start, end: start + token.end, text });
  }
  const tokens = [...sqlTokens(statement)].filter((t) => t.kind !== 'comment');
  tokens.forEach((token, i) => {
    const dot = tokens[i + 1];
    const next = tokens[i + 2];
    const previous = tokens[i - 1];
    if (identifierValue(statement, token) !== schema || !dot || !next || statement.slice(dot.start, dot.end) !== '.') return;
    if (previous && statement.slice(previous.start, previous.end) === '.') return;
    const name = identifierValue(statement, next) ?? OPERATOR_CHARS.exec(statement.slice(next.start))?.[0];
    if (name !== undefined && keep.has(name)) return;
    edits.push({ start: token.start, end: next.start, text: '' });
  });
  edits.sort((a, b) => b.start - a.start);
  let result = statement;
  for (const edit of edits) result = result.slice(0, edit.start) + edit.text + result.slice(edit.end);
  let reparsed: unknown;
  try {
    reparsed = (parse(result) as { stmts?: unknown[] }).stmts ?? [];
  } catch {
    reparsed = undefined;
  }
  if (reparsed === undefined || JSON.stringify(withoutLocations(reparsed)) !== JSON.stringify(expected)) {
    throw new Error(
      `its names qualified with ${schema} could not be taken out safely (a table alias or column named ${schema}?): ` +
        `write this statement with its objects unqualified`,
    );
  }
  return result;
}
