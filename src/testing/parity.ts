/**
 * The batch == stream check: a pipeline gives the same rows, in the same order, for any
 * split of its inputs into batches, any replay cycle, any delivery order of one instant's
 * batches, and live with events pushed in time order.
 */
import { Subject, type Observable } from 'rxjs';
import { type RecordBatch, Table } from 'apache-arrow';
import fc from 'fast-check';
import { replay, type Pipeline, type PipelineOutput, type ReplayOptions } from '../time/replay';
import { live } from '../time/live';
import type { DurationLike } from '../time/duration';
import { concatBatches } from '../batch/concat';
import { sliceBatch } from '../batch/build';
import { StreamValidator } from '../batch/validate';
import { type BatchEqualOptions, expectBatchesEqual } from './match';

export interface ParityOptions extends Pick<ReplayOptions, 'time' | 'start' | 'end'> {
  /** Random cases to try. Default 30. */
  runs?: number;
  /** Cycle lengths to draw from. Default `[0, 1, 7, 1000, 60000, undefined (the default)]` plus random ones. */
  cycles?: readonly (DurationLike | undefined)[];
  /** Also run through `live`, pushing the same rows in time order in random chunks. Default true. */
  live?: boolean;
  /** fast-check seed, to reproduce a failure. */
  seed?: number;
  /** How outputs are compared (e.g. a float `tolerance`). */
  compare?: BatchEqualOptions;
}

type Inputs = Readonly<Record<string, Table | RecordBatch | readonly RecordBatch[]>>;

function wholeBatch(input: Table | RecordBatch | readonly RecordBatch[]): RecordBatch {
  const list = input instanceof Table ? input.batches : Array.isArray(input) ? input : [input as RecordBatch];
  if (list.length === 0) throw new Error('parity: an input needs at least one batch (for its schema)');
  return list.length === 1 ? list[0] : concatBatches(list);
}

function cut(b: RecordBatch, cuts: readonly number[]): RecordBatch[] {
  const points = [...new Set(cuts.map((c) => c % Math.max(1, b.numRows)).filter((c) => c > 0))].sort((x, y) => x - y);
  const out: RecordBatch[] = [];
  let prev = 0;
  for (const p of [...points, b.numRows]) {
    out.push(sliceBatch(b, prev, p));
    prev = p;
  }
  return out;
}

function asRecord(out: Table | Record<string, Table>): Record<string, Table> {
  return out instanceof Table ? { result: out } : out;
}

/**
 * Runs `pipeline` over `inputs` once as a reference (one batch per input, the default
 * cycle), then over random batch splits × cycle lengths × delivery orders × `coalesce`
 * (one batch per input and cycle, or the source's pieces one after the other) (and, with
 * `live: true`, through `live` with the rows pushed in time order in random chunks), and
 * throws a `BatchAssertionError` naming the case, output, column and row at the first
 * difference.
 *
 * Holds for pipelines of weir operators, which compute by event time. RxJS time
 * operators (`bufferTime`, …) see delivery instants, which depend on the cycle: leave
 * them out of a parity check.
 *
 * @example
 * await expectParity(({ a, b }) => a.pipe(mergeSorted(b)), { a: tableA, b: tableB });
 */
export async function expectParity<K extends string>(
  pipeline: Pipeline<K, PipelineOutput>,
  inputs: Inputs & Readonly<Record<K, Table | RecordBatch | readonly RecordBatch[]>>,
  options: ParityOptions = {},
): Promise<void> {
  const names = Object.keys(inputs) as K[];
  const whole = Object.fromEntries(names.map((n) => [n, wholeBatch(inputs[n])])) as Record<K, RecordBatch>;
  const base: ReplayOptions = {
    ...(options.time !== undefined ? { time: options.time } : {}),
    ...(options.start !== undefined ? { start: options.start } : {}),
    ...(options.end !== undefined ? { end: options.end } : {}),
  };
  const run = replay as unknown as (p: typeof pipeline, i: Record<K, unknown>, o: ReplayOptions) => Promise<Table | Record<string, Table>>;
  const reference = asRecord(await run(pipeline, whole, base));
  const compare = (got: Table | Record<string, Table>, what: string) => {
    const rec = asRecord(got);
    for (const name of Object.keys(reference)) {
      try {
        expectBatchesEqual(rec[name].batches, reference[name].batches, { ...options.compare, concat: true });
      } catch (e) {
        (e as Error).message = `${what}, output '${name}': ${(e as Error).message}`;
        throw e;
      }
    }
  };
  const cycles = options.cycles ?? [0, 1, 7, 1000, 60_000, undefined];
  const maxRows = Math.max(1, ...names.map((n) => whole[n].numRows));
  const cutsArb = fc.array(fc.integer({ min: 1, max: maxRows }), { maxLength: 6 });
  const splitsArb = fc.tuple(...names.map(() => cutsArb));
  const cycleArb = fc.oneof(fc.constantFrom(...cycles), fc.integer({ min: 1, max: 120_000 }));
  const property = fc.asyncProperty(splitsArb, cycleArb, fc.shuffledSubarray(names, { minLength: names.length }), fc.boolean(), async (splits, cycle, order, coalesce) => {
      const parts = Object.fromEntries(names.map((n, i) => [n, cut(whole[n], splits[i])])) as Record<K, RecordBatch[]>;
      const got = await run(pipeline, parts, { ...base, ...(cycle !== undefined ? { cycle } : {}), order, coalesce });
      compare(got, `replay with cycle ${String(cycle ?? 'default')}, order ${order.join(',')}, coalesce ${coalesce}, splits ${JSON.stringify(splits)}`);
      if (options.live !== false && options.start === undefined && options.end === undefined) {
        compare(await pushLive(pipeline, parts, options.time), `live with splits ${JSON.stringify(splits)}`);
      }
    });
  try {
    await fc.assert(property, { numRuns: options.runs ?? 30, ...(options.seed !== undefined ? { seed: options.seed } : {}) });
  } catch (e) {
    // fast-check keeps the failing case's own error as `cause`: put its text in the message
    const cause = (e as { cause?: unknown }).cause;
    if (cause instanceof Error) (e as Error).message = `${cause.message}\n${(e as Error).message}`;
    throw e;
  }
}

/** Pushes every input's batches into `live`, ordered by their first row's time, one instant each. */
async function pushLive<K extends string>(
  pipeline: Pipeline<K, PipelineOutput>,
  parts: Record<K, RecordBatch[]>,
  time: ParityOptions['time'],
): Promise<Table | Record<string, Table>> {
  const names = Object.keys(parts) as K[];
  const subjects = Object.fromEntries(names.map((n) => [n, new Subject<RecordBatch>()])) as Record<K, Subject<RecordBatch>>;
  const events: { t: bigint; name: K; batch: RecordBatch; seq: number }[] = [];
  let seq = 0;
  for (const n of names) {
    const v = new StreamValidator(n, typeof time === 'string' ? time : (time?.[n] ?? 'ts'));
    for (const b of parts[n]) {
      const ts = v.check(b);
      if (b.numRows > 0) events.push({ t: ts[0], name: n, batch: b, seq: seq++ });
    }
  }
  events.sort((x, y) => (x.t < y.t ? -1 : x.t > y.t ? 1 : x.seq - y.seq));
  const runLive = live as unknown as (p: typeof pipeline, i: Record<K, Observable<RecordBatch>>, o: object) => Promise<Table | Record<string, Table>>;
  const result = runLive(pipeline, subjects, time !== undefined ? { time } : {});
  for (const e of events) {
    subjects[e.name].next(e.batch);
    await null; // let live deliver the instant
  }
  for (const n of names) subjects[n].complete();
  return result;
}
