/**
 * One console over two engines, in Debian's Chromium: two `precue run` processes (each its own show
 * folder, its own tokens, Art-Net to its own receiver), the venues page served by the first. The
 * second engine is heard over mDNS and offered on the page, added with its token; GO on each tile
 * moves that engine only; PANIC on one darkens its outputs while the other keeps its look and still
 * takes a GO.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { writeTestShow } from '../reliability/precueProcess.js';
import { ArtnetReceiver, e2eTokens, spawnEngine, type EngineProcess } from './consoleHarness.js';

const CHROMIUM = '/usr/bin/chromium';
const LAUNCH = { executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'], timeout: 30_000 };
const ready = /console: (https?:\/\/[^\s#]+\/)/;
const otherOperator = 'venue-b-operator-token-0123456789';

/**
 * Any par's dimmer up (Art-Net universe 0, 8-channel RGBW pars every 8 slots) in the latest packet
 * (a look at rest goes out once a second: the latest packet is the look).
 */
const lit = (r: ArtnetReceiver): boolean => r.packets.filter((p) => p.portAddress === 0).at(-1)?.data.some((v, i) => i % 8 === 0 && v > 0) ?? false;

describe.runIf(existsSync(CHROMIUM))('one console page over two engines (Chromium)', () => {
  const procs: EngineProcess[] = [];
  const cleanup: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
    for (const p of procs) await p.kill('SIGTERM');
  });

  it('GO on each, PANIC on one leaves the other running; the second engine is offered from mDNS', async () => {
    const base = await mkdtemp(join(tmpdir(), 'precue-venues-'));
    cleanup.push(() => rm(base, { recursive: true, force: true }));
    const rxA = await ArtnetReceiver.open(0);
    const rxB = await ArtnetReceiver.open(0);
    cleanup.push(() => rxA.close(), () => rxB.close());
    const showA = join(base, 'a');
    const showB = join(base, 'b');
    const manual = (name: string) => (show: Record<string, unknown>) => {
      show.name = name;
      for (const d of show.departments as Array<{ mode: string }>) d.mode = 'manual';
    };
    await writeTestShow(showA, { edit: manual('Venue A') });
    await writeTestShow(showB, { edit: manual('Venue B') });
    const common = ['--no-audio', '--no-model', '--osc-in-port', '0', '--port', '0', '--artnet-host', '127.0.0.1', '--artnet-discovery-port', '0'];
    const a = await spawnEngine(['bin/precue.js', 'run', showA, ...common, '--artnet-port', String(rxA.port)], ready, 60_000);
    procs.push(a);
    const originA = new URL(a.url).origin;
    // B allows the page A serves; it has tokens of its own.
    const b = await spawnEngine(['bin/precue.js', 'run', showB, ...common, '--artnet-port', String(rxB.port), '--allow-origin', originA], ready, 60_000, {
      PRECUE_TOKEN_OPERATOR: otherOperator,
      PRECUE_TOKEN_VIEWER: null,
      PRECUE_TOKEN_ADMIN: null,
    });
    procs.push(b);
    const addrA = new URL(a.url).host;
    const addrB = new URL(b.url).host;

    const browser: Browser = await chromium.launch(LAUNCH);
    cleanup.push(() => browser.close());
    const page = await (await browser.newContext({ viewport: { width: 1600, height: 900 } })).newPage();
    await page.goto(`${a.url}venues.html#token=${e2eTokens.operator}`);
    const tile = (addr: string) => page.locator(`.venue[data-address="${addr}"]`);
    await tile(addrA).locator('.venue-link', { hasText: 'connected (operator)' }).waitFor({ timeout: 15_000 });

    // B announces itself over mDNS; A hears it and the page offers it (a token is still needed).
    const offered = page.locator('#peers button', { hasText: `:${new URL(b.url).port}` });
    await offered.waitFor({ timeout: 20_000 });
    await offered.click();
    expect(await page.inputValue('#add-address')).toMatch(new RegExp(`:${new URL(b.url).port}$`));
    // Offered at its announced address; the test adds it at loopback, where B listens.
    await page.fill('#add-address', addrB);
    await page.fill('#add-token', otherOperator);
    await page.click('#add-engine button[type=submit]');
    await tile(addrB).locator('.venue-link', { hasText: 'connected (operator)' }).waitFor({ timeout: 15_000 });
    await expect.poll(() => page.locator('.venue').count()).toBe(2);

    // GO LX on each: each engine's LX goes to cue 1.
    for (const addr of [addrA, addrB]) await tile(addr).locator('button[data-command="go"][data-dept="LX"]').click();
    for (const addr of [addrA, addrB]) await tile(addr).locator('.venue-dept[data-dept="LX"] .vd-live', { hasText: 'cue 1' }).waitFor({ timeout: 5000 });
    await expect.poll(() => lit(rxA) && lit(rxB), { timeout: 5000, interval: 100 }).toBe(true);

    // PANIC on A: A goes dark, B keeps its look and still takes a GO.
    await tile(addrA).locator('button[data-command="panic"]').click();
    await expect.poll(() => tile(addrA).getAttribute('class'), { timeout: 5000 }).toContain('in-panic');
    // PANIC fades over the show's panic fade: A is dark within a few seconds.
    await expect.poll(() => lit(rxA), { timeout: 8000, interval: 250 }).toBe(false);
    expect(lit(rxB), 'B keeps its look').toBe(true);
    expect(await tile(addrB).getAttribute('class')).not.toContain('in-panic');
    await tile(addrB).locator('button[data-command="go"][data-dept="LX"]').click();
    await tile(addrB).locator('.venue-dept[data-dept="LX"] .vd-live', { hasText: 'cue 2' }).waitFor({ timeout: 5000 });
    await expect.poll(() => tile(addrA).locator('.venue-dept[data-dept="LX"] .vd-live').textContent()).toBe('cue 1');

    mkdirSync('test-output', { recursive: true });
    await page.screenshot({ path: 'test-output/venues.png' });
  }, 180_000);
});
