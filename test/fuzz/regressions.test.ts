/** Every failure the fuzzers found, pinned with its shrunk input: refused with a reason, never thrown past the boundary. */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../engine/core/errors.js';
import { oscToControl } from '../../engine/core/osc/dictionary.js';
import { decodeOscPacket } from '../../engine/core/osc/packet.js';

describe('fuzz regressions', () => {
  it('OSC: a cue address with broken percent-encoding is an InputError, not a URIError', () => {
    const bytes = Uint8Array.from([47, 99, 117, 101, 47, 37, 69, 48, 37, 65, 52, 37, 65, 47, 115, 116, 97, 114, 116, 0, 44, 0, 0, 0]); // "/cue/%E0%A4%A/start"
    const [message] = decodeOscPacket(bytes);
    expect(() => oscToControl(message!)).toThrow(InputError);
    expect(() => oscToControl(message!)).toThrow(/percent-encoding/);
  });
});

describe('fuzz regressions: audio', () => {
  it('WAV: float samples past full scale are clipped and NaN is silence', async () => {
    const { decodeWav } = await import('../../engine/core/audio/wav.js');
    // A 32-bit float WAV whose data holds 0.84 and 3.64 (the fuzzer's shrunk file), and one holding NaN.
    const bytes = Uint8Array.from([82, 73, 70, 70, 48, 0, 0, 0, 87, 65, 86, 69, 102, 109, 116, 32, 16, 0, 0, 0, 3, 0, 1, 0, 64, 31, 0, 0, 0, 125, 0, 0, 4, 0, 32, 0, 100, 97, 116, 97, 12, 0, 0, 0, 0, 0, 0, 0, 164, 106, 87, 63, 183, 199, 104, 64]);
    const w = decodeWav(bytes, 'audio.wav');
    expect([...w.samples].every((s) => s >= -1 && s <= 1)).toBe(true);
    const nan = bytes.slice();
    new DataView(nan.buffer).setFloat32(48, NaN, true);
    expect([...decodeWav(nan, 'audio.wav').samples].every((s) => Number.isFinite(s))).toBe(true);
  });
});

describe('fuzz regressions: OSC bundles', () => {
  it('refuses a 3,000-deep bundle before osc-js unpacks it (it cost the main thread > 100 ms)', async () => {
    const { encodeOscMessage, MAX_BUNDLE_DEPTH } = await import('../../engine/core/osc/packet.js');
    const inner = encodeOscMessage({ address: '/go' });
    const levels = 3000;
    const out = new Uint8Array(20 * levels + inner.length);
    const view = new DataView(out.buffer);
    for (let k = 0; k < levels; k++) {
      out.set(new TextEncoder().encode('#bundle\0'), 20 * k);
      out[20 * k + 15] = 1;
      view.setUint32(20 * k + 16, out.length - 20 * k - 20);
    }
    out.set(inner, 20 * levels);
    expect(() => decodeOscPacket(out)).toThrow(new RegExp(`nested deeper than ${MAX_BUNDLE_DEPTH}`));
    // A bundle whose element size runs past the packet is refused too, and a sane nested bundle still decodes.
    const bad = out.slice(0, 40);
    expect(() => decodeOscPacket(bad)).toThrow(InputError);
    expect(decodeOscPacket(out.slice(20 * (levels - 2)))).toEqual([{ address: '/go', args: [] }]);
  });
});
