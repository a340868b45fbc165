/**
 * Sets `key` in a map kept to `max` entries: when a new key would pass the bound, the oldest entry
 * (first inserted) goes. The caches of checked tokens and sessions used to be cleared whole at
 * their bound, so a crowd just past it (a 20,000-buyer sale against 20,000 remembered identity
 * headers) lost every entry at once and paid for all of them again, request after request.
 */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  if (map.size >= max && !map.has(key)) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
  map.set(key, value);
}
