import { deepFreeze } from '../util/deep-freeze.js';
import { deepEqual } from './deep-equal.js';
import type { EnumModel, SequenceModel, TableModel } from './types.js';

/**
 * Shares the equal parts of inspected models. A fleet's tenants mostly hold the same tables, so
 * a table equal to one inspected before is replaced by that one: models of different tenants, and
 * of one tenant before and after an apply, then hold the same table objects, which deepEqual (the
 * fingerprint's check against the models hashed last, the diff) compares by identity, and the
 * process keeps one copy of each. A shared object is frozen, since a change to it would change
 * every model that holds it; models are never changed once built anyway.
 *
 * Each name keeps its few most recently met variants: a tenant's table before and after a change,
 * or a few kinds of tenants; an older one is forgotten and simply no longer shared. So that a
 * long-running reconcile over a fleet of many distinct tables holds no more than `maxKept`
 * objects, it forgets everything when it would hold more.
 */
export class ModelInterner {
  readonly #variants = new Map<string, object[]>();
  #kept = 0;

  constructor(
    private readonly maxVariants = 4,
    private readonly maxKept = 10_000,
  ) {}

  table(table: TableModel): TableModel {
    return this.#intern('table', table);
  }

  enum(model: EnumModel): EnumModel {
    return this.#intern('enum', model);
  }

  sequence(model: SequenceModel): SequenceModel {
    return this.#intern('sequence', model);
  }

  #intern<T extends { readonly name: string }>(kind: string, value: T): T {
    const key = `${kind} ${value.name}`;
    let variants = this.#variants.get(key);
    if (variants === undefined) {
      variants = [];
      this.#variants.set(key, variants);
    }
    for (let i = 0; i < variants.length; i++) {
      const known = variants[i]!;
      if (known === value || deepEqual(known, value)) {
        if (i > 0) variants.unshift(...variants.splice(i, 1));
        return known as T;
      }
    }
    deepFreeze(value);
    if (this.#kept >= this.maxKept) {
      this.#variants.clear();
      this.#kept = 0;
      this.#variants.set(key, (variants = []));
    }
    variants.unshift(value);
    this.#kept++;
    if (variants.length > this.maxVariants) {
      variants.pop();
      this.#kept--;
    }
    return value;
  }
}

/** The interner inspections share, so that reads of the same tenants share their tables. */
export const sharedInterner = new ModelInterner();
