/**
 * What keeping objects alive costs the garbage collector, by kind: N objects created and
 * kept (as a pipeline's kept output batches are), with short-lived garbage allocated
 * beside them so that young-generation collections run, and the GC time reported by
 * `PerformanceObserver`. Kinds: plain objects of 7 fields; typed-array views on one shared
 * `ArrayBuffer` (as weir's slab-allocated columns and replay's slices are); `subarray`
 * views; small typed arrays with their own (on-heap) buffer. Each kind in its own process.
 *
 *   npx tsx bench/kept.ts [count=600000]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PerformanceObserver } from 'node:perf_hooks';
import { median, printTable } from './util';

const KINDS = ['plain object', 'view on a shared buffer', 'subarray view', 'small typed array'] as const;
type Kind = (typeof KINDS)[number];

async function measure(kind: Kind, count: number, repeats: number): Promise<{ ms: number; gcMs: number }> {
  let gc = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gc += e.duration;
  });
  obs.observe({ entryTypes: ['gc'] });
  const shared = new ArrayBuffer(1 << 20);
  const whole = new Float64Array(shared);
  const ms: number[] = [];
  const gcs: number[] = [];
  const junk: unknown[] = new Array<unknown>(64).fill(null);
  for (let r = 0; r <= repeats; r++) {
    const kept: unknown[] = [];
    gc = 0;
    const t0 = performance.now();
    for (let i = 0; i < count; i++) {
      const at = i & 1023;
      let o: unknown;
      if (kind === 'plain object') o = { a: i, b: null, c: kept, d: 1.5, e: 0, f: 0, g: 0 };
      else if (kind === 'view on a shared buffer') o = new Float64Array(shared, at * 8, 16);
      else if (kind === 'subarray view') o = whole.subarray(at, at + 16);
      else o = new Float64Array(4);
      kept.push(o);
      junk[i & 63] = { x: i }; // short-lived garbage (overwritten 64 objects later)
    }
    const t = performance.now() - t0;
    await new Promise((resolve) => setTimeout(resolve, 20)); // GC entries arrive in a later task
    if (r > 0) {
      ms.push(t);
      gcs.push(gc);
    }
  }
  obs.disconnect();
  return { ms: median(ms), gcMs: median(gcs) };
}

const child = process.argv.indexOf('--child');
if (child >= 0) {
  const kind = process.argv[child + 1] as Kind;
  const count = Number(process.argv[child + 2]);
  const r = await measure(kind, count, 5);
  console.log(`RESULT ${JSON.stringify(r)}`);
} else {
  const count = Number(process.argv[2] ?? 600_000);
  const rows: Record<string, string | number>[] = [];
  for (const kind of KINDS) {
    const p = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', kind, String(count)], { encoding: 'utf8' });
    const line = p.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    if (!line) throw new Error(`${kind}: ${p.stderr}`);
    const r = JSON.parse(line.slice(7)) as { ms: number; gcMs: number };
    rows.push({ kept: kind, count, 'ms (median of 5)': r.ms.toFixed(0), 'GC ms': r.gcMs.toFixed(0), 'ns of GC per kept object': ((r.gcMs * 1e6) / count).toFixed(0) });
  }
  printTable('what kept objects cost the garbage collector', rows);
}
