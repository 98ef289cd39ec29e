import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Pair, type YAMLError } from 'yaml';
import { errorMessage } from '../errors.js';
import { formatPath, type ManifestIssue } from './errors.js';

export type PathSegment = string | number;
export type DocPath = readonly PathSegment[];

/**
 * A parsed YAML file that still knows where every node came from, so a problem found in the
 * plain data (by ajv or by a semantic check) can name the line and column a person edits.
 */
export class SourceDoc {
  private constructor(
    readonly file: string,
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  /**
   * Parses YAML text; syntax errors come back as issues with their positions. A file holds one
   * document: a second one (after `---`) is an issue at its line, never silently dropped.
   * Nesting deeper than MAX_DEPTH is an issue too, so no recursive walk (the parser's, toJS,
   * JSON Schema validation, ours) ever meets a stack overflow.
   */
  static parse(text: string, file: string): { source: SourceDoc; data: unknown; issues: ManifestIssue[] } {
    const lines = new LineCounter();
    const at = (offset: number) => {
      const { line, col } = lines.linePos(offset);
      return { file, line, column: col, path: '' };
    };
    let doc: Document.Parsed;
    try {
      // merge: `<<: *base` lets a manifest share column definitions between tables.
      doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, merge: true });
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      return { source: new SourceDoc(file, parseDocument(''), lines), data: null, issues: [{ ...at(0), message: tooDeep }] };
    }
    const source = new SourceDoc(file, doc, lines);
    let issues: ManifestIssue[] = doc.errors.map((error) => ({ ...at(error.pos[0]), message: describeYamlError(error) }));
    // Deep nesting fails at every level below the limit: the first says it all.
    const firstDeep = issues.find((i) => i.message === tooDeep);
    if (firstDeep) issues = [firstDeep];
    if (issues.length === 0) {
      const deep = deepNode(doc.contents);
      if (deep) issues.push({ ...at(deep.range?.[0] ?? 0), message: tooDeep });
      else for (const bad of unstorableScalars(doc.contents)) issues.push({ ...at(bad.node.range?.[0] ?? 0), message: bad.message });
    }
    let data: unknown;
    if (issues.length === 0) {
      try {
        data = doc.toJS({ maxAliasCount: 1000 });
      } catch (error) {
        // Aliases that expand too far (a "billion laughs"), or too deep.
        const message = error instanceof RangeError ? `${tooDeep} (through aliases)` : `aliases expand too far: ${errorMessage(error)}`;
        issues.push({ ...at(0), message });
      }
      // Aliases can nest what each stays shallow where it is written.
      const path = issues.length === 0 ? deepPath(data) : undefined;
      if (path) {
        const { line, column } = source.position(path);
        issues.push({ file, line, column, path: '', message: `${tooDeep} (through aliases)` });
      }
    }
    return { source, data: issues.length === 0 ? (data ?? null) : null, issues };
  }

  /**
   * An issue about the node at `path`, placed at that node, or with `key` at that key of it (an
   * unknown property is shown where its name is written).
   */
  issue(path: DocPath, message: string, options: { key?: PathSegment } = {}): ManifestIssue {
    const { line, column } = options.key === undefined ? this.position(path) : this.position([...path, options.key], { key: true });
    const where = formatPath(path);
    return { file: this.file, line, column, path: where, message: where === '' ? message : `${where}: ${message}` };
  }

  /** Whether the document has a node at the path. */
  has(path: DocPath): boolean {
    return this.find(path, false, true) !== undefined;
  }

  /** 1-based position of the node at the path, or of its nearest existing ancestor. */
  position(path: DocPath, options: { key?: boolean } = {}): { line: number; column: number } {
    const node = this.find(path, options.key === true);
    if (!node?.range) return { line: 1, column: 1 };
    const { line, col } = this.lines.linePos(node.range[0]);
    return { line, column: col };
  }

  /** Line on which a string's text begins: the line after the `|` or `>` of a block scalar. */
  textLine(path: DocPath): number {
    const node = this.find(path, false);
    const { line } = this.position(path);
    return isScalar(node) && (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') ? line + 1 : line;
  }

  /** The text a number was written as (`1.50`, `9223372036854775807`), which JS numbers lose. */
  numberText(path: DocPath): string | undefined {
    const node = this.find(path, false);
    if (!isScalar(node) || typeof node.value !== 'number' || node.source === undefined) return undefined;
    return /^[-+]?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(node.source) ? node.source : undefined;
  }

  /**
   * The keys of the map at the path in written order. A JS object cannot say it: keys that look
   * like integers (a column named "2024") always come first there.
   */
  keys(path: DocPath): string[] | undefined {
    const node = this.resolve(this.find(path, false));
    if (!isMap(node)) return undefined;
    const keys: string[] = [];
    const collect = (map: Node | undefined): void => {
      if (!isMap(map)) return;
      for (const pair of map.items as Pair<unknown, unknown>[]) {
        if (!isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        if (key === '<<') {
          const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
          for (const source of sources) collect(this.resolve(source as Node));
        } else if (!keys.includes(key)) keys.push(key);
      }
    };
    collect(node);
    return keys;
  }

  /** The node at the path; without `exact`, the nearest existing ancestor when the path goes further than the document. */
  private find(path: DocPath, wantKey: boolean, exact = false): Node | undefined {
    const ancestor = (node: Node | undefined): Node | undefined => (exact ? undefined : node);
    let current: Node | undefined = this.doc.contents ?? undefined;
    for (let i = 0; i < path.length; i++) {
      const segment = path[i]!;
      const last = i === path.length - 1;
      const node = this.resolve(current);
      if (isMap(node)) {
        const pair = findPair(node.items as Pair<unknown, unknown>[], String(segment), (n) => this.resolve(n));
        if (!pair) return ancestor(node);
        const key = pair.key as Node | undefined;
        const value = pair.value as Node | undefined;
        if (last && wantKey) return key;
        // `name:` with nothing after it: the key is where the person looks.
        current = value === undefined || value === null || (isScalar(value) && value.source === '') ? key : value;
        if (current === key && !last) return ancestor(key);
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment] as Node | undefined;
        if (!item) return ancestor(node);
        current = item;
      } else {
        return ancestor(current);
      }
    }
    return current;
  }

  private resolve(node: Node | undefined): Node | undefined {
    if (isAlias(node)) return (node.resolve(this.doc) as Node | undefined) ?? node;
    return node;
  }
}

function findPair(
  items: Pair<unknown, unknown>[],
  key: string,
  resolve: (node: Node | undefined) => Node | undefined,
): Pair<unknown, unknown> | undefined {
  for (const pair of items) {
    if (isScalar(pair.key) && String(pair.key.value) === key) return pair;
  }
  // A key that came in through a merge key lives in the anchored map.
  for (const pair of items) {
    if (!isScalar(pair.key) || pair.key.value !== '<<') continue;
    const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
    for (const source of sources) {
      const map = resolve(source as Node);
      if (isMap(map)) {
        const found = findPair(map.items as Pair<unknown, unknown>[], key, resolve);
        if (found) return found;
      }
    }
  }
  return undefined;
}

// Loaded manifests and overrides stay plain data; their sources are kept here, so errors found
// later (when overrides merge into the manifest) can still point at lines.
const sources = new WeakMap<object, SourceDoc>();

export function attachSource(content: object, source: SourceDoc): void {
  sources.set(content, source);
}

export function sourceOf(content: object): SourceDoc | undefined {
  return sources.get(content);
}

/** Far deeper than any schema-sync file needs (a plan is about a dozen levels deep). */
export const MAX_DEPTH = 64;
const tooDeep = `nested more than ${MAX_DEPTH} levels deep: no schema-sync file needs that, so it is refused`;

function describeYamlError(error: YAMLError): string {
  if (error.code === 'MULTIPLE_DOCS') {
    return "a second YAML document starts here: the file must hold exactly one (remove this '---' and what follows, or move it to a file of its own)";
  }
  // The parser catches its own stack overflow and reports it, under more than one code.
  if (/call stack/i.test(error.message)) return tooDeep;
  return error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

/** The first node nested deeper than MAX_DEPTH, walked without recursion. */
function deepNode(root: unknown): Node | undefined {
  const stack: { node: unknown; depth: number }[] = [{ node: root, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (!isMap(node) && !isSeq(node)) continue;
    if (depth >= MAX_DEPTH) return node;
    for (const item of node.items as unknown[]) {
      if (isPair(item)) {
        stack.push({ node: item.key, depth: depth + 1 }, { node: item.value, depth: depth + 1 });
      } else stack.push({ node: item, depth: depth + 1 });
    }
  }
  return undefined;
}

/**
 * Text no database can hold as a name or a value: a NUL character (PostgreSQL refuses it in
 * identifiers and text), and an empty map key (every key is a property or an object's name).
 * Refused here, at its line, instead of deep in a renderer that cannot say which file it came from.
 */
function unstorableScalars(root: unknown): { node: Node; message: string }[] {
  const found: { node: Node; message: string }[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node) || isSeq(node)) {
      for (const item of node.items as unknown[]) {
        if (!isPair(item)) {
          stack.push(item);
          continue;
        }
        if (isScalar(item.key) && item.key.value === '') found.push({ node: item.key, message: 'an empty key: a name cannot be empty' });
        stack.push(item.key, item.value);
      }
    } else if (isScalar(node) && typeof node.value === 'string' && node.value.includes('\0')) {
      found.push({ node, message: 'a NUL character (\\x00) in text: no database can store it' });
    }
  }
  return found;
}

/** The path of the first value nested deeper than MAX_DEPTH in plain data, without recursion. */
function deepPath(root: unknown): DocPath | undefined {
  const stack: { value: unknown; path: PathSegment[] }[] = [{ value: root, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (path.length >= MAX_DEPTH) return path;
    const entries: [PathSegment, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
    for (const [key, child] of entries) stack.push({ value: child, path: [...path, key] });
  }
  return undefined;
}
