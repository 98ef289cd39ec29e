// Names of constraints a manifest leaves unnamed: the names the server gives them (../shared/names.ts),
// with a CHECK's columns read by this engine's tokenizer.
import type { NamingRules } from '../types.js';
import { makeObjectName, mentionedColumns, postgresNaming } from '../shared/names.js';
import { nameTokens } from './sql-tokens.js';

export const naming: NamingRules = postgresNaming(nameTokens);

/**
 * The table's columns an SQL expression mentions, in first-mention order, skipping function
 * names, type names after `::` and qualifiers. Unquoted identifiers fold to lower case.
 */
export function expressionColumns(expression: string, columns: readonly string[]): string[] {
  return mentionedColumns(nameTokens(expression), columns);
}

/** The sequence PostgreSQL makes for a serial column: `<table>_<column>_seq`, cut as makeObjectName cuts it. */
export function serialSequenceName(table: string, column: string): string {
  return makeObjectName(table, column, 'seq');
}
