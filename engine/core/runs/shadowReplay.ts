/**
 * Shadow mode offline: a take replayed through the live pipeline on the offline clock with the model
 * listening and every department in `manual`, while a scripted operator fires the take's own cues at
 * their times (a GOTO of each, as a person at the desk would). The run journal watches it exactly as
 * it watches a live run, so the log it returns is the one a live shadow-mode run of that take would
 * have written: what the model predicted, what the operator fired, and shadow mode's verdict on each
 * GO. `precue report` on a take without a decision log and retraining's before/after both use it.
 * Pure: audio (or its listening) in, a run log out.
 */
import type { VirtualTimeScheduler } from 'rxjs';
import { deptId } from '../ids.js';
import { evalShow, type TakeSource } from '../model/evaluate.js';
import { modelPredictor, type LoadedModel } from '../model/predictor.js';
import type { TakeCue } from '../model/types.js';
import { modelListening } from '../model/types.js';
import { offlineScheduler, replayTake } from '../offline.js';
import type { AutomationMode } from '../show/schema.js';
import { RunJournal } from './journal.js';
import { collectRunLog, type RunLog, type RunLogLine } from './runLog.js';

/** What to replay in shadow mode. */
export interface ShadowReplayOptions {
  /** The take's name (the start line's `run`). */
  readonly name: string;
  /** The operator's GOs: the take's cues (seconds of its audio). */
  readonly operator: readonly TakeCue[];
  /** Audio seconds the take lasts (the replay runs one second past it). */
  readonly durationS?: number;
  /** A department's mode (default `manual`: the model predicts, the operator fires). */
  readonly modes?: Readonly<Record<string, AutomationMode>>;
}

/** Replays a take in shadow mode and returns the run log the journal wrote. */
export function replayShadow(model: LoadedModel, source: TakeSource, options: ShadowReplayOptions, scheduler: VirtualTimeScheduler = offlineScheduler()): RunLog {
  const lines: RunLogLine[] = [];
  const meta = model.meta;
  const modes = Object.fromEntries(meta.depts.map((d) => [d, options.modes?.[d] ?? 'manual']));
  const show = evalShow(meta, modes);
  const startMs = scheduler.now();
  const known = new Set(meta.depts);
  const commands = options.operator
    .filter((c) => known.has(c.dept))
    .map((c) => ({ atMs: c.t * 1000, command: { type: 'goto' as const, dept: c.dept, cue: c.cue }, user: 'operator' }));
  let journal: RunJournal | undefined;
  replayTake(
    {
      show,
      profiles: new Map(),
      ...source,
      listening: modelListening(meta),
      predict: modelPredictor(model, { audioOffsetMs: startMs }, scheduler),
      policy: meta.policy.numbers,
      modelDepts: meta.depts.map((d) => deptId(d)),
      commands,
      ...(options.durationS !== undefined ? { durationMs: options.durationS * 1000 + 1000 } : {}),
      onPipeline: (pipeline, audioOffsetMs, listening) => {
        journal = new RunJournal(
          pipeline,
          {
            header: {
              run: options.name, show: show.name, showDir: '', startedAt: new Date(0).toISOString(), engineVersion: meta.createdBy, audio: { kept: true },
              model: {
                path: '', createdBy: meta.createdBy, policyVersion: meta.policy.version, fireThreshold: meta.policy.numbers.fireThreshold,
                ...(meta.features.follow !== undefined ? { follows: meta.features.follow.reference } : {}),
                depts: Object.entries(meta.policy.depts).map(([id, d]) => ({ id, useNetwork: d.useNetwork, why: d.why.slice(0, 500) })),
              },
            },
            audioOffsetMs,
            policy: meta.policy.numbers,
            beats$: listening.beats$,
            write: (l) => lines.push(l),
          },
          scheduler,
        );
      },
      onFrame: () => undefined,
    },
    scheduler,
  );
  journal?.end();
  journal?.dispose();
  const log = collectRunLog(lines);
  if (log === undefined) throw new Error('shadow replay: the journal wrote no start line');
  return log;
}
