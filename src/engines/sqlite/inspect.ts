import { COMPARED_KINDS } from './internal/inspect.js';

/** What the inspector reads, in words (DatabaseAdapter.comparedKinds); SQLite has no grants to read. */
export function comparedKinds(): readonly string[] {
  return COMPARED_KINDS;
}

/** The inspector: each tenant file read on its own. */
export { inspectFiles as inspectTenants } from './internal/inspect.js';
