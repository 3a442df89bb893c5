import { describe, expect, it } from 'vitest';
import { Universe } from '../../../engine/core/universe/universe.js';
import { universeId } from '../../../engine/core/ids.js';
import { InputError } from '../../../engine/core/errors.js';

function make(): { u: Universe; out: Uint8Array } {
  const u = new Universe(universeId(1), { intensityChannels: [1, 2], safeValues: { 10: 0 } });
  u.addSource({ id: 'playback', priority: 100 });
  u.addSource({ id: 'operator', priority: 100 });
  return { u, out: new Uint8Array(512) };
}

describe('Universe merge', () => {
  it('takes the highest value on intensity channels (HTP)', () => {
    const { u, out } = make();
    u.setLevel('playback', 1, 200);
    u.setLevel('operator', 1, 100);
    u.render(out);
    expect(out[0]).toBe(200);
  });

  it('takes the latest change on other channels (LTP)', () => {
    const { u, out } = make();
    u.setLevel('playback', 5, 200);
    u.setLevel('operator', 5, 10);
    u.render(out);
    expect(out[4]).toBe(10);
    u.setLevel('playback', 5, 60);
    u.render(out);
    expect(out[4]).toBe(60);
  });

  it('lets a higher-priority source win outright, even with a lower intensity', () => {
    const { u, out } = make();
    u.addSource({ id: 'override', priority: 150 });
    u.setLevel('playback', 1, 255);
    u.setLevel('override', 1, 20);
    u.render(out);
    expect(out[0]).toBe(20);
    u.release('override');
    u.render(out);
    expect(out[0]).toBe(255);
  });

  it('applies the grand master after the merge, to intensity only', () => {
    const { u, out } = make();
    u.setLevels('playback', 1, [200, 100, 0, 0, 77]);
    u.setGrandMaster(0.5);
    u.render(out);
    expect([out[0], out[1], out[4]]).toEqual([100, 50, 77]);
    expect(u.preMaster()[0]).toBe(200);
  });

  it('fades the grand master over time and keeps rendering until the fade lands', () => {
    const { u, out } = make();
    u.setLevel('playback', 1, 200);
    u.render(out, 0);
    u.setGrandMaster(0, 1000, 0);
    u.render(out, 500);
    expect(out[0]).toBe(100);
    expect(u.needsRender(900)).toBe(true);
    u.render(out, 1000);
    expect(out[0]).toBe(0);
    expect(u.needsRender(1100)).toBe(false);
  });

  it('blacks out intensity while position-like channels hold', () => {
    const { u, out } = make();
    u.setLevels('playback', 1, [255, 255, 0, 0, 128]);
    u.setBlackout(true);
    u.render(out);
    expect([out[0], out[1], out[4]]).toEqual([0, 0, 128]);
    u.setBlackout(false);
    u.render(out);
    expect(out[0]).toBe(255);
  });

  it('PANIC fades intensity to 0 and safe-valued channels to their safe value, others hold', () => {
    const { u, out } = make();
    u.setLevels('playback', 1, [200, 0, 0, 0, 90, 0, 0, 0, 0, 180]);
    u.startPanic(2000, 0);
    u.render(out, 1000);
    expect([out[0], out[4], out[9]]).toEqual([100, 90, 90]);
    u.render(out, 2000);
    expect([out[0], out[4], out[9]]).toEqual([0, 90, 0]);
    u.clearPanic();
    u.render(out, 2100);
    expect(out[0]).toBe(200);
  });

  it('reports whether the output changed, so send-on-change can skip frames', () => {
    const { u, out } = make();
    u.setLevel('playback', 3, 9);
    expect(u.render(out)).toBe(true);
    expect(u.needsRender(0)).toBe(false);
    expect(u.render(out)).toBe(false);
  });

  it('rejects channels outside 1..512 and unknown sources with InputError', () => {
    const { u } = make();
    expect(() => u.setLevel('playback', 513, 1)).toThrow(InputError);
    expect(() => u.setLevel('nobody', 1, 1)).toThrow(/unknown source 'nobody'/);
  });

  it('clamps and rounds values into 0..255', () => {
    const { u, out } = make();
    u.setLevels('playback', 5, [-3, 300, 12.6, Number.NaN]);
    u.render(out);
    expect([...out.subarray(4, 8)]).toEqual([0, 255, 13, 0]);
  });
});
