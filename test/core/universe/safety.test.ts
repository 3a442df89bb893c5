import { describe, expect, it } from 'vitest';
import { universeId } from '../../../engine/core/ids.js';
import { UniverseSafety } from '../../../engine/core/universe/safety.js';
import { Universe } from '../../../engine/core/universe/universe.js';

function rig() {
  const us = [1, 2].map((n) => {
    const u = new Universe(universeId(n), { intensityChannels: [1] });
    u.addSource({ id: 'playback', priority: 100 });
    u.setLevels('playback', 1, [200, 90]);
    u.render(new Uint8Array(512), 0);
    return u;
  });
  return { us, safety: new UniverseSafety(us, { panicFadeMs: 2000, grandMaster: 1 }), out: new Uint8Array(512) };
}

describe('UniverseSafety', () => {
  it('PANIC fades every universe to its safe state over the show default, then holds', () => {
    const { us, safety, out } = rig();
    expect(safety.handle({ type: 'panic' }, 1000)).toBe(true);
    us[1]!.render(out, 2000);
    expect([out[0], out[1]]).toEqual([100, 90]);
    us[0]!.render(out, 3000);
    expect(out[0]).toBe(0);
    expect(safety.handle({ type: 'go' }, 3100)).toBe(false);
    us[0]!.render(out, 3100);
    expect(out[0]).toBe(0);
    safety.clearPanic(4000);
    us[0]!.render(out, 4000);
    expect(out[0]).toBe(200);
  });

  it('uses the fade time a PANIC command carries', () => {
    const { us, safety, out } = rig();
    safety.handle({ type: 'panic', fadeMs: 100 }, 0);
    us[0]!.render(out, 100);
    expect(out[0]).toBe(0);
  });

  it('ALL_OFF snaps off and RESUME brings the look back', () => {
    const { us, safety, out } = rig();
    safety.handle({ type: 'allOff' }, 0);
    us[0]!.render(out, 0);
    expect(out[0]).toBe(0);
    safety.handle({ type: 'resume' }, 10);
    us[0]!.render(out, 10);
    expect(out[0]).toBe(200);
  });

  it('sets blackout and a faded grand master on every universe', () => {
    const { us, safety, out } = rig();
    safety.handle({ type: 'grandMaster', level: 0.5, fadeMs: 1000 }, 0);
    us[1]!.render(out, 1000);
    expect(out[0]).toBe(100);
    safety.handle({ type: 'blackout', on: true }, 1000);
    us[1]!.render(out, 1000);
    expect(out[0]).toBe(0);
    expect(safety.current).toEqual({ panic: false, allOff: false, blackout: true, grandMaster: 0.5, changedBy: 'system' });
  });
});
