// MySQL and MariaDB are one engine. Where they differ (session variables, catalog columns, what
// DDL they accept), the code asks a capability of the server's one Flavor value, detected once
// per server; this file is the only place that reads version numbers.

export type FlavorKind = 'mariadb' | 'mysql';

export interface Capabilities {
  /**
   * The session variable bounding a statement's run: MariaDB's max_statement_time (seconds, any
   * statement), MySQL's max_execution_time (milliseconds, read-only SELECTs only).
   */
  readonly statementTimeVariable: 'max_statement_time' | 'max_execution_time';
  /**
   * information_schema.CHECK_CONSTRAINTS names the table (MariaDB 10.2.22+); on MySQL 8.0.16+ the
   * table comes from TABLE_CONSTRAINTS, which also says whether the check is ENFORCED.
   */
  readonly checkConstraints: 'with-table' | 'via-table-constraints' | 'none';
  /** The STATISTICS column that marks an index the optimizer leaves alone: IGNORED (MariaDB 10.6+), IS_VISIBLE (MySQL 8). */
  readonly ignoredIndexColumn?: 'IGNORED' | 'IS_VISIBLE';
  /** STATISTICS.EXPRESSION holds a functional index key part (MySQL 8.0.13+). */
  readonly indexExpressions: boolean;
  /**
   * COLUMN_DEFAULT is SQL text: string literals quoted, NULL as the word NULL, expressions as
   * written (MariaDB 10.2.7+). MySQL prints a literal unquoted and marks an expression
   * DEFAULT_GENERATED in EXTRA.
   */
  readonly defaultsAreSql: boolean;
  /** ADD COLUMN at the end is ALGORITHM=INSTANT (MariaDB 10.3.2+, MySQL 8.0.12+). */
  readonly instantAddColumn: boolean;
  /** DROP COLUMN of a column no index uses is ALGORITHM=INSTANT (MariaDB 10.4+, MySQL 8.0.29+). */
  readonly instantDropColumn: boolean;
  /**
   * Changes of a column's or table's metadata alone are ALGORITHM=INSTANT (MariaDB 10.3+): a
   * column's comment, visibility or wider VARCHAR, RENAME COLUMN and RENAME INDEX, a table's
   * comment and default charset, dropping a CHECK or a foreign key. MySQL does some of these in
   * place without claiming INSTANT for all, so it is not asked to.
   */
  readonly instantMetadata: boolean;
  /** How an index the optimizer leaves alone is written: IGNORED (MariaDB 10.6+), INVISIBLE (MySQL 8). */
  readonly ignoredIndexWord?: 'IGNORED' | 'INVISIBLE';
}

export interface Flavor {
  readonly kind: FlavorKind;
  /** major.minor.patch as VERSION() begins. */
  readonly version: readonly [number, number, number];
  /** `mariadb 10.11`: what decides how the server prints, for messages and the compile cache's key. */
  readonly label: string;
  readonly capabilities: Capabilities;
}

/**
 * The flavor from `SELECT VERSION(), @@version_comment`. MariaDB puts its name in VERSION()
 * (`10.11.19-MariaDB-0+deb12u1`); a distribution may replace version_comment (Debian's says
 * `Debian 12`), so both are looked at. Percona Server and other MySQL builds are MySQL.
 */
export function detectFlavor(version: string, comment: string): Flavor {
  const numbers = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!numbers) throw new Error(`cannot read the server's version from ${JSON.stringify(version)}`);
  const v = [Number(numbers[1]), Number(numbers[2]), Number(numbers[3])] as const;
  const kind: FlavorKind = /mariadb/i.test(version) || /mariadb/i.test(comment) ? 'mariadb' : 'mysql';
  return { kind, version: v, label: `${kind} ${v[0]}.${v[1]}`, capabilities: capabilitiesOf(kind, v) };
}

function atLeast(version: readonly [number, number, number], major: number, minor: number, patch = 0): boolean {
  const [a, b, c] = version;
  return a !== major ? a > major : b !== minor ? b > minor : c >= patch;
}

function capabilitiesOf(kind: FlavorKind, v: readonly [number, number, number]): Capabilities {
  if (kind === 'mariadb') {
    return {
      statementTimeVariable: 'max_statement_time',
      checkConstraints: atLeast(v, 10, 2, 22) ? 'with-table' : 'none',
      ...(atLeast(v, 10, 6) && { ignoredIndexColumn: 'IGNORED' as const }),
      indexExpressions: false,
      defaultsAreSql: atLeast(v, 10, 2, 7),
      instantAddColumn: atLeast(v, 10, 3, 2),
      instantDropColumn: atLeast(v, 10, 4),
      instantMetadata: atLeast(v, 10, 3),
      ...(atLeast(v, 10, 6) && { ignoredIndexWord: 'IGNORED' as const }),
    };
  }
  return {
    statementTimeVariable: 'max_execution_time',
    checkConstraints: atLeast(v, 8, 0, 16) ? 'via-table-constraints' : 'none',
    ...(atLeast(v, 8, 0) && { ignoredIndexColumn: 'IS_VISIBLE' as const }),
    indexExpressions: atLeast(v, 8, 0, 13),
    defaultsAreSql: false,
    instantAddColumn: atLeast(v, 8, 0, 12),
    instantDropColumn: atLeast(v, 8, 0, 29),
    instantMetadata: false,
    ...(atLeast(v, 8, 0) && { ignoredIndexWord: 'INVISIBLE' as const }),
  };
}

/**
 * Assignments (for one SET) that bound every wait of a session (invariant 9). lock_wait_timeout counts
 * whole seconds (at least 1); MariaDB's max_statement_time is seconds with a fraction, MySQL's
 * max_execution_time milliseconds; 0 means no limit on both, so a limit is never rounded to 0.
 */
export function sessionBounds(flavor: Flavor, lockTimeoutMs: number, statementTimeoutMs: number): string[] {
  const lock = Math.max(1, Math.ceil(lockTimeoutMs / 1000));
  const statement = Math.max(0, Math.floor(statementTimeoutMs));
  const value = flavor.capabilities.statementTimeVariable === 'max_statement_time' ? (statement === 0 ? '0' : String(Math.max(statement, 1) / 1000)) : String(statement);
  return [`SESSION lock_wait_timeout = ${lock}`, `SESSION ${flavor.capabilities.statementTimeVariable} = ${value}`];
}
