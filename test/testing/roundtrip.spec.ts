import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type Cell, type TypeShorthand, batch, expectBatchEqual, rows, split, toColumns, toRows } from '../../src/testing';
import { soak } from '../helpers/soak';

/** A cell as given to the builder, and the value `toColumns` must read back. */
interface Sample {
  input: Cell;
  expected: Cell;
}

const same = (arb: fc.Arbitrary<Cell>): fc.Arbitrary<Sample> => arb.map((v) => ({ input: v, expected: v }));

const intRange = (bits: number, signed: boolean): fc.Arbitrary<Sample> =>
  fc.integer({ min: signed ? -(2 ** (bits - 1)) : 0, max: signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1 }).chain((v) =>
    fc.constantFrom<Sample>({ input: v, expected: v }, { input: BigInt(v), expected: v }),
  );

const bigRange = (signed: boolean): fc.Arbitrary<Sample> =>
  fc
    .bigInt(signed ? { min: -(2n ** 63n), max: 2n ** 63n - 1n } : { min: 0n, max: 2n ** 64n - 1n })
    .chain((v) =>
      Number.isSafeInteger(Number(v)) && BigInt(Number(v)) === v
        ? fc.constantFrom<Sample>({ input: v, expected: v }, { input: Number(v), expected: v })
        : fc.constant<Sample>({ input: v, expected: v }),
    );

/** Milliseconds within what `Date` and 4-digit ISO years cover. */
const MS_MIN = -62135596800000; // 0001-01-01
const MS_MAX = 253402300799999; // 9999-12-31T23:59:59.999

/**
 * Times in a unit of `nsPerUnit` ns, given as raw bigint/number, `Date` or ISO string
 * (with sub-millisecond digits where the unit has them).
 */
function timeSamples(nsPerUnit: bigint): fc.Arbitrary<Sample> {
  const raw = fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }).chain((v) =>
    Number.isSafeInteger(Number(v)) && BigInt(Number(v)) === v
      ? fc.constantFrom<Sample>({ input: v, expected: v }, { input: Number(v), expected: v })
      : fc.constant<Sample>({ input: v, expected: v }),
  );
  const msStep = nsPerUnit > 1_000_000n ? Number(nsPerUnit / 1_000_000n) : 1;
  // nanoseconds in an int64 reach only 1677-09-21 … 2262-04-11
  const limit = nsPerUnit === 1n ? 9_223_372_036_000 : Infinity;
  const lo = Math.max(MS_MIN, -limit);
  const hi = Math.min(MS_MAX, limit);
  const instant = fc
    .tuple(fc.integer({ min: Math.ceil(lo / msStep), max: Math.floor(hi / msStep) }), fc.integer({ min: 0, max: 999_999 }))
    .map(([k, sub]) => {
      const ms = k * msStep;
      const subNs = nsPerUnit >= 1_000_000n ? 0 : sub - (sub % Number(nsPerUnit));
      return { ms, subNs };
    });
  const viaDate = instant.map(({ ms }) => ({ input: new Date(ms), expected: (BigInt(ms) * 1_000_000n) / nsPerUnit }));
  const viaIso = instant.map(({ ms, subNs }) => {
    const iso = new Date(ms).toISOString();
    const text = subNs ? `${iso.slice(0, -1)}${String(subNs).padStart(6, '0')}Z` : iso;
    return { input: text, expected: (BigInt(ms) * 1_000_000n + BigInt(subNs)) / nsPerUnit };
  });
  return fc.oneof(raw, viaDate, viaIso);
}

const daySamples: fc.Arbitrary<Sample> = fc.integer({ min: -719162, max: 2932896 }).chain((d) => {
  const iso = new Date(d * 86_400_000).toISOString();
  return fc.constantFrom<Sample>(
    { input: d, expected: d },
    { input: BigInt(d), expected: d },
    { input: new Date(d * 86_400_000), expected: d },
    { input: iso.slice(0, 10), expected: d },
    { input: iso, expected: d },
  );
});

const dateMsSamples: fc.Arbitrary<Sample> = fc.integer({ min: MS_MIN, max: MS_MAX }).chain((ms) =>
  fc.constantFrom<Sample>(
    { input: ms, expected: BigInt(ms) },
    { input: BigInt(ms), expected: BigInt(ms) },
    { input: new Date(ms), expected: BigInt(ms) },
    { input: new Date(ms).toISOString(), expected: BigInt(ms) },
  ),
);

const text = fc.string({ unit: 'binary', maxLength: 12 });

const TYPES: [TypeShorthand, fc.Arbitrary<Sample>][] = [
  ['timestamp[s]', timeSamples(1_000_000_000n)],
  ['timestamp[ms]', timeSamples(1_000_000n)],
  ['timestamp[us]', timeSamples(1_000n)],
  ['timestamp[ns]', timeSamples(1n)],
  ['timestamp[ns, UTC]', timeSamples(1n)],
  ['date[day]', daySamples],
  ['date[ms]', dateMsSamples],
  ['int8', intRange(8, true)],
  ['int16', intRange(16, true)],
  ['int32', intRange(32, true)],
  ['int64', bigRange(true)],
  ['uint8', intRange(8, false)],
  ['uint16', intRange(16, false)],
  ['uint32', intRange(32, false)],
  ['uint64', bigRange(false)],
  ['float32', fc.float().map((v) => ({ input: v, expected: v }))],
  ['float64', same(fc.double())],
  ['bool', same(fc.boolean())],
  ['utf8', same(text)],
  ['dictionary', same(fc.oneof(fc.constantFrom('a', 'b', 'c', ''), text))],
  ['dictionary[int16]', same(fc.constantFrom('x', 'y', 'é'))],
];

const column = (arb: fc.Arbitrary<Sample>): fc.Arbitrary<Sample[]> =>
  fc.array(fc.option(arb, { nil: { input: null, expected: null } as Sample, freq: 4 }), { maxLength: 24 });

describe('toColumns(batch(cols, schema)) round-trips', () => {
  it.each(TYPES)('%s, with nulls, whole and split at a random row', (spec, arb) => {
    fc.assert(
      fc.property(column(arb), fc.nat(), (samples, cutSeed) => {
        const b = batch({ c: samples.map((s) => s.input) }, { c: spec });
        const want = samples.map((s) => s.expected);
        expect(toColumns(b).c).toEqual(want);
        const cut = samples.length ? cutSeed % (samples.length + 1) : 0;
        const [head, tail] = split(b, [cut]);
        expect([...toColumns(head).c, ...toColumns(tail).c]).toEqual(want);
        expect(toColumns(tail).c).toEqual(want.slice(cut));
      }),
      { numRuns: soak(60) },
    );
  });

  it('every type in one batch: toRows → rows(…, schema) rebuilds an equal batch', () => {
    const n = fc.integer({ min: 0, max: 12 });
    fc.assert(
      fc.property(
        n.chain((len) => fc.tuple(...TYPES.map(([, arb]) => fc.array(fc.option(arb, { nil: { input: null, expected: null } as Sample }), { minLength: len, maxLength: len })))),
        fc.nat(),
        (cols, cutSeed) => {
          const names = TYPES.map((_, j) => `c${j}`);
          const columns = Object.fromEntries(names.map((name, j) => [name, cols[j].map((s) => s.input)]));
          const schema = Object.fromEntries(names.map((name, j) => [name, TYPES[j][0]]));
          const b = batch(columns, schema);
          const want = Object.fromEntries(names.map((name, j) => [name, cols[j].map((s) => s.expected)]));
          expect(toColumns(b)).toEqual(want);
          expectBatchEqual(rows(toRows(b), b.schema), b);
          const cut = b.numRows ? cutSeed % (b.numRows + 1) : 0;
          expectBatchEqual(rows(toRows(b.slice(cut)), b.schema), b.slice(cut));
        },
      ),
      { numRuns: soak(60) },
    );
  });
});
