import { describe, expect, it } from 'vitest';
import { describeSummary, runStory } from '../../stories/replay-summary/story';

describe('story: replay-summary', () => {
  it('runs on small generated data and prints a summary', async () => {
    const s = await runStory({ trades: 20_000, quotes: 40_000 });
    expect(s.tradesIn).toBe(20_000);
    expect(s.bigTrades.numRows).toBeGreaterThan(0);
    expect(s.bigTrades.numRows).toBeLessThan(20_000);
    // one bar per minute of a 6.5-hour session, give or take the edges
    expect(s.bars.numRows).toBeGreaterThan(380);
    expect(s.bars.numRows).toBeLessThan(400);
    // bars count exactly the filtered trades
    let n = 0;
    const c = s.bars.getChild('trades')!;
    for (let i = 0; i < s.bars.numRows; i++) n += c.get(i) as number;
    expect(n).toBe(s.bigTrades.numRows);
    expect(describeSummary(s)).toMatch(/weir replay summary/);
  });
});
