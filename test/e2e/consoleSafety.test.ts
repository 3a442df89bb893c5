/**
 * The desk never lies, tried as a technical director would: `precue run` on a copy of the demo show
 * (every department by hand; LX cue 1 auto-follows into cue 2), a desk page at 1920×1080 and a tablet
 * page at 768×1024 in Debian's Chromium, a remote sending OSC. Each test drives one complaint from
 * issue 17 and fails on the behaviour it describes:
 *
 * - grand master and blackout changed over OSC show on every console (the 100 ms figure is measured
 *   in `bench/latency.ts`, not here: a wall-clock bound on two shared cores is flaky);
 * - a GO from another console, from OSC and an auto-follow show on every console, the follow in the log;
 * - after PANIC, a GO in one department leaves the others badged PANIC, each releasable;
 * - ESC ESC with the help open does not PANIC;
 * - PANIC is on screen and works at 1920×1080, 1024×768 and on a 768×1024 tablet (screenshots saved);
 * - a restarted engine keeps its console token: an open page reconnects by itself.
 */
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeOscMessage, type OscArg } from '../../engine/core/osc/packet.js';
import { e2eTokens, freePort, spawnEngine, type EngineProcess } from './consoleHarness.js';

const CHROMIUM = '/usr/bin/chromium';
const ready = existsSync(CHROMIUM) && existsSync('shows/demo/show.json');
const LAUNCH = { executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'], timeout: 30_000 };

/** A copy of the demo show: every department by hand, LX cue 1 auto-follows into cue 2. */
function showCopy(dir: string): string {
  const show = JSON.parse(readFileSync('shows/demo/show.json', 'utf8')) as { departments: Array<{ mode: string; cues: Array<Record<string, unknown>> }>; audio?: unknown; $schema?: string };
  for (const d of show.departments) d.mode = 'manual';
  show.departments[0]!.cues[0]!['autoFollow'] = true;
  delete show.audio;
  delete show.$schema;
  const showDir = join(dir, 'show');
  mkdirSync(showDir, { recursive: true });
  writeFileSync(join(showDir, 'show.json'), JSON.stringify(show, null, 2));
  return showDir;
}

function startEngine(showDir: string, port: number, configDir: string, withTokens: boolean): Promise<EngineProcess> {
  return spawnEngine(
    ['bin/precue.js', 'run', showDir, '--port', String(port), '--no-model', '--no-audio', '--osc-in-port', '0', '--artnet-port', '9'],
    /stop with Ctrl-C/,
    60_000,
    withTokens ? { PRECUE_CONFIG_DIR: configDir } : { PRECUE_CONFIG_DIR: configDir, PRECUE_TOKEN_VIEWER: null, PRECUE_TOKEN_OPERATOR: null, PRECUE_TOKEN_ADMIN: null },
  );
}

describe.skipIf(!ready)(`the console never lies (precue run, ${CHROMIUM})`, () => {
  let dir: string;
  let showDir: string;
  let browser: Browser;
  let engine: EngineProcess;
  let url: string;
  let oscPort: number;
  let desk: Page;
  let tablet: Page;
  let tabletContext: BrowserContext;
  const osc = createSocket('udp4');
  const latencies: Record<string, number[]> = {};

  const send = (address: string, ...args: OscArg[]): void => void osc.send(encodeOscMessage({ address, args }), oscPort, '127.0.0.1');

  async function open(context: BrowserContext, token = e2eTokens.operator): Promise<Page> {
    const p = await context.newPage();
    p.setDefaultTimeout(10_000);
    await p.goto(`${url}#token=${token}`);
    await p.waitForFunction(() => document.getElementById('link-text')?.textContent === 'CONNECTED', undefined, { timeout: 15_000 });
    return p;
  }

  /** What a console shows, checked in the page on every animation frame. */
  type Shown = { readonly kind: 'gm'; readonly text: string } | { readonly kind: 'blackout'; readonly on: boolean } | { readonly kind: 'live'; readonly cue: string };

  /**
   * Does `act`, then waits until every page shows `shown`; records, from the moment of the act to
   * the first animation frame on which the slowest page showed it (read on the page's own clock,
   * which is the machine's), how long it took (`measure: false` for changes the engine makes later).
   */
  async function onEveryConsole(what: string, act: () => void | Promise<void>, shown: Shown, measure = true): Promise<void> {
    const pages = [desk, tablet];
    await Promise.all(pages.map((p) => p.evaluate(() => { (window as unknown as { seenAt?: number }).seenAt = undefined; })));
    const t0 = performance.timeOrigin + performance.now();
    const seen = pages.map(async (p) => {
      await p.waitForFunction((s: Shown) => {
        const ok = s.kind === 'gm' ? document.getElementById('gm')?.textContent === s.text
          : s.kind === 'blackout' ? document.getElementById('blackout')?.hidden === !s.on
            : document.querySelector('.dept[data-dept="LX"] .cue.current .cue-num')?.textContent === s.cue;
        const w = window as unknown as { seenAt?: number };
        if (ok) w.seenAt ??= performance.timeOrigin + performance.now();
        return ok;
      }, shown, { polling: 'raf', timeout: 5000 });
      return (await p.evaluate(() => (window as unknown as { seenAt?: number }).seenAt ?? Number.NaN)) - t0;
    });
    await act();
    const times = await Promise.all(seen);
    if (measure) (latencies[what] ??= []).push(Math.max(...times));
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'precue-console-safety-'));
    showDir = showCopy(dir);
    const port = await freePort();
    [engine, browser] = await Promise.all([startEngine(showDir, port, join(dir, 'config'), true), chromium.launch(LAUNCH)]);
    url = `http://127.0.0.1:${port}/`;
    oscPort = Number(/OSC control in: 127\.0\.0\.1:(\d+)/.exec(engine.output())?.[1]);
    desk = await open(await browser.newContext({ viewport: { width: 1920, height: 1080 } }));
    tabletContext = await browser.newContext({ viewport: { width: 768, height: 1024 }, hasTouch: true, isMobile: true });
    tablet = await open(tabletContext);
  });

  afterAll(async () => {
    osc.close();
    await browser?.close();
    await engine?.kill('SIGTERM');
    if (Object.keys(latencies).length > 0) {
      mkdirSync('test-output', { recursive: true });
      writeFileSync('test-output/console-state-latency.json', `${JSON.stringify(latencies, null, 2)}\n`);
      console.info(`console e2e: state change → shown on both consoles (ms): ${Object.entries(latencies).map(([k, v]) => `${k} ${v.map((x) => x.toFixed(0)).join('/')}`).join('; ')}`);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows grand master and blackout changed over OSC on every console', async () => {
    await onEveryConsole('OSC grand master', () => send('/precue/gm', { type: 'f', value: 0.5 }), { kind: 'gm', text: 'GM 50%' });
    await onEveryConsole('OSC blackout', () => send('/precue/blackout', { type: 'i', value: 1 }), { kind: 'blackout', on: true });
    await onEveryConsole('OSC blackout off', () => send('/precue/blackout', { type: 'i', value: 0 }), { kind: 'blackout', on: false });
    await onEveryConsole('OSC grand master', () => send('/precue/gm', { type: 'f', value: 1 }), { kind: 'gm', text: 'GM 100%' });
    await expect.poll(() => desk.locator('#log-body tr').first().textContent()).toContain('GRAND MASTER 100%');
    // OSC packet sent → both consoles show it, each within a second even on a loaded machine (a
    // stale console would never show it). Every time is in test-output/console-state-latency.json;
    // the 100 ms goal is bench/latency.ts's.
    const all = Object.values(latencies).flat();
    expect(Math.max(...all)).toBeLessThan(1000);
  });

  it('shows a GO from another console, from OSC and an auto-follow on every console; the follow is in the log', async () => {
    // Cue 1 (2 s fade) auto-follows into cue 2 when its fade completes.
    await onEveryConsole('GO from the desk (a click, with its checks)', () => desk.locator('.dept[data-dept="LX"] .btn.go').click(), { kind: 'live', cue: '1' });
    await onEveryConsole('auto-follow', () => undefined, { kind: 'live', cue: '2' }, false);
    await expect.poll(() => tablet.locator('#log-body tr.src-follow').first().textContent()).toMatch(/LX\s*GO\s*2\s*follow/);
    await onEveryConsole('GO over OSC', () => send('/precue/go/LX'), { kind: 'live', cue: '3' });
    await expect.poll(() => desk.locator('#log-body tr').first().textContent()).toMatch(/LX\s*GO\s*3\s*osc/);
  });

  it('after PANIC, a GO in LX leaves VID and CAM badged PANIC until each is released', async () => {
    await desk.locator('#panic').click();
    await expect.poll(() => desk.locator('.dept.panicked').count()).toBe(3);
    await expect.poll(() => tablet.locator('#release').isVisible()).toBe(true);
    await desk.locator('.dept[data-dept="LX"] .btn.go').click();
    await expect.poll(() => desk.evaluate(() => [...document.querySelectorAll('.dept.panicked')].map((d) => (d as HTMLElement).dataset['dept']))).toEqual(['VID', 'CAM']);
    await expect.poll(() => tablet.locator('.dept[data-dept="VID"] .badge.panicked').textContent()).toContain('PANIC');
    // VID from the tablet by touch; CAM from the desk's keyboard (3, then R).
    await tablet.locator('.dept[data-dept="VID"] .badge-btn.release').tap();
    await expect.poll(() => desk.locator('.dept.panicked').count()).toBe(1);
    await desk.keyboard.press('3');
    await desk.keyboard.press('r');
    await expect.poll(() => tablet.locator('.dept.panicked').count()).toBe(0);
    await expect.poll(() => desk.locator('#release').isVisible()).toBe(false);
    // The log row is its own message, which may land a frame after the state that hid RELEASE.
    await expect.poll(() => desk.locator('#log-body tr').first().textContent()).toMatch(/CAM\s*RELEASE/);
  });

  it('does not PANIC on ESC ESC while the help is open; ESC closes the help', async () => {
    await desk.keyboard.press('1');
    await desk.keyboard.press('?');
    await expect.poll(() => desk.locator('#help').isVisible()).toBe(true);
    await desk.keyboard.press('Escape');
    await desk.keyboard.press('Escape');
    await desk.waitForTimeout(300);
    expect(await desk.locator('body.in-panic').count()).toBe(0);
    expect(await desk.locator('.dept.panicked').count()).toBe(0);
    expect(await desk.locator('#help').isVisible()).toBe(false);
    // With the help closed, ESC ESC is PANIC.
    await desk.keyboard.press('Escape');
    await desk.keyboard.press('Escape');
    await expect.poll(() => tablet.locator('body.in-panic').count()).toBe(1);
    await tablet.locator('#release').tap();
    await expect.poll(() => desk.locator('body.in-panic').count()).toBe(0);
  });

  it('has PANIC on screen and working at 1920×1080, 1024×768 and on a 768×1024 tablet (screenshots in test-output/)', async () => {
    mkdirSync('test-output', { recursive: true });
    for (const [width, height, touch] of [[1920, 1080, false], [1024, 768, false], [768, 1024, true]] as const) {
      const context = await browser.newContext({ viewport: { width, height }, hasTouch: touch, isMobile: touch });
      try {
        const p = await open(context);
        await p.screenshot({ path: `test-output/console-${width}x${height}.png` });
        const box = await p.locator('#panic').boundingBox();
        expect(box, `${width}×${height}`).not.toBeNull();
        expect(box!.x >= 0 && box!.y >= 0 && box!.x + box!.width <= width && box!.y + box!.height <= height, `PANIC inside ${width}×${height}: ${JSON.stringify(box)}`).toBe(true);
        expect(Math.min(box!.width, box!.height)).toBeGreaterThanOrEqual(44); // a thumb's worth
        // Nothing covers it: the element at its centre is the button (or inside it).
        expect(await p.evaluate(({ x, y }) => document.elementFromPoint(x, y)?.closest('#panic') !== null, { x: box!.x + box!.width / 2, y: box!.y + box!.height / 2 })).toBe(true);
        if (touch) await p.locator('#panic').tap();
        else await p.locator('#panic').click();
        await expect.poll(() => desk.locator('body.in-panic').count(), { timeout: 5000 }).toBe(1);
        await p.screenshot({ path: `test-output/console-${width}x${height}-panic.png` });
        await p.locator('#release').click();
        await expect.poll(() => desk.locator('body.in-panic').count()).toBe(0);
      } finally {
        await context.close();
      }
    }
  });

  it('keeps the console token across a restart: an open page reconnects by itself', async () => {
    const configDir = join(dir, 'config-restart');
    const port = await freePort();
    let own = await startEngine(showDir, port, configDir, false);
    const token = /#token=(\S+)/.exec(own.output())?.[1] ?? '';
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    url = `http://127.0.0.1:${port}/`;
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const p = await open(context, token);
      await p.evaluate(() => { (window as unknown as { marker: number }).marker = 17; });
      await own.kill('SIGTERM');
      await expect.poll(() => p.locator('#link-text').textContent()).toMatch(/LOST|RECONNECTING/);
      own = await startEngine(showDir, port, configDir, false);
      expect(/#token=(\S+)/.exec(own.output())?.[1]).toBe(token);
      await expect.poll(() => p.locator('#link-text').textContent(), { timeout: 15_000 }).toBe('CONNECTED');
      expect(await p.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(17);
    } finally {
      await context.close();
      await own.kill('SIGTERM');
    }
  });
});
