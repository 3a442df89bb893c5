/**
 * The console end to end: Debian's Chromium (playwright-core) drives the real page against an engine
 * process on 127.0.0.1; an Art-Net receiver on loopback checks what reaches the stage.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { lxLevelsFor } from '../io/server/fakeEngine.js';
import { ArtnetReceiver, e2eTokens, freePort, startFakeEngine, type EngineProcess } from './consoleHarness.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);

describe.skipIf(!haveChromium)(`console in Chromium against an engine on 127.0.0.1 (needs ${CHROMIUM})`, () => {
  let browser: Browser;
  let receiver: ArtnetReceiver;
  let engine: EngineProcess;
  let port: number;
  const pages: Page[] = [];

  beforeAll(async () => {
    receiver = await ArtnetReceiver.open(0);
    port = await freePort();
    [engine, browser] = await Promise.all([
      startFakeEngine(port, receiver.port),
      chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'], timeout: 30_000 }),
    ]);
  });

  afterAll(async () => {
    await Promise.all(pages.map((p) => p.close().catch(() => undefined)));
    await browser?.close();
    await engine?.kill('SIGTERM');
    receiver?.close();
  });

  async function openConsole(token: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    page.setDefaultTimeout(10_000);
    pages.push(page);
    await page.goto(`${engine.url}#token=${encodeURIComponent(token)}`);
    return page;
  }

  const lxCurrent = (page: Page): Promise<string | null> =>
    page.locator('.dept[data-dept="LX"] .cue.current .cue-num').textContent({ timeout: 5000 }).catch(() => null);

  it('refuses a wrong token and says so on the page, then accepts a typed one', async () => {
    const page = await openConsole('not-the-right-token-123');
    await expect.poll(() => page.locator('#link-text').textContent(), { timeout: 10_000 }).toBe('REFUSED');
    expect(await page.locator('#banner').textContent()).toContain('refused this token');
    // The token field has the focus: typing the right token connects without a reload.
    await page.keyboard.type(e2eTokens.viewer);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#link-text').textContent(), { timeout: 10_000 }).toBe('CONNECTED');
    // The role comes with the engine's first snapshot, a moment after the link is up.
    await expect.poll(() => page.locator('#role').textContent(), { timeout: 10_000 }).toBe('VIEWER');
    expect(await page.locator('#token-form').isHidden()).toBe(true);
  });

  it('fires GO from the space bar and the Art-Net receiver sees the new levels (key press → packet timed)', async () => {
    const page = await openConsole(e2eTokens.operator);
    await expect.poll(() => page.locator('#link-text').textContent()).toBe('CONNECTED');
    expect(await page.locator('#role').textContent()).toBe('OPERATOR');
    expect(page.url()).not.toContain('token'); // the token leaves the address bar
    const times: number[] = [];
    for (let cue = 1; cue <= 5; cue++) {
      const expected = lxLevelsFor(String(cue));
      const t0 = performance.now();
      await page.keyboard.press(' ');
      const packet = await receiver.waitFor((p) => p.data[0] === expected[0] && p.data[7] === expected[7], t0);
      times.push(packet.at - t0);
      await expect.poll(() => lxCurrent(page)).toBe(String(cue));
    }
    const sorted = [...times].sort((a, b) => a - b);
    const report = { keyPressToArtnetMs: { runs: times.map((t) => Math.round(t * 10) / 10), median: sorted[2], max: sorted[4] } };
    mkdirSync('test-output', { recursive: true });
    writeFileSync('test-output/console-latency.json', `${JSON.stringify(report, null, 2)}\n`);
    console.info(`console e2e: key press → ArtDmx packet: median ${sorted[2]!.toFixed(1)} ms, max ${sorted[4]!.toFixed(1)} ms over ${times.length} GOs`);
    expect(sorted[4]).toBeLessThan(1000);
  });

  it("refuses a viewer's GO on the server, not just in the page", async () => {
    const viewer = await openConsole(e2eTokens.viewer);
    await expect.poll(() => viewer.locator('#link-text').textContent()).toBe('CONNECTED');
    await expect.poll(() => lxCurrent(viewer)).toBe('5');
    await viewer.keyboard.press(' ');
    await expect.poll(() => viewer.locator('#status').textContent()).toContain('refused by the engine (forbidden)');
    expect(await lxCurrent(viewer)).toBe('5');
  });

  it('confirms an armed prediction with one key in assist, and shows it in the decision log', async () => {
    const page = pages[1]!;
    await page.keyboard.press('a');
    await expect.poll(() => page.locator('.dept[data-dept="LX"] .mode-assist.active').count()).toBe(1);
    await expect.poll(() => page.locator('.dept[data-dept="LX"] .prediction.armed .pred-cue').textContent()).toBe('Q 6');
    expect(await page.locator('.dept[data-dept="LX"] .pred-countdown').textContent()).toMatch(/^in \d/);
    const t0 = performance.now();
    await page.keyboard.press('Enter');
    await receiver.waitFor((p) => p.data[0] === lxLevelsFor('6')[0], t0);
    await expect.poll(() => lxCurrent(page)).toBe('6');
    await expect.poll(() => page.locator('#log-body tr').first().locator('.log-action').textContent()).toBe('CONFIRM');
    expect(await page.locator('#log-body tr').first().locator('.log-conf').textContent()).toBe('87%');
  });

  it('shows the console mid-show (screenshot saved to test-output/console-fake.png)', async () => {
    const page = pages[1]!;
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press(' '); // VID cue 1
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => page.locator('.dept[data-dept="LX"] .prediction.armed').count()).toBe(1);
    await expect.poll(() => page.locator('#tempo').textContent()).toBe('120.2 BPM');
    await expect.poll(() => page.locator('#rtt').textContent()).toMatch(/RTT/);
    mkdirSync('test-output', { recursive: true });
    await page.screenshot({ path: 'test-output/console-fake.png' });
  });

  it('PANICs from the page (ESC twice) and the receiver sees black', async () => {
    const page = pages[1]!;
    const t0 = performance.now();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('#status').textContent()).toContain('ESC again');
    await page.keyboard.press('Escape');
    await receiver.waitFor((p) => p.data.every((v) => v === 0), t0);
    await expect.poll(() => page.evaluate(() => document.body.classList.contains('in-panic'))).toBe(true);
    await expect.poll(() => page.locator('#log-body tr').first().locator('.log-action').textContent()).toBe('PANIC');
  });

  it('reconnects without a reload when the engine is killed and restarted, showing the new engine state', async () => {
    const page = pages[1]!;
    await page.evaluate(() => { (window as unknown as { precueMarker: number }).precueMarker = 42; });
    await engine.kill('SIGKILL');
    await expect.poll(() => page.locator('#link-text').textContent()).toMatch(/LOST|RECONNECTING/);
    engine = await startFakeEngine(port, receiver.port, '3');
    await expect.poll(() => page.locator('#link-text').textContent(), { timeout: 10_000 }).toBe('CONNECTED');
    await expect.poll(() => lxCurrent(page)).toBe('3');
    expect(await page.evaluate(() => (window as unknown as { precueMarker?: number }).precueMarker)).toBe(42);
    expect(await page.evaluate(() => document.body.classList.contains('in-panic'))).toBe(false);
    const t0 = performance.now();
    await page.keyboard.press(' ');
    await receiver.waitFor((p) => p.data[0] === lxLevelsFor('4')[0], t0);
  });
});
