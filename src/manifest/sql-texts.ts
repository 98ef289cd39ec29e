import type { IndexKeySyntax, SqlText } from '../engines/types.js';
import type { DocPath } from '../yaml/source.js';
import type { ManifestContent, OverrideContent } from './spec.js';

/** A piece of free SQL text in one manifest or override file, and where it is written. */
export interface WrittenSqlText extends SqlText {
  readonly path: DocPath;
}

/**
 * Every piece of SQL text a file holds that the renderer writes into DDL as it is: column types,
 * defaults and generation expressions, CHECKs, index key expressions and partial-index
 * predicates. (Names, collations, operator classes and comments are quoted when rendered.) Index
 * keys written as text are read in the engine's spelling.
 */
export function sqlTextsOf(content: ManifestContent | OverrideContent, keySyntax: IndexKeySyntax): WrittenSqlText[] {
  const texts: WrittenSqlText[] = [];
  const add = (kind: SqlText['kind'], text: unknown, path: DocPath): void => {
    if (typeof text === 'string') texts.push({ kind, text, path });
  };
  for (const [table, spec] of Object.entries(content.tables ?? {})) {
    const at = ['tables', table];
    for (const [column, columnSpec] of Object.entries(spec.columns ?? {})) {
      const columnAt = [...at, 'columns', column];
      if (typeof columnSpec === 'string') {
        add('type', columnSpec, columnAt);
        continue;
      }
      add('type', columnSpec.type, [...columnAt, 'type']);
      // An empty default is no default: nothing is rendered for it.
      if (typeof columnSpec.default !== 'string' || columnSpec.default.trim() !== '') add('expression', columnSpec.default, [...columnAt, 'default']);
      add('expression', columnSpec.generated, [...columnAt, 'generated']);
    }
    add('partitionKey', spec.partitionBy, [...at, 'partitionBy']);
    add('partitionBound', spec.partitionOf?.bound, [...at, 'partitionOf', 'bound']);
    const checks = spec.checks;
    if (Array.isArray(checks)) {
      (checks as readonly (string | { expression: string })[]).forEach((check, i) => {
        if (typeof check === 'string') add('expression', check, [...at, 'checks', i]);
        else add('expression', check.expression, [...at, 'checks', i, 'expression']);
      });
    } else if (checks !== undefined) {
      for (const [name, expression] of Object.entries(checks as Readonly<Record<string, string>>)) add('expression', expression, [...at, 'checks', name]);
    }
    for (const [index, indexSpec] of Object.entries(spec.indexes ?? {})) {
      const indexAt = [...at, 'indexes', index];
      add('expression', indexSpec.where, [...indexAt, 'where']);
      indexSpec.columns.forEach((key, i) => {
        if (typeof key === 'string') add('expression', keySyntax.parse(key).expression, [...indexAt, 'columns', i]);
        else add('expression', key.expression, [...indexAt, 'columns', i, 'expression']);
      });
    }
  }
  return texts;
}
