import { describe, expect, it } from 'vitest';
import { describeSummary, runStory } from '../../stories/features/story';

describe('story: features (the flagship, npm start)', () => {
  it('backtests the features chain and gets the same rows live', async () => {
    const s = await runStory({ trades: 20_000, quotes: 80_000, liveSeconds: 1800 });
    expect(s.tradesIn).toBe(20_000);
    expect(s.rowsOut).toBe(20_000); // one feature row per trade
    expect(s.matched).toBeGreaterThan(19_000);
    expect(s.matched).toBeLessThanOrEqual(20_000);
    expect(s.top).toHaveLength(5);
    // tickers sorted by volume, VWAP inside the traded prices' range
    for (let i = 1; i < s.top.length; i++) expect(s.top[i].volume).toBeLessThanOrEqual(s.top[i - 1].volume);
    for (const t of s.top) expect(t.vwap).toBeGreaterThan(0);
    expect(s.liveRows).toBeGreaterThan(1000);
    expect(s.liveDifference).toBeNull();
    expect(s.liveEqual).toBe(true);
    expect(describeSummary(s)).toMatch(/identical to the backtest/);
  });
});
