/**
 * `npm start`: the main job. Runs the flagship story on generated data and prints a summary.
 */
import { describeSummary, runStory } from './replay-summary/story';

const tty = process.stderr.isTTY;
const summary = await runStory({
  onProgress: (p) => {
    if (!tty && !p.done) return;
    const line = `replay: ${new Date(p.time).toISOString()}  ${p.rows.toLocaleString()} rows  ${(p.rowsPerSecond / 1e6).toFixed(1)} M rows/s`;
    process.stderr.write(tty ? `\r${line}${p.done ? '\n' : ''}` : `${line}\n`);
  },
});
console.log(describeSummary(summary));
