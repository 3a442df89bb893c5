/**
 * Time plots, drawn by a charting library with real axes: a vega-lite spec compiled by vega to SVG
 * on the server, rasterised to PNG by resvg. One timeline for everything Precue plots over a
 * recording's time: the post-show report (waveform, bar grid, cues per department, confidence) and
 * `precue analyze --plot` (onset strength, beats, downbeats, sections).
 */
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { TimedCue } from '../../core/model/metrics.js';
import { clock, type DeptReport } from '../../core/runs/report.js';

/** A waveform reduced to one min/max pair per bucket (audio seconds). */
export interface Waveform {
  readonly t: readonly number[];
  readonly min: readonly number[];
  readonly max: readonly number[];
}

/** Reduces samples to about `buckets` min/max pairs. */
export function waveformOf(samples: Float32Array, sampleRate: number, buckets = 1500): Waveform {
  const per = Math.max(1, Math.ceil(samples.length / buckets));
  const t: number[] = [];
  const min: number[] = [];
  const max: number[] = [];
  for (let i = 0; i < samples.length; i += per) {
    let lo = 0;
    let hi = 0;
    for (let j = i; j < Math.min(samples.length, i + per); j++) {
      const v = samples[j]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    t.push(Math.round((i / sampleRate) * 1000) / 1000);
    min.push(Math.round(lo * 1000) / 1000);
    max.push(Math.round(hi * 1000) / 1000);
  }
  return { t, min, max };
}

/** A curve over time (an onset strength), already reduced to at most a few thousand points. */
export interface TimeCurve {
  readonly title: string;
  readonly t: readonly number[];
  readonly v: readonly number[];
}

/** Reduces a long curve to one maximum per bucket (peaks survive), about `buckets` points. */
export function reduceCurve(t: ArrayLike<number>, v: ArrayLike<number>, buckets = 3000): { t: number[]; v: number[] } {
  const per = Math.max(1, Math.ceil(t.length / buckets));
  const outT: number[] = [];
  const outV: number[] = [];
  for (let i = 0; i < t.length; i += per) {
    let m = -Infinity;
    for (let j = i; j < Math.min(t.length, i + per); j++) m = Math.max(m, v[j]!);
    outT.push(Math.round(t[i]! * 1000) / 1000);
    outV.push(Math.round(m * 1e4) / 1e4);
  }
  return { t: outT, v: outV };
}

/**
 * What the timeline draws, each part optional: a waveform, a curve (onset strength), the beat grid
 * (bars, or every beat with its downbeats), section boundaries and, per department, three rows of cues
 * with the model's confidence below.
 */
export interface TimelineInput {
  readonly title: string;
  readonly durationS: number;
  readonly waveform?: Waveform;
  readonly curve?: TimeCurve;
  /** Bar lines (audio s). */
  readonly bars?: readonly number[];
  /** Every beat, downbeats marked (drawn over the curve). */
  readonly beats?: ReadonlyArray<{ readonly t: number; readonly downbeat: boolean }>;
  /** Section boundaries (audio s). */
  readonly sections?: readonly number[];
  readonly depts: ReadonlyArray<Pick<DeptReport, 'id' | 'fired' | 'predicted' | 'rehearsal'>>;
}

const ROWS = ['rehearsal', 'model would fire', 'fired'] as const;

/** The colour of each kind of cue on the timeline. */
const WHO_COLOURS: ReadonlyArray<readonly [string, string]> = [
  ['rehearsal', '#888888'], ['model (fired)', '#1f77b4'], ['model (preempted)', '#4a98d3'], ['model (due)', '#9ecae1'],
  ['fired by the model', '#08519c'], ['fired by operator', '#d62728'], ['fired by keyboard', '#d62728'], ['fired by osc', '#e6550d'],
  ['fired by midi', '#e6550d'], ['fired by msc', '#e6550d'], ['fired by timecode', '#31a354'], ['fired by a follow', '#756bb1'], ['fired by system', '#636363'],
];

/** The timeline and confidence plots as one SVG (vega-lite, compiled and rendered server-side). */
export async function timelineSvg(input: TimelineInput): Promise<string> {
  const width = 960;
  const x = { field: 't', type: 'quantitative', title: 'time (m:ss)', scale: { domain: [0, Math.max(1, input.durationS)] }, axis: { labelExpr: "floor(datum.value / 60) + ':' + (datum.value % 60 < 10 ? '0' : '') + floor(datum.value % 60)" } };
  const grid = (input.bars ?? []).map((t) => ({ t }));
  const gridLayer = grid.length > 0 ? [{ data: { values: grid }, mark: { type: 'rule', color: '#ddd', strokeWidth: 1 }, encoding: { x } }] : [];
  const panels: Record<string, unknown>[] = [];
  if (input.waveform !== undefined) {
    const w = input.waveform;
    panels.push({
      width, height: 90, title: { text: 'audio (bar lines in grey)', anchor: 'start', fontSize: 12 },
      layer: [
        ...gridLayer,
        { data: { values: w.t.map((t, i) => ({ t, lo: w.min[i], hi: w.max[i] })) }, mark: { type: 'area', color: '#7a8ca3', opacity: 0.8 }, encoding: { x, y: { field: 'lo', type: 'quantitative', title: 'level', scale: { domain: [-1, 1] } }, y2: { field: 'hi' } } },
      ],
    });
  }
  if (input.curve !== undefined) {
    const c = input.curve;
    const marks = [
      ...(input.beats ?? []).map((b) => ({ t: b.t, kind: b.downbeat ? 'downbeat' : 'beat' })),
      ...(input.sections ?? []).map((t) => ({ t, kind: 'section boundary' })),
    ];
    const kinds = [['beat', '#6baed6'], ['downbeat', '#d62728'], ['section boundary', '#31a354']].filter(([k]) => marks.some((m) => m.kind === k));
    panels.push({
      width, height: 220, title: { text: c.title, anchor: 'start', fontSize: 12 },
      layer: [
        ...(marks.length > 0 ? [{ data: { values: marks }, mark: { type: 'rule', opacity: 0.7 }, encoding: { x, color: { field: 'kind', type: 'nominal', title: 'marks', scale: { domain: kinds.map(([k]) => k), range: kinds.map(([, v]) => v) } }, strokeWidth: { field: 'kind', type: 'nominal', legend: null, scale: { domain: ['beat', 'downbeat', 'section boundary'], range: [1, 2, 4] } } } }] : []),
        { data: { values: c.t.map((t, i) => ({ t, v: c.v[i] })) }, mark: { type: 'line', color: '#555', strokeWidth: 1 }, encoding: { x, y: { field: 'v', type: 'quantitative', title: c.title } } },
      ],
    });
  }
  // One colour per kind of cue, the same in every department; only the kinds present, one legend.
  const whoOf = (source: string): string => (source === 'model' ? 'fired by the model' : source === 'follow' ? 'fired by a follow' : `fired by ${source}`);
  const present = new Set(input.depts.flatMap((d) => [...(d.rehearsal.length > 0 ? ['rehearsal'] : []), ...d.predicted.map((p) => `model (${p.outcome})`), ...d.fired.map((f) => whoOf(f.source))]));
  const palette = WHO_COLOURS.filter(([w]) => present.has(w));
  const colour = { field: 'who', type: 'nominal', title: 'cue', scale: { domain: palette.map(([w]) => w), range: palette.map(([, c]) => c) } };
  for (const [k, d] of input.depts.entries()) {
    const values = [
      ...d.rehearsal.map((c: TimedCue) => ({ t: c.t, row: ROWS[0], cue: c.cue, who: 'rehearsal', detail: `rehearsal cue ${c.cue} at ${clock(c.t)}` })),
      ...d.predicted.map((p) => ({ t: p.t, row: ROWS[1], cue: p.cue, who: `model (${p.outcome})`, detail: `model: cue ${p.cue} at ${clock(p.t)}, ${p.confidence.toFixed(2)}` })),
      ...d.fired.map((f) => ({ t: f.t, row: ROWS[2], cue: f.cue, who: whoOf(f.source), detail: `${f.how} cue ${f.cue} by ${f.source} at ${clock(f.t)}` })),
    ];
    const y = { field: 'row', type: 'nominal', title: null, sort: [...ROWS], scale: { domain: [...ROWS] } };
    panels.push({
      width, height: 110, title: { text: `${d.id}: rehearsal, what the model would have fired, what went`, anchor: 'start', fontSize: 12 },
      layer: [
        ...gridLayer,
        { data: { values }, mark: { type: 'tick', thickness: 2, size: 18 }, encoding: { x, y, color: k === 0 ? colour : { ...colour, legend: null }, tooltip: { field: 'detail' } } },
        { data: { values }, mark: { type: 'text', dy: -12, fontSize: 9, color: '#333' }, encoding: { x, y, text: { field: 'cue' } } },
      ],
    });
  }
  const conf = input.depts.flatMap((d) => d.predicted.map((p) => ({ t: p.t, confidence: p.confidence, dept: d.id })));
  if (conf.length > 0) {
    panels.push({
      width, height: 110, title: { text: 'confidence of each cue the model would have fired', anchor: 'start', fontSize: 12 },
      data: { values: conf },
      mark: { type: 'line', point: true, interpolate: 'step-after' },
      encoding: { x, y: { field: 'confidence', type: 'quantitative', title: 'confidence', scale: { domain: [0, 1] } }, color: { field: 'dept', type: 'nominal', title: 'department' } },
    });
  }
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: input.title, anchor: 'start' },
    vconcat: panels.length > 0 ? panels : [{ width, height: 40, data: { values: [] }, mark: 'point' }],
    resolve: { scale: { color: 'independent' } },
    config: { font: 'DejaVu Sans, sans-serif', background: 'white', view: { stroke: '#ccc' } },
  } as unknown as TopLevelSpec;
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterises an SVG (the timeline) to PNG at its own size. */
export function svgToPng(svg: string): Uint8Array {
  const r = new Resvg(svg, { background: 'white', font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } });
  return r.render().asPng();
}
