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

  it('PANIC fades intensity to 0, stops channels that must stop at once, others hold', () => {
    const { u, out } = make();
    u.setLevels('playback', 1, [200, 0, 0, 0, 90, 0, 0, 0, 0, 180]);
    u.render(out, 0);
    u.startPanic(2000, 0);
    u.render(out, 1000);
    expect([out[0], out[4], out[9]]).toEqual([100, 90, 0]);
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

describe('Universe safety: every light-making channel goes dark, never brighter on the way', () => {
  function safetyRig(): { u: Universe; out: Uint8Array } {
    const u = new Universe(universeId(1));
    u.addSource({ id: 'playback', priority: 100 });
    u.setMergeMode(1, 'htp');
    u.setSafety(1, 'dimmer', 0);
    u.setSafety(2, 'gate', 0); // shutter of the dimmed fixture: closed = 0
    u.setSafety(3, 'gateNow', 10); // shutter of a fixture without a dimmer: closed = 10
    u.setSafety(4, 'stop', 0); // haze
    u.setMergeMode(5, 'htp');
    u.setSafety(5, 'dimmer', 255); // a reversed dimmer: 255 is dark
    u.setLevels('playback', 1, [200, 128, 200, 180, 55]);
    const out = new Uint8Array(512);
    u.render(out, 0);
    return { u, out };
  }

  it('fades dimmers to their safe value, holds gates until the end, closes lone gates and stops haze at once', () => {
    const { u, out } = safetyRig();
    u.startPanic(1000, 0);
    u.render(out, 500);
    expect([...out.subarray(0, 5)]).toEqual([100, 128, 10, 0, 155]);
    u.render(out, 1000);
    expect([...out.subarray(0, 5)]).toEqual([0, 0, 10, 0, 255]);
  });

  it('never lets a channel rise during PANIC, whatever the sources do (an effect stopping, a fader pushed)', () => {
    const { u, out } = safetyRig();
    u.setLevels('playback', 1, [60, 128, 200, 180, 200]); // an effect has the dimmers low…
    u.render(out, 10);
    u.startPanic(1000, 10);
    u.setLevels('playback', 1, [255, 255, 255, 255, 0]); // …and stops: the base look is brighter
    const seen: number[][] = [];
    for (let t = 10; t <= 1010; t += 100) {
      u.render(out, t);
      seen.push([out[0]!, out[1]!, out[4]!]);
    }
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i]![0]).toBeLessThanOrEqual(seen[i - 1]![0]!);
      expect(seen[i]![2]).toBeGreaterThanOrEqual(seen[i - 1]![2]!);
      expect([128, 0]).toContain(seen[i]![1]);
    }
    expect(seen.at(-1)).toEqual([0, 0, 255]);
  });

  it('closes every gate at blackout and at grand master 0, and scales dimmers by the master', () => {
    const { u, out } = safetyRig();
    u.setGrandMaster(0.5);
    u.render(out, 0);
    expect([...out.subarray(0, 5)]).toEqual([100, 128, 200, 180, 155]);
    u.setBlackout(true);
    u.render(out, 0);
    expect([...out.subarray(0, 5)]).toEqual([0, 0, 10, 180, 255]);
  });

  it('merges a reversed dimmer HTP on brightness', () => {
    const { u, out } = safetyRig();
    u.addSource({ id: 'operator', priority: 100 });
    u.setLevel('operator', 5, 100); // darker than playback's 55
    u.render(out, 0);
    expect(out[4]).toBe(55);
  });

  it('a second PANIC during the fade never makes it slower; a shorter one makes it faster', () => {
    const { u, out } = safetyRig();
    u.startPanic(1000, 0);
    u.startPanic(5000, 500);
    u.render(out, 1000);
    expect(out[0]).toBe(0);
    const b = safetyRig();
    b.u.startPanic(1000, 0);
    b.u.startPanic(0, 100);
    b.u.render(b.out, 100);
    expect([...b.out.subarray(0, 5)]).toEqual([0, 0, 10, 0, 255]);
  });
});

describe('Universe with one source', () => {
  it('renders as the general merge does (a second, silent source forces the general path), through masters, blackout and PANIC', async () => {
    const { seededRandom } = await import('../../../engine/core/model/dataset.js');
    const kinds = ['dimmer', 'gate', 'gateNow', 'stop', null] as const;
    for (let seed = 1; seed <= 20; seed++) {
      const rand = seededRandom(seed);
      const one = new Universe(universeId(1));
      const general = new Universe(universeId(1));
      for (const u of [one, general]) u.addSource({ id: 'playback', priority: 100 });
      general.addSource({ id: 'silent', priority: 50 }); // never holds a channel
      for (let ch = 1; ch <= 512; ch++) {
        const kind = kinds[Math.floor(rand() * kinds.length)]!;
        const safe = rand() < 0.2 ? 255 : 0;
        const htp = rand() < 0.5;
        for (const u of [one, general]) {
          u.setSafety(ch, kind, safe);
          u.setMergeMode(ch, htp ? 'htp' : 'ltp');
        }
      }
      const a = new Uint8Array(512);
      const b = new Uint8Array(512);
      for (let step = 0; step < 60; step++) {
        const t = step * 23;
        const levels = Uint8Array.from({ length: 512 }, () => Math.floor(rand() * 256));
        const first = 1 + Math.floor(rand() * 100);
        for (const u of [one, general]) u.setLevels('playback', first, levels.subarray(0, 512 - first + 1));
        // Each step's random draws are made once and applied to both universes alike.
        const [r, x, y] = [rand(), rand(), rand()];
        const both = (f: (u: Universe) => void): void => [one, general].forEach(f);
        if (r < 0.05) both((u) => u.setGrandMaster(x, Math.floor(y * 200), t));
        else if (r < 0.08) both((u) => u.setGrandMaster(1, 0, t));
        else if (r < 0.1) both((u) => u.setBlackout(x < 0.5));
        else if (r < 0.12) both((u) => u.startPanic(Math.floor(x * 300), t));
        else if (r < 0.15) both((u) => u.clearPanic(0, t));
        else if (r < 0.17) both((u) => u.release('playback', [1 + Math.floor(x * 512)]));
        const ca = one.render(a, t);
        const cb = general.render(b, t);
        expect([...a], `seed ${seed} step ${step}`).toEqual([...b]);
        expect(ca).toBe(cb);
      }
    }
  });
});
