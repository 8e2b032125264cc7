import type { ImageFile } from "../../image/types.js";
import { packageUrl } from "../purl.js";
import type { Analyzer, InventoryPackage } from "../types.js";
import { type ElfSection, elfSection, isElf } from "./elf.js";
import { executablesIn, executableWants } from "./executables.js";
import { type AuditedCrate, quoted, readAuditData } from "./rust/audit-data.js";

/** The ELF section `cargo auditable` writes the compressed dependency list to. */
const SECTION = ".dep-v0";
/** Compressed bytes kept per binary while the layers are walked; real lists take a few KiB. */
const SECTION_CAP = 1024 * 1024;
/** Starts every excerpt; the section's size (uint32, big-endian) follows, then its bytes unless it is over the cap. */
const EXCERPT_MAGIC = Buffer.from("\0portcullis rust .dep-v0 v1\n");
const SIZE_BYTES = 4;

const CRATES_IO = "crates.io";
/** What crates.io accepts as a crate name: ASCII, a letter first, at most 64 characters. */
const CRATE_NAME = /^[A-Za-z][\w-]{0,63}$/;
/** Crates a note names before it counts the rest. */
const NAMED_IN_NOTE = 5;

export const rustAnalyzer: Analyzer = {
  name: "rust",
  /** Rust binaries sit where Go binaries do. */
  wants: executableWants,
  excerpt: (_path, content) => auditDataExcerpt(content),
  analyze(files, _os, notes) {
    return executablesIn(files).flatMap((file) => readBinary(file, notes));
  },
};

/** Where the compressed dependency list is: its size, and its bytes unless there are more than `SECTION_CAP`. */
interface LocatedAuditData {
  size: number;
  compressed?: Buffer;
}

/**
 * The `.dep-v0` section of an ELF file, or the one an excerpt holds. A file that merely contains
 * the excerpt's magic is read the same way whether it was excerpted or not, so both paths agree
 * on any input. Binaries without section headers are not searched: the section has no marker.
 */
function locateAuditData(content: Buffer): LocatedAuditData | undefined {
  const place = isElf(content) ? elfSection(content, SECTION) : excerptPlace(content);
  if (!place) return undefined;
  const { offset, size } = place;
  return size <= SECTION_CAP ? { size, compressed: content.subarray(offset, offset + size) } : { size };
}

/** Where an excerpt says its section's bytes are; anywhere in the file, as it may sit beside another analyzer's excerpt. */
function excerptPlace(content: Buffer): ElfSection | undefined {
  const at = content.indexOf(EXCERPT_MAGIC);
  const sizeAt = at + EXCERPT_MAGIC.length;
  if (at === -1 || sizeAt + SIZE_BYTES > content.length) return undefined;
  // A cut-short excerpt gives fewer bytes than its size says, which inflating then reports.
  return { offset: sizeAt + SIZE_BYTES, size: content.readUInt32BE(sizeAt) };
}

/**
 * The bytes `analyze` reads, copied so the binary itself can be freed: a short header and the
 * compressed section (a few KiB), the header alone for a section over the cap (so the reason is
 * still reported), or nothing for a file without the section.
 */
export function auditDataExcerpt(content: Buffer): Buffer {
  const found = locateAuditData(content);
  if (!found) return Buffer.alloc(0);
  const size = Buffer.alloc(SIZE_BYTES);
  // A section that large is over the cap either way; the note does not quote its size.
  size.writeUInt32BE(Math.min(found.size, 0xffffffff));
  return Buffer.concat([EXCERPT_MAGIC, size, found.compressed ?? Buffer.alloc(0)]);
}

function readBinary(file: ImageFile, notes: string[] | undefined): InventoryPackage[] {
  const found = locateAuditData(file.content);
  if (!found) return [];
  const data = found.compressed ? readAuditData(found.compressed) : `the ${SECTION} section is larger than ${SECTION_CAP} bytes`;
  if (typeof data === "string") {
    notes?.push(`${file.path}: Rust dependency data (cargo auditable) not read: ${data}`);
    return [];
  }
  for (const problem of data.problems) notes?.push(`${file.path}: Rust dependency data (cargo auditable): ${problem}`);
  return listedCrates(data.crates, file.path, notes).map((crate) => ({
    name: crate.name,
    version: crate.version,
    ecosystem: CRATES_IO,
    purl: packageUrl({ type: "cargo", name: crate.name, version: crate.version }),
    layer: file.layer,
    path: file.path,
  }));
}

/**
 * The crates that advisories can be matched against: runtime crates from crates.io. Build-time
 * crates (build scripts, proc-macros and what only they use) run on the build machine and are
 * not linked into the binary. The root package is the application itself, listed only when it
 * comes from crates.io (`cargo install`). Crates from git, a local path or another registry have
 * no crates.io identity (RustSec advisories and `pkg:cargo` purls name crates.io crates), so a
 * note names them instead of listing them under a name that may belong to someone else's crate.
 */
function listedCrates(crates: AuditedCrate[], where: string, notes: string[] | undefined): AuditedCrate[] {
  const runtime = crates.filter((crate) => crate.kind === "runtime");
  const elsewhere = runtime.filter((crate) => crate.source !== CRATES_IO && !crate.root);
  if (elsewhere.length > 0) {
    const list = named(elsewhere, (crate) => `${plain(crate.name)} ${crate.version} (${plain(crate.source)})`);
    notes?.push(`${where}: Rust crates not from crates.io, left out (${elsewhere.length}): ${list}`);
  }
  const fromCratesIo = runtime.filter((crate) => crate.source === CRATES_IO);
  const misnamed = fromCratesIo.filter((crate) => !CRATE_NAME.test(crate.name));
  if (misnamed.length > 0) {
    const list = named(misnamed, (crate) => `${quoted(crate.name)} ${crate.version}`);
    notes?.push(`${where}: Rust crates with names crates.io does not allow, skipped (${misnamed.length}): ${list}`);
  }
  return fromCratesIo.filter((crate) => CRATE_NAME.test(crate.name));
}

/** The first few crates as `describe` puts them, and a count of the rest. */
function named(crates: AuditedCrate[], describe: (crate: AuditedCrate) => string): string {
  const shown = crates.slice(0, NAMED_IN_NOTE).map(describe).join(", ");
  const rest = crates.length - NAMED_IN_NOTE;
  return rest > 0 ? `${shown} and ${rest} more` : shown;
}

/** A plain name as it is, anything else quoted and cut short. */
function plain(text: string): string {
  return CRATE_NAME.test(text) ? text : quoted(text);
}
