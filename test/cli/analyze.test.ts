import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeWav } from '../../engine/core/audio/wav.js';
import { runCaptured } from './captured.js';
import { beatTimes, clicks } from '../core/audio/signals.js';

const dir = mkdtempSync(join(tmpdir(), 'precue-analyze-'));

const analyze = (...args: string[]): ReturnType<typeof runCaptured> => runCaptured(['analyze', ...args]);

describe('precue analyze', () => {
  it('prints tempo, beats, downbeats, onsets and sections as JSON, and writes a plot', async () => {
    const file = join(dir, 'clicks.wav');
    const x = clicks(beatTimes(120, 0.5, 15), 15, 44100);
    writeFileSync(file, encodeWav([x, x], 44100, 's24le'));
    const plot = join(dir, 'plot.html');
    const r = await analyze(file, '--json', '--plot', plot);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { tempoBpm: number; beats: number[]; downbeats: number[]; onsets: number[]; sections: number[] };
    expect(Object.keys(j)).toEqual(['tempoBpm', 'beats', 'downbeats', 'onsets', 'sections']);
    expect(Math.abs(j.tempoBpm - 120)).toBeLessThan(3);
    expect(j.beats.length).toBeGreaterThan(20);
    expect(j.downbeats.every((d) => j.beats.includes(d))).toBe(true);
    expect(readFileSync(plot, 'utf8')).toMatch(/<svg/);
  });

  it('says which file is broken and why, with exit code 1', async () => {
    const file = join(dir, 'broken.wav');
    writeFileSync(file, encodeWav([new Float32Array(1000)], 8000).subarray(0, 200));
    const r = await analyze(file);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/broken\.wav: file is truncated/);
  });

  it('refuses a call without an audio file as a usage mistake (exit 2)', async () => {
    const r = await analyze();
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/give one audio file/);
  });
});
