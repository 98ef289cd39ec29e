import type mysql from 'mysql2/promise';
import picomatch from 'picomatch';
import { errorMessage, TenantQueryError } from '../../errors.js';
import type { DiscoveredTenant, TenantSelector } from '../../domain/tenant.js';
import type { Connection } from './connect.js';
import { LIST_DATABASES } from './queries.js';
import { firstKeyword } from './sql-tokens.js';

/** The database schema-sync keeps its own records in (snapshot history): never a tenant. */
export const BOOKKEEPING_DATABASE = 'schema_sync';

/** Prefix of the scratch databases a compile creates and drops (compile.ts). */
export const SCRATCH_PREFIX = 'schema_sync_compile_';

/** The server's own databases. information_schema is matched without case, as the server does. */
const SYSTEM_DATABASES = new Set(['mysql', 'information_schema', 'performance_schema', 'sys']);

/**
 * Why a database is never a tenant, however the config names it: a plan against `mysql` would
 * alter the server's privilege tables; schema-sync's bookkeeping and a running compile's scratch
 * database are its own.
 */
export function systemDatabaseReason(name: string): string | undefined {
  if (SYSTEM_DATABASES.has(name.toLowerCase())) return 'a MySQL/MariaDB system database, never a tenant';
  if (name === BOOKKEEPING_DATABASE) return "schema-sync's own bookkeeping database, never a tenant";
  if (name.startsWith(SCRATCH_PREFIX)) return "a scratch database of a schema-sync compile, never a tenant";
  return undefined;
}

function candidate(name: string): DiscoveredTenant {
  const refused = systemDatabaseReason(name);
  return refused === undefined ? { name } : { name, refused };
}

/**
 * Candidate tenants: the databases matching the pattern (system databases are skipped without a
 * word, since `*` matches them), or the first column of the config's query, or the static list;
 * a system database the list or the query names comes back refused. Exclusion, labels and name
 * safety are applied by the caller (tenants/select-tenants.ts).
 */
export async function discoverDatabases(connection: Connection, selector: TenantSelector): Promise<DiscoveredTenant[]> {
  if (selector.list) return selector.list.map(candidate);
  if (selector.query) return (await runTenantsQuery(connection, selector.query)).map(candidate);
  const matches = picomatch(selector.pattern ?? '*', { dot: true });
  const [rows] = await connection.query<mysql.RowDataPacket[]>(LIST_DATABASES);
  return rows
    .map((row) => String(row['name']))
    .filter((name) => systemDatabaseReason(name) === undefined && matches(name))
    .map((name) => ({ name }));
}

/** What a tenants query may begin with: it is asked for names, so it only reads. */
const READING_STATEMENTS = new Set(['SELECT', 'WITH', 'VALUES', 'TABLE', 'SHOW', '(']);

/**
 * The config's tenants.query, in a READ ONLY transaction under the session's time limits. DDL
 * would commit that transaction implicitly before it ran, so anything but a read is refused
 * before it is sent; the driver sends one statement only, so a `; DROP ...` cannot follow.
 */
async function runTenantsQuery(connection: Connection, query: string): Promise<string[]> {
  const first = firstKeyword(query);
  if (first === undefined || !READING_STATEMENTS.has(first)) {
    throw new TenantQueryError(`the config's tenants.query cannot list tenants: it must be a SELECT (it begins with ${first ?? 'nothing'})`);
  }
  await connection.query('START TRANSACTION READ ONLY');
  try {
    const [rows] = await connection.query<mysql.RowDataPacket[][]>({ sql: query, rowsAsArray: true });
    // A NULL name is no tenant (a LEFT JOIN's empty side), not one called "null".
    return rows.filter((row) => row[0] !== null && row[0] !== undefined).map((row) => (Buffer.isBuffer(row[0]) ? row[0].toString('utf8') : String(row[0])));
  } catch (error) {
    throw new TenantQueryError(`the config's tenants.query cannot list tenants: ${errorMessage(error)}`);
  } finally {
    await connection.query('ROLLBACK').catch(() => undefined);
  }
}
