import { describe, expect, test } from 'vitest';
import { filterTenants, parseShard, shardOf } from '../src/tenants/select-tenants.js';

const tenants = Array.from({ length: 500 }, (_, i) => ({ name: `tenant_${i}`, labels: [] }));

describe('--shard i/n', () => {
  test.each([1, 2, 3, 4, 5, 6, 7, 8])('n = %i covers every tenant exactly once', (n) => {
    const seen = new Map<string, number>();
    for (let i = 1; i <= n; i++) {
      for (const t of filterTenants(tenants, { shard: { index: i, count: n } })) seen.set(t.name, (seen.get(t.name) ?? 0) + 1);
    }
    expect(seen.size).toBe(tenants.length);
    expect([...seen.values()].every((count) => count === 1)).toBe(true);
  });

  test('a tenant keeps its shard whatever else is in the fleet', () => {
    const alone = filterTenants([{ name: 'tenant_42', labels: [] }], { shard: { index: shardOf('tenant_42', 4), count: 4 } });
    expect(alone.map((t) => t.name)).toEqual(['tenant_42']);
  });

  test('parts are roughly even', () => {
    const sizes = [1, 2, 3, 4].map((i) => filterTenants(tenants, { shard: { index: i, count: 4 } }).length);
    for (const size of sizes) expect(size).toBeGreaterThan(80);
  });

  test('bad shard specs are usage errors', () => {
    expect(parseShard('2/8')).toEqual({ index: 2, count: 8 });
    for (const bad of ['0/4', '5/4', '1/0', 'a/b', '1', '']) expect(() => parseShard(bad)).toThrow(/expected i\/n/);
  });
});
