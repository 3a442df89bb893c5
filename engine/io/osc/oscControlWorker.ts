/**
 * The OSC control input thread: owns the UDP socket and runs every packet through OscPacketHandler,
 * so a flood of packets — malformed or not — is read, budgeted and refused here while the main
 * thread computes frames. Posts: `ready {port}` or `failed {message}`, then batches of commands with
 * the counters, and log lines.
 */
import dgram from 'node:dgram';
import { parentPort, workerData } from 'node:worker_threads';
import type { ControlEvent } from '../../core/control.js';
import { OscPacketHandler, type OscControlOptions, type OscControlStats } from './oscPacketHandler.js';

/** Messages from the worker. */
export type OscWorkerOut =
  | { readonly type: 'ready'; readonly port: number }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'batch'; readonly events: readonly ControlEvent[]; readonly stats: OscControlStats }
  | { readonly type: 'log'; readonly level: 'debug' | 'info' | 'warn' | 'error'; readonly message: string }
  | { readonly type: 'closed' };

const port = parentPort;
if (port === null) throw new Error('oscControlWorker must run in a worker thread');
const options = (workerData as { options: OscControlOptions; debug: boolean }).options;
const debug = (workerData as { debug: boolean }).debug;
const post = (m: OscWorkerOut): void => port.postMessage(m);

let events: ControlEvent[] = [];
let flushQueued = false;
const handler = new OscPacketHandler(
  options,
  (e) => events.push(e),
  (level, message) => {
    if (level !== 'debug' || debug) post({ type: 'log', level, message });
  },
);
const flush = (): void => {
  flushQueued = false;
  const out = events;
  events = [];
  post({ type: 'batch', events: out, stats: handler.stats });
};

const socket = dgram.createSocket({ type: 'udp4', reuseAddr: false });
socket.once('error', (err) => post({ type: 'failed', message: err.message }));
socket.bind(options.port, options.host, () => {
  socket.on('error', (err) => post({ type: 'log', level: 'warn', message: `osc in socket error: ${err.message}` }));
  post({ type: 'ready', port: socket.address().port });
});
socket.on('message', (msg, rinfo) => {
  handler.packet(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength), rinfo.address, rinfo.port);
  // One post per turn of this thread's loop: a flood costs the main thread a message now and then.
  if (!flushQueued) {
    flushQueued = true;
    setImmediate(flush);
  }
});
port.on('message', (m: { type: 'close' }) => {
  if (m.type === 'close') socket.close(() => {
    flush();
    post({ type: 'closed' });
    port.close();
  });
});
