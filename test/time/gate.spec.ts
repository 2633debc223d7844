import { describe, expect, it } from 'vitest';
import { ProgressGate, releasable } from '../../src/time/gate';
import { ProgressHub } from '../../src/time/progress';
import { ReplayScheduler } from '../../src/time/replay-scheduler';
import type { RunContext } from '../../src/time/run';
import { withRun } from '../../src/time/run';
import { MAX_TIME, MIN_TIME } from '../../src/batch/time';
import { LateDataError } from '../../src/errors';

const run = (): RunContext => ({ mode: 'replay', scheduler: new ReplayScheduler(0), progress: new ProgressHub(), time: 'ts' });

describe('ProgressGate', () => {
  it('outside a run: releases as soon as every input shows progress (a later row or completion)', () => {
    const released: bigint[] = [];
    const g = new ProgressGate({ operator: 'op', inputs: ['left', 'right'], run: null }, (t) => released.push(t));
    g.start();
    g.rows(0, 10n);
    expect(released).toEqual([]); // right has shown nothing
    g.rows(1, 5n);
    expect(released).toEqual([4n]); // right complete through 4 (more rows at 5 may follow)
    g.rows(1, 20n);
    expect(released).toEqual([4n, 9n]); // left complete through 9
    g.complete(0);
    expect(released).toEqual([4n, 9n, 19n]);
    g.complete(1);
    expect(released).toEqual([4n, 9n, 19n, MAX_TIME]);
    expect(g.allComplete).toBe(true);
  });

  it('inside a run: releases only in the progress phase, once per watermark, whatever the arrival order', () => {
    for (const order of [[0, 1], [1, 0]]) {
      const r = run();
      const released: bigint[] = [];
      const g = withRun(r, () => new ProgressGate({ operator: 'op', inputs: ['a', 'b'] }, (t) => released.push(t)));
      g.start();
      for (const i of order) g.rows(i, i === 0 ? 100n : 50n);
      expect(released).toEqual([]);
      r.progress.publish(60n);
      // the watermark says every source delivered all rows <= 60
      expect(released).toEqual([60n]);
      r.progress.publish(60n);
      expect(released).toEqual([60n]);
      g.stop();
      r.progress.publish(1000n);
      expect(released).toEqual([60n]);
    }
  });

  it('upstream listeners (registered first) run first within one publish', () => {
    const hub = new ProgressHub();
    const log: string[] = [];
    hub.register((w) => log.push(`up ${w}`));
    hub.register((w) => log.push(`down ${w}`));
    hub.publish(5n);
    hub.publish(3n); // never goes back
    expect(log).toEqual(['up 5', 'down 5', 'up 5', 'down 5']);
    expect(hub.watermark).toBe(5n);
  });

  it('late rows: error names input, column and row; drop counts; accept reports them', () => {
    const mk = (late: 'error' | 'drop' | 'accept') => {
      const g = new ProgressGate({ operator: 'op', inputs: ['left', 'right'], late, run: null }, () => undefined);
      g.rows(0, 11n);
      g.rows(1, 11n); // released through 10
      return g;
    };
    const times = BigInt64Array.of(9n, 10n, 11n, 12n);
    let err: unknown;
    try {
      mk('error').late(1, times, 'ts', 40);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LateDataError);
    expect(err).toMatchObject({ input: 'right', column: 'ts', row: 40 });
    const d = mk('drop');
    expect(d.late(1, times, 'ts', 0)).toBe(2);
    expect(d.dropped).toBe(2);
    expect(mk('accept').late(1, times, 'ts', 0)).toBe(2);
    expect(mk('error').late(1, BigInt64Array.of(11n), 'ts', 0)).toBe(0);
  });

  it('releasable counts the rows at or before a time', () => {
    const t = BigInt64Array.of(1n, 2n, 2n, 5n);
    expect(releasable(t, 2n)).toBe(3);
    expect(releasable(t, MIN_TIME)).toBe(0);
    expect(releasable(t, MAX_TIME)).toBe(4);
  });
});
