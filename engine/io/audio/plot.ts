/**
 * Plots of an analysis: the onset strength over time with beats, downbeats and section boundaries
 * marked, drawn by the one timeline Precue plots with (`../plots/timeline.ts`, vega-lite: labelled
 * axes and a legend). HTML (a self-contained page around the SVG) or PNG, chosen by the extension.
 */
import { UsageError } from '../../core/errors.js';
import type { AnalysisResult } from '../../core/audio/analyze.js';
import { writeFileAtomic } from '../files/atomicWrite.js';
import { reduceCurve, svgToPng, timelineSvg } from '../plots/timeline.js';

/** Writes a plot of `result` to `file` (`.png` or `.html`). */
export async function writePlot(file: string, result: AnalysisResult, title: string): Promise<void> {
  const lower = file.toLowerCase();
  if (lower.endsWith('.png')) await writeFileAtomic(file, await plotPng(result, title));
  else if (lower.endsWith('.html') || lower.endsWith('.htm')) await writeFileAtomic(file, await plotHtml(result, title));
  else throw new UsageError(`--plot: give a file ending in .png or .html, got '${file}'`);
}

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);

const heading = (r: AnalysisResult, title: string): string => `${title} — ${r.tempoBpm.toFixed(1)} BPM, ${r.beats.length} beats, ${r.sections.length} section changes`;

/** The analysis as an SVG timeline. */
export function plotSvg(r: AnalysisResult, title: string): Promise<string> {
  return timelineSvg({
    title: heading(r, title),
    durationS: r.durationS,
    curve: { title: 'onset strength (log-magnitude flux)', ...reduceCurve(r.envelope.t, r.envelope.flux) },
    beats: r.beats.map((b) => ({ t: b.t, downbeat: b.isDownbeat })),
    sections: r.sections.map((s) => s.t),
    depts: [],
  });
}

/** A self-contained HTML page with the SVG plot (scrolls horizontally when wide). */
export async function plotHtml(r: AnalysisResult, title: string): Promise<string> {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body style="font-family:sans-serif">
<div style="overflow-x:auto">${await plotSvg(r, title)}</div></body></html>
`;
}

/** The plot as a PNG. */
export async function plotPng(r: AnalysisResult, title = 'analysis'): Promise<Uint8Array> {
  return svgToPng(await plotSvg(r, title));
}
