import { describe, expect, it } from 'vitest';
import { EnttecParser, EnttecProDmxEncoder, OpenDmxEncoder, encodeEnttecMessage } from '../../../engine/core/dmx/enttec.js';

describe('Enttec framing', () => {
  it('frames label 6 as 7E 06 len-lsb len-msb 00 <512 slots> E7', () => {
    const enc = new EnttecProDmxEncoder();
    const data = new Uint8Array(512);
    data[0] = 0xaa;
    const m = enc.encode(data);
    expect(m.length).toBe(518);
    expect([...m.subarray(0, 6)]).toEqual([0x7e, 0x06, 0x01, 0x02, 0x00, 0xaa]);
    expect(m[517]).toBe(0xe7);
  });

  it('parses messages split across chunks and skips garbage', () => {
    const parser = new EnttecParser();
    const a = encodeEnttecMessage(6, Uint8Array.of(0, 1, 2, 3));
    const b = encodeEnttecMessage(10, Uint8Array.of(9, 9, 9, 9));
    const stream = Uint8Array.from([0x11, 0x22, ...a, ...b]);
    const got = [...parser.push(stream.subarray(0, 5)), ...parser.push(stream.subarray(5))];
    expect(got.map((g) => [g.label, [...g.data]])).toEqual([[6, [0, 1, 2, 3]], [10, [9, 9, 9, 9]]]);
    expect(parser.dropped).toBe(2);
  });

  it('puts the start code before Open DMX slots', () => {
    const f = new OpenDmxEncoder().encode(Uint8Array.of(5, 6));
    expect([f.length, f[0], f[1], f[2], f[3]]).toEqual([513, 0, 5, 6, 0]);
  });
});
