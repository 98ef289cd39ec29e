import type { Change } from '../diff/changes.js';
import { grantTargetWords } from '../model/grant-target.js';
import type { CompileFailure } from '../engines/types.js';
import { formatPath } from '../yaml/errors.js';
import type { DocPath } from '../yaml/source.js';

/** Where the desired state's text is: the manifest and the overrides that apply. */
export interface FailureContext {
  /** The manifest, with the overrides that applied, as the user names them. */
  readonly files: string;
  /**
   * `file:line:column` of the first string under `base` (in the override that wrote it last,
   * else in the manifest) for which `matches` holds; with no `matches`, of `base` itself.
   */
  readonly locate: (base: DocPath, matches?: (text: string) => boolean) => { readonly at: string; readonly path: DocPath } | undefined;
}

/** The part of the desired state a change builds, most precise first. */
function pathsOf(change: Change): DocPath[] {
  switch (change.kind) {
    case 'createTable':
      return [['tables', change.table.name]];
    case 'addIndex':
      return [['tables', change.table, 'indexes', change.index.name], ['tables', change.table]];
    case 'addCheck':
      return [['tables', change.table, 'checks', change.check.name], ['tables', change.table, 'checks'], ['tables', change.table]];
    case 'addForeignKey':
      return [['tables', change.table, 'foreignKeys'], ['tables', change.table]];
    case 'addUnique':
      return [['tables', change.table, 'uniques'], ['tables', change.table]];
    case 'createEnum':
      return [['enums', change.enum.name]];
    case 'createSequence':
      return [['sequences', change.sequence.name]];
    case 'alterSequence':
      return [['sequences', change.to.name]];
    case 'setGrants':
      return [['grants', grantTargetWords(change.on), change.grantee], ['grants', grantTargetWords(change.on)], ['grants']];
    default:
      return 'table' in change && typeof change.table === 'string' ? [['tables', change.table]] : [];
  }
}

/**
 * Text the server quotes in its message (`column "nfkc" does not exist`), and the name of a
 * function it could not find (`function f(integer) does not exist`), longest first.
 */
function quotedTexts(message: string): string[] {
  const quoted = [...message.matchAll(/"((?:[^"]|"")+)"/g)].map((m) => m[1]!.replaceAll('""', '"'));
  const functions = [...message.matchAll(/function ([^\s"(]+)\(/g)].map((m) => m[1]!);
  return [...quoted, ...functions].sort((a, b) => b.length - a.length);
}

/** Whether `text` holds `token` as a whole word (so `b` is not found in `bigint`). */
function holdsToken(text: string, token: string): boolean {
  const at = text.toLowerCase().indexOf(token.toLowerCase());
  if (at < 0) return false;
  const word = /[A-Za-z0-9_]/;
  const before = text[at - 1];
  const after = text[at + token.length];
  return !(before !== undefined && word.test(before) && word.test(token[0]!)) && !(after !== undefined && word.test(after) && word.test(token.at(-1)!));
}

/**
 * Says where the user wrote what the server refused: the line of `sql:` it ran; or, for a
 * statement rendered from the manifest, the value the server's message quotes (a type, a
 * collation, a column) within the object the change builds, else that object's line.
 */
export function describeCompileFailure(failure: CompileFailure, changes: readonly Change[], context: FailureContext): string {
  const said = `the server refused it while compiling the desired schema: ${failure.message}`;
  if (failure.source) return `${failure.source.file}:${failure.source.line}: ${said}`;
  const change = failure.change === undefined ? undefined : changes[failure.change];
  const paths = change ? pathsOf(change) : [];
  for (const token of quotedTexts(failure.message)) {
    for (const base of paths) {
      const found = context.locate(base, (text) => holdsToken(text, token));
      if (found) return `${found.at}: ${formatPath(found.path)}: ${said}`;
    }
  }
  for (const base of paths) {
    const found = context.locate(base);
    if (found) return `${found.at}: ${formatPath(found.path)}: ${said} (at "${failure.step ?? 'compile'}")`;
  }
  return `${context.files}: the server refused the desired schema at "${failure.step ?? 'compile'}": ${failure.message}`;
}
