import { isUserError } from "../../core/src/errors.js";

/** The UserError message `action` fails with; anything else, or success, fails the test. */
export async function userErrorOf(action: () => Promise<unknown>): Promise<string> {
  try {
    await action();
  } catch (error) {
    if (isUserError(error)) return error.message;
    throw error;
  }
  throw new Error("expected a UserError, got success");
}
