/**
 * The console's cameras-and-devices panel in Chromium, against a real engine driving a loopback ATEM
 * and CasparCG: each camera's tile shows the switcher's tally (PGM red, PVW green) and follows a cut;
 * a camera move held because its camera is on air shows as an alarm; a playout server that goes away
 * shows DOWN with why and when it is retried, and connected again when it is back.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeOscMessage } from '../../engine/core/osc/packet.js';
import { SHOW_VERSION, type ShowFileInput } from '../../engine/core/show/schema.js';
import { startEngine, type RunningEngine } from '../../engine/main.js';
import dgram from 'node:dgram';
import { AtemStandIn } from '../io/video/atemStandIn.js';
import { CasparcgStandIn } from '../io/video/casparcgStandIn.js';
import { freePort } from './consoleHarness.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`skipping the video panel e2e test: ${CHROMIUM} missing (apt-get install chromium)`);

describe.skipIf(!haveChromium)('console: cameras and devices panel (Chromium, loopback ATEM and CasparCG)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  }, 30_000);

  it('shows tally per camera, a held move as an alarm, and a device that goes away', async () => {
    const atem = await AtemStandIn.start();
    cleanups.push(() => atem.close());
    let caspar = await CasparcgStandIn.start();
    const casparPort = caspar.port;
    cleanups.push(() => caspar.close());
    const dir = await mkdtemp(join(tmpdir(), 'precue-video-panel-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const show: ShowFileInput = {
      version: SHOW_VERSION,
      name: 'Video panel',
      outputs: {
        visca: [{ id: 'v1', host: '127.0.0.1', port: 9 }],
        switchers: [{ id: 'atem', kind: 'atem', host: '127.0.0.1', port: atem.port, label: 'Studio' }],
        playout: [{ id: 'caspar', kind: 'casparcg', host: '127.0.0.1', port: casparPort, label: 'Graphics' }],
        cameras: [
          { id: 'cam1', label: 'Close', visca: 'v1', switcher: 'atem', input: 1 },
          { id: 'cam2', label: 'Wide', switcher: 'atem', input: 2 },
        ],
      },
      inputs: { osc: { port: 53000, host: '127.0.0.1' } },
      departments: [
        {
          id: 'CAM',
          mode: 'manual',
          cues: [
            { number: '1', name: 'Wide', messages: [{ kind: 'shot', target: 'cam2' }] },
            { number: '2', name: 'Close', messages: [{ kind: 'shot', target: 'cam1' }] },
            { number: '3', name: 'Reframe the close (on air!)', messages: [{ kind: 'visca', target: 'v1', action: 'recall', preset: 4 }] },
          ],
        },
      ],
    };
    await writeFile(join(dir, 'show.json'), JSON.stringify(show));
    const port = await freePort();
    const engine: RunningEngine = await startEngine({
      showDir: dir,
      fixturesDir: resolve('fixtures'),
      console: { host: '127.0.0.1', port, tokens: { flags: { operator: 'video-panel-operator-token' }, env: {} } },
      audio: false,
      model: false,
      oscInPort: 0,
    });
    cleanups.push(() => engine.stop('clean'));
    const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'], timeout: 30_000 });
    cleanups.push(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    await page.goto(engine.operatorUrl!);
    const tile = (id: string) => page.locator(`.cam[data-camera="${id}"]`);
    const device = (id: string) => page.locator(`.device[data-device="${id}"]`);

    // The stand-in has camera 1 on program and camera 2 on preview.
    await expect.poll(() => tile('cam1').getAttribute('class'), { timeout: 15_000 }).toMatch(/tally-program/);
    await expect.poll(() => tile('cam2').getAttribute('class')).toMatch(/tally-preview/);
    expect(await tile('cam1').locator('.cam-tally').textContent()).toBe('PGM');
    await expect.poll(() => device('atem').getAttribute('class')).toMatch(/health-connected/);
    await expect.poll(() => device('caspar').getAttribute('class')).toMatch(/health-connected/);
    expect(await device('atem').locator('.device-facts').textContent()).toMatch(/ATEM Television Studio HD/);

    const oscPort = Number(/OSC control in: 127\.0\.0\.1:(\d+)/.exec(engine.banner.join('\n'))?.[1]);
    const osc = dgram.createSocket('udp4');
    cleanups.push(() => new Promise((r) => osc.close(() => r())));
    const go = (): void => void osc.send(encodeOscMessage({ address: '/precue/go/CAM', args: [] }), oscPort, '127.0.0.1');

    go(); // cue 1: cut to the wide
    await expect.poll(() => tile('cam2').getAttribute('class')).toMatch(/tally-program/);
    await expect.poll(() => tile('cam1').getAttribute('class')).toMatch(/tally-preview/);
    await new Promise((r) => setTimeout(r, 300));
    go(); // cue 2: cut to the close
    await expect.poll(() => tile('cam1').getAttribute('class')).toMatch(/tally-program/);
    await new Promise((r) => setTimeout(r, 300));
    go(); // cue 3: a move for the camera on air: held
    await expect.poll(() => tile('cam1').locator('.cam-held').count()).toBe(1);
    expect(await tile('cam1').locator('.cam-held-what').textContent()).toBe('HELD preset 4 (CAM 3): on air');
    await expect.poll(() => tile('cam1').locator('.cam-held-timer').textContent()).toMatch(/^held \d+\.\d s$/);

    // The playout server goes away: DOWN, why, and the retry countdown.
    await caspar.close();
    await expect.poll(() => device('caspar').getAttribute('class'), { timeout: 10_000 }).toMatch(/health-retrying/);
    expect(await device('caspar').locator('.device-health').textContent()).toBe('DOWN');
    expect(await device('caspar').locator('.device-detail').textContent()).toMatch(/connection lost: the server closed the connection|no answer within/);
    await expect.poll(() => device('caspar').locator('.device-retry').textContent()).toMatch(/^retry (in \d+\.\d s|now) \(attempt \d+\)$/);
    if (process.env['PRECUE_SCREENSHOT'] !== undefined) await page.screenshot({ path: process.env['PRECUE_SCREENSHOT'] });
    caspar = await CasparcgStandIn.start({}, casparPort);
    await expect.poll(() => device('caspar').getAttribute('class'), { timeout: 15_000 }).toMatch(/health-connected/);
  }, 90_000);
});
