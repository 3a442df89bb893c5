/**
 * Real OBS Studio for tests: Debian's `obs-studio` under `xvfb-run`, with a throw-away profile (its
 * own HOME) whose global.ini enables the WebSocket server on a free port with a random password.
 * obs-websocket 5.1 has no bind-address setting: the server listens on every interface for the few
 * seconds the test runs, behind that password; the test connects over 127.0.0.1 only.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OBSWebSocket } from 'obs-websocket-js/json';

/** Why OBS cannot run here, or null when it can. */
export function obsUnavailable(): string | null {
  for (const tool of ['obs', 'xvfb-run']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`], { timeout: 5000 }).status !== 0) return `${tool} is not installed (apt-get install obs-studio xvfb)`;
  }
  return null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** A running OBS. */
export interface RunningObs {
  readonly port: number;
  readonly password: string;
  /** A client of the test's own (to set OBS up and watch it). */
  readonly client: OBSWebSocket;
  /** Everything OBS printed (for a failing test's message). */
  log(): string;
  stop(): Promise<void>;
}

/** Starts OBS and connects to it; rejects with OBS's output if it does not come up within `timeoutMs`. */
export async function startObs(timeoutMs = 90_000): Promise<RunningObs> {
  const home = await mkdtemp(join(tmpdir(), 'precue-obs-'));
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  await mkdir(join(home, '.config', 'obs-studio', 'basic', 'profiles', 'Untitled'), { recursive: true });
  // A small canvas at 60 fps: software GL renders it cheaply, and a cut lands on a 16 ms frame grid.
  await writeFile(
    join(home, '.config', 'obs-studio', 'basic', 'profiles', 'Untitled', 'basic.ini'),
    ['[General]', 'Name=Untitled', '', '[Video]', 'BaseCX=640', 'BaseCY=360', 'OutputCX=640', 'OutputCY=360', 'FPSType=0', 'FPSCommon=60', ''].join('\n'),
  );
  await writeFile(
    join(home, '.config', 'obs-studio', 'global.ini'),
    ['[General]', 'FirstRun=true', '', '[Basic]', 'Profile=Untitled', 'ProfileDir=Untitled', '', '[OBSWebSocket]', 'FirstLoad=false', 'ServerEnabled=true', `ServerPort=${port}`, 'AlertsEnabled=false', 'AuthRequired=true', `ServerPassword=${password}`, ''].join('\n'),
  );
  let output = '';
  const child: ChildProcess = spawn('xvfb-run', ['-a', 'obs', '--minimize-to-tray', '--disable-shutdown-check', '--multi', '--disable-updater'], {
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), LIBGL_ALWAYS_SOFTWARE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout?.on('data', (b: Buffer) => (output = (output + b.toString()).slice(-20_000)));
  child.stderr?.on('data', (b: Buffer) => (output = (output + b.toString()).slice(-20_000)));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.pid !== undefined) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      try {
        process.kill(-child.pid, 'SIGTERM'); // the process group this test started: xvfb-run, Xvfb, obs
      } catch {
        // already gone
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    await rm(home, { recursive: true, force: true });
  };
  const client = new OBSWebSocket();
  const start = Date.now();
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`OBS exited (${child.exitCode}) before its WebSocket server came up:\n${output}`);
    }
    try {
      await client.connect(`ws://127.0.0.1:${port}`, password, { rpcVersion: 1 });
      break;
    } catch {
      if (Date.now() - start > timeoutMs) {
        await stop();
        throw new Error(`OBS's WebSocket server did not come up on port ${port} within ${timeoutMs / 1000} s:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return {
    port,
    password,
    client,
    log: () => output,
    async stop() {
      await client.disconnect().catch(() => undefined);
      await stop();
    },
  };
}
