/**
 * A progress line for long replays run from a terminal.
 */
import { formatNs } from '../batch/time';
import type { RunProgress } from './replay';

/** Where progress lines go: anything with `write` (default `process.stderr`). */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/**
 * An `onProgress` callback that prints the event time reached, rows delivered and rows per
 * second. On a terminal it rewrites one line (`\r`); otherwise (a log file, CI) it prints a
 * line only at the end, so logs stay short.
 *
 * @example
 * await replay(pipeline, inputs, { onProgress: printProgress() });
 * // replay: 2024-01-02T15:42:07.123456789Z  1,234,567 rows  98.1 M rows/s
 */
export function printProgress(stream: ProgressStream = process.stderr): (p: RunProgress) => void {
  const tty = !!stream.isTTY;
  return (p) => {
    if (!tty && !p.done) return;
    const line =
      `replay: ${formatNs(p.timeNs)}  ${p.rows.toLocaleString('en-US')} rows  ` +
      `${(p.rowsPerSecond / 1e6).toFixed(1)} M rows/s  ${(p.elapsedMs / 1000).toFixed(1)} s`;
    stream.write(tty ? `\r${line}${p.done ? '\n' : ''}` : `${line}\n`);
  };
}
