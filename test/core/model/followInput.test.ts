import { describe, expect, it } from 'vitest';
import { ALIGN_DIMS, ALIGN_FRAMES } from '../../../engine/core/model/alignment.js';
import { seededRandom } from '../../../engine/core/model/dataset.js';
import { FollowTrack, followReference, followEntryNames } from '../../../engine/core/model/followInput.js';
import { noteVectors } from './notes.js';
import { DEFAULT_POLICY_NUMBERS } from '../../../engine/core/policy/numbers.js';

const HOP = (ALIGN_FRAMES * 256) / 22050;

/** 600 hops of "notes" (random unit vectors held 6 hops); LX cues at hops 150 and 400. */
function reference(): { vectors: Float32Array; times: Float32Array; cues: { t: number; dept: string; cue: string }[] } {
  const n = 600;
  const vectors = noteVectors(n, 3);
  const times = Float32Array.from({ length: n }, (_, i) => i * HOP);
  return { vectors, times, cues: [{ t: 150 * HOP, dept: 'LX', cue: '1' }, { t: 400 * HOP, dept: 'LX', cue: '2' }] };
}

describe('the score follower as a model input', () => {
  const vocab = { LX: ['1', '2'] };

  it('says, at each beat, how many beats from the next beat the rehearsal puts its next cue, and which', () => {
    const ref = reference();
    const track = new FollowTrack(ref, ['LX'], vocab);
    expect(followEntryNames(track.depts, track.vocab)).toEqual(['LX.followIn', 'LX.followNext', 'LX.followNear', 'LX.followCue=1', 'LX.followCue=2']);
    expect(track.features(1, 0.5)).toEqual(new Float32Array(5)); // nothing heard yet
    const rand = seededRandom(9);
    const period = 0.5;
    const at = (hop: number): Float32Array => {
      // The live performance is the rehearsal with a little noise, in time: hop k at k·HOP.
      for (let k = pushed; k <= hop; k++) {
        const v = ref.vectors.slice(k * ALIGN_DIMS, (k + 1) * ALIGN_DIMS).map((x) => x + (rand() - 0.5) * 0.05);
        track.push(v, k * HOP);
      }
      pushed = hop + 1;
      return track.features(hop * HOP + period, period);
    };
    let pushed = 0;
    // Four beats before cue 1 (its next beat is 3 beats before the cue).
    const early = at(Math.round(150 - (4 * period) / HOP));
    expect(early[0]).toBeCloseTo(3 / 8, 1);
    expect([early[1], early[2], early[3], early[4]]).toEqual([0, 0, 1, 0]);
    expect(track.cueNear(0)).toBe(-1); // three beats off: not near

    // One beat before cue 1: due on the next beat.
    const due = at(Math.round(150 - period / HOP));
    expect(Math.abs(due[0]!)).toBeLessThan(0.5 / 8);
    expect([due[1], due[2], due[3], due[4]]).toEqual([1, 1, 1, 0]);
    expect(track.cueNear(0)).toBe(0); // cue '1' is expected around the next beat
    // Past cue 1: the next is cue 2, far off (clamped at 1).
    const after = at(200);
    expect(after[0]).toBe(1);
    expect([after[1], after[3], after[4]]).toEqual([0, 0, 1]);
    expect(track.cueNear(0)).toBe(-1);
    // After the last cue: nothing ahead.
    const end = at(590);
    expect(Array.from(end)).toEqual([1, 0, 0, 0, 0]);
    // A new take starts over.
    track.reset();
    expect(track.features(1, 0.5)).toEqual(new Float32Array(5));
  });

  it('offers a cue once per pass: not again while the position hovers at it, again after a jump back', () => {
    const ref = reference();
    const track = new FollowTrack(ref, ['LX'], vocab);
    const period = 1; // a slow song: half a beat is longer than the note the cue falls on
    const live = (hop: number): Float32Array => ref.vectors.slice(hop * ALIGN_DIMS, (hop + 1) * ALIGN_DIMS);
    let t = 0;
    const push = (hop: number): void => {
      track.push(live(hop), t);
      t += HOP;
    };
    for (let k = 0; k <= 150; k++) push(k);
    // The position has just reached cue 1: it is due now.
    expect(track.nextCue(0, period)).toMatchObject({ index: 0, ordinal: 0 });
    expect(track.nextCue(0, period)!.when).toBeCloseTo(t - HOP, 1);
    // The band holds on the chord at the cue for two seconds (a walk-in against the end of the
    // rehearsal's opening silence does the same): cue 1 has gone by, cue 2 is next.
    for (let k = 0; k < Math.round(2 / HOP); k++) push(150 + (k % 2));
    expect(track.nextCue(0, period)).toMatchObject({ index: 1, ordinal: 1 });
    // Played again from well before it (a repeat): cue 1 comes round once more.
    for (let k = 60; k <= 151; k++) push(k);
    expect(track.nextCue(0, period)).toMatchObject({ index: 0, ordinal: 0 });
  });

  it('reads a stored rehearsal out of alignment.bin and refuses one that does not fit', () => {
    const ref = reference();
    const summary = { name: 'r1', cues: ref.cues, alignment: { offset: 0, frames: 600, hopS: HOP, firstT: 0 } };
    const got = followReference(summary, ref.vectors);
    expect(got.vectors.length).toBe(600 * ALIGN_DIMS);
    expect(got.times[10]).toBeCloseTo(10 * HOP);
    expect(() => followReference({ ...summary, alignment: { ...summary.alignment, frames: 700 } }, ref.vectors)).toThrow(/needs alignment vectors/);
  });
  it('says how sure it is of its position: a good match and a steady pace on the rehearsal, no match on noise, no pace when held at one spot', () => {
    const ref = reference();
    const rand = seededRandom(5);
    const track = new FollowTrack(ref, ['LX'], vocab);
    expect(track.placement(3)).toBeUndefined();
    let t = 0;
    for (let k = 0; k < 200; k++, t += HOP) track.push(ref.vectors.slice(k * ALIGN_DIMS, (k + 1) * ALIGN_DIMS).map((x) => x + (rand() - 0.5) * 0.05), t);
    const good = track.placement(3)!;
    expect(good.match).toBeLessThan(DEFAULT_POLICY_NUMBERS.relockMatch);
    expect(good.rate).toBeGreaterThan(0.9);
    expect(good.rate).toBeLessThan(1.1);
    // Noise the rehearsal never had (fresh random "notes"): no better a match here than anywhere.
    const noise = noteVectors(100, 99);
    for (let k = 0; k < 100; k++, t += HOP) track.push(noise.slice(k * ALIGN_DIMS, (k + 1) * ALIGN_DIMS), t);
    expect(track.placement(3)!.match).toBeGreaterThan(DEFAULT_POLICY_NUMBERS.lostMatch);
    // The same chord, held for four seconds: the follower stops moving.
    const fresh = new FollowTrack(ref, ['LX'], vocab);
    for (let k = 0; k < Math.round(4 / HOP); k++) fresh.push(ref.vectors.slice(300 * ALIGN_DIMS, 301 * ALIGN_DIMS), k * HOP);
    expect(fresh.placement(3)!.rate).toBeLessThan(DEFAULT_POLICY_NUMBERS.stallRate);
    // Not followed a whole window yet: no pace.
    expect(fresh.placement(8)!.rate).toBeUndefined();
    expect(fresh.placement(3)!.loop).toBeUndefined();
    // A jump back (the band plays hops 300–360 again): how far back, and how far to where it left off.
    for (let k = 301; k <= 360; k++) fresh.push(ref.vectors.slice(k * ALIGN_DIMS, (k + 1) * ALIGN_DIMS), (100 + k) * HOP);
    for (let k = 300; k <= 330; k++) fresh.push(ref.vectors.slice(k * ALIGN_DIMS, (k + 1) * ALIGN_DIMS), (200 + k) * HOP);
    const loop = fresh.placement(3)!.loop!;
    expect(loop.backS).toBeGreaterThan(40 * HOP);
    expect(loop.backS).toBeLessThan(70 * HOP);
    expect(loop.aheadS).toBeGreaterThan(15 * HOP);
    expect(loop.aheadS).toBeLessThan(40 * HOP);
  });

  describe('a break in the music', () => {
    /** The reference with a rest at hops 300–329 and silence from hop 560 (zero vectors, as digital silence gives). */
    function withRests(stored: boolean): ReturnType<typeof reference> & { quietS?: [number, number][] } {
      const ref = reference();
      for (const [from, to] of [[300, 330], [560, 600]] as const) ref.vectors.fill(0, from * ALIGN_DIMS, to * ALIGN_DIMS);
      return stored ? { ...ref, quietS: [[300 * HOP, 329 * HOP], [560 * HOP, 599 * HOP]] } : ref;
    }
    const hop = (ref: ReturnType<typeof reference>, k: number): Float32Array => ref.vectors.slice(k * ALIGN_DIMS, (k + 1) * ALIGN_DIMS);
    const silence = new Float32Array(ALIGN_DIMS);

    it('holds its place through a break the rehearsal does not have, where the silence would take it to the rehearsal\'s own', () => {
      for (const stored of [true, false]) {
        const ref = withRests(stored);
        const track = new FollowTrack(ref, ['LX'], vocab);
        let t = 0;
        for (let k = 0; k <= 130; k++, t += HOP) track.push(hop(ref, k), t);
        // The band stops for three seconds, 20 hops before cue 1.
        for (let k = 0; k < Math.round(3 / HOP); k++, t += HOP) track.push(silence, t, true);
        const next = track.nextCue(0, 0.5);
        if (!stored) {
          // Not knowing where the rehearsal was quiet (an older model): the silence matched the end's.
          expect(next === undefined || next.index !== 0).toBe(true);
          continue;
        }
        // Cue 1 is still ahead, where it was when the band stopped (20 hops on from the last heard).
        expect(next).toMatchObject({ index: 0, ordinal: 0 });
        expect(next!.when - (t - HOP)).toBeGreaterThan(15 * HOP);
        expect(next!.when - (t - HOP)).toBeLessThan(25 * HOP);
        // The band comes back where it stopped: the follower goes on from there, at its pace.
        for (let k = 131; k <= 160; k++, t += HOP) track.push(hop(ref, k), t);
        expect(track.nextCue(0, 0.5)).toMatchObject({ index: 1 });
        const p = track.placement(1)!;
        expect(p.rate).toBeGreaterThan(0.8);
        expect(p.rate).toBeLessThan(1.2);
      }
    });

    it('follows the short gaps of a sparse passage as before (a quiet run under half a second is no break)', () => {
      const follow = (stored: boolean): unknown[] => {
        const ref = withRests(stored);
        const track = new FollowTrack(ref, ['LX'], vocab);
        const seen: unknown[] = [];
        let t = 0;
        for (let k = 0; k < 250; k++, t += HOP) {
          // Every 20th hop starts a gap of four quiet hops (0.19 s).
          const gap = k % 20 >= 16;
          track.push(gap ? silence : hop(ref, k), t, gap && k % 20 >= 17);
          // Once the band plays again the follower is where it would have been (during a gap its reading may wait).
          if (!gap) seen.push(track.nextCue(0, 0.5), track.placement(3));
        }
        return seen;
      };
      expect(follow(true)).toEqual(follow(false));
    });

    it('keeps its course through a rest the rehearsal has too', () => {
      const ref = withRests(true);
      const track = new FollowTrack(ref, ['LX'], vocab);
      let t = 0;
      for (let k = 0; k < 300; k++, t += HOP) track.push(hop(ref, k), t);
      // The rest at the same place, as long: the follower walks through it and comes out in step.
      for (let k = 300; k < 330; k++, t += HOP) track.push(silence, t, k >= 302);
      for (let k = 330; k < 360; k++, t += HOP) track.push(hop(ref, k), t);
      expect(track.nextCue(0, 0.5)).toMatchObject({ index: 1 });
      expect(track.nextCue(0, 0.5)!.when).toBeCloseTo(t - HOP + 40 * HOP, 0);
    });
  });
});
