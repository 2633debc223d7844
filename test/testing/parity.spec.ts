import { describe, expect, it } from 'vitest';
import { map } from 'rxjs';
import { expectParity } from '../../src/testing/parity';
import { batch } from '../../src/testing/builders';
import { sliceBatch } from '../../src/batch/build';
import { mergeSorted } from '../../operators/mergeSorted';
import { soak } from '../helpers/soak';

const T0 = Date.UTC(2024, 0, 2);
const mk = (times: number[], side: string) =>
  batch({ ts: times.map((t) => T0 + t), side: times.map(() => side) }, { ts: 'timestamp[ms]', side: 'utf8' });

describe('expectParity', () => {
  it('passes for an event-time operator (mergeSorted) over splits, cycles, orders and live', async () => {
    await expectParity(({ a, b }) => a.pipe(mergeSorted(b)), { a: mk([0, 1, 1, 5, 9, 200, 5000], 'a'), b: mk([1, 2, 9, 9, 70_000], 'b') }, { runs: soak(25) });
  });

  it('fails, naming the case, for a pipeline that depends on batch boundaries', async () => {
    const err = await expectParity(({ a }) => a.pipe(map((x) => sliceBatch(x, 0, 1))), { a: mk([0, 1, 2, 3, 1500, 1501], 'a') }, { runs: soak(25), live: false }).catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(String(err.message)).toMatch(/Property failed/);
    expect(String(err.message)).toMatch(/replay with cycle .*output 'result'/s);
  });
});
