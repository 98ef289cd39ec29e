import { quoteIdent } from './connect.js';
import { loadParser, type ParseSync } from './parser.js';

/**
 * What reaches the server must be exactly the planned statements (invariant 5). A tenant's main
 * transaction goes as one multi-statement query, one round trip, so PostgreSQL's own parser
 * (libpg-query) checks the text first: it must hold as many statements as were planned, each
 * exactly where it was placed. A `;` inside an expression, or a comment swallowing the separator
 * after it, shows up as a statement more or a boundary moved.
 */

export { loadParser };

const SEPARATOR = ';\n';

/** The statements as one query text, the way runSteps sends them. */
export function joinStatements(statements: readonly string[]): string {
  return statements.join(SEPARATOR);
}

/**
 * Why the joined text does not hold exactly these statements; undefined when it does. Offsets are
 * in bytes, as the parser counts them.
 */
export function statementsProblem(parse: ParseSync, statements: readonly string[]): string | undefined {
  const text = joinStatements(statements);
  let stmts: readonly { stmt_location?: number; stmt_len?: number }[];
  try {
    stmts = (parse(text) as { stmts?: { stmt_location?: number; stmt_len?: number }[] }).stmts ?? [];
  } catch (error) {
    return `PostgreSQL's parser refuses it: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (stmts.length !== statements.length) {
    return `it holds ${stmts.length} statement${stmts.length === 1 ? '' : 's'} where ${statements.length} ${statements.length === 1 ? 'was' : 'were'} planned`;
  }
  const total = Buffer.byteLength(text);
  let start = 0;
  for (let i = 0; i < statements.length; i++) {
    const bytes = Buffer.byteLength(statements[i]!);
    // After the first, a statement starts right after the previous `;`, so its text begins with
    // the separator's newline.
    const from = i === 0 ? 0 : start - 1;
    const to = start + bytes;
    const stmt = stmts[i]!;
    const location = stmt.stmt_location ?? 0;
    const end = stmt.stmt_len ? location + stmt.stmt_len : total;
    if (location !== from || end !== to) return `statement ${i + 1} does not end where it was planned to (a comment or quote runs past it)`;
    start = to + Buffer.byteLength(SEPARATOR);
  }
  return undefined;
}

/**
 * A tenant name as hostile as discovery lets one be (letters, digits, `_`, `$`, `-`: see
 * tenants/select-tenants.ts): put where the placeholder is, it moves the statements' boundaries if
 * a placeholder sits inside a dollar quote. In a quoted literal (a regclass name) or a comment
 * such a name is inert; runSteps checks each tenant's own text as well.
 */
const PROBE_QUALIFIER = quoteIdent('t$$--$_$-');

/** The plan's statements with the placeholder replaced by the probe, checked as they will be sent. */
export async function checkPlannedStatements(statements: readonly string[], placeholder: string): Promise<string | undefined> {
  return statementsProblem(await loadParser(), statements.map((s) => s.split(placeholder).join(PROBE_QUALIFIER)));
}
