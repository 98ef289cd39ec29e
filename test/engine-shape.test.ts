import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';

// Every engine folder has the same top-level files with the same exports (STYLE.md, CONTRIBUTING.md):
// adding an engine means copying a shape, not learning one. What is the engine's own lives in its
// internal/ folder, which nothing else in src/ imports. Engines join this list when they
// are whole.
const engines = ['postgres', 'sqlite'];

const enginesDir = path.join(import.meta.dirname, '..', 'src', 'engines');

function topLevelFiles(engine: string): string[] {
  return readdirSync(path.join(enginesDir, engine), { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => e.name)
    .sort();
}

/** The names a module exports, read from its declarations and export lists. */
function exportNames(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  const names: string[] = [];
  for (const statement of source.statements) {
    if (ts.isExportDeclaration(statement)) {
      if (!statement.exportClause) names.push(`* from ${(statement.moduleSpecifier as ts.StringLiteral).text}`);
      else if (ts.isNamedExports(statement.exportClause)) names.push(...statement.exportClause.elements.map((e) => e.name.text));
      continue;
    }
    const exported = ts.canHaveModifiers(statement) && ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (!exported) continue;
    if (ts.isVariableStatement(statement)) {
      for (const d of statement.declarationList.declarations) if (ts.isIdentifier(d.name)) names.push(d.name.text);
    } else if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement)) && statement.name) {
      names.push(statement.name.text);
    }
  }
  return [...new Set(names)].sort();
}

function shape(engine: string): Record<string, string[]> {
  return Object.fromEntries(topLevelFiles(engine).map((file) => [file, exportNames(path.join(enginesDir, engine, file))]));
}

describe('every engine folder has one shape', () => {
  const [first, ...others] = engines as [string, ...string[]];

  test(`${first}'s shape is what the others are held to`, () => {
    const reference = shape(first);
    // The shape must be real: the engine object and the hooks its adapter is built from.
    expect(reference['index.ts']).toEqual(['engine']);
    expect(Object.keys(reference)).toEqual(expect.arrayContaining(['batch.ts', 'compile.ts', 'discover.ts', 'inspect.ts', 'normalize.ts', 'render.ts']));
    for (const [file, names] of Object.entries(reference)) expect(names.length, `${first}/${file} exports nothing`).toBeGreaterThan(0);
  });

  test.each(others)('%s has the same top-level files, each with the same exports', (engine) => {
    expect(shape(engine)).toEqual(shape(first));
  });

  test('the comparison sees a difference in a file list or an export', () => {
    const reference = shape(first);
    const missing = Object.fromEntries(Object.entries(reference).filter(([file]) => file !== 'render.ts'));
    expect(missing).not.toEqual(reference);
    expect({ ...reference, 'render.ts': [...reference['render.ts']!, 'extra'] }).not.toEqual(reference);
  });
});
