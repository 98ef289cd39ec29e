/**
 * Memoizes a pure function of a string key. Inspecting a fleet parses the same few type and
 * default spellings tens of thousands of times; the cache is bounded so a pathological schema
 * cannot grow it without limit.
 */
export function memoize<R>(fn: (key: string) => R, maxEntries = 50_000): (key: string) => R {
  const cache = new Map<string, R>();
  return (key: string) => {
    const hit = cache.get(key);
    if (hit !== undefined || cache.has(key)) return hit as R;
    const value = fn(key);
    if (cache.size >= maxEntries) cache.clear();
    cache.set(key, value);
    return value;
  };
}
