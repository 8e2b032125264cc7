import { baseEcosystem } from "../../versions/index.js";

/**
 * The name under which a package is stored and looked up in `ecosystem`, so that an
 * inventory's spelling finds the feed's: PyPI names normalised as PEP 503 says (lower case,
 * every run of `-`, `_` and `.` one `-`), NuGet names lower case (nuget.org ids are
 * case-insensitive); everything else as OSV names it (npm, Go module paths, Maven
 * `groupId:artifactId`, distro source packages are case-sensitive).
 */
export function packageKey(ecosystem: string, name: string): string {
  switch (baseEcosystem(ecosystem)) {
    case "PyPI":
      return name.replace(/[-_.]+/g, "-").toLowerCase();
    case "NuGet":
      return name.toLowerCase();
    default:
      return name;
  }
}
