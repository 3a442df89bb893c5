import { describe, expect, it } from 'vitest';
import type { AnalysisResult } from '../../../engine/core/audio/analyze.js';
import { plotHtml, plotPng } from '../../../engine/io/audio/plot.js';

describe('analysis plots of long recordings', () => {
  it('plots a 40-minute envelope (200,000 frames) without putting it on the stack', async () => {
    const n = 200_000;
    const t = new Float32Array(n).map((_, i) => i * 0.012);
    const flux = new Float32Array(n).map((_, i) => Math.abs(Math.sin(i / 50)));
    const r: AnalysisResult = { durationS: n * 0.012, tempoBpm: 120, beats: [], onsets: [], tempo: [], sections: [], envelope: { t, flux } };
    const html = await plotHtml(r, 'long');
    expect(html).toContain('onset strength');
    expect(html).toContain('40:00'); // the time axis reaches the end
    expect((await plotPng(r)).length).toBeGreaterThan(100);
  });
});
