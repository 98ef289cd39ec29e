// The audit baseline: the least reading the same schema rows from every tenant file can cost.
// Each file is opened read-only with better-sqlite3, read in one read transaction (one snapshot,
// one shared lock, as the library reads), and closed: every row of sqlite_schema, and for every
// table the pragmas the library reads: table_xinfo, index_list with index_xinfo of each index,
// and foreign_key_list (plus table_list, the one database-wide pragma it reads). Nothing is
// parsed, normalized, diffed or hashed.
//
// The per-table pragmas run as table-valued functions joined to sqlite_schema, one statement per
// kind of row. Calling them from JavaScript instead, one prepared pragma statement per table and
// per index, measured the same within noise (1,000 files: 0.66-0.72s either way), so the
// baseline takes the form the library also uses. Most of the cost is SQLite's own: the first
// statement on a fresh connection parses every CREATE statement in the file.
import Database from 'better-sqlite3';

/** Rows read, summed over the files: what the warm-up prints, so the fleet is what it should be. */
export interface BareCounts {
  files: number;
  objects: number;
  tables: number;
  columns: number;
  /** index_xinfo rows: key columns and the rowid or primary key columns each index stores. */
  indexColumns: number;
  foreignKeyColumns: number;
}

const SCHEMA = 'SELECT * FROM main.sqlite_schema';
const TABLE_LIST = "SELECT * FROM pragma_table_list WHERE schema = 'main'";
const COLUMNS = `
SELECT m.name AS tbl, c.* FROM main.sqlite_schema AS m JOIN pragma_table_xinfo(m.name, 'main') AS c
WHERE m.type = 'table' AND m.rootpage <> 0`;
const INDEX_KEYS = `
SELECT m.name AS tbl, il.name AS idx, il."unique", il.origin, il.partial, ix.*
FROM main.sqlite_schema AS m JOIN pragma_index_list(m.name, 'main') AS il JOIN pragma_index_xinfo(il.name, 'main') AS ix
WHERE m.type = 'table' AND m.rootpage <> 0`;
const FOREIGN_KEYS = `
SELECT m.name AS tbl, fk.* FROM main.sqlite_schema AS m JOIN pragma_foreign_key_list(m.name, 'main') AS fk
WHERE m.type = 'table' AND m.rootpage <> 0`;

/** Every file, one after another, synchronously: the way the library reads them. */
export function bareRead(files: readonly string[]): BareCounts {
  const total: BareCounts = { files: 0, objects: 0, tables: 0, columns: 0, indexColumns: 0, foreignKeyColumns: 0 };
  for (const file of files) {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      db.exec('BEGIN');
      const objects = db.prepare(SCHEMA).all() as { type: string }[];
      db.prepare(TABLE_LIST).all();
      const columns = db.prepare(COLUMNS).all();
      const indexColumns = db.prepare(INDEX_KEYS).all();
      const foreignKeyColumns = db.prepare(FOREIGN_KEYS).all();
      db.exec('COMMIT');
      total.files++;
      total.objects += objects.length;
      total.tables += objects.filter((o) => o.type === 'table').length;
      total.columns += columns.length;
      total.indexColumns += indexColumns.length;
      total.foreignKeyColumns += foreignKeyColumns.length;
    } finally {
      db.close();
    }
  }
  return total;
}
