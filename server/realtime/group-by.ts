// Splits a batch into per-room packets: items grouped by a key, in their original order, items whose key
// is null or undefined left out (an event of no grid goes to no grid room). Node 20 has no Map.groupBy.
export function groupBy<T, K>(items: readonly T[], keyOf: (item: T) => K | null | undefined): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = keyOf(item);
    if (k == null) continue;
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
