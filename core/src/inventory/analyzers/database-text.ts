import type { ImageFile } from "../../image/types.js";

/** One blank-line separated entry of a text package database, with the line it starts on (1-based). */
export interface Stanza {
  line: number;
  lines: string[];
}

/** The file as text, or undefined (with a note) when it holds NUL bytes: no text database does. */
export function databaseText(file: ImageFile, notes: string[] | undefined): string | undefined {
  if (file.content.includes(0)) {
    notes?.push(`${file.path}: not a text package database (it holds binary data); its packages are not listed`);
    return undefined;
  }
  return file.content.toString("utf8");
}

export function* stanzas(text: string): Generator<Stanza> {
  let current: Stanza | undefined;
  const lines = text.split("\n");
  for (const [index, line] of lines.entries()) {
    if (line.trim() === "") {
      if (current) yield current;
      current = undefined;
    } else {
      current ??= { line: index + 1, lines: [] };
      current.lines.push(line);
    }
  }
  if (current) yield current;
}

/** Names, versions and architectures as package managers write them; anything else is junk or an attack. */
export function isPlainToken(value: string): boolean {
  return /^[\w.+~:-]{1,256}$/.test(value);
}

/** The entries of one database file that were skipped, reported as one note. */
export class SkippedEntries {
  private count = 0;
  private first = "";

  constructor(private readonly path: string) {}

  add(line: number, reason: string): void {
    if (this.count === 0) this.first = `line ${line}: ${reason}`;
    this.count += 1;
  }

  noteInto(notes: string[] | undefined): void {
    if (this.count === 0) return;
    const entries = this.count === 1 ? "1 malformed entry" : `${this.count} malformed entries`;
    notes?.push(`${this.path}: skipped ${entries} (first at ${this.first})`);
  }
}
