/**
 * Pictures for the listener benches: a Vega-Lite spec rendered to SVG by Vega (headless, no canvas)
 * and rasterised to PNG by resvg.
 */
import { writeFileSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** Renders a Vega-Lite spec to a PNG file (`scale` × the spec's size). */
export async function writeVegaLitePng(spec: TopLevelSpec, file: string, scale = 2): Promise<void> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const png = new Resvg(svg, { fitTo: { mode: 'zoom', value: scale }, background: 'white', font: { loadSystemFonts: true } }).render().asPng();
  writeFileSync(file, png);
}

/** One point of a training curve. */
export interface CurvePoint {
  readonly epoch: number;
  readonly series: string;
  readonly value: number;
  /** Which panel: a loss or a beat F-measure. */
  readonly panel: 'loss' | 'F-measure';
}

/** The training curve: losses per epoch on the left, validation beat and downbeat F on the right. */
export async function writeTrainingCurve(points: readonly CurvePoint[], title: string, file: string): Promise<void> {
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    data: { values: points.map((p) => ({ ...p })) },
    hconcat: (['loss', 'F-measure'] as const).map((panel) => ({
      width: 380,
      height: 240,
      transform: [{ filter: { field: 'panel', equal: panel } }],
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', title: 'epoch' },
        y: { field: 'value', type: 'quantitative', title: panel, scale: { zero: false } },
        color: { field: 'series', type: 'nominal', title: null, legend: { labelLimit: 400 } },
      },
    })),
  };
  await writeVegaLitePng(spec, file);
}
