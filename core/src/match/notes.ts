import type { Unchecked } from "./lookup.js";

/** What matching could not do, counted while it runs and written as one line per kind at the end. */
export class MatchNotes {
  private readonly uncheckedCounts = new Map<string, { unchecked: Unchecked; packages: number }>();
  private unreadableCount = 0;
  private firstUnreadable = "";
  private tooLongCount = 0;
  private firstTooLong = "";

  unchecked(unchecked: Unchecked): void {
    const key = `${unchecked.reason}\u0000${unchecked.ecosystem}`;
    const known = this.uncheckedCounts.get(key);
    if (known) known.packages++;
    else this.uncheckedCounts.set(key, { unchecked, packages: 1 });
  }

  unreadable(ecosystem: string, name: string, version: string): void {
    if (this.unreadableCount === 0) this.firstUnreadable = `${ecosystem} ${name} ${JSON.stringify(version)}`;
    this.unreadableCount++;
  }

  tooLong(ecosystem: string, name: string, length: number): void {
    if (this.tooLongCount === 0) this.firstTooLong = `${ecosystem} ${name}, ${length} characters`;
    this.tooLongCount++;
  }

  lines(): string[] {
    const lines = [...this.uncheckedCounts.values()].map(({ unchecked, packages }) => uncheckedLine(unchecked, packages));
    if (this.unreadableCount > 0) {
      lines.push(
        `${countOf(this.unreadableCount, "package version")} did not follow ${this.unreadableCount === 1 ? "its" : "their"} ecosystem's version syntax (first: ${this.firstUnreadable}); compared anyway, the results for ${this.unreadableCount === 1 ? "it" : "them"} may be wrong`,
      );
    }
    if (this.tooLongCount > 0) {
      lines.push(
        `${countOf(this.tooLongCount, "package version")} longer than any real version (first: ${this.firstTooLong}) ${this.tooLongCount === 1 ? "was" : "were"} not checked`,
      );
    }
    return lines;
  }
}

function uncheckedLine({ ecosystem, reason }: Unchecked, packages: number): string {
  const notChecked = `${packages === 1 ? "its package was" : `its ${packages} packages were`} not checked`;
  switch (reason) {
    case "no-ecosystem":
      return `${ecosystem} packages cannot be matched (OSV has no such ecosystem, or Portcullis no version order for it); ${notChecked}`;
    case "no-release":
      return `the release of the ${ecosystem} packages is not known (no VERSION_ID in os-release), so no advisories apply; ${notChecked}`;
    case "not-in-database":
      return `no advisories for ${ecosystem} in the database; ${notChecked}`;
  }
}

function countOf(count: number, what: string): string {
  return `${count} ${what}${count === 1 ? "" : "s"}`;
}
