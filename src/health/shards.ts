/**
 * Which live health monitor watches a cluster: the one with the highest score for the pair
 * (rendezvous hashing). Every monitor reads the same members from the database and so reaches
 * the same answer on its own; when a monitor joins or leaves, only the clusters it gains or
 * loses move, and the others stay where their watches already are.
 */
export function ownerOf(clusterId: string, monitors: readonly string[]): string | undefined {
  let owner: string | undefined;
  let best = -1;
  for (const monitor of monitors) {
    const score = pairScore(monitor, clusterId);
    // Ties (rare) go to the smaller id, so that every monitor breaks them alike.
    if (score > best || (score === best && owner !== undefined && monitor < owner)) {
      best = score;
      owner = monitor;
    }
  }
  return owner;
}

/** FNV-1a over both ids, then a 32-bit finaliser so that near ids score far apart. */
function pairScore(monitor: string, clusterId: string): number {
  let hash = 0x811c9dc5;
  const mix = (text: string) => {
    for (let i = 0; i < text.length; i++) {
      hash ^= text.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193);
    }
  };
  mix(monitor);
  mix('\u0000');
  mix(clusterId);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
