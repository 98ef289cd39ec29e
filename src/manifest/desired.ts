import type { RenameHints } from '../diff/changes.js';
import type { SchemaModel } from '../model/types.js';
import type { SqlSource } from '../engines/types.js';

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
