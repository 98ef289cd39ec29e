/**
 * A record's own entry, or undefined. Records keyed by user-chosen names (tables, columns) must
 * not find what Object.prototype holds: a table named `toString` or `constructor` is a name like
 * any other (issue 11, item 1).
 */
export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
