/**
 * The stage-conditions generator's edit map and truth (bench/dataset/stageEdit.ts, stageBand.ts,
 * stageRecordings.ts): each condition does what it says, alone and combined, the cue and beat truth
 * follow the map exactly, the same seed makes the same take, and a drop-out lays the right
 * instruments out. Pure: no rendering, no POP909.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rng } from '../../../bench/dataset/generate.js';
import { DRUM_CHANNEL, BASS_CHANNEL, orchestrate, playMap } from '../../../bench/dataset/stageBand.js';
import { breaksOf, designCues, mapBeats, mapCues, rehearsalPlan, sectionBars, stagePlan, STAGE_CONDITIONS, type EditMap, type SongForm } from '../../../bench/dataset/stageEdit.js';
import { availableRecordings, editRecording, recordingForm } from '../../../bench/dataset/stageRecordings.js';
import { STAGE_RATE } from '../../../bench/dataset/stageAudio.js';
import { conditionSet, songMaps, songSeed, TAKE_CONDITIONS } from '../../../bench/dataset/stageTruth.js';

/** A song of 2 s bars at 120 BPM in 4/4: intro, verse, chorus, verse, chorus, bridge, chorus, outro. */
function form(): SongForm {
  const sections = [
    { label: 'i', bars: 4 },
    { label: 'A', bars: 8 },
    { label: 'B', bars: 8 },
    { label: 'A', bars: 8 },
    { label: 'B', bars: 8 },
    { label: 'x', bars: 4 },
    { label: 'B', bars: 8 },
    { label: 'o', bars: 4 },
  ];
  const bars = sections.reduce((s, x) => s + x.bars, 0);
  const barStarts = Array.from({ length: bars + 1 }, (_, k) => 1 + 2 * k);
  const beats = Array.from({ length: bars * 4 }, (_, k) => ({ t: 1 + 0.5 * k, downbeat: k % 4 === 0 }));
  return { barStarts, sections, beats };
}

const plan = (c: (typeof TAKE_CONDITIONS)[number], seed = 5): EditMap => stagePlan(form(), { conditions: conditionSet(c), rand: rng(seed) });
const dur = (p: EditMap['pieces'][number]): number => (p.srcTo - p.srcFrom) / p.speed;

describe('stage edit map', () => {
  it('lays every piece end to end: no gap but a break, no overlap', () => {
    for (const c of TAKE_CONDITIONS) {
      const m = plan(c);
      for (let i = 1; i < m.pieces.length; i++) {
        const gap = m.pieces[i]!.outFrom - (m.pieces[i - 1]!.outFrom + dur(m.pieces[i - 1]!));
        if (c === 'tempoStep' || c === 'all') expect(gap).toBeGreaterThanOrEqual(-1e-9);
        else expect(Math.abs(gap)).toBeLessThan(1e-9);
      }
      expect(m.endS).toBeGreaterThan(m.pieces[m.pieces.length - 1]!.outFrom);
    }
  });

  it('plain plays every bar once in order at one tempo within 3%', () => {
    const m = plan('plain');
    expect(m.pieces.map((p) => p.bar)).toEqual(Array.from({ length: 52 }, (_, k) => k));
    const speeds = new Set(m.pieces.map((p) => p.speed));
    expect(speeds.size).toBe(1);
    expect(Math.abs([...speeds][0]! - 1)).toBeLessThanOrEqual(0.03);
    expect(m.walkInS).toBe(0);
    expect(m.room).toBeUndefined();
    expect(mapCues(m, designCues(form()))).toHaveLength(designCues(form()).length);
  });

  it('vamp repeats the 2 bars before the first vocal section; the extra passes carry no cues', () => {
    const m = plan('vamp');
    const extra = m.pieces.filter((p) => !p.cues);
    expect(extra.length).toBeGreaterThanOrEqual(2);
    expect(extra.length).toBeLessThanOrEqual(10);
    expect(new Set(extra.map((p) => p.bar))).toEqual(new Set([2, 3]));
    // The verse's first bar comes right after the vamp, its LX cue at its start.
    const verse = m.pieces.findIndex((p) => p.bar === 4);
    expect(m.pieces[verse - 1]!.cues).toBe(false);
    const cues = mapCues(m, designCues(form()));
    expect(cues.filter((c) => c.dept === 'LX')[1]!.t).toBeCloseTo(m.pieces[verse]!.outFrom, 3);
    expect(cues).toHaveLength(designCues(form()).length);
  });

  it('jumps skip a verse (its cues never fire) and repeat a chorus (its cues fire twice)', () => {
    const m = plan('jumps');
    const note = m.notes.find((n) => n.startsWith('jumps:'))!;
    expect(note).toMatch(/skip \d+:A8, twice \d+:B8/);
    const skipped = Number(/skip (\d+)/.exec(note)![1]);
    const twice = Number(/twice (\d+)/.exec(note)![1]);
    const first = sectionBars(form());
    const played = (bar: number): number => m.pieces.filter((p) => p.bar === bar).length;
    expect(played(first[skipped]!)).toBe(0);
    expect(played(first[twice]!)).toBeGreaterThanOrEqual(2);
    // Looks by section: the chorus's comes once more than written, the skipped verse's once less.
    const looks = (cues: readonly { dept: string; cue: string }[], cue: string): number => cues.filter((c) => c.dept === 'LX' && c.cue === cue).length;
    const design = designCues(form());
    const take = mapCues(m, design);
    const chorus = design.find((d) => d.dept === 'LX' && d.bar === first[twice])!.cue;
    const verse = design.find((d) => d.dept === 'LX' && d.bar === first[skipped])!.cue;
    expect(looks(take, chorus)).toBeGreaterThanOrEqual(looks(design, chorus) + 1);
    expect(looks(take, verse)).toBe(looks(design, verse) - 1);
  });

  it('tempoStep breaks at a section start and comes back 8–15% off', () => {
    const m = plan('tempoStep');
    const i = m.pieces.findIndex((p, k) => k > 0 && p.speed !== m.pieces[k - 1]!.speed);
    expect(i).toBeGreaterThan(0);
    expect(sectionBars(form())).toContain(m.pieces[i]!.bar);
    const step = m.pieces[i]!.speed / m.pieces[i - 1]!.speed;
    expect(Math.abs(step - 1)).toBeGreaterThanOrEqual(0.08 - 1e-9);
    expect(Math.abs(step - 1)).toBeLessThanOrEqual(0.15 + 1e-9);
    const gap = m.pieces[i]!.outFrom - (m.pieces[i - 1]!.outFrom + dur(m.pieces[i - 1]!));
    expect(gap).toBeGreaterThanOrEqual(1.5);
    expect(gap).toBeLessThanOrEqual(3.5);
    expect(m.pieces[i]!.continues).toBe(false);
    // The break is where the section's cues would have gone: `breaksOf` finds it, and only it.
    const end = m.pieces[i - 1]!.outFrom + dur(m.pieces[i - 1]!);
    expect(breaksOf(m)).toEqual([[end, m.pieces[i]!.outFrom]]);
    expect(breaksOf(plan('plain'))).toEqual([]);
  });

  it('dropouts lay the drums out for 8 played bars and leave the bass alone for 4–8', () => {
    const m = plan('dropouts');
    expect(m.pieces.filter((p) => p.drop === 'drums')).toHaveLength(8);
    const bass = m.pieces.filter((p) => p.drop === 'bassAlone').length;
    expect(bass).toBeGreaterThanOrEqual(4);
    expect(bass).toBeLessThanOrEqual(8);
  });

  it('walkIn puts crowd first and a 4-beat count-in ending one beat before the first downbeat', () => {
    const m = plan('walkIn');
    expect(m.walkInS).toBeGreaterThanOrEqual(8);
    expect(m.walkInS).toBeLessThanOrEqual(15);
    expect(m.countIn).toHaveLength(4);
    const beat = 0.5 / m.pieces[0]!.speed;
    expect(m.countIn[0]).toBeCloseTo(m.walkInS, 2);
    expect(m.pieces[0]!.outFrom - m.countIn[3]!).toBeCloseTo(beat, 2);
    expect(mapCues(m, designCues(form()))[0]!.t).toBeCloseTo(m.pieces[0]!.outFrom, 3);
  });

  it('room changes only the sound: the same pieces as plain', () => {
    const room = plan('room');
    expect(room.room).toBeDefined();
    expect(room.pieces).toEqual(plan('plain').pieces);
  });

  it('a condition makes the same choices alone and in all', () => {
    const all = plan('all');
    for (const c of STAGE_CONDITIONS) {
      const alone = plan(c).notes.filter((n) => !n.startsWith('tempo ×'));
      for (const n of alone) {
        // Played-bar numbers move with jumps and vamps, the count-in's tempo with rubato: compare the choice.
        const key = n.split(/,| played| before played| at /)[0]!;
        expect(all.notes.some((a) => a.startsWith(key))).toBe(true);
      }
    }
  });

  it('is seeded: the same seed, the same map; another seed, another', () => {
    expect(plan('all', 9)).toEqual(plan('all', 9));
    expect(plan('all', 9)).not.toEqual(plan('all', 10));
  });

  it('beat truth follows the map: one beat per source beat of each played bar, downbeats on bar starts', () => {
    for (const c of TAKE_CONDITIONS) {
      const m = plan(c);
      const beats = mapBeats(m, form().beats);
      expect(beats).toHaveLength(4 * m.pieces.length);
      const downs = beats.filter((b) => b.downbeat).map((b) => b.t);
      m.pieces.forEach((p, k) => expect(downs[k]).toBeCloseTo(p.outFrom, 3));
      for (let k = 1; k < beats.length; k++) expect(beats[k]!.t).toBeGreaterThan(beats[k - 1]!.t);
    }
  });

  it('rehearsals breathe: every bar once, 1–3% off tempo, each bar a little different', () => {
    for (const seed of [1, 2, 3, 4]) {
      const m = rehearsalPlan(form(), rng(seed));
      expect(m.pieces.map((p) => p.bar)).toEqual(Array.from({ length: 52 }, (_, k) => k));
      const base = Number(/tempo ×([\d.]+)/.exec(m.notes[0]!)![1]);
      expect(Math.abs(base - 1)).toBeGreaterThanOrEqual(0.01 - 5e-4);
      expect(Math.abs(base - 1)).toBeLessThanOrEqual(0.03 + 5e-4);
      const speeds = m.pieces.map((p) => p.speed / base);
      expect(new Set(speeds.map((s) => s.toFixed(4))).size).toBeGreaterThan(40);
      for (const s of speeds) expect(Math.abs(Math.log(s))).toBeLessThan(0.12);
    }
  });

  it("rehearses the vamp open: each rehearsal plays the stage vamp's figure its own number of extra times (0–3), without cues, and is otherwise bar for bar the rehearsal without it", () => {
    const counts = new Set<string>();
    for (const id of ['001', '021', '123', '999', 'rec-x']) {
      const maps = songMaps(form(), id, ['vamp']);
      const extra = maps.slice(0, 2).map((r) => r.map.pieces.filter((p) => !p.cues));
      const times = extra.map((e) => e.length / 2);
      expect(times[0]).not.toBe(times[1]);
      counts.add(times.join('/'));
      for (const [k, e] of extra.entries()) {
        expect(times[k]).toBeLessThanOrEqual(3);
        // The same figure as the stage take's vamp, right before the verse.
        const stage = new Set(maps[2]!.map.pieces.filter((p) => !p.cues).map((p) => p.bar));
        for (const p of e) expect(stage.has(p.bar)).toBe(true);
        const pieces = maps[k]!.map.pieces;
        if (e.length > 0) expect(pieces[pieces.findIndex((p) => p.bar === 4) - 1]!.cues).toBe(false);
        expect(mapCues(maps[k]!.map, designCues(form()))).toHaveLength(designCues(form()).length);
        // Without its extra passes, the rehearsal is the one drawn without a vamp.
        const plain = rehearsalPlan(form(), rng(songSeed(id) + k + 1));
        expect(pieces.filter((p) => p.cues).map((p) => [p.bar, p.speed])).toEqual(plain.pieces.map((p) => [p.bar, p.speed]));
      }
    }
    expect(counts.size).toBeGreaterThan(1);
  });

  it("names a song's takes: two rehearsals, then one stage take per condition", () => {
    const maps = songMaps(form(), '999', TAKE_CONDITIONS);
    expect(maps.map((m) => m.name)).toEqual(['999-rehearsal-1', '999-rehearsal-2', ...TAKE_CONDITIONS.map((c) => `999-stage-${c}`)]);
  });
});

describe('stage band', () => {
  it('drums out drops channel 10, bass alone keeps only the bass, and notes move with their bar', () => {
    const f = form();
    const notes = f.barStarts.slice(0, -1).flatMap((t) => [
      { channel: 0, key: 72, velocity: 90, on: t, off: t + 0.4 },
      { channel: 2, key: 48, velocity: 80, on: t + 0.5, off: t + 0.9 },
    ]);
    const band = orchestrate({ notes, controls: [] }, f, rng(1));
    expect(band.notes.some((n) => n.channel === DRUM_CHANNEL)).toBe(true);
    expect(band.notes.some((n) => n.channel === BASS_CHANNEL)).toBe(true);
    const m = plan('dropouts');
    const { song } = playMap(band, m);
    for (const p of m.pieces) {
      const inBar = song.notes.filter((n) => n.on >= p.outFrom - 1e-6 && n.on < p.outFrom + dur(p) - 1e-6);
      if (p.drop === 'drums') expect(inBar.some((n) => n.channel === DRUM_CHANNEL)).toBe(false);
      else if (p.drop === 'bassAlone') expect(inBar.every((n) => n.channel === BASS_CHANNEL)).toBe(true);
      else expect(inBar.some((n) => n.channel === DRUM_CHANNEL)).toBe(true);
      expect(inBar.some((n) => n.channel === BASS_CHANNEL)).toBe(true);
    }
  });
});

describe('re-edited recordings', () => {
  it('reads bars and labelled sections from what the engine heard', () => {
    const events: { kind: string; v: unknown }[] = [];
    for (let k = 0; k < 40 * 4; k++) events.push({ kind: 'beat', v: { t: 0.5 * k, isDownbeat: k % 4 === 0 } });
    for (const t of [16, 32, 48, 64]) events.push({ kind: 'section', v: { t: t + 0.1 } });
    // Sections 0 and 2 sound alike, 1 and 3 alike.
    for (let t = 0; t < 80; t += 0.1) {
      const a = Math.floor(t / 16) % 2 === 0;
      const chroma = new Float32Array(12).map((_, d) => (a ? (d < 6 ? 1 : 0) : d >= 6 ? 1 : 0));
      const mfcc = new Float32Array(13).map((_, d) => (a ? d : 13 - d));
      events.push({ kind: 'frame', v: { t, chroma, mfcc } });
    }
    const f = recordingForm(events);
    expect(f.barStarts).toHaveLength(40);
    expect(f.sections.map((s) => s.bars)).toEqual([8, 8, 8, 8, 7]);
    expect(f.sections[0]!.label).toBe('i');
    expect(f.sections[4]!.label).toBe('o');
    expect(f.sections[1]!.label).not.toBe(f.sections[2]!.label);
    expect(f.sections[1]!.label).toBe(f.sections[3]!.label);
  });

  it('refuses a recording with too few bars heard', () => {
    expect(() => recordingForm([{ kind: 'beat', v: { t: 0, isDownbeat: true } }])).toThrow(/only 1 bars heard/);
  });

  it('lays a repeated bar of a recording where the map says, sample for sample', async () => {
    // A click at each bar start of a 1 s-bar "recording"; the map plays bar 1 twice (a vamp).
    const source = new Float32Array(6 * STAGE_RATE);
    for (let b = 0; b < 6; b++) source[b * STAGE_RATE + 100] = 1;
    const piece = (bar: number, outFrom: number, continues: boolean, cues = true): EditMap['pieces'][number] => ({ bar, srcFrom: bar, srcTo: bar + 1, outFrom, speed: 1, cues, continues });
    const map: EditMap = { pieces: [piece(0, 0, false), piece(1, 1, true), piece(1, 2, false, false), piece(2, 3, true)], leadInS: 0, walkInS: 0, countIn: [], endS: 4, notes: [] };
    const out = await editRecording(source, map, 4, '/nonexistent/scratch');
    const clicks = [...out.keys()].filter((i) => out[i]! > 0.5);
    expect(clicks).toEqual([100, STAGE_RATE + 100, 2 * STAGE_RATE + 100, 3 * STAGE_RATE + 100]);
  });

  it('skips a recording sox cannot read, saying which package reads it, and one not installed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'precue-rec-'));
    const mp3 = join(dir, 'song.mp3');
    const ogg = join(dir, 'song.ogg');
    writeFileSync(mp3, '');
    writeFileSync(ogg, '');
    try {
      const noMp3 = availableRecordings([mp3, ogg, join(dir, 'absent.ogg')], new Set(['wav', 'ogg']));
      expect(noMp3.present).toEqual([ogg]);
      expect(noMp3.missing).toMatch(/absent\.ogg not found/);
      expect(noMp3.missing).toMatch(/sox cannot read mp3 \(song\.mp3\)/);
      expect(noMp3.missing).toMatch(/libsox-fmt-mp3/);
      expect(availableRecordings([mp3, ogg], new Set(['mp3', 'ogg']))).toEqual({ present: [mp3, ogg], missing: undefined });
      expect(availableRecordings([ogg], new Set()).missing).toMatch(/sox not found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
