// The desired schema, compiled by SQLite itself (DESIGN.md invariant 2): each distinct desired
// schema is created in an in-memory database and read back by the inspector that reads tenant
// files, with the same pragmas. The database is gone when the compile returns.
import Database from 'better-sqlite3';
import type { CompileFailure, CompileInput, CompileOutcome } from '../types.js';
import { inspectDatabase } from './internal/inspect.js';
import { renderChanges } from './internal/render.js';

/** The SQLite library's version: it decides how the catalog is read and what the parser accepts. */
export function compilerVersion(): string {
  const db = new Database(':memory:');
  try {
    return `sqlite ${(db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v}`;
  } finally {
    db.close();
  }
}

export function compileSchemas(inputs: readonly CompileInput[]): CompileOutcome[] {
  return inputs.map(compileOne);
}

function compileOne(input: CompileInput): CompileOutcome {
  const db = new Database(':memory:');
  try {
    const options = { qualifier: '"main"', concurrentIndexes: false, indexTimeoutMs: 0, tenantTypes: input.tenantTypes, tenantSequences: input.tenantSequences };
    for (const [index, change] of input.changes.entries()) {
      for (const step of renderChanges([change], options)) {
        for (const sql of step.sql) {
          try {
            db.exec(sql);
          } catch (error) {
            return { ok: false, error: { message: (error as Error).message, step: step.summary, change: index } };
          }
        }
      }
    }
    const source = input.sql[0];
    if (source !== undefined) {
      // Free SQL could ATTACH a file and write to it; until each statement is vetted, none runs.
      const failure: CompileFailure = { message: '`sql:` is not supported on SQLite yet: views and triggers there stay unmanaged', source: { file: source.file, line: source.line } };
      return { ok: false, error: failure };
    }
    return { ok: true, schema: inspectDatabase(db) };
  } finally {
    db.close();
  }
}
