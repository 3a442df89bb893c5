/**
 * How long `precue run` takes to start, from the compiled engine (`npm run build`, dist/) and from
 * the TypeScript sources through tsx, on the demo show (model, audio file, console, two Art-Net
 * universes) and on a 256-universe rig (bench/lib/rigFiles.ts, no model or audio, console off):
 * spawn → "precue: running" (everything open, console serving) and → first Art-Net frame on the
 * wire, and the resident memory a second after. Runs alternate between the two ways, so both see
 * the same machine; medians are printed.
 *
 *   npm run build && npx tsx bench/startup.ts [--runs 5] [--json <file>]
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { ArtnetCounter } from './lib/artnetCounter.js';
import { loadLine, rssMb } from './lib/procStats.js';
import { freePort, stopProcess } from './lib/processes.js';
import { writeRigShow } from './lib/rigFiles.js';

const ROOT = resolve(import.meta.dirname, '..');
const HOST = '127.0.0.5';
const PORT = 6454;
const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, json: { type: 'string' } } });
const runs = Number(values.runs);
if (!existsSync(join(ROOT, 'dist', 'BUILD'))) throw new Error('run `npm run build` first: this bench compares dist/ with the sources');

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Start {
  readonly readyMs: number;
  readonly firstFrameMs: number;
  readonly rssMb: number;
}

async function startOnce(args: string[], source: boolean, counter: ArtnetCounter): Promise<Start> {
  counter.reset(true);
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'precue.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...(source ? { PRECUE_SOURCE: '1' } : { PRECUE_DIST: '1' }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-1500)));
  try {
    const readyMs = await new Promise<number>((resolveReady, reject) => {
      const timer = setTimeout(() => reject(new Error(`not running after 120 s: ${err}`)), 120_000);
      child.stdout.on('data', (d: Buffer) => {
        if (d.toString().includes('precue: running')) {
          clearTimeout(timer);
          resolveReady(performance.now() - t0);
        }
      });
      child.once('exit', (code) => reject(new Error(`exited (${code}): ${err}`)));
    });
    let firstFrameMs = NaN;
    while (performance.now() - t0 < 120_000) {
      const r = await counter.report();
      if (r.frames.some((f) => f > 0)) {
        firstFrameMs = performance.now() - t0;
        break;
      }
      await sleep(5);
    }
    await sleep(1000);
    return { readyMs, firstFrameMs, rssMb: rssMb(child.pid!) };
  } finally {
    await stopProcess(child);
  }
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function main(): Promise<void> {
  const counter = await ArtnetCounter.start(HOST, PORT);
  await counter.assertQuiet();
  const rigDir = await writeRigShow(join(ROOT, '.tmp', 'startup', 'rig256'), 256, { host: HOST, port: PORT }, 0);
  await writeFile(join(rigDir, 'show.json'), JSON.stringify({ ...JSON.parse((await import('node:fs')).readFileSync(join(rigDir, 'show.json'), 'utf8')), inputs: {} }));
  await mkdir(join(ROOT, '.tmp', 'startup'), { recursive: true });
  console.log(`bench/startup.ts — ${loadLine()}; ${runs} runs each, alternating; medians`);
  const cases: { name: string; args: () => Promise<string[]> }[] = [
    {
      name: 'demo show (model, audio, console)',
      args: async () => ['run', 'shows/demo', '--port', String(await freePort('tcp')), '--token-operator', 'bench-startup-token-0123456789', '--artnet-host', HOST, '--artnet-port', String(PORT), '--osc-in-port', '0'],
    },
    { name: '256-universe rig (no model, no audio, no console)', args: async () => ['run', rigDir, '--no-console'] },
  ];
  const rows: Record<string, Record<string, Start>> = {};
  for (const c of cases) {
    const got: Record<'dist' | 'tsx', Start[]> = { dist: [], tsx: [] };
    for (let i = 0; i < runs; i++) {
      for (const way of i % 2 === 0 ? (['dist', 'tsx'] as const) : (['tsx', 'dist'] as const)) got[way].push(await startOnce(await c.args(), way === 'tsx', counter));
    }
    rows[c.name] = {};
    for (const way of ['dist', 'tsx'] as const) {
      const s = got[way];
      rows[c.name]![way] = { readyMs: median(s.map((x) => x.readyMs)), firstFrameMs: median(s.map((x) => x.firstFrameMs)), rssMb: median(s.map((x) => x.rssMb)) };
    }
  }
  await counter.close();
  console.log('\n| show | engine | to "running" | to first Art-Net frame | RSS 1 s later |');
  console.log('|---|---|---|---|---|');
  for (const [name, r] of Object.entries(rows)) {
    for (const way of ['dist', 'tsx'] as const) {
      const x = r[way]!;
      console.log(`| ${name} | ${way === 'dist' ? 'dist/ (npm run build)' : 'sources through tsx'} | ${(x.readyMs / 1000).toFixed(2)} s | ${(x.firstFrameMs / 1000).toFixed(2)} s | ${x.rssMb.toFixed(0)} MB |`);
    }
  }
  console.log(`\n(${loadLine()} at the end)`);
  if (values.json !== undefined) await writeFile(values.json, JSON.stringify({ load: loadLine(), runs, rows }, null, 2));
}

await main();
