/**
 * Programming from the console against the real engine (`precue run` on a copy of the demo show),
 * driven from Debian's Chromium: record a look, undo, redo, insert a point cue, edit a fade — each
 * saved to show.json at once (the previous version in show.json.bak) and still there after the
 * engine restarts; a viewer's edit is refused; two consoles editing one cue see a conflict, and
 * nothing is overwritten until one of them chooses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ArtnetReceiver, e2eTokens, freePort, startRealEngine, type EngineProcess } from './consoleHarness.js';

const CHROMIUM = '/usr/bin/chromium';
const ready = existsSync(CHROMIUM) && existsSync('shows/demo/show.json');

interface SavedCue { number: string; name?: string; fadeUpMs?: number; levels?: Record<string, unknown> }
interface SavedShow { departments: { id: string; cues: SavedCue[] }[] }

describe.skipIf(!ready)(`programming from the console (needs ${CHROMIUM} and the demo show)`, () => {
  let browser: Browser;
  let receiver: ArtnetReceiver;
  let engine: EngineProcess;
  let port: number;
  let dir: string;
  const pages: Page[] = [];

  const saved = (): SavedShow => JSON.parse(readFileSync(join(dir, 'show.json'), 'utf8')) as SavedShow;
  const lxCues = (): SavedCue[] => saved().departments.find((d) => d.id === 'LX')!.cues;
  const lxNumbers = (): string[] => lxCues().map((c) => c.number);

  async function open(token: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    page.setDefaultTimeout(10_000);
    pages.push(page);
    await page.goto(`${engine.url}#token=${token}`);
    await page.waitForFunction(() => document.getElementById('link-text')?.textContent === 'CONNECTED', undefined, { timeout: 15_000 });
    await page.locator('#programming').waitFor({ state: 'visible' });
    await page.locator('#prog-toggle').click(); // the panel opens folded
    return page;
  }
  const rows = (page: Page) => page.locator('#programming .prog-cue .prog-num').allTextContents();
  const fadeOf = (page: Page, cue: string) => page.locator(`#programming .prog-cue[data-cue="${cue}"] td`).nth(2).textContent();
  const message = (page: Page) => page.locator('#programming .prog-message').textContent();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'precue-prog-'));
    cpSync('shows/demo/show.json', join(dir, 'show.json'));
    for (const sub of ['devices', 'venues', 'takes']) if (existsSync(`shows/demo/${sub}`)) cpSync(`shows/demo/${sub}`, join(dir, sub), { recursive: true });
    receiver = await ArtnetReceiver.open(0);
    port = await freePort();
    [engine, browser] = await Promise.all([
      startRealEngine(port, receiver.port, dir),
      chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'], timeout: 30_000 }),
    ]);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await engine?.kill('SIGTERM');
    receiver?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('records the look on stage as a new cue, undoes and redoes it, saving each step', async () => {
    const page = await open(e2eTokens.operator);
    await page.keyboard.press('m'); // LX by hand
    await expect.poll(() => page.locator('.dept[data-dept="LX"] .mode-manual.active').count()).toBe(1);
    await page.keyboard.press(' '); // cue 1
    await expect.poll(() => page.locator('.dept[data-dept="LX"] .cue.current .cue-num').textContent()).toBe('1');
    await page.locator('#prog-number').fill('1.5');
    await page.locator('#prog-name').fill('recorded from the desk');
    await page.locator('#prog-fade').fill('3');
    await page.locator('#prog-record').click();
    await expect.poll(() => rows(page)).toContain('1.5');
    expect(await message(page)).toContain('record LX 1.5');
    expect(lxCues().find((c) => c.number === '1.5')).toMatchObject({ name: 'recorded from the desk', fadeUpMs: 3000 });
    // The previous version is kept.
    expect(existsSync(join(dir, 'show.json.bak'))).toBe(true);
    // The log says who edited.
    await expect.poll(() => page.locator('#log-body tr').first().locator('.log-action').textContent()).toBe('EDIT');

    await page.locator('#prog-undo').click();
    await expect.poll(() => rows(page)).not.toContain('1.5');
    expect(lxNumbers()).not.toContain('1.5');
    await expect.poll(() => page.locator('#prog-redo').textContent()).toContain('record LX 1.5');
    await page.locator('#prog-redo').click();
    await expect.poll(() => rows(page)).toContain('1.5');
    expect(lxNumbers()).toContain('1.5');
  });

  it('inserts a point cue between two cues and edits a fade', async () => {
    const page = pages[0]!;
    await page.locator('#prog-number').fill('2.5');
    await page.locator('#prog-name').fill('hook');
    await page.locator('#prog-fade').fill('');
    await page.locator('#prog-insert').click();
    await expect.poll(() => rows(page)).toEqual(['1', '1.5', '2', '2.5', '3', '4', '5', '6', '7', '8']);
    expect(lxCues().find((c) => c.number === '2.5')).toEqual({ number: '2.5', name: 'hook' });
    await page.locator('#programming .prog-cue[data-cue="3"]').click();
    await page.locator('#prog-fade').fill('4.5');
    await page.locator('#prog-apply').click();
    await expect.poll(() => fadeOf(page, '3')).toBe('4.5');
    expect(lxCues().find((c) => c.number === '3')?.fadeUpMs).toBe(4500);
    // The stack on the department shows the new cues too.
    await expect.poll(() => page.locator('.dept[data-dept="LX"] .cue .cue-num').allTextContents()).toContain('2.5');
  });

  it("refuses a viewer's edit", async () => {
    const viewer = await open(e2eTokens.viewer);
    await viewer.locator('#programming .prog-cue[data-cue="4"]').click();
    await viewer.locator('#prog-fade').fill('9');
    await viewer.locator('#prog-apply').click();
    await expect.poll(() => message(viewer)).toContain('forbidden');
    expect(lxCues().find((c) => c.number === '4')?.fadeUpMs).not.toBe(9000);
    await viewer.close();
  });

  it('shows two consoles editing one cue a conflict, and overwrites nothing until one chooses', async () => {
    const a = pages[0]!;
    const b = await open(e2eTokens.admin);
    for (const p of [a, b]) await p.locator('#programming .prog-cue[data-cue="5"]').click();
    await b.locator('#prog-fade').fill('6');
    await a.locator('#prog-fade').fill('5');
    await a.locator('#prog-apply').click();
    await expect.poll(() => fadeOf(a, '5')).toBe('5');
    // B sees at once that someone changed the cue it has open; its own value stays in its form.
    await expect.poll(() => b.locator('#programming .prog-conflict').isVisible()).toBe(true);
    expect(await b.locator('#programming .prog-conflict').textContent()).toContain('was changed by operator@127.0.0.1');
    expect(await b.locator('#prog-fade').inputValue()).toBe('6');
    // Applying on the old revision is refused by the engine: a conflict, not an overwrite.
    await b.locator('#prog-apply').click();
    await expect.poll(() => message(b)).toContain('conflict');
    expect(lxCues().find((c) => c.number === '5')?.fadeUpMs).toBe(5000);
    mkdirSync('test-output', { recursive: true });
    await b.screenshot({ path: 'test-output/programming-conflict.png' });
    // B chooses to put its value over A's, knowingly.
    await b.locator('#prog-keep-mine').click();
    await expect.poll(() => fadeOf(b, '5')).toBe('6');
    expect(lxCues().find((c) => c.number === '5')?.fadeUpMs).toBe(6000);
    await b.close();
  });

  it('finds every change in the show after the engine restarts', async () => {
    for (const p of pages) if (!p.isClosed()) await p.close();
    pages.length = 0;
    await engine.kill('SIGTERM');
    engine = await startRealEngine(port, receiver.port, dir);
    const page = await open(e2eTokens.operator);
    await expect.poll(() => rows(page)).toEqual(['1', '1.5', '2', '2.5', '3', '4', '5', '6', '7', '8']);
    expect(await fadeOf(page, '3')).toBe('4.5');
    expect(await fadeOf(page, '5')).toBe('6');
    await page.screenshot({ path: 'test-output/programming.png' });
  }, 90_000);
});
