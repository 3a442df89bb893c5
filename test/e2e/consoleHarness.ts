/**
 * Pieces the console e2e tests share: a free port, an Art-Net receiver on loopback, and an engine
 * process to start, kill and restart (the stand-in `fakeEngineProcess.ts`, or `precue run` when asked).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { decodeArtnet } from '../../engine/core/dmx/artnet.js';

/** A TCP port free on 127.0.0.1 right now: the desk app's helper, so tests and the desk agree. */
export { freePort } from '../../console/electron/engineProcess.js';

/** One ArtDmx packet as received. */
export interface ReceivedDmx {
  /** `performance.now()` at arrival. */
  readonly at: number;
  readonly portAddress: number;
  readonly data: Uint8Array;
}

/** Listens for ArtDmx on 127.0.0.1 and lets a test wait for a packet that matches. */
export class ArtnetReceiver {
  readonly packets: ReceivedDmx[] = [];
  private waiters: Array<{ pred: (p: ReceivedDmx) => boolean; since: number; done: (p: ReceivedDmx) => void }> = [];
  private constructor(private readonly socket: Socket, readonly port: number) {
    socket.on('message', (msg) => {
      let packet;
      try {
        packet = decodeArtnet(msg);
      } catch {
        return;
      }
      if (packet.op !== 'dmx') return;
      const p: ReceivedDmx = { at: performance.now(), portAddress: packet.portAddress, data: packet.data };
      this.packets.push(p);
      if (this.packets.length > 10_000) this.packets.splice(0, 5_000);
      for (const w of [...this.waiters]) if (p.at >= w.since && w.pred(p)) { this.waiters.splice(this.waiters.indexOf(w), 1); w.done(p); }
    });
  }

  /** Binds to `port` (0 = any) on 127.0.0.1. */
  static async open(port = 0): Promise<ArtnetReceiver> {
    const socket = createSocket({ type: 'udp4' });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, '127.0.0.1', () => resolve());
    });
    return new ArtnetReceiver(socket, socket.address().port);
  }

  /** The first packet at or after `since` matching `pred`; rejects after `timeoutMs`. */
  waitFor(pred: (p: ReceivedDmx) => boolean, since: number, timeoutMs = 5000): Promise<ReceivedDmx> {
    const have = this.packets.find((p) => p.at >= since && pred(p));
    if (have !== undefined) return Promise.resolve(have);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.done !== done);
        reject(new Error(`no matching ArtDmx packet within ${timeoutMs} ms (got ${this.packets.length} packets)`));
      }, timeoutMs);
      const done = (p: ReceivedDmx): void => { clearTimeout(timer); resolve(p); };
      this.waiters.push({ pred, since, done });
    });
  }

  close(): void {
    this.socket.close();
  }
}

/** A running engine process. */
export interface EngineProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Output so far, for failure messages. */
  output(): string;
  /** SIGKILL (a crash) or SIGTERM (a clean stop); resolves when the process is gone. */
  kill(signal: 'SIGKILL' | 'SIGTERM'): Promise<void>;
}

/** Tokens the e2e tests use. */
export const e2eTokens = {
  viewer: 'e2e-viewer-token-0123456789',
  operator: 'e2e-operator-token-0123456789',
  admin: 'e2e-admin-token-0123456789',
};

/**
 * Spawns `node <args>` and waits (bounded) until it prints its console URL. With the e2e tokens in
 * the environment unless `env` says otherwise (`null` drops a variable).
 */
export function spawnEngine(args: readonly string[], readyPattern: RegExp, timeoutMs = 30_000, env: Readonly<Record<string, string | null>> = {}): Promise<EngineProcess> {
  const merged: Record<string, string | undefined> = {
    ...process.env,
    PRECUE_TOKEN_VIEWER: e2eTokens.viewer, PRECUE_TOKEN_OPERATOR: e2eTokens.operator, PRECUE_TOKEN_ADMIN: e2eTokens.admin,
  };
  for (const [k, v] of Object.entries(env)) {
    if (v === null) delete merged[k];
    else merged[k] = v;
  }
  const child = spawn(process.execPath, [...args], {
    cwd: process.cwd(),
    env: merged,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`engine did not start within ${timeoutMs} ms:\n${out}`)); }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString('utf8');
      const m = readyPattern.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolve({
          url: m[1] ?? '',
          child,
          output: () => out,
          kill: async (signal) => {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            await exited;
          },
        });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`engine exited with ${code} before it was ready:\n${out}`)); });
  });
}

/** Starts the stand-in engine on `port`, sending Art-Net to `artnetPort`. */
export function startFakeEngine(port: number, artnetPort: number, lxCurrent?: string): Promise<EngineProcess> {
  return spawnEngine(
    ['--import', 'tsx', 'test/e2e/fakeEngineProcess.ts', '--port', String(port), '--artnet-port', String(artnetPort),
      ...(lxCurrent !== undefined ? ['--lx-current', lxCurrent] : [])],
    /READY (\S+)/,
  );
}

/**
 * Starts the real engine, `precue run <show>`, with its console on `port` and Art-Net sent to
 * 127.0.0.1:`artnetPort`. Without the model (the tests drive every department by hand) and with OSC
 * control on a free port (parallel test files must not collide).
 */
export function startRealEngine(port: number, artnetPort: number, show = 'shows/demo'): Promise<EngineProcess> {
  return spawnEngine(
    ['bin/precue.js', 'run', show, '--port', String(port), '--artnet-host', '127.0.0.1', '--artnet-port', String(artnetPort),
      '--no-model', '--osc-in-port', '0',
      // The shared demo folder is not journaled here: a test killing its engine expects a fresh start
      // (resuming from the journal is test/reliability/journalResume.test.ts's business).
      '--no-journal'],
    /console: (https?:\/\/[^\s#]+\/)/,
    60_000,
  );
}
