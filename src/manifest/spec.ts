// The manifest and override files as written, after JSON Schema validation: the shapes of
// schemas/manifest.schema.json and schemas/override.schema.json. Numbers a JS number would
// round (`1.50`, a bigint bound) are kept as the text they were written as, which the schemas
// allow wherever such a number may be written.
import type { SqlSource } from '../model/desired.js';
import type { ColumnSpec, ManifestContent, OverrideContent } from './schema-types.js';

// The shapes themselves are generated from the schemas (scripts/schema-types.ts), so what the
// types promise is what the validator has accepted.
export type * from './schema-types.js';

/** A column written as a map rather than a bare type. */
export type ColumnSpecObject = Exclude<ColumnSpec, string>;
export type IdentityOptionsSpec = NonNullable<ColumnSpecObject['identityOptions']>;
export type ExcludeSpec = NonNullable<OverrideContent['exclude']>;

/** A loaded, validated manifest. Plain data; positions for later errors are kept aside. */
export interface Manifest {
  /** The path it was loaded from, as given. */
  readonly file: string;
  readonly content: ManifestContent;
  /** Set when the manifest is SQL (see load-sql.ts): the whole desired schema, and content is empty. */
  readonly sql?: readonly SqlSource[];
}

/** A loaded, validated override file. */
export interface Override {
  /** The path it was loaded from. */
  readonly file: string;
  /** The file name within the overrides directory: its identity in plans and DesiredSchema. */
  readonly name: string;
  readonly content: OverrideContent;
}
