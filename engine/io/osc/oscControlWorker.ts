/**
 * The OSC control input thread: owns the UDP socket and runs every packet through OscPacketHandler,
 * so a flood of packets — malformed or not — is read, budgeted and refused here while the main
 * thread computes frames. Posts `ready {port}` or `failed {message}`, then batches of requests for
 * the engine with the counters, and log lines; sends the replies and updates the main thread posts
 * back, from the socket the requests came in on.
 */
import dgram from 'node:dgram';
import { parentPort, workerData } from 'node:worker_threads';
import { encodeOscMessage, type OscMessageSpec } from '../../core/osc/packet.js';
import { oscReplyMessage } from '../../core/osc/respond.js';
import { OscPacketHandler, type OscControlOptions, type OscControlStats, type OscEngineRequest, type OscPeer } from './oscPacketHandler.js';

/** Messages from the worker. */
export type OscWorkerOut =
  | { readonly type: 'ready'; readonly port: number }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'batch'; readonly requests: readonly OscEngineRequest[]; readonly stats: OscControlStats; readonly subscribers: number }
  | { readonly type: 'log'; readonly level: 'debug' | 'info' | 'warn' | 'error'; readonly message: string }
  | { readonly type: 'closed' };

/** Messages to the worker: messages to send (to one peer, or to every update subscriber), or close. */
export type OscWorkerIn =
  | { readonly type: 'send'; readonly to: OscPeer | 'subscribers'; readonly messages: readonly OscMessageSpec[] }
  | { readonly type: 'close'; readonly farewell?: OscMessageSpec };

const port = parentPort;
if (port === null) throw new Error('oscControlWorker must run in a worker thread');
const options = (workerData as { options: OscControlOptions; debug: boolean }).options;
const debug = (workerData as { debug: boolean }).debug;
const post = (m: OscWorkerOut): void => port.postMessage(m);
const say = (level: 'debug' | 'info' | 'warn' | 'error', message: string): void => {
  if (level !== 'debug' || debug) post({ type: 'log', level, message });
};

const socket = dgram.createSocket({ type: options.host.includes(':') ? 'udp6' : 'udp4', reuseAddr: false });
const send = (to: OscPeer, m: OscMessageSpec): void => {
  let bytes: Uint8Array;
  try {
    bytes = encodeOscMessage(m);
  } catch (err) {
    say('error', `OSC reply not encoded: ${err instanceof Error ? err.message : String(err)}`);
    return;
  }
  socket.send(bytes, to.port, to.address, (err) => {
    if (err !== null && err !== undefined) say('debug', `OSC to ${to.address}:${to.port} failed: ${err.message}`);
  });
};

let requests: OscEngineRequest[] = [];
let flushQueued = false;
let handler: OscPacketHandler;
try {
  handler = new OscPacketHandler(options, (r) => requests.push(r), (to, address, reply) => send(to, oscReplyMessage(address, reply)), say);
} catch (err) {
  post({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
  throw err;
}
const flush = (): void => {
  flushQueued = false;
  const out = requests;
  requests = [];
  post({ type: 'batch', requests: out, stats: handler.stats, subscribers: handler.subscribers.size });
};
const queueFlush = (): void => {
  // One post per turn of this thread's loop: a flood costs the main thread a message now and then.
  if (!flushQueued) {
    flushQueued = true;
    setImmediate(flush);
  }
};

/**
 * The first OSC command after start runs code V8 has not compiled yet in this thread: the packet's
 * decode, the dictionary and the reply's encode. Profiling `bench/latency.ts` showed this thread
 * spend ~7 ms on the first OSC GO where later ones take well under 1. So before the socket opens, a
 * scratch handler (its own budget, no allow list or passcode; nothing forwarded, sent or logged) reads
 * a GO, a query, an unknown address (answered) and a malformed packet. Any failure here only leaves the code cold.
 */
function warmUp(): void {
  const { allow: _allow, passcode: _passcode, ...open } = options;
  const scratch = new OscPacketHandler(open, () => undefined, (_to, address, reply) => void encodeOscMessage(oscReplyMessage(address, reply)), () => undefined);
  for (const m of [{ address: '/precue/go/WARM' }, { address: '/go', args: ['WARM'] }, { address: '/thump' }, { address: '/warm-up/unknown' }]) scratch.packet(encodeOscMessage(m), '127.0.0.1', 9);
  scratch.packet(Uint8Array.of(0x2f, 0x67), '127.0.0.1', 9);
}
try {
  warmUp();
} catch {
  // A warm-up that fails changes nothing: the first packet is merely slower.
}

socket.once('error', (err) => post({ type: 'failed', message: err.message }));
socket.bind(options.port, options.host, () => {
  socket.on('error', (err) => say('warn', `osc in socket error: ${err.message}`));
  post({ type: 'ready', port: socket.address().port });
});
socket.on('message', (msg, rinfo) => {
  handler.packet(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength), rinfo.address, rinfo.port);
  queueFlush();
});
port.on('message', (m: OscWorkerIn) => {
  switch (m.type) {
    case 'send':
      for (const msg of m.messages) {
        if (m.to === 'subscribers') {
          for (const s of handler.subscribers.values()) send(s, msg);
          handler.stats.updates += handler.subscribers.size;
        } else {
          send(m.to, msg);
          handler.stats.replies++;
        }
      }
      return;
    case 'close':
      if (m.farewell !== undefined) for (const s of handler.subscribers.values()) send(s, m.farewell);
      // Let the farewells leave before the socket closes.
      setImmediate(() =>
        socket.close(() => {
          flush();
          post({ type: 'closed' });
          port.close();
        }),
      );
      return;
  }
});
