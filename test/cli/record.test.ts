/**
 * `precue record` as a user runs it, on a show playing a 6 s cut of the demo audio (once, in real
 * time, every department by hand): the take's audio is the engine's own input — sample for sample the
 * show's file from its first sample, not a second copy opened later — and a GO sent over OSC while it
 * records is in cues.jsonl, by osc, at the audio time it went.
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeWav, encodeWav } from '../../engine/core/audio/wav.js';
import { encodeOscMessage } from '../../engine/core/osc/packet.js';

const root = resolve(import.meta.dirname, '../..');
const demo = join(root, 'shows/demo');
const haveDemo = existsSync(join(demo, 'takes/demo/audio.wav'));
const dir = mkdtempSync(join(tmpdir(), 'precue-record-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!haveDemo)('precue record (needs the demo take)', () => {
  it('records the audio the engine hears from its first sample and an OSC GO at its audio time', async () => {
    const show = JSON.parse(readFileSync(join(demo, 'show.json'), 'utf8')) as Record<string, unknown> & { departments: Array<{ mode: string }> };
    const wav = decodeWav(readFileSync(join(demo, 'takes/demo/audio.wav')), 'audio.wav');
    const source = wav.samples.slice(0, 6 * wav.sampleRate);
    const showDir = join(dir, 'show');
    mkdirSync(showDir, { recursive: true });
    writeFileSync(join(showDir, 'clip.wav'), encodeWav([source], wav.sampleRate));
    for (const d of show.departments) d.mode = 'manual';
    delete show['$schema'];
    writeFileSync(join(showDir, 'show.json'), JSON.stringify({ ...show, audio: { source: { kind: 'file', path: 'clip.wav', realtime: true, loop: false } } }));

    const child = spawn(process.execPath, ['bin/precue.js', 'record', showDir, '--take', 'rehearsal-1', '--no-console', '--no-model', '--osc-in-port', '0', '--artnet-port', '9'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const start = Date.now();
    while (!err.includes('recording to') && Date.now() - start < 30_000 && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
    const oscPort = Number(/OSC control in: 127\.0\.0\.1:(\d+)/.exec(err)?.[1]);
    const recordingAt = Date.now();
    await new Promise((r) => setTimeout(r, 2000));
    const osc = createSocket('udp4');
    const sentAt = Date.now();
    osc.send(encodeOscMessage({ address: '/precue/go/LX' }), oscPort, '127.0.0.1');
    const code = await exited;
    osc.close();
    expect(code, err).toBe(0);
    expect(out).toMatch(/recorded .*rehearsal-1: 6\.0 s of audio, 1 cues/);

    const take = join(showDir, 'takes', 'rehearsal-1');
    const recorded = decodeWav(readFileSync(join(take, 'audio.wav')), 'audio.wav');
    expect(recorded.sampleRate).toBe(wav.sampleRate);
    expect(recorded.samples.length).toBe(source.length);
    // 16-bit PCM: within one step of the source, from the very first sample.
    let worst = 0;
    for (let i = 0; i < source.length; i++) worst = Math.max(worst, Math.abs(recorded.samples[i]! - source[i]!));
    expect(worst).toBeLessThan(2 / 32768);
    const cues = readFileSync(join(take, 'cues.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { t: number; dept: string; cue: string; by: string });
    expect(cues).toHaveLength(1);
    expect(cues[0]).toMatchObject({ dept: 'LX', cue: '1', by: 'osc' });
    // The GO went about 2 s after the recording began (the audio starts as the engine starts, a little before).
    expect(cues[0]!.t).toBeGreaterThan((sentAt - recordingAt) / 1000);
    expect(cues[0]!.t).toBeLessThan(5.5);
  }, 60_000);
});
