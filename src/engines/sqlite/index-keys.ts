// Index keys written as text in a manifest. SQLite's key grammar (`expr [COLLATE name] [ASC|DESC]`)
// is a part of PostgreSQL's, so keys read as they do on PostgreSQL (../shared/index-keys.ts) and
// one manifest reads alike on both; the normalizer refuses what SQLite cannot build (an operator
// class, NULLS out of SQLite's order).
import type { IndexKeySyntax } from '../types.js';
import { postgresKeySyntax } from '../shared/index-keys.js';

export const indexKeys: IndexKeySyntax = postgresKeySyntax;
