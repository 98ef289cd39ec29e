// SQL a manifest holds (`sql:`), cut into statements by PostgreSQL's own parser and sorted into
// those the tables may need (types, domains, functions) and the rest (views, triggers, policies,
// comments). Only statements that create or alter objects of the tenant pass: the compile runs
// them on a real server, and apply never runs them at all (it runs what the server printed back).
import type { CompileFailure } from '../../types.js';
import type { SqlSource } from '../../../model/desired.js';
import { quoteIdent } from './connect.js';
import { loadParser, type ParseSync } from './parser.js';
import { dumpVerdict, schemaGrantStatement, unqualifiedStatement, withoutMetaCommands } from './sql-dump.js';
import { tokenFrom } from './sql-tokens.js';

export interface SqlStatement {
  readonly text: string;
  readonly source: { readonly file: string; readonly line: number };
}

/** Statements that make something a table's column, default or check may use. */
const BEFORE_TABLES = new Set([
  'CreateDomainStmt',
  'CompositeTypeStmt',
  'CreateEnumStmt',
  'CreateRangeStmt',
  'DefineStmt',
  'CreateFunctionStmt',
  'AlterFunctionStmt',
]);

const AFTER_TABLES = new Set([
  'CreateStmt',
  'CreateSeqStmt',
  'AlterSeqStmt',
  'IndexStmt',
  'ViewStmt',
  'CreateTableAsStmt',
  'CreateTrigStmt',
  'CreatePolicyStmt',
  'AlterTableStmt',
  'CommentStmt',
  'RuleStmt',
  'CreateStatsStmt',
  'AlterStatsStmt',
  'AlterEnumStmt',
  'AlterDomainStmt',
]);

type Node = Record<string, unknown>;

/** Statements a whole schema's SQL may hold besides those above. */
const WHOLE_SCHEMA_ONLY = new Set<string>(['GrantStmt']);

/** The qualified name a statement gives the object it creates, if it qualifies it, and its schema. */
function qualifiedTarget(kind: string, node: Node): { schema: string; text: string } | undefined {
  const rangeVar = (value: unknown): { schema: string; text: string } | undefined => {
    const schema = (value as { schemaname?: string } | undefined)?.schemaname;
    return schema ? { schema, text: `${schema}.${(value as { relname?: string }).relname ?? ''}` } : undefined;
  };
  const nameList = (value: unknown): { schema: string; text: string } | undefined => {
    const parts = ((value as Node[] | undefined) ?? []).map((p) => (p as { String?: { sval?: string } }).String?.sval ?? '');
    return parts.length > 1 ? { schema: parts[parts.length - 2]!, text: parts.join('.') } : undefined;
  };
  switch (kind) {
    case 'CreateStmt':
    case 'IndexStmt':
    case 'CreateTrigStmt':
    case 'AlterTableStmt':
    case 'RuleStmt':
      return rangeVar(node.relation);
    case 'ViewStmt':
      return rangeVar(node.view);
    case 'CreateTableAsStmt':
      return rangeVar((node.into as Node | undefined)?.rel);
    case 'CreateSeqStmt':
    case 'AlterSeqStmt':
      return rangeVar(node.sequence);
    case 'CreatePolicyStmt':
      return rangeVar(node.table);
    case 'CompositeTypeStmt':
      return rangeVar(node.typevar);
    case 'CreateFunctionStmt':
      return nameList(node.funcname);
    case 'CreateDomainStmt':
      return nameList(node.domainname);
    case 'CreateEnumStmt':
    case 'CreateRangeStmt':
    case 'AlterEnumStmt':
      return nameList(node.typeName);
    case 'DefineStmt':
    case 'CreateStatsStmt':
    case 'AlterStatsStmt':
      return nameList(node.defnames);
    default:
      return undefined;
  }
}

/**
 * 1-based line of a byte offset in the text, by the byte offsets at which lines start: computed
 * once per text, as a dump of tens of thousands of statements asks for each one's line.
 */
function lineFinder(bytes: Buffer): (byteOffset: number) => number {
  const starts = [0];
  for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) starts.push(i + 1);
  return (byteOffset) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid]! <= byteOffset) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  };
}

/** The statement's text from its first token: the parser's location starts after the previous `;`. */
function trimmedStatement(bytes: Buffer, from: number, length: number | undefined): { text: string; offset: number } {
  const raw = bytes.subarray(from, length === undefined ? bytes.length : from + length).toString();
  let token = tokenFrom(raw, 0);
  while (token?.kind === 'comment') token = tokenFrom(raw, token.end);
  const start = token?.start ?? raw.length;
  return { text: raw.slice(start).trim(), offset: from + Buffer.byteLength(raw.slice(0, start)) };
}

/** An extension a whole schema's SQL creates: the compile checks that the database has it there. */
export interface ExtensionNeed {
  readonly name: string;
  readonly schema?: string;
  readonly source: { readonly file: string; readonly line: number };
}

export interface SqlStatementOptions {
  /** Whether grants are compared: a whole schema's GRANT and REVOKE then run. */
  readonly grants?: boolean;
  /** What a routine's `SET search_path` names where it named the dumped schema. */
  readonly searchPath?: string;
  /**
   * Checks the extensions a whole schema's SQL creates (throwing a CompileFailure) and returns the
   * names of the members of those installed in the dumped schema: they stay qualified.
   */
  readonly extensionMembers?: (extensions: readonly ExtensionNeed[], dumped: string | undefined) => Promise<ReadonlySet<string>>;
}

/** Statements that create the object they name (as opposed to altering or commenting on it). */
const CREATES = new Set(['CreateStmt', 'CreateSeqStmt', 'ViewStmt', 'CreateTableAsStmt', 'CompositeTypeStmt', 'CreateFunctionStmt', 'CreateDomainStmt', 'CreateEnumStmt', 'CreateRangeStmt', 'DefineStmt']);

export interface SqlStatements {
  readonly before: SqlStatement[];
  readonly after: SqlStatement[];
  readonly extensions: ExtensionNeed[];
}

interface ParsedStatement {
  readonly kind: string;
  readonly node: Node;
  readonly text: string;
  readonly source: { readonly file: string; readonly line: number };
}

function refusal(message: string, source: { file: string; line: number }): never {
  const failure: CompileFailure = { message, source };
  throw failure;
}

/** The source's statements, each with its kind, tree, text and line. */
function parseSource(source: SqlSource, parse: ParseSync): ParsedStatement[] {
  const text = source.wholeSchema ? withoutMetaCommands(source.text) : source.text;
  const bytes = Buffer.from(text);
  const lineAt = lineFinder(bytes);
  const at = (offset: number) => ({ file: source.file, line: source.line + lineAt(offset) - 1 });
  let parsed: { stmts?: { stmt: Node; stmt_location?: number; stmt_len?: number }[] };
  try {
    parsed = parse(text) as typeof parsed;
  } catch (error) {
    const position = (error as { sqlDetails?: { cursorPosition?: number } }).sqlDetails?.cursorPosition;
    refusal(`PostgreSQL's parser refuses it: ${error instanceof Error ? error.message : String(error)}`, at(position ?? 0));
  }
  return (parsed.stmts ?? []).map((entry) => {
    const kind = Object.keys(entry.stmt)[0] ?? '';
    const statement = trimmedStatement(bytes, entry.stmt_location ?? 0, entry.stmt_len);
    return { kind, node: (entry.stmt[kind] ?? {}) as Node, text: statement.text, source: at(statement.offset) };
  });
}

/**
 * The schema a whole schema's SQL names its objects with: the one given, else the one schema every
 * qualified object it creates names, else the one schema it creates and sets search_path to (none
 * when it names none).
 */
function dumpedSchema(sources: readonly SqlSource[], statements: readonly ParsedStatement[][]): string | undefined {
  const given = sources.find((s) => s.wholeSchema?.schema !== undefined)?.wholeSchema?.schema;
  if (given !== undefined) return given;
  let found: { schema: string; text: string; source: { file: string; line: number } } | undefined;
  sources.forEach((source, i) => {
    if (!source.wholeSchema) return;
    for (const statement of statements[i]!) {
      if (dumpVerdict(statement.kind, statement.node, undefined).action !== 'keep') continue;
      const target = qualifiedTarget(statement.kind, statement.node);
      if (!target) continue;
      if (found && found.schema !== target.schema) {
        refusal(
          `${statementLabel(statement.text)} creates ${target.text}, but ${found.source.file}:${found.source.line} creates ${found.text}: ` +
            `the SQL describes objects of several schemas. Say which is the tenant's: manifest: { sql: <file>, schema: <name> }`,
          statement.source,
        );
      }
      found ??= { ...target, source: statement.source };
    }
  });
  if (found) return found.schema;
  // A dump by pg_dump before 10 names nothing: it creates its schema and sets search_path to it.
  const whole = sources.flatMap((source, i) => (source.wholeSchema ? statements[i]! : []));
  const created = whole.filter((s) => s.kind === 'CreateSchemaStmt').map((s) => s.node.schemaname as string | undefined);
  const searched = whole
    .filter((s) => s.kind === 'VariableSetStmt' && s.node.name === 'search_path')
    .map((s) => (s.node.args as { A_Const?: { sval?: { sval?: string } } }[] | undefined)?.[0]?.A_Const?.sval?.sval);
  return created.length === 1 && created[0] !== undefined && searched.includes(created[0]) ? created[0] : undefined;
}

/**
 * The sources' statements, in the order written, sorted into those that run before the tables and
 * those that run after them; a whole schema's statements all run first, in the order written,
 * made tenant-neutral (see sql-dump.ts), with a routine's `SET search_path` naming `searchPath`
 * where it named the dumped schema. Throws a CompileFailure naming the file and line of a
 * statement that does not parse, is not allowed, or names a schema for the object it creates.
 */
export async function sqlStatements(sources: readonly SqlSource[], options: SqlStatementOptions = {}): Promise<SqlStatements> {
  const before: SqlStatement[] = [];
  const after: SqlStatement[] = [];
  const extensions: ExtensionNeed[] = [];
  if (sources.length === 0) return { before, after, extensions };
  const parse = await loadParser();
  const parsed = sources.map((source) => parseSource(source, parse));
  const dumped = dumpedSchema(sources, parsed);
  const grantSettings = { compared: options.grants === true, ...(options.searchPath !== undefined && { compiledIn: options.searchPath }) };
  sources.forEach((source, i) => {
    if (!source.wholeSchema) return;
    for (const { kind, node, source: where } of parsed[i]!) {
      const verdict = dumpVerdict(kind, node, dumped, grantSettings);
      if (verdict.action === 'extension') extensions.push({ name: verdict.name, ...(verdict.schema !== undefined ? { schema: verdict.schema } : {}), source: where });
    }
  });
  const keep = options.extensionMembers && extensions.length > 0 ? await options.extensionMembers(extensions, dumped) : new Set<string>();
  const searchPath = options.searchPath ?? '';
  sources.forEach((source, i) => {
    for (const statement of parsed[i]!) {
      const { kind, node, source: where } = statement;
      const label = statementLabel(statement.text);
      const refuse = (message: string): never => refusal(message, where);
      if (source.wholeSchema) {
        const verdict = dumpVerdict(kind, node, dumped, grantSettings);
        if (verdict.action === 'skip') continue;
        if (verdict.action === 'refuse') refuse(`${label}: ${verdict.reason}`);
        if (verdict.action === 'extension') continue;
        if (verdict.action === 'schema grant') {
          before.push({ text: schemaGrantStatement(statement.text, dumped!, quoteIdent(searchPath)), source: where });
          continue;
        }
      }
      if (!BEFORE_TABLES.has(kind) && !AFTER_TABLES.has(kind) && !(source.wholeSchema && WHOLE_SCHEMA_ONLY.has(kind))) {
        refuse(`${source.wholeSchema ? 'the desired schema' : '`sql:`'} holds only statements that create or alter the tenant's own objects (tables, views, functions, triggers, policies, types, ...); ${label} is not one`);
      }
      if (kind === 'CreateTableAsStmt' && (node.objtype as string | undefined) !== 'OBJECT_MATVIEW') {
        refuse(`${label}: a table made from a query holds data; write the table under tables:, or make it a materialized view`);
      }
      const qualified = qualifiedTarget(kind, node);
      if (!source.wholeSchema) {
        if (qualified !== undefined) {
          refuse(`${label} names its schema (${qualified.text}): write the tenant's objects unqualified, schema-sync puts them in each tenant's schema`);
        }
        (BEFORE_TABLES.has(kind) ? before : after).push({ text: statement.text, source: where });
        continue;
      }
      if (qualified !== undefined && qualified.schema !== dumped) {
        refuse(`${label} creates ${qualified.text}, outside ${dumped ?? 'the tenant'}: the SQL must describe one schema, the tenant's`);
      }
      const created = qualified?.text.slice(qualified.schema.length + 1);
      if (created !== undefined && keep.has(created) && CREATES.has(kind)) {
        refuse(`${label} creates ${qualified!.text}, a name an extension installed in ${dumped} has too: it could not be told from the extension's, which every tenant shares`);
      }
      let text = statement.text;
      if (dumped !== undefined) {
        try {
          text = unqualifiedStatement(text, dumped, searchPath, parse, keep);
        } catch (error) {
          refuse(`${label}: ${(error as Error).message}`);
        }
      }
      before.push({ text, source: where });
    }
  });
  return { before, after, extensions };
}

/** The statement's first words, to name it in a message. */
function statementLabel(text: string): string {
  const words = text.replace(/\s+/g, ' ').split(' ').slice(0, 3).join(' ');
  return `"${words.length > 40 ? words.slice(0, 40) + '...' : words}"`;
}
