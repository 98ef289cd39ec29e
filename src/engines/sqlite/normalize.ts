// STUB: owned by the SQLite inspection helper; signatures are the contract.
import type { SchemaModel } from '../../model/types.js';

export function canonicalType(type: string): string {
  return type;
}
export function canonicalDefault(expression: string, type: string): string | undefined {
  return expression;
}
export function canonicalExpression(expression: string): string {
  return expression;
}
export function normalizeSchema(schema: SchemaModel): SchemaModel {
  return schema;
}
export function toManifestSchema(schema: SchemaModel): SchemaModel {
  return schema;
}
export function isBuiltinType(type: string): boolean {
  return true;
}
