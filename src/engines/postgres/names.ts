// Names of constraints a manifest leaves unnamed: the names the server gives them (../shared/names.ts),
// with a CHECK's columns read by this engine's tokenizer.
import type { NamingRules } from '../types.js';
import { postgresNaming } from '../shared/names.js';
import { nameTokens } from './internal/sql-tokens.js';

export const naming: NamingRules = postgresNaming(nameTokens);
