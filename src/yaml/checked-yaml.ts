import { ManifestError } from './errors.js';
import { SourceDoc } from './source.js';
import { validateAgainstSchema, type SchemaName } from './validate.js';

/**
 * Parses YAML (or JSON) text and checks it against one of the shipped JSON Schemas. Problems
 * throw a ManifestError naming file, line and column, as for manifests.
 */
export function parseCheckedYaml(text: string, file: string, schema: SchemaName): unknown {
  const { source, data, issues } = SourceDoc.parse(text, file);
  if (issues.length > 0) throw new ManifestError(issues);
  const problems = validateAgainstSchema(schema, data, source);
  if (problems.length > 0) throw new ManifestError(problems);
  return data;
}
