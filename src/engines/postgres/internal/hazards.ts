// Hazard decisions for PostgreSQL DDL, kept apart from the SQL text so a reviewer can read
// what we consider dangerous in one place. Everything here is pure: names in, hazards out.
import type { ColumnModel, DefinedObjectModel, SequenceModel } from '../../../model/types.js';
import { hazardCodes, type Hazard, type HazardCode } from '../../../plan/hazards.js';
import { stepLocks, type StepLock } from '../../../plan/step.js';
import { expressionTokens, identifierValue } from './sql-tokens.js';

function hazard(code: HazardCode, message: string): Hazard {
  return { code, message };
}

/** Hazards in a fixed order (the order of hazardCodes), one per code, so plans are deterministic. */
export function uniqueHazards(hazards: readonly Hazard[]): Hazard[] {
  const order: readonly HazardCode[] = hazardCodes;
  const seen = new Map<HazardCode, Hazard>();
  for (const h of hazards) if (!seen.has(h.code)) seen.set(h.code, h);
  return order.flatMap((code) => {
    const h = seen.get(code);
    return h ? [h] : [];
  });
}

// ---------------------------------------------------------------------------------------------
// Locks. The strongest lock each kind of statement the renderer writes takes on an object that
// existed before it (PostgreSQL 15, "Explicit Locking" and the notes of ALTER TABLE). Objects
// created in the same transaction are invisible to other sessions, so locks on them count as NONE.

export const pgLocks = {
  /** CREATE TABLE / TYPE / SEQUENCE, and anything done to a table the same transaction created. */
  create: 'NONE',
  /** Most ALTER TABLE forms, DROP and RENAME of tables, columns, types and constraints, DROP INDEX. */
  alterTable: 'ACCESS EXCLUSIVE',
  /** ADD FOREIGN KEY, on the table and the referenced table: writes wait, reads go on. */
  addForeignKey: 'SHARE ROW EXCLUSIVE',
  /** VALIDATE CONSTRAINT (ROW SHARE on a referenced table): reads and writes go on. */
  validateConstraint: 'SHARE UPDATE EXCLUSIVE',
  /** COMMENT ON a table, column or type. */
  comment: 'SHARE UPDATE EXCLUSIVE',
  /** CREATE INDEX: writes wait for the build, reads go on. */
  createIndex: 'SHARE',
  createIndexConcurrently: 'SHARE UPDATE EXCLUSIVE',
  /** ALTER INDEX ... RENAME takes only SHARE UPDATE EXCLUSIVE since PostgreSQL 12. */
  renameIndex: 'SHARE UPDATE EXCLUSIVE',
  alterSequence: 'SHARE ROW EXCLUSIVE',
  /** ALTER COLUMN ... SET STATISTICS and SET (n_distinct = ...): reads and writes go on. */
  setColumnStatistics: 'SHARE UPDATE EXCLUSIVE',
  /** ALTER TABLE ... CLUSTER ON / SET WITHOUT CLUSTER only mark an index: reads and writes go on. */
  clusterOn: 'SHARE UPDATE EXCLUSIVE',
  /** ALTER TYPE ... ADD VALUE locks the type, not the tables that use it. */
  addEnumValue: 'EXCLUSIVE',
  /** GRANT and REVOKE rewrite the object's catalog row (its ACL) and lock nothing that reads or writes it. */
  grant: 'NONE',
} as const satisfies Record<string, StepLock>;

/** The strongest of some locks, in the order of PostgreSQL's conflict table. */
export function strongestLock(locks: readonly StepLock[]): StepLock {
  return locks.reduce<StepLock>((a, b) => (stepLocks.indexOf(b) > stepLocks.indexOf(a) ? b : a), 'NONE');
}

// ---------------------------------------------------------------------------------------------
// Expressions, read with the engine's tokenizer (sql-tokens.ts).

// Functions a column default may call without forcing a table rewrite: PostgreSQL 11+ stores a
// non-volatile default in the catalog (the "fast default") and fills no rows. Stable functions
// such as now() qualify; anything we do not know is treated as volatile, to be safe.
const nonVolatileFunctions = new Set([
  'now', 'statement_timestamp', 'transaction_timestamp', 'current_timestamp', 'current_date',
  'current_time', 'localtimestamp', 'localtime', 'timezone', 'date_trunc', 'date_part', 'extract',
  'make_date', 'make_time', 'make_timestamp', 'make_timestamptz', 'make_interval', 'to_char',
  'to_date', 'to_timestamp', 'to_number', 'lower', 'upper', 'length', 'char_length', 'abs',
  'round', 'trunc', 'floor', 'ceil', 'ceiling', 'trim', 'btrim', 'ltrim', 'rtrim', 'concat',
  'concat_ws', 'substr', 'substring', 'replace', 'overlay', 'position', 'md5', 'coalesce',
  'nullif', 'greatest', 'least', 'cast', 'json_build_object', 'jsonb_build_object',
  'json_build_array', 'jsonb_build_array', 'array_fill', 'current_setting', 'current_schema',
  'current_user', 'session_user', 'int4range', 'int8range', 'numrange', 'tsrange', 'tstzrange',
  'daterange',
]);

/** Named explicitly so the intent is visible; unknown functions are volatile anyway. */
export const volatileFunctions: ReadonlySet<string> = new Set([
  'nextval', 'random', 'gen_random_uuid', 'clock_timestamp', 'timeofday', 'setseed',
  'uuid_generate_v1', 'uuid_generate_v1mc', 'uuid_generate_v3', 'uuid_generate_v4',
  'uuid_generate_v5', 'txid_current', 'pg_current_xact_id',
]);

// Words followed by `(` that are not function calls: SQL keywords and type names with a
// modifier (`'1'::numeric(10,2)`, `character varying(20)`, `timestamp(3) with time zone`).
const notFunctions = new Set([
  'and', 'or', 'not', 'in', 'any', 'all', 'some', 'array', 'row', 'exists', 'case', 'when', 'then',
  'else', 'is', 'as', 'between', 'like', 'ilike', 'similar', 'values', 'numeric', 'decimal',
  'varchar', 'character', 'varying', 'char', 'bit', 'time', 'timestamp', 'interval', 'float',
  'zone', 'with', 'without',
]);

/** Names of the functions an expression calls, lower-cased; schema-qualified ones as `schema.name`. */
export function calledFunctions(expr: string): string[] {
  const tokens = expressionTokens(expr).filter((t) => t.kind !== 'space');
  const names: string[] = [];
  tokens.forEach((token, i) => {
    if (token.kind !== 'word' && token.kind !== 'qident') return;
    if (tokens[i + 1]?.text !== '(') return;
    const previous = tokens[i - 1];
    if (previous?.text === '::') return;
    let name = identifierValue(token);
    if (token.kind === 'word' && notFunctions.has(name)) return;
    if (previous?.text === '.') {
      const schema = tokens[i - 2];
      if (schema && (schema.kind === 'word' || schema.kind === 'qident')) {
        const schemaName = identifierValue(schema);
        if (schemaName !== 'pg_catalog') name = `${schemaName}.${name}`;
      }
    }
    names.push(name);
  });
  return names;
}

/** True when an expression may give a different value per row, so ADD COLUMN must rewrite. */
export function isVolatileExpression(expr: string): boolean {
  return calledFunctions(expr).some((name) => volatileFunctions.has(name) || !nonVolatileFunctions.has(name));
}

// ---------------------------------------------------------------------------------------------
// Type changes PostgreSQL performs without rewriting the table or its indexes (binary-coercible
// and not narrowing); it still takes an ACCESS EXCLUSIVE lock, but only for a catalog update.

const varcharType = /^character varying(?:\((\d+)\))?$/;
const numericType = /^numeric(?:\((\d+)(?:,\s*(\d+))?\))?$/;

export function isBinaryCoercibleWidening(from: string, to: string): boolean {
  const fromVarchar = varcharType.exec(from);
  if (fromVarchar) {
    if (to === 'text') return true;
    const toVarchar = varcharType.exec(to);
    if (!toVarchar) return false;
    if (toVarchar[1] === undefined) return true;
    return fromVarchar[1] !== undefined && Number(toVarchar[1]) >= Number(fromVarchar[1]);
  }
  if (from === 'text') return to === 'character varying';
  const fromNumeric = numericType.exec(from);
  const toNumeric = numericType.exec(to);
  if (fromNumeric && toNumeric) {
    if (toNumeric[1] === undefined) return true;
    if (fromNumeric[1] === undefined) return false;
    return Number(toNumeric[1]) >= Number(fromNumeric[1]) && (toNumeric[2] ?? '0') === (fromNumeric[2] ?? '0');
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Hazards per change. `table`, `column` and the like are plain names, used only in messages.

export function dropTableHazards(table: string): Hazard[] {
  return [hazard('DELETES_DATA', `drops table ${table} and all its rows`)];
}

export function dropColumnHazards(table: string, column: string): Hazard[] {
  return [hazard('DELETES_DATA', `drops column ${table}.${column} and its values`)];
}

/** The counter of a dropped sequence cannot be recovered; recreating it restarts the numbering. */
export function dropSequenceHazards(sequence: string): Hazard[] {
  return [hazard('DELETES_DATA', `drops sequence ${sequence} and its current value`)];
}

export function addColumnHazards(table: string, column: ColumnModel): Hazard[] {
  const hazards: Hazard[] = [];
  const name = `${table}.${column.name}`;
  const rewrite =
    column.generated !== undefined
      ? 'a generated column'
      : column.identity !== undefined
        ? 'an identity column'
        : column.default !== undefined && isVolatileExpression(column.default)
          ? 'a volatile default'
          : undefined;
  if (rewrite) {
    hazards.push(hazard('REWRITES_TABLE', `adding ${name} with ${rewrite} rewrites table ${table}`));
    hazards.push(hazard('ACCESS_EXCLUSIVE_LOCK', `table ${table} is locked against reads and writes while ${name} is filled`));
  }
  if (!column.nullable && column.default === undefined && column.identity === undefined) {
    hazards.push(hazard('MAY_FAIL_ON_EXISTING_ROWS', `NOT NULL column ${name} has no default; fails if ${table} has rows`));
  }
  return hazards;
}

/** A changed generated expression: PostgreSQL 15 can only drop the column and add it again. */
export function regenerateColumnHazards(table: string, from: ColumnModel, to: ColumnModel): Hazard[] {
  const name = `${table}.${to.name}`;
  const hazards: Hazard[] = [];
  if (from.generated === undefined) {
    hazards.push(hazard('DELETES_DATA', `column ${name} is dropped and re-added as a generated column; its stored values are lost`));
  }
  hazards.push(hazard('REWRITES_TABLE', `re-adding generated column ${name} rewrites table ${table}`));
  hazards.push(hazard('ACCESS_EXCLUSIVE_LOCK', `table ${table} is locked against reads and writes while ${name} is recomputed`));
  hazards.push(...addColumnHazards(table, to).filter((h) => h.code === 'MAY_FAIL_ON_EXISTING_ROWS'));
  return uniqueHazards(hazards);
}

export function alterTypeHazards(table: string, column: string, fromType: string, toType: string): Hazard[] {
  const name = `${table}.${column}`;
  if (fromType === toType) {
    // Only the collation changes: no row is rewritten, but indexes on the column are rebuilt.
    return [hazard('ACCESS_EXCLUSIVE_LOCK', `changing the collation of ${name} locks ${table} and rebuilds its indexes on the column`)];
  }
  if (isBinaryCoercibleWidening(fromType, toType)) {
    return [hazard('ACCESS_EXCLUSIVE_LOCK', `changing ${name} from ${fromType} to ${toType} briefly locks ${table} (no rewrite)`)];
  }
  return [
    hazard('REWRITES_TABLE', `changing ${name} from ${fromType} to ${toType} rewrites table ${table} and its indexes`),
    hazard('ACCESS_EXCLUSIVE_LOCK', `table ${table} is locked against reads and writes during the rewrite`),
    hazard('MAY_FAIL_ON_EXISTING_ROWS', `existing values of ${name} may not convert to ${toType}`),
  ];
}

/**
 * SET NOT NULL run inside the main transaction (only when the same plan adds an identity to the
 * column, which needs NOT NULL first): the scan of every row runs under ACCESS EXCLUSIVE.
 */
export function setNotNullInTransactionHazards(table: string, column: string): Hazard[] {
  return [
    hazard('ACCESS_EXCLUSIVE_LOCK', `SET NOT NULL on ${table}.${column} scans ${table} under a lock that blocks reads and writes`),
    hazard('MAY_FAIL_ON_EXISTING_ROWS', `SET NOT NULL on ${table}.${column} fails if it holds NULLs`),
  ];
}

/** The short transaction that ends the online SET NOT NULL, after the check was validated. */
export function finishNotNullHazards(table: string, column: string): Hazard[] {
  return [
    hazard(
      'RUNS_AFTER_COMMIT',
      `sets ${table}.${column} NOT NULL in its own short transaction after the main one commits; if it fails (lock timeout), ${table}.${column} keeps its validated helper check and still allows NULLs`,
    ),
  ];
}

export function addKeyHazards(table: string, constraint: string, what: 'primary key' | 'unique constraint'): Hazard[] {
  return [
    hazard('INDEX_BUILD', `adding ${what} ${constraint} builds an index on ${table}`),
    hazard('ACCESS_EXCLUSIVE_LOCK', `table ${table} is locked against reads and writes while ${constraint} is built`),
    hazard('MAY_FAIL_ON_EXISTING_ROWS', `${what} ${constraint} fails if ${table} holds duplicates${what === 'primary key' ? ' or NULLs' : ''}`),
  ];
}

export function addExclusionHazards(table: string, constraint: string): Hazard[] {
  return [
    hazard('INDEX_BUILD', `adding exclusion constraint ${constraint} builds an index on ${table}`),
    hazard('ACCESS_EXCLUSIVE_LOCK', `table ${table} is locked against reads and writes while ${constraint} is built`),
    hazard('MAY_FAIL_ON_EXISTING_ROWS', `exclusion constraint ${constraint} fails if rows of ${table} conflict under it`),
  ];
}

export function addIndexHazards(table: string, index: string, unique: boolean, concurrently: boolean): Hazard[] {
  const hazards = [
    concurrently
      ? hazard('INDEX_BUILD', `builds index ${index} on ${table} concurrently, outside the transaction`)
      : hazard('INDEX_BUILD', `builds index ${index} on ${table}, blocking writes to ${table} for the build`),
  ];
  if (concurrently) {
    hazards.push(hazard('RUNS_AFTER_COMMIT', `builds ${index} on ${table} after the main transaction commits; if the build fails, the main transaction stays committed and ${index} is left INVALID`));
  }
  if (unique) hazards.push(hazard('MAY_FAIL_ON_EXISTING_ROWS', `unique index ${index} fails if ${table} holds duplicates`));
  return uniqueHazards(hazards);
}

/** VALIDATE CONSTRAINT, run in its own transaction after the main one has committed. */
export function validateConstraintHazards(table: string, constraint: string, what: 'foreign key' | 'check' | 'not null'): Hazard[] {
  const name = what === 'not null' ? `the NOT NULL check on ${constraint}` : `${what} ${constraint}`;
  return [
    hazard('MAY_FAIL_ON_EXISTING_ROWS', `${name} fails to validate if existing rows of ${table} violate it`),
    hazard(
      'RUNS_AFTER_COMMIT',
      `validates ${name} in its own transaction after the main one commits, while reads and writes of ${table} go on; if it fails, the main transaction stays committed and ${name} stays NOT VALID`,
    ),
  ];
}

export function recreateEnumHazards(name: string, usedBy: readonly { table: string; column: string; default?: string }[]): Hazard[] {
  const columns = usedBy.map((u) => `${u.table}.${u.column}`).join(', ') || 'no columns';
  const lost = usedBy.filter((u) => u.default === undefined).map((u) => `${u.table}.${u.column}`);
  // Without the desired default in the change, a column's default cannot be put back.
  const defaults = lost.length > 0 ? ` (any default on ${lost.join(', ')} is dropped)` : '';
  return [
    hazard('REWRITES_TABLE', `recreating type ${name} rewrites the tables of ${columns}${defaults}`),
    hazard('ACCESS_EXCLUSIVE_LOCK', `tables using ${name} are locked against reads and writes during the rewrite`),
    hazard('MAY_FAIL_ON_EXISTING_ROWS', `fails if ${columns} hold a value removed from ${name}`),
  ];
}

/** Narrowing a sequence's range fails when its current value lies outside the new range. */
export function alterSequenceHazards(from: SequenceModel, to: SequenceModel): Hazard[] {
  const typeRank = { smallint: 0, integer: 1, bigint: 2 } as const;
  const narrows =
    typeRank[to.type] < typeRank[from.type] ||
    BigInt(to.maxValue) < BigInt(from.maxValue) ||
    BigInt(to.minValue) > BigInt(from.minValue);
  return narrows
    ? [hazard('MAY_FAIL_ON_EXISTING_ROWS', `fails if the current value of sequence ${to.name} is outside its new range`)]
    : [];
}

/**
 * A table whose partitioning (or inheritance, see inheritReplaceReasons) changed cannot be altered
 * into it: dropped with its rows and partitions, created empty. A partitioned table holds no rows
 * of its own, so when every partition is kept (detached and attached again) nothing is lost.
 */
export function replaceTableHazards(
  table: string,
  reasons: readonly string[],
  partitioned: boolean,
  kept: readonly string[],
  dropped: readonly string[],
): Hazard[] {
  const lock = hazard('ACCESS_EXCLUSIVE_LOCK', `table ${table} is locked against reads and writes until the transaction ends`);
  const why = `(${reasons.join('; ')}); PostgreSQL cannot change this in place`;
  if (partitioned && dropped.length === 0) return [lock];
  const keeping = kept.length > 0 ? `, except ${kept.join(', ')}, detached and attached again with their rows,` : '';
  const what = partitioned ? `the partitions ${dropped.join(', ')} with their rows` : 'all its rows and partitions';
  return [hazard('DELETES_DATA', `drops table ${table} with ${what}${keeping} and creates it anew ${why}`), lock];
}

/** ATTACH PARTITION scans the table to check its rows against the bound (and the default partition for rows that now belong here). */
export function attachPartitionHazards(table: string, parent: string): Hazard[] {
  return [
    hazard('MAY_FAIL_ON_EXISTING_ROWS', `attaching ${table} to ${parent} fails if a row of ${table} lies outside its bound, or the default partition holds a row inside it`),
    hazard('ACCESS_EXCLUSIVE_LOCK', `${table} (and a default partition of ${parent}) is locked against reads and writes while its rows are checked`),
  ];
}

/** DETACH PARTITION: the partition's rows stop being rows of the partitioned table. */
export function detachPartitionHazards(table: string, parent: string, reattached: boolean): Hazard[] {
  const lock = hazard('ACCESS_EXCLUSIVE_LOCK', `${parent} is locked against reads and writes while ${table} is detached`);
  if (reattached) return [lock];
  return [hazard('DELETES_DATA', `detaching ${table} from ${parent} removes its rows from ${parent} (they stay in ${table})`), lock];
}

/**
 * INHERIT: the table's rows become rows of the parent's queries (SELECT, UPDATE, DELETE without
 * ONLY), and both tables are locked while the catalog changes (the child's columns and CHECKs
 * must match the parent's, or it fails).
 */
export function inheritHazards(table: string, parent: string): Hazard[] {
  return [hazard('ACCESS_EXCLUSIVE_LOCK', `${table} is locked against reads and writes while it joins ${parent}; from then on queries on ${parent} also read and change the rows of ${table}`)];
}

/** NO INHERIT: the table's rows stop being what queries on the parent return. */
export function noInheritHazards(table: string, parent: string, rejoins: boolean): Hazard[] {
  const lock = hazard('ACCESS_EXCLUSIVE_LOCK', `${table} is locked against reads and writes while it leaves ${parent}`);
  if (rejoins) return [lock];
  return [hazard('DELETES_DATA', `queries on ${parent} stop returning the rows of ${table} (they stay in ${table})`), lock];
}

/** SET LOGGED / SET UNLOGGED copies the whole table. */
export function setLoggedHazards(table: string): Hazard[] {
  return [
    hazard('REWRITES_TABLE', `changing whether ${table} is logged rewrites it`),
    hazard('ACCESS_EXCLUSIVE_LOCK', `table ${table} is locked against reads and writes during the rewrite`),
  ];
}

// ---------------------------------------------------------------------------------------------
// Views, routines, triggers, policies, domains and composite types

/** What a reader calls the object: `view film_list`, `trigger film_ts on film`. */
export function objectWords(object: Pick<DefinedObjectModel, 'kind' | 'name' | 'table'>): string {
  return object.table === undefined ? `${object.kind} ${object.name}` : `${object.kind} ${object.name} on ${object.table}`;
}

/**
 * A materialized view's rows are gone with it (a recreated one is filled again from its query);
 * a policy dropped for good lets through what it held back (a permissive one's loss narrows
 * access instead, but which applies depends on the others, so a reviewer looks); an object others
 * use is dropped only with them, which the plan does first.
 */
export function dropObjectHazards(object: DefinedObjectModel, recreate: boolean, dependants: readonly string[]): Hazard[] {
  const hazards: Hazard[] = [];
  const what = objectWords(object);
  if (!recreate && object.kind === 'materialized view') hazards.push(hazard('DELETES_DATA', `drops ${what} and its rows`));
  if (!recreate && object.kind === 'policy') hazards.push(hazard('WEAKENS_SECURITY', `drops ${what}: the rows it governed follow the remaining policies`));
  if (dependants.length > 0) {
    hazards.push(
      hazard(
        'DROPS_DEPENDED_ON_OBJECT',
        `drops ${what}, which ${dependants.join(', ')} ${dependants.length === 1 ? 'depends' : 'depend'} on; the plan drops ${dependants.length === 1 ? 'it' : 'them'} first${recreate ? ' and creates everything again after it' : ''}`,
      ),
    );
  }
  return hazards;
}

/** A routine's new body takes effect for every caller at once; an index built with the old one holds the old results. */
export function replaceObjectHazards(object: DefinedObjectModel, usedBy: readonly string[]): Hazard[] {
  if (usedBy.length === 0) return [];
  const indexes = usedBy.some((u) => u.startsWith('index ') || u.startsWith('materialized view:'));
  return [
    hazard(
      'REPLACES_ROUTINE_IN_USE',
      `replaces ${objectWords(object)}, which ${usedBy.join(', ')} ${usedBy.length === 1 ? 'uses' : 'use'}` +
        (indexes ? '; an index or materialized view computed with the old body keeps its old results until rebuilt (REINDEX, REFRESH)' : ''),
    ),
  ];
}

/** ALTER DOMAIN ... ADD CONSTRAINT and SET NOT NULL check every column of the domain. */
export function alterDomainHazards(domain: string, addsCheck: boolean, setsNotNull: boolean): Hazard[] {
  if (!addsCheck && !setsNotNull) return [];
  return [hazard('MAY_FAIL_ON_EXISTING_ROWS', `checks every value of domain ${domain} in the tables that use it; fails if one does not pass`)];
}

/**
 * A domain or composite type replaced while table columns hold its values: every such column is
 * converted, rewriting its table; a composite type's attribute the new one lacks loses its values.
 */
export function replaceTypeHazards(object: DefinedObjectModel, columns: readonly string[], arrays: readonly string[], droppedAttributes: readonly string[]): Hazard[] {
  if (columns.length === 0) return [];
  const what = objectWords(object);
  const list = columns.join(', ');
  const hazards = [
    hazard('REWRITES_TABLE', `replacing ${what} converts ${list} to the new type, rewriting ${columns.length === 1 ? 'its table' : 'their tables'}`),
    hazard('ACCESS_EXCLUSIVE_LOCK', `the tables of ${list} are locked against reads and writes during the rewrite`),
    hazard(
      'MAY_FAIL_ON_EXISTING_ROWS',
      `fails if a value of ${list} does not convert to the new ${what} or fails its checks` +
        (object.kind === 'composite type' && arrays.length > 0 ? ` (an array, ${arrays.join(', ')}, converts through its text form: its attributes must line up by position)` : ''),
    ),
  ];
  if (droppedAttributes.length > 0) hazards.unshift(droppedAttributesHazard(object.name, droppedAttributes, list));
  return hazards;
}

/** DROP ATTRIBUTE of a composite type whose values table columns hold: those attributes' values are gone. */
export function dropAttributeHazards(type: string, dropped: readonly string[], columns: readonly string[]): Hazard[] {
  if (dropped.length === 0 || columns.length === 0) return [];
  return [droppedAttributesHazard(type, dropped, columns.join(', '))];
}

function droppedAttributesHazard(type: string, dropped: readonly string[], columns: string): Hazard {
  return hazard('DELETES_DATA', `drops attribute${dropped.length === 1 ? '' : 's'} ${dropped.join(', ')} of composite type ${type}: ${dropped.length === 1 ? 'its values' : 'their values'} in ${columns} are lost`);
}

export function rowSecurityHazards(table: string, from: { enabled: boolean; forced: boolean }, to: { enabled: boolean; forced: boolean }): Hazard[] {
  const hazards: Hazard[] = [];
  if (from.enabled && !to.enabled) hazards.push(hazard('WEAKENS_SECURITY', `disables row-level security on ${table}: its policies stop applying`));
  else if (from.forced && !to.forced) hazards.push(hazard('WEAKENS_SECURITY', `stops forcing row-level security on ${table}: its owner bypasses the policies`));
  return hazards;
}

/** Privileges a role loses, and privileges PUBLIC (every role) gains. */
export function grantHazards(what: string, grantee: string, delta: { readonly revoked: readonly string[]; readonly optionRevoked: readonly string[]; readonly granted: readonly string[]; readonly grantedWithOption: readonly string[] }): Hazard[] {
  const hazards: Hazard[] = [];
  const lost = [...delta.revoked, ...delta.optionRevoked.map((p) => `GRANT OPTION FOR ${p}`)];
  if (lost.length > 0) hazards.push(hazard('REVOKES_PRIVILEGE', `revokes ${lost.join(', ')} on ${what} from ${grantee}: what it runs that needs them fails`));
  const gained = [...delta.granted, ...delta.grantedWithOption];
  if (grantee === 'PUBLIC' && gained.length > 0) hazards.push(hazard('WEAKENS_SECURITY', `grants ${gained.join(', ')} on ${what} to PUBLIC: every role gets them`));
  return hazards;
}
