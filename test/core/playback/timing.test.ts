import { describe, expect, it } from 'vitest';
import { applyCurve, cueDurationMs, curveId } from '../../../engine/core/playback/timing.js';
import { compareCueNumbers } from '../../../engine/core/ids.js';

describe('cue numbers', () => {
  it('orders point cues numerically', () => {
    const list = ['12.5', '2', '10', '12', '1.25', '13'];
    expect([...list].sort(compareCueNumbers)).toEqual(['1.25', '2', '10', '12', '12.5', '13']);
  });
});

describe('fade curves', () => {
  it('start at 0 and end at 1, with linear halfway at one half', () => {
    for (const c of ['linear', 's-curve', 'exponential', 'logarithmic'] as const) {
      expect(applyCurve(curveId(c), 0)).toBe(0);
      expect(applyCurve(curveId(c), 1)).toBe(1);
    }
    expect(applyCurve(curveId('linear'), 0.5)).toBe(0.5);
    expect(applyCurve(curveId('s-curve'), 0.5)).toBe(0.5);
    expect(applyCurve(curveId('exponential'), 0.5)).toBeLessThan(0.5);
    expect(applyCurve(curveId('logarithmic'), 0.5)).toBeGreaterThan(0.5);
    expect(applyCurve(curveId('snap'), 0)).toBe(1);
  });
});

describe('cue duration', () => {
  it('is the longest delay plus fade over every attribute family', () => {
    expect(cueDurationMs({ delayMs: 1000, fadeUpMs: 3000 })).toBe(4000);
    expect(cueDurationMs({ delayMs: 0, fadeUpMs: 1000, fadeDownMs: 5000 })).toBe(5000);
    expect(cueDurationMs({ delayMs: 500, fadeUpMs: 1000, attributeTimes: { position: { delayMs: 2000, fadeMs: 4000 } } })).toBe(6500);
    expect(cueDurationMs({ delayMs: 1000, fadeUpMs: 3000 }, false)).toBe(3000);
  });
});
