/**
 * `replay`: run a pipeline over history on a virtual clock, in cycles.
 */
import { type Observable, Subject, type Subscription } from 'rxjs';
import { RecordBatch, Table } from 'apache-arrow';
import { InvalidOptionError, NotARecordBatchError, RunError, UnknownInputError, WeirError } from '../errors';
import { MAX_TIME, MIN_TIME, formatNs, nsToMs, toNs } from '../batch/time';
import { concatBatches } from '../batch/concat';
import { type DurationLike, durationToNs } from './duration';
import { ReplayScheduler } from './replay-scheduler';
import { ProgressHub } from './progress';
import { type RunContext, withRun } from './run';
import { routeDefaultScheduler } from './rx-adapter';
import { ReplayCursor } from './cursor';
import { printProgress } from './progress-printer';
import type { ReplayInput } from '../sources/input';

/** The observables a pipeline receives: one per input name. */
export type PipelineInputs<K extends string = string> = Readonly<Record<K, Observable<RecordBatch>>>;

/** What a pipeline returns: one stream of batches, or a record of named streams. */
export type PipelineOutput = Observable<RecordBatch> | Readonly<Record<string, Observable<RecordBatch>>>;

/** A pipeline: the same function runs under `replay` and `live`. */
export type Pipeline<K extends string = string, O extends PipelineOutput = PipelineOutput> = (
  inputs: PipelineInputs<K>,
  context: RunContext,
) => O;

/** What a run resolves to: a `Table` per output. */
export type RunResult<O extends PipelineOutput> = O extends Observable<RecordBatch>
  ? Table
  : { [K in keyof O]: Table };

/** Progress of a run, for `onProgress`. */
export interface RunProgress {
  /** Event time reached (the clock), epoch ms. */
  readonly time: number;
  /** Event time reached, exact epoch ns. */
  readonly timeNs: bigint;
  /** Input rows delivered so far. */
  readonly rows: number;
  /** Instants (cycles with data, or timer instants) so far. */
  readonly instants: number;
  /** Wall-clock milliseconds since the run started. */
  readonly elapsedMs: number;
  /** Input rows per wall-clock second so far. */
  readonly rowsPerSecond: number;
  /** True on the last call, when the run has finished. */
  readonly done: boolean;
}

export interface ReplayOptions {
  /**
   * The time column: one name for every input, or a name per input. Default `'ts'`.
   */
  time?: string | Readonly<Record<string, string>>;
  /** Rows before `start` are skipped (inclusive bound). A `Date`, epoch ms, ISO string or epoch ns `bigint`. */
  start?: Date | number | string | bigint;
  /** Rows at or after `end` are not replayed, and the clock stops there (exclusive bound). */
  end?: Date | number | string | bigint;
  /**
   * Cycle length: milliseconds, a `bigint` of ns, or a date-fns `Duration`. Each cycle
   * `[t, t + cycle)` (aligned to the epoch) delivers every input's rows in that window as one
   * batch (see `coalesce`), in one instant. `0`: one cycle per distinct timestamp. Default `1000` (one
   * second): coarse, for speed. weir's own operators give the same rows whatever the
   * cycle; RxJS time operators see delivery instants, which depend on it.
   */
  cycle?: DurationLike;
  /**
   * `true` (default): an input's rows of one cycle come as one batch — a concatenation
   * (a copy) when the cycle spans two or more of the source's batches. `false`: as the
   * zero-copy slices of the source batches, one after the other in the same instant (as
   * many batches as source batches the cycle touches). weir's operators give the same rows
   * either way (they take any split into batches); RxJS operators that count emissions
   * (`bufferCount`, `pairwise`, `combineLatest`) see more of them. For long cycles over
   * large sources, `false` saves a copy of every row.
   */
  coalesce?: boolean;
  /** `Infinity` (default): as fast as possible. `1`: real-time pace. `N`: N× faster than real time. */
  speed?: number;
  /** Called with progress about every `progressInterval` ms of wall time, and once at the end. */
  onProgress?: (progress: RunProgress) => void;
  /** Wall-clock ms between `onProgress` calls. Default 500. */
  progressInterval?: number;
  /**
   * Print progress (event time reached, rows, rows/s) to stderr: one rewritten line on a
   * terminal, a final line otherwise. Also with `onProgress`. Default `false`.
   */
  progress?: boolean;
  /**
   * Receive output batches here instead of collecting them into tables (the promise then
   * resolves to empty tables). Memory stays bounded by the pipeline's own state.
   */
  sink?: (batch: RecordBatch, output: string) => void;
  /**
   * Run RxJS time operators that were given no scheduler (`debounceTime(100)`) in the
   * replay's virtual time, by routing RxJS's default `asyncScheduler` to the replay clock
   * for the duration of the replay. Only one such replay at a time per process (a second
   * one throws `RunError`). Default `false`.
   */
  virtualDefaultScheduler?: boolean;
  /**
   * The order in which the inputs' batches of one instant are delivered (input names).
   * Default: the order of the `inputs` record. weir operators give the same output for
   * every order; this exists to let tests prove it.
   */
  order?: readonly string[];
  /**
   * After the inputs have completed, the most timer firings to wait for the pipeline to
   * complete before giving up with `RunError` (guards against an `interval` that keeps a
   * pipeline alive forever; set `end` to stop such a pipeline at a time). Default 1,000,000.
   */
  maxTimersAfterInputs?: number;
}

const DEFAULT_CYCLE_NS = 1_000_000_000n;

interface Output {
  readonly name: string;
  readonly batches: RecordBatch[];
  done: boolean;
  subscription: Subscription | undefined;
}

/**
 * Replays history through a pipeline on a virtual clock, as fast as the machine goes (or
 * at a chosen pace), and resolves to the pipeline's output as tables.
 *
 * The replay advances in cycles. In a cycle `[t, t + cycle)`, every input emits at most one
 * batch holding its rows in that window (a zero-copy slice, or a concatenation when the
 * window spans two source batches), all in one instant at virtual time `D` = the latest
 * row time among those batches — never before any row it holds (no look-ahead). Timers
 * due before `D` run first; timers due at `D` run after the data; then the replay
 * publishes the watermark (`end of the cycle - 1ns`: every row before the next cycle has
 * been delivered) and weir's multi-input operators release their output. Cycles with no
 * rows cost nothing: the clock jumps to the next row or timer.
 *
 * @example
 * const result = await replay(
 *   ({ trades }, { scheduler }) => trades.pipe(filter(col('size').gt(100))),
 *   { trades: 'trades.arrow' },
 *   { time: 'ts', cycle: { seconds: 1 } },
 * );
 */
export function replay<K extends string>(
  pipeline: Pipeline<K, Observable<RecordBatch>>,
  inputs: Readonly<Record<K, ReplayInput>>,
  options?: ReplayOptions,
): Promise<Table>;
export function replay<K extends string, O extends Readonly<Record<string, Observable<RecordBatch>>>>(
  pipeline: Pipeline<K, O>,
  inputs: Readonly<Record<K, ReplayInput>>,
  options?: ReplayOptions,
): Promise<{ [P in keyof O]: Table }>;
export async function replay<K extends string, O extends PipelineOutput>(
  pipeline: Pipeline<K, O>,
  inputs: Readonly<Record<K, ReplayInput>>,
  options: ReplayOptions = {},
): Promise<RunResult<O>> {
  const names = Object.keys(inputs) as K[];
  const timeOf = resolveTimeOption(options.time, names);
  const start = options.start === undefined ? MIN_TIME : toNsOption('start', options.start);
  const end = options.end === undefined ? MAX_TIME : toNsOption('end', options.end);
  if (start > end) {
    throw new InvalidOptionError('start', `start (${formatNs(start)}) is after end (${formatNs(end)})`);
  }
  const cycle = options.cycle === undefined ? DEFAULT_CYCLE_NS : durationToNs(options.cycle, 'cycle');
  const speed = options.speed ?? Infinity;
  const coalesce = options.coalesce ?? true;
  if (!(speed > 0)) throw new InvalidOptionError('speed', `expected a positive number or Infinity, got ${speed}`);
  const order = resolveOrder(options.order, names);
  const maxTimersAfter = options.maxTimersAfterInputs ?? 1_000_000;

  const cursors = order.map((n) => new ReplayCursor(n, inputs[n], timeOf(n), start, end));
  const subjects = new Map<string, Subject<RecordBatch>>();
  for (const n of names) subjects.set(n, new Subject<RecordBatch>());

  // the clock starts at `start`, or at the first row of any input
  for (const c of cursors) {
    const p = c.fill();
    if (p) await p;
  }
  let first = MAX_TIME;
  for (const c of cursors) if (!c.exhausted && c.nextTime < first) first = c.nextTime;
  const clockStart = start !== MIN_TIME ? start : first !== MAX_TIME ? first : 0n;
  const scheduler = new ReplayScheduler(clockStart);
  const run: RunContext = { mode: 'replay', scheduler, progress: new ProgressHub(), time: typeof options.time === 'string' ? options.time : 'ts' };

  const restore = options.virtualDefaultScheduler ? routeDefaultScheduler(scheduler) : undefined;
  const outputs: Output[] = [];
  let failure: { error: unknown } | undefined;
  const fail = (error: unknown) => {
    if (!failure) failure = { error };
  };
  const wallStart = performance.now();
  let instants = 0;
  let lastReport = wallStart;
  const progressEvery = options.progressInterval ?? 500;
  const printer = options.progress ? printProgress() : undefined;
  const onProgress =
    printer && options.onProgress
      ? (p: RunProgress) => {
          printer(p);
          options.onProgress!(p);
        }
      : (printer ?? options.onProgress);
  const report = (done: boolean) => {
    if (!onProgress) return;
    const now = performance.now();
    if (!done && now - lastReport < progressEvery) return;
    lastReport = now;
    const rows = cursors.reduce((s, c) => s + c.delivered, 0);
    const elapsedMs = now - wallStart;
    onProgress({
      time: scheduler.now(),
      timeNs: scheduler.nowNs(),
      rows,
      instants,
      elapsedMs,
      rowsPerSecond: elapsedMs > 0 ? (rows * 1000) / elapsedMs : 0,
      done,
    });
  };
  const pace = async (t: bigint) => {
    if (speed === Infinity) return;
    const due = wallStart + nsToMs(t - clockStart) / speed;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  };

  try {
    const observables = inputProxy(names, subjects);
    const out = withRun(run, () => pipeline(observables, run));
    const single = isObservable(out);
    const record: Record<string, Observable<RecordBatch>> = single
      ? { result: out as Observable<RecordBatch> }
      : (out as Record<string, Observable<RecordBatch>>);
    for (const name of Object.keys(record)) {
      if (!isObservable(record[name])) {
        throw new WeirError('The pipeline must return an Observable of RecordBatches or a record of them', {
          input: `output '${name}'`,
          actual: typeof record[name],
        });
      }
      outputs.push({ name, batches: [], done: false, subscription: undefined });
    }
    withRun(run, () => {
      for (const o of outputs) {
        o.subscription = record[o.name].subscribe({
          next: (value: RecordBatch) => {
            if (!(value instanceof RecordBatch)) {
              fail(new NotARecordBatchError({ input: `output '${o.name}'`, actual: describeValue(value) }));
              return;
            }
            if (options.sink) options.sink(value, o.name);
            else o.batches.push(value);
          },
          error: (e: unknown) => {
            o.done = true;
            fail(e);
          },
          complete: () => {
            o.done = true;
          },
        });
      }
    });
    const allDone = () => outputs.every((o) => o.done);

    // the data loop: one iteration per cycle with rows
    const batchesOf: (RecordBatch | undefined)[] = new Array(cursors.length);
    // without `coalesce`: an input's pieces of the cycle, delivered one after the other
    const piecesOf: (RecordBatch[] | undefined)[] = new Array(cursors.length);
    while (!failure && !allDone()) {
      let tMin = MAX_TIME;
      for (const c of cursors) if (!c.exhausted && c.nextTime < tMin) tMin = c.nextTime;
      if (tMin === MAX_TIME) break;
      // the cycle window [a, e)
      let a: bigint;
      let e: bigint;
      if (cycle === 0n) {
        a = tMin;
        e = tMin + 1n;
      } else {
        const r = ((tMin % cycle) + cycle) % cycle;
        a = tMin - r;
        e = a + cycle;
      }
      let d = MIN_TIME;
      for (let i = 0; i < cursors.length; i++) {
        const c = cursors[i];
        batchesOf[i] = undefined;
        if (c.exhausted || c.nextTime >= e) continue;
        let piece = c.take(e);
        let pieces: RecordBatch[] | undefined;
        while (!c.exhausted && c.pos >= c.times.length) {
          // the current batch ran out inside the window: read on
          const p = c.fill();
          if (p) await p;
          if (c.exhausted || c.nextTime >= e) break;
          const more = c.take(e);
          if (more) {
            if (!pieces) pieces = piece ? [piece] : [];
            pieces.push(more);
            piece = more;
          }
        }
        let b = piece;
        if (pieces && pieces.length > 1) {
          if (coalesce) {
            b = concatBatches(pieces);
            // checked pieces in order: the concatenation is sorted (operators need not rescan it)
            c.validator.remember(b);
          } else piecesOf[i] = pieces;
        }
        batchesOf[i] = b;
        if (b && c.last > d) d = c.last;
      }
      if (d === MIN_TIME) continue;
      if (speed !== Infinity) await pace(d);
      instants++;
      withRun(run, () => {
        // timers due strictly before the instant, then the data, then timers due at it
        scheduler.advanceTo(d, false);
        for (let i = 0; i < cursors.length && !failure; i++) {
          const b = batchesOf[i];
          if (!b) continue;
          const subject = subjects.get(cursors[i].name)!;
          const pieces = piecesOf[i];
          if (pieces === undefined) subject.next(b);
          else for (let k = 0; k < pieces.length && !failure; k++) subject.next(pieces[k]);
        }
        for (let i = 0; i < cursors.length && !failure; i++) {
          const c = cursors[i];
          if (c.exhausted) completeOnce(subjects.get(c.name)!);
        }
        scheduler.advanceTo(d, true);
        run.progress.publish(e - 1n);
        scheduler.advanceTo(d, true);
      });
      batchesOf.fill(undefined);
      piecesOf.fill(undefined);
      report(false);
      // read ahead so that the next cycle's window is known
      for (const c of cursors) {
        if (c.exhausted || failure) continue;
        const p = c.fill();
        if (p) await p;
      }
      if (failure) break;
    }

    // every input is exhausted: complete them all, then let timers finish the pipeline
    if (!failure) {
      withRun(run, () => {
        for (const c of cursors) completeOnce(subjects.get(c.name)!);
        run.progress.publish(MAX_TIME);
      });
    }
    let fired = 0;
    while (!failure && !allDone()) {
      const due = scheduler.nextDue();
      if (due === undefined) break;
      if (due >= end) break;
      if (++fired > maxTimersAfter) {
        throw new RunError(
          `The pipeline had not completed after its inputs completed and ${maxTimersAfter} timers fired ` +
            '(a periodic timer such as interval() keeps it alive?); pass `end` to stop the replay at a time',
        );
      }
      if (speed !== Infinity) await pace(due);
      instants++;
      withRun(run, () => scheduler.advanceTo(due, true));
      report(false);
    }
    if (failure) throw failure.error;
    report(true);
    const tables = outputs.map((o) => (o.batches.length ? new Table(o.batches) : new Table()));
    if (isObservable(out)) return tables[0] as RunResult<O>;
    const result: Record<string, Table> = {};
    outputs.forEach((o, i) => (result[o.name] = tables[i]));
    return result as RunResult<O>;
  } catch (error) {
    // a source error (bad input) reaches the pipeline too, as RxJS would propagate it
    for (const s of subjects.values()) if (!s.closed && !s.isStopped) s.error(error);
    throw error;
  } finally {
    for (const o of outputs) o.subscription?.unsubscribe();
    for (const c of cursors) c.close();
    scheduler.clear();
    restore?.();
  }
}

function completeOnce(s: Subject<RecordBatch>): void {
  if (!s.closed && !s.isStopped) s.complete();
}

function isObservable(x: unknown): x is Observable<unknown> {
  return !!x && typeof (x as Observable<unknown>).subscribe === 'function' && typeof (x as Observable<unknown>).pipe === 'function';
}

function describeValue(v: unknown): string {
  return v === null ? 'null' : typeof v === 'object' ? ((v as object).constructor?.name ?? 'object') : typeof v;
}

function toNsOption(option: string, v: Date | number | string | bigint): bigint {
  try {
    return toNs(v);
  } catch (e) {
    throw new InvalidOptionError(option, (e as Error).message);
  }
}

/** Resolves the `time` option into a column name per input. */
export function resolveTimeOption(
  time: string | Readonly<Record<string, string>> | undefined,
  names: readonly string[],
): (input: string) => string {
  if (time === undefined) return () => 'ts';
  if (typeof time === 'string') return () => time;
  for (const k of Object.keys(time)) if (!names.includes(k)) throw new UnknownInputError(k, names);
  return (n) => time[n] ?? 'ts';
}

function resolveOrder<K extends string>(order: readonly string[] | undefined, names: readonly K[]): K[] {
  if (!order) return names.slice();
  for (const k of order) if (!names.includes(k as K)) throw new UnknownInputError(k, names);
  const rest = names.filter((n) => !order.includes(n));
  return [...(order as K[]), ...rest];
}

/** The record of input observables, failing loudly on a name that is not an input. */
export function inputProxy<K extends string>(names: readonly K[], subjects: Map<string, Subject<RecordBatch>>): PipelineInputs<K> {
  const target: Record<string, Observable<RecordBatch>> = {};
  for (const n of names) target[n] = subjects.get(n)!.asObservable();
  return new Proxy(target, {
    get(t, prop, receiver) {
      if (typeof prop === 'string' && !(prop in t) && !PASS_THROUGH.has(prop)) {
        throw new UnknownInputError(prop, names);
      }
      return Reflect.get(t, prop, receiver);
    },
  }) as PipelineInputs<K>;
}

const PASS_THROUGH = new Set(['then', 'toJSON', 'constructor', 'inspect', 'nodeType', 'asymmetricMatch', '$$typeof', 'toString', 'valueOf']);
