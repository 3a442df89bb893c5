import { describe, expect, it } from 'vitest';
import { FrameTicks } from '../../engine/io/frameTicks.js';

describe('FrameTicks', () => {
  it('counts gaps while the look moves, not the rests between fades', () => {
    let t = 0;
    const ticks = new FrameTicks(() => t);
    // A fade: ticks 23 ms apart, one stall of 80 ms; then the loop rests (guard ticks 250 ms apart).
    for (const at of [10, 33, 56, 136, 159]) {
      t = at;
      ticks.tick(true);
    }
    t = 182;
    ticks.tick(false); // the fade ended: the loop rests
    for (const at of [432, 682]) {
      t = at;
      ticks.tick(false);
    }
    t = 700;
    ticks.tick(true); // a GO: moving again, off the rest
    t = 723;
    ticks.tick(true);
    t = 1000;
    const w = ticks.read();
    expect(w.ticks).toBe(10);
    expect(w.rateHz).toBe(10);
    expect(w.gapMaxMs).toBe(80); // the stall mid-fade; the 250 ms rests and the 18 ms wake-up do not count
    expect(ticks.read().ticks).toBe(0); // a new window

  });
});
