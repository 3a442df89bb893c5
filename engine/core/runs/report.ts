/**
 * What a run (or a take replayed in shadow mode) says, department by department: what the model
 * would have fired against what really went, the operator's GOs it had predicted (shadow mode), every
 * override and miss with its time and reason, F1 and timing error, and one summary line a technical
 * director reads first ("LX would have fired 9 of 10 cues within ±100 ms; missed 7 at 1:12").
 * `precue report` renders it; retraining compares two of them. Pure: a run log in, numbers and lines out.
 */
import { scoreCues, type Metrics, type TimedCue } from '../model/metrics.js';
import { HUMAN_SOURCES, modeAt, type DecisionLine, type PredictionLine, type RunLog } from './runLog.js';
import { SHADOW_WINDOW_MS } from './shadow.js';

/** One cue that went, as the report shows it. */
export interface ReportFire {
  readonly t: number;
  readonly cue: string;
  readonly source: string;
  readonly how: string;
}

/** A cue the model would have fired (a prediction at or above its thresholds), as the report shows it. */
export interface ReportPrediction {
  readonly t: number;
  readonly cue: string;
  readonly confidence: number;
  readonly outcome: PredictionLine['outcome'];
  readonly reason?: string;
}

/** Something a person (or the model) did worth a line in the report. */
export interface ReportEvent {
  readonly t: number;
  readonly kind: 'override' | 'miss' | 'false fire' | 'skipped' | 'late' | 'early' | 'back' | 'hold' | 'stop' | 'panic';
  readonly cue?: string;
  readonly text: string;
}

/** Shadow mode's tally over a run. */
export interface ShadowTally {
  readonly gos: number;
  readonly within100ms: number;
  readonly withinBeat: number;
  /** Over the GOs predicted within a beat (ms; positive: the model was ahead). */
  readonly meanLeadMs: number | null;
}

/** One department's part of the report. */
export interface DeptReport {
  readonly id: string;
  /** The modes it ran in. */
  readonly modes: readonly string[];
  readonly fired: readonly ReportFire[];
  readonly predicted: readonly ReportPrediction[];
  /** The rehearsal's cues (the take's own, or the rehearsal the model follows). */
  readonly rehearsal: readonly TimedCue[];
  /** The model's would-fire cues against what went (the truth: every cue that went, people winning). */
  readonly metrics: Metrics;
  readonly shadow: ShadowTally;
  readonly events: readonly ReportEvent[];
  readonly summary: string;
}

/** The whole report. */
export interface RunReport {
  readonly run: string;
  readonly show: string;
  readonly startedAt: string;
  readonly durationS: number;
  /** Audio seconds the log covers (to its last line). */
  readonly loggedS: number;
  /** Whether the log ends with a clean stop (false: the engine was killed or crashed; the log holds until then). */
  readonly clean: boolean;
  readonly model: RunLog['start']['model'];
  readonly depts: readonly DeptReport[];
  readonly bars: RunLog['bars'];
  /** The decisions in order (every line of the log's decision kind). */
  readonly decisions: readonly DecisionLine[];
  readonly summary: readonly string[];
  /** Lines of the log left out (cut by a kill, unknown). */
  readonly skipped: readonly string[];
}

/** m:ss.s of audio seconds. */
export function clock(t: number): string {
  const m = Math.floor(t / 60);
  const s = t - m * 60;
  return `${m}:${s < 10 ? '0' : ''}${s.toFixed(1)}`;
}

const who = (source: string, user?: string): string => (user !== undefined && user !== '' ? `${source} (${user})` : source);

/** Builds the report of a run log; `rehearsal`: the cues the model follows (for the timeline). */
export function buildRunReport(log: RunLog, rehearsal: readonly TimedCue[] = []): RunReport {
  const durationS = Math.max(log.lastAudioS, ...rehearsal.map((c) => c.t));
  const deptIds = [...new Set([...log.start.depts.map((d) => d.id), ...log.fires.map((f) => f.dept), ...log.predictions.map((p) => p.dept)])];
  const depts = deptIds.map((id) => deptReport(log, id, rehearsal.filter((c) => c.dept === id), durationS));
  const summary = depts.filter((d) => d.fired.length > 0 || d.predicted.length > 0).map((d) => d.summary);
  if (log.end === undefined) summary.push(`The log ends at ${clock(log.lastAudioS)} without a clean stop: the engine was killed or crashed there; everything before it is here.`);
  return {
    run: log.start.run,
    show: log.start.show,
    startedAt: log.start.startedAt,
    durationS,
    loggedS: log.lastAudioS,
    clean: log.end !== undefined,
    model: log.start.model,
    depts,
    bars: log.bars,
    decisions: log.decisions,
    summary,
    skipped: log.skipped.map((p) => `line ${p.line ?? '?'}: ${p.message}`),
  };
}

function deptReport(log: RunLog, id: string, rehearsal: readonly TimedCue[], durationS: number): DeptReport {
  const fired: ReportFire[] = log.fires.filter((f) => f.dept === id).map((f) => ({ t: f.audioS, cue: f.cue, source: f.source, how: f.how }));
  // What the model would have fired: each settled prediction above its thresholds, at the moment it
  // fired (when it did) or was due.
  const predicted: ReportPrediction[] = log.predictions
    .filter((p) => p.dept === id && p.wouldFire && p.outcome !== 'withdrawn')
    .map((p) => ({ t: p.outcome === 'fired' && p.firedAtS !== undefined ? p.firedAtS : p.fireAtS, cue: p.cue, confidence: p.confidence, outcome: p.outcome, ...(p.reason !== undefined ? { reason: p.reason } : {}) }))
    .sort((a, b) => a.t - b.t);
  // The truth is what went: every cue, whoever fired it (people win; BACK is a correction, not a cue).
  const truth: TimedCue[] = fired.filter((f) => f.how !== 'back').map((f) => ({ t: f.t, dept: id, cue: f.cue }));
  const model: TimedCue[] = predicted.map((p) => ({ t: p.t, dept: id, cue: p.cue }));
  const metrics = scoreCues(model, truth, Math.max(durationS, 1e-3));
  const decisions = log.decisions.filter((d) => d.dept === id);
  const shadow = tallyShadow(decisions);
  const { events, hits } = deptEvents(id, decisions, fired, predicted, log);
  const modes = [...new Set([...log.start.depts.filter((d) => d.id === id).map((d) => d.mode), ...log.modes.filter((m) => m.dept === id).map((m) => m.mode)])];
  return { id, modes, fired, predicted, rehearsal, metrics, shadow, events, summary: deptSummary(id, metrics, shadow, events, truth.length, hits) };
}

function tallyShadow(decisions: readonly DecisionLine[]): ShadowTally {
  let gos = 0;
  let within100ms = 0;
  let withinBeat = 0;
  let lead = 0;
  for (const d of decisions) {
    if (d.shadow === undefined) continue;
    gos++;
    if (d.shadow.within100ms) within100ms++;
    if (d.shadow.withinBeat && d.shadow.leadMs !== null) {
      withinBeat++;
      lead += d.shadow.leadMs;
    }
  }
  return { gos, within100ms, withinBeat, meanLeadMs: withinBeat > 0 ? lead / withinBeat : null };
}

/**
 * Every override, miss and false fire of a department, in time order, and how many of the cues that
 * went the model had as the same cue within ±100 ms (`hits`).
 */
function deptEvents(dept: string, decisions: readonly DecisionLine[], fired: readonly ReportFire[], predicted: readonly ReportPrediction[], log: RunLog): { events: ReportEvent[]; hits: number } {
  const events: ReportEvent[] = [];
  const windowS = SHADOW_WINDOW_MS / 1000;
  for (const d of decisions) {
    if (!HUMAN_SOURCES.has(d.source)) continue;
    const by = who(d.source, d.user);
    if (d.action === 'back' || d.action === 'hold' || d.action === 'stop' || d.action === 'panic') {
      events.push({ t: d.audioS, kind: d.action, ...(d.cue !== undefined ? { cue: d.cue } : {}), text: `${d.action.toUpperCase()} by ${by}${d.standing !== undefined ? ` while the model predicted cue ${d.standing.cue} at ${clock(d.standing.fireAtS)}` : ''}` });
      continue;
    }
    if ((d.action !== 'go' && d.action !== 'goto') || d.cue === undefined) continue;
    const v = d.shadow;
    if (v === undefined) continue;
    if (v.leadMs === null) {
      const standing = d.standing !== undefined ? `; the model predicted cue ${d.standing.cue} at ${clock(d.standing.fireAtS)} (${d.standing.confidence.toFixed(2)}${d.standing.reason !== undefined ? `: ${d.standing.reason}` : ''})` : '; the model predicted nothing here';
      events.push({ t: d.audioS, kind: 'override', cue: d.cue, text: `cue ${d.cue} fired by ${by}, not predicted${standing}` });
    } else if (!v.within100ms) {
      const late = v.leadMs > 0;
      events.push({
        t: d.audioS,
        kind: late ? 'late' : 'early',
        cue: d.cue,
        text: `cue ${d.cue} fired by ${by} ${Math.abs(v.leadMs).toFixed(0)} ms ${late ? 'after' : 'before'} the model's moment (${clock(v.predicted?.fireAtS ?? d.audioS)}${v.withinBeat ? ', within a beat' : ', more than a beat off'})`,
      });
    }
  }
  // Cues that went (by anyone) with no would-fire prediction of that cue within ±100 ms; and
  // would-fire predictions no cue answered (what the model would have fired wrongly in auto).
  const matched = new Set<number>();
  let hits = 0;
  for (const f of fired) {
    if (f.how === 'back') continue;
    const i = predicted.findIndex((p, k) => !matched.has(k) && p.cue === f.cue && Math.abs(p.t - f.t) <= windowS + 1e-6);
    if (i >= 0) {
      matched.add(i);
      hits++;
      continue;
    }
    if (HUMAN_SOURCES.has(f.source) && f.how !== 'follow' && f.how !== 'continue') continue; // said above as an override or a late/early GO
    const mode = modeAt(log, dept, f.t) ?? '?';
    events.push({ t: f.t, kind: 'miss', cue: f.cue, text: `cue ${f.cue} went (${f.source}, ${f.how}, ${mode}) with no prediction of it within ±${SHADOW_WINDOW_MS} ms` });
  }
  predicted.forEach((p, k) => {
    if (matched.has(k)) return;
    // It went (fired by the model, or a person fired that cue), just not within ±100 ms: said as late/early above.
    if (p.outcome === 'fired' || p.outcome === 'preempted' || fired.some((f) => f.cue === p.cue && Math.abs(f.t - p.t) <= 2)) return;
    // In auto a would-fire prediction nobody answered is a false fire; by hand, the operator skipped it.
    const auto = modeAt(log, dept, p.t) === 'auto';
    events.push({
      t: p.t,
      kind: auto ? 'false fire' : 'skipped',
      cue: p.cue,
      text: `the model would have fired cue ${p.cue} at ${clock(p.t)} (${p.confidence.toFixed(2)}, ${p.outcome}${p.reason !== undefined ? `: ${p.reason}` : ''}); ${auto ? 'nothing fired it (the gate held it back)' : 'the operator did not fire it'}`,
    });
  });
  return { events: events.sort((a, b) => a.t - b.t), hits };
}

function deptSummary(dept: string, m: Metrics, shadow: ShadowTally, events: readonly ReportEvent[], cues: number, hits: number): string {
  if (cues === 0 && m.fired === 0) return `${dept}: nothing went and nothing was predicted.`;
  const errs = m.expected > 0 && hits > 0 ? ` (median error ${m.medianAbsErrorMs.toFixed(0)} ms)` : '';
  const misses = events.filter((e) => e.kind === 'miss' || e.kind === 'override');
  const missText = misses.length === 0 ? '' : `; ${misses.length === 1 ? 'one miss' : `${misses.length} misses`} at ${misses.slice(0, 4).map((e) => clock(e.t)).join(', ')}${misses.length > 4 ? '…' : ''}`;
  const falseFires = events.filter((e) => e.kind === 'false fire' || e.kind === 'skipped').length;
  const ff = falseFires === 0 ? '' : `; ${falseFires} it would have fired that did not go`;
  const sh = shadow.gos === 0 ? '' : ` Shadow mode: ${shadow.within100ms} of ${shadow.gos} operator GOs predicted within ±${SHADOW_WINDOW_MS} ms, ${shadow.withinBeat} within a beat${shadow.meanLeadMs !== null ? ` (mean lead ${shadow.meanLeadMs >= 0 ? '+' : '−'}${Math.abs(shadow.meanLeadMs).toFixed(0)} ms)` : ''}.`;
  return `${dept} would have fired ${hits} of ${cues} cues within ±${SHADOW_WINDOW_MS} ms${errs}${missText}${ff}.${sh}`;
}

/** A BACK this soon after a cue went says the cue was wrong (s). */
export const BACK_UNDOES_WITHIN_S = 5;

/**
 * A run as training labels: the cues as they went, the operator's corrections winning. A cue a
 * person took BACK within `BACK_UNDOES_WITHIN_S` is dropped (it was wrong), as is a model fire a person
 * re-fired (the same cue within a second: the person's time is the truth). A person's GO is taken at
 * the beat nearest to it on the run's own beat grid (its bar lines): the operator decides which cue
 * and on which beat; the 50–200 ms a hand and the input path add is not part of the music, and a
 * model trained on it learns to be late (measured: bench/rehearsalLoop.ts). Without bar lines the
 * operator's time is kept as it is. Pure: a run log in, cues in the run's audio time out.
 */
export function runLabels(log: RunLog): { t: number; dept: string; cue: string; by: string }[] {
  const out: { t: number; dept: string; cue: string; by: string }[] = [];
  const fires = log.fires.filter((f) => f.how !== 'back');
  for (const [i, f] of fires.entries()) {
    const undone = log.decisions.some((d) => d.dept === f.dept && d.action === 'back' && HUMAN_SOURCES.has(d.source) && d.audioS >= f.audioS && d.audioS - f.audioS <= BACK_UNDOES_WITHIN_S && !fires.slice(i + 1).some((g) => g.dept === f.dept && g.audioS > f.audioS && g.audioS <= d.audioS));
    if (undone) continue;
    const refired = f.source === 'model' && fires.some((g) => g !== f && g.dept === f.dept && g.cue === f.cue && HUMAN_SOURCES.has(g.source) && Math.abs(g.audioS - f.audioS) <= 1);
    if (refired) continue;
    out.push({ t: HUMAN_SOURCES.has(f.source) ? nearestBeat(f.audioS, log.bars) : f.audioS, dept: f.dept, cue: f.cue, by: f.source });
  }
  return out;
}

/** The beat nearest to `t` on a run's bar grid (the last bar line at or before it, its tempo), or `t` without one. */
export function nearestBeat(t: number, bars: RunLog['bars']): number {
  let bar: RunLog['bars'][number] | undefined;
  for (const b of bars) {
    if (b.audioS > t + 1e-9) break;
    bar = b;
  }
  // A GO just before the first bar line snaps to that bar's grid too.
  bar ??= bars[0];
  if (bar === undefined || !(bar.bpm > 0)) return t;
  const period = 60 / bar.bpm;
  const snapped = bar.audioS + Math.round((t - bar.audioS) / period) * period;
  return Math.round(Math.max(0, snapped) * 1000) / 1000;
}

/** One department of two reports side by side: did it get better? */
export interface DeptComparison {
  readonly id: string;
  readonly before: { readonly shadow: ShadowTally; readonly f1: number; readonly hits: string };
  readonly after: { readonly shadow: ShadowTally; readonly f1: number; readonly hits: string };
  /** "better", "worse" or "the same", on the share of operator GOs predicted within ±100 ms (then ±1 beat, then F1). */
  readonly verdict: 'better' | 'worse' | 'the same';
}

const share = (n: number, d: number): number => (d > 0 ? n / d : 0);

/** Compares a report with an earlier one (`before`), department by department. */
export function compareReports(before: RunReport, after: RunReport): DeptComparison[] {
  const out: DeptComparison[] = [];
  for (const a of after.depts) {
    const b = before.depts.find((d) => d.id === a.id);
    if (b === undefined) continue;
    const side = (d: DeptReport) => ({ shadow: d.shadow, f1: d.metrics.f1, hits: `${d.shadow.within100ms}/${d.shadow.gos}` });
    // F1 only where cues went in both (with none, there is nothing to be right about).
    const withF1 = a.metrics.expected > 0 && b.metrics.expected > 0;
    const keys = (d: DeptReport): number[] => [share(d.shadow.within100ms, d.shadow.gos), share(d.shadow.withinBeat, d.shadow.gos), ...(withF1 ? [Number.isFinite(d.metrics.f1) ? d.metrics.f1 : 0] : [])];
    const ka = keys(a);
    const kb = keys(b);
    let verdict: DeptComparison['verdict'] = 'the same';
    for (let i = 0; i < ka.length; i++) {
      if (Math.abs(ka[i]! - kb[i]!) < 1e-9) continue;
      verdict = ka[i]! > kb[i]! ? 'better' : 'worse';
      break;
    }
    out.push({ id: a.id, before: side(b), after: side(a), verdict });
  }
  return out;
}
