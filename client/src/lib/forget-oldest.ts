/**
 * Keeps a Map or Set (insertion-ordered) to at most `max` entries by deleting the oldest: for
 * state a peer could grow by never answering (receipts waited on in shared sessions).
 */
export function forgetOldest(entries: Map<unknown, unknown> | Set<unknown>, max: number): void {
  for (const oldest of entries.keys()) {
    if (entries.size <= max) return;
    entries.delete(oldest);
  }
}
