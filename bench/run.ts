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
  ['bench/asof.ts', quick ? ['100000', '400000'] : ['1000000', '4000000']],
];
for (const [file, args] of runs) {
  console.log(`\n## ${file} ${args.join(' ')}`);
  execFileSync(process.execPath, ['--import', 'tsx', file, ...args], { stdio: 'inherit' });
}
