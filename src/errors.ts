import { redactSecrets } from './util/redact-url.js';

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

/** The config's tenants.query failed on the server: the config file is what to fix. */
export class TenantQueryError extends UserError {}

/**
 * The message of anything thrown, without a stack, ready to print: a URL's password masked,
 * control characters shown as escapes (see printable).
 */
export function errorMessage(error: unknown): string {
  return printable(redactSecrets(error instanceof Error ? error.message : String(error)));
}

// C0 controls but tab and newline (our messages are multi-line), DEL, C1 controls (0x9b is a
// CSI on some terminals), and the bidirectional overrides that reorder what a reader sees.
const unprintable = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text from input (a name, a file's content, a driver's message) made safe for a terminal:
 * ESC, BEL, CR and the like become visible escapes (`\x1b`), so they can neither move the
 * cursor, recolour the screen nor overwrite what was printed before.
 */
export function printable(text: string): string {
  return text.replace(unprintable, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * The schema read back inside a tenant's transaction was not the planned one, so the transaction
 * was rolled back: the tenant is as it was before apply.
 */
export class VerificationFailed extends Error {
  override readonly name = 'VerificationFailed';
}

/**
 * A step outside the main transaction failed. The main transaction stays committed, so the
 * message says so and what the tenant was left with: it is not rolled back, only unfinished.
 */
export class StepAfterCommitError extends Error {
  override readonly name = 'StepAfterCommitError';
  constructor(
    readonly step: { readonly summary: string; readonly sql: readonly string[]; readonly failureLeaves?: string },
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    const left = step.failureLeaves !== undefined ? ` The tenant is left with ${step.failureLeaves}.` : '';
    super(
      `step "${step.summary}" failed after the tenant's main transaction had committed: ${reason}. ` +
        `The main transaction stays committed and was not rolled back.${left} ` +
        `Fix the cause (for a failed validation, the rows that violate it), then plan and apply again, or run the step's SQL by hand: ${step.sql.join('; ')}`,
      { cause },
    );
  }
}
