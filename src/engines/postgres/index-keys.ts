// Index keys written as text in a manifest, in PostgreSQL's own spelling (../shared/index-keys.ts).
import type { IndexKeySyntax } from '../types.js';
import { postgresKeySyntax } from '../shared/index-keys.js';

export const indexKeys: IndexKeySyntax = postgresKeySyntax;
