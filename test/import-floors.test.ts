import { describe, expect, test } from 'vitest';
import { floorProblems, importGraph } from '../scripts/import-floors.js';

describe('the floors of src/ (scripts/import-floors.ts)', () => {
  test('no import runs upward and none comes back around', () => {
    const edges = importGraph();
    // The graph is read from the real sources: an empty one would pass anything.
    expect(edges.some((e) => e.from === 'cli/commands/apply.ts')).toBe(true);
    expect(floorProblems(edges)).toEqual([]);
  });

  test('an upward import, a cycle and a folder on no floor are each reported', () => {
    const problems = floorProblems([
      { from: 'model/types.ts', to: 'diff/changes.ts' },
      { from: 'diff/changes.ts', to: 'model/types.ts' },
      { from: 'plan/a.ts', to: 'plan/b.ts' },
      { from: 'plan/b.ts', to: 'plan/a.ts' },
      { from: 'somewhere/x.ts', to: 'model/types.ts' },
    ]);
    expect(problems).toContain('upward import: src/model/types.ts (model) imports src/diff/changes.ts (diff, a higher floor)');
    expect(problems).toContain('import cycle between files: src/plan/a.ts -> src/plan/b.ts -> src/plan/a.ts');
    expect(problems).toContain('import cycle between folders: diff -> model -> diff');
    expect(problems).toContain('src/somewhere is on no floor: add it to the floors in scripts/import-floors.ts');
  });
});
