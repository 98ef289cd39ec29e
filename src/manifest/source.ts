import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Pair } from 'yaml';
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

  /** Parses YAML text; syntax errors come back as issues with their positions. */
  static parse(text: string, file: string): { source: SourceDoc; data: unknown; issues: ManifestIssue[] } {
    const lines = new LineCounter();
    // merge: `<<: *base` lets a manifest share column definitions between tables.
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, merge: true });
    const source = new SourceDoc(file, doc, lines);
    const issues = doc.errors.map((error) => {
      const { line, col } = lines.linePos(error.pos[0]);
      return { file, line, column: col, path: '', message: error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '') };
    });
    const data = issues.length === 0 ? doc.toJS({ maxAliasCount: 1000 }) : undefined;
    return { source, data: data ?? null, issues };
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
