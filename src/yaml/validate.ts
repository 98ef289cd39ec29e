import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { ManifestIssue } from './errors.js';
import type { DocPath, PathSegment, SourceDoc } from './source.js';

/**
 * schemas/ at the package root. src/yaml (vitest) and dist/yaml (after tsc) are both two
 * levels below it, so one relative URL serves both.
 */
const schemaDirectory = new URL('../../schemas/', import.meta.url);

/** Every file a person edits or reviews is checked against one of these schemas. */
const SCHEMA_NAMES = ['manifest', 'override', 'config', 'plan'] as const;
export type SchemaName = (typeof SCHEMA_NAMES)[number];

let ajv: Ajv | undefined;
const validators = new Map<SchemaName, ValidateFunction>();

function validatorFor(name: SchemaName): ValidateFunction {
  const known = validators.get(name);
  if (known) return known;
  if (!ajv) {
    // strictRequired off: a table's `if`/`else` requires columns only when partitionOf is absent,
    // naming properties its parent schema defines.
    ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true, verbose: true });
    // Editors (vscode-json-languageservice) show it; we translate pattern errors with it too.
    ajv.addKeyword({ keyword: 'patternErrorMessage', schemaType: 'string' });
    // Each under its file name, which the others' `$ref`s resolve to: override.schema.json
    // refers to manifest.schema.json's definitions rather than copying them.
    for (const schema of SCHEMA_NAMES) {
      const key = `${schema}.schema.json`;
      ajv.addSchema(JSON.parse(readFileSync(new URL(key, schemaDirectory), 'utf8')) as object, key);
    }
  }
  const validate = ajv.getSchema(`${name}.schema.json`);
  if (!validate) throw new Error(`schemas/${name}.schema.json is not loaded`);
  validators.set(name, validate);
  return validate;
}

/** Validates parsed YAML data against a JSON Schema; each problem comes back in plain words. */
export function validateAgainstSchema(name: SchemaName, data: unknown, source: SourceDoc): ManifestIssue[] {
  const validate = validatorFor(name);
  if (validate(data)) return [];
  // An `if` failing says only that its `then` or `else` did, whose own error says what is wrong.
  return (validate.errors ?? []).filter((error) => error.keyword !== 'if').map((error) => translateError(error, data, source));
}

function instancePath(pointer: string, data: unknown): PathSegment[] {
  if (pointer === '') return [];
  const path: PathSegment[] = [];
  let current = data;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(current)) {
      const index = Number(segment);
      path.push(index);
      current = current[index];
    } else {
      path.push(segment);
      current = current !== null && typeof current === 'object' ? (current as Record<string, unknown>)[segment] : undefined;
    }
  }
  return path;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  object: 'a map',
  array: 'a list',
  boolean: 'true or false',
  integer: 'a whole number',
  number: 'a number',
  null: 'nothing',
};

function oneOf(words: readonly string[]): string {
  if (words.length <= 1) return words[0] ?? '';
  return `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}

function translateError(error: ErrorObject, data: unknown, source: SourceDoc): ManifestIssue {
  const path: DocPath = instancePath(error.instancePath, data);
  const params = error.params as Record<string, unknown>;
  const parentSchema = (error.parentSchema ?? {}) as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const property = String(params.additionalProperty);
      const known = Object.keys((parentSchema.properties as Record<string, unknown> | undefined) ?? {});
      const suggestion = closest(property, known);
      // `{ type: numeric(10,2) }`: in a flow map the comma ends the value, and `2)` becomes a key.
      const split = /^[^(]*\)/.test(property) ? ' (a comma inside { } ends the value: put the value in quotes, e.g. "numeric(10,2)")' : '';
      const hint = suggestion ? ` (did you mean '${suggestion}'?)` : split;
      return source.issue(path, `unknown property '${property}'${hint}`, { key: property });
    }
    case 'required':
      return source.issue(path, `missing required property '${String(params.missingProperty)}'`);
    case 'type': {
      const types = Array.isArray(params.type) ? (params.type as string[]) : String(params.type).split(',');
      const words = types.map((t) => (t === 'boolean' && types.length > 1 ? 'a boolean' : (TYPE_WORDS[t] ?? t)));
      return source.issue(path, `expected ${oneOf(words)}`);
    }
    case 'enum':
      return source.issue(path, `expected one of: ${(params.allowedValues as unknown[]).map(String).join(', ')}`);
    case 'const':
      return source.issue(path, `expected ${JSON.stringify(params.allowedValue)}`);
    case 'pattern': {
      const message = typeof parentSchema.patternErrorMessage === 'string' ? parentSchema.patternErrorMessage : `expected text matching ${String(params.pattern)}`;
      return source.issue(path, message);
    }
    case 'minItems':
    case 'minProperties':
    case 'minLength':
      return source.issue(path, Number(params.limit) <= 1 ? 'must not be empty' : `expected at least ${String(params.limit)}`);
    default:
      return source.issue(path, error.message ?? `fails ${error.keyword}`);
  }
}

/** The known word a typo most likely meant: same letters in another case, or an edit or two away. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = candidate.toLowerCase() === lower ? 0 : editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const allowed = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  return bestDistance <= allowed ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const above = rows[i - 1]!;
      let best = Math.min(above[j]! + 1, row[j - 1]! + 1, above[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      // Two neighbours swapped count as one edit (optimal string alignment), the commonest typo.
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      row.push(best);
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}
