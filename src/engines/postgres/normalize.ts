import type { Normalizer } from '../types.js';
import { normalizeSchema, toManifestSchema } from './internal/normalize.js';
import { objectStatements } from './internal/render-objects.js';

export const normalizer: Normalizer = {
  normalizeSchema,
  toManifestSchema,
  manifestSql: (schema) => objectStatements(schema.objects ?? [], schema.tables),
};
