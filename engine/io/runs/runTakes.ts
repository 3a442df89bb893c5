/**
 * Runs as training takes (`precue train --runs`): a run that kept its audio is a take whose cues are
 * the run's labels (`runLabels`: what went, the operator's corrections winning). A run without audio
 * cannot teach the model (it learns from sound): said plainly, naming the show setting.
 */
import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { runLabels } from '../../core/runs/report.js';
import type { Take } from '../takes/take.js';
import { AUDIO_FILE, readRunLog } from './runFolder.js';

/** Reads a run folder as a take. */
export async function readRunAsTake(dir: string): Promise<Take & { readonly operatorGos: number }> {
  const log = await readRunLog(dir);
  const audioPath = join(resolve(dir), AUDIO_FILE);
  if (!(await stat(audioPath).then((s) => s.isFile() && s.size > 44, () => false))) {
    throw new UsageError(`precue train: run ${basename(resolve(dir))} has no audio (${log.start.audio.kept ? 'it was purged' : "the show's runs.keepAudio was off"}): the model learns from sound, so it cannot learn from this run`);
  }
  const cues = runLabels(log).map((c) => ({ t: Math.round(c.t * 1000) / 1000, dept: c.dept, cue: c.cue, by: c.by }));
  const operatorGos = log.decisions.filter((d) => d.shadow !== undefined).length;
  return { name: basename(resolve(dir)), dir: resolve(dir), audioPath, cues, performer: [], operatorGos };
}
