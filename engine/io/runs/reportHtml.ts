/**
 * The post-show report as one self-contained `report.html` (inline SVG and CSS, no scripts, no
 * external references: it opens from a USB stick at the desk) and a PNG of its timeline. The plots are
 * vega-lite specs compiled by vega to SVG on the server and rasterised by resvg — a charting library
 * with real axes, not hand-drawn pixels. `timelineSvg` is the one place a take's timeline is drawn.
 */
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { TimedCue } from '../../core/model/metrics.js';
import { clock, type DeptReport, type RunReport } from '../../core/runs/report.js';
import type { MaintenanceHint, UsageReport } from '../../core/runs/usage.js';

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

/** What the timeline draws: a waveform, a beat grid and, per department, three rows of cues. */
export interface TimelineInput {
  readonly title: string;
  readonly durationS: number;
  readonly waveform?: Waveform;
  /** Bar lines (audio s). */
  readonly bars?: readonly number[];
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
  const x = { field: 't', type: 'quantitative', title: 'time (m:ss of the run\'s audio)', scale: { domain: [0, Math.max(1, input.durationS)] }, axis: { labelExpr: "floor(datum.value / 60) + ':' + (datum.value % 60 < 10 ? '0' : '') + floor(datum.value % 60)" } };
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

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
const pct = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : '—');
const ms = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(0)} ms` : '—');

/** What the report page shows besides the run itself. */
export interface ReportExtras {
  readonly timelineSvg: string;
  readonly usage?: UsageReport;
  readonly hints?: readonly MaintenanceHint[];
  /** Where the rehearsal cues came from, and other notes (one line each). */
  readonly notes?: readonly string[];
}

/** The report page. */
export function reportHtml(r: RunReport, extras: ReportExtras): string {
  const metricsRows = r.depts
    .map((d) => {
      const m = d.metrics;
      const s = d.shadow;
      return `<tr><td>${esc(d.id)}</td><td>${esc(d.modes.join(', '))}</td><td>${d.fired.length}</td><td>${d.predicted.length}</td><td>${pct(m.precision)}</td><td>${pct(m.recall)}</td><td>${pct(m.f1)}</td><td>${ms(m.medianAbsErrorMs)}</td><td>${ms(m.p90AbsErrorMs)}</td><td>${s.gos === 0 ? '—' : `${s.within100ms} / ${s.withinBeat} of ${s.gos}`}</td><td>${s.meanLeadMs === null ? '—' : `${s.meanLeadMs >= 0 ? '+' : '−'}${Math.abs(s.meanLeadMs).toFixed(0)} ms`}</td></tr>`;
    })
    .join('\n');
  const events = r.depts
    .flatMap((d) => d.events.map((e) => ({ ...e, dept: d.id })))
    .sort((a, b) => a.t - b.t)
    .map((e) => `<tr class="${e.kind.replace(' ', '-')}"><td>${clock(e.t)}</td><td>${esc(e.dept)}</td><td>${esc(e.kind)}</td><td>${esc(e.cue ?? '')}</td><td>${esc(e.text)}</td></tr>`)
    .join('\n');
  const decisions = r.decisions
    .map((d) => `<tr><td>${clock(d.audioS)}</td><td>${esc(d.dept ?? 'all')}</td><td>${esc(d.action)}</td><td>${esc(d.cue ?? '')}</td><td>${esc(d.source)}${d.user !== undefined ? ` (${esc(d.user)})` : ''}</td><td>${esc(d.mode ?? '')}</td><td>${d.music !== undefined ? `bar ${d.music.bar} beat ${d.music.beat.toFixed(1)} · ${d.music.bpm} BPM` : ''}</td><td>${d.confidence !== undefined ? d.confidence.toFixed(2) : ''}</td><td>${esc(d.reason ?? '')}${d.standing !== undefined && d.source !== 'model' ? `<br><small>model stood on cue ${esc(d.standing.cue)} at ${clock(d.standing.fireAtS)} (${d.standing.confidence.toFixed(2)})</small>` : ''}</td></tr>`)
    .join('\n');
  const usage = extras.usage;
  const usageRows =
    usage === undefined
      ? ''
      : usage.fixtures
          .map((f) => `<tr><td>${esc(f.id)}</td><td>${esc(f.label ?? f.type)}</td><td>${(f.litS / 3600).toFixed(3)}</td><td>${f.channels.map((c) => `${esc(c.name)} ${(c.onS / 3600).toFixed(3)} h`).join(', ')}</td><td>${f.strobes}</td><td>${f.moves}</td></tr>`)
          .join('\n');
  const hints = (extras.hints ?? []).map((h) => `<li>${esc(h.text)}</li>`).join('\n');
  const model = r.model === null ? 'no model: every department by hand' : `model ${esc(r.model.path)} (${esc(r.model.createdBy)}, cue policy v${r.model.policyVersion}, fire threshold ${r.model.fireThreshold}${r.model.follows !== undefined ? `, follows ${esc(r.model.follows)}` : ''})`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Precue report — ${esc(r.run)}</title>
<style>
body{font-family:'DejaVu Sans',system-ui,sans-serif;margin:24px;color:#222;max-width:1250px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd}
.meta{color:#666;font-size:13px}.summary{background:#f4f7fb;border-left:4px solid #1f77b4;padding:8px 16px;font-size:15px}
.summary li{margin:4px 0}table{border-collapse:collapse;font-size:12.5px;width:100%}th,td{border-bottom:1px solid #eee;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#fafafa}tr.override td,tr.miss td{background:#fff3f0}tr.late td,tr.early td{background:#fffbe6}tr.false-fire td{background:#f3f0ff}
.timeline{overflow-x:auto}.warn{color:#a30}
</style></head><body>
<h1>Precue report — ${esc(r.show)}</h1>
<div class="meta">${esc(r.run)} · started ${esc(r.startedAt)} · ${clock(r.loggedS)} logged · ${model}${r.clean ? '' : ' · <span class="warn">no clean stop: the engine was killed or crashed</span>'}</div>
<h2>Summary</h2>
<ul class="summary">${r.summary.map((s) => `<li>${esc(s)}</li>`).join('\n')}</ul>
${(extras.notes ?? []).map((n) => `<p class="meta">${esc(n)}</p>`).join('\n')}
<h2>Timeline</h2>
<div class="timeline" id="timeline">${extras.timelineSvg}</div>
<h2>Per department</h2>
<table><thead><tr><th>dept</th><th>modes</th><th>cues that went</th><th>model would fire</th><th>precision</th><th>recall</th><th>F1 ±100 ms</th><th>median error</th><th>p90 error</th><th>shadow: GOs predicted ±100 ms / ±1 beat</th><th>mean lead</th></tr></thead>
<tbody>${metricsRows}</tbody></table>
<p class="meta">Precision, recall, F1 and timing: what the model would have fired (every prediction at or above its thresholds) against every cue that went, whoever fired it. Shadow mode: of the operator's GOs, how many the model had predicted (the same cue, before the GO) within ±100 ms and within ±1 beat; lead &gt; 0: the model was ahead.</p>
<h2>Overrides, misses and false fires</h2>
${events === '' ? '<p>None.</p>' : `<table><thead><tr><th>time</th><th>dept</th><th>what</th><th>cue</th><th>detail</th></tr></thead><tbody>${events}</tbody></table>`}
<h2>Every decision</h2>
<table><thead><tr><th>time</th><th>dept</th><th>action</th><th>cue</th><th>by</th><th>mode</th><th>music</th><th>conf.</th><th>reason</th></tr></thead><tbody>${decisions}</tbody></table>
${usage === undefined ? '' : `<h2>Fixture usage</h2><p class="meta">Measured from what the engine sent, over ${(usage.spanS / 60).toFixed(1)} min.</p>
<table><thead><tr><th>fixture</th><th>type</th><th>lit (h)</th><th>lamp/LED channels above 0</th><th>strobe starts</th><th>pan/tilt moves</th></tr></thead><tbody>${usageRows}</tbody></table>`}
${hints === '' ? '' : `<h2>Maintenance</h2><ul>${hints}</ul>`}
${r.skipped.length === 0 ? '' : `<h2>Lines left out</h2><ul>${r.skipped.map((s) => `<li>${esc(s)}</li>`).join('')}</ul>`}
</body></html>
`;
}
