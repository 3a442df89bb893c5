/**
 * bench/beats — how well Precue's causal tracker finds beats, downbeats and sections, next to aubio.
 *
 *   npx tsx bench/beats.ts [--songs 24] [--no-aubio] [--json out.json]
 *
 * Sets: (a) the real recordings in ../shared/data/real-beats (annotated beats, downbeats = label 1);
 * (b) POP909 songs rendered with fluidsynth (cached in .tmp/pop909), truth from beat_midi.txt and
 * sections.txt. Beat F-measure: ±70 ms, first 5 s ignored (mir_eval's defaults). aubiotrack runs on
 * the same audio files in the same run. Section hit rate: internal POP909 boundaries found within
 * ±0.5 s (recall), with precision and F.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { analyzeRecording } from '../engine/core/audio/analyze.js';
import { readWavFile } from '../engine/io/audio/wavFile.js';
import { fMeasure, mean, type FScore } from './lib/beatEval.js';
import { pop909Dir, readTruth, renderSong, spreadSongIds } from './lib/pop909.js';

const run = promisify(execFile);
const { values: opts } = parseArgs({
  options: {
    songs: { type: 'string', default: '24' },
    'no-aubio': { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});

interface Item {
  readonly name: string;
  readonly wav: string;
  readonly beats: number[];
  readonly downbeats: number[];
  readonly boundaries?: number[];
}

interface Row {
  readonly name: string;
  readonly precue: FScore;
  readonly aubio?: FScore;
  readonly downbeat: FScore;
  readonly sections?: FScore;
  readonly bpm: number;
  readonly rtf: number;
}

async function aubioBeats(wav: string): Promise<number[]> {
  const { stdout } = await run('aubiotrack', ['-i', wav], { maxBuffer: 1 << 24 });
  return stdout
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((x) => Number.isFinite(x) && x > 0);
}

async function haveAubio(): Promise<boolean> {
  if (opts['no-aubio']) return false;
  try {
    await run('aubiotrack', ['--help']);
    return true;
  } catch (err) {
    // aubiotrack --help exits non-zero on some versions but still exists.
    return (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

async function score(items: Item[], withAubio: boolean): Promise<Row[]> {
  const rows: Row[] = [];
  for (const it of items) {
    const wav = await readWavFile(it.wav);
    const t0 = performance.now();
    const res = await analyzeRecording(wav.samples, wav.sampleRate);
    const rtf = (wav.durationS * 1000) / (performance.now() - t0);
    const beats = res.beats.map((b) => b.t);
    const downs = res.beats.filter((b) => b.isDownbeat).map((b) => b.t);
    const aubio = withAubio ? fMeasure(it.beats, await aubioBeats(it.wav)) : undefined;
    rows.push({
      name: it.name,
      precue: fMeasure(it.beats, beats),
      ...(aubio !== undefined ? { aubio } : {}),
      downbeat: fMeasure(it.downbeats, downs),
      ...(it.boundaries !== undefined
        ? { sections: fMeasure(it.boundaries, res.sections.map((s) => s.t), 0.5, 0) }
        : {}),
      bpm: res.tempoBpm,
      rtf,
    });
  }
  return rows;
}

function table(title: string, rows: Row[]): void {
  const f = (x: number | undefined) => (x === undefined ? '   -  ' : x.toFixed(3).padStart(6));
  console.log(`\n${title}`);
  console.log(`${'track'.padEnd(28)}  precueF  aubioF  downbeatF  sectHit  sectF   bpm  wall×`);
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(28)}  ${f(r.precue.f)}  ${f(r.aubio?.f)}  ${f(r.downbeat.f)}     ${f(r.sections?.recall)} ${f(r.sections?.f)}  ${r.bpm.toFixed(1).padStart(5)}  ${r.rtf.toFixed(0).padStart(4)}×`,
    );
  }
  const secs = rows.filter((r) => r.sections !== undefined);
  console.log(
    `${'MEAN'.padEnd(28)}  ${f(mean(rows.map((r) => r.precue.f)))}  ${rows.every((r) => r.aubio) ? f(mean(rows.map((r) => r.aubio!.f))) : '   -  '}  ${f(mean(rows.map((r) => r.downbeat.f)))}     ${secs.length ? f(mean(secs.map((r) => r.sections!.recall))) : '   -  '} ${secs.length ? f(mean(secs.map((r) => r.sections!.f))) : '   -  '}`,
  );
}

const realDir = join(process.cwd(), '..', 'shared', 'data', 'real-beats');
const withAubio = await haveAubio();
if (!withAubio) console.log('aubiotrack not found (Debian: aubio-tools): aubio column left empty.');

const out: Record<string, Row[]> = {};
if (existsSync(realDir)) {
  const items: Item[] = readdirSync(realDir)
    .filter((f) => f.endsWith('.wav'))
    .sort()
    .map((f) => {
      const rows = readFileSync(join(realDir, f.replace(/\.wav$/, '.beats')), 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.trim().split(/\s+/).map(Number));
      return { name: f.replace(/\.wav$/, ''), wav: join(realDir, f), beats: rows.map((r) => r[0]!), downbeats: rows.filter((r) => r[1] === 1).map((r) => r[0]!) };
    });
  out.real = await score(items, withAubio);
  table('(a) real recordings (../shared/data/real-beats)', out.real);
} else console.log(`skipped (a): ${realDir} not found`);

if (existsSync(pop909Dir)) {
  let fluid = true;
  try {
    await run('fluidsynth', ['--version']);
  } catch {
    fluid = false;
  }
  if (!fluid) console.log('skipped (b): fluidsynth not found (Debian: fluidsynth fluid-soundfont-gm)');
  else {
    const ids = spreadSongIds(Number(opts.songs));
    const items: Item[] = [];
    for (const id of ids) {
      const wav = await renderSong(id, join(process.cwd(), '.tmp', 'pop909'));
      const truth = readTruth(id);
      items.push({ name: `pop909/${id}`, wav, beats: truth.beats, downbeats: truth.downbeats, boundaries: truth.boundaries });
    }
    out.pop909 = await score(items, withAubio);
    table(`(b) POP909, ${ids.length} songs rendered with fluidsynth (FluidR3_GM, 22 050 Hz)`, out.pop909);
  }
} else console.log(`skipped (b): ${pop909Dir} not found`);

if (opts.json !== undefined) writeFileSync(opts.json, JSON.stringify(out, null, 2));
