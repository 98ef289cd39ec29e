import Database from 'better-sqlite3';

// The SQLite side of the oracle (test/helpers/oracle.ts has PostgreSQL's): what SQLite itself says
// a file's schema is. Its `.schema` text is the CREATE statement as it was typed, so two files
// with the same schema print differently whenever their statements were spelled differently (a
// fixture's `[Album]`, a rendered `"Album"`). SQLite's own description of what it built from that
// text is its PRAGMAs, and this prints them: one line per table, column, foreign key and index,
// each starting with the table it belongs to, so that the lines compare as a set. Triggers and
// views, which no PRAGMA describes, are printed as their stored text (a JSON string, one line
// each). CHECK constraints, generated-column expressions, partial-index predicates and
// AUTOINCREMENT are in no PRAGMA: the round trip holds them by the fingerprint alone.

interface TableListRow {
  name: string;
  type: string;
  wr: number;
  strict: number;
}

interface ColumnRow {
  cid: number;
  name: string;
  type: string;
  notnull: number;
  dflt_value: string | null;
  pk: number;
  hidden: number;
}

interface ForeignKeyRow {
  id: number;
  seq: number;
  table: string;
  from: string;
  to: string | null;
  on_update: string;
  on_delete: string;
  match: string;
}

interface IndexListRow {
  name: string;
  unique: number;
  origin: string;
  partial: number;
}

interface IndexColumnRow {
  seqno: number;
  cid: number;
  name: string | null;
  desc: number;
  coll: string;
  key: number;
}

interface SchemaRow {
  type: string;
  name: string;
  tbl_name: string;
  sql: string | null;
}

/** One sorted line per column, foreign key, index, trigger and view of the file, as SQLite describes them. */
export function describeSqliteSchema(file: string): string {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const lines: string[] = [];
    const tables = (db.prepare("SELECT name, type, wr, strict FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'").all() as TableListRow[]).filter(
      (t) => t.type === 'table',
    );
    for (const table of tables) {
      const t = table.name;
      lines.push(`${t}: table${table.wr ? ' without rowid' : ''}${table.strict ? ' strict' : ''}`);
      for (const c of db.prepare('SELECT * FROM pragma_table_xinfo(?)').all(t) as ColumnRow[]) {
        const hidden = c.hidden === 0 ? '' : c.hidden === 2 ? ' generated virtual' : c.hidden === 3 ? ' generated stored' : ` hidden ${c.hidden}`;
        lines.push(
          `${t}.${c.name}: column ${c.cid} ${c.type || '(no type)'}${c.notnull ? ' not null' : ''}${c.pk ? ` primary key ${c.pk}` : ''}` +
            `${c.dflt_value === null ? '' : ` default ${c.dflt_value}`}${hidden}`,
        );
      }
      const keys = new Map<number, ForeignKeyRow[]>();
      for (const fk of db.prepare('SELECT * FROM pragma_foreign_key_list(?)').all(t) as ForeignKeyRow[]) keys.set(fk.id, [...(keys.get(fk.id) ?? []), fk]);
      for (const parts of keys.values()) {
        parts.sort((a, b) => a.seq - b.seq);
        const first = parts[0]!;
        const to = parts.every((p) => p.to === null) ? '(its primary key)' : `(${parts.map((p) => p.to).join(', ')})`;
        lines.push(
          `${t}: foreign key (${parts.map((p) => p.from).join(', ')}) references ${first.table} ${to} on update ${first.on_update} on delete ${first.on_delete} match ${first.match}`,
        );
      }
      for (const index of db.prepare('SELECT name, "unique", origin, partial FROM pragma_index_list(?)').all(t) as IndexListRow[]) {
        const keyColumns = (db.prepare('SELECT * FROM pragma_index_xinfo(?)').all(index.name) as IndexColumnRow[]).filter((c) => c.key === 1);
        const described = keyColumns.map((c) => `${c.name ?? (c.cid === -2 ? '(expression)' : '(rowid)')}${c.desc ? ' desc' : ''} collate ${c.coll}`);
        lines.push(
          `${t}: index ${index.name}${index.unique ? ' unique' : ''} from ${index.origin}${index.partial ? ' partial' : ''} (${described.join(', ')})`,
        );
      }
    }
    for (const row of db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE type IN ('trigger', 'view')").all() as SchemaRow[]) {
      lines.push(row.type === 'trigger' ? `${row.tbl_name}.${row.name}: trigger ${JSON.stringify(row.sql)}` : `${row.name}: view ${JSON.stringify(row.sql)}`);
    }
    return lines.sort().join('\n');
  } finally {
    db.close();
  }
}
