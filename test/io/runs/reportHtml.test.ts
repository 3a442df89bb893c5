import { describe, expect, it } from 'vitest';
import { buildRunReport } from '../../../engine/core/runs/report.js';
import { collectRunLog } from '../../../engine/core/runs/runLog.js';
import { svgToPng, timelineSvg, waveformOf } from '../../../engine/io/plots/timeline.js';
import { reportHtml } from '../../../engine/io/runs/reportHtml.js';
import { START } from '../../core/runs/fixtures.js';

describe('the report page', () => {
  it('draws the timeline with labelled axes as SVG and PNG, in one page that loads nothing from elsewhere', async () => {
    const log = collectRunLog([
      START,
      { kind: 'bar', audioS: 2, bar: 1, bpm: 120, beatsPerBar: 4 },
      { kind: 'fire', tMs: 0, audioS: 10, dept: 'LX', cue: '2', source: 'operator', how: 'go' },
      { kind: 'prediction', dept: 'LX', cue: '2', fireAtS: 9.95, confidence: 0.8, wouldFire: true, firstAtS: 5, closedAtS: 10, outcome: 'preempted', by: 'operator', firedAtS: 10 },
    ])!;
    const r = buildRunReport(log, [{ t: 9.9, dept: 'LX', cue: '2' }]);
    const samples = Float32Array.from({ length: 22050 * 12 }, (_, i) => Math.sin(i / 10) * 0.5);
    const svg = await timelineSvg({ title: 'test <run>', durationS: 12, waveform: waveformOf(samples, 22050), bars: [2], depts: r.depts });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('time (m:ss)');
    expect(svg).toContain('confidence');
    expect(svg).toContain('model would fire');
    const html = reportHtml(r, { timelineSvg: svg, notes: ['a <note>'] });
    expect(html).toContain('a &lt;note&gt;');
    expect(html).not.toMatch(/<script|<link|<img|src=|href=|url\(/);
    const png = svgToPng(svg);
    expect(Buffer.from(png.subarray(1, 4)).toString()).toBe('PNG');
    expect(png.length).toBeGreaterThan(5000);
  });
});
