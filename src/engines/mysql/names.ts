// Names of constraints a manifest leaves unnamed, as MySQL names them: the primary key is always
// PRIMARY; a unique key takes its first column's name (`email`, then `email_2`, ...); a foreign
// key `<table>_ibfk_<n>` and a check `<table>_chk_<n>`, with the first n not taken. MariaDB names
// an unnamed check CONSTRAINT_<n> instead, but the renderer always writes the name, which both
// keep, so one manifest reads alike on both. A name is kept within the server's 64 characters by
// shortening the table's part, where the server would refuse the name.
import type { NamingRules, UnnamedConstraint } from '../types.js';
import { MAX_IDENTIFIER_CHARACTERS } from './sql-text.js';

function clip(text: string, characters: number): string {
  return [...text].slice(0, Math.max(0, characters)).join('');
}

function numbered(table: string, label: string, taken: ReadonlySet<string>): string {
  for (let n = 1; ; n++) {
    const suffix = `_${label}_${n}`;
    const name = clip(table, MAX_IDENTIFIER_CHARACTERS - suffix.length) + suffix;
    if (!taken.has(name)) return name;
  }
}

function constraintName(constraint: UnnamedConstraint, taken: ReadonlySet<string>): string {
  switch (constraint.kind) {
    case 'primaryKey':
      return 'PRIMARY';
    case 'unique': {
      const first = clip(constraint.columns[0] ?? constraint.table, MAX_IDENTIFIER_CHARACTERS);
      if (!taken.has(first) && first !== 'PRIMARY') return first;
      for (let n = 2; ; n++) {
        const name = clip(first, MAX_IDENTIFIER_CHARACTERS - `_${n}`.length) + `_${n}`;
        if (!taken.has(name)) return name;
      }
    }
    case 'foreignKey':
      return numbered(constraint.table, 'ibfk', taken);
    case 'check':
      return numbered(constraint.table, 'chk', taken);
  }
}

export const naming: NamingRules = { constraintName };
