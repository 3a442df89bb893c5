/**
 * precue validate on video outputs: names a switcher or playout server does not have, checked against
 * the device profile the show names, and broken references between cameras, switchers and messages —
 * each located at its line and column in show.json.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../engine/cli/main.js';

const root = resolve(import.meta.dirname, '../..');

async function validate(...args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await runCli(['validate', ...args], { stdout: (s) => (out += s), stderr: (s) => (out += s), exit: () => undefined });
  return { code, out };
}

describe('precue validate: switchers, playout and cameras', () => {
  it('reports each name the device profiles do not have, located in show.json', async () => {
    const r = await validate(resolve(root, 'test/shows/video-names'));
    expect(r.code).toBe(1);
    expect(r.out.split('\n').filter((l) => l !== '')).toEqual([
      expect.stringMatching(/show\.json:13:42: outputs\.cameras\[1\]\.input: OBS 'obs' has no scene 'Wide' \(expected one of "Cam 1", "Cam 2"\)$/),
      expect.stringMatching(/show\.json:22:122: departments\[0\]\.cues\[1\]\.messages\[0\]\.source: OBS 'obs' has no source 'Logo' in scene 'Cam 1' \(expected one of "Camera 1"\)$/),
      expect.stringMatching(/show\.json:14:42: outputs\.cameras\[2\]\.input: ATEM 'atem' has no input 7 \(expected an input number or name: "1 Camera 1", "2 Camera 2"\)$/),
      expect.stringMatching(/show\.json:23:94: departments\[0\]\.cues\[2\]\.messages\[0\]\.macro: ATEM 'atem' has no macro "Finale" \(expected one of "1 Opener"\)$/),
      expect.stringMatching(/show\.json:30:134: departments\[1\]\.cues\[1\]\.messages\[0\]\.template: CasparCG 'caspar' has no template 'STRAP' \(expected one of "LOWER_THIRD"\)$/),
      expect.stringMatching(/^5 problems in /),
    ]);
  });

  it('reports cameras, shots and messages that name outputs the show does not have', async () => {
    const r = await validate(resolve(root, 'test/shows/video-references'));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/show\.json:8:24: outputs\.cameras\[0\]\.switcher: camera 'close' is on switcher 'mixer', which is not defined/);
    expect(r.out).toMatch(/show\.json:9:23: outputs\.cameras\[1\]\.visca: camera 'wide' moves over VISCA output 'cam9', which is not defined/);
    expect(r.out).toMatch(/show\.json:16:57: departments\[0\]\.cues\[0\]\.messages\[0\]\.target: shot on camera 'jib', which is not defined/);
    expect(r.out).toMatch(/show\.json:17:76: departments\[0\]\.cues\[1\]\.messages\[0\]\.preset: shot moves camera 'close', which has no VISCA link/);
    expect(r.out).toMatch(/show\.json:18:57: departments\[0\]\.cues\[2\]\.messages\[0\]\.target: atem message to 'obs', which is an obs output/);
    expect(r.out).toMatch(/show\.json:19:61: departments\[0\]\.cues\[3\]\.messages\[0\]\.target: casparcg message to 'nowhere', which is not defined/);
    expect(r.out).toMatch(/^6 problems in /m);
  });

  it('passes the demo show against its OBS profile', async () => {
    const r = await validate(resolve(root, 'shows/demo'));
    expect(r.code).toBe(0);
  });
});
