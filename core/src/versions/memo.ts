/**
 * Remembers what `parse` made of recent version strings. Matching compares one installed version
 * against many advisory bounds, so the same strings come back again and again; parsing once is
 * most of the cost of a comparison. Bounded in entries and in key length, so hostile input
 * (millions of distinct or megabyte-long versions) cannot grow it without limit.
 */
export function memoize<T>(parse: (version: string) => T, maxEntries = 4096, maxKeyLength = 256): (version: string) => T {
  const cache = new Map<string, T>();
  return (version) => {
    if (version.length > maxKeyLength) return parse(version);
    let parsed = cache.get(version);
    if (parsed === undefined) {
      // Dropping everything at the limit is crude but cheap, and the working set refills at once.
      if (cache.size >= maxEntries) cache.clear();
      parsed = parse(version);
      cache.set(version, parsed);
    }
    return parsed;
  };
}
