/**
 * bench/listening — speed and latency of the listening pipeline.
 *
 *   npx tsx bench/listening.ts [--realtime-seconds 10]
 *
 * 1. Real-time factor on one core: the whole analysis (resampling, features with Meyda, onsets,
 *    tempo, beats, bars, sections) over the real-beats recordings and a few POP909 renders, as audio
 *    seconds per CPU second of this process (process.cpuUsage, so other load on the machine does not
 *    flatter or hurt it), and per wall second.
 * 2. Latency, in audio time: how long after a click's first sample its onset is emitted, and how long
 *    after a beat's time the beat is emitted, feeding 256-sample blocks (≈11.6 ms at 22.05 kHz).
 * 3. End-to-end latency through the worker thread in real time (wall clock): a click track played at
 *    real-time pace into `listenInWorker`; onset arrival on the main thread minus the click's time.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { lastValueFrom, toArray } from 'rxjs';
import { analyzeRecording, audioBlocks } from '../engine/core/audio/analyze.js';
import { FeatureFramer } from '../engine/core/audio/extractFeatures.js';
import { BeatTracker } from '../engine/core/audio/beatTracker.js';
import { OnsetPicker } from '../engine/core/audio/detectOnsets.js';
import { resolveListeningSettings } from '../engine/core/audio/listen.js';
import { listenInWorker } from '../engine/io/audio/workerListen.js';
import { playRecording, readWavFile } from '../engine/io/audio/wavFile.js';
import { beatTimes, clicks } from '../test/core/audio/signals.js';

const { values: opts } = parseArgs({ options: { 'realtime-seconds': { type: 'string', default: '10' } } });
const S = resolveListeningSettings();

// 1. Real-time factor.
const files: string[] = [];
const realDir = join(process.cwd(), '..', 'shared', 'data', 'real-beats');
if (existsSync(realDir)) for (const f of readdirSync(realDir).filter((f) => f.endsWith('.wav')).sort()) files.push(join(realDir, f));
const popDir = join(process.cwd(), '.tmp', 'pop909');
if (existsSync(popDir)) for (const f of readdirSync(popDir).filter((f) => /^\d+\.wav$/.test(f)).sort().slice(0, 3)) files.push(join(popDir, f));
console.log('1. Real-time factor of the whole analysis (one thread)');
let audioS = 0;
let cpuS = 0;
let wallS = 0;
for (const file of files) {
  const w = await readWavFile(file);
  await analyzeRecording(w.samples.subarray(0, w.sampleRate * 5), w.sampleRate); // warm-up
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await analyzeRecording(w.samples, w.sampleRate);
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1e6;
  audioS += w.durationS;
  cpuS += cpu;
  wallS += wall;
  console.log(`   ${file.split('/').pop()!.padEnd(30)} ${w.durationS.toFixed(1).padStart(6)} s audio @ ${w.sampleRate} Hz   ${(w.durationS / cpu).toFixed(0).padStart(4)}× per CPU s   ${(w.durationS / wall).toFixed(0).padStart(4)}× per wall s`);
}
if (files.length > 0) console.log(`   TOTAL ${audioS.toFixed(0)} s audio: ${(audioS / cpuS).toFixed(0)}× real time per CPU second, ${(audioS / wallS).toFixed(0)}× per wall second (target ≥ 50×)`);
else console.log('   no recordings found (../shared/data/real-beats, .tmp/pop909): skipped');

// 2. Latency in audio time, 256-sample blocks.
console.log('\n2. Latency in audio time (22.05 kHz, 256-sample blocks)');
const truth = beatTimes(120, 0.5, 30);
const sig = clicks(truth, 30);
const framer = new FeatureFramer(S);
const picker = new OnsetPicker(S);
const tracker = new BeatTracker(S);
const onsetLat: number[] = [];
const beatLat: number[] = [];
const predLead: number[] = [];
const blocks = await lastValueFrom(audioBlocks(sig, 22050, 256).pipe(toArray()));
for (const b of blocks) {
  const blockEnd = b.t + b.samples.length / b.sampleRate;
  for (const f of framer.push(b)) {
    const o = picker.push(f);
    if (o !== undefined) {
      const click = truth.reduce((best, t) => (Math.abs(t - o.t) < Math.abs(best - o.t) ? t : best), Infinity);
      if (Math.abs(click - o.t) < 0.1) onsetLat.push(blockEnd - click);
    }
    const beat = tracker.push(f);
    if (beat !== undefined && beat.t > 5) {
      beatLat.push(blockEnd - beat.t);
      predLead.push(beat.nextBeatT - blockEnd);
    }
  }
}
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => (s[Math.min(s.length - 1, Math.floor(p * s.length))]! * 1000).toFixed(1);
  return `median ${q(0.5)} ms, 95th ${q(0.95)} ms, max ${q(1)} ms (n=${s.length})`;
};
console.log(`   click → onset emitted:         ${stats(onsetLat)}`);
console.log(`   beat time → beat emitted:      ${stats(beatLat)}`);
console.log(`   next beat predicted ahead by:  ${stats(predLead)}  (cues can be scheduled this far ahead of the beat)`);

// 3. End-to-end through the worker, real time.
const secs = Number(opts['realtime-seconds']);
if (secs > 0) {
  console.log(`\n3. End-to-end latency through the worker thread, ${secs} s of clicks at real-time pace (wall clock)`);
  const rtTruth = beatTimes(120, 0.5, secs);
  const l = listenInWorker(playRecording({ samples: clicks(rtTruth, secs), sampleRate: 22050 }, { pace: 'realtime', blockSize: 256 }));
  const lat: number[] = [];
  const beatArrivals: number[] = [];
  let start = 0;
  l.beats$.subscribe((b) => {
    if (b.t > 5) beatArrivals.push((performance.now() - start) / 1000 - b.t);
  });
  await new Promise<void>((resolve, reject) => {
    l.onsets$.subscribe({
      next: (o) => {
        const click = rtTruth.reduce((best, t) => (Math.abs(t - o.t) < Math.abs(best - o.t) ? t : best), Infinity);
        if (Math.abs(click - o.t) < 0.1 && click > 3) lat.push((performance.now() - start) / 1000 - click);
      },
      error: reject,
      complete: resolve,
    });
    // The source is subscribed (and the clock starts) on the next microtask.
    start = performance.now();
  });
  await l.close();
  console.log(`   click → onset on main thread:  ${stats(lat)}`);
  console.log(`   beat time → beat on main thread: ${stats(beatArrivals)}`);
  console.log('   (clicks after 3 s: the worker needs ~1-2 s to load its TypeScript; blocks queue meanwhile)');
  console.log('   (includes waiting for the 256-sample block to fill, the worker hop and the analysis; the machine load adds to it)');
}
