// Records keyed by names a person wrote (tables, columns, labels) hold any key at all: a table
// called `constructor` or `__proto__` must be found, and a missing one must not find
// Object.prototype's member of that name.

/** The value at one of the record's own keys; undefined for a key it does not hold itself. */
export function own<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** An empty record without a prototype, so that assigning `__proto__` stores a key like any other. */
export function nameRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}
