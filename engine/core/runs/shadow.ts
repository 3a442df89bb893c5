/**
 * Shadow mode, scored: while people fire the cues (`manual`, `assist`), how many of their GOs had the
 * model predicted — the same cue, confident enough to fire (the gate's own threshold test), within
 * ±100 ms and within ±1 beat — and how far ahead of them it was. A technical director hands a
 * department to the model after watching this number, so it is computed one way, here: live in the
 * engine (the console shows it), in the run log (each GO carries its verdict) and offline (the report,
 * and retraining's before/after).
 *
 * What counts as "had predicted": the model's last would-fire prediction of that cue made before the
 * GO and since the department's previous cue went. A prediction made after the GO is not a prediction.
 * Pure: predictions and fires in, in time order; verdicts and scores out.
 */
import { SHADOW_WINDOW_MS } from '../protocol/shadow.js';
import type { ShadowScore } from '../protocol/state.js';
import type { PredictionRef, ShadowVerdict } from './runLog.js';

export { describeShadow, SHADOW_WINDOW_MS } from '../protocol/shadow.js';

/** A prediction as the scorer sees it (audio seconds). */
export interface ShadowPrediction extends PredictionRef {
  readonly dept: string;
  /** When it was made (audio s). */
  readonly atS: number;
}

interface DeptTally {
  gos: number;
  within100ms: number;
  withinBeat: number;
  leadSumMs: number;
  last: ShadowScore['last'];
}

/** Scores operator GOs against the model's predictions, per department. Not thread-safe. */
export class ShadowScorer {
  /** Per department: the latest would-fire prediction of each cue since the department's last cue went. */
  private readonly pending = new Map<string, Map<string, ShadowPrediction>>();
  private readonly tallies = new Map<string, DeptTally>();

  constructor(depts: readonly string[] = []) {
    for (const d of depts) this.tally(d);
  }

  private tally(dept: string): DeptTally {
    let t = this.tallies.get(dept);
    if (t === undefined) {
      t = { gos: 0, within100ms: 0, withinBeat: 0, leadSumMs: 0, last: null };
      this.tallies.set(dept, t);
    }
    return t;
  }

  /** A prediction the model made (every one; only those that would fire count). */
  predicted(p: ShadowPrediction): void {
    if (!p.wouldFire) return;
    let byCue = this.pending.get(p.dept);
    if (byCue === undefined) {
      byCue = new Map();
      this.pending.set(p.dept, byCue);
    }
    byCue.set(p.cue, p);
  }

  /**
   * A cue went in `dept` at `atS` (audio s). A person's GO is scored against what the model had
   * predicted (`beatS`: the beat period then) and its verdict returned; any fire starts the
   * department's next cue afresh.
   */
  fired(dept: string, cue: string, atS: number, human: boolean, beatS: number): ShadowVerdict | undefined {
    const p = this.pending.get(dept)?.get(cue);
    this.pending.delete(dept);
    if (!human) return undefined;
    const leadMs = p === undefined ? null : (atS - p.fireAtS) * 1000;
    const beatMs = beatS * 1000;
    const verdict: ShadowVerdict = {
      cue,
      predicted: p === undefined ? null : { cue: p.cue, fireAtS: p.fireAtS, confidence: p.confidence, wouldFire: true, ...(p.reason !== undefined ? { reason: p.reason } : {}) },
      leadMs,
      within100ms: leadMs !== null && Math.abs(leadMs) <= SHADOW_WINDOW_MS + 1e-6,
      withinBeat: leadMs !== null && Math.abs(leadMs) <= beatMs + 1e-6,
      beatMs,
    };
    const t = this.tally(dept);
    t.gos++;
    if (verdict.within100ms) t.within100ms++;
    if (verdict.withinBeat) {
      t.withinBeat++;
      t.leadSumMs += leadMs!;
    }
    t.last = { cue, leadMs, atMs: atS * 1000 };
    return verdict;
  }

  /** The score of one department. */
  score(dept: string): ShadowScore {
    const t = this.tally(dept);
    return { id: dept, gos: t.gos, within100ms: t.within100ms, withinBeat: t.withinBeat, meanLeadMs: t.withinBeat > 0 ? t.leadSumMs / t.withinBeat : null, last: t.last };
  }

  /** Every department's score. */
  scores(): ShadowScore[] {
    return [...this.tallies.keys()].map((d) => this.score(d));
  }
}
