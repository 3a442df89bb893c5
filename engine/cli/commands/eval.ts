/** `precue eval`: replays a held-out take with every department in auto and scores it beside two baselines. */
import { UsageError } from '../../core/errors.js';
import { alignmentFromEvents, nearestRehearsal, onlineAlignment, refTimesOf, rehearsalTiming, replayModel } from '../../core/model/evaluate.js';
import type { ListenedTake } from '../../core/model/events.js';
import { modelListening } from '../../core/model/types.js';
import { scoreReport, type Metrics, type Report, type TimedCue } from '../../core/model/metrics.js';
import { loadModelFolder, type ModelFolder } from '../../io/model/modelFolder.js';
import { replayAllCached } from '../../io/model/replayPool.js';
import { readTake, type Take } from '../../io/takes/take.js';
import { parseCommandArgs, type Command } from '../command.js';

const help = `Usage: precue eval --model <modelDir> --take <takeDir> [--json]

Replays the take's audio through the real live pipeline (listening, model, arbiter, playback) on the
offline clock, with every department in auto (a prediction at or above the model's fire threshold
fires at its predicted beat, at most once per 250 ms per department, and every cue fired goes back
into the model's cue history), and compares what the arbiter fired with the take's cues.jsonl. Beside the model it runs two baselines on the same take:
  rehearsalTiming   each cue at its mean time in the song's training takes
  onlineAlignment   classical online score following (online DTW, no jumps) of the live features
                    against the song's first rehearsal, carrying its cue times across
and, for reference, the follower the model itself listens to:
  follower+jumps    the same online DTW allowed to jump (so it follows a repeated or skipped section),
                    firing the rehearsal's cues by itself

Scores per department and overall: precision, recall, F1 within ±100 ms (also ±50 and ±250 ms),
median and p90 absolute timing error, early/late split, cue identity accuracy, false fires per hour.

Options:
  --model <dir>   model folder written by 'precue train'
  --take <dir>    a take the model did not train on (repeat to pool several takes)
  --json          print one JSON object { model, baselines: { rehearsalTiming, onlineAlignment },
                  references: { followerWithJumps } }
  --cache <dir>   replay cache shared with 'precue train'

Example:
  precue eval --model shows/demo/model --take shows/demo/takes/show-1 --json
`;

/** The three reports of an evaluation. */
export interface EvalResult {
  readonly model: Report;
  readonly baselines: { readonly rehearsalTiming: Report; readonly onlineAlignment: Report };
  /** Not a baseline: the jump-capable follower the model hears, scored firing cues on its own. */
  readonly references: { readonly followerWithJumps: Report };
}

/** Fires of the model and the two baselines on one replayed take. */
export interface TakeFires {
  readonly take: string;
  readonly durationS: number;
  readonly expected: readonly TimedCue[];
  readonly model: readonly TimedCue[];
  readonly rehearsalTiming: readonly TimedCue[];
  readonly onlineAlignment: readonly TimedCue[];
  readonly followerWithJumps: readonly TimedCue[];
}

/**
 * Runs the model through the live pipeline on the offline clock and both baselines on one take, all
 * from what listening to the take emitted (`replay`, made with the model's listening settings).
 */
export function fireAll(model: ModelFolder, take: Take, replay: ListenedTake): TakeFires {
  const trained = new Set([...model.meta.training.takes, ...model.meta.training.validationTakes]);
  if (trained.has(take.name)) throw new UsageError(`precue eval: take '${take.name}' was used to train this model; evaluate on a held-out take.`);
  const { fired } = replayModel(model, { listened: replay });
  const live = alignmentFromEvents(replay.events);
  const ref = nearestRehearsal(model.meta.rehearsals, model.alignment, live);
  const timing = ref === undefined ? [] : rehearsalTiming(model.meta.rehearsals, ref);
  // The baseline is classical online DTW, which cannot jump; the jump-capable follower is
  // what the model listens to, scored on its own for reference.
  const aligned = ref === undefined ? [] : onlineAlignment(ref, model.alignment, refTimesOf(ref), live, { jumpCost: Number.POSITIVE_INFINITY });
  const jumping = ref === undefined ? [] : onlineAlignment(ref, model.alignment, refTimesOf(ref), live);
  return { take: take.name, durationS: replay.durationS, expected: take.cues, model: fired, rehearsalTiming: timing, onlineAlignment: aligned, followerWithJumps: jumping };
}

/** Pools several takes' fires into the three reports. */
export function report(takes: readonly TakeFires[], depts: readonly string[]): EvalResult {
  const pool = (pick: (t: TakeFires) => readonly TimedCue[]): Report => {
    const fired: TimedCue[] = [];
    const expected: TimedCue[] = [];
    let offset = 0;
    for (const t of takes) {
      for (const c of pick(t)) fired.push({ ...c, t: c.t + offset });
      for (const c of t.expected) expected.push({ ...c, t: c.t + offset });
      offset += t.durationS + 10;
    }
    return scoreReport(fired, expected, depts, takes.reduce((s, t) => s + t.durationS, 0));
  };
  return {
    model: pool((t) => t.model),
    baselines: { rehearsalTiming: pool((t) => t.rehearsalTiming), onlineAlignment: pool((t) => t.onlineAlignment) },
    references: { followerWithJumps: pool((t) => t.followerWithJumps) },
  };
}

const pct = (x: number): string => x.toFixed(3);

function row(name: string, m: Metrics): string {
  return `  ${name.padEnd(17)} ${pct(m.f1)}  ${pct(m.f1At50)}  ${pct(m.f1At250)}  ${pct(m.precision)}  ${pct(m.recall)}  ${m.medianAbsErrorMs.toFixed(0).padStart(5)}  ${m.p90AbsErrorMs.toFixed(0).padStart(5)}  ${String(m.early).padStart(4)}/${String(m.late).padEnd(4)} ${pct(m.cueIdAccuracy)}  ${m.falseFiresPerHour.toFixed(0).padStart(6)}  ${String(m.fired).padStart(5)}/${m.expected}`;
}

/** Formats the reports as a table, per department then overall. */
export function formatTable(r: EvalResult, depts: readonly string[]): string {
  const lines = ['                    F1     F1@50  F1@250 prec   recall  med   p90  early/late  cueId   FF/h  fired/expected'];
  for (const scope of [...depts, 'overall']) {
    lines.push(`${scope}`);
    const pick = (rep: Report): Metrics => (scope === 'overall' ? rep.overall : rep.depts[scope]!);
    lines.push(row('model', pick(r.model)));
    lines.push(row('rehearsalTiming', pick(r.baselines.rehearsalTiming)));
    lines.push(row('onlineAlignment', pick(r.baselines.onlineAlignment)));
    lines.push(row('(follower+jumps)', pick(r.references.followerWithJumps)));
  }
  return lines.join('\n') + '\n';
}

/** The `eval` command. */
export const command: Command = {
  name: ['eval'],
  summary: 'score a model on a held-out take against two baselines',
  help,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs('eval', args, {
      model: { type: 'string' },
      take: { type: 'string', multiple: true },
      json: { type: 'boolean' },
      cache: { type: 'string' },
    });
    const dirs = [...(values.take ?? []), ...positionals];
    if (values.model === undefined) throw new UsageError("precue eval: give the model folder with --model <dir>. See 'precue eval --help'.");
    if (dirs.length === 0) throw new UsageError("precue eval: give a take with --take <dir>. See 'precue eval --help'.");
    const model = await loadModelFolder(values.model);
    const takes = await Promise.all(dirs.map((d) => readTake(d)));
    const replays = await replayAllCached(
      takes.map((t) => ({ audioPath: t.audioPath, performer: t.performer, settings: modelListening(model.meta) })),
      values.cache,
    );
    const fires: TakeFires[] = [];
    for (const [i, t] of takes.entries()) fires.push(fireAll(model, t, replays[i]!));
    const depts = [...new Set([...model.meta.depts, ...takes.flatMap((t) => t.cues.map((c) => c.dept))])];
    const result = report(fires, depts);
    if (values.json === true) ctx.stdout(JSON.stringify(result) + '\n');
    else ctx.stdout(`${takes.length} take(s), ${(fires.reduce((s, f) => s + f.durationS, 0) / 60).toFixed(1)} min; all departments in auto (fire threshold ${model.meta.inference.fireThreshold})\n` + formatTable(result, depts));
    return 0;
  },
};
