import { describe, expect, it } from 'vitest';
import { AudioFeed } from '../../../engine/core/playback/audioFeed.js';
import { ActiveBinding } from '../../../engine/core/playback/effects.js';
import { SLOT_BLUE, SLOT_GREEN, SLOT_INTENSITY, SLOT_RED, SLOTS_PER_FIXTURE } from '../../../engine/core/playback/slots.js';
import { type Binding } from '../../../engine/core/show/schema.js';
import { type Beat } from '../../../engine/core/audio/types.js';

const beat = (tS: number, index: number, bpm = 120): Beat => ({
  t: tS, index, bpm, confidence: 1, beatInBar: index % 4, beatsPerBar: 4, isDownbeat: index % 4 === 0, barIndex: Math.floor(index / 4), nextBeatT: tS + 60 / bpm, decidedT: tS,
});

function binding(b: Partial<Binding> & Pick<Binding, 'source'>): Binding {
  return { target: 'p1', attribute: 'intensity', mode: 'follow', range: [0, 1], ...b };
}

function slots(n = 1): Float64Array {
  const s = new Float64Array(n * SLOTS_PER_FIXTURE).fill(NaN);
  for (let f = 0; f < n; f++) s[f * SLOTS_PER_FIXTURE] = 0;
  return s;
}

describe('audio feed', () => {
  it('gives beat and bar phase from the last beat and the tempo', () => {
    const feed = new AudioFeed();
    feed.pushBeat(beat(1, 1));
    expect(feed.beatPhase(1250)).toBeCloseTo(0.5, 9);
    expect(feed.barPhase(1250)).toBeCloseTo((1 + 0.5) / 4, 9);
    expect(feed.beatPhase(1500)).toBeCloseTo(0, 9);
  });

  it('maps audio time onto the engine clock with its offset', () => {
    const feed = new AudioFeed(10_000);
    feed.pushBeat(beat(1, 0));
    expect(feed.lastBeatMs).toBe(11_000);
    expect(feed.lastDownbeatMs).toBe(11_000);
  });

  it('drops non-finite values and keeps the last good one', () => {
    const feed = new AudioFeed();
    feed.pushFeatures({ t: 0, rms: 0.1, loudness: 1, flux: 0, spectralCentroidHz: 1000 });
    feed.pushFeatures({ t: 0.01, rms: NaN, loudness: 1, flux: 0, spectralCentroidHz: 1000 });
    expect(feed.level('rms')).toBeCloseTo(1, 2);
  });
});

describe('bindings', () => {
  it('pulse jumps on each beat and releases over releaseMs', () => {
    const feed = new AudioFeed();
    const b = new ActiveBinding(binding({ source: 'beat', mode: 'pulse', releaseMs: 200 }), [0], 0, 0, feed);
    const s = slots();
    feed.pushBeat(beat(1, 0));
    b.apply(1000, s);
    expect(s[SLOT_INTENSITY]).toBe(1);
    b.apply(1100, s);
    expect(s[SLOT_INTENSITY]).toBeCloseTo(0.5, 9);
    b.apply(1300, s);
    expect(s[SLOT_INTENSITY]).toBe(0);
  });

  it('strobe flashes on the downbeat only, for attackMs', () => {
    const feed = new AudioFeed();
    const b = new ActiveBinding(binding({ source: 'downbeat', mode: 'strobe', attackMs: 50, range: [0, 1] }), [0], 0, 0, feed);
    const s = slots();
    const at = (ms: number): number => (b.apply(ms, s), s[SLOT_INTENSITY]!);
    feed.pushBeat(beat(1, 0));
    expect(at(1020)).toBe(1);
    expect(at(1060)).toBe(0);
    feed.pushBeat(beat(1.5, 1)); // not a downbeat
    expect(at(1510)).toBe(0);
  });

  it('follow smooths with attack and release', () => {
    const feed = new AudioFeed();
    const b = new ActiveBinding(binding({ source: 'rms', mode: 'follow', attackMs: 100, releaseMs: 1000 }), [0], 0, 0, feed);
    const s = slots();
    feed.pushFeatures({ t: 0, rms: 0.5, loudness: 0, flux: 0, spectralCentroidHz: 0 });
    b.apply(0, s);
    b.apply(100, s);
    expect(s[SLOT_INTENSITY]).toBeCloseTo(1 - Math.exp(-1), 6);
  });

  it('colour hue drives red, green and blue', () => {
    const feed = new AudioFeed();
    const b = new ActiveBinding(binding({ source: 'bar-phase', attribute: 'color-hue', range: [120, 120] }), [0], 0, 0, feed);
    const s = slots();
    b.apply(0, s);
    expect([s[SLOT_RED], s[SLOT_GREEN], s[SLOT_BLUE]]).toEqual([0, 1, 0]);
  });

  it('fades in with its cue and out when stopped', () => {
    const feed = new AudioFeed();
    const b = new ActiveBinding(binding({ source: 'bar-phase', range: [1, 1] }), [0], 1000, 1000, feed);
    const s = slots();
    s[SLOT_INTENSITY] = 0.2;
    b.apply(1500, s);
    expect(s[SLOT_INTENSITY]).toBeCloseTo(0.6, 9);
    s[SLOT_INTENSITY] = 0.2;
    b.stop(3000, 500);
    b.apply(3250, s);
    expect(s[SLOT_INTENSITY]).toBeCloseTo(0.6, 9);
    b.apply(3500, s);
    expect(b.finished).toBe(true);
  });
});
