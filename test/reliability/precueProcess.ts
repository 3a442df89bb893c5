/** A `precue` child process for reliability tests and benches: output collected, waited on, killed. */
import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { precueArgs } from '../../bench/lib/processes.js';

export const root = resolve(import.meta.dirname, '../..');

/** A running `node bin/precue.js …`. */
export interface PrecueProcess {
  readonly child: ChildProcess;
  readonly out: () => string;
  readonly err: () => string;
  /** Resolves with the exit code (or the signal name). */
  readonly exited: Promise<number | string>;
  /** Waits until stdout+stderr match, the process exits, or `timeoutMs` passes; true when matched. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<boolean>;
}

/**
 * Starts `precue <args>` from the repository root, with the Node flags the installed command runs with
 * (`precueArgs`: its first line's flags; without them V8's young generation grows 4× larger, and a
 * memory figure would not be the engine's).
 */
export function startPrecue(args: readonly string[], env: NodeJS.ProcessEnv = {}): PrecueProcess {
  const child = spawn(process.execPath, precueArgs(args), { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | string>((r) => child.once('exit', (code, signal) => r(code ?? signal ?? 'unknown')));
  return {
    child,
    out: () => out,
    err: () => err,
    exited,
    async waitFor(pattern, timeoutMs = 20_000) {
      const start = Date.now();
      while (Date.now() - start < timeoutMs) {
        if (pattern.test(out) || pattern.test(err)) return true;
        if (child.exitCode !== null || child.signalCode !== null) return pattern.test(out) || pattern.test(err);
        await new Promise((r) => setTimeout(r, 25));
      }
      return false;
    },
  };
}

/** Waits for an exit, or gives 'timeout' after `ms`. */
export function exitWithin(p: PrecueProcess, ms: number): Promise<number | string> {
  return Promise.race([p.exited, new Promise<string>((r) => setTimeout(() => r('timeout'), ms))]);
}

/** Mounts a tmpfs of `size` (e.g. '200k') at `dir`; false (and nothing mounted) where that is not allowed. */
export function mountTmpfs(dir: string, size: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Unmounts what mountTmpfs mounted. */
export function unmount(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'ignore' });
  } catch {
    // already gone
  }
}

/** Pids of the living descendants of `pid` (from /proc). */
export function descendants(pid: number): number[] {
  const out: number[] = [];
  let text = '';
  try {
    text = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' });
  } catch {
    return out;
  }
  const children = new Map<number, number[]>();
  for (const line of text.trim().split('\n')) {
    const [c, p] = line.trim().split(/\s+/).map(Number);
    if (c === undefined || p === undefined) continue;
    children.set(p, [...(children.get(p) ?? []), c]);
  }
  const walk = (p: number): void => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

/**
 * Writes a small show folder at `dir`: the demo show's patch and cues, audio from a short generated
 * WAV (`seconds` at `sampleRate`, looped in real time), no model and no OSC input (no fixed ports).
 */
export async function writeTestShow(dir: string, options: { seconds?: number; sampleRate?: number; edit?: (show: Record<string, unknown>) => void } = {}): Promise<void> {
  const { mkdir, readFile, writeFile } = await import('node:fs/promises');
  const { encodeWav } = await import('../../engine/core/audio/wav.js');
  const show = JSON.parse(await readFile(resolve(root, 'shows/demo/show.json'), 'utf8')) as Record<string, unknown> & { inputs: Record<string, unknown>; model: Record<string, unknown>; audio: { source: Record<string, unknown> } };
  delete show.$schema;
  show.inputs = {};
  show.model = { ...show.model, enabled: false };
  show.audio = { ...show.audio, source: { kind: 'file', path: 'audio.wav', realtime: true, loop: true } };
  const rate = options.sampleRate ?? 48000;
  const n = Math.round((options.seconds ?? 2) * rate);
  const samples = new Float32Array(n).map((_, i) => 0.3 * Math.sin((2 * Math.PI * 220 * i) / rate) * (i % rate < rate / 8 ? 1 : 0.2));
  options.edit?.(show);
  await mkdir(dir, { recursive: true });
  await writeFile(resolve(dir, 'show.json'), JSON.stringify(show, null, 2));
  await writeFile(resolve(dir, 'audio.wav'), encodeWav([samples], rate));
}
