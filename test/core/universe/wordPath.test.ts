/**
 * The word-at-a-time path (a whole universe from a source that holds every channel, into an aligned
 * output) gives exactly what the channel-at-a-time path gives: same outputs, same "changed" answers,
 * same LTP order, on random sequences of writes, releases, masters and PANICs.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Universe } from '../../../engine/core/universe/universe.js';
import { universeId } from '../../../engine/core/ids.js';

type Op =
  | { kind: 'whole'; source: 0 | 1; values: number[] }
  | { kind: 'one'; source: 0 | 1; channel: number; value: number }
  | { kind: 'release'; source: 0 | 1; channels: number[] | null }
  | { kind: 'master'; level: number }
  | { kind: 'panic'; on: boolean };

const channel = fc.integer({ min: 1, max: 512 });
const byte = fc.integer({ min: 0, max: 255 });
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('whole' as const),
      source: fc.constantFrom(0 as const, 1 as const),
      // Sparse edits of a mostly unchanged universe, as a fading frame is.
      values: fc.array(fc.tuple(fc.integer({ min: 0, max: 511 }), byte), { maxLength: 20 }).map((edits) => {
        const v = new Array<number>(512).fill(0);
        for (const [i, x] of edits) v[i] = x;
        return v;
      }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('one' as const), source: fc.constantFrom(0 as const, 1 as const), channel, value: byte }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('release' as const), source: fc.constantFrom(0 as const, 1 as const), channels: fc.option(fc.array(channel, { maxLength: 5 }), { nil: null }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('master' as const), level: fc.constantFrom(0, 0.5, 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('panic' as const), on: fc.boolean() }) },
);

/** Runs `ops` on a universe; `words` feeds it reused aligned buffers (the word path), else arrays and an unaligned output. */
function play(ops: readonly Op[], twoSources: boolean, words: boolean): { outputs: number[][]; changed: boolean[] } {
  const u = new Universe(universeId(1), { intensityChannels: [1, 5, 9, 200] });
  const ids = ['playback', 'operator'];
  u.addSource({ id: ids[0]!, priority: 100 });
  if (twoSources) u.addSource({ id: ids[1]!, priority: 100 });
  const inputs = [new Uint8Array(512), new Uint8Array(512)];
  const out = words ? new Uint8Array(512) : new Uint8Array(new ArrayBuffer(513), 1, 512);
  const outputs: number[][] = [];
  const changed: boolean[] = [];
  let now = 0;
  for (const o of ops) {
    now += 23;
    const source = twoSources ? ids[o.kind === 'master' || o.kind === 'panic' ? 0 : o.source]! : ids[0]!;
    if (o.kind === 'whole') {
      if (words) {
        const buf = inputs[ids.indexOf(source)]!;
        buf.set(o.values);
        u.setLevels(source, 1, buf);
      } else {
        u.setLevels(source, 1, o.values);
      }
    } else if (o.kind === 'one') u.setLevel(source, o.channel, o.value);
    else if (o.kind === 'release') u.release(source, o.channels ?? undefined);
    else if (o.kind === 'master') u.setGrandMaster(o.level, 0, now);
    else if (o.on) u.startPanic(0, now);
    else u.clearPanic(0, now);
    changed.push(u.render(out, now));
    outputs.push(Array.from(out));
  }
  return { outputs, changed };
}

describe('Universe word path', () => {
  it('equals the channel path on random sequences, with one source and with two', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 40 }), fc.boolean(), (ops, two) => {
        expect(play(ops, two, true)).toEqual(play(ops, two, false));
      }),
      { numRuns: 300 },
    );
  });

  it('a whole-universe write after a release holds every channel again', () => {
    const u = new Universe(universeId(1));
    u.addSource({ id: 'p', priority: 100 });
    const buf = new Uint8Array(512).fill(7);
    u.setLevels('p', 1, buf);
    u.release('p', [3]);
    const out = new Uint8Array(512);
    u.render(out, 0);
    expect(out[2]).toBe(0);
    buf[2] = 7;
    u.setLevels('p', 1, buf);
    u.render(out, 1);
    expect(out[2]).toBe(7);
    expect(out.every((v) => v === 7)).toBe(true);
  });
});
