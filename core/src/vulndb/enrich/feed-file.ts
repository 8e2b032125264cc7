import { readFile, stat } from "node:fs/promises";
import { UserError } from "../../errors.js";

const MIB = 1024 * 1024;

/**
 * The size of a downloaded feed file, refused over `cap` before any byte is parsed:
 * a parser holds the whole document, so a runaway file must not reach it.
 */
async function checkedFeedSize(path: string, what: string, cap: number): Promise<number> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    throw unreadableFeed(path, what, error);
  }
  if (size > cap) {
    throw new UserError(
      `${what} ${path} is ${(size / MIB).toFixed(1)} MiB, over the ${cap / MIB} MiB limit for this feed.`,
      "Check that the path names the right file; a genuine feed is far smaller.",
    );
  }
  return size;
}

/** The whole text of a downloaded feed file, refused over `cap` (see checkedFeedSize) or when it cannot be read. */
export async function readFeedText(path: string, what: string, cap: number): Promise<string> {
  await checkedFeedSize(path, what, cap);
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw unreadableFeed(path, what, error);
  }
}

/** The UserError for a feed file that cannot be opened or read. */
export function unreadableFeed(path: string, what: string, error: unknown): UserError {
  const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return new UserError(`${what} ${path} cannot be read (${code}).`, "Pass the path of the downloaded file.");
}
