// Renders engine-neutral changes to PostgreSQL DDL. Every object name is written as
// `<qualifier>.<quoted name>` (DESIGN.md invariant 4): nothing relies on search_path, and a
// hostile name can never leave its quotes.
import { createHash } from 'node:crypto';
import type { Change, ValidatedConstraint } from '../../../diff/changes.js';
import type {
  CheckModel,
  ColumnModel,
  ExclusionModel,
  ForeignKeyModel,
  IndexKey,
  IdentitySequenceModel,
  IndexModel,
  PrimaryKeyModel,
  SequenceModel,
  TableModel,
  UniqueModel,
} from '../../../model/types.js';
import type { Hazard } from '../../../plan/hazards.js';
import type { PlanStep, RenderChanges, RenderOptions, StepLock } from '../../../plan/step.js';
import type { CommentedObject } from '../../../diff/changes.js';
import { serialSequenceName } from './normalize.js';
import { quoteIdent, quoteLiteral } from './connect.js';
import { grantDelta, grantStatements } from './grants.js';
import { grantTargetWords } from '../../../model/grant-target.js';
import { renderObjectChange, replacedTypeName } from './render-objects.js';
import { describeChange } from '../../../diff/describe-change.js';
import {
  addColumnHazards,
  addExclusionHazards,
  addIndexHazards,
  addKeyHazards,
  alterSequenceHazards,
  alterTypeHazards,
  attachPartitionHazards,
  detachPartitionHazards,
  inheritHazards,
  noInheritHazards,
  dropColumnHazards,
  dropSequenceHazards,
  dropTableHazards,
  grantHazards,
  finishNotNullHazards,
  pgLocks,
  recreateEnumHazards,
  regenerateColumnHazards,
  replaceTableHazards,
  setLoggedHazards,
  setNotNullInTransactionHazards,
  uniqueHazards,
  validateConstraintHazards,
} from './hazards.js';
import { expressionTokens, identifierValue } from './sql-tokens.js';
import { fkActions } from '../../shared/fk-actions.js';

export { quoteIdent, quoteLiteral };

// ---------------------------------------------------------------------------------------------
// Names, types and expressions

/** A tenant object: the opaque qualifier (a quoted schema or a placeholder), then the quoted name. */
function qualified(name: string, options: RenderOptions): string {
  return `${options.qualifier}.${quoteIdent(name)}`;
}

function columnList(columns: readonly string[]): string {
  return columns.map(quoteIdent).join(', ');
}

/**
 * Splits a possibly dotted, possibly quoted name (`public.citext`, `ext."My Type"`) into its parts
 * as PostgreSQL reads them, so each part can be quoted on its own.
 */
function splitQualifiedName(name: string): string[] {
  const tokens = expressionTokens(name);
  const parts: string[] = [];
  let expectName = true;
  for (const token of tokens) {
    if (expectName && (token.kind === 'word' || token.kind === 'qident')) {
      parts.push(identifierValue(token));
      expectName = false;
    } else if (!expectName && token.text === '.') {
      expectName = true;
    } else {
      throw new Error(`not a qualified name: ${name}`);
    }
  }
  if (expectName) throw new Error(`not a qualified name: ${name}`);
  return parts;
}

function quoteQualifiedName(name: string): string {
  return splitQualifiedName(name).map(quoteIdent).join('.');
}

/** A tenant-owned type named like the model writes it: bare (`mood`) or quoted (`"Mood"`). */
function tenantTypeName(base: string, options: RenderOptions): string | undefined {
  if (options.tenantTypes.includes(base)) return base;
  if (/^"(?:[^"]|"")+"$/.test(base)) {
    const unquoted = base.slice(1, -1).replaceAll('""', '"');
    if (options.tenantTypes.includes(unquoted)) return unquoted;
  }
  return undefined;
}

/**
 * Tenant types (enums) are qualified like every other tenant object, arrays included; a dotted
 * external type has each part quoted; built-in spellings (`character varying(20)`) pass as given.
 */
export function renderType(type: string, options: RenderOptions): string {
  const arrayMatch = /((?:\[\d*\])*)$/.exec(type);
  const arraySuffix = arrayMatch?.[1] ?? '';
  const base = type.slice(0, type.length - arraySuffix.length).trim();
  const tenantType = tenantTypeName(base, options);
  if (tenantType !== undefined) return qualified(tenantType, options) + arraySuffix;
  const tokens = expressionTokens(base);
  if (tokens.some((t) => t.text === '.')) {
    // `public.vector(3)`: the name part is quoted, the modifier kept as written.
    const paren = tokens.findIndex((t) => t.text === '(');
    const nameTokens = paren < 0 ? tokens : tokens.slice(0, paren);
    const name = nameTokens.map((t) => t.text).join('').trim();
    const modifier = paren < 0 ? '' : tokens.slice(paren).map((t) => t.text).join('');
    return quoteQualifiedName(name) + modifier + arraySuffix;
  }
  return type;
}

/** The value of a '...' or E'...' literal; undefined for escapes other than \\ and \'. */
function literalContent(text: string): string | undefined {
  if (text.startsWith("'")) return text.slice(1, -1).replaceAll("''", "'");
  if (!/^[Ee]'/.test(text)) return undefined;
  const body = text.slice(2, -1);
  let value = '';
  for (let i = 0; i < body.length; i += 2) {
    const c = body[i] as string;
    const next = body[i + 1];
    if (c === '\\' && (next === '\\' || next === "'")) value += next;
    else if (c === "'" && next === "'") value += "'";
    else if (c === '\\') return undefined;
    else {
      value += c;
      i--;
    }
  }
  return value;
}

/**
 * Expressions are already SQL, with the tenant's own qualifier stripped by inspection. Apply
 * runs with an empty search_path, so the places where an expression names a tenant object get
 * the qualifier back: a cast to a tenant type (`'a'::mood`, `'{a}'::mood[]`), a call of a tenant
 * routine (`norm(name)` in an index key or a default), and `nextval('seq'::regclass)` naming a
 * tenant sequence. Everything else is written as given.
 */
export function renderExpression(expr: string, options: RenderOptions): string {
  const tokens = expressionTokens(expr);
  const out = tokens.map((t) => t.text);
  const next = (from: number): number => {
    let i = from;
    while (tokens[i]?.kind === 'space') i++;
    return i;
  };
  tokens.forEach((token, i) => {
    if (token.text === '::') {
      const target = next(i + 1);
      const typeToken = tokens[target];
      if (typeToken?.kind !== 'word' && typeToken?.kind !== 'qident') return;
      if (tokens[next(target + 1)]?.text === '.') return; // already schema-qualified
      const name = identifierValue(typeToken);
      if (options.tenantTypes.includes(name)) out[target] = qualified(name, options);
      return;
    }
    if ((token.kind === 'word' || token.kind === 'qident') && options.tenantFunctions !== undefined && tokens[next(i + 1)]?.text === '(') {
      let before = i - 1;
      while (tokens[before]?.kind === 'space') before--;
      const name = identifierValue(token);
      // Not a qualified name's last part, nor a type's name after `::` (numeric(10,2)).
      if (tokens[before]?.text !== '.' && tokens[before]?.text !== '::' && options.tenantFunctions.includes(name)) {
        out[i] = qualified(name, options);
        return;
      }
    }
    if (token.kind !== 'word' || token.text.toLowerCase() !== 'nextval') return;
    const open = next(i + 1);
    if (tokens[open]?.text !== '(') return;
    const literal = next(open + 1);
    const literalToken = tokens[literal];
    if (literalToken?.kind !== 'string') return;
    const content = literalContent(literalToken.text);
    if (content === undefined) return;
    let close = next(literal + 1);
    if (tokens[close]?.text === '::') {
      const cast = next(close + 1);
      if (tokens[cast]?.text.toLowerCase() !== 'regclass') return;
      close = next(cast + 1);
    }
    if (tokens[close]?.text !== ')') return;
    let parts: string[];
    try {
      parts = splitQualifiedName(content);
    } catch {
      return;
    }
    const sequence = parts[0];
    if (parts.length !== 1 || sequence === undefined || !options.tenantSequences.includes(sequence)) return;
    out[literal] = quoteLiteral(qualified(sequence, options));
  });
  return out.join('');
}

function renderCollation(collation: string): string {
  // Collation names may contain dots (`en_US.utf8`), so the whole name is one identifier.
  return quoteIdent(collation);
}

/** External catalog names (index methods, operator classes) may be schema-qualified. */
function renderCatalogName(name: string): string {
  return quoteQualifiedName(name);
}


function deferrableClause(c: { deferrable?: boolean; initiallyDeferred?: boolean }): string {
  if (!c.deferrable) return '';
  return c.initiallyDeferred ? ' DEFERRABLE INITIALLY DEFERRED' : ' DEFERRABLE';
}

function commentLiteral(comment: string | undefined): string {
  return comment === undefined ? 'NULL' : quoteLiteral(comment);
}

/** Sequence options are strings in the model; only plain integers may reach the SQL. */
function integer(value: string, what: string): string {
  if (!/^-?\d+$/.test(value)) throw new Error(`sequence ${what} must be an integer, got ${JSON.stringify(value)}`);
  return value;
}

/** Plain words for a summary line: names unquoted, control characters made visible. */
function words(name: string): string {
  return name.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** A short, deterministic name for the temporary CHECK used to set NOT NULL without a long lock. */
function notNullCheckName(table: string, column: string): string {
  const hash = createHash('sha256').update(`${table}\0${column}`).digest('hex').slice(0, 12);
  return `schema_sync_nn_${hash}`;
}

// ---------------------------------------------------------------------------------------------
// Definitions

// Words of operators that PostgreSQL's grammar allows in an a_expr but not in a b_expr.
const aExprOnly = new Set(['and', 'or', 'not', 'is', 'isnull', 'notnull', 'in', 'like', 'ilike', 'similar', 'between', 'collate', 'at', 'overlaps', 'any', 'all', 'some']);

/**
 * A column definition's DEFAULT takes only a b_expr (gram.y), while the canonical text of a
 * default drops the parentheses the server prints around it: `pg_sleep(0) IS NULL` must be
 * written `DEFAULT (pg_sleep(0) IS NULL)`. SET DEFAULT takes any a_expr and needs none.
 */
function columnDefault(expr: string): string {
  let depth = 0;
  for (const token of expressionTokens(expr)) {
    if (token.text === '(' || token.text === '[') depth++;
    else if (token.text === ')' || token.text === ']') depth--;
    else if (depth === 0 && token.kind === 'word' && aExprOnly.has(token.text.toLowerCase())) return `(${expr})`;
  }
  return expr;
}

function columnDefinition(column: ColumnModel, options: RenderOptions): string {
  let sql = `${quoteIdent(column.name)} ${renderType(column.type, options)}`;
  if (column.collation !== undefined) sql += ` COLLATE ${renderCollation(column.collation)}`;
  if (column.generated !== undefined) sql += ` GENERATED ALWAYS AS (${renderExpression(column.generated, options)}) STORED`;
  if (column.identity !== undefined) sql += ` GENERATED ${column.identity === 'always' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY${identityClause(column, options)}`;
  if (column.default !== undefined) sql += ` DEFAULT ${columnDefault(renderExpression(column.default, options))}`;
  if (!column.nullable) sql += ' NOT NULL';
  return sql;
}

function primaryKeyDefinition(pk: PrimaryKeyModel): string {
  return `CONSTRAINT ${quoteIdent(pk.name)} PRIMARY KEY (${columnList(pk.columns)})`;
}

function uniqueDefinition(u: UniqueModel): string {
  const nulls = u.nullsNotDistinct ? ' NULLS NOT DISTINCT' : '';
  return `CONSTRAINT ${quoteIdent(u.name)} UNIQUE${nulls} (${columnList(u.columns)})${deferrableClause(u)}`;
}

function exclusionDefinition(exclusion: ExclusionModel, options: RenderOptions): string {
  return `CONSTRAINT ${quoteIdent(exclusion.name)} ${renderExpression(exclusion.definition, options)}`;
}

function checkDefinition(check: CheckModel, options: RenderOptions): string {
  return `CONSTRAINT ${quoteIdent(check.name)} CHECK (${renderExpression(check.expression, options)})`;
}

/**
 * `other.table` names a table outside the tenant (a shared schema), qualified by its own schema.
 * Only a well-formed two-part name counts: any other name with a dot in it (`x.y; --`) is a
 * tenant table and stays inside the tenant's qualifier.
 */
function referencedTable(refTable: string, options: RenderOptions): string {
  if (refTable.includes('.')) {
    let parts: string[] = [];
    try {
      parts = splitQualifiedName(refTable);
    } catch {
      // not a qualified name: a tenant table whose name happens to contain a dot
    }
    if (parts.length === 2) return parts.map(quoteIdent).join('.');
  }
  return qualified(refTable, options);
}

function foreignKeyDefinition(fk: ForeignKeyModel, options: RenderOptions): string {
  let sql =
    `CONSTRAINT ${quoteIdent(fk.name)} FOREIGN KEY (${columnList(fk.columns)}) ` +
    `REFERENCES ${referencedTable(fk.refTable, options)} (${columnList(fk.refColumns)})`;
  if (fk.match === 'full') sql += ' MATCH FULL';
  sql += ` ON DELETE ${fkActions[fk.onDelete]} ON UPDATE ${fkActions[fk.onUpdate]}`;
  return sql + deferrableClause(fk);
}

function indexKey(key: IndexKey, options: RenderOptions): string {
  let sql: string;
  if (key.column !== undefined) sql = quoteIdent(key.column);
  else if (key.expression !== undefined) sql = `(${renderExpression(key.expression, options)})`;
  else throw new Error('an index key needs a column or an expression');
  if (key.collation !== undefined) sql += ` COLLATE ${renderCollation(key.collation)}`;
  if (key.opclass !== undefined) sql += ` ${renderCatalogName(key.opclass)}`;
  if (key.descending) sql += ' DESC';
  if (key.nulls !== undefined) sql += ` NULLS ${key.nulls === 'first' ? 'FIRST' : 'LAST'}`;
  return sql;
}

function createIndexStatement(table: string, index: IndexModel, concurrently: boolean, options: RenderOptions): string {
  // Index names are schema-scoped: the index lands in its table's schema, so it takes no qualifier.
  let sql =
    `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${concurrently ? 'CONCURRENTLY ' : ''}${quoteIdent(index.name)} ` +
    `ON ${qualified(table, options)} USING ${renderCatalogName(index.method)} ` +
    `(${index.keys.map((k) => indexKey(k, options)).join(', ')})`;
  if (index.include.length > 0) sql += ` INCLUDE (${columnList(index.include)})`;
  if (index.storageParameters !== undefined && Object.keys(index.storageParameters).length > 0) {
    sql += ` WITH (${storageParameterList(index.storageParameters)})`;
  }
  if (index.where !== undefined) sql += ` WHERE ${renderExpression(index.where, options)}`;
  return sql;
}

function commentOnColumn(table: string, column: string, comment: string | undefined, options: RenderOptions): string {
  return `COMMENT ON COLUMN ${qualified(table, options)}.${quoteIdent(column)} IS ${commentLiteral(comment)}`;
}

/** ` (SEQUENCE NAME ... START WITH ...)` of an identity column, or nothing when it has neither. */
function identityClause(column: ColumnModel, options: RenderOptions): string {
  const parts = [
    ...(column.identitySequenceName !== undefined ? [`SEQUENCE NAME ${qualified(column.identitySequenceName, options)}`] : []),
    ...(column.identityOptions !== undefined ? identitySequenceOptions(column.identityOptions) : []),
  ];
  return parts.length === 0 ? '' : ` (${parts.join(' ')})`;
}

function identitySequenceOptions(s: IdentitySequenceModel): string[] {
  return [
    `INCREMENT BY ${integer(s.increment, 'increment')}`,
    `MINVALUE ${integer(s.minValue, 'minValue')}`,
    `MAXVALUE ${integer(s.maxValue, 'maxValue')}`,
    `START WITH ${integer(s.start, 'start')}`,
    `CACHE ${integer(s.cache, 'cache')}`,
    s.cycle ? 'CYCLE' : 'NO CYCLE',
  ];
}

/**
 * The settings of a column that CREATE TABLE and ADD COLUMN cannot hold on PostgreSQL 15
 * (STORAGE in a column definition is 16+), as ALTER COLUMN actions; `from` is what the column has
 * without them. A partition's column starts as its parent's, whose storage it copies.
 */
function columnSettingActions(from: ColumnModel, to: ColumnModel): string[] {
  const actions: string[] = [];
  if ((from.statistics ?? -1) !== (to.statistics ?? -1)) actions.push(`SET STATISTICS ${to.statistics ?? -1}`);
  if ((from.storage ?? null) !== (to.storage ?? null)) actions.push(`SET STORAGE ${storageKeyword(to)}`);
  if ((from.compression ?? null) !== (to.compression ?? null)) actions.push(`SET COMPRESSION ${to.compression === undefined ? 'DEFAULT' : quoteIdent(to.compression)}`);
  const reset = Object.keys(from.options ?? {}).filter((k) => to.options?.[k] === undefined);
  const set = Object.entries(to.options ?? {}).filter(([k, v]) => from.options?.[k] !== v);
  if (reset.length > 0) actions.push(`RESET (${reset.map(optionName).join(', ')})`);
  if (set.length > 0) actions.push(`SET (${set.map(([k, v]) => `${optionName(k)} = ${quoteLiteral(v)}`).join(', ')})`);
  return actions;
}

/**
 * The type's own storage when the model holds none. PostgreSQL 15 has no SET STORAGE DEFAULT
 * (16+): among the built-in types that can change storage, numeric, inet and cidr default to MAIN
 * (pg_type.typstorage 'm'), every other one to EXTENDED.
 */
function storageKeyword(column: ColumnModel): string {
  if (column.storage !== undefined) return column.storage.toUpperCase();
  const base = column.type.replace(/\(.*$/, '').trim();
  return !column.type.endsWith(']') && ['numeric', 'inet', 'cidr'].includes(base) ? 'MAIN' : 'EXTENDED';
}

/** A storage parameter or attribute option name: `toast.autovacuum_enabled` is a namespace and a name. */
function optionName(name: string): string {
  const dot = name.indexOf('.');
  return dot < 0 ? quoteIdent(name) : `${quoteIdent(name.slice(0, dot))}.${quoteIdent(name.slice(dot + 1))}`;
}

function storageParameterList(parameters: Readonly<Record<string, string>>): string {
  return Object.entries(parameters).map(([k, v]) => `${optionName(k)} = ${quoteLiteral(v)}`).join(', ');
}

/** COMMENT ON for an index, constraint or sequence; names of indexes and sequences take the tenant's qualifier. */
function commentOnObject(object: CommentedObject, comment: string | undefined, options: RenderOptions): string {
  switch (object.kind) {
    case 'constraint':
      return `COMMENT ON CONSTRAINT ${quoteIdent(object.name)} ON ${qualified(object.table, options)} IS ${commentLiteral(comment)}`;
    case 'index':
      return `COMMENT ON INDEX ${qualified(object.name, options)} IS ${commentLiteral(comment)}`;
    case 'sequence':
      return `COMMENT ON SEQUENCE ${qualified(object.name, options)} IS ${commentLiteral(comment)}`;
  }
}

function sequenceOptions(s: SequenceModel): string {
  return (
    `AS ${s.type} INCREMENT BY ${integer(s.increment, 'increment')} ` +
    `MINVALUE ${integer(s.minValue, 'minValue')} MAXVALUE ${integer(s.maxValue, 'maxValue')} ` +
    `START WITH ${integer(s.start, 'start')} CACHE ${integer(s.cache, 'cache')} ${s.cycle ? 'CYCLE' : 'NO CYCLE'}`
  );
}

// ---------------------------------------------------------------------------------------------
// Steps

/** A step of the main transaction. Without a lock named, it takes ACCESS EXCLUSIVE, as most ALTER TABLE does. */
function step(summary: string, sql: string[], hazards: readonly Hazard[] = [], lock: StepLock = pgLocks.alterTable): PlanStep {
  return { summary, sql, hazards: uniqueHazards(hazards), runs: 'main-transaction', lock, transactional: true };
}

/**
 * A step that runs in its own transaction once the main one has committed, so a long scan
 * (VALIDATE CONSTRAINT) holds only its own weaker lock. `failureLeaves` says what the tenant holds
 * if it fails then.
 */
function ownTransactionStep(
  summary: string,
  sql: string[],
  hazards: readonly Hazard[],
  lock: StepLock,
  failureLeaves: string,
  timeoutMs?: number,
): PlanStep {
  return {
    summary,
    sql,
    hazards: uniqueHazards(hazards),
    runs: 'own-transaction',
    lock,
    transactional: false,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    failureLeaves,
  };
}

/** VALIDATE CONSTRAINT in a transaction of its own, after the main one has committed. */
function validateStep(table: string, constraint: string, what: ValidatedConstraint, options: RenderOptions): PlanStep {
  return ownTransactionStep(
    `validate ${what} ${words(constraint)} on ${words(table)}`,
    [`ALTER TABLE ${qualified(table, options)} VALIDATE CONSTRAINT ${quoteIdent(constraint)}`],
    validateConstraintHazards(table, constraint, what),
    pgLocks.validateConstraint,
    `${what} ${words(constraint)} on ${words(table)}, NOT VALID: it holds for new and changed rows, existing rows were not checked ` +
      '(the next plan validates it)',
    options.indexTimeoutMs,
  );
}

/** ADD CONSTRAINT ... NOT VALID in the main transaction, then VALIDATE in a transaction of its own. */
function addThenValidate(
  table: string,
  constraint: string,
  what: ValidatedConstraint,
  summary: string,
  add: string,
  options: RenderOptions,
  after: readonly string[] = [],
): PlanStep[] {
  const addLock = what === 'foreign key' ? pgLocks.addForeignKey : pgLocks.alterTable;
  return [step(`${summary} (NOT VALID)`, [`${add} NOT VALID`, ...after], [], addLock), validateStep(table, constraint, what, options)];
}

function createTableStatements(table: TableModel, options: RenderOptions): string[] {
  const q = qualified(table.name, options);
  const partition = table.partitionOf;
  const elements = [
    // A partition's columns are its parent's: what differs on it is altered afterwards.
    ...(partition ? [] : table.columns.map((c) => columnDefinition(c, options))),
    ...(table.primaryKey ? [primaryKeyDefinition(table.primaryKey)] : []),
    ...table.uniques.map(uniqueDefinition),
    ...table.checks.map((c) => checkDefinition(c, options)),
    ...(table.exclusions ?? []).map((x) => exclusionDefinition(x, options)),
  ];
  const body = elements.length > 0 ? ` (\n  ${elements.join(',\n  ')}\n)` : partition ? '' : ' ()';
  let sql = `CREATE ${table.unlogged ? 'UNLOGGED ' : ''}TABLE ${q}`;
  sql += partition ? ` PARTITION OF ${qualified(partition.table, options)}${body} ${partitionBound(partition.bound, options)}` : body;
  // Its parents' columns and CHECKs come with INHERITS; the columns it lists merge with theirs.
  if (table.inherits !== undefined) sql += ` INHERITS (${table.inherits.map((p) => referencedTable(p, options)).join(', ')})`;
  if (table.partitionBy !== undefined) sql += ` PARTITION BY ${renderExpression(table.partitionBy, options)}`;
  if (table.storageParameters !== undefined && Object.keys(table.storageParameters).length > 0) {
    sql += ` WITH (${storageParameterList(table.storageParameters)})`;
  }
  const statements = [sql];
  if (table.comment !== undefined) statements.push(`COMMENT ON TABLE ${q} IS ${quoteLiteral(table.comment)}`);
  for (const column of table.columns) {
    if (column.comment !== undefined) statements.push(commentOnColumn(table.name, column.name, column.comment, options));
    const actions = partition ? [] : columnSettingActions({ name: column.name, type: column.type, nullable: column.nullable }, column);
    if (actions.length > 0) statements.push(alterColumnActions(q, column.name, actions));
  }
  const constraint = (name: string): CommentedObject => ({ kind: 'constraint', table: table.name, name });
  for (const item of [...(table.primaryKey ? [table.primaryKey] : []), ...table.uniques, ...table.checks, ...(table.exclusions ?? [])]) {
    if (item.comment !== undefined) statements.push(commentOnObject(constraint(item.name), item.comment, options));
  }
  return statements;
}

/** COMMENT ON CONSTRAINT for a constraint added with a comment. */
function constraintComment(table: string, item: { readonly name: string; readonly comment?: string }, options: RenderOptions): string[] {
  return item.comment === undefined ? [] : [commentOnObject({ kind: 'constraint', table, name: item.name }, item.comment, options)];
}

/** One ALTER TABLE with an ALTER COLUMN per action. */
function alterColumnActions(table: string, column: string, actions: readonly string[]): string {
  return `ALTER TABLE ${table} ${actions.map((a) => `ALTER COLUMN ${quoteIdent(column)} ${a}`).join(', ')}`;
}

/** `DEFAULT`, or `FOR VALUES ...` as pg_get_expr prints a bound. */
function partitionBound(bound: string, options: RenderOptions): string {
  return bound.trim().toUpperCase() === 'DEFAULT' ? 'DEFAULT' : renderExpression(bound, options);
}

function createTable(table: TableModel, options: RenderOptions): PlanStep {
  const under = table.partitionOf ? ` partition of ${words(table.partitionOf.table)}` : table.inherits ? ` inheriting ${table.inherits.map(words).join(', ')}` : '';
  return step(`create table ${words(table.name)}${under}`, createTableStatements(table, options), [], pgLocks.create);
}

/** A table whose partitioning changed: dropped with its rows and created anew, in one step. */
function replaceTable(change: Extract<Change, { kind: 'replaceTable' }>, options: RenderOptions): PlanStep {
  const sql = [`DROP TABLE ${qualified(change.from.name, options)}`, ...createTableStatements(change.to, options)];
  const hazards = replaceTableHazards(change.to.name, change.reasons, change.from.partitionBy !== undefined, change.keptPartitions ?? [], change.droppedPartitions ?? []);
  return step(`replace table ${words(change.to.name)} (${change.reasons.map(words).join('; ')})`, sql, hazards);
}

function alterTable(change: Extract<Change, { kind: 'alterTable' }>, options: RenderOptions): PlanStep[] {
  const { from, to } = change;
  const t = qualified(change.table, options);
  const steps: PlanStep[] = [];
  if (change.changed.includes('unlogged')) {
    steps.push(step(`alter table ${words(change.table)}: set ${to.unlogged ? 'unlogged' : 'logged'}`, [`ALTER TABLE ${t} SET ${to.unlogged ? 'UNLOGGED' : 'LOGGED'}`], setLoggedHazards(change.table)));
  }
  if (change.changed.includes('clusterOn')) {
    const sql = to.clusterOn !== undefined ? `ALTER TABLE ${t} CLUSTER ON ${quoteIdent(to.clusterOn)}` : `ALTER TABLE ${t} SET WITHOUT CLUSTER`;
    steps.push(step(`alter table ${words(change.table)}: ${to.clusterOn !== undefined ? `cluster on ${words(to.clusterOn)}` : 'without cluster'}`, [sql], [], pgLocks.clusterOn));
  }
  if (change.changed.includes('replicaIdentity')) {
    const identity = to.replicaIdentity;
    const clause = identity === undefined ? 'DEFAULT' : typeof identity === 'object' ? `USING INDEX ${quoteIdent(identity.index)}` : identity.toUpperCase();
    steps.push(step(`alter table ${words(change.table)}: replica identity ${words(clause.toLowerCase())}`, [`ALTER TABLE ${t} REPLICA IDENTITY ${clause}`]));
  }
  if (change.changed.includes('storageParameters')) {
    steps.push(step(`alter table ${words(change.table)}: storage parameters`, setStorageParameters(`ALTER TABLE ${t}`, from.storageParameters, to.storageParameters)));
  }
  return steps;
}

/** RESET of the parameters that go, SET of those that are new or changed, on `alter` (`ALTER TABLE t`, `ALTER INDEX i`). */
function setStorageParameters(alter: string, from: Readonly<Record<string, string>> | undefined, to: Readonly<Record<string, string>> | undefined): string[] {
  const before = from ?? {};
  const after = to ?? {};
  const reset = Object.keys(before).filter((k) => after[k] === undefined);
  const set = Object.fromEntries(Object.entries(after).filter(([k, v]) => before[k] !== v));
  const sql: string[] = [];
  if (reset.length > 0) sql.push(`${alter} RESET (${reset.map(optionName).join(', ')})`);
  if (Object.keys(set).length > 0) sql.push(`${alter} SET (${storageParameterList(set)})`);
  return sql;
}

function addColumnStatements(table: string, column: ColumnModel, options: RenderOptions): string[] {
  const sql = [`ALTER TABLE ${qualified(table, options)} ADD COLUMN ${columnDefinition(column, options)}`];
  if (column.comment !== undefined) sql.push(commentOnColumn(table, column.name, column.comment, options));
  const actions = columnSettingActions({ name: column.name, type: column.type, nullable: column.nullable }, column);
  if (actions.length > 0) sql.push(alterColumnActions(qualified(table, options), column.name, actions));
  return sql;
}

function alterColumn(change: Extract<Change, { kind: 'alterColumn' }>, options: RenderOptions): PlanStep[] {
  const { table, from, to } = change;
  const changed = new Set(change.changed);
  const t = qualified(table, options);
  const c = quoteIdent(to.name);
  const alter = (action: string): string => `ALTER TABLE ${t} ALTER COLUMN ${c} ${action}`;
  const name = `${words(table)}.${words(to.name)}`;
  const steps: PlanStep[] = [];

  if (changed.has('generated')) {
    if (to.generated !== undefined || from.generated === undefined) {
      // PostgreSQL 15 cannot change a generation expression in place (SET EXPRESSION is 17+).
      const sql = [`ALTER TABLE ${t} DROP COLUMN ${c}`, ...addColumnStatements(table, to, options)];
      return [step(`re-add column ${name} (generated)`, sql, regenerateColumnHazards(table, from, to))];
    }
    // Generated -> plain keeps the stored values and rewrites nothing (PostgreSQL 13+).
    steps.push(step(`alter column ${name}: drop generation expression`, [alter('DROP EXPRESSION')]));
  }

  let defaultDone = false;
  if (changed.has('type') || changed.has('collation')) {
    const type = renderType(to.type, options);
    const collate = to.collation !== undefined ? ` COLLATE ${renderCollation(to.collation)}` : '';
    // A tenant enum may come from another enum, which has no direct cast; text bridges them.
    const viaText = tenantTypeName(to.type.replace(/(?:\[\d*\])+$/, ''), options) !== undefined ? '::text' : '';
    const using = changed.has('type') ? ` USING ${c}${viaText}::${type}` : '';
    const sql: string[] = [];
    // The old default may not convert to the new type (no assignment cast), so it is taken off
    // and the desired one put back afterwards.
    if (from.default !== undefined && changed.has('type')) sql.push(alter('DROP DEFAULT'));
    sql.push(alter(`TYPE ${type}${collate}${using}`));
    if (from.default !== undefined && changed.has('type')) {
      if (to.default !== undefined) sql.push(alter(`SET DEFAULT ${renderExpression(to.default, options)}`));
      defaultDone = true;
    }
    const summary = changed.has('type')
      ? `alter column ${name}: type ${words(from.type)} -> ${words(to.type)}`
      : `alter column ${name}: collation ${words(from.collation ?? 'default')} -> ${words(to.collation ?? 'default')}`;
    steps.push(step(summary, sql, alterTypeHazards(table, to.name, changed.has('type') ? from.type : to.type, to.type)));
  }

  // Identity is dropped before nullability and defaults change: an identity column can be
  // neither nullable nor given a default.
  if (changed.has('identity') && from.identity !== undefined && to.identity === undefined) {
    steps.push(step(`alter column ${name}: drop identity`, [alter('DROP IDENTITY')]));
  }

  if (changed.has('nullable')) {
    if (!to.nullable && changed.has('identity') && from.identity === undefined && to.identity !== undefined) {
      // The identity added below needs the column NOT NULL inside the same transaction.
      steps.push(step(`alter column ${name}: set not null`, [alter('SET NOT NULL')], setNotNullInTransactionHazards(table, to.name)));
    } else if (!to.nullable) {
      // A validated CHECK (c IS NOT NULL) lets SET NOT NULL skip its own full scan (PostgreSQL 12+).
      // The check is added NOT VALID in the main transaction (a catalog update), validated in its
      // own transaction under SHARE UPDATE EXCLUSIVE, then a short transaction sets NOT NULL.
      const checkName = notNullCheckName(table, to.name);
      const check = quoteIdent(checkName);
      const helper = `check ${checkName} (${words(to.name)} IS NOT NULL) on ${words(table)}`;
      steps.push(
        step(`alter column ${name}: set not null, 1/3: add ${helper} NOT VALID`, [`ALTER TABLE ${t} ADD CONSTRAINT ${check} CHECK (${c} IS NOT NULL) NOT VALID`]),
        ownTransactionStep(
          `alter column ${name}: set not null, 2/3: validate ${helper}`,
          [`ALTER TABLE ${t} VALIDATE CONSTRAINT ${check}`],
          validateConstraintHazards(table, `${table}.${to.name}`, 'not null'),
          pgLocks.validateConstraint,
          `${helper}, NOT VALID; ${name} still allows NULLs (the next plan sets it again)`,
          options.indexTimeoutMs,
        ),
        ownTransactionStep(
          `alter column ${name}: set not null, 3/3: set not null and drop the check`,
          [alter('SET NOT NULL'), `ALTER TABLE ${t} DROP CONSTRAINT ${check}`],
          finishNotNullHazards(table, to.name),
          pgLocks.alterTable,
          `${helper}, validated; ${name} still allows NULLs (the next plan sets it again)`,
        ),
      );
    } else {
      steps.push(step(`alter column ${name}: drop not null`, [alter('DROP NOT NULL')]));
    }
  }

  if (changed.has('default') && !defaultDone) {
    steps.push(
      to.default !== undefined
        ? step(`alter column ${name}: set default`, [alter(`SET DEFAULT ${renderExpression(to.default, options)}`)])
        : step(`alter column ${name}: drop default`, [alter('DROP DEFAULT')]),
    );
  }

  if (changed.has('identity') && to.identity !== undefined) {
    const kind = to.identity === 'always' ? 'ALWAYS' : 'BY DEFAULT';
    steps.push(
      from.identity === undefined
        ? step(`alter column ${name}: add identity (${to.identity})`, [
            alter(`ADD GENERATED ${kind} AS IDENTITY${identityClause(to, options)}`),
          ])
        : step(`alter column ${name}: identity ${from.identity} -> ${to.identity}`, [alter(`SET GENERATED ${kind}`)]),
    );
  }

  if (changed.has('identityOptions') && to.identity !== undefined && !(changed.has('identity') && from.identity === undefined)) {
    const sequenceOptions = to.identityOptions ?? defaultIdentityOptions(to.type);
    if (sequenceOptions !== undefined) {
      const actions = identitySequenceOptions(sequenceOptions).map((o) => `SET ${o}`);
      steps.push(step(`alter column ${name}: identity sequence options`, [alter(actions.join(' '))], [], pgLocks.alterSequence));
    }
  }

  if (changed.has('identitySequenceName') && from.identity !== undefined && to.identity !== undefined) {
    const before = from.identitySequenceName ?? serialSequenceName(table, from.name);
    const after = to.identitySequenceName ?? serialSequenceName(table, to.name);
    if (before !== after) {
      steps.push(
        step(`alter column ${name}: identity sequence ${words(before)} -> ${words(after)}`, [`ALTER SEQUENCE ${qualified(before, options)} RENAME TO ${quoteIdent(after)}`], [], pgLocks.alterTable),
      );
    }
  }

  const settings = (['statistics', 'storage', 'compression', 'options'] as const).filter((p) => changed.has(p));
  if (settings.length > 0) {
    const actions = columnSettingActions({ ...from, ...(changed.has('type') && { type: to.type }) }, to);
    // SET STORAGE and SET COMPRESSION take ACCESS EXCLUSIVE; the statistics settings less.
    const lock = settings.some((p) => p === 'storage' || p === 'compression') ? pgLocks.alterTable : pgLocks.setColumnStatistics;
    steps.push(step(`alter column ${name}: ${settings.join(', ')}`, actions.map(alter), [], lock));
  }

  if (changed.has('comment')) {
    steps.push(step(`alter column ${name}: comment`, [commentOnColumn(table, to.name, to.comment, options)], [], pgLocks.comment));
  }
  return steps;
}

/** CREATE SEQUENCE's defaults for an identity column of an integer type, which an identity without options returns to. */
function defaultIdentityOptions(type: string): IdentitySequenceModel | undefined {
  const max = ({ smallint: '32767', integer: '2147483647', bigint: '9223372036854775807' } as Readonly<Record<string, string>>)[type];
  return max === undefined ? undefined : { start: '1', increment: '1', minValue: '1', maxValue: max, cache: '1', cycle: false };
}

function alterSequence(from: SequenceModel, to: SequenceModel, options: RenderOptions): PlanStep[] {
  const clauses: string[] = [];
  if (from.type !== to.type) clauses.push(`AS ${to.type}`);
  if (from.increment !== to.increment) clauses.push(`INCREMENT BY ${integer(to.increment, 'increment')}`);
  // A new type changes the implied bounds, so both are restated with it.
  if (from.minValue !== to.minValue || from.type !== to.type) clauses.push(`MINVALUE ${integer(to.minValue, 'minValue')}`);
  if (from.maxValue !== to.maxValue || from.type !== to.type) clauses.push(`MAXVALUE ${integer(to.maxValue, 'maxValue')}`);
  if (from.start !== to.start) clauses.push(`START WITH ${integer(to.start, 'start')}`);
  if (from.cache !== to.cache) clauses.push(`CACHE ${integer(to.cache, 'cache')}`);
  if (from.cycle !== to.cycle) clauses.push(to.cycle ? 'CYCLE' : 'NO CYCLE');
  const owner = (s: SequenceModel): string => (s.ownedBy ? `${s.ownedBy.table}.${s.ownedBy.column}` : '');
  if (owner(from) !== owner(to)) {
    clauses.push(
      to.ownedBy
        ? `OWNED BY ${qualified(to.ownedBy.table, options)}.${quoteIdent(to.ownedBy.column)}`
        : 'OWNED BY NONE',
    );
  }
  const persistence = (from.unlogged ?? false) !== (to.unlogged ?? false) ? [`ALTER SEQUENCE ${qualified(from.name, options)} SET ${to.unlogged ? 'UNLOGGED' : 'LOGGED'}`] : [];
  if (clauses.length === 0) {
    return persistence.length === 0 ? [] : [step(`alter sequence ${words(to.name)}: ${to.unlogged ? 'unlogged' : 'logged'}`, persistence, [], pgLocks.alterTable)];
  }
  const what =
    owner(from) !== owner(to) && clauses.length === 1
      ? to.ownedBy
        ? `owned by ${words(to.ownedBy.table)}.${words(to.ownedBy.column)}`
        : 'owned by none'
      : 'options';
  return [
    step(
      `alter sequence ${words(to.name)}: ${what}`,
      [`ALTER SEQUENCE ${qualified(from.name, options)} ${clauses.join(' ')}`, ...persistence],
      alterSequenceHazards(from, to),
      persistence.length > 0 ? pgLocks.alterTable : pgLocks.alterSequence,
    ),
  ];
}

/**
 * A column recreateEnum converts. The change type carries only table and column; `array` and
 * `default` are read when the diff supplies them, because neither can be learned from the
 * change otherwise: an array column needs `mood[]` as its target type, and a default must be
 * put back after the conversion (it has to be dropped, see below).
 */
interface EnumUse {
  readonly table: string;
  readonly column: string;
  readonly array?: boolean;
  readonly default?: string;
}

function recreateEnum(change: Extract<Change, { kind: 'recreateEnum' }>, options: RenderOptions): PlanStep {
  const { from, to } = change;
  const usedBy: readonly EnumUse[] = change.usedBy;
  const oldName = replacedTypeName(from.name);
  const type = qualified(to.name, options);
  const sql = [
    `ALTER TYPE ${qualified(from.name, options)} RENAME TO ${quoteIdent(oldName)}`,
    `CREATE TYPE ${type} AS ENUM (${to.values.map(quoteLiteral).join(', ')})`,
  ];
  for (const use of usedBy) {
    const alter = `ALTER TABLE ${qualified(use.table, options)} ALTER COLUMN ${quoteIdent(use.column)}`;
    const target = use.array ? `${type}[]` : type;
    // A default such as 'a'::mood keeps pointing at the old type, has no cast to the new one and
    // would block its drop, so it is dropped unconditionally (a no-op without one).
    sql.push(`${alter} DROP DEFAULT`);
    sql.push(`${alter} TYPE ${target} USING ${quoteIdent(use.column)}::text::${target}`);
    if (use.default !== undefined) sql.push(`${alter} SET DEFAULT ${renderExpression(use.default, options)}`);
  }
  sql.push(`DROP TYPE ${qualified(oldName, options)}`);
  if (to.comment !== undefined) sql.push(`COMMENT ON TYPE ${type} IS ${quoteLiteral(to.comment)}`);
  return step(`recreate enum ${words(to.name)} (${to.values.map(words).join(', ')})`, sql, recreateEnumHazards(to.name, usedBy));
}

function renderChange(change: Change, options: RenderOptions): PlanStep[] {
  const q = (name: string): string => qualified(name, options);
  switch (change.kind) {
    case 'createEnum': {
      const e = change.enum;
      const sql = [`CREATE TYPE ${q(e.name)} AS ENUM (${e.values.map(quoteLiteral).join(', ')})`];
      if (e.comment !== undefined) sql.push(`COMMENT ON TYPE ${q(e.name)} IS ${quoteLiteral(e.comment)}`);
      return [step(`create enum ${words(e.name)}`, sql, [], pgLocks.create)];
    }
    case 'dropEnum':
      return [step(`drop enum ${words(change.enum.name)}`, [`DROP TYPE ${q(change.enum.name)}`])];
    case 'addEnumValues':
      return [
        step(
          `add values to enum ${words(change.enum)}: ${change.values.map((v) => words(v.value)).join(', ')}`,
          change.values.map(
            (v) => `ALTER TYPE ${q(change.enum)} ADD VALUE ${quoteLiteral(v.value)}${v.before !== undefined ? ` BEFORE ${quoteLiteral(v.before)}` : ''}`,
          ),
          [],
          pgLocks.addEnumValue,
        ),
      ];
    case 'recreateEnum':
      return [recreateEnum(change, options)];
    case 'setEnumComment':
      return [step(`comment on enum ${words(change.enum)}`, [`COMMENT ON TYPE ${q(change.enum)} IS ${commentLiteral(change.comment)}`], [], pgLocks.comment)];

    case 'createSequence':
      // Ownership comes later as an alterSequence, once the owning table exists.
      return [
        step(
          `create sequence ${words(change.sequence.name)}`,
          [
            `CREATE ${change.sequence.unlogged ? 'UNLOGGED ' : ''}SEQUENCE ${q(change.sequence.name)} ${sequenceOptions(change.sequence)}`,
            ...(change.sequence.comment !== undefined ? [commentOnObject({ kind: 'sequence', name: change.sequence.name }, change.sequence.comment, options)] : []),
          ],
          [],
          pgLocks.create,
        ),
      ];
    case 'alterSequence':
      return alterSequence(change.from, change.to, options);
    case 'dropSequence':
      // IF EXISTS: an owned sequence may already have gone with its table.
      return [step(`drop sequence ${words(change.sequence.name)}`, [`DROP SEQUENCE IF EXISTS ${q(change.sequence.name)}`], dropSequenceHazards(change.sequence.name))];

    case 'createTable':
      return [createTable(change.table, options)];
    case 'dropTable':
      return [step(`drop table ${words(change.table.name)}`, [`DROP TABLE ${q(change.table.name)}`], dropTableHazards(change.table.name))];
    case 'rebuildTable':
      // PostgreSQL alters tables in place; only engines whose refineChanges emits rebuilds render them.
      throw new Error(`table rebuilds are not planned for postgres (table ${change.to.name})`);
    case 'replaceTable':
      return [replaceTable(change, options)];
    case 'alterTable':
      return alterTable(change, options);
    case 'attachPartition':
      return [
        step(
          `attach partition ${words(change.table)} to ${words(change.partitionOf.table)}`,
          [`ALTER TABLE ${q(change.partitionOf.table)} ATTACH PARTITION ${q(change.table)} ${partitionBound(change.partitionOf.bound, options)}`],
          attachPartitionHazards(change.table, change.partitionOf.table),
        ),
      ];
    case 'detachPartition':
      return [
        step(
          `detach partition ${words(change.table)} from ${words(change.partitionOf.table)}`,
          [`ALTER TABLE ${q(change.partitionOf.table)} DETACH PARTITION ${q(change.table)}`],
          detachPartitionHazards(change.table, change.partitionOf.table, change.reattached === true),
        ),
      ];
    case 'inherit':
      return [step(`${words(change.table)} inherits ${words(change.parent)}`, [`ALTER TABLE ${q(change.table)} INHERIT ${referencedTable(change.parent, options)}`], inheritHazards(change.table, change.parent))];
    case 'noInherit':
      return [
        step(
          `${words(change.table)} no longer inherits ${words(change.parent)}`,
          [`ALTER TABLE ${q(change.table)} NO INHERIT ${referencedTable(change.parent, options)}`],
          noInheritHazards(change.table, change.parent, change.rejoins),
        ),
      ];
    case 'setObjectComment':
      return [
        step(
          `comment on ${change.object.kind} ${change.object.kind === 'sequence' ? '' : `${words(change.object.table)}.`}${words(change.object.name)}`,
          [commentOnObject(change.object, change.comment, options)],
          [],
          pgLocks.comment,
        ),
      ];
    case 'renameTable':
      return [step(`rename table ${words(change.from)} to ${words(change.to)}`, [`ALTER TABLE ${q(change.from)} RENAME TO ${quoteIdent(change.to)}`])];
    case 'setTableComment':
      return [step(`comment on table ${words(change.table)}`, [`COMMENT ON TABLE ${q(change.table)} IS ${commentLiteral(change.comment)}`], [], pgLocks.comment)];

    case 'addColumn':
      return [
        step(
          `add column ${words(change.table)}.${words(change.column.name)} (${words(change.column.type)})`,
          addColumnStatements(change.table, change.column, options),
          addColumnHazards(change.table, change.column),
        ),
      ];
    case 'dropColumn':
      return [
        step(
          `drop column ${words(change.table)}.${words(change.column.name)}`,
          [`ALTER TABLE ${q(change.table)} DROP COLUMN ${quoteIdent(change.column.name)}`],
          dropColumnHazards(change.table, change.column.name),
        ),
      ];
    case 'renameColumn':
      return [
        step(
          `rename column ${words(change.table)}.${words(change.from)} to ${words(change.to)}`,
          [`ALTER TABLE ${q(change.table)} RENAME COLUMN ${quoteIdent(change.from)} TO ${quoteIdent(change.to)}`],
        ),
      ];
    case 'alterColumn':
      return alterColumn(change, options);

    case 'renameConstraint':
      return [
        step(`rename constraint ${words(change.table)}.${words(change.from)} to ${words(change.to)}`, [
          `ALTER TABLE ${q(change.table)} RENAME CONSTRAINT ${quoteIdent(change.from)} TO ${quoteIdent(change.to)}`,
        ]),
      ];
    case 'renameIndex':
      return [
        step(
          `rename index ${words(change.table)}.${words(change.from)} to ${words(change.to)}`,
          [`ALTER INDEX ${q(change.from)} RENAME TO ${quoteIdent(change.to)}`],
          [],
          pgLocks.renameIndex,
        ),
      ];
    case 'addPrimaryKey':
      return [
        step(
          `add primary key ${words(change.primaryKey.name)} on ${words(change.table)} (${change.primaryKey.columns.map(words).join(', ')})`,
          [`ALTER TABLE ${q(change.table)} ADD ${primaryKeyDefinition(change.primaryKey)}`, ...constraintComment(change.table, change.primaryKey, options)],
          addKeyHazards(change.table, change.primaryKey.name, 'primary key'),
        ),
      ];
    case 'dropPrimaryKey':
      return [step(`drop primary key ${words(change.primaryKey.name)} on ${words(change.table)}`, [`ALTER TABLE ${q(change.table)} DROP CONSTRAINT ${quoteIdent(change.primaryKey.name)}`])];
    case 'addUnique':
      return [
        step(
          `add unique ${words(change.unique.name)} on ${words(change.table)} (${change.unique.columns.map(words).join(', ')})`,
          [`ALTER TABLE ${q(change.table)} ADD ${uniqueDefinition(change.unique)}`, ...constraintComment(change.table, change.unique, options)],
          addKeyHazards(change.table, change.unique.name, 'unique constraint'),
        ),
      ];
    case 'dropUnique':
      return [step(`drop unique ${words(change.unique.name)} on ${words(change.table)}`, [`ALTER TABLE ${q(change.table)} DROP CONSTRAINT ${quoteIdent(change.unique.name)}`])];

    case 'addIndex': {
      const summary = `create index ${words(change.index.name)} on ${words(change.table)}`;
      const comment = change.index.comment !== undefined ? [commentOnObject({ kind: 'index', table: change.table, name: change.index.name }, change.index.comment, options)] : [];
      if (change.newTable) return [step(summary, [createIndexStatement(change.table, change.index, false, options), ...comment], [], pgLocks.create)];
      // A partitioned table's index cannot be built CONCURRENTLY (PostgreSQL 15).
      if (options.concurrentIndexes && change.partitioned !== true) {
        // CONCURRENTLY cannot run inside a transaction block, so it is a step of its own.
        return [
          {
            summary: `${summary} (concurrently)`,
            sql: [createIndexStatement(change.table, change.index, true, options), ...comment],
            hazards: addIndexHazards(change.table, change.index.name, change.index.unique, true),
            runs: 'no-transaction',
            lock: pgLocks.createIndexConcurrently,
            transactional: false,
            timeoutMs: options.indexTimeoutMs,
            failureLeaves: `index ${words(change.index.name)} on ${words(change.table)}, INVALID if the build got that far; the next plan rebuilds it`,
          },
        ];
      }
      return [
        step(summary, [createIndexStatement(change.table, change.index, false, options), ...comment], addIndexHazards(change.table, change.index.name, change.index.unique, false), pgLocks.createIndex),
      ];
    }
    case 'dropIndex':
      return [step(`drop index ${words(change.index.name)}`, [`DROP INDEX ${q(change.index.name)}`])];
    case 'alterIndex':
      return [step(`alter index ${words(change.to.name)}: storage parameters`, setStorageParameters(`ALTER INDEX ${q(change.to.name)}`, change.from.storageParameters, change.to.storageParameters))];

    case 'addForeignKey': {
      const fk = change.foreignKey;
      const summary = `add foreign key ${words(fk.name)} on ${words(change.table)} -> ${words(fk.refTable)}`;
      const add = `ALTER TABLE ${q(change.table)} ADD ${foreignKeyDefinition(fk, options)}`;
      const comment = constraintComment(change.table, fk, options);
      // On a new table only the referenced table is locked against writes while the key is added.
      if (change.newTable) return [step(summary, [add, ...comment], [], pgLocks.addForeignKey)];
      return addThenValidate(change.table, fk.name, 'foreign key', summary, add, options, comment);
    }
    case 'dropForeignKey':
      return [step(`drop foreign key ${words(change.foreignKey.name)} on ${words(change.table)}`, [`ALTER TABLE ${q(change.table)} DROP CONSTRAINT ${quoteIdent(change.foreignKey.name)}`])];

    case 'addCheck': {
      const summary = `add check ${words(change.check.name)} on ${words(change.table)}`;
      const add = `ALTER TABLE ${q(change.table)} ADD ${checkDefinition(change.check, options)}`;
      const comment = constraintComment(change.table, change.check, options);
      if (change.newTable) return [step(summary, [add, ...comment], [], pgLocks.create)];
      return addThenValidate(change.table, change.check.name, 'check', summary, add, options, comment);
    }
    case 'dropCheck':
      return [step(`drop check ${words(change.check.name)} on ${words(change.table)}`, [`ALTER TABLE ${q(change.table)} DROP CONSTRAINT ${quoteIdent(change.check.name)}`])];
    case 'addExclusion':
      return [
        step(
          `add exclusion constraint ${words(change.exclusion.name)} on ${words(change.table)}`,
          [`ALTER TABLE ${q(change.table)} ADD ${exclusionDefinition(change.exclusion, options)}`, ...constraintComment(change.table, change.exclusion, options)],
          addExclusionHazards(change.table, change.exclusion.name),
        ),
      ];
    case 'dropExclusion':
      return [step(`drop exclusion constraint ${words(change.exclusion.name)} on ${words(change.table)}`, [`ALTER TABLE ${q(change.table)} DROP CONSTRAINT ${quoteIdent(change.exclusion.name)}`])];
    case 'validateConstraint':
      return [validateStep(change.table, change.name, change.constraint, options)];

    case 'setRowSecurity':
    case 'createObject':
    case 'dropObject':
    case 'replaceObject':
    case 'alterObject':
    case 'replaceType':
    case 'dropReplacedType':
      return renderObjectChange(change, options);
    case 'setGrants': {
      const hazards = grantHazards(grantTargetWords(change.on), change.grantee, grantDelta(change.on, change.grantee, change.from, change.to));
      return [step(words(describeChange(change)), grantStatements(change.on, change.grantee, change.from, change.to, options.qualifier), hazards, pgLocks.grant)];
    }

    default: {
      const unhandled: never = change;
      throw new Error(`unhandled change ${JSON.stringify(unhandled)}`);
    }
  }
}

/** Changes arrive in execution order (the planner orders them); steps keep that order. */
export const renderChanges: RenderChanges = (changes, options) => changes.flatMap((change) => renderChange(change, options));
