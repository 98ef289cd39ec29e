// Names of constraints a manifest leaves unnamed. SQLite keeps no name for them, so the model gives
// them the names PostgreSQL would (../shared/names.ts) and one manifest reads alike on both;
// inspection names what it reads the same way. A CHECK's columns are read by this engine's tokenizer.
import type { NamingRules } from '../types.js';
import { postgresNaming } from '../shared/names.js';
import { nameTokens } from './internal/sql-tokens.js';

export const naming: NamingRules = postgresNaming(nameTokens);
