/**
 * `npm start`: the main job. Runs the flagship story on generated data and prints a summary
 * (progress on stderr while it runs).
 */
import { printProgress } from '../src/time/progress-printer';
import { describeSummary, runStory } from './replay-summary/story';

const summary = await runStory({ onProgress: printProgress() });
console.log(describeSummary(summary));
