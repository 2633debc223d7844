/**
 * A binary min-heap of timers ordered by due time, then by scheduling order (FIFO for
 * equal due times). O(log n) insert and pop; cancellation is lazy (cancelled timers are
 * skipped when they reach the top).
 */
import type { TimerHandle } from './clock';

export interface HeapTimer extends TimerHandle {
  readonly seq: number;
  readonly task: () => void;
}

export class TimerHeap {
  private items: HeapTimer[] = [];
  private seq = 0;
  private live = 0;

  /** Number of timers not cancelled. */
  get size(): number {
    return this.live;
  }

  push(due: bigint, task: () => void): HeapTimer {
    const t: HeapTimer = { due, seq: this.seq++, task, cancelled: false };
    const a = this.items;
    a.push(t);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (less(a[p], t)) break;
      a[i] = a[p];
      i = p;
    }
    a[i] = t;
    this.live++;
    return t;
  }

  cancel(t: TimerHandle): void {
    if (!t.cancelled) {
      t.cancelled = true;
      this.live--;
    }
  }

  /** The earliest live timer, without removing it. */
  peek(): HeapTimer | undefined {
    const a = this.items;
    while (a.length && a[0].cancelled) this.removeTop();
    return a[0];
  }

  /** Removes and returns the earliest live timer. */
  pop(): HeapTimer | undefined {
    const top = this.peek();
    if (top) {
      this.removeTop();
      this.live--;
      // mark as no longer pending so that a late cancel() does not miscount
      top.cancelled = true;
    }
    return top;
  }

  clear(): void {
    this.items = [];
    this.live = 0;
  }

  private removeTop(): void {
    const a = this.items;
    const last = a.pop()!;
    if (a.length === 0) return;
    let i = 0;
    const n = a.length;
    while (true) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && less(a[r], a[l]) ? r : l;
      if (less(last, a[c])) break;
      a[i] = a[c];
      i = c;
    }
    a[i] = last;
  }
}

function less(x: HeapTimer, y: HeapTimer): boolean {
  return x.due < y.due || (x.due === y.due && x.seq < y.seq);
}
