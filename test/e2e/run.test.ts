import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

/** Binds a UDP socket on 127.0.0.1 at a free port and collects Art-Net DMX packets. */
async function artnetReceiver(): Promise<{ port: number; packets: Array<{ universe: number; data: Buffer }>; close: () => void }> {
  const socket = dgram.createSocket('udp4');
  const packets: Array<{ universe: number; data: Buffer }> = [];
  socket.on('message', (msg) => {
    if (msg.length >= 18 && msg.toString('latin1', 0, 8) === 'Art-Net\0' && msg.readUInt16LE(8) === 0x5000) {
      packets.push({ universe: msg.readUInt16LE(14), data: msg.subarray(18, 18 + msg.readUInt16BE(16)) });
    }
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  return { port: socket.address().port, packets, close: () => socket.close() };
}

describe('precue run (the demo show, as npm start runs it)', () => {
  it('says where the output goes, sends Art-Net for both universes with the audio running, and stops cleanly on SIGTERM', async () => {
    const rx = await artnetReceiver();
    const child = spawn(process.execPath, ['bin/precue.js', 'run', 'shows/demo', '--no-journal', '--port', '0', '--osc-in-port', '0', '--artnet-port', String(rx.port)], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      const started = Date.now();
      while (!out.includes('stop with Ctrl-C') && Date.now() - started < 60_000 && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
      expect(out, err).toContain('stop with Ctrl-C');
      expect(out).toMatch(/DMX universe 1 \(Pars\): Art-Net to 127\.0\.0\.1:\d+ \(net 0, subnet 0, universe 0\) at 44 Hz/);
      expect(out).toMatch(/audio: takes\/demo\/audio\.wav \(100\.0 s, 22050 Hz, real time, looped\)/);
      expect(out).toMatch(/console: http:\/\/127\.0\.0\.1:\d+\/#token=\S+/);
      expect(out).toMatch(/console roles: operator \((generated|stored)\)/);
      // Keep-alive frames arrive for both universes even before any cue (DMX never goes silent).
      const waitStart = Date.now();
      while (Date.now() - waitStart < 3000 && !(rx.packets.some((p) => p.universe === 0) && rx.packets.some((p) => p.universe === 1))) await new Promise((r) => setTimeout(r, 50));
      expect(new Set(rx.packets.map((p) => p.universe))).toEqual(new Set([0, 1]));
    } finally {
      child.kill('SIGTERM');
      const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('timeout'), 8000))]);
      rx.close();
      expect(code).toBe(0);
      expect(err).toContain('SIGTERM: stopping cleanly');
      expect(err).not.toMatch(/internal error|ERROR/);
    }
  }, 90_000);
});
