/**
 * Event-time progress (watermarks), published by the drivers after each instant.
 */
import { MIN_TIME } from '../batch/time';

/** Called with the new watermark, epoch ns. */
export type ProgressListener = (watermark: bigint) => void;

/**
 * A run's watermark: a time `w` such that every source driven by the run has delivered
 * all its rows with event time `<= w`. The driver publishes it at the end of every instant
 * (replay: the end of the delivered cycle; live: see `live`), after the instant's data and
 * the timers due at that instant; listeners run in registration order. Operators register
 * after subscribing to their own inputs, so an upstream operator registers, and therefore
 * releases its output, before a downstream one: within one publish, everything an
 * upstream operator releases reaches the downstream operator before that one is told the
 * same watermark.
 */
export class ProgressHub {
  private current: bigint = MIN_TIME;
  private listeners: ProgressListener[] = [];

  /** The last published watermark (`MIN_TIME` before the first). */
  get watermark(): bigint {
    return this.current;
  }

  /** Adds a listener at the end of the order; returns a function that removes it. */
  register(listener: ProgressListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Raises the watermark (it never goes back) and tells every listener, in order. */
  publish(watermark: bigint): void {
    if (watermark > this.current) this.current = watermark;
    const w = this.current;
    const snapshot = this.listeners.slice();
    for (let i = 0; i < snapshot.length; i++) snapshot[i](w);
  }

  get size(): number {
    return this.listeners.length;
  }
}
