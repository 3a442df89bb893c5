/**
 * Live = offline, proven: the composition `precue run` builds (`startEngine`: the model loaded from its
 * folder, the predictor, arbiter, playback, the feedback loop and the frame loop, DMX and message
 * outputs open) replays a take on a virtual clock, and its decision log equals `precue eval`'s fire
 * list for the same take, cue for cue and millisecond for millisecond — and so does the replay from
 * the take's audio that `replayTake` builds. Three takes cut from the demo take.
 */
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Subject, VirtualAction, VirtualTimeScheduler } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fireAll } from '../../engine/cli/commands/eval.js';
import { takeBlocks } from '../../engine/core/audio/analyze.js';
import { listen } from '../../engine/core/audio/listen.js';
import type { AudioBlock } from '../../engine/core/audio/types.js';
import type { Decision } from '../../engine/core/arbiter/types.js';
import { encodeWav } from '../../engine/core/audio/wav.js';
import { evalShow, replayModel } from '../../engine/core/model/evaluate.js';
import { modelListening } from '../../engine/core/model/types.js';
import { readWavFile } from '../../engine/io/audio/wavFile.js';
import { loadModelFolder, type ModelFolder } from '../../engine/io/model/modelFolder.js';
import { replayAllCached } from '../../engine/io/model/replayPool.js';
import { readTake } from '../../engine/io/takes/take.js';
import { startEngine } from '../../engine/main.js';

const root = resolve(import.meta.dirname, '../..');
const demoTake = join(root, 'shows/demo/takes/demo');
const modelDir = join(root, 'shows/demo/model');

interface Cut {
  readonly name: string;
  readonly fromS: number;
  readonly toS: number;
}

const CUTS: readonly Cut[] = [
  { name: 'whole', fromS: 0, toS: 100 },
  { name: 'opening', fromS: 0, toS: 40 },
  { name: 'from-30s', fromS: 30, toS: 100 },
];

type Fire = readonly [number, string, string];

describe('live = offline (the demo model on three takes cut from the demo take)', () => {
  let dir: string;
  let model: ModelFolder;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'precue-live-offline-'));
    model = await loadModelFolder(modelDir);
    const wav = await readWavFile(join(demoTake, 'audio.wav'));
    const cues = (await readFile(join(demoTake, 'cues.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { t: number; dept: string; cue: string });
    for (const cut of CUTS) {
      const takeDir = join(dir, 'takes', cut.name);
      await mkdir(takeDir, { recursive: true });
      const samples = wav.samples.subarray(Math.round(cut.fromS * wav.sampleRate), Math.round(Math.min(cut.toS, wav.durationS) * wav.sampleRate));
      await writeFile(join(takeDir, 'audio.wav'), encodeWav([samples], wav.sampleRate, 'f32le'));
      const inside = cues.filter((c) => c.t >= cut.fromS && c.t < cut.toS).map((c) => JSON.stringify({ ...c, t: Math.round((c.t - cut.fromS) * 1000) / 1000 }));
      await writeFile(join(takeDir, 'cues.jsonl'), `${inside.join('\n')}\n`);
    }
    // The show `precue run` runs here: the show `precue eval` builds for this model (every department
    // in auto at the model's threshold), with audio and the model folder.
    const show = { ...evalShow(model.meta), audio: { source: { kind: 'file', path: 'takes/whole/audio.wav' } }, model: { path: modelDir } };
    await writeFile(join(dir, 'show.json'), JSON.stringify(show));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** The engine `precue run` starts, on a virtual clock, listening in-process to the take's blocks as they would arrive. */
  async function runEngine(blocks: readonly AudioBlock[]): Promise<Fire[]> {
    const last = blocks[blocks.length - 1]!;
    const endMs = (last.t + last.samples.length / last.sampleRate) * 1000 + 1000;
    const scheduler = new VirtualTimeScheduler(VirtualAction, endMs);
    const blocks$ = new Subject<AudioBlock>();
    const engine = await startEngine(
      { showDir: dir, fixturesDir: join(root, 'fixtures'), console: null, artnetHost: '127.0.0.1' },
      undefined,
      {
        scheduler,
        listen: (settings) => ({ ...listen(blocks$, settings, scheduler), close: async () => blocks$.complete() }),
      },
    );
    const decisions: Decision[] = [];
    const sub = engine.pipeline.decisions$.subscribe((d) => decisions.push(d));
    const step = (i: number): void => {
      const b = blocks[i];
      if (b === undefined) return;
      scheduler.schedule(() => {
        blocks$.next(b);
        step(i + 1);
      }, (b.t + b.samples.length / b.sampleRate) * 1000 - scheduler.now());
    };
    step(0);
    scheduler.flush();
    sub.unsubscribe();
    await engine.stop('hold');
    return decisions.filter((d) => d.source === 'model' && d.action === 'go').map((d) => [Math.round(d.t * 1000), String(d.dept), String(d.cue)] as const);
  }

  for (const cut of CUTS) {
    it(`${cut.name}: the engine's decision log equals precue eval's fire list and the audio replay's`, async () => {
      const takeDir = join(dir, 'takes', cut.name);
      const take = await readTake(takeDir);
      const [listened] = await replayAllCached([{ audioPath: take.audioPath, settings: modelListening(model.meta) }], undefined, { threads: 1 });
      const evalFires = fireAll(model, take, listened!).model.map((f) => [Math.round(f.t * 1000), f.dept, f.cue] as const);
      const wav = await readWavFile(take.audioPath);
      const blocks = takeBlocks(wav.samples, wav.sampleRate);
      const audioFires = replayModel(model, { blocks }).fired.map((f) => [Math.round(f.t * 1000), f.dept, f.cue] as const);
      const engineFires = await runEngine(blocks);
      expect(evalFires.length).toBeGreaterThan(3);
      expect(audioFires).toEqual(evalFires);
      expect(engineFires).toEqual(evalFires);
    }, 240_000);
  }
});
