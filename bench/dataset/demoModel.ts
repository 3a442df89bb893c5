/**
 * Rebuilds the demo show's model (`shows/demo/model`) so `npm start` shows predictions.
 *
 * Rehearsal takes are the demo take time-stretched with sox's WSOLA `tempo` effect (pitch kept) to
 * 94%, 97%, 103% and 106% of its tempo; their cue times are the demo take's divided by the factor,
 * exactly. The demo take itself (100%) is never trained on, so `precue eval` on it is a held-out score.
 * The takes are byte-identical from run to run (sox -R), so with the fixed seed so is the model.
 *
 * Run: `npx tsx bench/dataset/demoModel.ts [--out shows/demo/model] [--takes .tmp/demo-takes]`
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';

const run = promisify(execFile);
const FACTORS = [0.94, 0.97, 1.03, 1.06];

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string', default: 'shows/demo/model' }, takes: { type: 'string', default: '.tmp/demo-takes' } } });
  const demo = resolve('shows/demo/takes/demo');
  const cues = (await readFile(join(demo, 'cues.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { t: number; dept: string; cue: string });
  const dirs: string[] = [];
  for (const f of FACTORS) {
    const dir = resolve(values.takes, `rehearsal-${Math.round(f * 100)}`);
    await mkdir(dir, { recursive: true });
    // -R: sox dithers its 16-bit output with a random seed per run unless told to repeat itself, and
    // different dither noise in the takes means a different model from the same seed.
    await run('sox', ['-R', join(demo, 'audio.wav'), join(dir, 'audio.wav'), 'tempo', '-m', String(f)]);
    const lines = cues.map((c) => JSON.stringify({ t: Math.round((c.t / f) * 1000) / 1000, dept: c.dept, cue: c.cue }));
    await writeFile(join(dir, 'cues.jsonl'), `${lines.join('\n')}\n`);
    dirs.push(dir);
    process.stdout.write(`take ${dir} (tempo ×${f})\n`);
  }
  const { stdout } = await run(process.execPath, ['bin/precue.js', 'train', '--takes', ...dirs, '--out', values.out, '--epochs', '40', '--augment', '3'], { maxBuffer: 64 << 20 });
  process.stdout.write(stdout.split('\n').filter((l) => !l.includes('epoch')).join('\n'));
  const evalOut = await run(process.execPath, ['bin/precue.js', 'eval', '--model', values.out, '--take', demo], { maxBuffer: 64 << 20 });
  process.stdout.write(evalOut.stdout);
}

await main();
