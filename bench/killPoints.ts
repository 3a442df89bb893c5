/**
 * bench/killPoints.ts — kill -9 anywhere, full size: SIGKILLs each writer at 100 random moments
 * (bench/lib/killPoints.ts) and prints, per writer, the kills, how many left a whole previous or new
 * version (must be all), and for takes the largest loss of audio. Exits 1 on any failure.
 *
 *   npx tsx bench/killPoints.ts [--kills 100] [--train-kills N] [--writers record,show,tokens,model,import,train] [--seed 1]
 *
 * `precue train` runs ~40 s per kill, so a full-size run takes about an hour for train alone;
 * `--train-kills 10` is the quick look (the `model` writer kills the save train ends with 100 times either way).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { seededRandom } from '../engine/core/model/dataset.js';
import { killTrial, type KillWriter } from './lib/killPoints.js';

const { values } = parseArgs({ options: { kills: { type: 'string', default: '100' }, 'train-kills': { type: 'string' }, writers: { type: 'string', default: 'record,show,tokens,model,import,train' }, seed: { type: 'string', default: '1' } } });
const kills = Number(values.kills);
const random = seededRandom(Number(values.seed));
const work = mkdtempSync(join(tmpdir(), 'precue-killbench-'));
const rows: string[] = [];
let failures = 0;
try {
  for (const writer of values.writers.split(',') as KillWriter[]) {
    const n = writer === 'train' && values['train-kills'] !== undefined ? Number(values['train-kills']) : kills;
    let ok = 0;
    let maxLoss = 0;
    const bad: string[] = [];
    const started = performance.now();
    for (let i = 0; i < n; i++) {
      const dir = join(work, `${writer}-${i}`);
      const o = await killTrial(writer, dir, random);
      rmSync(dir, { recursive: true, force: true });
      if (o.ok) ok++;
      else bad.push(o.detail);
      if (o.lossS !== undefined) maxLoss = Math.max(maxLoss, o.lossS);
      process.stderr.write(`  ${writer} ${i + 1}/${n}: ${o.ok ? 'ok' : 'FAILED'} — ${o.detail}\n`);
    }
    failures += n - ok;
    rows.push(`| ${writer.padEnd(7)} | ${String(n).padStart(5)} | ${String(ok).padStart(5)} | ${writer === 'record' ? `${maxLoss.toFixed(2)} s` : '—'.padEnd(6)} | ${((performance.now() - started) / 1000).toFixed(0).padStart(5)} s |${bad.length > 0 ? ` first failure: ${bad[0]}` : ''}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
process.stdout.write(`| writer  | kills | whole | max take loss | time |\n|---|---|---|---|---|\n${rows.join('\n')}\n\n${failures} failures (seed ${values.seed})\n`);
process.exitCode = failures === 0 ? 0 : 1;
