/**
 * What the console shows of each department, in the console protocol's own types: the stack from
 * playback (current/standby/next, held, fade progress), the automation side from the arbiter (mode,
 * threshold, armed prediction with its fire time, lockout), the cue list from the show.
 */
import { combineLatest, map, type Observable } from 'rxjs';
import { type ShowFile } from '../show/schema.js';
import { type CueSummary, type Decision as LogEntry, type DeptState } from '../protocol/state.js';
import { compareCueNumbers } from '../ids.js';
import { type PlaybackState } from '../playback/playback.js';
import { type ArbiterState } from '../arbiter/arbiter.js';
import { type Decision, type DecisionSource } from '../arbiter/types.js';

/** The protocol's source names for ours (`msc` and `keyboard` fold into `midi` and `operator`). */
function protocolSource(s: DecisionSource): LogEntry['source'] {
  switch (s) {
    case 'msc':
      return 'midi';
    case 'keyboard':
      return 'operator';
    default:
      return s;
  }
}

/** One decision as a console log entry. */
export function toLogEntry(d: Decision): LogEntry {
  return {
    atMs: d.t * 1000,
    dept: d.dept,
    action: d.action === 'stop' ? 'hold' : d.action,
    cue: d.cue ?? null,
    source: protocolSource(d.source),
    who: d.user ?? null,
    confidence: d.confidence ?? null,
    ...(d.action === 'stop' ? { note: 'stop' } : {}),
  };
}

/** Cue lists per department in stack order, for the console. */
export function cueSummaries(show: Pick<ShowFile, 'departments'>): Map<string, CueSummary[]> {
  return new Map(
    show.departments.map((d) => [
      d.id,
      [...d.cues]
        .sort((a, b) => compareCueNumbers(a.number, b.number))
        .map((c) => ({ number: c.number, ...(c.name !== undefined ? { name: c.name } : {}), fadeUpMs: c.fadeUpMs })),
    ]),
  );
}

/** Merges one moment's playback and arbiter state into the protocol's department states. */
export function deptStates(show: Pick<ShowFile, 'departments'>, playback: PlaybackState, arbiter: ArbiterState, cues = cueSummaries(show)): DeptState[] {
  return show.departments.map((d) => {
    const stack = playback.depts.find((s) => s.dept === d.id);
    const arb = arbiter.depts.find((s) => s.dept === d.id);
    const p = arb?.prediction ?? null;
    return {
      id: d.id,
      label: d.label ?? d.id,
      mode: arb?.mode ?? d.mode,
      confidenceThreshold: arb?.confidenceThreshold ?? d.confidenceThreshold,
      cues: cues.get(d.id) ?? [],
      current: stack?.current ?? null,
      standby: stack?.standby ?? null,
      next: stack?.next ?? null,
      held: stack?.held ?? false,
      panicked: arb?.panicked ?? false,
      fadeProgress: stack?.fadeProgress ?? null,
      lockoutUntilMs: arb?.lockoutUntilMs ?? null,
      prediction: p === null ? null : { cue: p.cue, confidence: p.confidence, fireAtMs: p.fireAtMs, armed: p.armed, source: 'model', ...(p.lost !== undefined ? { lost: p.lost.slice(0, 300) } : {}), ...(p.awaiting !== undefined ? { awaiting: p.awaiting.slice(0, 300) } : {}), ...(p.open !== undefined ? { open: p.open.slice(0, 300) } : {}) },
    };
  });
}

/** The console's department states, re-emitted whenever playback or the arbiter changes. */
export function consoleDeptStates(
  show: Pick<ShowFile, 'departments'>,
  playback$: Observable<PlaybackState>,
  arbiter$: Observable<ArbiterState>,
): Observable<DeptState[]> {
  const cues = cueSummaries(show);
  return combineLatest([playback$, arbiter$]).pipe(map(([p, a]) => deptStates(show, p, a, cues)));
}
