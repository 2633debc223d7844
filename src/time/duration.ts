/**
 * Durations: milliseconds (`number`), exact nanoseconds (`bigint`) or a date-fns `Duration`.
 */
import { type Duration, milliseconds } from 'date-fns';
import { InvalidOptionError } from '../errors';
import { msToNs } from '../batch/time';

/** A length of time: milliseconds, nanoseconds as a `bigint`, or a date-fns `Duration` (`{ minutes: 5 }`). */
export type DurationLike = number | bigint | Duration;

/**
 * A duration in nanoseconds. Years and months are refused (their length varies);
 * weeks, days, hours, minutes and seconds are fixed lengths of elapsed time.
 */
export function durationToNs(d: DurationLike, option = 'duration', allowZero = true): bigint {
  let ns: bigint;
  if (typeof d === 'bigint') ns = d;
  else if (typeof d === 'number') {
    if (!Number.isFinite(d)) throw new InvalidOptionError(option, `expected a finite number of milliseconds, got ${d}`);
    ns = msToNs(d);
  } else if (d && typeof d === 'object') {
    if (d.years || d.months) {
      throw new InvalidOptionError(option, 'years and months have no fixed length; use weeks, days, hours, minutes or seconds');
    }
    ns = msToNs(milliseconds(d));
  } else {
    throw new InvalidOptionError(option, `expected milliseconds, a bigint of nanoseconds or a date-fns Duration, got ${String(d)}`);
  }
  if (ns < 0n || (!allowZero && ns === 0n)) {
    throw new InvalidOptionError(option, `expected a ${allowZero ? 'non-negative' : 'positive'} duration, got ${String(typeof d === 'object' ? JSON.stringify(d) : d)}`);
  }
  return ns;
}
