/**
 * Resuming a show from its journal's `ResumePoint`: each department back at its last fired cue (its
 * tracked look and effects at once, no cue fired again: `Playback.restore`), its mode, PANIC where it
 * was in force (outputs at their safe state from the first frame), the grand master and blackout.
 *
 * A department or cue the show no longer has (the show was edited between runs) is left where it
 * starts and reported. Pure: works on the pipeline and the arbiter's inputs, on the scheduler's time.
 */
import type { ConsoleInput } from '../arbiter/arbiter.js';
import type { ControlEvent } from '../control.js';
import { compareCueNumbers, deptId } from '../ids.js';
import type { ShowPipeline } from '../pipeline.js';
import type { ResumeDept, ResumePoint } from './journal.js';

/** Where the commands a resume gives go (the pipeline's console and control inputs). */
export interface ResumeInputs {
  readonly console: { next(input: ConsoleInput): void };
  readonly controls: { next(event: ControlEvent): void };
}

/** What a resume did, for the banner, the log and the console. */
export interface ResumeOutcome {
  /** Departments put back, as they were put. */
  readonly depts: readonly ResumeDept[];
  /** What could not be resumed, one sentence each. */
  readonly problems: readonly string[];
  readonly panic: boolean;
}

/** Who the resume's commands are from, in the decision log. */
export const RESUME_USER = 'journal (restart)';

/** Puts the pipeline where the journal left the show. Call before the first frame goes out. */
export function resumeShow(point: ResumePoint, pipeline: ShowPipeline, inputs: ResumeInputs, nowMs: number): ResumeOutcome {
  const problems: string[] = [];
  const resumed: ResumeDept[] = [];
  const show = pipeline.show;
  for (const d of point.depts) {
    const dept = show.departments.find((x) => x.id === d.dept);
    if (dept === undefined) {
      problems.push(`department ${d.dept} is no longer in the show`);
      continue;
    }
    if (d.cue !== null && !dept.cues.some((c) => compareCueNumbers(c.number, d.cue!) === 0)) {
      problems.push(`${d.dept} cue ${d.cue} is no longer in the show; ${d.dept} starts at the top`);
      continue;
    }
    pipeline.playback.restore(d.dept, d.cue);
    if (d.mode !== undefined && d.mode !== dept.mode) inputs.console.next({ command: { type: 'set-mode', dept: d.dept, mode: d.mode }, user: RESUME_USER });
    if (d.panicked && !point.panic) {
      // Dark at once in that department (its look restored above must never show), then its PANIC state.
      pipeline.playback.apply({ t: nowMs / 1000, dept: deptId(d.dept), action: 'panic', source: 'system', fadeMs: 0 });
      inputs.console.next({ command: { type: 'panic', dept: d.dept }, user: RESUME_USER });
    }
    resumed.push(d);
  }
  if (point.grandMaster !== undefined) pipeline.safety.handle({ type: 'grandMaster', level: point.grandMaster }, nowMs, RESUME_USER);
  if (point.blackout !== undefined && point.blackout) pipeline.safety.handle({ type: 'blackout', on: true }, nowMs, RESUME_USER);
  // PANIC was in force: the outputs are at their safe state from the first frame, until an operator GOes.
  if (point.panic) inputs.controls.next({ command: { type: 'panic', fadeMs: 0 }, origin: 'console', from: RESUME_USER });
  return { depts: resumed, problems, panic: point.panic };
}
