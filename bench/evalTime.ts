/**
 * How long `precue eval` takes on a 10-minute take (issue 16: "finishes in ≤ 1 minute here and shows
 * progress"). Builds each take by laying the stage takes of one song end to end (`plain`, `rubato`,
 * `jumps`, … in `TAKE_CONDITIONS` order) and cutting at `--minutes`, with the cue truth shifted and
 * cut the same way, then runs the real command (`node bin/precue.js eval`, cold: it listens to the
 * take, no replay cache) against that song's stage model, and prints its wall time, the share of real
 * time, the progress lines it printed and its peak memory (from /proc while it runs).
 *
 * Needs the stage set and its models (`bench/stage.ts` makes them in .tmp/stage and
 * .tmp/stage-models/held-out); skips with a line where they are absent. No peer exists for this, so
 * the figure is absolute, against the minute.
 *
 *   npx tsx bench/evalTime.ts [--songs 021,rec-machine_wars] [--minutes 10]
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { encodeWav } from '../engine/core/audio/wav.js';
import { readWavFile } from '../engine/io/audio/wavFile.js';
import type { TakeCue } from '../engine/core/model/types.js';
import { formatCues, readTake } from '../engine/io/takes/take.js';
import { TAKE_CONDITIONS } from './dataset/stageTruth.js';
import { loadLine, rssMb } from './lib/procStats.js';
import { precueArgs } from './lib/processes.js';

const ROOT = resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { songs: { type: 'string', default: '021,rec-machine_wars' }, minutes: { type: 'string', default: '10' } } });
const minutes = Number(values.minutes);
if (!(minutes > 0)) throw new Error('--minutes must be a positive number');
const takesDir = join(ROOT, '.tmp/stage/takes');
const modelsDir = join(ROOT, '.tmp/stage-models/held-out');

/** Lays the song's stage takes end to end up to `minutes`; returns the take folder. */
async function longTake(song: string): Promise<{ dir: string; parts: string[] }> {
  const limitS = minutes * 60;
  const parts: string[] = [];
  const chunks: Float32Array[] = [];
  const cues: TakeCue[] = [];
  let rate = 0;
  let atS = 0;
  for (const condition of TAKE_CONDITIONS) {
    if (atS >= limitS) break;
    const dir = join(takesDir, `${song}-stage-${condition}`);
    if (!existsSync(dir)) continue;
    const take = await readTake(dir);
    const wav = await readWavFile(take.audioPath);
    if (rate === 0) rate = wav.sampleRate;
    if (wav.sampleRate !== rate) throw new Error(`${dir}: ${wav.sampleRate} Hz, the take so far is ${rate} Hz`);
    const keep = Math.min(wav.samples.length, Math.round((limitS - atS) * rate));
    chunks.push(wav.samples.subarray(0, keep));
    for (const c of take.cues) if (c.t < keep / rate) cues.push({ t: Math.round((c.t + atS) * 1000) / 1000, dept: c.dept, cue: c.cue });
    parts.push(condition);
    atS += keep / rate;
  }
  if (atS < limitS - 1) throw new Error(`${song}: its stage takes make only ${(atS / 60).toFixed(1)} min`);
  const samples = new Float32Array(chunks.reduce((s, c) => s + c.length, 0));
  let k = 0;
  for (const c of chunks) {
    samples.set(c, k);
    k += c.length;
  }
  const out = join(ROOT, '.tmp/eval-time', `${song}-${minutes}min`);
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'audio.wav'), encodeWav([samples], rate));
  await writeFile(join(out, 'cues.jsonl'), formatCues(cues));
  return { dir: out, parts };
}

/** Runs `precue eval`; wall seconds, peak RSS, its last progress line and its summary line. */
function timeEval(model: string, take: string): Promise<{ wallS: number; peakMb: number; progress: string[]; overall: string }> {
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(process.execPath, precueArgs(['eval', '--model', model, '--take', take]), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peakMb = 0;
    const sample = setInterval(() => {
      const mb = child.pid === undefined ? Number.NaN : rssMb(child.pid);
      if (Number.isFinite(mb)) peakMb = Math.max(peakMb, mb);
    }, 200);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('exit', (code) => {
      clearInterval(sample);
      const wallS = (performance.now() - started) / 1000;
      if (code !== 0) return fail(new Error(`precue eval exited ${code}: ${stderr.trim().split('\n').at(-1)}`));
      const progress = stderr.split(/[\r\n]/).map((l) => l.trim()).filter((l) => l.startsWith('precue eval:'));
      const overall = stdout.split('\n').find((l) => l.startsWith('overall:')) ?? '';
      done({ wallS, peakMb, progress, overall });
    });
  });
}

async function main(): Promise<void> {
  const songs = values.songs.split(',');
  const missing = songs.filter((s) => !existsSync(join(modelsDir, s, 'precue-model.json')) || !existsSync(join(takesDir, `${s}-stage-plain`)));
  if (missing.length > 0) {
    process.stdout.write(`skipped: no stage takes or model for ${missing.join(', ')} in .tmp/stage and .tmp/stage-models/held-out (make them with: nice -n 10 npx tsx bench/stage.ts)\n`);
    return;
  }
  process.stdout.write(`precue eval on ${minutes}-minute takes (held-out stage set), cold (listens to the take); load: ${loadLine()}\n`);
  for (const song of songs) {
    const { dir, parts } = await longTake(song);
    const r = await timeEval(join(modelsDir, song), dir);
    process.stdout.write(
      `${song} (${parts.join('+')}, cut at ${minutes} min): ${r.wallS.toFixed(1)} s wall, ${((r.wallS / (minutes * 60)) * 100).toFixed(1)}% of real time, peak ${r.peakMb.toFixed(0)} MB; goal ≤ 60 s: ${r.wallS <= 60 ? 'met' : 'NOT met'}\n` +
        `  progress lines: ${r.progress.length} (last: "${r.progress.at(-1) ?? ''}")\n`,
    );
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/evalTime: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
