/**
 * Open entries: cues whose moment the band decides on the night. A band that vamps until the singer
 * comes in plays the figure as many times as it takes, in rehearsal as on stage; its rehearsals then
 * agree on every cue but the one after the vamp, which comes a whole figure (or two) later in one
 * than in the other. Nothing in the audio says before that moment whether the band goes on or plays
 * the figure again, so the follower's moment for such a cue is a guess, and a wrong guess is a look
 * going in the wrong place. The policy leaves these cues to a person (`CuePolicy`): armed, counted
 * down, GOne by the operator on the entry.
 *
 * Read from the cue logs alone, so it holds for any rehearsal, however its cues were given: a cue is
 * open when the time from the previous cue moment to it differs between two rehearsals of the song by
 * more than the policy's `openEntryMinS` and more than `openEntryShare` of that time, after the
 * rehearsals' tempo difference is taken out. A cue an operator gave late in one rehearsal is open too:
 * the rehearsals disagree on it, and a person confirms it.
 */
import type { PolicyNumbers } from '../policy/numbers.js';
import type { TimedCue } from './metrics.js';

/** The policy's numbers the rule reads (see `PolicyNumbers`). */
export type OpenEntryNumbers = Pick<PolicyNumbers, 'openEntryMinS' | 'openEntryShare'>;

/** Cues this close in time are one cue moment. */
const SAME_MOMENT_S = 0.05;

/** Rehearsals that carry the same cue list (the same song), `ref` among them. */
export function sameSong<R extends { readonly cues: readonly TimedCue[] }>(rehearsals: readonly R[], ref: R): R[] {
  const key = (r: R): string => r.cues.map((c) => `${c.dept}:${c.cue}`).join(',');
  return rehearsals.filter((r) => key(r) === key(ref));
}

/** Per cue (in `cues` order), seconds since the latest cue moment before it (undefined for the first moment). */
function sincePrevious(cues: readonly TimedCue[]): (number | undefined)[] {
  const times = [...new Set(cues.map((c) => c.t))].sort((a, b) => a - b);
  return cues.map((c) => {
    let prev: number | undefined;
    for (const t of times) {
      if (t >= c.t - SAME_MOMENT_S) break;
      prev = t;
    }
    return prev === undefined ? undefined : c.t - prev;
  });
}

/** Each cue's occurrence key: department, cue and how many times that cue of that department came before. */
function occurrences(cues: readonly TimedCue[]): string[] {
  const seen = new Map<string, number>();
  return cues.map((c) => {
    const k = `${c.dept}\u0000${c.cue}`;
    const n = seen.get(k) ?? 0;
    seen.set(k, n + 1);
    return `${k}\u0000${n}`;
  });
}

/**
 * Which of `reference`'s cues are open entries (a flag per cue, in `reference.cues` order), judged
 * against the other rehearsals of the same song (`others`; the reference itself is skipped). Cues
 * are paired by department, cue and occurrence; a cue without a partner is judged on the others.
 */
export function openCues(reference: { readonly cues: readonly TimedCue[] }, others: readonly { readonly cues: readonly TimedCue[] }[], numbers: OpenEntryNumbers): boolean[] {
  const open = reference.cues.map(() => false);
  const gapsRef = sincePrevious(reference.cues);
  const keysRef = occurrences(reference.cues);
  for (const other of others) {
    if (other === reference) continue;
    const gaps = sincePrevious(other.cues);
    const byKey = new Map(occurrences(other.cues).map((k, i) => [k, gaps[i]]));
    const pairs: { a: number; b: number; i: number }[] = [];
    keysRef.forEach((k, i) => {
      const a = gapsRef[i];
      const b = byKey.get(k);
      if (a !== undefined && b !== undefined) pairs.push({ a, b, i });
    });
    // The two rehearsals' tempo ratio: the median ratio of the distances (a vamp moves only one or
    // two); with fewer than three to take it from, none (rehearsals of a song are within a few per cent).
    const ratios = pairs.filter((p) => p.a > 0.5 && p.b > 0.5).map((p) => p.b / p.a).sort((x, y) => x - y);
    const ratio = ratios.length >= 3 ? ratios[Math.floor(ratios.length / 2)]! : 1;
    for (const { a, b, i } of pairs) {
      const diff = Math.abs(b / ratio - a);
      if (diff > numbers.openEntryMinS && diff > numbers.openEntryShare * Math.min(a, b / ratio)) open[i] = true;
    }
  }
  return open;
}

/**
 * The open entries of a model's followed rehearsal, for a person to read (`precue train` prints them):
 * `LX 2 at 22.2 s` for each, in time order; empty when the model has no follower or none is open.
 */
export function openEntriesOf(meta: { readonly features: { readonly follow?: { readonly reference: string } | undefined }; readonly rehearsals: readonly { readonly name: string; readonly cues: readonly TimedCue[] }[]; readonly policy: { readonly numbers: OpenEntryNumbers } }): string[] {
  const ref = meta.rehearsals.find((r) => r.name === meta.features.follow?.reference);
  if (ref === undefined) return [];
  const open = openCues(ref, sameSong(meta.rehearsals, ref), meta.policy.numbers);
  return ref.cues.flatMap((c, i) => (open[i] === true ? [`${c.dept} ${c.cue} at ${c.t.toFixed(1)} s`] : []));
}
