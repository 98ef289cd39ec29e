import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ManifestRules } from '../engines/types.js';
import { ManifestError, type ManifestIssue } from '../yaml/errors.js';
import { deepFreeze } from '../util/deep-freeze.js';
import { attachSource, SourceDoc, type DocPath } from '../yaml/source.js';
import type { Manifest, ManifestContent, Override, OverrideContent } from './spec.js';
import { assembleInput, buildSchema, IssueCollector } from './to-model.js';
import { validateAgainstSchema, type SchemaName } from '../yaml/validate.js';

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a file' : `cannot read: ${(error as Error).message}`;
    throw new ManifestError([{ file, line: 0, column: 0, path: '', message }]);
  }
}

type Mutable = Record<string, unknown>;

function records(value: unknown): [string, Mutable][] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.entries(value as Mutable).filter((entry): entry is [string, Mutable] => entry[1] !== null && typeof entry[1] === 'object');
}

/**
 * Replaces numbers where the written digits matter with those digits: a default of 1.50 stays
 * `1.50` (JS would say 1.5) and a sequence bound of 9223372036854775807 stays exact.
 */
function keepNumberText(content: Mutable, source: SourceDoc): void {
  const fix = (holder: Mutable, key: string, at: DocPath, integer: boolean): void => {
    const value = holder[key];
    if (typeof value !== 'number') return;
    const text = source.numberText([...at, key]);
    if (integer) holder[key] = text !== undefined && /^[-+]?\d+$/.test(text) ? text : BigInt(value).toString();
    else holder[key] = text ?? String(value);
  };
  for (const [tableName, table] of records(content.tables)) {
    for (const [columnName, column] of records(table.columns)) {
      fix(column, 'default', ['tables', tableName, 'columns', columnName], false);
    }
    const options = table.options;
    if (options !== null && typeof options === 'object') {
      for (const key of Object.keys(options)) fix(options as Mutable, key, ['tables', tableName, 'options'], false);
    }
  }
  for (const [name, sequence] of records(content.sequences)) {
    for (const key of ['start', 'increment', 'minValue', 'maxValue', 'cache']) fix(sequence, key, ['sequences', name], true);
  }
}

function parseAndValidate(text: string, file: string, schema: SchemaName): { content: Mutable; source: SourceDoc } {
  const { source, data, issues } = SourceDoc.parse(text, file);
  if (issues.length > 0) throw new ManifestError(issues);
  if (data === null && text.trim().replace(/^#.*$/gm, '').trim() === '') {
    const what = schema === 'manifest' ? "a manifest starts with 'version: 1'" : "an override needs at least 'tenants' or 'labels'";
    throw new ManifestError([{ file, line: 1, column: 1, path: '', message: `the file is empty: ${what}` }]);
  }
  const invalid = validateAgainstSchema(schema, data, source);
  if (invalid.length > 0) throw new ManifestError(invalid);
  const content = data as Mutable;
  keepNumberText(content, source);
  deepFreeze(content);
  attachSource(content, source);
  return { content, source };
}

/** Parses and checks manifest text, with the engine's rules for what it leaves unnamed; `file` is used in error messages. */
export function parseManifest(text: string, file: string, rules: ManifestRules): Manifest {
  const { content } = parseAndValidate(text, file, 'manifest');
  const manifest: Manifest = { file, content: content as unknown as ManifestContent };
  const issues = new IssueCollector();
  buildSchema(assembleInput(manifest, [], issues), issues, rules);
  if (issues.issues.length > 0) throw new ManifestError(issues.issues);
  return manifest;
}

/** Reads, parses and checks a manifest file. Throws ManifestError naming file, line and column. */
export async function loadManifest(file: string, rules: ManifestRules): Promise<Manifest> {
  return parseManifest(await readText(file), file, rules);
}

/**
 * Parses and checks one override file. What can only be checked together with the manifest
 * (a column an override's index names, say) is checked by desiredFor.
 */
export function parseOverride(text: string, file: string, name: string = path.basename(file)): Override {
  const { content, source } = parseAndValidate(text, file, 'override');
  const override = content as unknown as OverrideContent;
  if ((override.tenants?.length ?? 0) + (override.labels?.length ?? 0) === 0) {
    throw new ManifestError([source.issue([], "an override must say whom it applies to: give 'tenants', 'labels' or both")]);
  }
  return { file, name, content: override };
}

function isOverrideFile(name: string): boolean {
  return !name.startsWith('.') && /\.ya?ml$/i.test(name);
}

/**
 * Every *.yaml and *.yml file directly in `dir`, in file-name order, which is the order they
 * apply in. A missing directory means no overrides.
 */
export async function loadOverrides(dir: string): Promise<Override[]> {
  let names: string[];
  try {
    const info = await stat(dir);
    if (!info.isDirectory()) throw new ManifestError([{ file: dir, line: 0, column: 0, path: '', message: 'the overrides path is not a directory' }]);
    names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile() && isOverrideFile(e.name)).map((e) => e.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const overrides: Override[] = [];
  const issues: ManifestIssue[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      overrides.push(parseOverride(await readText(file), file, name));
    } catch (error) {
      if (!(error instanceof ManifestError)) throw error;
      issues.push(...error.issues);
    }
  }
  if (issues.length > 0) throw new ManifestError(issues);
  return overrides;
}
