/**
 * An error a user can act on: printed as its message alone, never with a stack trace, and
 * mapped to an exit code of DESIGN.md (2 usage or config error).
 */
export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(
    message: string,
    readonly exitCode: number = 2,
  ) {
    super(message);
  }
}

/** The message of anything thrown, without a stack. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * The schema read back inside a tenant's transaction was not the planned one, so the transaction
 * was rolled back: the tenant is as it was before apply.
 */
export class VerificationFailed extends Error {
  override readonly name = 'VerificationFailed';
}
