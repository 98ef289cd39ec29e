// What each ALTER TABLE operation costs on MySQL and MariaDB, in one table: the algorithm the
// server can use (INSTANT: a metadata change; INPLACE: no table copy, with LOCK=NONE reads and
// writes go on; COPY: the rows are copied into a new table while writes wait), whether the
// table is rebuilt, and the hazards a reviewer reads. Pure: operations and a flavor in, data out.
//
// The MariaDB column was measured on MariaDB 10.11 (the weakest ALGORITHM/LOCK each operation
// accepts, on an InnoDB table with a primary key, an index, a foreign key and a check); the MySQL
// column follows the MySQL 8.0 manual's "Online DDL Operations" tables, and claims nothing the
// manual does not. Where an entry has no algorithm, the server picks one and may copy the table:
// no ALGORITHM clause is written, and the step says it may block writes. Where it has one, the
// renderer writes it (ALGORITHM=INSTANT, or ALGORITHM=INPLACE with the LOCK), so a server that
// cannot keep the promise refuses the statement instead of silently copying the table.
import type { Hazard, HazardCode } from '../../plan/hazards.js';
import { hazardCodes } from '../../plan/hazards.js';
import type { StepLock } from '../../plan/step.js';
import type { Capabilities, Flavor, FlavorKind } from './flavor.js';

export type Algorithm = 'INSTANT' | 'INPLACE' | 'COPY';
export type DdlLock = 'NONE' | 'SHARED';

/** How the server runs one operation: `algorithm` undefined when the server picks (and may copy). */
export interface Online {
  readonly algorithm?: Algorithm;
  /** For INPLACE: the weakest LOCK the server accepts. */
  readonly lock?: DdlLock;
  readonly rebuilds: boolean;
}

/** The ALTER TABLE operations the renderer writes, each one clause. */
export type AlterOperation =
  | 'addColumn'
  | 'addAutoIncrementColumn'
  | 'addStoredColumn'
  | 'dropColumn'
  | 'dropIndexedColumn'
  | 'setDefault'
  | 'columnMetadata'
  | 'setNotNull'
  | 'modifyColumn'
  | 'renameColumn'
  | 'addIndex'
  | 'addFulltextIndex'
  | 'addSpatialIndex'
  | 'dropIndex'
  | 'renameIndex'
  | 'addPrimaryKey'
  | 'dropPrimaryKey'
  | 'replacePrimaryKey'
  | 'addForeignKey'
  | 'dropForeignKey'
  | 'addCheck'
  | 'dropCheck'
  | 'tableComment'
  | 'tableCharset'
  | 'engine'
  | 'createOptions';

const instant: Online = { algorithm: 'INSTANT', rebuilds: false };
const inplace: Online = { algorithm: 'INPLACE', lock: 'NONE', rebuilds: false };
const inplaceRebuild: Online = { algorithm: 'INPLACE', lock: 'NONE', rebuilds: true };
const inplaceShared: Online = { algorithm: 'INPLACE', lock: 'SHARED', rebuilds: true };
const copy: Online = { algorithm: 'COPY', rebuilds: true };
/** The server picks, and may copy the table. */
const serverPicks: Online = { rebuilds: true };

type Entry = Readonly<Record<FlavorKind, (c: Capabilities) => Online>>;

/**
 * The table. Columns are added at the end (the renderer writes no AFTER/FIRST), which is what
 * MySQL 8.0.12-8.0.28 needs for INSTANT.
 */
export const ONLINE_DDL: Readonly<Record<AlterOperation, Entry>> = {
  addColumn: { mariadb: (c) => (c.instantAddColumn ? instant : inplaceRebuild), mysql: (c) => (c.instantAddColumn ? instant : inplaceRebuild) },
  // Measured: LOCK=SHARED is the weakest MariaDB accepts; the manual says the same of MySQL.
  addAutoIncrementColumn: { mariadb: () => inplaceShared, mysql: () => inplaceShared },
  addStoredColumn: { mariadb: () => copy, mysql: () => copy },
  dropColumn: { mariadb: (c) => (c.instantDropColumn ? instant : inplaceRebuild), mysql: (c) => (c.instantDropColumn ? instant : inplaceRebuild) },
  // A column an index uses: the index goes with it (MariaDB: NOCOPY, no rebuild).
  dropIndexedColumn: { mariadb: () => inplace, mysql: () => inplaceRebuild },
  setDefault: { mariadb: () => instant, mysql: () => instant },
  // A column's comment or visibility alone.
  columnMetadata: { mariadb: (c) => (c.instantMetadata ? instant : serverPicks), mysql: () => serverPicks },
  setNotNull: { mariadb: () => inplaceRebuild, mysql: () => inplaceRebuild },
  // A type, charset, collation, AUTO_INCREMENT, ON UPDATE or generation change: a wider VARCHAR
  // is INSTANT on MariaDB, a narrower one or a new type is a COPY; the server picks.
  modifyColumn: { mariadb: () => serverPicks, mysql: () => serverPicks },
  renameColumn: { mariadb: (c) => (c.instantMetadata ? instant : inplace), mysql: () => inplace },
  addIndex: { mariadb: () => inplace, mysql: () => inplace },
  // InnoDB's first FULLTEXT index adds a hidden column: writes wait.
  addFulltextIndex: { mariadb: () => inplaceShared, mysql: () => inplaceShared },
  addSpatialIndex: { mariadb: () => inplaceShared, mysql: () => inplaceShared },
  dropIndex: { mariadb: () => inplace, mysql: () => inplace },
  renameIndex: { mariadb: (c) => (c.instantMetadata ? instant : inplace), mysql: () => inplace },
  addPrimaryKey: { mariadb: () => inplaceRebuild, mysql: () => inplaceRebuild },
  // Dropping a primary key without adding one copies the table; both in one statement do not.
  dropPrimaryKey: { mariadb: () => copy, mysql: () => copy },
  replacePrimaryKey: { mariadb: () => inplaceRebuild, mysql: () => inplaceRebuild },
  // With foreign_key_checks on (our sessions never turn it off), only COPY checks the rows.
  addForeignKey: { mariadb: () => copy, mysql: () => copy },
  dropForeignKey: { mariadb: (c) => (c.instantMetadata ? instant : inplace), mysql: () => inplace },
  addCheck: { mariadb: () => copy, mysql: () => copy },
  dropCheck: { mariadb: (c) => (c.instantMetadata ? instant : serverPicks), mysql: () => serverPicks },
  tableComment: { mariadb: (c) => (c.instantMetadata ? instant : serverPicks), mysql: () => serverPicks },
  // The table's default charset and collation: the columns keep theirs.
  tableCharset: { mariadb: (c) => (c.instantMetadata ? instant : serverPicks), mysql: () => serverPicks },
  // Another storage engine means copying every row into it.
  engine: { mariadb: () => copy, mysql: () => copy },
  // ROW_FORMAT, KEY_BLOCK_SIZE, STATS_*: the table is rebuilt in place.
  createOptions: { mariadb: () => inplaceRebuild, mysql: () => inplaceRebuild },
};

/** How the flavor runs the operation; without a flavor (a SQL manifest for any server) nothing is promised. */
export function onlineDdl(operation: AlterOperation, flavor: Flavor | undefined): Online {
  if (!flavor) return serverPicks;
  return ONLINE_DDL[operation][flavor.kind](flavor.capabilities);
}

const algorithmOrder: readonly Algorithm[] = ['INSTANT', 'INPLACE', 'COPY'];

/**
 * What one ALTER TABLE of several operations promises: the slowest algorithm and the strongest
 * lock among them; nothing when one of them leaves the choice to the server.
 */
export function combinedOnline(parts: readonly Online[]): Online {
  if (parts.some((p) => p.algorithm === undefined)) return serverPicks;
  const algorithm = parts.reduce<Algorithm>((a, p) => (algorithmOrder.indexOf(p.algorithm!) > algorithmOrder.indexOf(a) ? p.algorithm! : a), 'INSTANT');
  const lock: DdlLock | undefined = algorithm === 'INPLACE' ? (parts.some((p) => p.lock === 'SHARED') ? 'SHARED' : 'NONE') : undefined;
  return { algorithm, ...(lock && { lock }), rebuilds: parts.some((p) => p.rebuilds) };
}

/** The ALGORITHM/LOCK clauses an ALTER TABLE carries; none for COPY or when the server picks. */
export function onlineClauses(online: Online): string[] {
  if (online.algorithm === 'INSTANT') return ['ALGORITHM=INSTANT'];
  if (online.algorithm === 'INPLACE') return ['ALGORITHM=INPLACE', `LOCK=${online.lock ?? 'NONE'}`];
  return [];
}

/** The hazards of how the statement runs (its algorithm), for the table named. */
export function onlineHazards(table: string, online: Online): Hazard[] {
  const hazards: Hazard[] = [];
  if (online.algorithm === undefined) {
    hazards.push(hazard('REWRITES_TABLE', `the server chooses how to alter ${table}, and may copy the table`));
    hazards.push(hazard('BLOCKS_WRITES', `writes to ${table} may wait while the server copies the table`));
    return hazards;
  }
  if (online.rebuilds) {
    const how = online.algorithm === 'COPY' ? 'copies every row of' : 'rebuilds';
    hazards.push(hazard('REWRITES_TABLE', `${how} ${table}`));
  }
  if (online.algorithm === 'COPY' || online.lock === 'SHARED') hazards.push(hazard('BLOCKS_WRITES', `writes to ${table} wait until the statement ends; reads go on`));
  return hazards;
}

export function hazard(code: HazardCode, message: string): Hazard {
  return { code, message };
}

/** Hazards in the order of hazardCodes, one per code, so plans are deterministic. */
export function uniqueHazards(hazards: readonly Hazard[]): Hazard[] {
  const seen = new Map<HazardCode, Hazard>();
  for (const h of hazards) if (!seen.has(h.code)) seen.set(h.code, h);
  return hazardCodes.flatMap((code) => {
    const h = seen.get(code);
    return h ? [h] : [];
  });
}

/**
 * The lock a step takes, in the plan's (PostgreSQL's) words. Every ALTER, DROP and RENAME takes
 * the table's exclusive metadata lock, if only at its start and end, as PostgreSQL's catalog
 * updates take ACCESS EXCLUSIVE; how long writes wait is what the hazards say (BLOCKS_WRITES).
 * A step that only creates takes none on anything that existed.
 */
export const mysqlLocks = {
  create: 'NONE',
  alter: 'ACCESS EXCLUSIVE',
} as const satisfies Record<string, StepLock>;
