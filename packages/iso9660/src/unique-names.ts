/**
 * Gives every item its preferred name when no other item wants the same one. Items that clash
 * (in the order given, which callers make deterministic) keep the preferred name for the first
 * and try `variant(item, 1)`, `variant(item, 2)`, ... for the others, skipping any name another
 * item prefers, so a name that fits is never taken away by a mangled one.
 */
export function assignUniqueNames<T>(
  items: readonly T[],
  preferred: (item: T) => string,
  variant: (item: T, attempt: number) => string,
  key: (name: string) => string = (name) => name,
): Map<T, string> {
  const bases = items.map(preferred);
  const wanted = new Map<string, number>();
  for (const base of bases) wanted.set(key(base), (wanted.get(key(base)) ?? 0) + 1);

  const assigned = new Map<T, string>();
  const used = new Set<string>();
  // Items with the same preferred name try the same variants: resume where the last one stopped.
  const nextAttempt = new Map<string, number>();
  items.forEach((item, index) => {
    const base = bases[index]!;
    if (wanted.get(key(base)) === 1) {
      assigned.set(item, base);
      used.add(key(base));
    }
  });
  items.forEach((item, index) => {
    if (assigned.has(item)) return;
    const base = bases[index]!;
    if (!used.has(key(base))) {
      assigned.set(item, base);
      used.add(key(base));
      return;
    }
    for (let attempt = nextAttempt.get(key(base)) ?? 1; ; attempt++) {
      const candidate = variant(item, attempt);
      const candidateKey = key(candidate);
      if (!used.has(candidateKey) && !wanted.has(candidateKey)) {
        assigned.set(item, candidate);
        used.add(candidateKey);
        nextAttempt.set(key(base), attempt + 1);
        return;
      }
    }
  });
  return assigned;
}
