import { readFileSync } from 'node:fs';
import path from 'node:path';

/** test/fixtures: the schema files of the sample databases, kept in the repository (see its README). */
export const fixturesDir = path.join(import.meta.dirname, '..', 'fixtures');

/** A pg_dump file as plain SQL: owners dropped and psql meta-commands skipped. */
export function readDump(relative: string): string {
  return readFileSync(path.join(fixturesDir, relative), 'utf8')
    .split('\n')
    .filter((line) => !line.startsWith('\\') && !/^ALTER .* OWNER TO .*;$/.test(line))
    .join('\n');
}
