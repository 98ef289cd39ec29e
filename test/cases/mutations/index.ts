import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/** One out-of-band change to a clone of the reference tenant (see pagila.yaml). */
export interface Mutation {
  readonly name: string;
  /** Words that one line of check's report must all contain: the object, and its table where it has one. */
  readonly names: readonly string[];
  readonly sql: string;
}

const here = import.meta.dirname;

export const mutations: readonly Mutation[] = (parse(readFileSync(path.join(here, 'pagila.yaml'), 'utf8')) as Mutation[]).map((m) => ({
  name: m.name,
  names: m.names.map(String),
  sql: m.sql,
}));

/** The kinds Pagila lacks, added to the reference and to every clone of it. */
export const REFERENCE_EXTRAS = readFileSync(path.join(here, 'reference-extras.sql'), 'utf8');
