/**
 * The post-show report as one self-contained `report.html` (inline SVG and CSS, no scripts, no
 * external references: it opens from a USB stick at the desk) around the timeline drawn by
 * `../plots/timeline.ts`.
 */
import { clock, type DeptComparison, type RunReport } from '../../core/runs/report.js';
import type { MaintenanceHint, UsageReport } from '../../core/runs/usage.js';

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
  /** This report against an earlier run's (`precue report --compare`). */
  readonly comparison?: { readonly name: string; readonly depts: readonly DeptComparison[] };
}

function comparisonHtml(c: ReportExtras['comparison']): string {
  if (c === undefined) return '';
  const lead = (x: number | null): string => (x === null ? '—' : `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(0)} ms`);
  const rows = c.depts
    .map((d) => `<tr class="${d.verdict === 'worse' ? 'override' : ''}"><td>${esc(d.id)}</td><td>${d.before.hits} · ${d.before.shadow.withinBeat} ±1 beat · ${lead(d.before.shadow.meanLeadMs)} · F1 ${pct(d.before.f1)}</td><td>${d.after.hits} · ${d.after.shadow.withinBeat} ±1 beat · ${lead(d.after.shadow.meanLeadMs)} · F1 ${pct(d.after.f1)}</td><td><b>${d.verdict}</b></td></tr>`)
    .join('\n');
  return `<h2>Compared with ${esc(c.name)}</h2>
<table><thead><tr><th>dept</th><th>before: GOs predicted ±100 ms</th><th>now</th><th>verdict</th></tr></thead><tbody>${rows}</tbody></table>`;
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
${comparisonHtml(extras.comparison)}
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
