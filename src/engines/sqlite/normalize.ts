import type { Normalizer } from '../types.js';
import { isBuiltinType, normalizeSchema, toManifestSchema } from './internal/normalize.js';

export const normalizer: Normalizer = { normalizeSchema, toManifestSchema, isBuiltinType };
