import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { beatGridSchema, gridPeriod } from '../../engine/core/audio/beatGrid.js';
import { encodeWav } from '../../engine/core/audio/wav.js';
import { runCli } from '../../engine/cli/main.js';
import { loadRehearsals, loadShowRehearsals, readBeatGrid, writeBeatGrid } from '../../engine/io/takes/beatGrid.js';
import { analyzeGrid } from '../../engine/core/audio/offlineGrid.js';
import { resolveListeningSettings } from '../../engine/core/audio/listen.js';
import { beatTimes, clicks, melodyTake } from '../core/audio/signals.js';

const dir = mkdtempSync(join(tmpdir(), 'precue-grid-'));

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { stdout: (s) => (out += s), stderr: (s) => (err += s), exit: () => undefined });
  return { code, out, err };
}

function take(name: string, bpm: number, seconds: number): string {
  const t = join(dir, name);
  mkdirSync(t, { recursive: true });
  writeFileSync(join(t, 'audio.wav'), encodeWav([clicks(beatTimes(bpm, 0.5, seconds), seconds)], 22050));
  writeFileSync(join(t, 'cues.jsonl'), '{"t": 1, "dept": "LX", "cue": "1"}\n');
  return t;
}

describe('precue grid', () => {
  it('analyses a take into beats.json, then applies corrections in the order given', async () => {
    const t = take('rehearsal', 120, 20);
    const first = await cli('grid', t);
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/analysed — \d+ beats/);
    const grid = (await readBeatGrid(t))!;
    expect(beatGridSchema.safeParse(grid).success).toBe(true);
    expect(grid.source).toMatch(/offline Viterbi/);
    expect(grid.edits).toEqual([]);
    const period = gridPeriod(grid);
    expect(period).toBeGreaterThan(0);

    const edited = await cli('grid', t, '--double', '--shift-half', '--downbeat', '5', '--nudge=-10');
    expect(edited.code).toBe(0);
    const g2 = (await readBeatGrid(t))!;
    expect(g2.edits).toEqual(['double', 'shift-half', 'downbeat 5', 'nudge -10']);
    expect(gridPeriod(g2)).toBeCloseTo(period / 2, 2);
    // Shown without changes when asked again.
    expect((await cli('grid', t)).out).toMatch(/edits: double, shift-half, downbeat 5, nudge -10/);
  });

  it('refuses a malformed beats.json with the file and the offending beat, and bad options as usage errors', async () => {
    const t = take('broken', 100, 8);
    writeFileSync(join(t, 'beats.json'), JSON.stringify({ version: 1, source: 'x', edits: [], beats: [[2, 0], [1, 1]] }));
    const r = await cli('grid', t);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/beats\.json/);
    expect(r.err).toMatch(/not after/);
    writeFileSync(join(t, 'beats.json'), '{ not json');
    expect((await cli('grid', t)).err).toMatch(/not valid JSON/);
    expect((await cli('grid', t, '--meter', 'x')).err).toMatch(/--meter needs a number/);
    expect((await cli('grid')).err).toMatch(/name a take folder/);
    expect((await cli('grid', join(dir, 'missing'))).err).toMatch(/missing/);
  });

  it('analyze --rehearsals uses the takes as a prior and says which grids it used', async () => {
    const a = take('reh-a', 110, 20);
    const b = take('reh-b', 110, 20);
    await cli('grid', a);
    const file = join(dir, 'show.wav');
    writeFileSync(file, encodeWav([clicks(beatTimes(110, 0.5, 20), 20)], 22050));
    const r = await cli('analyze', file, '--json', '--rehearsals', a, b);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/rehearsal reh-a: \d+ beats from beats\.json/);
    expect(r.err).toMatch(/rehearsal reh-b: \d+ beats \(no beats\.json: analysed now/);
    const j = JSON.parse(r.out) as { beats: number[] };
    expect(j.beats.every(Number.isFinite)).toBe(true);
    expect((await cli('analyze', file, '--tracker', 'magic')).err).toMatch(/--tracker must be learned or dsp/);
    // The grids guide the learned tracker only: asking for the DSP one with them is a usage error.
    expect((await cli('analyze', file, '--tracker', 'dsp', '--rehearsals', a)).err).toMatch(/guide the learned tracker only/);
  });

  it('rehearsals are analysed together: a stored grid is kept and sets its song\'s beat level; an unreadable take is left out with why', async () => {
    const song = (name: string, offBeatLevel: number): string => {
      const t = join(dir, name);
      mkdirSync(t, { recursive: true });
      writeFileSync(join(t, 'audio.wav'), encodeWav([melodyTake(110, 40, offBeatLevel).samples], 22050));
      return t;
    };
    const soft = song('song-soft', 0.1);
    const plain = song('song-plain', 0.3);
    const stored = song('song-stored', 0.3);
    const listen = resolveListeningSettings({ tracker: 'learned' });
    await writeBeatGrid(stored, analyzeGrid(melodyTake(110, 40).samples, 22050, listen));
    const loaded = await loadRehearsals([soft, plain, join(dir, 'no-such-take'), stored], { tracker: 'learned' });
    const [a, b, d, c] = loaded;
    if (!a || 'error' in a || !b || 'error' in b || !c || 'error' in c) throw new Error('three takes should load');
    expect(a.analyzed && b.analyzed && !c.analyzed).toBe(true);
    // Alone, the soft take is heard at half its tempo; its song's stored grid holds it to the full one.
    expect(analyzeGrid(melodyTake(110, 40, 0.1).samples, 22050, listen).beats.length).toBeLessThan(45);
    expect(a.reference.grid.beats.length).toBeGreaterThan(65);
    expect(a.note).toMatch(/^song-soft: decoded alone at .* stored grid \(song-stored\) does not share/);
    expect(b.note).toBeUndefined();
    // What a person stored (or corrected) is used as it is.
    expect(c.reference.grid).toEqual((await readBeatGrid(stored))!);
    expect(d !== undefined && 'error' in d && d.error.message).toMatch(/no-such-take/);
    // A show says all of it on its banner lines.
    const show = await loadShowRehearsals(['song-soft', 'no-such-take', 'song-stored'], dir, { tracker: 'learned' });
    expect(show.references.map((r) => r.name)).toEqual(['song-soft', 'song-stored']);
    expect(show.lines.join('\n')).toMatch(/rehearsal grid: song-soft: decoded alone/);
    expect(show.lines.join('\n')).toMatch(/rehearsal grid: no-such-take NOT USED — .*no-such-take/);
    // A silent take (a dead input) is left out, loudly, not followed with a guessed grid.
    const silent = join(dir, 'song-silent');
    mkdirSync(silent, { recursive: true });
    writeFileSync(join(silent, 'audio.wav'), encodeWav([new Float32Array(20 * 22050)], 22050));
    const withSilent = await loadShowRehearsals(['song-silent', 'song-stored'], dir, { tracker: 'learned' });
    expect(withSilent.references.map((x) => x.name)).toEqual(['song-stored']);
    expect(withSilent.lines.join('\n')).toMatch(/rehearsal grid: song-silent NOT USED — its grid has no beats \(silent audio, a dead input\?\)/);
    // 'precue grid' analyses the takes it names together, the same way.
    const r = await cli('grid', stored, soft, '--analyze');
    expect(r.code).toBe(0);
    const bpms = [...r.out.matchAll(/analysed — \d+ beats, ([\d.]+) BPM/g)].map((m) => Number(m[1]));
    expect(bpms).toHaveLength(2);
    expect(Math.max(...bpms) / Math.min(...bpms)).toBeLessThan(1.3);
    expect(r.out.match(/decoded alone at/g)).toHaveLength(1);
    await writeBeatGrid(stored, analyzeGrid(melodyTake(110, 40).samples, 22050, listen));
    const kept = await cli('grid', stored, song('song-soft-2', 0.1));
    expect(kept.out).toMatch(/song-soft-2: analysed — 7\d beats/);
    expect(kept.out).toMatch(/song-soft-2: decoded alone at .* stored grid \(song-stored\) does not share/);
  });
});
