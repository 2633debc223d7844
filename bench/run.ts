/**
 * `npm run bench`: every benchmark, one after the other, each in its own process so that
 * one's garbage does not weigh on the next. Pass `--quick` for smaller inputs.
 */
import { execFileSync } from 'node:child_process';

const quick = process.argv.includes('--quick');
const runs: [string, string[]][] = [
  ['bench/replay.ts', [quick ? '1000000' : '10000000']],
  ['bench/live.ts', [quick ? '20000' : '200000']],
  ['bench/keys.ts', []],
  ['bench/kept.ts', [quick ? '200000' : '600000']],
  ['bench/asof.ts', quick ? ['--quick'] : ['1m', '5m']],
  ['bench/ffill.ts', quick ? ['2000000', '500000'] : ['20000000', '5000000']],
  ['bench/rolling.ts', [quick ? '500000' : '5000000']],
  ['bench/join.ts', [quick ? '500000' : '5000000']],
  ['bench/overhead.ts', [quick ? '50000' : '200000']],
  ['bench/features.ts', quick ? ['--quick'] : ['1m', '5m']],
];
for (const [file, args] of runs) {
  console.log(`\n## ${file} ${args.join(' ')}`);
  execFileSync(process.execPath, ['--import', 'tsx', file, ...args], { stdio: 'inherit' });
}
