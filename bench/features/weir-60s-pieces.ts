/**
 * "features" as a weir chain replayed with 60 s cycles and `coalesce: false` (see
 * `_weir.ts`): a cycle that spans two 65,536-row source batches delivers their two slices
 * in the instant instead of a concatenation (a copy of every quote row at 60 s cycles);
 * the same rows come out.
 *
 *   npx tsx bench/features/weir-60s-pieces.ts <1m|5m> [--variant base|ema] [--repeats N]
 */
import { runWeir } from './_weir';

await runWeir('weir replay (60 s cycles, coalesce: false)', 60_000, false);
