import { errorMessage, StepAfterCommitError } from '../errors.js';
import type { ReadInTransaction } from '../engines/types.js';
import { fingerprint } from '../model/fingerprint.js';
import type { SchemaModel } from '../model/types.js';
import type { PlanGroup, PlanTenant } from '../plan/plan-file.js';
import type { PlanStep } from '../plan/step.js';
import { verificationScope, withRereadPart } from './verification-scope.js';

/** Reads the tenant inside its transaction (the scoped part only, where the plan allows) and compares. */
export async function verifyInTransaction(
  entry: { readonly group: PlanGroup; readonly planned: PlanTenant },
  before: SchemaModel,
  read: ReadInTransaction,
): Promise<{ problem?: string; schema?: SchemaModel }> {
  const scope = verificationScope(entry.group);
  const reread = await read(scope);
  const schema = scope ? withRereadPart(before, reread, scope) : reread;
  if (fingerprint(schema) !== entry.planned.to) return { problem: 'the schema read back inside the transaction is not the planned one' };
  return { schema };
}

/** A tenant whose verification rolled its transaction back. */
export function rolledBackMessage(problem: string): string {
  return `verification failed before commit: ${problem}; the transaction was rolled back and the tenant is unchanged; run plan to see what differs`;
}

/** A tenant read back after steps outside its transaction, whose schema is not the planned one. */
export const committedMismatchMessage =
  "verification failed: its change was committed (steps outside the transaction cannot be rolled back), but the schema read back is not the planned one; it was recorded as the tenant's snapshot: run plan to see what differs";

/** A step that failed after the tenant's main transaction had committed. */
export function afterCommitMessage(step: PlanStep, error: unknown): string {
  return error instanceof StepAfterCommitError ? error.message : `step "${step.summary}" failed after the main transaction had committed: ${errorMessage(error)}`;
}

/** Appended to such a failure once the tenant's real state was recorded as its snapshot. */
export const recordedNote = ' Its schema as it now is was recorded as its snapshot.';
