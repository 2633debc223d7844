/**
 * The run context: the clock and progress of the replay or live run a pipeline belongs to.
 */
import type { SchedulerLike } from 'rxjs';
import type { Schema } from 'apache-arrow';
import { KeyDictionary, type KeyKind, keyKindOf } from '../batch/keys';
import type { Clock } from './clock';
import type { ProgressHub } from './progress';

/** What a pipeline function receives as its second argument, and what weir operators find at subscription. */
export interface RunContext {
  /** `'replay'` (virtual time) or `'live'` (wall clock). */
  readonly mode: 'replay' | 'live';
  /** The pipeline's clock as an RxJS scheduler: hand it to RxJS time operators. `now()` is the current event time (epoch ms). */
  readonly scheduler: SchedulerLike & Clock;
  /** The run's watermark. */
  readonly progress: ProgressHub;
  /** The run's time column name (the driver's `time` option when it is one name for every input; default `'ts'`). Operators default their `on` to it. */
  readonly time: string;
}

let current: RunContext | undefined;

/**
 * The run whose pipeline is being subscribed right now, if any. weir operators call it
 * when they are subscribed (drivers subscribe pipelines synchronously inside
 * `withRun`), so a pipeline needs no explicit wiring to its run.
 */
export function currentRun(): RunContext | undefined {
  return current;
}

/** Calls `fn` with `run` as the current run (restoring the previous one afterwards). */
export function withRun<T>(run: RunContext | undefined, fn: () => T): T {
  const prev = current;
  current = run;
  try {
    return fn();
  } finally {
    current = prev;
  }
}

/** Per run: its shared key dictionaries by key columns and kinds. Dies with the run (weak key). */
const keyDictionaries = new WeakMap<RunContext, Map<string, KeyDictionary>>();

/**
 * The key dictionary that the keyed operators of `run` share for key columns `by` (names,
 * in order) of kinds `kinds` (`keyKindOf` of each column's type): created on first
 * request, then the same object for the whole run (every pipeline of it, every
 * subscription); it dies with the run. Outside a run there is nothing to share: operators
 * keep a dictionary of their own.
 *
 * What it buys: a key column passed down a chain unchanged (the same `Data` object) is
 * encoded once — the next operator's encoder finds its codes in the dictionary's encode
 * cache and copies them (see `KeyDictionary`) — and the distinct keys are stored once.
 *
 * Safe for an operator whose output does not depend on the numeric values of the codes,
 * only on which rows share a key: `ffill`, `cumulative`, `rolling`, `ema`, `cutoff` (and
 * `asofJoin`). Their codes are then no longer dense for them (another operator's keys take
 * codes too), so their per-key state is sized by every key of the run with these key
 * columns, initial for keys they never see. Not for operators that order their output by
 * code (`lastByKey`/`keyedState` snapshots, `scanByKey`), nor with `expireAfter` (the
 * operator compacts its dictionary, renumbering codes under the others). The kinds are part
 * of the registry key: columns of one name but incompatible types (Utf8 here, Int32 there)
 * get separate dictionaries, never a type error; Utf8, LargeUtf8 and Dictionary<Utf8>
 * columns of one name share one (the same values get the same codes in all three).
 *
 * @example
 * const run = currentRun();
 * const keys = run ? runKeyDictionary(run, ['ticker'], ['string']) : new KeyDictionary();
 * const enc = new KeyEncoder(schema, 'ticker', { keyDictionary: keys });
 */
export function runKeyDictionary(run: RunContext, by: readonly string[], kinds: readonly KeyKind[]): KeyDictionary {
  let byKey = keyDictionaries.get(run);
  if (!byKey) {
    byKey = new Map();
    keyDictionaries.set(run, byKey);
  }
  const key = JSON.stringify([by, kinds]);
  let d = byKey.get(key);
  if (!d) {
    d = new KeyDictionary();
    byKey.set(key, d);
  }
  return d;
}

/**
 * `runKeyDictionary(run, by, kinds of schema's columns by)`, or `undefined` when there is
 * no run or a column of `by` is missing from `schema` or cannot be a key (the caller then
 * makes its own dictionary, and its `KeyEncoder` reports the error).
 */
export function runKeyDictionaryFor(run: RunContext | undefined, schema: Schema, by: readonly string[]): KeyDictionary | undefined {
  if (!run || by.length === 0) return undefined;
  const kinds: KeyKind[] = [];
  for (const name of by) {
    const f = schema.fields.find((x) => x.name === name);
    const kind = f && keyKindOf(f.type);
    if (!kind) return undefined;
    kinds.push(kind);
  }
  return runKeyDictionary(run, by, kinds);
}
