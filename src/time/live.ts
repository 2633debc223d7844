/**
 * `live`: run the same pipeline on the wall clock, fed by real sources.
 */
import { type Observable, Subject, type Subscription } from 'rxjs';
import { RecordBatch, Table } from 'apache-arrow';
import { InvalidOptionError, LateDataError, NotARecordBatchError, TimeOrderError } from '../errors';
import { MAX_TIME, MIN_TIME, formatNs } from '../batch/time';
import { StreamValidator } from '../batch/validate';
import { concatBatches } from '../batch/concat';
import { firstUnsorted, upperBound } from '../kernels/search';
import { filterRows } from '../batch/filter';
import { type DurationLike, durationToNs } from './duration';
import { LiveScheduler } from './live-scheduler';
import { ProgressHub } from './progress';
import { type RunContext, withRun } from './run';
import type { LatePolicy } from './gate';
import { type Pipeline, type PipelineOutput, type RunResult, inputProxy, resolveTimeOption } from './replay';

export interface LiveOptions {
  /** The time column: one name for every input, or a name per input. Default `'ts'`. */
  time?: string | Readonly<Record<string, string>>;
  /**
   * How far a source may fall behind before the watermark moves on without it. Default:
   * `Infinity` — the watermark only advances as far as every source has shown progress
   * (a later row, or completion), which gives exactly the replay's output for in-order
   * events. With a finite value, a source that has been silent counts as complete up to
   * `now - maxLateness`, and its rows that then arrive behind the watermark are late.
   */
  maxLateness?: DurationLike;
  /**
   * What to do with a row that arrives late: behind the watermark already published
   * (only possible with a finite `maxLateness`), or behind an earlier row of its own
   * source. `'error'` (default): fail with `LateDataError` / `TimeOrderError`. `'drop'`:
   * drop the row and count it (`onLate`). `'accept'`: a row behind the watermark is
   * delivered as it is (weir operators then apply their own late policy); a row behind its
   * own source's previous row still fails, since streams must be sorted.
   */
  late?: LatePolicy;
  /** Called for every batch with late rows, with the count, under `'drop'` and `'accept'`. */
  onLate?: (info: { input: string; rows: number; policy: LatePolicy }) => void;
  /** Receive output batches here instead of collecting them. */
  sink?: (batch: RecordBatch, output: string) => void;
  /** Stops the run (unsubscribes everything) and resolves with what was collected. */
  signal?: AbortSignal;
  /** With a finite `maxLateness`: how often (ms) to re-evaluate the watermark while no data arrives. Default 100. */
  watermarkInterval?: number;
}

interface LiveSource {
  readonly name: string;
  readonly validator: StreamValidator;
  readonly subject: Subject<RecordBatch>;
  pending: RecordBatch[];
  completed: boolean;
  completionDelivered: boolean;
  /** Latest event time delivered, epoch ns. */
  last: bigint;
  seen: boolean;
  subscription: Subscription | undefined;
}

/**
 * Runs a pipeline live: `inputs` are Observables of record batches (a WebSocket feed, a
 * broker subscription, `rowsToBatches` over arriving objects). Batches that arrive in the
 * same tick of the event loop are coalesced (per input, with a microtask — never a timer)
 * and delivered as one instant; the watermark is then published as in `replay`: the
 * minimum over sources of their progress (a source that delivered a row at `t` is complete
 * up to `t - 1ns`; a completed source up to +∞; with `maxLateness`, an idle source up to
 * `now - maxLateness`). The pipeline's clock (`context.scheduler`) is the wall clock.
 *
 * Resolves when every output completes (or `signal` aborts), with a `Table` per output.
 *
 * @example
 * await live(({ trades }) => trades.pipe(withColumns({ notional: col('price').mul(col('size')) })),
 *   { trades: fromWebSocketBatches(url) }, { time: 'ts', sink: (b) => publish(b) });
 */
export function live<K extends string>(
  pipeline: Pipeline<K, Observable<RecordBatch>>,
  inputs: Readonly<Record<K, Observable<RecordBatch>>>,
  options?: LiveOptions,
): Promise<Table>;
export function live<K extends string, O extends Readonly<Record<string, Observable<RecordBatch>>>>(
  pipeline: Pipeline<K, O>,
  inputs: Readonly<Record<K, Observable<RecordBatch>>>,
  options?: LiveOptions,
): Promise<{ [P in keyof O]: Table }>;
export function live<K extends string, O extends PipelineOutput>(
  pipeline: Pipeline<K, O>,
  inputs: Readonly<Record<K, Observable<RecordBatch>>>,
  options: LiveOptions = {},
): Promise<RunResult<O>> {
  const names = Object.keys(inputs) as K[];
  const timeOf = resolveTimeOption(options.time, names);
  const maxLateness =
    options.maxLateness === undefined || options.maxLateness === Infinity
      ? undefined
      : durationToNs(options.maxLateness, 'maxLateness');
  const policy: LatePolicy = options.late ?? 'error';
  if (!['error', 'drop', 'accept'].includes(policy)) {
    throw new InvalidOptionError('late', `expected 'error', 'drop' or 'accept', got '${String(policy)}'`);
  }
  const scheduler = new LiveScheduler();
  const run: RunContext = { mode: 'live', scheduler, progress: new ProgressHub(), time: typeof options.time === 'string' ? options.time : 'ts' };
  const sources: LiveSource[] = names.map((name) => ({
    name,
    validator: new StreamValidator(name, timeOf(name)),
    subject: new Subject<RecordBatch>(),
    pending: [],
    completed: false,
    completionDelivered: false,
    last: MIN_TIME,
    seen: false,
    subscription: undefined,
  }));
  const subjects = new Map<string, Subject<RecordBatch>>(sources.map((s) => [s.name, s.subject]));

  return new Promise<RunResult<O>>((resolve, reject) => {
    const outputs: { name: string; batches: RecordBatch[]; done: boolean; sub?: Subscription }[] = [];
    let finished = false;
    let flushQueued = false;
    let ticker: ReturnType<typeof setInterval> | undefined;
    let single = false;

    const cleanup = () => {
      finished = true;
      if (ticker) clearInterval(ticker);
      for (const s of sources) s.subscription?.unsubscribe();
      for (const o of outputs) o.sub?.unsubscribe();
      options.signal?.removeEventListener('abort', onAbort);
    };
    const succeed = () => {
      if (finished) return;
      cleanup();
      const tables = outputs.map((o) => (o.batches.length ? new Table(o.batches) : new Table()));
      if (single) resolve(tables[0] as RunResult<O>);
      else {
        const r: Record<string, Table> = {};
        outputs.forEach((o, i) => (r[o.name] = tables[i]));
        resolve(r as RunResult<O>);
      }
    };
    const failRun = (error: unknown) => {
      if (finished) return;
      for (const s of sources) if (!s.subject.closed && !s.subject.isStopped) s.subject.error(error);
      cleanup();
      reject(error);
    };
    const onAbort = () => succeed();

    const watermark = (): bigint => {
      const idle = maxLateness === undefined ? MIN_TIME : scheduler.nowNs() - maxLateness;
      let w = MAX_TIME;
      for (const s of sources) {
        if (s.completionDelivered) continue;
        let p = s.seen ? s.last - 1n : MIN_TIME;
        if (idle > p) p = idle;
        if (p < w) w = p;
      }
      return w;
    };

    const flush = () => {
      flushQueued = false;
      if (finished) return;
      try {
        withRun(run, () => {
          for (const s of sources) {
            if (s.pending.length === 0) continue;
            const b = s.pending.length === 1 ? s.pending[0] : concatBatches(s.pending);
            s.pending = [];
            s.subject.next(b);
          }
          for (const s of sources) {
            if (s.completed && !s.completionDelivered) {
              s.completionDelivered = true;
              s.subject.complete();
            }
          }
          run.progress.publish(watermark());
        });
      } catch (e) {
        failRun(e);
      }
    };
    const queueFlush = () => {
      if (!flushQueued) {
        flushQueued = true;
        queueMicrotask(flush);
      }
    };

    const onBatch = (s: LiveSource, value: unknown) => {
      if (finished) return;
      try {
        if (!(value instanceof RecordBatch)) {
          throw new NotARecordBatchError({ input: s.name, row: s.validator.rows, actual: typeof value });
        }
        let batch = value;
        const tc = timeOf(s.name);
        const rowBase = s.validator.rows;
        let times = s.validator.check(batch, false);
        // rows behind this source's own latest row: the stream is not sorted
        const bad = firstUnsorted(times, s.last);
        if (bad >= 0) {
          if (policy !== 'drop') {
            throw new TimeOrderError({
              input: s.name,
              column: tc,
              row: rowBase + bad,
              expected: `a time at or after ${formatNs(bad === 0 ? s.last : times[bad - 1])} (rows must be sorted by time)`,
              actual: formatNs(times[bad]),
            });
          }
          const keep = new Uint8Array(times.length);
          let max = s.last;
          let kept = 0;
          for (let i = 0; i < times.length; i++) {
            if (times[i] >= max) {
              keep[i] = 1;
              max = times[i];
              kept++;
            }
          }
          options.onLate?.({ input: s.name, rows: times.length - kept, policy });
          if (kept === 0) return;
          batch = filterRows(batch, keep);
          const sorted = new BigInt64Array(kept);
          for (let i = 0, j = 0; i < times.length; i++) if (keep[i]) sorted[j++] = times[i];
          times = sorted;
        }
        if (times.length === 0) return;
        // rows behind the published watermark are late
        const w = run.progress.watermark;
        if (times[0] <= w) {
          const n = upperBound(times, w);
          if (policy === 'error') {
            throw new LateDataError({
              input: s.name,
              column: tc,
              row: rowBase,
              expected: `a time after the watermark ${formatNs(w)}`,
              actual: formatNs(times[0]),
            });
          }
          options.onLate?.({ input: s.name, rows: n, policy });
          if (policy === 'drop') {
            if (n === batch.numRows) return;
            batch = batch.slice(n);
            times = times.subarray(n);
          }
        }
        s.seen = true;
        s.last = times[times.length - 1];
        s.pending.push(batch);
        queueFlush();
      } catch (e) {
        failRun(e);
      }
    };

    try {
      const observables = inputProxy(names, subjects);
      const out = withRun(run, () => pipeline(observables, run));
      single = typeof (out as Observable<RecordBatch>).subscribe === 'function';
      const record: Record<string, Observable<RecordBatch>> = single
        ? { result: out as Observable<RecordBatch> }
        : (out as Record<string, Observable<RecordBatch>>);
      withRun(run, () => {
        for (const name of Object.keys(record)) {
          const o: (typeof outputs)[number] = { name, batches: [], done: false };
          outputs.push(o);
          o.sub = record[name].subscribe({
            next: (b) => {
              if (!(b instanceof RecordBatch)) {
                failRun(new NotARecordBatchError({ input: `output '${name}'` }));
                return;
              }
              if (options.sink) options.sink(b, name);
              else o.batches.push(b);
            },
            error: (e) => failRun(e),
            complete: () => {
              o.done = true;
              if (outputs.every((x) => x.done)) queueMicrotask(succeed);
            },
          });
        }
      });
      if (options.signal) {
        if (options.signal.aborted) return succeed();
        options.signal.addEventListener('abort', onAbort);
      }
      for (const s of sources) {
        s.subscription = inputs[s.name as K].subscribe({
          next: (b) => onBatch(s, b),
          error: (e) => failRun(e),
          complete: () => {
            s.completed = true;
            queueFlush();
          },
        });
      }
      if (maxLateness !== undefined) {
        ticker = setInterval(() => {
          if (!finished) withRun(run, () => run.progress.publish(watermark()));
        }, options.watermarkInterval ?? 100);
      }
    } catch (e) {
      failRun(e);
    }
  });
}
