/**
 * The lost-follower badge in Chromium: a department in `auto` whose prediction says the score follower
 * is lost shows "AUTO → ASSIST" with why, its prediction armed for a confirm; the badge goes once the
 * follower re-locks (the prediction no longer says lost).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsolePage } from '../../engine/io/server/page.js';
import { startConsoleServer, type ConsoleServer } from '../../engine/io/server/server.js';
import { FakeEngine } from '../io/server/fakeEngine.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`skipping the lost-follower badge e2e test: ${CHROMIUM} missing (apt-get install chromium)`);

describe.skipIf(!haveChromium)('console: the lost-follower badge (Chromium)', () => {
  const token = 'follower-lost-operator-token-0123';
  let engine: FakeEngine;
  let server: ConsoleServer;
  let browser: Browser;

  beforeAll(async () => {
    engine = new FakeEngine();
    [server, browser] = await Promise.all([
      buildConsolePage().then((page) => startConsoleServer({ engine, tokens: { operator: token }, port: 0, page })),
      chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'], timeout: 30_000 }),
    ]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows AUTO → ASSIST with why while the follower is lost, and drops it when it re-locks; ON ATTACK and YOUR GO say what a cue waits for', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    page.setDefaultTimeout(10_000);
    await page.goto(`${server.url}#token=${encodeURIComponent(token)}`);
    const why = 'follower lost: it has stopped moving through the rehearsal (0.05× over 3 s)';
    const prediction = { cue: '2', confidence: 1, fireAtMs: engine.now() + 4000, armed: true, source: 'model' as const };
    engine.emit({ type: 'dept', dept: 'VID', patch: { mode: 'auto', prediction: { ...prediction, lost: why } } });
    const badge = page.locator('.dept[data-dept="VID"] .follower-lost');
    await expect.poll(() => badge.locator('.follower-lost-label').textContent()).toBe('AUTO → ASSIST');
    expect(await badge.getAttribute('title')).toBe(why);
    expect(await page.locator('.dept[data-dept="LX"] .follower-lost').count()).toBe(0);
    // The armed prediction waits for a confirm, as in assist.
    expect(await page.locator('.dept[data-dept="VID"] .prediction').textContent()).toMatch(/ARMED.*ENTER confirm/);
    await page.screenshot({ path: 'test-output/follower-lost.png' }).catch(() => undefined);
    engine.emit({ type: 'dept', dept: 'VID', patch: { prediction } });
    await expect.poll(() => badge.count()).toBe(0);
    expect(await page.locator('.dept[data-dept="VID"] .prediction').textContent()).toMatch(/AUTO FIRE/);
    // A cue waiting for the band's attack: armed, fired by the model once the attack is heard; a person may confirm it.
    const awaiting = "waiting for the band's attack on cue 2";
    engine.emit({ type: 'dept', dept: 'VID', patch: { prediction: { ...prediction, awaiting } } });
    const label = page.locator('.dept[data-dept="VID"] .pred-label');
    await expect.poll(() => label.textContent()).toBe('ON ATTACK');
    expect(await label.getAttribute('title')).toBe(awaiting);
    expect(await page.locator('.dept[data-dept="VID"] .prediction').textContent()).toMatch(/ENTER confirm/);
    await page.screenshot({ path: 'test-output/on-attack.png' }).catch(() => undefined);
    // An open entry (the rehearsals disagree on when it comes): armed, only a person fires it.
    const open = 'cue 2 is an open entry: the rehearsals disagree on when it comes (the band decides, as after a vamp); GO it on the entry';
    engine.emit({ type: 'dept', dept: 'VID', patch: { prediction: { ...prediction, open } } });
    await expect.poll(() => label.textContent()).toBe('YOUR GO');
    expect(await label.getAttribute('title')).toBe(open);
    expect(await page.locator('.dept[data-dept="VID"] .prediction').textContent()).toMatch(/ENTER confirm/);
    await page.screenshot({ path: 'test-output/your-go.png' }).catch(() => undefined);
    await page.close();
  });
});
