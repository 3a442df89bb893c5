/**
 * bench/listening — speed and latency of the listening pipeline.
 *
 *   nice -n 10 npx tsx bench/listening.ts [--realtime-seconds 10] [--worker-seconds 120]
 *
 * 1. Real-time factor on one core: the whole analysis (resampling, features with Meyda, onsets,
 *    the learned beat tracker, sections) over the real-beats recordings and a few renders, as audio
 *    seconds per CPU second of this process (process.cpuUsage, so other load on the machine does not
 *    flatter or hurt it); the same with the DSP tracker; and the learned tracker alone (its frames,
 *    beat network, bar-pointer filter and bar network).
 * 2. Latency, in audio time: how long after a click's first sample its onset is emitted, and how long
 *    after a beat's time the beat is emitted, feeding 256-sample blocks (≈11.6 ms at 22.05 kHz).
 * 3. The live worker's step: blocks of 441 samples (one tracker frame, 20 ms) through the analysis
 *    worker thread, the time the worker spends on each (p50, p99, max), without and with two
 *    rehearsal grids as the prior (two score followers over 4-minute rehearsals). Target p99 ≤ 1 ms.
 * 4. End-to-end latency through the worker thread in real time (wall clock): a click track played at
 *    real-time pace into `listenInWorker`; onset arrival on the main thread minus the click's time.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { from, lastValueFrom, toArray } from 'rxjs';
import { analyzeRecording, audioBlocks } from '../engine/core/audio/analyze.js';
import { BEAT_FPS, beatBandCount, beatFramesOf } from '../engine/core/audio/beatFrames.js';
import { FeatureFramer } from '../engine/core/audio/extractFeatures.js';
import { LearnedBeatTracker } from '../engine/core/audio/learnedTracker.js';
import { OnsetPicker } from '../engine/core/audio/detectOnsets.js';
import { resolveListeningSettings } from '../engine/core/audio/listen.js';
import { analyzeGrid } from '../engine/core/audio/offlineGrid.js';
import type { RehearsalReference } from '../engine/core/rehearsal/rehearsalPrior.js';
import type { AudioBlock } from '../engine/core/audio/types.js';
import { listenInWorker } from '../engine/io/audio/workerListen.js';
import { playRecording, readWavFile } from '../engine/io/audio/wavFile.js';
import { rehearsalFromAudio } from '../engine/io/takes/beatGrid.js';
import { beatTimes, clicks } from '../test/core/audio/signals.js';

const { values: opts } = parseArgs({ options: { 'realtime-seconds': { type: 'string', default: '10' }, 'worker-seconds': { type: 'string', default: '120' } } });
const S = resolveListeningSettings({ tracker: 'learned' });
const cpuS = (): number => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};

// 1. Real-time factor.
const files: string[] = [];
const realDir = join(process.cwd(), '..', 'shared', 'data', 'real-beats');
if (existsSync(realDir)) for (const f of readdirSync(realDir).filter((f) => f.endsWith('.wav')).sort()) files.push(join(realDir, f));
const renderDir = join(process.cwd(), '.tmp', 'listener', 'renders');
const renders = existsSync(renderDir) ? readdirSync(renderDir).filter((f) => f.endsWith('.wav')).sort() : [];
for (const f of renders.filter((f) => f.includes('-stage-')).slice(0, 2)) files.push(join(renderDir, f));
console.log('1. Real-time factor on one core (audio seconds per CPU second of this process)');
const totals = { audio: 0, learned: 0, dsp: 0, tracker: 0 };
for (const file of files) {
  const w = await readWavFile(file);
  await analyzeRecording(w.samples.subarray(0, w.sampleRate * 5), w.sampleRate); // warm-up
  let c0 = cpuS();
  await analyzeRecording(w.samples, w.sampleRate, { tracker: 'learned' });
  const learned = cpuS() - c0;
  c0 = cpuS();
  await analyzeRecording(w.samples, w.sampleRate, { tracker: 'dsp' });
  const dsp = cpuS() - c0;
  c0 = cpuS();
  const { bands, count } = beatFramesOf(w.samples, w.sampleRate);
  const alone = new LearnedBeatTracker(S);
  const B = beatBandCount();
  for (let n = 0; n < count; n++) alone.pushBeatFrame({ t: n / BEAT_FPS, bands: bands.subarray(n * B, (n + 1) * B) });
  const tracker = cpuS() - c0;
  totals.audio += w.durationS;
  totals.learned += learned;
  totals.dsp += dsp;
  totals.tracker += tracker;
  console.log(
    `   ${file.split('/').pop()!.padEnd(44)} ${w.durationS.toFixed(1).padStart(6)} s @ ${w.sampleRate} Hz   whole analysis ${(w.durationS / learned).toFixed(0).padStart(4)}× (dsp tracker ${(w.durationS / dsp).toFixed(0)}×)   learned tracker alone ${(w.durationS / tracker).toFixed(0)}×`,
  );
}
if (files.length > 0) {
  console.log(
    `   TOTAL ${totals.audio.toFixed(0)} s audio: whole analysis ${(totals.audio / totals.learned).toFixed(0)}× real time (target ≥ 50×); with the dsp tracker ${(totals.audio / totals.dsp).toFixed(0)}×; learned tracker alone ${(totals.audio / totals.tracker).toFixed(0)}×`,
  );
} else console.log('   no recordings found (../shared/data/real-beats, .tmp/listener/renders): skipped');

// 2. Latency in audio time, 256-sample blocks.
console.log('\n2. Latency in audio time (22.05 kHz, 256-sample blocks)');
const truth = beatTimes(120, 0.5, 30);
const sig = clicks(truth, 30);
const framer = new FeatureFramer(S);
const picker = new OnsetPicker(S);
const tracker = new LearnedBeatTracker(S);
const onsetLat: number[] = [];
const beatLat: number[] = [];
const predLead: number[] = [];
const blocks = await lastValueFrom(audioBlocks(sig, 22050, 256).pipe(toArray()));
for (const b of blocks) {
  const blockEnd = b.t + b.samples.length / b.sampleRate;
  for (const f of framer.pushAll(b)) {
    if (f.kind === 'feature') {
      const o = picker.push(f.frame);
      if (o !== undefined) {
        const click = truth.reduce((best, t) => (Math.abs(t - o.t) < Math.abs(best - o.t) ? t : best), Infinity);
        if (Math.abs(click - o.t) < 0.1) onsetLat.push(blockEnd - click);
      }
      continue;
    }
    const beat = tracker.pushBeatFrame(f.frame).beat;
    if (beat !== undefined && beat.t > 5) {
      beatLat.push(blockEnd - beat.t);
      predLead.push(beat.nextBeatT - blockEnd);
    }
  }
}
const stats = (xs: number[]) => {
  if (xs.length === 0) return 'none';
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => (s[Math.min(s.length - 1, Math.floor(p * s.length))]! * 1000).toFixed(1);
  return `median ${q(0.5)} ms, 95th ${q(0.95)} ms, max ${q(1)} ms (n=${s.length})`;
};
const statsMs = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!.toFixed(3);
  return `p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${q(1)} ms (n=${s.length})`;
};
console.log(`   click → onset emitted:         ${stats(onsetLat)}`);
console.log(`   beat time → beat emitted:      ${stats(beatLat)}`);
console.log(`   next beat predicted ahead by:  ${stats(predLead)}  (cues can be scheduled this far ahead of the beat)`);

// 3. The live worker's step per 20 ms block.
const workerS = Number(opts['worker-seconds']);
if (workerS > 0) {
  console.log(`\n3. The analysis worker's time per 441-sample block (one tracker frame, 20 ms), ${workerS} s of audio`);
  const source = files.find((f) => f.includes('-stage-')) ?? files[0];
  const rehearsalFiles = renders.filter((f) => f.includes('-rehearsal-')).slice(0, 2).map((f) => join(renderDir, f));
  if (source === undefined) console.log('   no recording to play: skipped');
  else {
    const w = await readWavFile(source);
    const n = Math.min(w.samples.length, Math.round(workerS * w.sampleRate));
    const blockSize = Math.round((441 * w.sampleRate) / 22050);
    const blocksOf = (): AudioBlock[] => {
      const out: AudioBlock[] = [];
      for (let i = 0; i < n; i += blockSize) out.push({ t: i / w.sampleRate, sampleRate: w.sampleRate, samples: w.samples.slice(i, Math.min(n, i + blockSize)), ...(i === 0 ? { reset: true } : {}) });
      return out;
    };
    const measure = async (label: string, rehearsals: RehearsalReference[]): Promise<void> => {
      const busy: number[] = [];
      const l = listenInWorker(from(blocksOf()), { tracker: 'learned', ...(rehearsals.length > 0 ? { rehearsals } : {}) }, { onBusy: (ms) => busy.push(ms) });
      await lastValueFrom(l.beats$.pipe(toArray()));
      await l.close();
      // The first 2 s include the worker's warm-up (JIT): leave them out.
      console.log(`   ${label.padEnd(46)} ${statsMs(busy.slice(100))}`);
    };
    await measure('learned tracker', []);
    if (rehearsalFiles.length === 2) {
      const refs: RehearsalReference[] = [];
      for (const f of rehearsalFiles) {
        const r = await readWavFile(f);
        refs.push(rehearsalFromAudio(f.split('/').pop()!, r, analyzeGrid(r.samples, r.sampleRate, S), S));
      }
      await measure(`+ two rehearsal priors (${refs.map((r) => `${(r.times.at(-1)! / 60).toFixed(1)} min`).join(', ')})`, refs);
    } else console.log('   + two rehearsal priors: no rehearsal renders in .tmp/listener/renders (run bench/beats.ts first): skipped');
    console.log(`   (${source.split('/').pop()}; wall time inside the worker on a shared machine: other load inflates the tail)`);
  }
}

// 4. End-to-end through the worker, real time.
const secs = Number(opts['realtime-seconds']);
if (secs > 0) {
  console.log(`\n4. End-to-end latency through the worker thread, ${secs} s of clicks at real-time pace (wall clock)`);
  const rtTruth = beatTimes(120, 0.5, secs);
  const l = listenInWorker(playRecording({ samples: clicks(rtTruth, secs), sampleRate: 22050 }, { pace: 'realtime', blockSize: 256 }));
  const lat: number[] = [];
  const beatArrivals: number[] = [];
  let start = 0;
  // Audio time 0 is taken once the worker has loaded, as the engine does (the source waits for it).
  await l.ready;
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
  console.log('   (clicks after 3 s; the clock starts once the worker is ready, as in the engine)');
  console.log('   (includes waiting for the 256-sample block to fill, the worker hop and the analysis; the machine load adds to it)');
}
