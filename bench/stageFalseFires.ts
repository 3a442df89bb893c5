/**
 * Why the model fires falsely on the stage takes: every model fire of every stage take (through the
 * live pipeline on the offline clock, as `stage.ts` scores them), matched against the cue truth exactly
 * as the F1 matches; then how the decision's calibrated confidence and its reason split between the
 * fires that matched and the false ones, and each false fire with where the nearest cue of its
 * department was. A diagnostic of the models `bench/stage.ts` trained (in `.tmp/stage-models/<set>`;
 * run that first); it trains nothing.
 *
 *   nice -n 10 npx tsx bench/stageFalseFires.ts [--dev] [--songs 001,rec-frontiers]
 *
 * Use it on the development set (`--dev`). On the held-out set it only describes: nothing read from it
 * may choose a rule or a number (bench/README.md, "Which songs are for what").
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEV_STAGE_SONGS, generateStage } from './dataset/stage.js';
import { breaksOf, type EditMap } from './dataset/stageEdit.js';
import { DEV_STAGE_RECORDINGS, generateRecordingTakes } from './dataset/stageRecordings.js';
import { TAKE_CONDITIONS } from './dataset/stageTruth.js';
import { replayModel } from '../engine/core/model/evaluate.js';
import { FAR_FIRE_S, poolTakes, unmatchedFires, type TimedCue } from '../engine/core/model/metrics.js';
import { modelListening } from '../engine/core/model/types.js';
import { loadModelFolder } from '../engine/io/model/modelFolder.js';
import { replayAllCached } from '../engine/io/model/replayPool.js';
import { readTake } from '../engine/io/takes/take.js';

const { values: opts } = parseArgs({ options: { dev: { type: 'boolean', default: false }, songs: { type: 'string' } } });
const set = opts.dev ? 'dev' : 'held-out';
const dataDir = resolve(opts.dev ? '.tmp/stage-dev' : '.tmp/stage');
const modelsDir = resolve(`.tmp/stage-models/${set}`);
const cache = resolve('.tmp/replay-cache');
const log = (l: string): void => void process.stderr.write(`${l}\n`);
const out = (l: string): void => void process.stdout.write(`${l}\n`);

interface Fire {
  readonly take: string;
  readonly dept: string;
  readonly t: number;
  readonly cue: string;
  readonly confidence: number | undefined;
  readonly reason: string;
  /** Seconds from the nearest cue of the department (negative: early); undefined when matched. */
  readonly fromNearestS: number | undefined;
  readonly isFalse: boolean;
  /** The fire went in a break the band took (the generator's pause before a section start), or just before its silence. */
  readonly atBreak: boolean;
}

/**
 * Seconds before a break's silence that a fire still counts as at the break: the follower places the
 * section start the band then does not play within about this much of the silence's start.
 */
const BREAK_EDGE_S = 0.15;

const made = await generateStage({ out: dataDir, ...(opts.dev ? { songs: DEV_STAGE_SONGS } : {}), log });
made.push(...(await generateRecordingTakes({ out: dataDir, conditions: TAKE_CONDITIONS, cache, log, ...(opts.dev ? { recordings: DEV_STAGE_RECORDINGS } : {}) })));
const songs = opts.songs?.split(',');
const fires: Fire[] = [];
/** Each take's fires and truth, for the pooled F1 (renders and recordings apart). */
const scored: { recording: boolean; fired: readonly TimedCue[]; expected: readonly TimedCue[]; durationS: number }[] = [];
let durationS = 0;
for (const song of [...new Set(made.map((t) => t.song))].filter((s) => songs === undefined || songs.includes(s))) {
  const model = await loadModelFolder(join(modelsDir, song)).catch((err: unknown) => {
    log(`${song}: no model in ${join(modelsDir, song)} (${err instanceof Error ? err.message : String(err)}): run bench/stage.ts${opts.dev ? ' --dev' : ''} first`);
    return undefined;
  });
  if (model === undefined) continue;
  const stage = made.filter((t) => t.song === song && t.kind === 'stage');
  const takes = await Promise.all(stage.map((t) => readTake(join(dataDir, 'takes', t.name))));
  const replays = await replayAllCached(takes.map((s) => ({ audioPath: s.audioPath, settings: modelListening(model.meta) })), cache);
  for (const [i, take] of takes.entries()) {
    const edit = JSON.parse(await readFile(join(dataDir, 'takes', take.name, 'edit.json'), 'utf8')) as Pick<EditMap, 'pieces'>;
    const breaks = breaksOf(edit);
    const { fired, replay } = replayModel(model, { listened: replays[i]! }, { votes: 'model' });
    durationS += replays[i]!.durationS;
    scored.push({ recording: song.startsWith('rec-'), fired, expected: take.cues, durationS: replays[i]!.durationS });
    const decisions = replay.decisions.filter((d) => d.source === 'model' && (d.action === 'go' || d.action === 'goto'));
    const unmatched = new Map(unmatchedFires(fired, take.cues).map((u) => [u.fire, u.fromNearestS]));
    for (const f of fired) {
      // The decision behind a fire: the model's GO of its department nearest in time (playback fires at once).
      const d = decisions.filter((x) => x.dept === f.dept).sort((a, b) => Math.abs(a.t - f.t) - Math.abs(b.t - f.t))[0];
      const isFalse = unmatched.has(f);
      const atBreak = breaks.some(([from, to]) => f.t >= from - BREAK_EDGE_S && f.t <= to);
      fires.push({ take: take.name, dept: f.dept, t: f.t, cue: f.cue, confidence: d?.confidence, reason: d?.reason ?? '', fromNearestS: unmatched.get(f), isFalse, atBreak });
    }
    log(`${take.name}: ${fired.length} fires, ${unmatched.size} false`);
  }
}

const falseOnes = fires.filter((f) => f.isFalse);
out(`${set}: ${fires.length} model fires on ${(durationS / 3600).toFixed(2)} h of stage takes, ${falseOnes.length} false (${((falseOnes.length * 3600) / Math.max(1, durationS)).toFixed(0)} /h)`);
for (const [name, recording] of [['renders', false], ['recordings', true]] as const) {
  const takes = scored.filter((t) => t.recording === recording);
  if (takes.length === 0) continue;
  const m = poolTakes(takes, []).overall;
  out(`  ${name}: ${takes.length} takes, F1 ${m.f1.toFixed(3)}, median |error| ${m.medianAbsErrorMs.toFixed(0)} ms, p90 ${m.p90AbsErrorMs.toFixed(0)} ms, false fires ${m.falseFiresPerHour.toFixed(0)} /h`);
}
const quantiles = (xs: number[]): string => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length === 0 ? '–' : [0, 0.1, 0.25, 0.5].map((q) => s[Math.floor(q * (s.length - 1))]!.toFixed(3)).join(' / ');
};
out(`calibrated confidence, min / p10 / p25 / median: matched ${quantiles(fires.filter((f) => !f.isFalse).map((f) => f.confidence ?? Number.NaN))}; false ${quantiles(falseOnes.map((f) => f.confidence ?? Number.NaN))}`);
/** The reason's kind: its words without the cue, times and figures. */
const kind = (f: Fire): string => (f.reason.startsWith('follower') ? 'follower' : f.reason.replace(/\bcue \S+ /, 'cue ').replace(/,? at [\d.]+ s.*$/, '').trim() || '(no reason)');
const kinds = new Map<string, { ok: number; bad: number }>();
for (const f of fires) {
  const k = kinds.get(kind(f)) ?? { ok: 0, bad: 0 };
  if (f.isFalse) k.bad++;
  else k.ok++;
  kinds.set(kind(f), k);
}
out('by the policy\'s reason (matched / false):');
for (const [k, v] of kinds) out(`  ${String(v.ok).padStart(5)} / ${String(v.bad).padStart(3)}  ${k}`);
const near = falseOnes.filter((f) => f.fromNearestS !== undefined && Math.abs(f.fromNearestS) <= 0.25).length;
const far = falseOnes.filter((f) => f.fromNearestS === undefined || Math.abs(f.fromNearestS) > FAR_FIRE_S).length;
out(`false fires by distance to the nearest cue of their department: ${near} within 250 ms (mistimed), ${falseOnes.length - near - far} within ${FAR_FIRE_S} s, ${far} further (a cue in the wrong place)`);
const farOnes = falseOnes.filter((f) => f.fromNearestS === undefined || Math.abs(f.fromNearestS) > FAR_FIRE_S);
const condition = (f: Fire): string => f.take.replace(/^.*-stage-/, '');
out(
  `of the far ones, ${farOnes.filter((f) => f.atBreak).length} went at a break the band took where the rehearsal played on (from ${BREAK_EDGE_S} s before its silence to the band's return; the section's cues belong on the return): ` +
    TAKE_CONDITIONS.map((c) => ({ c, far: farOnes.filter((f) => condition(f) === c) }))
      .filter(({ far }) => far.length > 0)
      .map(({ c, far }) => `${c} ${far.filter((f) => f.atBreak).length}/${far.length}`)
      .join(', '),
);
for (const f of falseOnes) {
  out(`  ${f.take.padEnd(30)} ${f.dept.padEnd(4)} ${f.t.toFixed(2).padStart(8)} s  cue ${f.cue.padEnd(3)} conf ${f.confidence?.toFixed(3) ?? '–'}  ${f.fromNearestS === undefined ? 'no cue' : `${f.fromNearestS >= 0 ? '+' : ''}${f.fromNearestS.toFixed(3)} s`}  ${f.atBreak ? '[at a break] ' : ''}${f.reason.slice(0, 90)}`);
}
