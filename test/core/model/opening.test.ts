import { describe, expect, it } from 'vitest';
import { defaultListeningSettings, type FeatureFrame } from '../../../engine/core/audio/types.js';
import { AttackDetector } from '../../../engine/core/model/attack.js';
import type { PredictorEvent } from '../../../engine/core/model/events.js';
import { ClearAttacks, CountIn, entryLeadS, openingLine, opensOnAttack, type HeardCountIn } from '../../../engine/core/model/opening.js';
import { DEFAULT_POLICY_NUMBERS } from '../../../engine/core/policy/numbers.js';

const HOP = 256 / 22050;
const frame = (t: number, flux: number, levelDb: number): FeatureFrame => ({
  t, rms: 0.1, levelDb, loudness: 1, spectralCentroidHz: 1000, spectralFlatness: 0.1, spectralRolloffHz: 4000, zcr: 0.05,
  flux, fluxLow: 0, chroma: new Float32Array(12), mfcc: new Float32Array(13),
});

/** A crowd's murmur: a level that swells slowly around `db`, with a flux that jumps about. */
const crowd = (t: number, db: number): { flux: number; db: number } => ({ flux: 0.05 + 0.05 * Math.abs(Math.sin(t * 37)), db: db + 3 * Math.sin(t * 1.7) + Math.sin(t * 23) });

/**
 * A take in frames: `background(t)` throughout, clicks (a sharp attack whose level falls back within
 * ~60 ms) at `clicks`, and the band from `bandAt` on (a sharp attack, then a level that sounds on).
 */
function take(options: { durationS: number; background: (t: number) => { flux: number; db: number }; clicks?: readonly number[]; bandAt?: number; leadIn?: readonly number[] }): FeatureFrame[] {
  const frames: FeatureFrame[] = [];
  for (let i = 0; i * HOP < options.durationS; i++) {
    const t = i * HOP;
    let { flux, db } = options.background(t);
    for (const c of [...(options.clicks ?? []), ...(options.leadIn ?? [])]) {
      const dt = t - c;
      if (dt >= 0 && dt < 0.06) {
        db = Math.max(db, -27 - (dt > 0.03 ? (dt - 0.03) * 600 : 0));
        if (dt < HOP) flux = 2;
      }
    }
    if (options.bandAt !== undefined && t >= options.bandAt) {
      const dt = t - options.bandAt;
      db = Math.max(db, -26 - Math.min(6, dt * 20));
      flux = dt < HOP ? 1.5 : Math.max(flux, 0.2 + 0.1 * Math.sin(t * 50));
    }
    frames.push(frame(t, flux, db));
  }
  return frames;
}

function clearAttacksOf(frames: readonly FeatureFrame[]): { clear: number[]; outOfQuiet: (number | undefined)[] } {
  const attacks = new AttackDetector(DEFAULT_POLICY_NUMBERS.attackPeakFraction);
  const judge = new ClearAttacks(DEFAULT_POLICY_NUMBERS);
  const clear: number[] = [];
  const outOfQuiet: (number | undefined)[] = [];
  for (const f of frames) {
    if (judge.push(f, attacks.push(f))) {
      clear.push(f.t);
      outOfQuiet.push(judge.outOfQuietAt);
    }
  }
  return { clear, outOfQuiet };
}

function countInsOf(frames: readonly FeatureFrame[]): HeardCountIn[] {
  const attacks = new AttackDetector(DEFAULT_POLICY_NUMBERS.attackPeakFraction);
  const judge = new ClearAttacks(DEFAULT_POLICY_NUMBERS);
  const count = new CountIn(DEFAULT_POLICY_NUMBERS, defaultListeningSettings);
  const heard: HeardCountIn[] = [];
  for (const f of frames) {
    const attack = attacks.push(f);
    judge.push(f, attack);
    const h = count.push(f, attack ? judge.attackBackgroundDb : undefined);
    if (h !== undefined) heard.push(h);
  }
  return heard;
}

const near = (a: number, b: number, tol = 2 * HOP): boolean => Math.abs(a - b) <= tol;
const murmur = (t: number): { flux: number; db: number } => crowd(t, -32);
const faded = (t: number): { flux: number; db: number } => crowd(t, -48);

describe('ClearAttacks', () => {
  it("hears the band's first note out of silence and out of a crowd's murmur, never the murmur's own swells", () => {
    const silent = clearAttacksOf(take({ durationS: 3, background: () => ({ flux: 0, db: -96 }), bandAt: 1 }));
    expect(silent.clear.length).toBeGreaterThan(0);
    expect(near(silent.clear[0]!, 1)).toBe(true);
    // The crowd of a walk-in goes on under the band, 14 dB down (`murmur` itself is only 6 dB under it: no clear entry).
    const walkIn = clearAttacksOf(take({ durationS: 12, background: (t) => crowd(t, -40), bandAt: 10 }));
    expect(clearAttacksOf(take({ durationS: 12, background: murmur })).clear).toEqual([]);
    expect(walkIn.clear.length).toBeGreaterThan(0);
    expect(near(walkIn.clear[0]!, 10)).toBe(true);
    expect(walkIn.outOfQuiet[0]).toBe(walkIn.clear[0]);
  });

  it("takes only the first of a count-in's clicks for an entry out of quiet (each later one has a click in the second before it)", () => {
    const clicks = [5, 5.7, 6.4, 7.1];
    const { clear, outOfQuiet } = clearAttacksOf(take({ durationS: 8.5, background: faded, clicks, bandAt: 7.8 }));
    for (const c of [...clicks, 7.8]) expect(clear.some((t) => near(t, c))).toBe(true);
    expect(new Set(outOfQuiet.map((t) => t?.toFixed(3)))).toEqual(new Set([clear[0]!.toFixed(3)]));
  });
});

describe('opensOnAttack', () => {
  const events = (frames: readonly FeatureFrame[]): PredictorEvent[] => frames.map((v) => ({ kind: 'frame', v }));
  it("is true for a rehearsal whose first cue went on the band's first note out of silence, false for a pickup before it or a cue with no attack", () => {
    const opening = events(take({ durationS: 3, background: () => ({ flux: 0, db: -96 }), bandAt: 1 }));
    expect(opensOnAttack(opening, 1, DEFAULT_POLICY_NUMBERS)).toBe(true);
    expect(opensOnAttack(opening, 1.02, DEFAULT_POLICY_NUMBERS)).toBe(true);
    // The cue a beat after the music started (a pickup): the first clear attack is not the cue's.
    expect(opensOnAttack(opening, 1.5, DEFAULT_POLICY_NUMBERS)).toBe(false);
    // A cue in the silence before any attack.
    expect(opensOnAttack(opening, 0.6, DEFAULT_POLICY_NUMBERS)).toBe(false);
  });

  it("entryLeadS: how long before the first cue the band came in (a pickup's half second), none where no attack came first", () => {
    const opening = events(take({ durationS: 3, background: () => ({ flux: 0, db: -96 }), bandAt: 1 }));
    expect(entryLeadS(opening, 1.5, DEFAULT_POLICY_NUMBERS)).toBeCloseTo(0.5, 1);
    expect(entryLeadS(opening, 1, DEFAULT_POLICY_NUMBERS)).toBeLessThan(0.03);
    expect(entryLeadS(opening, 0.6, DEFAULT_POLICY_NUMBERS)).toBeUndefined();
  });
});

describe('CountIn', () => {
  it('hears four clicks after a walk-in and puts the one on the next beat, to within a frame', () => {
    const heard = countInsOf(take({ durationS: 9, background: (t) => (t < 3.5 ? murmur(t) : faded(t)), clicks: [5, 5.7, 6.4, 7.1], bandAt: 7.8 }));
    expect(heard.length).toBeGreaterThanOrEqual(1);
    expect(near(heard[0]!.one, 7.8, HOP)).toBe(true);
    expect(heard[0]!.why).toMatch(/count-in of 4 at 86 BPM/);
  });

  it("hears a click whose attack a murmur's bump started a few frames early (the click's own rise is then no new attack)", () => {
    const frames = take({ durationS: 9, background: faded, clicks: [5, 5.7, 6.4, 7.1], bandAt: 7.8 }).map((f) => (f.t > 5 - 3.5 * HOP && f.t < 5 - 1e-9 ? { ...f, flux: 0.4 } : f));
    const heard = countInsOf(frames);
    expect(heard.length).toBeGreaterThanOrEqual(1);
    expect(near(heard[0]!.one, 7.8, 2 * HOP)).toBe(true);
  });

  it('is not fooled by the band: three clicks and the band on the fourth beat is no count-in (the band sounds on)', () => {
    expect(countInsOf(take({ durationS: 9, background: faded, clicks: [5.7, 6.4, 7.1], bandAt: 7.8 }))).toEqual([]);
  });

  it('hears nothing in a crowd alone, nor in clicks unevenly spaced or too slow for a count', () => {
    expect(countInsOf(take({ durationS: 15, background: murmur }))).toEqual([]);
    expect(countInsOf(take({ durationS: 9, background: faded, clicks: [5, 5.7, 6.5, 7.1] }))).toEqual([]);
    expect(countInsOf(take({ durationS: 12, background: faded, clicks: [2, 4, 6, 8] }))).toEqual([]);
  });

  it("still hears the count with the song's lead-in sounding under its last beat", () => {
    const heard = countInsOf(take({ durationS: 9, background: faded, clicks: [5, 5.7, 6.4, 7.1], leadIn: [7.03, 7.3, 7.55], bandAt: 7.8 }));
    expect(heard.length).toBeGreaterThanOrEqual(1);
    expect(near(heard[0]!.one, 7.8, HOP)).toBe(true);
  });
});

describe('openingLine', () => {
  it("says how the show's start cues go: on the first attack where the followed rehearsal opened on one, else where the follower places them (and a count-in's one after a pickup); nothing without a follower", () => {
    const policy = { numbers: { countInPickupBeats: 1 } };
    const meta = (r1: { opensOnAttack?: boolean; entryLeadS?: number }) => ({ features: { follow: { reference: 'r1' } }, rehearsals: [{ name: 'r0', opensOnAttack: true }, { name: 'r1', ...r1 }], policy });
    expect(openingLine(meta({ opensOnAttack: true }))).toBe("opening: start cues go on the band's first attack heard out of quiet (r1's first cue went on its first attack), or on the one after a drummer's count-in");
    expect(openingLine(meta({ opensOnAttack: false, entryLeadS: 0.454 }))).toBe("opening: start cues go where the follower places r1's (music came before its first cue), or on the one after a drummer's count-in whose beat lasts longer than the 0.45 s from the band's entry to that cue (a pickup)");
    expect(openingLine(meta({ opensOnAttack: false }))).toBe("opening: start cues go where the follower places r1's (music came before its first cue)");
    expect(openingLine(meta({}))).toMatch(/where the follower places r1's/);
    expect(openingLine({ features: {}, rehearsals: [], policy })).toBeUndefined();
  });
});
