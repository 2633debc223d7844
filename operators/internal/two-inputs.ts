/**
 * The subscription order every two-input operator follows: the side input first (as RxJS's
 * `withLatestFrom` does), then the source, then the progress gate joins the run's progress
 * phase — after both subscriptions, so that operators upstream of either input registered
 * first and release first.
 */
import type { Observable, Subscriber } from 'rxjs';
import type { RecordBatch } from 'apache-arrow';
import type { ProgressGate } from '../../src/time/gate';

/** Subscribes `other` (side 1), then `source` (side 0), then starts `gate`; returns the teardown. */
export function subscribeSides(
  subscriber: Subscriber<RecordBatch>,
  source: Observable<RecordBatch>,
  other: Observable<RecordBatch>,
  gate: ProgressGate,
  onBatch: (side: 0 | 1, batch: RecordBatch) => void,
  onComplete: (side: 0 | 1) => void,
): () => void {
  const otherSub = other.subscribe({
    next: (b) => onBatch(1, b),
    error: (e) => subscriber.error(e),
    complete: () => onComplete(1),
  });
  const sourceSub = source.subscribe({
    next: (b) => onBatch(0, b),
    error: (e) => subscriber.error(e),
    complete: () => onComplete(0),
  });
  gate.start();
  return () => {
    gate.stop();
    otherSub.unsubscribe();
    sourceSub.unsubscribe();
  };
}
