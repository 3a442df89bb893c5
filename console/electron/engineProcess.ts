/**
 * The local engine the desk app starts: `node bin/precue.js run <show> --port N`, its operator token in
 * the environment (`PRECUE_TOKEN_OPERATOR`: never on the command line, where any user's `ps` shows
 * it), run with Electron's own Node (ELECTRON_RUN_AS_NODE), watched until its console answers
 * `/healthz`. Its output goes to a rotating log. The engine never knows Electron exists.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { RotatingLog } from './rotatingLog.js';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** A running local engine. */
export interface LocalEngine {
  readonly show: string;
  readonly port: number;
  /** The console URL with the operator token in the fragment. */
  readonly consoleUrl: string;
  readonly child: ChildProcess;
  /** True until the process exits. */
  running(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** A TCP port free on 127.0.0.1 right now (the engine's console port; tests use it too). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the engine exited (${child.exitCode ?? child.signalCode ?? '?'}) before its console was up`);
    try {
      const res = await fetch(`${url}healthz`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the engine's console did not answer within ${timeoutMs / 1000} s`);
}

/**
 * The Node flags the engine runs with, from the first line of `bin/precue.js` (`#!/usr/bin/env -S node
 * <flags>`, which test/cli/runtimeFlags.test.ts holds equal to engine/runtimeFlags.ts): the desk app
 * starts the script with its own Node, so the line's flags must be passed by hand.
 */
export function engineNodeFlags(script: string): string[] {
  const first = readFileSync(script, 'utf8').split('\n', 1)[0] ?? '';
  const m = /^#!\S*env -S node((?: --?[\w-]+(?:=\S+)?)*)\s*$/.exec(first);
  return m === null ? [] : m[1]!.trim().split(/\s+/).filter((f) => f !== '');
}

/** Starts `precue run <show>` from the app folder `appRoot`, logging to `logDir/engine.log`. */
export async function startLocalEngine(appRoot: string, show: string, logDir: string, timeoutMs = 60_000): Promise<LocalEngine> {
  const port = await freePort();
  const token = randomBytes(24).toString('base64url');
  const log = new RotatingLog(join(logDir, 'engine.log'));
  log.write(`\n--- ${new Date().toISOString()} precue run ${show} (console port ${port})\n`);
  const script = join(appRoot, 'bin', 'precue.js');
  const child = spawn(process.execPath, [...engineNodeFlags(script), script, 'run', show, '--port', String(port)], {
    cwd: appRoot,
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', PRECUE_TOKEN_OPERATOR: token },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => log.write(d));
  child.stderr?.on('data', (d: Buffer) => log.write(d));
  child.once('exit', () => log.close());
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}/`;
  try {
    await waitForHealth(url, child, timeoutMs);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${err instanceof Error ? err.message : String(err)}; see ${join(logDir, 'engine.log')}`);
  }
  return {
    show,
    port,
    consoleUrl: `${url}#token=${encodeURIComponent(token)}`,
    child,
    running: () => child.exitCode === null && child.signalCode === null,
    stop: async (graceMs = 5000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
