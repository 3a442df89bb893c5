import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openCues as openCuesWith, openEntriesOf, sameSong } from '../../../engine/core/model/openEntries.js';
import { DEFAULT_POLICY_NUMBERS } from '../../../engine/core/policy/numbers.js';

const { openEntryMinS: OPEN_ENTRY_MIN_S, openEntryShare: OPEN_ENTRY_SHARE } = DEFAULT_POLICY_NUMBERS;
/** The rule with the policy's default numbers. */
const openCues = (ref: Parameters<typeof openCuesWith>[0], others: Parameters<typeof openCuesWith>[1]): boolean[] => openCuesWith(ref, others, DEFAULT_POLICY_NUMBERS);
import type { TimedCue } from '../../../engine/core/model/metrics.js';

/**
 * A rehearsal of a 24-bar song at `barS` seconds a bar: LX on bars 0, 8 and 16, CAM every 2 bars;
 * after bar 7 the band plays its last 2 bars `vamp` more times (no cues in those passes).
 */
function rehearsal(barS: number, vamp: number, jitter: (k: number) => number = () => 0): { cues: TimedCue[] } {
  const cues: TimedCue[] = [];
  for (let bar = 0; bar < 24; bar++) {
    const t = (bar + (bar >= 8 ? 2 * vamp : 0)) * barS + 1 + jitter(bar);
    if (bar % 8 === 0) cues.push({ t, dept: 'LX', cue: String(bar / 8 + 1) });
    if (bar % 2 === 0) cues.push({ t, dept: 'CAM', cue: String(1 + ((bar / 2) % 4)) });
  }
  return { cues: cues.sort((a, b) => a.t - b.t) };
}

const openOnes = (r: { cues: TimedCue[] }, flags: boolean[]): string[] => r.cues.filter((_, i) => flags[i]).map((c) => `${c.dept} ${c.cue} @${c.t.toFixed(1)}`);

describe('openCues', () => {
  it('marks the cues after a vamp whose length the two rehearsals differ on, and nothing else', () => {
    const a = rehearsal(2, 0);
    const b = rehearsal(2.06, 2, (k) => 0.03 * Math.sin(k));
    expect(openOnes(a, openCues(a, [a, b]))).toEqual(['LX 2 @17.0', 'CAM 1 @17.0']);
    // Judged from either side.
    expect(openOnes(b, openCues(b, [a, b]))).toEqual(['LX 2 @25.7', 'CAM 1 @25.7']);
  });

  it('marks nothing where the rehearsals differ only in tempo and rubato, or where there is one rehearsal', () => {
    const a = rehearsal(2, 1);
    const b = rehearsal(1.9, 1, (k) => 0.08 * Math.sin(1.7 * k));
    expect(openCues(a, [a, b]).some(Boolean)).toBe(false);
    expect(openCues(a, [a]).some(Boolean)).toBe(false);
    expect(openCues(a, []).some(Boolean)).toBe(false);
  });

  it('marks a cue an operator gave well late in one rehearsal (and the one after it): the rehearsals disagree on them', () => {
    const a = rehearsal(2, 0);
    const late = rehearsal(2, 0, (k) => (k === 12 ? OPEN_ENTRY_MIN_S + 0.3 : 0));
    expect(openOnes(a, openCues(a, [late]))).toEqual(['CAM 3 @25.0', 'CAM 4 @29.0']);
  });

  it('groups rehearsals of the same song by their cue lists', () => {
    const a = rehearsal(2, 0);
    const b = rehearsal(2, 3);
    const other = { cues: [{ t: 1, dept: 'LX', cue: '9' }] };
    expect(sameSong([a, other, b], a)).toEqual([a, b]);
  });

  it("names the followed rehearsal's open entries for `precue train`'s report", () => {
    const a = { name: 'r1', ...rehearsal(2, 0) };
    const b = { name: 'r2', ...rehearsal(2, 2) };
    expect(openEntriesOf({ features: { follow: { reference: 'r1' } }, rehearsals: [a, b], policy: { numbers: DEFAULT_POLICY_NUMBERS } })).toEqual(['LX 2 at 17.0 s', 'CAM 1 at 17.0 s']);
    expect(openEntriesOf({ features: {}, rehearsals: [a, b], policy: { numbers: DEFAULT_POLICY_NUMBERS } })).toEqual([]);
  });

  it('never marks a cue of a rehearsal played faster or slower with rubato; always marks the entry after an inserted figure of a second or more', () => {
    const cueList = fc.array(fc.record({ gap: fc.double({ min: 0.3, max: 8, noNaN: true }), dept: fc.constantFrom('LX', 'VID', 'CAM') }), { minLength: 3, maxLength: 60 });
    fc.assert(
      fc.property(cueList, fc.double({ min: 0.9, max: 1.1, noNaN: true }), fc.array(fc.double({ min: -0.05, max: 0.05, noNaN: true }), { minLength: 60, maxLength: 60 }), fc.nat(), fc.double({ min: 1.2, max: 12, noNaN: true }), (list, ratio, jitter, at, figureS) => {
        let t = 1;
        const a: TimedCue[] = list.map((c, i) => ({ t: (t += c.gap), dept: c.dept, cue: String(i) }));
        const b = { cues: a.map((c, i) => ({ ...c, t: c.t * ratio + jitter[i]! })) };
        expect(openCues({ cues: a }, [b]).some(Boolean)).toBe(false);
        // A figure inserted before cue k (k ≥ 1) of the other rehearsal: k is open when the figure is more than a quarter of its distance.
        const k = 1 + (at % (a.length - 1));
        const vamped = { cues: a.map((c, i) => ({ ...c, t: c.t + (i >= k ? figureS : 0) })) };
        const open = openCues({ cues: a }, [vamped]);
        expect(open[k]).toBe(figureS > OPEN_ENTRY_SHARE * (a[k]!.t - a[k - 1]!.t));
        open.forEach((o, i) => i !== k && expect(o).toBe(false));
      }),
      { numRuns: 300 },
    );
  });

  it("reads its numbers from the model's policy: a stricter minimum leaves a one-figure vamp closed", () => {
    const a = rehearsal(2, 0);
    const b = rehearsal(2, 1);
    expect(openCuesWith(a, [b], DEFAULT_POLICY_NUMBERS).some(Boolean)).toBe(true);
    expect(openCuesWith(a, [b], { ...DEFAULT_POLICY_NUMBERS, openEntryMinS: 5 }).some(Boolean)).toBe(false);
  });
});
