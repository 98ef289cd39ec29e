// STUB: owned by the normalize helper; signatures are the contract.
import type { SchemaModel } from '../../model/types.js';

/** Canonical spelling of a PostgreSQL type, as format_type() prints it (`int` -> `integer`). */
export function canonicalType(type: string): string {
  return type;
}

/** Canonical form of a column default expression for a column of the given canonical type. */
export function canonicalDefault(expression: string, type: string): string | undefined {
  return expression;
}

/** Canonical form of a CHECK, index, partial-index or generated-column expression. */
export function canonicalExpression(expression: string): string {
  return expression;
}

/** Canonicalizes a desired schema written by a person (types, defaults, expressions, serial). */
export function normalizeSchema(schema: SchemaModel): SchemaModel {
  return schema;
}

/** The inverse sugar for writing a manifest: serial columns, default sequence options. */
export function toManifestSchema(schema: SchemaModel): SchemaModel {
  return schema;
}

export function isBuiltinType(type: string): boolean {
  return true;
}
