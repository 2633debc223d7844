/**
 * "features" as a weir chain replayed with 5-minute cycles and `coalesce: false` (see
 * `_weir.ts`): the same rows as every other cycle length, in 78 instants over the trading
 * day instead of 390 at 60 s — for a full-speed backtest without RxJS time operators, the
 * longer cycle pays the per-instant cost of the chain's operators less often.
 *
 *   npx tsx bench/features/weir-5min-pieces.ts <1m|5m> [--variant base|ema] [--repeats N]
 */
import { runWeir } from './_weir';

await runWeir('weir replay (5 min cycles, coalesce: false)', 300_000, false);
