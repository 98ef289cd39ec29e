// The statements of `sql:` (or of a whole SQL manifest) made ready for a compile in a scratch
// database. MySQL commits every DDL statement as it runs, so nothing a compile does can be rolled
// back: a statement runs only if it can change nothing but the scratch database. Schema
// statements (CREATE, ALTER, DROP of tables, views, triggers, routines, events, indexes) whose own
// object names no other database, and session SETs, are accepted; anything else (data changes,
// GRANT, SET GLOBAL, a USE of another database, a name qualified with another database) is
// refused with its file and line.
import type { CompileFailure } from '../types.js';
import type { SqlSource } from '../../model/desired.js';
import { isWord, splitStatements, type Token } from './sql-tokens.js';

export interface CompileStatement {
  readonly text: string;
  readonly file: string;
  /** Line of the file on which the statement begins. */
  readonly line: number;
}

/** What a CREATE, ALTER or DROP may make, and where its name follows. */
const OBJECT_KINDS = new Set(['TABLE', 'VIEW', 'TRIGGER', 'PROCEDURE', 'FUNCTION', 'EVENT', 'INDEX', 'SEQUENCE']);
const DATABASE_WORDS = new Set(['DATABASE', 'SCHEMA']);
/** Session variables a compile's SQL may not set: they bound its own waits (invariant 9). */
const BOUND_VARIABLES = new Set(['lock_wait_timeout', 'max_statement_time', 'max_execution_time']);

/** Thrown as a value (never an Error) by the vetting below: the caller returns it as the compile's outcome. */
function refuse(message: string, source: { file: string; line: number }): CompileFailure {
  return { message, source };
}

/**
 * The statements of the sources, in order, or the first refusal. With `wholeSchema`, the
 * database the file creates and uses (`CREATE SCHEMA sakila; USE sakila;`, as a dump begins) is
 * taken out: those statements are skipped and `sakila.` is dropped from the names it qualifies.
 */
export function compileStatements(sources: readonly SqlSource[]): CompileStatement[] | CompileFailure {
  const out: CompileStatement[] = [];
  for (const source of sources) {
    const whole = source.wholeSchema !== undefined;
    let dumped = source.wholeSchema?.schema;
    for (const statement of splitStatements(source.text)) {
      const where = { file: source.file, line: source.line + statement.line - 1 };
      const tokens = statement.tokens;
      const first = tokens[0]!.text.toUpperCase();
      const second = tokens[1]?.text.toUpperCase();
      // CREATE/DROP DATABASE and USE: a dump's way to say where it goes; only of a whole schema, and of one database.
      const database = first === 'USE' ? tokens[1] : (first === 'CREATE' || first === 'DROP') && second !== undefined && DATABASE_WORDS.has(second) ? nameAfterIfExists(tokens, 2) : undefined;
      if (database !== undefined) {
        if (!whole) return refuse(`${first} ${first === 'USE' ? '' : second + ' '}is not allowed in sql: the desired schema is compiled in a scratch database of its own`, where);
        if (dumped !== undefined && dumped !== database.text) return refuse(`the SQL names two databases, ${dumped} and ${database.text}: a desired schema is one database`, where);
        dumped = database.text;
        continue;
      }
      const problem = vet(tokens, dumped);
      if (problem !== undefined) return refuse(problem, where);
      out.push({ text: dumped === undefined ? statement.text : unqualify(statement.text, tokens, dumped), file: source.file, line: where.line });
    }
  }
  return out;
}

/** The name token after position `at`, past an IF [NOT] EXISTS. */
function nameAfterIfExists(tokens: readonly Token[], at: number): Token | undefined {
  let i = at;
  if (isWord(tokens[i], 'IF')) i += isWord(tokens[i + 1], 'NOT') ? 3 : 2;
  return tokens[i];
}

/** Why a statement may not run in a compile, or undefined when it may. */
function vet(tokens: readonly Token[], dumped: string | undefined): string | undefined {
  const first = tokens[0]!.text.toUpperCase();
  if (first === 'SET') return vetSet(tokens);
  if (first !== 'CREATE' && first !== 'ALTER' && first !== 'DROP' && first !== 'RENAME') {
    return `only schema statements (CREATE, ALTER, DROP) and session SETs run in a compile, not ${first}`;
  }
  if (first === 'RENAME') return qualifiedNames(tokens, 2, dumped);
  // Past what may stand before the object's kind: OR REPLACE, ALGORITHM = ..., DEFINER = `u`@`h`,
  // SQL SECURITY ..., UNIQUE, ONLINE, IGNORE. A quoted name is never the kind.
  let i = 1;
  while (i < Math.min(tokens.length, 16) && !(tokens[i]!.kind === 'word' && (OBJECT_KINDS.has(tokens[i]!.text.toUpperCase()) || isWord(tokens[i], 'TEMPORARY')))) i++;
  if (isWord(tokens[i], 'TEMPORARY')) return 'a TEMPORARY table does not outlive its session: it is no part of a schema';
  const kind = tokens[i]?.text.toUpperCase();
  if (tokens[i]?.kind !== 'word' || kind === undefined || !OBJECT_KINDS.has(kind)) {
    return `${first} ${tokens[i]?.text ?? ''} is not a schema statement a compile runs (tables, views, triggers, routines, events, indexes)`;
  }
  const name = nameAt(tokens, kind === 'INDEX' ? indexTableAt(tokens, i) : skipIfExists(tokens, i + 1));
  if (name?.qualifier !== undefined && name.qualifier !== dumped) return `${first} ${kind} ${name.qualifier}.${name.name} names another database`;
  if (first === 'DROP' && (kind === 'TABLE' || kind === 'VIEW')) return qualifiedNames(tokens, skipIfExists(tokens, i + 1), dumped);
  if (first === 'CREATE' && kind === 'EVENT' && !tokens.some((t) => isWord(t, 'DISABLE'))) {
    // The scheduler would run it, as its definer, for as long as the scratch database exists.
    return 'an enabled event would run on the server during the compile: declare it DISABLE, or leave events out of the desired schema (they are not managed yet)';
  }
  // A foreign key into another database, an ALTER TABLE ... RENAME TO other.t that moves the
  // table out, an EXCHANGE PARTITION ... WITH TABLE other.t that swaps data with one.
  for (let j = i + 1; j < tokens.length; j++) {
    if (isWord(tokens[j], 'TABLE')) {
      const other = nameAt(tokens, skipIfExists(tokens, j + 1));
      if (other?.qualifier !== undefined && other.qualifier !== dumped) return `TABLE ${other.qualifier}.${other.name} names another database`;
    }
    if (isWord(tokens[j], 'REFERENCES') || (isWord(tokens[j], 'RENAME') && first === 'ALTER') || (kind === 'TRIGGER' && isWord(tokens[j], 'ON'))) {
      const at = isWord(tokens[j + 1], 'TO') || isWord(tokens[j + 1], 'AS') ? j + 2 : j + 1;
      const target = nameAt(tokens, at);
      if (target?.qualifier !== undefined && target.qualifier !== dumped) return `${tokens[j]!.text.toUpperCase()} ${target.qualifier}.${target.name} names another database`;
      if (kind === 'TRIGGER') break;
    }
  }
  return undefined;
}

function skipIfExists(tokens: readonly Token[], at: number): number {
  if (!isWord(tokens[at], 'IF')) return at;
  return isWord(tokens[at + 1], 'NOT') ? at + 3 : at + 2;
}

/** CREATE INDEX x ON t / DROP INDEX x ON t: the table's position. */
function indexTableAt(tokens: readonly Token[], at: number): number {
  for (let j = at; j < tokens.length; j++) if (isWord(tokens[j], 'ON')) return j + 1;
  return tokens.length;
}

/** A possibly qualified name at `at`: `a`, `a`.`b`, a.b. */
function nameAt(tokens: readonly Token[], at: number): { qualifier?: string; name: string } | undefined {
  const a = tokens[at];
  if (!a || (a.kind !== 'word' && a.kind !== 'ident')) return undefined;
  const dot = tokens[at + 1];
  const b = tokens[at + 2];
  if (dot?.text === '.' && dot.start === a.end && b && (b.kind === 'word' || b.kind === 'ident')) return { qualifier: a.text, name: b.text };
  return { name: a.text };
}

/** Every name of a comma list (DROP TABLE a, b; RENAME TABLE a TO b, c TO d) must be in the scratch database. */
function qualifiedNames(tokens: readonly Token[], from: number, dumped: string | undefined): string | undefined {
  for (let j = from; j < tokens.length; j++) {
    const name = nameAt(tokens, j);
    if (name?.qualifier !== undefined && name.qualifier !== dumped) return `${name.qualifier}.${name.name} names another database`;
    if (name?.qualifier !== undefined) j += 2;
  }
  return undefined;
}

/** A session SET only: never GLOBAL or PERSIST, never a password or our own bounds. */
function vetSet(tokens: readonly Token[]): string | undefined {
  for (const token of tokens.slice(1)) {
    const word = token.text.toUpperCase();
    if (token.kind === 'word' && ['GLOBAL', 'PERSIST', 'PERSIST_ONLY', 'PASSWORD', 'STATEMENT', 'ROLE', 'DEFAULT'].includes(word) && token === tokens[1]) {
      return `SET ${word} changes more than the compile's session`;
    }
    if (token.kind === 'variable' && /^@@(global|persist|persist_only)\./i.test(token.text)) return `SET ${token.text} changes the server, not the compile's session`;
    const variable = token.kind === 'variable' ? token.text.replace(/^@@(session\.|local\.)?/i, '').toLowerCase() : token.kind === 'word' ? token.text.toLowerCase() : '';
    if (BOUND_VARIABLES.has(variable)) return `SET ${variable} is schema-sync's own bound on the compile (invariant 9)`;
  }
  return undefined;
}

/** The statement with every `dumped.` qualifier taken out. */
function unqualify(text: string, tokens: readonly Token[], dumped: string): string {
  let out = '';
  let at = 0;
  for (let j = 0; j + 1 < tokens.length; j++) {
    const a = tokens[j]!;
    const dot = tokens[j + 1]!;
    const b = tokens[j + 2];
    if ((a.kind === 'word' || a.kind === 'ident') && a.text === dumped && dot.text === '.' && dot.start === a.end && b && (b.kind === 'word' || b.kind === 'ident') && b.start === dot.end) {
      out += text.slice(at, a.start);
      at = dot.end;
    }
  }
  return out + text.slice(at);
}
