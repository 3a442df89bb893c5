/**
 * A stand-in engine process for the console e2e tests, until `precue run` exists: the fake
 * ConsoleEngine, the real console server, and Art-Net (the real ArtDmx encoder) sent on every level
 * change. It also simulates listening (meters, 120 BPM beats) and an armed LX prediction, so a
 * screenshot shows a console mid-show.
 *
 * Usage: node --import tsx test/e2e/fakeEngineProcess.ts --port N --artnet-port N [--lx-current Q]
 * Tokens from PRECUE_TOKEN_VIEWER / _OPERATOR / _ADMIN. Prints `READY <url>` once listening.
 */
import { createSocket } from 'node:dgram';
import { parseArgs } from 'node:util';
import { ArtDmxEncoder } from '../../engine/core/dmx/artnet.js';
import { buildConsolePage } from '../../engine/io/server/page.js';
import { resolveRoleTokens } from '../../engine/io/server/auth.js';
import { startConsoleServer } from '../../engine/io/server/server.js';
import { FakeEngine } from '../io/server/fakeEngine.js';

const { values } = parseArgs({
  options: { port: { type: 'string' }, 'artnet-port': { type: 'string' }, 'lx-current': { type: 'string' } },
});
const artnetPort = Number(values['artnet-port'] ?? 6454);
const socket = createSocket('udp4');
const encoder = new ArtDmxEncoder({ net: 0, subnet: 0, universe: 0 });
const start = performance.now();
const engine = new FakeEngine({
  engineId: `fake-${process.pid}`,
  lxCurrent: values['lx-current'] ?? null,
  now: () => performance.now() - start,
  onLevels: (levels) => {
    const n = encoder.encode(levels);
    socket.send(encoder.packet.subarray(0, n), artnetPort, '127.0.0.1');
  },
});

// Listening and the model, simulated: 120 BPM in 4/4, a breathing level, an armed LX prediction.
let beatCount = 0;
setInterval(() => {
  const t = engine.now();
  beatCount = Math.floor(t / 500);
  const rmsDb = -24 + 8 * Math.sin(t / 700);
  engine.emit({
    type: 'audio',
    audio: {
      running: true, rmsDb, peakDb: Math.min(0, rmsDb + 9), tempoBpm: 120.2, tempoConfidence: 0.9,
      beatCount, beatInBar: (beatCount % 4) + 1, beatsPerBar: 4, bar: Math.floor(beatCount / 4) + 1, lastBeatAtMs: beatCount * 500,
    },
  });
  const lx = engine.dept('LX');
  if (lx !== undefined && lx.mode === 'assist' && lx.prediction === null && lx.standby !== null) {
    engine.emit({ type: 'dept', dept: 'LX', patch: { prediction: { cue: lx.standby, confidence: 0.87, fireAtMs: t + 6000, armed: true, source: 'model' } } });
  }
  const vid = engine.dept('VID');
  if (vid !== undefined && vid.prediction === null && vid.standby !== null) {
    engine.emit({ type: 'dept', dept: 'VID', patch: { prediction: { cue: vid.standby, confidence: 0.54, fireAtMs: t + 9000, armed: false, source: 'model' } } });
  }
}, 100).unref();

const tokens = resolveRoleTokens({ env: process.env });
const server = await startConsoleServer({ engine, tokens: tokens.tokens, port: Number(values.port ?? 0), page: await buildConsolePage() });
const keepAlive = setInterval(() => undefined, 60_000);
process.stdout.write(`READY ${server.url}\n`);
// Send the current levels once, like a real engine's keep-alive, so a receiver knows the start look.
engine.execute({ type: 'set-grand-master', level: 1 }, { role: 'operator', name: 'startup' });
const shutdown = (): void => {
  clearInterval(keepAlive);
  void server.close().then(() => { socket.close(); process.exit(0); });
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
