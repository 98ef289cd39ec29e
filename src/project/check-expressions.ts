import type { EngineModule, SqlText } from '../engines/types.js';
import { UserError } from '../errors.js';
import { formatPath, ManifestError, type ManifestIssue } from '../yaml/errors.js';
import { sourceOf } from '../yaml/source.js';
import type { Manifest, Override } from '../manifest/spec.js';
import { sqlTextsOf } from '../manifest/sql-texts.js';
import type { SchemaModel } from '../model/types.js';

/**
 * Every expression and type written in the manifest and in each override must be exactly one of
 * its kind, as the engine's own parser reads it, or the SQL it is pasted into could hold more
 * than the plan says (a second statement, a comment that swallows the rest of a line). Each file
 * is judged on its own, so a problem is reported at the file and line that hold it, whichever
 * tenants the file applies to.
 */
export async function checkExpressions(manifest: Manifest, overrides: readonly Override[], engine: Pick<EngineModule, 'checkSqlTexts' | 'indexKeys'>): Promise<void> {
  const issues: ManifestIssue[] = [];
  for (const { file, content } of [manifest, ...overrides]) {
    const texts = sqlTextsOf(content, engine.indexKeys);
    if (texts.length === 0) continue;
    const problems = await engine.checkSqlTexts(texts);
    const source = sourceOf(content);
    texts.forEach((text, i) => {
      const problem = problems[i];
      if (problem === undefined) return;
      const message = `${text.kind === 'type' ? 'type' : 'expression'} ${quoted(text.text)} ${problem}`;
      if (source) issues.push(source.issue(text.path, message));
      else issues.push({ file, line: 0, column: 0, path: formatPath(text.path), message: `${formatPath(text.path)}: ${message}` });
    });
  }
  if (issues.length > 0) throw new ManifestError(issues);
}

/**
 * The same judgement on the desired schema as the engine normalized it, which is the text the
 * renderer writes: a normalizer that printed one checked expression as something else must not
 * hand the renderer more than one.
 */
export async function checkNormalizedExpressions(schema: SchemaModel, engine: Pick<EngineModule, 'checkSqlTexts'>): Promise<void> {
  const texts: (SqlText & { where: string })[] = [];
  for (const table of schema.tables) {
    for (const column of table.columns) {
      const where = `${table.name}.${column.name}`;
      texts.push({ kind: 'type', text: column.type, where });
      if (column.default !== undefined) texts.push({ kind: 'expression', text: column.default, where: `${where} default` });
      if (column.generated !== undefined) texts.push({ kind: 'expression', text: column.generated, where: `${where} generated` });
    }
    if (table.partitionBy !== undefined) texts.push({ kind: 'partitionKey', text: table.partitionBy, where: `${table.name} partitionBy` });
    if (table.partitionOf !== undefined) texts.push({ kind: 'partitionBound', text: table.partitionOf.bound, where: `${table.name} partitionOf` });
    for (const check of table.checks) texts.push({ kind: 'expression', text: check.expression, where: `${table.name} check ${check.name}` });
    for (const index of table.indexes) {
      if (index.where !== undefined) texts.push({ kind: 'expression', text: index.where, where: `${table.name} index ${index.name}` });
      for (const key of index.keys) if (key.expression !== undefined) texts.push({ kind: 'expression', text: key.expression, where: `${table.name} index ${index.name}` });
    }
  }
  const problems = await engine.checkSqlTexts(texts);
  const found = texts.flatMap((text, i) => (problems[i] === undefined ? [] : [`${text.where}: ${quoted(text.text)} ${problems[i]!}`]));
  if (found.length > 0) throw new UserError(`the desired schema, as normalized, holds SQL that is not one expression:\n  ${found.join('\n  ')}`);
}

/** The text as a JSON string (control characters escaped), shortened when long. */
function quoted(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}
