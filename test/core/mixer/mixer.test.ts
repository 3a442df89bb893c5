import { describe, expect, it } from 'vitest';
import { describeMixerValue, encodeMixerValue, MIXER_PROFILES, resolveMixerParam, x32DbToLevel, x32LevelToDb, X32_PROFILE } from '../../../engine/core/mixer/profile.js';
import { compileSoundCues, SoundPlayback } from '../../../engine/core/playback/soundPlayback.js';
import type { ShowFile } from '../../../engine/core/show/schema.js';

describe('X32 profile', () => {
  it('names the X32 OSC addresses of a cue\'s parameters', () => {
    const a = (p: string): string => resolveMixerParam(X32_PROFILE, p).address;
    expect(a('ch/1/fader')).toBe('/ch/01/mix/fader');
    expect(a('ch/32/mute')).toBe('/ch/32/mix/on');
    expect(a('ch/5/send/12')).toBe('/ch/05/mix/12/level');
    expect(a('bus/16/fader')).toBe('/bus/16/mix/fader');
    expect(a('dca/2/fader')).toBe('/dca/2/fader');
    expect(a('dca/8/mute')).toBe('/dca/8/on');
    expect(a('main/fader')).toBe('/main/st/mix/fader');
    expect(a('scene')).toBe('/-action/goscene');
    expect(a('/Ch/1/Fader/')).toBe('/ch/01/mix/fader');
    expect(() => a('ch/33/fader')).toThrow(/has no 'ch\/33\/fader' \(ch\/1\.\.32\/fader\)/);
    expect(() => a('ch/1/pan')).toThrow(/has no parameter 'ch\/1\/pan'/);
    expect(MIXER_PROFILES.get('m32')?.rules).toBe(X32_PROFILE.rules);
  });

  it('follows the X32 fader law (4 segments, 1024 steps)', () => {
    expect(x32DbToLevel(10)).toBe(1);
    expect(x32DbToLevel(0)).toBe(Math.round(0.75 * 1023) / 1023);
    expect(x32DbToLevel(-90)).toBe(0);
    expect(x32LevelToDb(0.5)).toBe(-10);
    expect(x32LevelToDb(0.25)).toBe(-30);
    expect(x32LevelToDb(0.0625)).toBe(-60);
    for (const db of [-60, -45.5, -30, -20, -10, -3, 0, 5, 10]) expect(Math.abs(x32LevelToDb(x32DbToLevel(db)) - db)).toBeLessThan(0.25);
    const fader = resolveMixerParam(X32_PROFILE, 'ch/1/fader');
    expect(encodeMixerValue(fader, '-10dB')).toBe(x32DbToLevel(-10));
    expect(encodeMixerValue(fader, '-inf')).toBe(0);
    expect(describeMixerValue('x32-level', x32DbToLevel(-10))).toBe('-10.0 dB');
    const mute = resolveMixerParam(X32_PROFILE, 'ch/1/mute');
    expect([encodeMixerValue(mute, true), encodeMixerValue(mute, false)]).toEqual([0, 1]); // X32 "on" = unmuted
    expect(() => encodeMixerValue(mute, 'yes')).toThrow(/true \(muted\) or false/);
    expect(() => encodeMixerValue(fader, 'loud')).toThrow(/not a level/);
  });
});

const show = (cues: ShowFile['departments'][number]['cues']): Pick<ShowFile, 'departments' | 'outputs'> =>
  ({ outputs: { universes: [], osc: [], midi: [], visca: [], mixers: [{ id: 'foh', kind: 'x32', host: '127.0.0.1' }] }, departments: [{ id: 'SND', mode: 'manual', confidenceThreshold: 0.8, lockoutMs: 0, minGoIntervalMs: 0, moveInBlack: false, cues }] }) as unknown as Pick<ShowFile, 'departments' | 'outputs'>;
const cue = (number: string, extra: Record<string, unknown>) => ({ number, delayMs: 0, fadeUpMs: 0, curve: 'linear', ...extra }) as ShowFile['departments'][number]['cues'][number];

describe('sound cues', () => {
  const program = compileSoundCues(
    show([
      cue('1', { mixer: [{ mixer: 'foh', param: 'ch/1/fader', value: '-inf' }] }),
      cue('2', { fadeUpMs: 2000, fadeDownMs: 500, mixer: [{ mixer: 'foh', param: 'ch/1/fader', value: -10 }] }),
      cue('5', { mixer: [{ mixer: 'foh', param: 'ch/3/mute', value: true }, { mixer: 'foh', param: 'scene', value: 4 }] }),
    ]),
    () => X32_PROFILE,
  );

  it('fades a level over the cue time, linearly in fader travel, and lands exactly', () => {
    const p = new SoundPlayback(program);
    p.observe('foh', '/ch/01/mix/fader', 0);
    p.fire('SND', '2', 'go', 1000);
    const ramp = [0, 500, 1000, 1500, 2000, 2500].map((dt) => p.frame(1000 + dt).find((w) => w.param.address === '/ch/01/mix/fader')?.value);
    const end = x32DbToLevel(-10);
    expect(ramp[0]).toBeUndefined(); // still at 0 at the start
    expect(ramp[1]).toBeCloseTo(end * 0.25, 10);
    expect(ramp[2]).toBeCloseTo(end * 0.5, 10);
    expect(ramp[4]).toBe(end);
    expect(ramp[5]).toBeUndefined(); // nothing left to send
    expect(p.busy).toBe(false);
  });

  it('tracks: a mute set by cue 5 is undone by BACK to cue 2, a scene recall goes every time', () => {
    const p = new SoundPlayback(program);
    p.observe('foh', '/ch/01/mix/fader', 0);
    p.observe('foh', '/ch/03/mix/on', 1);
    p.fire('SND', '2', 'go', 0);
    p.frame(3000);
    p.fire('SND', '5', 'go', 4000);
    expect(p.frame(4000).map((w) => [w.param.address, w.value])).toEqual([['/ch/03/mix/on', 0], ['/-action/goscene', 4]]);
    p.fire('SND', '2', 'back', 5000);
    expect(p.frame(5000).map((w) => [w.param.address, w.value])).toEqual([['/ch/03/mix/on', 1]]);
    p.fire('SND', '1', 'back', 6000);
    expect(p.frame(6000).find((w) => w.param.address === '/ch/01/mix/fader')?.value).toBe(0); // cue 1 has no fade time: at once
  });

  it('HOLD pauses a fade, resume continues it, STOP leaves it where it is', () => {
    const p = new SoundPlayback(program);
    p.observe('foh', '/ch/01/mix/fader', 0);
    p.fire('SND', '2', 'go', 0);
    p.frame(1000);
    p.hold('SND', 1000);
    expect(p.frame(1800)).toEqual([]);
    p.resume('SND', 1800);
    expect(p.frame(2300)[0]!.value).toBeCloseTo(x32DbToLevel(-10) * 0.75, 10);
    p.stop('SND', 2300);
    expect(p.frame(5000)).toEqual([]);
  });

  it('refuses parameters and values the desk does not have, each located', () => {
    expect(() =>
      compileSoundCues(show([cue('1', { mixer: [{ mixer: 'foh', param: 'ch/40/fader', value: 0 }, { mixer: 'monitors', param: 'ch/1/fader', value: 0 }, { mixer: 'foh', param: 'ch/1/mute', value: 'maybe' }] })]), (id) => (id === 'foh' ? X32_PROFILE : undefined)),
    ).toThrow(/departments\[0\]\.cues\[0\]\.mixer\[0\]: .*ch\/40\/fader.*departments\[0\]\.cues\[0\]\.mixer\[1\]: there is no mixer 'monitors'.*mixer\[2\]: .*true \(muted\)/);
  });
});
