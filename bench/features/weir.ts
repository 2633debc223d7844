/**
 * "features" as a weir chain replayed with the default 1 s cycles (see `_weir.ts`).
 *
 *   npx tsx bench/features/weir.ts <1m|5m> [--variant base|ema] [--repeats N]
 */
import { runWeir } from './_weir';

await runWeir('weir replay (1 s cycles)', undefined);
