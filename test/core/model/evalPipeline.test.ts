/**
 * `eval` replays a take through the real live pipeline: the model's fires are the arbiter's decisions,
 * so a department in manual never fires and a cue already live is never fired again.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AudioBlock } from '../../../engine/core/audio/types.js';
import { evalShow, replayModel } from '../../../engine/core/model/evaluate.js';
import { takeBlocks } from '../../../engine/core/audio/analyze.js';
import { readWavFile } from '../../../engine/io/audio/wavFile.js';
import { loadModelFolder, type ModelFolder } from '../../../engine/io/model/modelFolder.js';

const modelDir = resolve('shows/demo/model');
const audio = resolve('shows/demo/takes/demo/audio.wav');
const present = existsSync(join(modelDir, 'precue-model.json')) && existsSync(audio);

describe.skipIf(!present)('eval through the live pipeline (demo model, first 25 s of the demo take)', () => {
  let model: ModelFolder;
  let blocks: AudioBlock[];

  beforeAll(async () => {
    model = await loadModelFolder(modelDir);
    const wav = await readWavFile(audio);
    blocks = takeBlocks(wav.samples.subarray(0, Math.round(25 * wav.sampleRate)), wav.sampleRate);
  });

  it('builds a show with one auto department per model department, at the model’s fire threshold', () => {
    const show = evalShow(model.meta);
    expect(show.departments.map((d) => d.id)).toEqual(model.meta.depts);
    for (const d of show.departments) {
      expect(d.mode).toBe('auto');
      expect(d.confidenceThreshold).toBeCloseTo(Math.min(1, model.meta.policy.numbers.fireThreshold), 9);
      expect(d.minGoIntervalMs).toBe(250);
      expect(d.cues.map((c) => c.number)).toEqual(model.meta.vocab[d.id]);
    }
    expect(show.fixtures).toEqual([]);
  });

  it('scores what playback fired on the arbiter’s model decisions', () => {
    const { fired, replay } = replayModel(model, { blocks });
    expect(fired.length).toBeGreaterThan(0);
    const decided = replay.decisions.filter((d) => d.source === 'model').map((d) => ({ t: d.t, dept: String(d.dept), cue: String(d.cue) }));
    expect(fired).toEqual(decided);
    for (const f of fired) expect(model.meta.vocab[f.dept]).toContain(f.cue);
    // The arbiter never fires the cue that is already live in a department.
    const live = new Map<string, string>();
    for (const f of fired) {
      expect(live.get(f.dept)).not.toBe(f.cue);
      live.set(f.dept, f.cue);
    }
  }, 30000);

  it('never counts a model fire in a department the show holds in manual', () => {
    const auto = replayModel(model, { blocks }).fired;
    const dept = auto[0]!.dept;
    const manual = replayModel(model, { blocks }, { show: evalShow(model.meta, { [dept]: 'manual' }) });
    expect(auto.some((f) => f.dept === dept)).toBe(true);
    expect(manual.fired.filter((f) => f.dept === dept)).toEqual([]);
    expect(manual.replay.predictions.some((p) => p.dept === dept && p.confidence >= model.meta.policy.numbers.fireThreshold)).toBe(true);
  }, 30000);
});
