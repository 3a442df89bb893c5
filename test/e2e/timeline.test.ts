/**
 * The timeline during the demo: `precue run` on a copy of the demo show with its model, the console
 * open in Debian's Chromium. After some seconds of the song the timeline holds bars, the rehearsal
 * take's cues, the model's predictions, what fired, and a cue placed by bar and beat; the screenshot (test-output/timeline.png)
 * shows them on one time axis with labels.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { mustConnect } from '../io/server/wsClient.js';
import { ArtnetReceiver, e2eTokens, freePort, spawnEngine, type EngineProcess } from './consoleHarness.js';

const CHROMIUM = '/usr/bin/chromium';
const ready = existsSync(CHROMIUM) && existsSync('shows/demo/show.json') && existsSync('shows/demo/model');

describe.skipIf(!ready)(`the timeline during the demo (needs ${CHROMIUM} and the demo show with its model)`, () => {
  let browser: Browser;
  let receiver: ArtnetReceiver;
  let engine: EngineProcess;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'precue-timeline-'));
    // Not a journal another engine left in the repository's demo folder: this show starts from the top.
    cpSync('shows/demo', dir, { recursive: true, filter: (src) => !/journal\.(jsonl|lock)$/.test(src) });
    receiver = await ArtnetReceiver.open(0);
    const port = await freePort();
    [engine, browser] = await Promise.all([
      spawnEngine(['bin/precue.js', 'run', dir, '--port', String(port), '--artnet-host', '127.0.0.1', '--artnet-port', String(receiver.port), '--osc-in-port', '0'], /console: (https?:\/\/[^\s#]+\/)/, 90_000),
      chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'], timeout: 30_000 }),
    ]);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await engine?.kill('SIGTERM');
    receiver?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('shows predicted, fired and rehearsal cues on one time axis with bars', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.goto(`${engine.url}#token=${e2eTokens.operator}`);
    await page.waitForFunction(() => document.getElementById('link-text')?.textContent === 'CONNECTED', undefined, { timeout: 15_000 });
    await page.locator('#timeline').waitFor({ state: 'visible' });
    // Let the song run until the model has predicted and something fired (the demo runs LX and VID in auto).
    const client = await mustConnect(`${engine.url.replace(/^http/, 'ws')}ws`, { Authorization: `Bearer ${e2eTokens.viewer}` });
    const init = await client.nextOf('init');
    expect(init.snapshot.timeline).toBeDefined();
    expect(init.snapshot.timeline?.rehearsal).toMatchObject({ name: 'demo', loop: true });
    let bars = 0;
    let fires = 0;
    let predictions = 0;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && (bars < 4 || fires < 2 || predictions < 2)) {
      const m = await client.nextOf('delta', 5000).catch(() => null);
      if (m?.delta.type !== 'timeline') continue;
      bars += m.delta.timeline.bars?.length ?? 0;
      fires += m.delta.timeline.fires?.length ?? 0;
      predictions += m.delta.timeline.predictions?.length ?? 0;
    }
    client.ws.close();
    console.info(`timeline e2e (demo show, model on, shared machine): ${bars} bars, ${fires} fires, ${predictions} prediction updates seen`);
    expect(bars).toBeGreaterThanOrEqual(4);
    expect(fires).toBeGreaterThanOrEqual(2);
    expect(predictions).toBeGreaterThanOrEqual(2);
    // A cue placed by bar and beat from the programming panel shows on the bars heard.
    await page.locator('#prog-toggle').click();
    await page.locator('#programming .prog-cue[data-cue="4"]').click();
    await page.locator('#prog-bar').fill('3');
    await page.locator('#prog-beat').fill('1');
    await page.locator('#prog-apply').click();
    await expect.poll(() => page.locator('#programming .prog-cue[data-cue="4"] td').nth(5).textContent()).toBe('3.1');
    await page.waitForTimeout(500);
    mkdirSync('test-output', { recursive: true });
    await page.screenshot({ path: 'test-output/timeline.png' });
    await page.locator('#timeline').screenshot({ path: 'test-output/timeline-panel.png' });
    // Scrub back: the view leaves live, LIVE brings it back.
    await page.locator('#tl-scrub').fill('200');
    await expect.poll(() => page.locator('#tl-live.active').count()).toBe(0);
    await page.locator('#tl-live').click();
    await expect.poll(() => page.locator('#tl-live.active').count()).toBe(1);
    await page.close();
  }, 120_000);
});
