import { describe, expect, it } from 'vitest';
import { usageWriteDelayMs } from '../../../engine/io/runs/runRecorder.js';

describe('fixture usage rewrite cadence', () => {
  it('rewrites every 10 s while the file is cheap to build', () => {
    expect(usageWriteDelayMs(0)).toBe(10_000);
    expect(usageWriteDelayMs(20)).toBe(10_000);
  });

  it('a file that keeps the main thread longer is rewritten less often: never more than 0.25% of it', () => {
    // 32,768 fixtures took about 80 ms to build here.
    expect(usageWriteDelayMs(80)).toBe(32_000);
    for (const busy of [30, 80, 250, 1000]) expect(busy / usageWriteDelayMs(busy)).toBeLessThanOrEqual(0.0025 + 1e-12);
  });
});
