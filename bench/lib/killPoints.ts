/**
 * kill -9 anywhere: one trial starts a writer, SIGKILLs it at a random moment and checks what it
 * leaves behind — the previous or the new version of every file, never a half one; a take that
 * reads back and has lost at most the last second; no child process left running.
 *
 * Writers: `record` (precue record: audio.wav + cues.jsonl), `model` (the model save precue train
 * ends with, in a loop), `train` (precue train itself), `show` (show.json rewritten as a console edit
 * would: a department's threshold), `tokens` (a token file rotated, chmod 600), `import` (precue
 * fixtures import of a fixture library). Used by test/reliability/killPoints.test.ts (a few kills per
 * writer) and bench/killPoints.ts (100 per writer).
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { decodeWav } from '../../engine/core/audio/wav.js';
import { parseFixtureFile } from '../../engine/io/fixtures/loadFixtureLibrary.js';
import { loadModelFolder, modelFolderToLoad, readModelMeta } from '../../engine/io/model/modelFolder.js';
import { readTake } from '../../engine/io/takes/take.js';
import { descendants, startPrecue, writeTestShow, type PrecueProcess } from '../../test/reliability/precueProcess.js';

const root = resolve(import.meta.dirname, '../..');

/** The writers a trial can kill. */
export type KillWriter = 'record' | 'model' | 'train' | 'show' | 'tokens' | 'import';

/** What one kill left behind. */
export interface KillOutcome {
  readonly ok: boolean;
  /** Where it was killed and what was found. */
  readonly detail: string;
  /** record: seconds of audio lost at the kill (elapsed recording time minus what reads back). */
  readonly lossS?: number;
}

/** The two versions a `show` or `tokens` target alternates between. */
export async function versions(kind: string): Promise<[string, string]> {
  if (kind === 'tokens') return [JSON.stringify({ operator: 'a'.repeat(32), viewer: 'b'.repeat(32) }), JSON.stringify({ operator: 'c'.repeat(32), viewer: 'd'.repeat(32) })];
  const show = JSON.parse(readFileSync(join(root, 'shows/demo/show.json'), 'utf8')) as { departments: Array<{ confidenceThreshold?: number }> };
  const edit = (threshold: number): string => {
    show.departments[0]!.confidenceThreshold = threshold;
    return `${JSON.stringify(show, null, 2)}\n`;
  };
  return [edit(0.61), edit(0.72)];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** SIGKILLs a process and checks that every process it had started dies with it. */
async function killAndCheckChildren(pid: number, exited: Promise<unknown>): Promise<string | undefined> {
  const kids = descendants(pid);
  try {
    process.kill(pid, 'SIGKILL');
  } catch (err) {
    // The writer finished before its moment came: what it left is checked all the same.
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
  await exited;
  for (let i = 0; i < 60; i++) {
    const alive = kids.filter((k) => {
      try {
        process.kill(k, 0);
        return true;
      } catch {
        return false;
      }
    });
    if (alive.length === 0) return undefined;
    await sleep(50);
    if (i === 59) return `child processes ${alive.join(', ')} outlived the killed writer`;
  }
  return undefined;
}

function writerProcess(kind: string, target: string): PrecueProcess & { pid: number } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/lib/killWriter.ts'), kind, target], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string>((r) => child.once('exit', (code, signal) => r(code ?? signal ?? 'unknown')));
  return {
    child, pid: child.pid!, out: () => out, err: () => out, exited,
    async waitFor(pattern, timeoutMs = 20_000) {
      const start = Date.now();
      while (Date.now() - start < timeoutMs && !pattern.test(out) && child.exitCode === null) await sleep(20);
      return pattern.test(out);
    },
  };
}

/** One kill of `writer` in the empty folder `work`, at a moment drawn from `random`. */
export async function killTrial(writer: KillWriter, work: string, random: () => number): Promise<KillOutcome> {
  mkdirSync(work, { recursive: true });
  switch (writer) {
    case 'record': {
      const show = join(work, 'show');
      await writeTestShow(show, { seconds: 12, sampleRate: 22050 });
      const p = startPrecue(['record', show, '--port', '0', '--take', 't', '--seconds', '600']);
      if (!(await p.waitFor(/recording to /, 30_000))) return { ok: false, detail: `record did not start: ${p.err().slice(-300)}` };
      const started = performance.now();
      await sleep(150 + random() * 3000);
      const elapsedS = (performance.now() - started) / 1000;
      const orphans = await killAndCheckChildren(p.child.pid!, p.exited);
      if (orphans !== undefined) return { ok: false, detail: orphans };
      const dir = join(show, 'takes', 't');
      if (!existsSync(join(dir, 'audio.wav'))) return { ok: elapsedS < 1.5, detail: `killed at ${elapsedS.toFixed(2)} s: no audio file yet`, lossS: elapsedS };
      try {
        const take = await readTake(dir, { allowEmpty: true });
        const bytes = new Uint8Array(readFileSync(take.audioPath));
        const claimed = new DataView(bytes.buffer, bytes.byteOffset).getUint32(40, true);
        if (claimed > bytes.length - 44) return { ok: false, detail: `header claims ${claimed} bytes, file holds ${bytes.length - 44}` };
        const wav = decodeWav(bytes, take.audioPath);
        const lossS = elapsedS - wav.samples.length / wav.sampleRate;
        return { ok: lossS <= 1.5, detail: `killed at ${elapsedS.toFixed(2)} s: ${(wav.samples.length / wav.sampleRate).toFixed(2)} s read back`, lossS };
      } catch (err) {
        return { ok: false, detail: `killed at ${elapsedS.toFixed(2)} s: the take does not read back: ${err instanceof Error ? err.message : String(err)}` };
      }
    }
    case 'show':
    case 'tokens': {
      const target = join(work, writer === 'show' ? 'show.json' : 'tokens.json');
      const [a, b] = await versions(writer);
      const { writeFileSync } = await import('node:fs');
      writeFileSync(target, a, { mode: 0o600 });
      const p = writerProcess(writer, target);
      await sleep(400 + random() * 1200);
      const orphans = await killAndCheckChildren(p.pid, p.exited);
      if (orphans !== undefined) return { ok: false, detail: orphans };
      const text = readFileSync(target, 'utf8');
      const whole = text === a || text === b;
      const mode = statSync(target).mode & 0o777;
      return { ok: whole && (writer !== 'tokens' || mode === 0o600), detail: whole ? `a whole version (mode ${mode.toString(8)})` : `a half file of ${text.length} characters` };
    }
    case 'model': {
      const target = join(work, 'model');
      cpSync(join(root, 'shows/demo/model'), target, { recursive: true });
      const p = writerProcess('model', target);
      if (!(await p.waitFor(/ready/, 60_000))) return { ok: false, detail: `model writer did not start: ${p.out().slice(-300)}` };
      await sleep(random() * 600);
      const orphans = await killAndCheckChildren(p.pid, p.exited);
      if (orphans !== undefined) return { ok: false, detail: orphans };
      return checkModel(target, ['precue 0.1.0', 'killtest A', 'killtest B']);
    }
    case 'train': {
      const target = join(work, 'model');
      cpSync(join(root, 'shows/demo/model'), target, { recursive: true });
      const p = startPrecue(['train', '--takes', join(root, 'shows/demo/takes/demo'), '--out', target]);
      await sleep(2000 + random() * 40_000);
      const orphans = await killAndCheckChildren(p.child.pid!, p.exited);
      if (orphans !== undefined) return { ok: false, detail: orphans };
      return checkModel(target, undefined);
    }
    case 'import': {
      const out = join(work, 'fixtures');
      const ofl = resolve(root, '../shared/data/ofl/fixtures');
      const source = existsSync(ofl) ? ofl : join(root, 'fixtures');
      const p = startPrecue(['fixtures', 'import', source, '--out', out]);
      await sleep(500 + random() * 4000);
      const orphans = await killAndCheckChildren(p.child.pid!, p.exited);
      if (orphans !== undefined) return { ok: false, detail: orphans };
      let files = 0;
      for (const rel of existsSync(out) ? readdirSync(out, { recursive: true, encoding: 'utf8' }) : []) {
        if (!rel.endsWith('.json')) continue;
        files++;
        const parsed = parseFixtureFile(readFileSync(join(out, rel), 'utf8'), rel);
        if (!parsed.ok) return { ok: false, detail: `${rel} is not a whole fixture: ${parsed.problems[0]?.message ?? '?'}` };
      }
      return { ok: true, detail: `${files} whole fixture files` };
    }
  }
}

async function checkModel(target: string, allowed: readonly string[] | undefined): Promise<KillOutcome> {
  const dir = modelFolderToLoad(target);
  if (dir === undefined) return { ok: false, detail: 'no model left to load (neither the folder nor its backup)' };
  try {
    const meta = await readModelMeta(target);
    if (allowed !== undefined && !allowed.includes(meta.createdBy)) return { ok: false, detail: `unexpected model '${meta.createdBy}'` };
    await loadModelFolder(target);
    return { ok: true, detail: `loads ${dir.endsWith('.bak') ? 'the previous model (.bak)' : `'${meta.createdBy}'`}` };
  } catch (err) {
    return { ok: false, detail: `the model does not load: ${err instanceof Error ? err.message : String(err)}` };
  }
}
