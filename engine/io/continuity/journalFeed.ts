/**
 * What goes into the journal, from the running show: every cue playback puts live (fires from any
 * source, BACK to the top, restores), each department's mode and PANIC from the arbiter, and the
 * outputs' PANIC, grand master and blackout from the safety layer. Only changes are written.
 */
import { Subscription, type Observable } from 'rxjs';
import type { ArbiterState } from '../../core/arbiter/arbiter.js';
import type { JournalDept, JournalRecord } from '../../core/continuity/journal.js';
import type { PlaybackEvent } from '../../core/playback/deptPlayback.js';
import type { DeptMode } from '../../core/protocol/state.js';
import type { SafetyState } from '../../core/universe/safety.js';

/** Where entries go (a `JournalFile`). */
export interface JournalSink {
  append(record: JournalRecord): void;
}

/** What the journal listens to. */
export interface JournalSources {
  readonly events$: Observable<PlaybackEvent>;
  readonly arbiter$: Observable<ArbiterState>;
  readonly safety$: Observable<SafetyState>;
  /**
   * False while the arbiter's modes are not the show's own (a hot standby keeps every department in
   * `manual` while it follows): modes are not journaled then.
   */
  readonly modesAreOwn: () => boolean;
}

/** The whole state as one checkpoint entry. */
export function checkpointRecord(depts: readonly JournalDept[], safety: SafetyState): JournalRecord {
  return { kind: 'checkpoint', depts: [...depts], panic: safety.panic || safety.allOff, grandMaster: safety.grandMaster, blackout: safety.blackout };
}

/** Journals the show's changes until unsubscribed. */
export function journalShow(sink: JournalSink, sources: JournalSources): Subscription {
  const sub = new Subscription();
  sub.add(
    sources.events$.subscribe((e) => {
      switch (e.kind) {
        case 'fire':
          sink.append({ kind: 'fire', dept: e.dept, cue: e.cue, by: e.source });
          return;
        case 'home':
          sink.append({ kind: 'home', dept: e.dept });
          return;
        case 'restore':
          sink.append(e.cue === null ? { kind: 'home', dept: e.dept } : { kind: 'fire', dept: e.dept, cue: e.cue, by: 'restore' });
          return;
        default:
          return;
      }
    }),
  );
  const modes = new Map<string, DeptMode>();
  const panicked = new Map<string, boolean>();
  let first = true;
  sub.add(
    sources.arbiter$.subscribe((s) => {
      for (const d of s.depts) {
        // The first state is where the show starts (or what a resume already wrote): only changes after it.
        if (sources.modesAreOwn() && modes.get(d.dept) !== d.mode) {
          if (!first) sink.append({ kind: 'mode', dept: d.dept, mode: d.mode });
          modes.set(d.dept, d.mode);
        }
        if ((panicked.get(d.dept) ?? false) !== d.panicked) {
          if (!first) sink.append({ kind: 'panic', dept: d.dept, on: d.panicked });
          panicked.set(d.dept, d.panicked);
        }
      }
      first = false;
    }),
  );
  let safety: SafetyState | undefined;
  sub.add(
    sources.safety$.subscribe((s) => {
      const before = safety;
      safety = s;
      if (before === undefined) return;
      if ((before.panic || before.allOff) !== (s.panic || s.allOff)) sink.append({ kind: 'panic', on: s.panic || s.allOff });
      if (before.grandMaster !== s.grandMaster || before.blackout !== s.blackout) sink.append({ kind: 'master', grandMaster: s.grandMaster, blackout: s.blackout });
    }),
  );
  return sub;
}
