/**
 * An error the user can fix: bad input, a missing path, an unwritable output.
 * The CLI prints it as one paragraph without a stack trace and exits 2.
 */
export class UserError extends Error {
  readonly hint?: string;

  constructor(message: string, hint?: string) {
    super(message);
    this.name = "UserError";
    this.hint = hint;
  }
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}
