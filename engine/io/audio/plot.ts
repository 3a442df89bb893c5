/**
 * Plots of an analysis: the onset strength over time with beats, downbeats and section boundaries
 * marked. HTML (a self-contained SVG page) or PNG (drawn with pngjs), chosen by the file extension.
 */
import { PNG } from 'pngjs';
import { UsageError } from '../../core/errors.js';
import type { AnalysisResult } from '../../core/audio/analyze.js';
import { writeFileAtomic } from '../files/atomicWrite.js';
import { maxOf } from '../../core/vector.js';

/** Writes a plot of `result` to `file` (`.png` or `.html`). */
export async function writePlot(file: string, result: AnalysisResult, title: string): Promise<void> {
  const lower = file.toLowerCase();
  if (lower.endsWith('.png')) await writeFileAtomic(file, plotPng(result));
  else if (lower.endsWith('.html') || lower.endsWith('.htm')) await writeFileAtomic(file, plotHtml(result, title));
  else throw new UsageError(`--plot: give a file ending in .png or .html, got '${file}'`);
}

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);

/** A self-contained HTML page with an SVG plot (scrolls horizontally for long recordings). */
export function plotHtml(r: AnalysisResult, title: string): string {
  const pxPerS = 40;
  const w = Math.max(800, Math.ceil(r.durationS * pxPerS));
  const h = 300;
  const peak = maxOf(r.envelope.flux, 1e-9);
  const pts: string[] = [];
  for (let i = 0; i < r.envelope.t.length; i++) {
    pts.push(`${(r.envelope.t[i]! * pxPerS).toFixed(1)},${(h - 20 - (r.envelope.flux[i]! / peak) * (h - 40)).toFixed(1)}`);
  }
  const lines: string[] = [];
  for (const b of r.beats) {
    const x = (b.t * pxPerS).toFixed(1);
    lines.push(`<line x1="${x}" x2="${x}" y1="0" y2="${h}" stroke="${b.isDownbeat ? '#d33' : '#38c'}" stroke-width="${b.isDownbeat ? 2 : 1}" opacity="0.7"/>`);
  }
  for (const s of r.sections) {
    const x = (s.t * pxPerS).toFixed(1);
    lines.push(`<line x1="${x}" x2="${x}" y1="0" y2="${h}" stroke="#2a2" stroke-width="4" opacity="0.8"/>`);
  }
  const ticks: string[] = [];
  for (let s = 0; s <= r.durationS; s += 5) ticks.push(`<text x="${s * pxPerS + 2}" y="${h - 4}" font-size="10">${s}s</text>`);
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body style="font-family:sans-serif">
<h3>${escapeHtml(title)} — ${r.tempoBpm.toFixed(1)} BPM, ${r.beats.length} beats, ${r.sections.length} section changes</h3>
<p>grey: onset strength (log-magnitude flux) · blue: beats · red: downbeats · green: section boundaries</p>
<div style="overflow-x:auto"><svg width="${w}" height="${h}" style="background:#fff">
<polyline fill="none" stroke="#777" stroke-width="1" points="${pts.join(' ')}"/>
${lines.join('\n')}
${ticks.join('')}
</svg></div></body></html>
`;
}

/** A PNG plot: 20 px per second (at least 800, at most 12 000 px wide), 300 px high. */
export function plotPng(r: AnalysisResult): Uint8Array {
  const w = Math.min(12000, Math.max(800, Math.ceil(r.durationS * 20)));
  const h = 300;
  const png = new PNG({ width: w, height: h });
  png.data.fill(255);
  const set = (x: number, y: number, [cr, cg, cb]: readonly [number, number, number]) => {
    if (x < 0 || y < 0 || x >= w || y >= h) return;
    const i = (y * w + x) * 4;
    png.data[i] = cr;
    png.data[i + 1] = cg;
    png.data[i + 2] = cb;
    png.data[i + 3] = 255;
  };
  const xOf = (t: number) => Math.round((t / Math.max(r.durationS, 1e-9)) * (w - 1));
  const vline = (t: number, colour: readonly [number, number, number], width: number) => {
    const x0 = xOf(t);
    for (let dx = 0; dx < width; dx++) for (let y = 0; y < h; y++) set(x0 + dx, y, colour);
  };
  for (const b of r.beats) vline(b.t, b.isDownbeat ? [220, 50, 50] : [120, 170, 230], b.isDownbeat ? 2 : 1);
  for (const s of r.sections) vline(s.t, [40, 170, 40], 4);
  // Onset strength: per pixel column, the max over the frames it covers.
  const peak = maxOf(r.envelope.flux, 1e-9);
  const col = new Float32Array(w);
  for (let i = 0; i < r.envelope.t.length; i++) {
    const x = xOf(r.envelope.t[i]!);
    if (x >= 0 && x < w) col[x] = Math.max(col[x]!, r.envelope.flux[i]! / peak);
  }
  for (let x = 0; x < w; x++) {
    const top = Math.round(h - 1 - col[x]! * (h - 10));
    for (let y = top; y < h; y++) set(x, y, [70, 70, 70]);
  }
  return PNG.sync.write(png);
}
