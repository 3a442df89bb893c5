/**
 * Shadow mode's score as people read it: the one sentence the console shows per department and the
 * report repeats. Its window is defined here, once, for the engine, the report and the page.
 */
import type { ShadowScore } from './state.js';

/** A GO counts as predicted when the model's moment for that cue was within this many ms of it. */
export const SHADOW_WINDOW_MS = 100;

/** One line for a department's score: "7 of 9 GOs predicted within ±100 ms (8 within a beat), mean lead +35 ms". */
export function describeShadow(s: Pick<ShadowScore, 'gos' | 'within100ms' | 'withinBeat' | 'meanLeadMs'>): string {
  if (s.gos === 0) return 'no operator GOs yet';
  const lead = s.meanLeadMs === null ? '' : `, mean lead ${s.meanLeadMs >= 0 ? '+' : '−'}${Math.abs(s.meanLeadMs).toFixed(0)} ms`;
  return `${s.within100ms} of ${s.gos} GO${s.gos === 1 ? '' : 's'} predicted within ±${SHADOW_WINDOW_MS} ms (${s.withinBeat} within a beat)${lead}`;
}
