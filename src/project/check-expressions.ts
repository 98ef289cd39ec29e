import type { EngineModule } from '../engines/types.js';
import { formatPath, ManifestError, type ManifestIssue } from '../manifest/errors.js';
import { sourceOf } from '../manifest/source.js';
import type { Manifest, Override } from '../manifest/spec.js';
import { sqlTextsOf } from '../manifest/sql-texts.js';

/**
 * Every expression and type written in the manifest and in each override must be exactly one of
 * its kind, as the engine's own parser reads it, or the SQL it is pasted into could hold more
 * than the plan says (a second statement, a comment that swallows the rest of a line). Each file
 * is judged on its own, so a problem is reported at the file and line that hold it, whichever
 * tenants the file applies to.
 */
export async function checkExpressions(manifest: Manifest, overrides: readonly Override[], engine: Pick<EngineModule, 'checkSqlTexts'>): Promise<void> {
  const issues: ManifestIssue[] = [];
  for (const { file, content } of [manifest, ...overrides]) {
    const texts = sqlTextsOf(content);
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

/** The text as a JSON string (control characters escaped), shortened when long. */
function quoted(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}
