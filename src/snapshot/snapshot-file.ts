import { parse, stringify } from 'yaml';
import { UserError, errorMessage } from '../errors.js';
import { deepFreeze } from '../util/deep-freeze.js';
import { byName, compareNames, fingerprint, sortedObjects } from '../model/fingerprint.js';
import type { SchemaModel, UnmanagedObject } from '../model/types.js';
import { nameRecord } from '../util/own.js';

/** What a snapshot file holds besides the model. */
export interface SnapshotHeader {
  readonly tenant: string;
  readonly fingerprint: string;
  readonly planId?: string;
}

export interface SnapshotFile extends SnapshotHeader {
  readonly schema: SchemaModel;
}

const header = '# schema-sync snapshot: the tenant\'s schema as last applied or adopted. Written by schema-sync; do not edit.\n';

/**
 * The model in a fixed order, so one schema always gives the same bytes (invariant 3): named
 * objects sorted by name, sets sorted, columns and index keys in their order (that order is part
 * of the schema), empty optional lists left out. Nothing is dropped: unmanaged objects are kept,
 * so the history shows them too. The fingerprint is unchanged, since it sorts the same way.
 */
export function canonicalSnapshotModel(schema: SchemaModel): SchemaModel {
  const unmanaged = [...(schema.unmanaged ?? [])].sort(compareUnmanaged);
  const externalTypes = [...(schema.externalTypes ?? [])].sort(compareNames);
  return {
    enums: byName(schema.enums),
    sequences: byName(schema.sequences),
    tables: byName(schema.tables).map((t) => ({
      ...t,
      uniques: byName(t.uniques),
      indexes: byName(t.indexes),
      foreignKeys: byName(t.foreignKeys),
      checks: byName(t.checks),
    })),
    ...(externalTypes.length > 0 ? { externalTypes } : {}),
    ...(unmanaged.length > 0 ? { unmanaged } : {}),
    ...(schema.objects !== undefined && schema.objects.length > 0 ? { objects: sortedObjects(schema.objects) } : {}),
  };
}

function compareUnmanaged(a: UnmanagedObject, b: UnmanagedObject): number {
  return compareNames(a.kind, b.kind) || compareNames(a.name, b.name) || compareNames(a.table ?? '', b.table ?? '');
}

/** The model as JSON text, for the database store's table. */
export function snapshotJson(schema: SchemaModel): string {
  return JSON.stringify(plain(canonicalSnapshotModel(schema)));
}

export function parseSnapshotJson(text: string, source: string): SchemaModel {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UserError(`${source}: not a snapshot: ${errorMessage(error)}`);
  }
  return checkModel(data, source);
}

/**
 * `snapshots/<tenant>.yaml`: a fixed header (tenant, fingerprint, plan id), then the model as
 * plain YAML with its keys in a fixed order. Written from the model itself rather than as a
 * manifest, so loading it gives back exactly the model that was saved, whatever the manifest's
 * sugar can express. The time is left out on purpose: the same schema from the same plan gives
 * the same bytes, and the time is the git commit's (or the file's).
 */
export function writeSnapshotYaml(file: SnapshotFile): string {
  const head =
    'version: 1\n' +
    `tenant: ${yamlScalar(file.tenant)}\n` +
    `fingerprint: ${yamlScalar(file.fingerprint)}\n` +
    (file.planId !== undefined ? `planId: ${yamlScalar(file.planId)}\n` : '');
  return header + head + schemaYaml(file.schema);
}

/**
 * A string as the YAML library writes it as a mapping's value, without its machinery for the
 * common case: an apply writes a header per tenant, and stringify() of the small header object
 * cost more than the rest of the file. A name of letters, digits and underscores that starts with
 * a letter or underscore is a plain scalar, unless YAML would read it as a null or a boolean;
 * anything else goes through the library (the fingerprint and plan id repeat, so once each).
 */
export function yamlScalar(value: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(value) && !yamlWords.has(value.toLowerCase())) return value;
  let text = scalarCache.get(value);
  if (text === undefined) {
    const line = stringify({ v: value }, { lineWidth: 0 });
    // A value that needs more than one line would not fit the header's one-line form.
    text = line.startsWith('v: ') && line.indexOf('\n') === line.length - 1 ? line.slice(3, -1) : JSON.stringify(value);
    if (scalarCache.size >= 1024) scalarCache.clear();
    scalarCache.set(value, text);
  }
  return text;
}

/** Words some YAML reader takes for a null or a boolean (1.2's core schema, and 1.1's yes/no/on/off). */
const yamlWords = new Set(['null', 'true', 'false', 'yes', 'no', 'on', 'off', 'y', 'n']);
const scalarCache = new Map<string, string>();

/**
 * A fleet's tenants mostly share one schema, so an apply of 10,000 tenants would print the same
 * YAML 10,000 times. Keyed by the fingerprint plus what the fingerprint leaves out.
 */
const schemaYamlCache = new Map<string, string>();

function schemaYaml(schema: SchemaModel): string {
  const key = fingerprint(schema) + JSON.stringify([schema.unmanaged ?? [], schema.externalTypes ?? [], schema.tables.map((t) => t.columns.map((c) => c.name))]);
  let text = schemaYamlCache.get(key);
  if (text === undefined) {
    text = stringify({ schema: plain(canonicalSnapshotModel(schema)) }, { lineWidth: 0 });
    if (schemaYamlCache.size >= 64) schemaYamlCache.delete(schemaYamlCache.keys().next().value!);
    schemaYamlCache.set(key, text);
  }
  return text;
}

export function readSnapshotYaml(text: string, source: string): SnapshotFile {
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    throw new UserError(`${source}: not a snapshot file: ${errorMessage(error)}`);
  }
  return { ...headerOf(data, source), schema: checkModel(isRecord(data) ? data['schema'] : undefined, source) };
}

/**
 * Reads the header alone, without the model, which comes last in the files we write: listing a
 * long git history reads every version.
 */
export function readSnapshotHeader(text: string, source: string): SnapshotHeader {
  const cut = text.indexOf('\nschema:');
  let data: unknown;
  try {
    data = parse(cut >= 0 ? text.slice(0, cut + 1) : text);
  } catch (error) {
    throw new UserError(`${source}: not a snapshot file: ${errorMessage(error)}`);
  }
  return headerOf(data, source);
}

function headerOf(data: unknown, source: string): SnapshotHeader {
  if (!isRecord(data) || data['version'] !== 1) throw new UserError(`${source}: not a schema-sync snapshot (version 1)`);
  const { tenant, fingerprint, planId } = data;
  if (typeof tenant !== 'string' || typeof fingerprint !== 'string' || (planId !== undefined && typeof planId !== 'string')) {
    throw new UserError(`${source}: a snapshot needs tenant and fingerprint strings`);
  }
  return { tenant, fingerprint, ...(planId !== undefined ? { planId } : {}) };
}

function checkModel(data: unknown, source: string): SchemaModel {
  if (!isRecord(data) || !Array.isArray(data['tables']) || !Array.isArray(data['enums']) || !Array.isArray(data['sequences'])) {
    throw new UserError(`${source}: the snapshot's schema needs tables, enums and sequences lists`);
  }
  return deepFreeze(data as unknown as SchemaModel);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Keys sorted, but an object's name first: a diff of two versions then reads by object. */
function compareKeys(a: string, b: string): number {
  if (a === 'name' || b === 'name') return a === b ? 0 : a === 'name' ? -1 : 1;
  return compareNames(a, b);
}

/** Plain JSON-shaped data in a fixed key order, undefined properties left out. */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (isRecord(value)) {
    const out = nameRecord<unknown>();
    for (const key of Object.keys(value).sort(compareKeys)) {
      if (value[key] !== undefined) out[key] = plain(value[key]);
    }
    return out;
  }
  return value;
}
