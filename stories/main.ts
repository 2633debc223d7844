/**
 * `npm start`: the main job. Runs the flagship story (stories/features) on generated data
 * and prints a summary (progress on stderr while it runs). Exits non-zero when live and the
 * backtest disagree.
 */
import { printProgress } from '../src/time/progress-printer';
import { describeSummary, runStory } from './features/story';

const summary = await runStory({ onProgress: printProgress() });
console.log(describeSummary(summary));
if (!summary.liveEqual) process.exitCode = 1;
