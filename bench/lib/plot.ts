/**
 * Time-series plots for the benches: a vega-lite spec (memory on top, timing below) compiled by vega
 * to SVG, rasterised to PNG by headless Chromium where it exists (else the SVG is written beside).
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** One row: `tMin` plus any number of series; series named `… MB` go on the memory panel, the rest below. */
export type PlotRow = { readonly tMin: number } & Readonly<Record<string, number>>;

/** Writes a two-panel line plot of `rows` to `file` (.png; an .svg is written too). */
export async function renderLinePlot(file: string, title: string, rows: readonly PlotRow[]): Promise<void> {
  const long = rows.flatMap((r) => Object.entries(r).filter(([k]) => k !== 'tMin').map(([series, value]) => ({ tMin: r.tMin, series, value, panel: series.includes('MB') ? 'memory' : 'timing' })));
  const panel = (which: string, yTitle: string): Record<string, unknown> => ({
    width: 900,
    height: 260,
    transform: [{ filter: `datum.panel === '${which}'` }],
    mark: { type: 'line', point: rows.length < 200 },
    encoding: {
      x: { field: 'tMin', type: 'quantitative', title: 'minutes' },
      y: { field: 'value', type: 'quantitative', title: yTitle },
      color: { field: 'series', type: 'nominal', title: null },
    },
  });
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: { values: long },
    vconcat: [panel('memory', 'MB'), panel('timing', 'ms')],
    config: { font: 'sans-serif', background: 'white' },
  } as unknown as TopLevelSpec;
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const svgFile = file.replace(/\.png$/, '.svg');
  await writeFile(svgFile, svg);
  if (!file.endsWith('.png') || !existsSync('/usr/bin/chromium')) return;
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
    await page.setContent(`<html><body style="margin:0;background:white">${svg}</body></html>`);
    const box = await page.locator('svg').boundingBox();
    await page.screenshot({ path: file, ...(box !== null ? { clip: { x: 0, y: 0, width: Math.ceil(box.width), height: Math.ceil(box.height) } } : {}) });
  } finally {
    await browser.close();
  }
}
