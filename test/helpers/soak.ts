/**
 * Soak mode for weir's own property tests: `WEIR_SOAK=N` runs N× the cases of every
 * property and oracle test, `WEIR_SEED=S` moves their fixed sample seeds to other ones.
 * Unset (the default, what `npm test` and CI run), every count and seed is the test's own.
 *
 *   WEIR_SOAK=10 WEIR_SEED=7919 npm run test:soak
 *
 * A failure names its seed: fast-check prints the one of an `fc.assert`; a fixed-seed
 * sample is reproduced by the same `WEIR_SOAK`/`WEIR_SEED` pair.
 */

function nonNegativeInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got '${raw}'`);
  return n;
}

/** How many times the usual number of cases (`WEIR_SOAK`, default 1). */
export const SOAK = Math.max(1, nonNegativeInteger('WEIR_SOAK', 1));

/** Added to every fixed sample seed (`WEIR_SEED`, default 0). */
export const SEED_OFFSET = nonNegativeInteger('WEIR_SEED', 0);

/** `n` cases, times `WEIR_SOAK`. */
export function soak(n: number): number {
  return n * SOAK;
}

/** A test's fixed seed `n`, moved by `WEIR_SEED`. */
export function soakSeed(n: number): number {
  return n + SEED_OFFSET;
}

/** The seeds `1..n` of a test that loops over seeds: `n × WEIR_SOAK` of them, from `WEIR_SEED + 1`. */
export function soakSeeds(n: number): number[] {
  return Array.from({ length: soak(n) }, (_, i) => SEED_OFFSET + i + 1);
}
