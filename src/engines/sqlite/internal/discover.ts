import { readdirSync, statSync, type Dirent } from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import { UserError } from '../../../errors.js';
import type { DiscoveredTenant, TenantSelector } from '../../../domain/tenant.js';

/** The pattern when the config gives neither a pattern nor a list. */
const DEFAULT_PATTERN = '*.db';
const DEFAULT_EXTENSION = '.db';

/** SQLite's companion files of a database: never tenants themselves, whatever the glob says. */
const COMPANION_FILE = /-(?:wal|shm|journal)$/;

/**
 * Tenant files matching the pattern (a glob relative to baseDir; `**` crosses directories) or the
 * static list of paths. A tenant's name is its file name without the extension; its location the
 * absolute path. Sorted by name. Throws when the pattern's directory does not exist, when the
 * config asks for a query, and when two files give the same name (one would silently shadow the
 * other: names are what plans, locks and snapshots are keyed by).
 */
export function discoverSqliteFiles(selector: TenantSelector, baseDir: string): DiscoveredTenant[] {
  if (selector.query !== undefined) {
    throw new UserError(
      'tenants.query is not supported by the sqlite engine: a tenant is a file, so give tenants.pattern (a file glob such as data/tenants/*.db) or tenants.list (file paths)',
    );
  }
  const files = selector.list ? selector.list.map((file) => path.resolve(baseDir, file)) : globFiles(selector.pattern ?? DEFAULT_PATTERN, baseDir);
  const byName = new Map<string, string>();
  for (const file of files) {
    const name = tenantName(file);
    const other = byName.get(name);
    if (other !== undefined && other !== file) {
      throw new UserError(`two tenant files have the name '${name}': ${path.relative(baseDir, other)} and ${path.relative(baseDir, file)}`);
    }
    byName.set(name, file);
  }
  return [...byName]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, location]) => ({ name, location }));
}

/** Where a new tenant's file goes: the pattern's directory and extension with the tenant's name. */
export function tenantFilePath(selector: TenantSelector, baseDir: string, name: string): string {
  if (selector.pattern === undefined && selector.list !== undefined && selector.list.length > 0) {
    const first = selector.list[0]!;
    return path.resolve(baseDir, path.dirname(first), name + (path.extname(first) || DEFAULT_EXTENSION));
  }
  const pattern = selector.pattern ?? DEFAULT_PATTERN;
  const scan = picomatch.scan(pattern);
  if (!scan.isGlob) return path.resolve(baseDir, path.dirname(pattern), name + (path.extname(pattern) || DEFAULT_EXTENSION));
  const last = scan.glob.split('/').pop() ?? '';
  const extension = /(\.[A-Za-z0-9_-]+)$/.exec(last)?.[1] ?? DEFAULT_EXTENSION;
  return path.resolve(baseDir, scan.base, name + extension);
}

function tenantName(file: string): string {
  return path.basename(file, path.extname(file));
}

/** Regular files (or links to them) under the pattern's static directory that match the glob. */
function globFiles(pattern: string, baseDir: string): string[] {
  const scan = picomatch.scan(pattern);
  const base = scan.isGlob ? scan.base : path.dirname(pattern);
  const root = path.resolve(baseDir, base === '' ? '.' : base);
  if (!isDirectory(root)) {
    throw new UserError(`tenant directory ${base === '' ? '.' : base} does not exist (tenants.pattern '${pattern}' is relative to ${baseDir})`);
  }
  if (!scan.isGlob) {
    const file = path.resolve(baseDir, pattern);
    return isFile(file) ? [file] : [];
  }
  const matches = picomatch(scan.glob);
  // Without ** the glob's depth bounds the walk.
  const maxDepth = scan.glob.includes('**') ? Number.POSITIVE_INFINITY : scan.glob.split('/').length;
  const found: string[] = [];
  const walk = (dir: string, relative: string, depth: number): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      const rel = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        if (depth < maxDepth) walk(full, rel, depth + 1);
      } else if ((entry.isFile() || (entry.isSymbolicLink() && isFile(full))) && !COMPANION_FILE.test(entry.name) && matches(rel)) {
        found.push(full);
      }
    }
  };
  walk(root, '', 1);
  return found;
}

function isDirectory(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
