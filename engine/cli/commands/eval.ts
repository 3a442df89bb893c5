/** `precue eval`: replays held-out takes with every department in auto and scores the model beside its ablations and two baselines. */
import { UsageError } from '../../core/errors.js';
import { alignmentFromEvents, nearestRehearsal, onlineAlignment, refTimesOf, rehearsalTiming, replayModel } from '../../core/model/evaluate.js';
import { AlignerTape } from '../../core/model/alignment.js';
import type { ListenedTake } from '../../core/model/events.js';
import type { PolicyVotes } from '../../core/policy/cuePolicy.js';
import { modelListening } from '../../core/model/types.js';
import { openEntriesOf } from '../../core/model/openEntries.js';
import { scoreReport, type Metrics, type Report, type TimedCue } from '../../core/model/metrics.js';
import { loadModelFolder, type ModelFolder } from '../../io/model/modelFolder.js';
import { replayAllCached } from '../../io/model/replayPool.js';
import { readTake, type Take } from '../../io/takes/take.js';
import { parseCommandArgs, type Command } from '../command.js';
import { EXIT } from '../exitCodes.js';

const help = `Usage: precue eval --model <modelDir> --take <takeDir>... [--json]

Replays each take through the real live pipeline (listening, the model and its cue policy, the
arbiter, playback, the frame loop) on the offline clock with every department in auto, and compares
what playback fired with the take's cues.jsonl. Beside the model, in the same run:
  followerOnly      the same policy with the network's outputs replaced by the score follower's
                    expectation (what the model adds over the follower it listens to)
  networkOnly       the same policy ignoring the follower's evidence (the network still hears the
                    inputs it was trained with)
  rehearsalTiming   each cue at its mean time in the song's training takes
  onlineAlignment   classical online score following (online DTW, no jumps) of the live features
                    against the song's first rehearsal, carrying its cue times across
and, for reference, the follower allowed to jump, firing the rehearsal's cues by itself
(follower+jumps). Where the model does not beat followerOnly in a department, the output says so.

Scores per department and overall: precision, recall, F1 within ±100 ms (also ±50 and ±250 ms),
median and p90 absolute timing error, early/late split, cue identity accuracy, false fires per hour.

Options:
  --model <dir>   model folder written by 'precue train'
  --take <dir>    a take the model did not train on (repeat to pool several takes)
  --json          print one JSON object: { model, followerOnly, networkOnly, rehearsalTiming,
                  onlineAlignment, references: { followerWithJumps }, verdicts, policy }
  --cache <dir>   replay cache shared with 'precue train'

Example:
  precue eval --model shows/demo/model --take shows/demo/takes/demo
`;

/** What an evaluation reports: the model, its two ablations, the two baselines, a reference. */
export interface EvalResult {
  readonly model: Report;
  readonly followerOnly: Report;
  readonly networkOnly: Report;
  readonly rehearsalTiming: Report;
  readonly onlineAlignment: Report;
  /** Not a baseline: the jump-capable follower the model hears, scored firing cues on its own. */
  readonly references: { readonly followerWithJumps: Report };
}

/** The fire lists an evaluation scores. */
export const EVAL_SCORES = ['model', 'followerOnly', 'networkOnly', 'rehearsalTiming', 'onlineAlignment', 'followerWithJumps'] as const;
type Scored = (typeof EVAL_SCORES)[number];

/** Fires of the model, its ablations and the baselines on one replayed take. */
export type TakeFires = { readonly take: string; readonly durationS: number; readonly expected: readonly TimedCue[] } & Record<Scored, readonly TimedCue[]>;

/**
 * Runs the model and its ablations through the live pipeline on the offline clock, and the baselines,
 * on one take, all from what listening to the take emitted (`replay`, made with the model's listening
 * settings).
 */
export function fireAll(model: ModelFolder, take: Take, replay: ListenedTake, onScored?: (name: Scored) => void): TakeFires {
  const trained = new Set([...model.meta.training.takes, ...model.meta.training.validationTakes]);
  if (trained.has(take.name)) throw new UsageError(`precue eval: take '${take.name}' was used to train this model; evaluate on a held-out take.`);
  // The three follow the take the same way: the alignment is computed once and read back.
  const followTape = new AlignerTape();
  const scored = <T>(name: Scored, fires: T): T => {
    onScored?.(name);
    return fires;
  };
  const fired = (votes: PolicyVotes): TimedCue[] => scored(votes, replayModel(model, { listened: replay }, { votes, followTape }).fired);
  const live = alignmentFromEvents(replay.events);
  const ref = nearestRehearsal(model.meta.rehearsals, model.alignment, live);
  const timing = scored('rehearsalTiming', ref === undefined ? [] : rehearsalTiming(model.meta.rehearsals, ref));
  // The baseline is classical online DTW, which cannot jump; the jump-capable follower is what the
  // model listens to, scored on its own for reference.
  const aligned = scored('onlineAlignment', ref === undefined ? [] : onlineAlignment(ref, model.alignment, refTimesOf(ref), live, { jumpCost: Number.POSITIVE_INFINITY }));
  const jumping = scored('followerWithJumps', ref === undefined ? [] : onlineAlignment(ref, model.alignment, refTimesOf(ref), live));
  return {
    take: take.name, durationS: replay.durationS, expected: take.cues,
    model: fired('model'), followerOnly: fired('followerOnly'), networkOnly: fired('networkOnly'),
    rehearsalTiming: timing, onlineAlignment: aligned, followerWithJumps: jumping,
  };
}

/** One fire list of several takes laid end to end (10 s apart, so no fire matches another take's cue), with their cues and total length. */
export function poolFires(takes: readonly TakeFires[], pick: Scored): { fired: TimedCue[]; expected: TimedCue[]; durationS: number } {
  const fired: TimedCue[] = [];
  const expected: TimedCue[] = [];
  let offset = 0;
  for (const t of takes) {
    for (const c of t[pick]) fired.push({ ...c, t: c.t + offset });
    for (const c of t.expected) expected.push({ ...c, t: c.t + offset });
    offset += t.durationS + 10;
  }
  return { fired, expected, durationS: takes.reduce((s, t) => s + t.durationS, 0) };
}

/** Pools several takes' fires into the reports. */
export function report(takes: readonly TakeFires[], depts: readonly string[]): EvalResult {
  const pool = (pick: Scored): Report => {
    const { fired, expected, durationS } = poolFires(takes, pick);
    return scoreReport(fired, expected, depts, durationS);
  };
  return {
    model: pool('model'),
    followerOnly: pool('followerOnly'),
    networkOnly: pool('networkOnly'),
    rehearsalTiming: pool('rehearsalTiming'),
    onlineAlignment: pool('onlineAlignment'),
    references: { followerWithJumps: pool('followerWithJumps') },
  };
}

/**
 * Plainly, per department and overall: does the model beat the follower alone on these takes, and
 * does it run on the follower alone there (training's choice, with its reason)?
 */
export function verdicts(r: EvalResult, depts: readonly string[], policy: ModelFolder['meta']['policy']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const scope of [...depts, 'overall']) {
    const m = scope === 'overall' ? r.model.overall : r.model.depts[scope];
    const f = scope === 'overall' ? r.followerOnly.overall : r.followerOnly.depts[scope];
    if (m === undefined || f === undefined) continue;
    const chosen = policy.depts[scope];
    const runs = chosen !== undefined && !chosen.useNetwork ? ` It runs on the follower alone (training: ${chosen.why}).` : '';
    out[scope] =
      m.f1 > f.f1 + 1e-9
        ? `the model beats the follower alone: F1 ${m.f1.toFixed(3)} vs ${f.f1.toFixed(3)}.${runs}`
        : m.f1 < f.f1 - 1e-9
          ? `the model does NOT beat the follower alone here: F1 ${m.f1.toFixed(3)} vs ${f.f1.toFixed(3)}.${runs}`
          : `the model equals the follower alone: F1 ${m.f1.toFixed(3)}.${runs}`;
  }
  return out;
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
    lines.push(row('followerOnly', pick(r.followerOnly)));
    lines.push(row('networkOnly', pick(r.networkOnly)));
    lines.push(row('rehearsalTiming', pick(r.rehearsalTiming)));
    lines.push(row('onlineAlignment', pick(r.onlineAlignment)));
    lines.push(row('(follower+jumps)', pick(r.references.followerWithJumps)));
  }
  return lines.join('\n') + '\n';
}

/** The `eval` command. */
export const command: Command = {
  name: ['eval'],
  summary: 'score a model on held-out takes against its ablations and two baselines',
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
    const started = performance.now();
    const elapsed = (): string => `${((performance.now() - started) / 1000).toFixed(0)} s`;
    let listened = 0;
    const replays = await replayAllCached(
      takes.map((t) => ({ audioPath: t.audioPath, performer: t.performer, settings: modelListening(model.meta) })),
      values.cache,
      { onDone: () => ctx.stderr(`\rprecue eval: listened to ${++listened}/${takes.length} take(s)  ${elapsed()}${listened === takes.length ? '\n' : ''}`) },
    );
    const fires: TakeFires[] = [];
    for (const [i, t] of takes.entries()) {
      // Progress within a take too: a long take's six scorings take a while each.
      const done: string[] = [];
      const clear = process.stderr.isTTY ? '\x1b[K' : '';
      fires.push(
        fireAll(model, t, replays[i]!, (name) => {
          done.push(name);
          ctx.stderr(`\rprecue eval: take ${i + 1}/${takes.length}, scored ${done.length}/${EVAL_SCORES.length} (${name})  ${elapsed()}${clear}`);
        }),
      );
      ctx.stderr(`\rprecue eval: replayed ${i + 1}/${takes.length} take(s) through the pipeline (model, followerOnly, networkOnly) and the baselines  ${elapsed()}${clear}${i + 1 === takes.length ? '\n' : ''}`);
    }
    const depts = [...new Set([...model.meta.depts, ...takes.flatMap((t) => t.cues.map((c) => c.dept))])];
    const result = report(fires, depts);
    const said = verdicts(result, depts, model.meta.policy);
    const policy = Object.fromEntries(Object.entries(model.meta.policy.depts).map(([d, p]) => [d, { useNetwork: p.useNetwork, why: p.why }]));
    const open = openEntriesOf(model.meta);
    if (values.json === true) ctx.stdout(JSON.stringify({ ...result, verdicts: said, policy, openEntries: open }) + '\n');
    else {
      ctx.stdout(`${takes.length} take(s), ${(fires.reduce((s, f) => s + f.durationS, 0) / 60).toFixed(1)} min; all departments in auto (cue policy ${model.meta.policy.version}, fire threshold ${model.meta.policy.numbers.fireThreshold})\n` + formatTable(result, depts));
      for (const [scope, v] of Object.entries(said)) ctx.stdout(`${scope}: ${v}\n`);
      // Scored as misses in auto: a person GOes them.
      if (open.length > 0) ctx.stdout(`open entries, left to a person's GO (misses in auto): ${open.join(', ')} (times in ${model.meta.features.follow?.reference ?? 'the followed rehearsal'})\n`);
    }
    return EXIT.ok;
  },
};
