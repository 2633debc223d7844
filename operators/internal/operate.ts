/**
 * A small stand-in for RxJS's internal `operate`, on the public `Observable` API.
 */
import { Observable, type OperatorFunction, type Subscriber, type TeardownLogic } from 'rxjs';

/** Builds an operator whose per-subscription body is `init(source, subscriber)`. */
export function operate<T, R>(
  init: (source: Observable<T>, subscriber: Subscriber<R>) => TeardownLogic,
): OperatorFunction<T, R> {
  return (source) => new Observable<R>((subscriber) => init(source, subscriber));
}
