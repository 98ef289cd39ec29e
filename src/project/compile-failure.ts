import type { CompileFailure } from '../engines/types.js';
import type { SchemaModel } from '../model/types.js';

interface FailureContext {
  /** The manifest, with the overrides that applied, as the user names them. */
  readonly files: string;
  /** The desired model before the compile, to find the column a message is about. */
  readonly raw: SchemaModel;
  readonly locate: (table: string, column?: string) => string | undefined;
}

/** The base name of a column type as written: `"Mood"[]` -> `Mood`, `numeric(10,2)` -> `numeric`. */
function typeBase(type: string): string {
  const base = type.replace(/(\s*\[\d*\])+$/, '').replace(/\(.*\)$/, '').trim();
  return base.length > 1 && base.startsWith('"') && base.endsWith('"') ? base.slice(1, -1).replaceAll('""', '"') : base.toLowerCase();
}

/**
 * Says where the user wrote what the server refused: the line of `sql:` it ran, or the column of
 * a type the server does not know, or else the files and the step it was building.
 */
export function describeCompileFailure(failure: CompileFailure, context: FailureContext): string {
  if (failure.source) return `${failure.source.file}:${failure.source.line}: the server refused it while compiling the desired schema: ${failure.message}`;
  const missingType = /^type "(.+)" does not exist/.exec(failure.message)?.[1];
  if (missingType !== undefined) {
    const name = missingType;
    const problems: string[] = [];
    for (const table of context.raw.tables) {
      for (const column of table.columns) {
        if (typeBase(column.type) !== name && typeBase(column.type) !== name.toLowerCase()) continue;
        const where = context.locate(table.name, column.name);
        problems.push(
          `${where ? `${where}: ` : ''}tables.${table.name}.columns.${column.name}.type: unknown type '${column.type}' ` +
            `(the server says: ${failure.message}; declare it under enums, create it under sql:, or name an extension's type with its schema)`,
        );
      }
    }
    if (problems.length > 0) return problems.join('\n');
  }
  return `${context.files}: the server refused the desired schema at "${failure.step ?? 'compile'}": ${failure.message}`;
}
