import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCaptured } from './captured.js';

const root = resolve(import.meta.dirname, '../..');

const validate = (...args: string[]): ReturnType<typeof runCaptured> => runCaptured(['validate', ...args]);

describe('precue validate', () => {
  it('passes the demo show and its touring venue', async () => {
    const r = await validate(resolve(root, 'shows/demo'));
    expect(r.out).toMatch(/valid — 13 fixtures on 2 universes, LX 8 cues, VID 5 cues, CAM 9 cues; venues ok: touring/);
    expect(r.code).toBe(0);
  });

  const cases: Array<[string, RegExp]> = [
    ['broken-json', /show\.json:17:7: broken JSON: CommaExpected \(expected a comma between items\)/],
    ['unknown-fixture-type', /show\.json:15:7: fixtures\[1\]\.type: unknown fixture type 'acme\/super-spot'/],
    ['overlap', /show\.json:18:7: fixtures\[1\]\.address: fixture 'par2' \(1\/5–12\) overlaps 'par1' \(1\/1–8\)/],
    ['past-512', /show\.json:25:7: fixtures\[2\]\.address: fixture 'head1' needs 14 channels from address 505, past channel 512 \(ends at 518\) \(expected a start address from 1 to 499\)/],
    ['cue-missing-fixture', /show\.json:59:13: departments\[0\]\.cues\[1\]\.levels\.par3: cue LX 2 sets 'par3', which is neither a patched fixture nor a group/],
    ['venue-missing-universe', /venues\/bad\.json:5:5: universes\["2"\]: remaps universe 2, which the show does not have \(expected one of 1\)/],
    ['newer-version', /show\.json:3:3: version: this show is version 3, newer than this Precue understands \(up to 2\)/],
  ];
  for (const [name, expected] of cases) {
    it(`reports the located problem in test/shows/${name}`, async () => {
      const r = await validate(resolve(root, 'test/shows', name));
      expect(r.code).toBe(1);
      expect(r.out).toMatch(expected);
      expect(r.out).toMatch(/^1 problem in /m);
      expect(r.err).toBe('');
    });
  }

  it('reports every problem at once', async () => {
    const r = await validate(resolve(root, 'test/shows/many-problems'));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^3 problems in /m);
    expect(r.out).toMatch(/fixtures\[1\]\.type/);
    expect(r.out).toMatch(/fixtures\[2\]\.address: fixture 'head1' starts at address 600/);
    expect(r.out).toMatch(/levels\.par3/);
  });

  it('never rewrites the file it checks', async () => {
    const file = resolve(root, 'test/shows/broken-json/show.json');
    const before = readFileSync(file, 'utf8');
    await validate(resolve(root, 'test/shows/broken-json'));
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('says which venues exist when asked for one that does not', async () => {
    const r = await validate(resolve(root, 'shows/demo'), '--venue', 'nowhere');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/venue 'nowhere' not found \(expected one of touring\)/);
  });

  it('gives a usage error, not a stack trace, for a missing folder argument and an unknown flag', async () => {
    expect((await validate()).code).toBe(2);
    const r = await validate('shows/demo', '--bogus');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^precue validate: Unknown option '--bogus'/);
  });
});
