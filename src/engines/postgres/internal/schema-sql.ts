// A tenant's schema written as tenant-neutral SQL (`inspect -o x.sql`), which a SQL manifest can
// use as it is. The renderer always qualifies what it creates (DESIGN.md invariant 4), so it
// renders with a placeholder schema that no tenant has, and the placeholder is cut out with the
// same parser-checked rewrite that makes a pg_dump tenant-neutral (sql-dump.ts).
import { randomBytes } from 'node:crypto';
import type { Change } from '../../../diff/changes.js';
import type { RenderOptions } from '../../../plan/step.js';
import { quoteIdent } from './connect.js';
import { loadParser } from './parser.js';
import { renderChanges } from './render.js';
import { schemaGrantStatement, unqualifiedStatement } from './sql-dump.js';
import { TENANT_IN_SEARCH_PATH } from './inspect-objects.js';

function isSchemaGrant(parse: (sql: string) => unknown, sql: string): boolean {
  const node = ((parse(sql) as { stmts?: { stmt: { GrantStmt?: { objtype?: string } } }[] }).stmts ?? [])[0]?.stmt.GrantStmt;
  return node?.objtype === 'OBJECT_SCHEMA';
}

/** What to write: the changes that build the schema from nothing, in plan order. */
export interface SchemaSqlInput {
  readonly changes: readonly Change[];
  readonly tenantTypes: readonly string[];
  readonly tenantSequences: readonly string[];
}

/**
 * The statements, each ending in `;`, in an order that runs (the plan's: types and sequences,
 * tables, indexes, foreign keys), naming no schema: run them with the target schema first in
 * search_path. Session settings the renderer adds for a step (search_path) are left out.
 */
export async function schemaSql(input: SchemaSqlInput): Promise<string[]> {
  const placeholder = `schema_sync_neutral_${randomBytes(6).toString('hex')}`;
  const options: RenderOptions = {
    qualifier: quoteIdent(placeholder),
    concurrentIndexes: false,
    indexTimeoutMs: 0,
    tenantTypes: input.tenantTypes,
    tenantSequences: input.tenantSequences,
  };
  const parse = await loadParser();
  const statements: string[] = [];
  for (const step of renderChanges(input.changes, options)) {
    for (const sql of step.sql) {
      const kind = Object.keys(((parse(sql) as { stmts?: { stmt: object }[] }).stmts ?? [])[0]?.stmt ?? {})[0];
      if (kind === 'VariableSetStmt') continue;
      // A grant on the schema itself names it bare: the tenant's mark stands for it.
      const neutral = isSchemaGrant(parse, sql) ? schemaGrantStatement(sql, placeholder, TENANT_IN_SEARCH_PATH) : unqualifiedStatement(sql, placeholder, placeholder, parse);
      if (neutral.includes(placeholder)) throw new Error(`the placeholder schema is left in: ${neutral}`);
      statements.push(`${neutral.trim().replace(/;$/, '')};`);
    }
  }
  return statements;
}
