/**
 * Makes keys unique in order: the first holder of a key keeps it, later ones get the separator
 * and 2, 3… (skipping any suffixed key another entry already holds), so the same inventory
 * always gives the same keys.
 */
export function uniqueKeys(keys: readonly string[], separator: string): string[] {
  const taken = new Set(keys);
  const given = new Set<string>();
  return keys.map((key) => {
    let unique = key;
    for (let n = 2; given.has(unique) || (unique !== key && taken.has(unique)); n++) unique = `${key}${separator}${n}`;
    given.add(unique);
    return unique;
  });
}
