/**
 * A deterministic pseudo-random number in [0, 1) from an integer seed (mulberry32). Used where
 * AWS promises "same seed, same value" (States.MathRandom, JSONata `$random(seed)`).
 */
export function seededRandom(seed: number): number {
  let t = (seed + 0x6d2b79f5) | 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
