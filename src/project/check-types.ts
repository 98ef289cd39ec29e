import { UserError } from '../errors.js';
import type { Normalizer } from '../engines/types.js';
import type { SchemaModel } from '../model/types.js';

/**
 * A type the engine does not know and the manifest does not declare would only fail at apply
 * time, tenant by tenant; catch it once, up front, naming the column.
 */
export function checkTypes(
  schema: SchemaModel,
  normalizer: Normalizer,
  source: string,
  locate: (table: string, column: string) => string | undefined = () => undefined,
): void {
  const isBuiltinType = normalizer.isBuiltinType;
  if (!isBuiltinType) return;
  const declared = new Set([...schema.enums.map((e) => e.name), ...(schema.externalTypes ?? [])]);
  const problems: string[] = [];
  for (const table of schema.tables) {
    for (const column of table.columns) {
      const base = unquote(column.type.replace(/(\[\])+$/, '').trim());
      if (declared.has(base) || isBuiltinType(column.type)) continue;
      const where = locate(table.name, column.name);
      problems.push(
        `${where ? `${where}: ` : ''}tables.${table.name}.columns.${column.name}.type: unknown type '${column.type}' ` +
          `(declare it under enums, or under externalTypes if it is a domain or extension type)`,
      );
    }
  }
  if (problems.length === 0) return;
  throw new UserError(problems.every((p) => /^[^ ]+:\d+:\d+: /.test(p)) ? problems.join('\n') : `${source}:\n  ${problems.join('\n  ')}`);
}

/** `"Mood Ring"` names the type `Mood Ring`. */
function unquote(name: string): string {
  return name.length > 1 && name.startsWith('"') && name.endsWith('"') ? name.slice(1, -1).replaceAll('""', '"') : name;
}
