/**
 * Enttec DMX USB Pro framing through a pseudo-terminal pair (socat), and the clear error a missing
 * serial device gives. Skips the pty part when socat is absent.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { afterAll, describe, expect, it } from 'vitest';
import { EnttecParser, type EnttecMessage } from '../../../engine/core/dmx/enttec.js';
import { DeviceError } from '../../../engine/core/errors.js';
import { FrameClock } from '../../../engine/io/frameClock/frameClock.js';
import { EnttecProDriver } from '../../../engine/io/dmx/serialDrivers.js';

const hasSocat = spawnSync('socat', ['-V'], { timeout: 5000 }).error === undefined;
if (!hasSocat) console.warn('skipping Enttec pty test: socat is not installed (apt-get install socat)');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const dir = mkdtempSync(join(tmpdir(), 'precue-pty-'));
let socat: ChildProcess | undefined;
afterAll(() => {
  socat?.kill();
  rmSync(dir, { recursive: true, force: true });
});

async function ptyPair(): Promise<[string, string]> {
  const a = join(dir, 'widget');
  const b = join(dir, 'host');
  socat = spawn('socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !(existsSync(a) && existsSync(b)); i++) await sleep(50);
  if (!existsSync(a)) throw new Error('socat did not create the pty pair');
  return [a, b];
}

describe('Enttec DMX USB Pro', () => {
  it.skipIf(!hasSocat)('sends label-6 frames 7E 06 01 02 00 <512 slots> E7 at the universe rate', async () => {
    const [widgetSide, hostSide] = await ptyPair();
    const reader = new SerialPort({ path: widgetSide, baudRate: 115200, autoOpen: false });
    await new Promise<void>((res, rej) => reader.open((e) => (e ? rej(e) : res())));
    const parser = new EnttecParser();
    const messages: EnttecMessage[] = [];
    reader.on('data', (chunk: Buffer) => messages.push(...parser.push(chunk)));

    const clock = await FrameClock.start({ universes: [{ id: 1, rateHz: 20, sendOnChange: false, keepAliveMs: 1000, driver: { kind: 'enttec-usb-pro', port: hostSide } }], strict: true });
    const look = new Uint8Array(512);
    look[0] = 10;
    look[511] = 250;
    clock.write(1, look);
    await sleep(1200);
    const stats = await clock.stats();
    await clock.stop('clean');
    await new Promise<void>((res) => reader.close(() => res()));

    expect(parser.dropped).toBe(0);
    expect(messages.length).toBeGreaterThanOrEqual(18);
    expect(messages.length).toBeLessThanOrEqual(27);
    for (const m of messages) {
      expect(m.label).toBe(6);
      expect(m.data.length).toBe(513);
      expect(m.data[0]).toBe(0); // DMX start code
    }
    const last = messages[messages.length - 1]!;
    expect([last.data[1], last.data[512]]).toEqual([10, 250]);
    expect(stats.universes[0]!.errors).toBe(0);
  }, 20_000);

  it('names the port when the device is missing', async () => {
    const driver = new EnttecProDriver('/dev/ttyUSB-precue-missing');
    await expect(driver.open()).rejects.toThrow(DeviceError);
    await expect(driver.open()).rejects.toThrow(/\/dev\/ttyUSB-precue-missing/);
  });

  it('reports a missing device from the frame clock and keeps the other universes running', async () => {
    const clock = await FrameClock.start({
      universes: [
        { id: 1, rateHz: 44, sendOnChange: false, keepAliveMs: 1000, driver: { kind: 'open-dmx', port: '/dev/ttyUSB-precue-missing' } },
        { id: 2, rateHz: 44, sendOnChange: false, keepAliveMs: 1000, driver: { kind: 'null' } },
      ],
    });
    expect(clock.openErrors.map((e) => e.message)).toEqual([expect.stringContaining('/dev/ttyUSB-precue-missing')]);
    expect(clock.openErrors[0]!.hint).toMatch(/dialout/);
    await sleep(200);
    const stats = await clock.stats();
    await clock.stop('hold');
    expect(stats.universes[1]!.sent).toBeGreaterThan(3);
  });

  it('refuses to start in strict mode when a device is missing', async () => {
    await expect(
      FrameClock.start({ universes: [{ id: 1, rateHz: 44, sendOnChange: false, keepAliveMs: 1000, driver: { kind: 'enttec-usb-pro', port: '/dev/ttyUSB-precue-missing' } }], strict: true }),
    ).rejects.toThrow(/enttec-usb-pro \/dev\/ttyUSB-precue-missing/);
  });
});
