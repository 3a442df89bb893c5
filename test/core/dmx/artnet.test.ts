import { describe, expect, it } from 'vitest';
import { ArtDmxEncoder, artnetPortAddress, ArtStyle, decodeArtnet, encodeArtPoll, encodeArtPollReply, encodeArtSync, splitPortAddress } from '../../../engine/core/dmx/artnet.js';

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

  it('encodes an Art-Net 4 ArtPollReply field by field', () => {
    const p = encodeArtPollReply({
      ip: '10.0.0.5', shortName: 'Precue', longName: 'Precue - Spring Gala', report: '2 universes sending', replyCount: 42,
      net: 3, subnet: 1, inputUniverses: [2, 5], bindIndex: 1, mac: '02:aa:bb:cc:dd:ee', version: { major: 0, minor: 1 }, refreshRateHz: 44,
    });
    expect(p.length).toBe(239);
    expect([...p.subarray(8, 16)]).toEqual([0x00, 0x21, 10, 0, 0, 5, 0x36, 0x19]); // OpPollReply, IP, port 0x1936 LE
    expect([p[18], p[19], p[173]]).toEqual([3, 1, 2]); // NetSwitch, SubSwitch, NumPortsLo
    expect([...p.subarray(174, 178)]).toEqual([0x40, 0x40, 0, 0]); // PortTypes: input onto Art-Net
    expect([...p.subarray(186, 190)]).toEqual([2, 5, 0, 0]); // SwIn
    expect([p[200], p[211], p[212]]).toEqual([ArtStyle.controller, 1, 0x08]);
    expect([...p.subarray(201, 207)]).toEqual([0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee]);
    expect([...p.subarray(207, 211)]).toEqual([10, 0, 0, 5]);
    expect([p[226], p[227]]).toEqual([0, 44]);
    const d = decodeArtnet(p);
    expect(d).toMatchObject({ op: 'pollReply', ip: '10.0.0.5', port: 6454, shortName: 'Precue', longName: 'Precue - Spring Gala', nodeReport: '#0001 [0042] 2 universes sending', style: 1, bindIndex: 1 });
    if (d.op === 'pollReply') expect(d.inputPortAddresses.map(splitPortAddress)).toEqual([{ net: 3, subnet: 1, universe: 2 }, { net: 3, subnet: 1, universe: 5 }]);
  });

  it('keeps names ASCII, null-terminated and within their fields', () => {
    const p = encodeArtPollReply({ ip: '127.0.0.1', shortName: 'Précue with a very long name', longName: 'x'.repeat(100), report: 'ok', replyCount: 10_123, net: 0, subnet: 0, inputUniverses: [0], bindIndex: 1 });
    const d = decodeArtnet(p);
    expect(d).toMatchObject({ shortName: 'Pr?cue with a ver', nodeReport: '#0001 [0123] ok' });
    if (d.op === 'pollReply') expect(d.longName).toHaveLength(63);
    expect(() => encodeArtPollReply({ ip: '127.0.0.1', shortName: '', longName: '', report: '', replyCount: 0, net: 0, subnet: 0, inputUniverses: [], bindIndex: 1 })).toThrow(/1\.\.4 ports/);
    expect(() => encodeArtPollReply({ ip: 'nowhere', shortName: '', longName: '', report: '', replyCount: 0, net: 0, subnet: 0, inputUniverses: [1], bindIndex: 1 })).toThrow(/not an IPv4/);
  });

  it('encodes an ArtSync', () => {
    expect([...encodeArtSync()]).toEqual([0x41, 0x72, 0x74, 0x2d, 0x4e, 0x65, 0x74, 0x00, 0x00, 0x52, 0x00, 0x0e, 0x00, 0x00]);
    expect(decodeArtnet(encodeArtSync())).toEqual({ op: 'sync' });
  });
});
