// The floors of src/, bottom first: a module imports only from its own floor or the floors below,
// and no chain of imports comes back to where it started. test/import-floors.test.ts holds the
// line; `node --import tsx scripts/import-floors.ts` prints what crosses it.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * Each entry is a floor: folders of src/ (or a file at its top, without `.ts`). src/engines/ is one
 * unit here; which engine may import which is eslint.config.js's engineBoundaries.
 */
export const floors: readonly (readonly string[])[] = [
  ['util'],
  ['errors'],
  // The plain data: schema model and desired state, tenants and settings.
  ['model', 'domain'],
  ['yaml'],
  ['config'],
  ['diff'],
  ['plan'],
  // The engine interface (engines/types.ts) and the engines that implement it.
  ['engines'],
  ['manifest'],
  ['tenants', 'targets'],
  ['apply'],
  ['snapshot'],
  ['project'],
  ['workflow'],
  ['reconcile'],
  // The one public door, which the CLI and library users both go through.
  ['library'],
  ['output'],
  ['cli'],
  ['index'],
];

export interface ImportEdge {
  readonly from: string;
  readonly to: string;
}

const srcDir = fileURLToPath(new URL('../src/', import.meta.url));

/** Every relative import, export-from and import() between the .ts files of src/ (paths relative to src/). */
export function importGraph(): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of sourceFiles(srcDir)) {
    const text = readFileSync(path.join(srcDir, file), 'utf8');
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
    const visit = (node: ts.Node): void => {
      const spec = moduleSpecifier(node);
      if (spec?.startsWith('.')) edges.push({ from: file, to: path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)).replace(/\.js$/, '.ts') });
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return edges;
}

function moduleSpecifier(node: ts.Node): string | undefined {
  if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) return node.moduleSpecifier.text;
  if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) return node.arguments[0].text;
  if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) return node.argument.literal.text;
  return undefined;
}

function sourceFiles(dir: string, prefix = ''): string[] {
  return readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) return sourceFiles(dir, rel);
    return entry.name.endsWith('.ts') ? [rel] : [];
  });
}

/** The unit a file of src/ belongs to: its top folder, or its own name at the top. */
export function unitOf(file: string): string {
  const [top, ...rest] = file.split('/');
  return rest.length > 0 ? top! : top!.replace(/\.ts$/, '');
}

/** What breaks the floors: a unit no floor lists, an import from a higher floor, a cycle. */
export function floorProblems(edges: readonly ImportEdge[] = importGraph()): string[] {
  const floorOf = new Map(floors.flatMap((units, index) => units.map((unit) => [unit, index] as const)));
  const problems: string[] = [];
  const units = new Set(edges.flatMap((e) => [unitOf(e.from), unitOf(e.to)]));
  for (const unit of [...units].sort()) if (!floorOf.has(unit)) problems.push(`src/${unit} is on no floor: add it to the floors in scripts/import-floors.ts`);
  for (const { from, to } of edges) {
    const [a, b] = [floorOf.get(unitOf(from)), floorOf.get(unitOf(to))];
    if (a !== undefined && b !== undefined && b > a) problems.push(`upward import: src/${from} (${unitOf(from)}) imports src/${to} (${unitOf(to)}, a higher floor)`);
  }
  for (const cycle of cycles(edges, (f) => f)) problems.push(`import cycle between files: ${cycle.map((f) => `src/${f}`).join(' -> ')}`);
  for (const cycle of cycles(edges, unitOf)) problems.push(`import cycle between folders: ${cycle.join(' -> ')}`);
  return problems;
}

/** One cycle per back edge found by a depth-first walk of the graph between `keyOf`'s nodes. */
function cycles(edges: readonly ImportEdge[], keyOf: (file: string) => string): string[][] {
  const next = new Map<string, Set<string>>();
  for (const { from, to } of edges) {
    const [a, b] = [keyOf(from), keyOf(to)];
    if (a === b) continue;
    if (!next.has(a)) next.set(a, new Set());
    next.get(a)!.add(b);
  }
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const walk = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const to of [...(next.get(node) ?? [])].sort()) {
      if (state.get(to) === 'open') found.push([...stack.slice(stack.indexOf(to)), to]);
      else if (!state.has(to)) walk(to);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...next.keys()].sort()) if (!state.has(node)) walk(node);
  return found;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const problems = floorProblems();
  for (const problem of problems) process.stdout.write(problem + '\n');
  process.exitCode = problems.length > 0 ? 1 : 0;
}
