/**
 * Hostile traffic while the show runs: `precue run` on a show whose LX cue fades every channel (the
 * heads' 16-bit pan/tilt change on every frame), then a flood of malformed OSC packets (the fuzzer's
 * generator) and malformed, oversized and flooding console WebSocket messages from many connections.
 * Measured at an Art-Net receiver: fresh frames per second and the gap between fresh frames (a frame
 * whose bytes differ from the one before: the main thread computed it); then the next valid OSC /go
 * and console GO must work, and RSS must come back within 10% of before.
 *
 * (MSC and MIDI input need an ALSA sequencer, absent here: their bytes are fuzzed in-process.)
 */
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { Worker } from 'node:worker_threads';
import WebSocket from 'ws';
import { oscToControl } from '../../engine/core/osc/dictionary.js';
import { decodeOscPacket, encodeOscMessage } from '../../engine/core/osc/packet.js';
import type { FrameTickWindow } from '../../engine/io/frameTicks.js';
import { startPrecue, writeTestShow, type PrecueProcess } from '../../test/reliability/precueProcess.js';
import { fuzzTargets, loadFuzzContext } from './fuzzTargets.js';

/** How much traffic. */
export interface HostileOptions {
  readonly oscPackets: number;
  readonly wsMessages: number;
  readonly wsConnections: number;
}

/** What the run measured. */
export interface HostileResult {
  readonly oscSent: number;
  readonly wsSent: number;
  /** The engine's own frame ticks (from /healthz) during the flood and 1.5 s after. */
  readonly engineFrames: FrameTickWindow;
  /** The same figures over 3 s before the flood. */
  readonly baseline: { readonly freshHz: number; readonly gapP99Ms: number; readonly engine: FrameTickWindow };
  /** At the Art-Net receiver: frames whose bytes changed (the frame clock thread resends the last look between two looks). */
  readonly freshHz: number;
  readonly freshGapP99Ms: number;
  readonly freshGapMaxMs: number;
  readonly rssBeforeMB: number;
  readonly rssAfterMB: number;
  readonly oscGoWorked: boolean;
  readonly consoleGoWorked: boolean;
  readonly exitCode: number | string;
  readonly healthz: unknown;
  readonly log: string;
}

const TOKEN = 'hostile-operator-token-0123456789';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const rssMB = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

function p99(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.99))] ?? 0;
}

function isMalformed(bytes: Uint8Array): boolean {
  try {
    return decodeOscPacket(bytes).every((m) => {
      try {
        oscToControl(m);
        return false;
      } catch {
        return true;
      }
    });
  } catch {
    return true;
  }
}

/**
 * The Art-Net receiver runs in its own thread: the test's own thread is busy flooding, and timing
 * packets there would measure the test, not the engine.
 */
const RECEIVER = `
const { parentPort } = require('node:worker_threads');
const dgram = require('node:dgram');
const s = dgram.createSocket('udp4');
let measuring = false, last, lastFresh = 0, fresh = 0, gaps = [], pars0 = -1;
s.on('message', (msg) => {
  if (msg.length < 18 || msg.toString('latin1', 0, 8) !== 'Art-Net\\0') return;
  const universe = msg.readUInt16LE(14);
  const data = msg.subarray(18);
  if (universe === 0) pars0 = data[0];
  if (universe !== 1) return;
  const t = performance.now();
  if (last === undefined || !data.equals(last)) {
    if (measuring) { fresh++; if (fresh > 1) gaps.push(t - lastFresh); }
    lastFresh = t;
    last = Buffer.from(data);
  }
});
s.bind(0, '127.0.0.1', () => parentPort.postMessage({ type: 'port', port: s.address().port }));
parentPort.on('message', (m) => {
  if (m === 'start') { measuring = true; fresh = 0; gaps = []; }
  else if (m === 'stop') { measuring = false; parentPort.postMessage({ type: 'stats', fresh, gaps }); }
  else if (m === 'pars') parentPort.postMessage({ type: 'pars', value: pars0 });
  else if (m === 'close') s.close(() => process.exit(0));
});
`;

/** Runs the whole scenario in `dir` (a fresh folder). */
export async function hostileRun(dir: string, o: HostileOptions): Promise<HostileResult> {
  await writeTestShow(dir, {
    edit: (show) => {
      show.inputs = { osc: { port: 53000, host: '127.0.0.1' } };
      const lx = (show.departments as Array<{ id: string; mode: string; cues: unknown[] }>)[0]!;
      lx.mode = 'manual';
      lx.cues = [
        { number: '1', fadeUpMs: 0, levels: { pars: { intensity: 1, color: '#ffffff' }, heads: { intensity: 1, pan: 0, tilt: 0 }, haze: { haze: 0 } } },
        { number: '2', fadeUpMs: 30_000, fadeDownMs: 30_000, levels: { pars: { intensity: 0.02, color: '#102030' }, heads: { intensity: 0.1, pan: 520, tilt: 250 }, haze: { haze: 0 } } },
      ];
    },
  });
  // Art-Net receiver: universe 0 (pars) and 1 (heads), in a worker thread.
  const rx = new Worker(RECEIVER, { eval: true });
  const ask = <T>(m: string, type: string): Promise<T> =>
    new Promise((resolve) => {
      const on = (r: { type: string }): void => {
        if (r.type !== type) return;
        rx.off('message', on);
        resolve(r as T);
      };
      rx.on('message', on);
      if (m !== '') rx.postMessage(m);
    });
  const rxPort = (await ask<{ port: number }>('', 'port')).port;
  const window = async (ms: number): Promise<{ hz: number; gaps: number[] }> => {
    rx.postMessage('start');
    await sleep(ms);
    const st = await ask<{ fresh: number; gaps: number[] }>('stop', 'stats');
    return { hz: st.fresh / (ms / 1000), gaps: st.gaps };
  };
  const p: PrecueProcess = startPrecue(['run', dir, '--port', '0', '--osc-in-port', '0', '--artnet-host', '127.0.0.1', '--artnet-port', String(rxPort), '--no-model'], { PRECUE_TOKEN_OPERATOR: TOKEN });
  const osc = dgram.createSocket('udp4');
  const sockets: WebSocket[] = [];
  try {
    if (!(await p.waitFor(/stop with Ctrl-C/, 60_000))) throw new Error(`engine did not start: ${p.err().slice(-500)}`);
    const oscPort = Number(/OSC control in: 127\.0\.0\.1:(\d+)/.exec(p.out())?.[1]);
    const consoleUrl = /console: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(p.out())?.[1];
    if (!(oscPort > 0) || consoleUrl === undefined) throw new Error(`no OSC port or console URL in the banner:\n${p.out()}`);
    const wsUrl = `${consoleUrl.replace('http', 'ws')}ws?token=${TOKEN}`;
    const sendOsc = (address: string): void => osc.send(encodeOscMessage({ address }), oscPort, '127.0.0.1');
    sendOsc('/precue/cue/LX/1');
    await sleep(500);
    sendOsc('/precue/cue/LX/2'); // every channel now fades for 30 s
    await sleep(1000);
    // Baseline: the same measures with no hostile traffic (says whether this machine can judge timing).
    const health = async (): Promise<{ frames: FrameTickWindow }> => {
      for (let attempt = 1; ; attempt++) {
        try {
          return (await (await fetch(`${consoleUrl}healthz`, { signal: AbortSignal.timeout(5000) })).json()) as { frames: FrameTickWindow };
        } catch (err) {
          if (attempt >= 4) throw new Error(`/healthz did not answer (${err instanceof Error ? err.message : String(err)}); engine ${p.child.exitCode === null ? 'running' : `exited ${p.child.exitCode}`}:\n${p.err().slice(-1500)}`);
          await sleep(250);
        }
      }
    };
    await health();
    const base = await window(3000);
    const baseline = { freshHz: base.hz, gapP99Ms: p99(base.gaps), engine: (await health()).frames };
    const rssBefore = rssMB(p.child.pid!);

    // The flood.
    // Only malformed packets (the generator also makes valid commands — a GM 0 or a PANIC would be
    // obeyed, rightly): each either fails to decode or carries no message that maps to a command.
    const generated = fc.sample(fuzzTargets(await loadFuzzContext())[0]!.arbitrary as fc.Arbitrary<Uint8Array>, { numRuns: 6000, seed: 23 }).filter(isMalformed);
    rx.postMessage('start');
    await health();
    const floodStart = performance.now();
    let oscSent = 0;
    const oscFlood = (async () => {
      while (oscSent < o.oscPackets) {
        for (let k = 0; k < 500 && oscSent < o.oscPackets; k++, oscSent++) {
          const b = generated[oscSent % generated.length]!;
          if (b.length > 0 && b.length < 65_000) osc.send(b, oscPort, '127.0.0.1');
        }
        await sleep(2);
      }
    })();
    const bad = [
      'not json', '{"type":"command"}', `{"type":"ping","id":"x","clientTime":${'['.repeat(5000)}${']'.repeat(5000)}}`,
      JSON.stringify({ type: 'command', id: 'a', command: { type: 'go', dept: 'NOPE' } }), 'x'.repeat(20_000), '{"type":"resync"}',
    ];
    let wsSent = 0;
    const wsFlood = (async () => {
      const perConnection = Math.ceil(o.wsMessages / o.wsConnections);
      await Promise.all(Array.from({ length: o.wsConnections }, async (_, c) => {
        let sent = 0;
        while (sent < perConnection && wsSent < o.wsMessages) {
          const ws = new WebSocket(wsUrl);
          sockets.push(ws);
          const opened = await new Promise<boolean>((r) => {
            ws.once('open', () => r(true));
            ws.once('error', () => r(false));
            ws.once('unexpected-response', () => r(false));
          });
          if (!opened) {
            await sleep(100);
            continue;
          }
          ws.on('error', () => undefined);
          ws.on('message', () => undefined);
          for (let i = 0; i < 300 && sent < perConnection && ws.readyState === WebSocket.OPEN; i++, sent++, wsSent++) {
            const k = (c + sent) % (bad.length + 1);
            if (i === 299) ws.send('y'.repeat(70_000)); // past maxPayload: the server closes this one
            else if (k === bad.length) ws.send(Buffer.alloc(100), { binary: true });
            else ws.send(bad[k]!);
            if (i % 50 === 49) await sleep(1);
          }
          ws.terminate();
        }
      }));
    })();
    await Promise.all([oscFlood, wsFlood]);
    await sleep(1500);
    const flood = await ask<{ fresh: number; gaps: number[] }>('stop', 'stats');
    const engineFrames = (await health()).frames;
    const windowS = (performance.now() - floodStart) / 1000;

    // The show is still in control: a valid OSC cue (from another address: the flooder's own budget
    // is spent, as it should be) and a console GO.
    const operatorOsc = dgram.createSocket('udp4');
    await new Promise<void>((r) => operatorOsc.bind(0, '127.0.0.2', () => r()));
    operatorOsc.send(encodeOscMessage({ address: '/precue/cue/LX/1' }), oscPort, '127.0.0.1');
    const oscStart = performance.now();
    let pars0 = -1;
    while (pars0 !== 255 && performance.now() - oscStart < 3000) {
      await sleep(20);
      pars0 = (await ask<{ value: number }>('pars', 'pars')).value;
    }
    operatorOsc.close();
    const oscGoWorked = pars0 === 255;
    const ws = new WebSocket(wsUrl);
    sockets.push(ws);
    const consoleGoWorked = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 5000);
      ws.on('message', (data) => {
        const m = JSON.parse((data as Buffer).toString('utf8')) as { type: string; id?: string };
        if (m.type === 'init') ws.send(JSON.stringify({ type: 'command', id: 'go-after', command: { type: 'go', dept: 'LX' } }));
        if (m.type === 'ack' && m.id === 'go-after') {
          clearTimeout(timer);
          resolve(true);
        }
      });
      ws.on('error', () => resolve(false));
    });
    const healthz: unknown = await health();
    // Memory comes back once the flood is over (the heap's young generation empties on its own).
    let rssAfter = rssMB(p.child.pid!);
    for (let i = 0; i < 20 && rssAfter > rssBefore * 1.1; i++) {
      await sleep(500);
      rssAfter = rssMB(p.child.pid!);
    }
    p.child.kill('SIGTERM');
    const exitCode = await Promise.race([p.exited, sleep(10_000).then(() => 'timeout')]);
    return {
      oscSent, wsSent, engineFrames, baseline, freshHz: flood.fresh / windowS, freshGapP99Ms: p99(flood.gaps), freshGapMaxMs: flood.gaps.reduce((m, g) => Math.max(m, g), 0),
      rssBeforeMB: rssBefore, rssAfterMB: rssAfter, oscGoWorked, consoleGoWorked, exitCode, healthz, log: p.err().slice(-2000),
    };
  } finally {
    for (const s of sockets) s.terminate();
    if (p.child.exitCode === null) p.child.kill('SIGKILL');
    osc.close();
    rx.postMessage('close');
  }
}
