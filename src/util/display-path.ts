import path from 'node:path';

/** A path as the user would type it: relative to the working directory when that is shorter. */
export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel.length < file.length && !rel.startsWith('..' + path.sep + '..') ? rel : file;
}
