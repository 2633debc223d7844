/**
 * "features" as a weir chain replayed with 60 s cycles (see `_weir.ts`): fewer, larger
 * instants, for a backtest that has no time operator needing 1 s granularity.
 *
 *   npx tsx bench/features/weir-60s.ts <1m|5m> [--variant base|ema] [--repeats N]
 */
import { runWeir } from './_weir';

await runWeir('weir replay (60 s cycles)', 60_000);
