/**
 * The camera mover against a loopback PTZ camera that takes 300 ms to travel: a preset recall is
 * reported arrived only once the camera has completed and stands still, an absolute move once the
 * camera reports the target position, and a camera that does not answer inquiries is reported
 * `unknown` at once (after one probe), so a cut never waits on it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Arrival } from '../../../engine/core/video/cameraDirector.js';
import { CameraMover } from '../../../engine/io/video/cameraMover.js';
import { ViscaClient } from '../../../engine/io/visca/viscaClient.js';
import { FakeViscaCamera, presetPosition } from './fakeViscaCamera.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(options: { travelMs?: number; answersInquiries?: boolean }) {
  const camera = await FakeViscaCamera.start(options);
  const client = new ViscaClient({ id: 'v1', host: '127.0.0.1', port: camera.port }, { ackTimeoutMs: 40, retries: 2 });
  await client.open();
  const mover = new CameraMover('cam1', client, { pollMs: 30 });
  cleanups.push(() => camera.close(), () => client.close(), () => mover.stop());
  return { camera, mover };
}

function moved(mover: CameraMover, move: Parameters<CameraMover['move']>[0]): Promise<{ how: Arrival; afterMs: number }> {
  const start = Date.now();
  return new Promise((resolve) => mover.move(move, (how) => resolve({ how, afterMs: Date.now() - start })));
}

describe('camera mover', () => {
  it('reports a preset recall arrived when the camera has completed and stands still', async () => {
    const { camera, mover } = await setup({ travelMs: 300 });
    const r = await moved(mover, { kind: 'preset', preset: 2 });
    expect(r.how).toBe('arrived');
    expect(r.afterMs).toBeGreaterThanOrEqual(300);
    expect(r.afterMs).toBeLessThan(600);
    expect(camera.position()).toEqual(presetPosition(2));
    expect(camera.recalls().map((c) => c.preset)).toEqual([2]);
  });

  it('reports an absolute move arrived when the camera reports the target position', async () => {
    const { camera, mover } = await setup({ travelMs: 200 });
    const r = await moved(mover, { kind: 'position', position: { pan: -1200, tilt: 300 } });
    expect(r.how).toBe('arrived');
    expect(r.afterMs).toBeGreaterThanOrEqual(150);
    expect(camera.position()).toEqual({ pan: -1200, tilt: 300 });
    expect(camera.commands[0]!.payload).toEqual([0x81, 0x01, 0x06, 0x02, 0x18, 0x14, 0x0f, 0x0b, 0x05, 0x00, 0x00, 0x01, 0x02, 0x0c, 0xff]);
  });

  it('does not wait for a camera that does not answer position inquiries', async () => {
    const { camera, mover } = await setup({ travelMs: 300, answersInquiries: false });
    expect(await mover.probe()).toBe(false);
    const r = await moved(mover, { kind: 'preset', preset: 4 });
    expect(r).toMatchObject({ how: 'unknown' });
    expect(r.afterMs).toBeLessThan(50);
    await new Promise((res) => setTimeout(res, 50));
    expect(camera.recalls().map((c) => c.preset)).toEqual([4]);
  });
});
