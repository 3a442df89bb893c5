/**
 * What a show's cue model knows of the show it runs in. A model learns departments and cue numbers
 * from rehearsal takes; a show edited since (a department added, cues added or removed) still runs:
 * a department the model never saw runs by hand (or on timecode and follows) until the model is
 * retrained, a cue it never saw is never predicted, and a predicted cue the show no longer has is
 * dropped by the arbiter. The start banner says which, so nobody waits for a prediction that cannot come.
 */
import { compareCueNumbers } from '../ids.js';
import type { ShowFile } from '../show/schema.js';
import type { ModelMeta } from './types.js';

/** Lines for the start banner on what the model does not cover (none when it covers the show exactly). */
export function describeModelCoverage(meta: Pick<ModelMeta, 'depts' | 'vocab'>, show: Pick<ShowFile, 'departments'>): string[] {
  const lines: string[] = [];
  const retrain = "retrain with 'precue train' on takes that include them";
  for (const d of show.departments) {
    const vocab = meta.vocab[d.id];
    if (!meta.depts.includes(d.id) || vocab === undefined) {
      lines.push(`model: ${d.id} is not in the model (trained on ${meta.depts.join(', ')}): ${d.id} runs by hand until the model is retrained`);
      continue;
    }
    const unknown = d.cues.filter((c) => !vocab.some((v) => compareCueNumbers(v, c.number) === 0)).map((c) => c.number);
    if (unknown.length > 0) lines.push(`model: ${d.id} cue${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')} not in the model: it never predicts ${unknown.length === 1 ? 'it' : 'them'} (${retrain})`);
    const gone = vocab.filter((v) => !d.cues.some((c) => compareCueNumbers(v, c.number) === 0));
    if (gone.length > 0) lines.push(`model: ${d.id} cue${gone.length === 1 ? '' : 's'} ${gone.join(', ')} of the model ${gone.length === 1 ? 'is' : 'are'} no longer in the show: ${gone.length === 1 ? 'its' : 'their'} predictions are dropped`);
  }
  const gone = meta.depts.filter((id) => !show.departments.some((d) => d.id === id));
  if (gone.length > 0) lines.push(`model: department${gone.length === 1 ? '' : 's'} ${gone.join(', ')} of the model ${gone.length === 1 ? 'is' : 'are'} not in the show: ignored`);
  return lines;
}
