import { describe, expect, it, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../..');
const consumer = join(root, '.tmp', 'consumer');

const script = (kind: 'esm' | 'cjs') => `
${kind === 'esm'
    ? "import { replay, live, ReplayScheduler, col, withColumns } from 'weir';\nimport { batch, toColumns } from 'weir/testing';\nimport * as arrow from 'apache-arrow';"
    : "const { replay, live, ReplayScheduler, col, withColumns } = require('weir');\nconst { batch, toColumns } = require('weir/testing');"}
const main = async () => {
  const s = new ReplayScheduler(Date.UTC(2024, 0, 2));
  const input = batch({ ts: [Date.UTC(2024, 0, 2), Date.UTC(2024, 0, 2, 0, 0, 1)], x: [1, 2] }, { ts: 'timestamp[ms]', x: 'float64' });
  const out = await replay(({ t }) => t.pipe(withColumns({ y: col('x').mul(10) })), { t: input });
  console.log(JSON.stringify({ kind: '${kind}', live: typeof live, now: s.now(), y: toColumns(out).y }));
};
main().catch((e) => { console.error(e); process.exit(1); });
`;

describe('the built package', () => {
  beforeAll(() => {
    execFileSync('npx', ['tsup', '--silent'], { cwd: root, stdio: 'pipe' });
    rmSync(consumer, { recursive: true, force: true });
    mkdirSync(join(consumer, 'node_modules'), { recursive: true });
    symlinkSync(root, join(consumer, 'node_modules', 'weir'), 'dir');
    writeFileSync(join(consumer, 'esm.mjs'), script('esm'));
    writeFileSync(join(consumer, 'cjs.cjs'), script('cjs'));
  }, 120_000);

  for (const [kind, file] of [['esm', 'esm.mjs'], ['cjs', 'cjs.cjs']] as const) {
    it(`works from ${kind === 'esm' ? 'ESM (import)' : 'CJS (require)'}`, () => {
      const out = execFileSync(process.execPath, [file], { cwd: consumer, encoding: 'utf8' });
      expect(JSON.parse(out.trim())).toEqual({ kind, live: 'function', now: Date.UTC(2024, 0, 2), y: [10, 20] });
    });
  }
});
