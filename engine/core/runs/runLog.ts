/**
 * The run log: what a live show leaves behind in `takes/<run>/decisions.jsonl`, one JSON object per
 * line, append-only. A `start` line says what ran (show, model, modes, where audio time 0 is on the
 * engine clock); then, as they happen, every `decision` (who or what asked for what, why, where the
 * music was, the prediction standing in that department and shadow mode's verdict on a person's GO),
 * every `fire` (a cue playback really fired, by whom), every `prediction` the model settled on (one
 * line per predicted cue, when its moment came or it was withdrawn), every `mode` change; an `end`
 * line on a clean stop. The report, retraining and usage all read it back through `parseRunLog`.
 *
 * Times: `tMs` is the engine clock, `audioS` / `…S` fields are seconds of the run's audio (the time
 * base of its `audio.wav` and of a take's `cues.jsonl`).
 */
import { z } from 'zod';
import type { FileProblem } from '../errors.js';
import { LINE_JSON_BOUNDS, parseBoundedJson } from '../json/bounded.js';

/** The log format this build writes; a newer one is read as far as it is understood. */
export const RUN_LOG_VERSION = 1;

/** Who can fire: the decision sources, and `follow` for a cue that went by itself (auto-follow/continue). */
export const FIRE_SOURCES = ['operator', 'keyboard', 'osc', 'midi', 'msc', 'timecode', 'model', 'system', 'follow'] as const;
/** Who or what fired a cue. */
export type FireSource = (typeof FIRE_SOURCES)[number];

/** Sources that are a person (at the console or the keyboard, or the OSC/MIDI/MSC controllers people drive). */
export const HUMAN_SOURCES: ReadonlySet<string> = new Set(['operator', 'keyboard', 'osc', 'midi', 'msc']);

const finite = z.number().refine(Number.isFinite, 'a finite number');
const modeSchema = z.enum(['manual', 'assist', 'auto']);
const deptSchema = z.string().min(1).max(32);
const cueSchema = z.string().min(1).max(32);

/** Where the music was: the beat tracker's bar, beat in bar (1-based, with its fraction) and tempo. */
export const musicPositionSchema = z.object({ bar: z.number().int().nonnegative(), beat: finite, beatsPerBar: z.number().int().positive(), bpm: finite });
/** Where the music was when something happened. */
export type MusicPosition = z.infer<typeof musicPositionSchema>;

/** A prediction as the log names it (audio seconds). */
export const predictionRefSchema = z.object({
  cue: cueSchema,
  fireAtS: finite,
  confidence: finite,
  /** At or above the department's and the policy's thresholds: the model would have fired it. */
  wouldFire: z.boolean(),
  reason: z.string().max(500).optional(),
});
/** A prediction as the log names it. */
export type PredictionRef = z.infer<typeof predictionRefSchema>;

/** Shadow mode's verdict on one person's GO: had the model predicted it, and how far ahead. */
export const shadowVerdictSchema = z.object({
  cue: cueSchema,
  /** The model's last would-fire prediction of this cue before the GO (since the department's previous cue), or null. */
  predicted: predictionRefSchema.nullable(),
  /** Operator time − predicted time, ms (positive: the model was ahead); null when not predicted. */
  leadMs: finite.nullable(),
  within100ms: z.boolean(),
  withinBeat: z.boolean(),
  /** The beat the window used, ms. */
  beatMs: finite,
});
/** Shadow mode's verdict on one person's GO. */
export type ShadowVerdict = z.infer<typeof shadowVerdictSchema>;

const deptStart = z.object({ id: deptSchema, mode: modeSchema, confidenceThreshold: finite });

/** The first line: what ran. */
export const startLineSchema = z.object({
  kind: z.literal('start'),
  v: z.number().int().positive(),
  run: z.string().max(200),
  show: z.string().max(200),
  /** The show folder, as the engine resolved it. */
  showDir: z.string().max(2000),
  /** Wall-clock start, ISO 8601. */
  startedAt: z.string().max(40),
  engineVersion: z.string().max(40),
  /** Engine ms of audio time 0. */
  audioOffsetMs: finite,
  audio: z.object({ kept: z.boolean() }),
  /** Written by `precue record`: a take recorded on purpose, whose audio retention leaves alone. */
  recording: z.boolean().optional(),
  model: z
    .object({
      path: z.string().max(2000),
      createdBy: z.string().max(200),
      policyVersion: z.number().int(),
      fireThreshold: finite,
      /** The rehearsal the score follower tracks. */
      follows: z.string().max(200).optional(),
      depts: z.array(z.object({ id: deptSchema, useNetwork: z.boolean(), why: z.string().max(500) })),
    })
    .nullable(),
  depts: z.array(deptStart),
});
/** The first line of a run log. */
export type StartLine = z.infer<typeof startLineSchema>;

/** A decision the arbiter carried out. */
export const decisionLineSchema = z.object({
  kind: z.literal('decision'),
  tMs: finite,
  audioS: finite,
  dept: deptSchema.nullable(),
  action: z.enum(['go', 'back', 'goto', 'load', 'stop', 'hold', 'resume', 'panic']),
  cue: cueSchema.optional(),
  source: z.enum(FIRE_SOURCES),
  user: z.string().max(200).optional(),
  confidence: finite.optional(),
  reason: z.string().max(500).optional(),
  fadeMs: finite.optional(),
  /** The department's mode when it was decided. */
  mode: modeSchema.optional(),
  music: musicPositionSchema.optional(),
  /** The department's prediction standing when it was decided (what a person followed or overrode). */
  standing: predictionRefSchema.optional(),
  /** On a person's GO or GOTO: had the model predicted it. */
  shadow: shadowVerdictSchema.optional(),
});
/** A decision line. */
export type DecisionLine = z.infer<typeof decisionLineSchema>;

/** A cue playback fired. */
export const fireLineSchema = z.object({
  kind: z.literal('fire'),
  tMs: finite,
  audioS: finite,
  dept: deptSchema,
  cue: cueSchema,
  source: z.enum(FIRE_SOURCES),
  /** How it went: a GO, a GOTO, BACK to it, an auto-follow or auto-continue. */
  how: z.enum(['go', 'goto', 'back', 'follow', 'continue']),
  music: musicPositionSchema.optional(),
});
/** A fire line. */
export type FireLine = z.infer<typeof fireLineSchema>;

/** What became of a predicted cue. */
export const PREDICTION_OUTCOMES = ['fired', 'preempted', 'due', 'withdrawn'] as const;

/**
 * One predicted cue, settled: the model's last word on it. `fired`: the model fired it; `preempted`:
 * a person (or timecode, a follow) fired that cue; `due`: its moment came and passed with nothing
 * firing it (manual, assist, or the gate held it back); `withdrawn`: the model moved on to another cue
 * before its moment.
 */
export const predictionLineSchema = z.object({
  kind: z.literal('prediction'),
  dept: deptSchema,
  cue: cueSchema,
  fireAtS: finite,
  confidence: finite,
  wouldFire: z.boolean(),
  reason: z.string().max(500).optional(),
  /** When the model first predicted this cue (audio s). */
  firstAtS: finite,
  /** When it was settled (audio s). */
  closedAtS: finite,
  outcome: z.enum(PREDICTION_OUTCOMES),
  /** For fired and preempted: who fired it, and when. */
  by: z.enum(FIRE_SOURCES).optional(),
  firedAtS: finite.optional(),
});
/** A prediction line. */
export type PredictionLine = z.infer<typeof predictionLineSchema>;

/** A department's automation mode changed. */
export const modeLineSchema = z.object({ kind: z.literal('mode'), tMs: finite, audioS: finite, dept: deptSchema, mode: modeSchema });
/** A mode line. */
export type ModeLine = z.infer<typeof modeLineSchema>;

/** A downbeat the beat tracker heard: the run's bar grid (beats between are at `bpm`). */
export const barLineSchema = z.object({ kind: z.literal('bar'), audioS: finite, bar: z.number().int().nonnegative(), bpm: finite, beatsPerBar: z.number().int().positive() });
/** A bar line. */
export type BarLine = z.infer<typeof barLineSchema>;

/** A clean stop. */
export const endLineSchema = z.object({ kind: z.literal('end'), tMs: finite, audioS: finite });
/** An end line. */
export type EndLine = z.infer<typeof endLineSchema>;

/** Any line of a run log. */
export const runLogLineSchema = z.discriminatedUnion('kind', [startLineSchema, decisionLineSchema, fireLineSchema, predictionLineSchema, modeLineSchema, barLineSchema, endLineSchema]);
/** Any line of a run log. */
export type RunLogLine = z.infer<typeof runLogLineSchema>;

/** A run log read back. */
export interface RunLog {
  readonly start: StartLine;
  readonly decisions: readonly DecisionLine[];
  readonly fires: readonly FireLine[];
  readonly predictions: readonly PredictionLine[];
  readonly modes: readonly ModeLine[];
  readonly bars: readonly BarLine[];
  /** The clean stop, or undefined when the engine was killed (the log ends where it was cut). */
  readonly end: EndLine | undefined;
  /** Audio seconds from the start to the last line. */
  readonly lastAudioS: number;
  /** Lines left out (a line the engine was writing when it was killed, one of a newer format). */
  readonly skipped: readonly FileProblem[];
}

/**
 * Reads a run log's text. The first line must be a `start` line (else a problem is returned and no
 * log); a last line cut short by a kill is left out and named in `skipped`, as is any line this build
 * does not understand, so a log always reads as far as it is whole.
 */
export function parseRunLog(text: string, file: string): { log: RunLog | undefined; problems: FileProblem[] } {
  const rows = text.split('\n');
  const skipped: FileProblem[] = [];
  const lines: RunLogLine[] = [];
  const lastRow = rows.length - 1;
  for (let i = 0; i < rows.length; i++) {
    const raw = rows[i]!.trim();
    if (raw === '') continue;
    const at = { file, path: '', line: i + 1, column: 1 };
    const parsed = parseBoundedJson(raw, LINE_JSON_BOUNDS);
    if (!parsed.ok) {
      // Only the last line can be cut short by a kill; anything else is damage worth naming.
      skipped.push({ ...at, message: i >= lastRow - 1 && !text.endsWith('\n') ? 'was cut short (the engine stopped while writing it)' : `is not valid JSON (${parsed.error})`, expected: 'one JSON object per line' });
      continue;
    }
    const line = runLogLineSchema.safeParse(parsed.value);
    if (!line.success) {
      const issue = line.error.issues[0];
      skipped.push({ ...at, path: issue?.path.map(String).join('.') ?? '', message: `is not a run log line this build reads (${issue?.message ?? 'invalid'})`, expected: 'a start, decision, fire, prediction, mode, bar or end line' });
      continue;
    }
    if (lines.length === 0 && line.data.kind !== 'start') return { log: undefined, problems: [{ ...at, message: `starts with a '${line.data.kind}' line`, expected: 'a run log whose first line is its start line' }] };
    if (lines.length > 0 && line.data.kind === 'start') {
      skipped.push({ ...at, message: 'is a second start line', expected: 'one run per log' });
      continue;
    }
    lines.push(line.data);
  }
  const log = collectRunLog(lines, skipped);
  if (log === undefined) return { log: undefined, problems: [{ file, path: '', message: 'holds no start line', expected: 'a run log written by precue run' }] };
  return { log, problems: [] };
}

/** A run log from its lines in order (the first a start line; undefined when there is none). */
export function collectRunLog(lines: readonly RunLogLine[], skipped: readonly FileProblem[] = []): RunLog | undefined {
  const first = lines[0];
  if (first === undefined || first.kind !== 'start') return undefined;
  const decisions: DecisionLine[] = [];
  const fires: FireLine[] = [];
  const predictions: PredictionLine[] = [];
  const modes: ModeLine[] = [];
  const bars: BarLine[] = [];
  let end: EndLine | undefined;
  let lastAudioS = 0;
  for (const l of lines.slice(1)) {
    switch (l.kind) {
      case 'start':
        break;
      case 'decision':
        decisions.push(l);
        lastAudioS = Math.max(lastAudioS, l.audioS);
        break;
      case 'fire':
        fires.push(l);
        lastAudioS = Math.max(lastAudioS, l.audioS);
        break;
      case 'prediction':
        predictions.push(l);
        lastAudioS = Math.max(lastAudioS, l.closedAtS);
        break;
      case 'mode':
        modes.push(l);
        lastAudioS = Math.max(lastAudioS, l.audioS);
        break;
      case 'bar':
        bars.push(l);
        lastAudioS = Math.max(lastAudioS, l.audioS);
        break;
      case 'end':
        end = l;
        lastAudioS = Math.max(lastAudioS, l.audioS);
        break;
    }
  }
  return { start: first, decisions, fires, predictions, modes, bars, end, lastAudioS, skipped };
}

/** A department's mode at an audio time, from the start line and the mode lines. */
export function modeAt(log: Pick<RunLog, 'start' | 'modes'>, dept: string, audioS: number): 'manual' | 'assist' | 'auto' | undefined {
  let mode = log.start.depts.find((d) => d.id === dept)?.mode;
  for (const m of log.modes) {
    if (m.dept === dept && m.audioS <= audioS) mode = m.mode;
  }
  return mode;
}
