import type { EngineModule } from '../engines/types.js';
import { formatPath, ManifestError, type ManifestIssue } from '../yaml/errors.js';
import { identifiersOf } from '../manifest/identifiers.js';
import { sourceOf } from '../yaml/source.js';
import type { Manifest, Override } from '../manifest/spec.js';

/**
 * Every name the manifest and each override give must be one the engine keeps as written: a
 * server that cuts a longer name short would hold a name the manifest never says, and no plan
 * would ever converge. Reported at the file and line that hold the name.
 */
export function checkIdentifiers(manifest: Manifest, overrides: readonly Override[], engine: Pick<EngineModule, 'identifierProblem'>): void {
  const judge = engine.identifierProblem;
  if (!judge) return;
  const issues: ManifestIssue[] = [];
  for (const { file, content } of [manifest, ...overrides]) {
    const source = sourceOf(content);
    for (const { name, path, isKey } of identifiersOf(content)) {
      const problem = judge(name);
      if (problem === undefined) continue;
      const where = formatPath(path);
      const message = `${where}: the name ${JSON.stringify(name.length > 80 ? `${name.slice(0, 77)}...` : name)} ${problem}`;
      const { line, column } = source ? source.position(path, { key: isKey }) : { line: 0, column: 0 };
      issues.push({ file, line, column, path: where, message });
    }
  }
  if (issues.length > 0) throw new ManifestError(issues);
}
