import { describe, expect, it } from 'vitest';
import { Field, Float64, Int32, Int64, Schema, TimestampSecond, Utf8 } from 'apache-arrow';
import fc from 'fast-check';
import {
  MAX_TIME,
  MIN_TIME,
  formatNs,
  msToNs,
  nsToMs,
  resolveTimeColumn,
  timeEncodingOf,
  timeValuesNs,
  toNs,
} from '../../src/batch/time';
import { durationToNs } from '../../src/time/duration';
import { batch } from '../../src/testing/builders';
import { ColumnTypeError, InvalidOptionError, MissingColumnError, NullTimeError } from '../../src/errors';
import { replay } from '../../src/time/replay';
import { toColumns } from '../../src/testing/read';

const T = Date.UTC(2024, 0, 2, 9, 30); // epoch ms
const NS = BigInt(T) * 1_000_000n;

function nsOf(columns: Record<string, unknown[]>, spec: Record<string, string>, name = 'ts') {
  const b = batch(columns as never, spec as never);
  const tc = resolveTimeColumn(b.schema, name, 'x');
  return Array.from(timeValuesNs(b.data.children[tc.index], tc.encoding, { input: 'x', column: name }));
}

describe('time columns', () => {
  it('converts every supported type to epoch ns', () => {
    expect(nsOf({ ts: [T / 1000] }, { ts: 'timestamp[s]' })).toEqual([NS]);
    expect(nsOf({ ts: [T] }, { ts: 'timestamp[ms]' })).toEqual([NS]);
    expect(nsOf({ ts: [BigInt(T) * 1000n + 7n] }, { ts: 'timestamp[us]' })).toEqual([NS + 7000n]);
    expect(nsOf({ ts: [NS + 123n] }, { ts: 'timestamp[ns]' })).toEqual([NS + 123n]);
    expect(nsOf({ ts: [NS + 123n] }, { ts: 'timestamp[ns, America/New_York]' })).toEqual([NS + 123n]);
    expect(nsOf({ ts: [19724] }, { ts: 'date[day]' })).toEqual([19724n * 86_400_000_000_000n]);
    expect(nsOf({ ts: [BigInt(T)] }, { ts: 'date[ms]' })).toEqual([NS]);
    expect(nsOf({ ts: [BigInt(T)] }, { ts: 'int64' })).toEqual([NS]);
    expect(nsOf({ ts: [T + 0.25] }, { ts: 'float64' })).toEqual([NS + 250_000n]);
  });

  it('keeps nanosecond timestamps zero-copy', () => {
    const b = batch({ ts: [NS, NS + 1n] }, { ts: 'timestamp[ns]' });
    const d = b.data.children[0];
    const out = timeValuesNs(d, timeEncodingOf(d.type)!);
    expect(out.buffer).toBe((d.values as BigInt64Array).buffer);
  });

  it('reads sliced batches from their offset', () => {
    const b = batch({ ts: [1, 2, 3, 4] }, { ts: 'timestamp[s]' }).slice(1, 3);
    const tc = resolveTimeColumn(b.schema, 'ts');
    expect(Array.from(timeValuesNs(b.data.children[0], tc.encoding))).toEqual([2_000_000_000n, 3_000_000_000n]);
  });

  it('names the input, column and row of a null time, counted from rowBase', () => {
    const b = batch({ ts: [1, null] }, { ts: 'timestamp[ms]' });
    const tc = resolveTimeColumn(b.schema, 'ts');
    let err: unknown;
    try {
      timeValuesNs(b.data.children[0], tc.encoding, { input: 'quotes', column: 'ts', rowBase: 10 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NullTimeError);
    expect(err).toMatchObject({ input: 'quotes', column: 'ts', row: 11 });
  });

  it('rejects non-finite Float64 times and unsupported types, naming the column', () => {
    expect(() => nsOf({ ts: [NaN] }, { ts: 'float64' })).toThrow(ColumnTypeError);
    const schema = new Schema([new Field('ts', new Utf8()), new Field('n', new Int32())]);
    expect(() => resolveTimeColumn(schema, 'ts', 'trades')).toThrow(/Timestamp .*Utf8/);
    expect(() => resolveTimeColumn(schema, 'n', 'trades')).toThrow(ColumnTypeError);
    expect(() => resolveTimeColumn(schema, 'time', 'trades')).toThrow(MissingColumnError);
    expect(timeEncodingOf(new Int64())).toEqual({ kind: 'int64', nsPerUnit: 1_000_000n });
    expect(timeEncodingOf(new Float64())).toEqual({ kind: 'float64', nsPerUnit: 1e6 });
    expect(timeEncodingOf(new TimestampSecond())).toEqual({ kind: 'int64', nsPerUnit: 1_000_000_000n });
  });

  it('converts between ms and ns and formats ns exactly', () => {
    expect(msToNs(T)).toBe(NS);
    expect(nsToMs(NS + 1_500n)).toBeCloseTo(T + 0.0015, 6);
    expect(formatNs(NS)).toBe('2024-01-02T09:30:00.000Z');
    expect(formatNs(NS + 123_456n)).toBe('2024-01-02T09:30:00.000123456Z');
    expect(formatNs(-1n)).toBe('1969-12-31T23:59:59.999999999Z');
    expect(formatNs(MAX_TIME)).toBe('+∞');
    expect(formatNs(MIN_TIME)).toBe('-∞');
    expect(toNs('2024-01-02T09:30:00Z')).toBe(NS);
    expect(toNs(new Date(T))).toBe(NS);
    expect(toNs(5n)).toBe(5n);
    expect(() => toNs('not a date')).toThrow(/Not a date/);
    fc.assert(fc.property(fc.integer({ min: -1e15, max: 1e15 }), (ms) => nsToMs(msToNs(ms)) === ms));
  });

  it('durations: ms, bigint ns, date-fns Durations; no years or months; no negatives', () => {
    expect(durationToNs(1.5)).toBe(1_500_000n);
    expect(durationToNs(7n)).toBe(7n);
    expect(durationToNs({ minutes: 5 })).toBe(300_000_000_000n);
    expect(durationToNs({ days: 1, hours: 1 })).toBe(90_000_000_000_000n);
    expect(() => durationToNs({ months: 1 }, 'window')).toThrow(InvalidOptionError);
    expect(() => durationToNs(-1, 'window')).toThrow(/window/);
    expect(() => durationToNs(0, 'window', false)).toThrow(/positive/);
  });

  it('replays every time type to the same instants', async () => {
    const specs: [Record<string, unknown[]>, Record<string, string>][] = [
      [{ ts: [T, T + 1000] }, { ts: 'timestamp[ms]' }],
      [{ ts: [BigInt(T), BigInt(T + 1000)] }, { ts: 'int64' }],
      [{ ts: [T, T + 1000] }, { ts: 'float64' }],
      [{ ts: [T / 1000, T / 1000 + 1] }, { ts: 'timestamp[s]' }],
      [{ ts: [NS, NS + 1_000_000_000n] }, { ts: 'timestamp[ns, UTC]' }],
    ];
    for (const [cols, spec] of specs) {
      const seen: number[] = [];
      const b = batch({ ...cols, v: [1, 2] } as never, { ...spec, v: 'float64' } as never);
      const out = await replay(({ x }, { scheduler }) => {
        seen.push(scheduler.now());
        return x;
      }, { x: b }, { cycle: 0 });
      expect(seen).toEqual([T]);
      expect(toColumns(out).v).toEqual([1, 2]);
    }
  });
});
