/** Fixed hazard codes carried by plan steps. A reviewer filters on these; apply policies key on them. */
export const hazardCodes = [
  'DELETES_DATA',
  'REWRITES_TABLE',
  'ACCESS_EXCLUSIVE_LOCK',
  /** Writes to the table wait while the statement runs; reads go on (MySQL LOCK=SHARED, a table copy). */
  'BLOCKS_WRITES',
  'MAY_FAIL_ON_EXISTING_ROWS',
  'INDEX_BUILD',
  'RUNS_AFTER_COMMIT',
  /** Drops a view, routine or type that other objects use. */
  'DROPS_DEPENDED_ON_OBJECT',
  /** Replaces the body of a routine that triggers, views, indexes, checks or defaults call. */
  'REPLACES_ROUTINE_IN_USE',
  /** Disables or stops forcing row-level security, drops a policy, or grants to PUBLIC. */
  'WEAKENS_SECURITY',
  /** Takes a privilege (or its grant option) from a role: what the role runs that needs it fails. */
  'REVOKES_PRIVILEGE',
] as const;

export type HazardCode = (typeof hazardCodes)[number];

export interface Hazard {
  readonly code: HazardCode;
  readonly message: string;
}

/** Changes that lose data need explicit consent (invariant 6). */
export function isDestructive(hazards: readonly Hazard[]): boolean {
  return hazards.some((h) => h.code === 'DELETES_DATA');
}
