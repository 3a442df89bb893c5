import { describe, expect, it } from 'vitest';
import { ArtDmxEncoder, artnetPortAddress, decodeArtnet, encodeArtPoll, splitPortAddress } from '../../../engine/core/dmx/artnet.js';

describe('Art-Net encoding', () => {
  it('writes the ArtDmx header as the Art-Net 4 spec lays it out', () => {
    const enc = new ArtDmxEncoder({ net: 1, subnet: 2, universe: 3 });
    const data = new Uint8Array(512);
    data[0] = 255;
    data[511] = 7;
    const len = enc.encode(data);
    const p = enc.packet;
    expect(len).toBe(530);
    expect([...p.subarray(0, 18)]).toEqual([0x41, 0x72, 0x74, 0x2d, 0x4e, 0x65, 0x74, 0x00, 0x00, 0x50, 0x00, 0x0e, 0x01, 0x00, 0x23, 0x01, 0x02, 0x00]);
    expect(p[18]).toBe(255);
    expect(p[529]).toBe(7);
  });

  it('wraps the sequence 1..255 and never sends 0', () => {
    const enc = new ArtDmxEncoder({ net: 0, subnet: 0, universe: 0 });
    const seen = new Set<number>();
    for (let i = 0; i < 600; i++) {
      enc.encode(new Uint8Array(512));
      seen.add(enc.lastSequence);
    }
    expect(seen.has(0)).toBe(false);
    expect(seen.size).toBe(255);
  });

  it('round-trips through the decoder', () => {
    const enc = new ArtDmxEncoder({ net: 0, subnet: 1, universe: 5 });
    enc.encode(Uint8Array.from({ length: 512 }, (_, i) => i & 0xff));
    const d = decodeArtnet(enc.packet);
    expect(d.op).toBe('dmx');
    if (d.op !== 'dmx') return;
    expect(splitPortAddress(d.portAddress)).toEqual({ net: 0, subnet: 1, universe: 5 });
    expect(d.data[300]).toBe(300 & 0xff);
  });

  it('encodes an ArtPoll', () => {
    expect([...encodeArtPoll()]).toEqual([0x41, 0x72, 0x74, 0x2d, 0x4e, 0x65, 0x74, 0x00, 0x00, 0x20, 0x00, 0x0e, 0x00, 0x10]);
    expect(decodeArtnet(encodeArtPoll()).op).toBe('poll');
  });

  it('refuses out-of-range addresses and odd lengths', () => {
    expect(() => artnetPortAddress({ net: 128, subnet: 0, universe: 0 })).toThrow(/out of range/);
    expect(() => new ArtDmxEncoder({ net: 0, subnet: 0, universe: 0 }, 511)).toThrow(/even/);
    expect(() => decodeArtnet(new Uint8Array(20))).toThrow(/bad ID/);
  });
});
