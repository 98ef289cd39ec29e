import type { SchemaModel } from './types.js';

/** Objects an override takes out of management for some tenants: neither created nor dropped. */
export interface Exclusions {
  readonly tables: readonly string[];
  /** table -> column names */
  readonly columns: Readonly<Record<string, readonly string[]>>;
  /** table -> index names */
  readonly indexes: Readonly<Record<string, readonly string[]>>;
}

export const noExclusions: Exclusions = { tables: [], columns: {}, indexes: {} };

/**
 * A tenant's desired state: the manifest plus its overrides. Types and expressions are as the
 * person wrote them; the engine's normalizer makes them canonical before diffing.
 */
export interface DesiredSchema {
  readonly schema: SchemaModel;
  readonly renames: RenameHints;
  readonly excluded: Exclusions;
  /** Override files that applied, in the order they were applied. */
  readonly overrides: readonly string[];
  /** The manifest's `sql:`, then each applying override's, in order. */
  readonly sql: readonly SqlSource[];
}

/** Renames come only from explicit `renamedFrom` hints in the manifest (invariant 6). */
export interface RenameHints {
  /** new table name -> old table name */
  readonly tables: Readonly<Record<string, string>>;
  /** table name (new) -> new column name -> old column name */
  readonly columns: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export const noRenames: RenameHints = { tables: {}, columns: {} };

/** SQL text a manifest or override holds (`sql:`), with where it starts. */
export interface SqlSource {
  readonly text: string;
  readonly file: string;
  /** Line of the file on which the text's first line is. */
  readonly line: number;
  /**
   * Set when the text is the whole desired schema (the manifest is SQL: a pg_dump, a Rails
   * structure.sql): what a dump holds besides the schema's objects (SET, owners, grants, psql
   * commands) is skipped, the statements run in the order written, and the schema they are
   * qualified with (given here, else the one schema every created object names) is taken out.
   */
  readonly wholeSchema?: { readonly schema?: string };
}
