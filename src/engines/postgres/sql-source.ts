// SQL a manifest holds (`sql:`), cut into statements by PostgreSQL's own parser and sorted into
// those the tables may need (types, domains, functions) and the rest (views, triggers, policies,
// comments). Only statements that create or alter objects of the tenant pass: the compile runs
// them on a real server, and apply never runs them at all (it runs what the server printed back).
import type { CompileFailure, SqlSource } from '../types.js';
import { loadParser } from './parser.js';

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
  'AlterEnumStmt',
  'AlterDomainStmt',
]);

type Node = Record<string, unknown>;

/** The qualified name a statement gives the object it creates, if it qualifies it. */
function qualifiedTarget(kind: string, node: Node): string | undefined {
  const rangeVar = (value: unknown): string | undefined => {
    const schema = (value as { schemaname?: string } | undefined)?.schemaname;
    return schema ? `${schema}.${(value as { relname?: string }).relname ?? ''}` : undefined;
  };
  const nameList = (value: unknown): string | undefined => {
    const parts = ((value as Node[] | undefined) ?? []).map((p) => (p as { String?: { sval?: string } }).String?.sval ?? '');
    return parts.length > 1 ? parts.join('.') : undefined;
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
      return nameList(node.defnames);
    default:
      return undefined;
  }
}

/** 1-based line of a byte offset in the text. */
function lineAt(text: string, byteOffset: number): number {
  const prefix = Buffer.from(text).subarray(0, byteOffset).toString();
  return prefix.split('\n').length;
}

/** The statement's text from its first token: the parser's location starts after the previous `;`. */
function trimmedStatement(text: string, from: number, length: number | undefined): { text: string; offset: number } {
  const bytes = Buffer.from(text);
  const raw = bytes.subarray(from, length === undefined ? bytes.length : from + length).toString();
  const lead = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/.exec(raw)?.[0] ?? '';
  return { text: raw.slice(lead.length).trim(), offset: from + Buffer.byteLength(lead) };
}

/**
 * The sources' statements, in the order written, sorted into those that run before the tables and
 * those that run after them. Throws a CompileFailure naming the file and line of a statement that
 * does not parse, is not allowed, or names a schema for the object it creates.
 */
export async function sqlStatements(sources: readonly SqlSource[]): Promise<{ before: SqlStatement[]; after: SqlStatement[] }> {
  const before: SqlStatement[] = [];
  const after: SqlStatement[] = [];
  if (sources.length === 0) return { before, after };
  const parse = await loadParser();
  for (const source of sources) {
    const at = (offset: number) => ({ file: source.file, line: source.line + lineAt(source.text, offset) - 1 });
    let parsed: { stmts?: { stmt: Node; stmt_location?: number; stmt_len?: number }[] };
    try {
      parsed = parse(source.text) as typeof parsed;
    } catch (error) {
      const position = (error as { sqlDetails?: { cursorPosition?: number } }).sqlDetails?.cursorPosition;
      const failure: CompileFailure = {
        message: `PostgreSQL's parser refuses it: ${error instanceof Error ? error.message : String(error)}`,
        source: at(position ?? 0),
      };
      throw failure;
    }
    for (const entry of parsed.stmts ?? []) {
      const kind = Object.keys(entry.stmt)[0] ?? '';
      const node = (entry.stmt[kind] ?? {}) as Node;
      const statement = trimmedStatement(source.text, entry.stmt_location ?? 0, entry.stmt_len);
      const where = at(statement.offset);
      const refuse = (message: string): never => {
        const failure: CompileFailure = { message, source: where };
        throw failure;
      };
      const label = statementLabel(statement.text);
      if (!BEFORE_TABLES.has(kind) && !AFTER_TABLES.has(kind)) {
        refuse(`\`sql:\` holds only statements that create or alter the tenant's own objects (views, functions, triggers, policies, types, ...); ${label} is not one`);
      }
      if (kind === 'CreateTableAsStmt' && (node.objtype as string | undefined) !== 'OBJECT_MATVIEW') {
        refuse(`${label}: a table made from a query holds data; write the table under tables:, or make it a materialized view`);
      }
      const qualified = qualifiedTarget(kind, node);
      if (qualified !== undefined) {
        refuse(`${label} names its schema (${qualified}): write the tenant's objects unqualified, schema-sync puts them in each tenant's schema`);
      }
      (BEFORE_TABLES.has(kind) ? before : after).push({ text: statement.text, source: where });
    }
  }
  return { before, after };
}

/** The statement's first words, to name it in a message. */
function statementLabel(text: string): string {
  const words = text.replace(/\s+/g, ' ').split(' ').slice(0, 3).join(' ');
  return `"${words.length > 40 ? words.slice(0, 40) + '...' : words}"`;
}
