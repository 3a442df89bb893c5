/**
 * Timecode triggers: cues with a `timecode` fire when incoming MTC runs forward across that position.
 * A locate (a jump, or running backwards) re-synchronises without firing the cues it skipped, as a
 * timecode-chasing console does.
 */
import { type Observable, type OperatorFunction, mergeMap, from, EMPTY } from 'rxjs';
import { type ControlEvent } from '../control.js';
import { cueId, deptId } from '../ids.js';
import { type ShowFile } from '../show/schema.js';
import { parseTimecode, timecodeToSeconds, type TimecodeRate } from '../midi/timecode.js';
import { type MtcChaseEvent } from '../midi/mtc.js';
import { createLogger } from '../log.js';

/** A forward step larger than this is a locate, not playback. */
export const MAX_TIMECODE_STEP_S = 1;

interface TimedCue {
  readonly seconds: number;
  readonly event: ControlEvent;
}

/** The cues of a show that carry a timecode, as seconds, in time order. Bad timecodes are logged and skipped. */
export function timecodeCues(show: Pick<ShowFile, 'departments' | 'inputs'>, rate?: TimecodeRate): readonly TimedCue[] {
  const log = createLogger('core/arbiter');
  const fps: TimecodeRate = rate ?? show.inputs.timecode?.fps ?? 30;
  const out: TimedCue[] = [];
  for (const d of show.departments) {
    for (const c of d.cues) {
      if (c.timecode === undefined) continue;
      try {
        const seconds = timecodeToSeconds(parseTimecode(c.timecode, fps));
        out.push({ seconds, event: { command: { type: 'cueStart', dept: deptId(d.id), cue: cueId(c.number) }, origin: 'timecode', from: 'mtc' } });
      } catch (err) {
        log.warn(`${d.id} cue ${c.number}: timecode ${c.timecode} skipped: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
  return out.sort((a, b) => a.seconds - b.seconds);
}

/** MTC chase events → the cue starts they trigger (origin `timecode`). */
export function timecodeTriggers(show: Pick<ShowFile, 'departments' | 'inputs'>, rate?: TimecodeRate): OperatorFunction<MtcChaseEvent, ControlEvent> {
  const cues = timecodeCues(show, rate);
  return (events$: Observable<MtcChaseEvent>) => {
    let prev: number | null = null;
    return events$.pipe(
      mergeMap((e) => {
        if (e.kind === 'stopped') {
          prev = null;
          return EMPTY;
        }
        const cur = e.seconds;
        const last = prev;
        prev = cur;
        if (!e.running || last === null || cur <= last || cur - last > MAX_TIMECODE_STEP_S) return EMPTY;
        const due = cues.filter((c) => c.seconds > last && c.seconds <= cur).map((c) => c.event);
        return due.length === 0 ? EMPTY : from(due);
      }),
    );
  };
}
