import { describe, expect, it } from 'vitest';
import { SacnDataEncoder, SacnOptions, SacnSyncEncoder, decodeSacn, encodeUniverseDiscovery, parseCid, sacnMulticastAddress, SACN_DISCOVERY_ADDRESS, SACN_DISCOVERY_UNIVERSE } from '../../../engine/core/dmx/sacn.js';

const cid = parseCid('5a1c3b2e-0f0d-4c1e-9a0b-112233445566');

describe('sACN E1.31 encoding', () => {
  it('lays out a 638-byte data packet with E1.31-2018 vectors and lengths', () => {
    const enc = new SacnDataEncoder({ universe: 258, cid, sourceName: 'Precue', priority: 150, syncUniverse: 7 });
    const data = new Uint8Array(512);
    data[0] = 1;
    data[511] = 2;
    expect(enc.encode(data)).toBe(638);
    const p = enc.packet;
    expect([...p.subarray(0, 16)]).toEqual([0x00, 0x10, 0x00, 0x00, 0x41, 0x53, 0x43, 0x2d, 0x45, 0x31, 0x2e, 0x31, 0x37, 0x00, 0x00, 0x00]);
    expect([p[16], p[17]]).toEqual([0x72, 0x6e]); // 0x7000 | 622
    expect([...p.subarray(18, 22)]).toEqual([0, 0, 0, 4]);
    expect([p[38], p[39]]).toEqual([0x72, 0x58]); // 0x7000 | 600
    expect([...p.subarray(40, 44)]).toEqual([0, 0, 0, 2]);
    expect(p[108]).toBe(150);
    expect([p[109], p[110]]).toEqual([0, 7]);
    expect([p[113], p[114]]).toEqual([1, 2]);
    expect([p[115], p[116], p[117], p[118]]).toEqual([0x72, 0x0b, 0x02, 0xa1]);
    expect([p[123], p[124], p[125], p[126], p[637]]).toEqual([0x02, 0x01, 0, 1, 2]);
  });

  it('numbers packets 0..255 and sets the stream-terminated bit on request', () => {
    const enc = new SacnDataEncoder({ universe: 1, cid, sourceName: 'P' });
    enc.encode(new Uint8Array(512));
    expect(enc.lastSequence).toBe(0);
    enc.encode(new Uint8Array(512), SacnOptions.streamTerminated);
    const d = decodeSacn(enc.packet);
    expect(d.kind === 'data' && d.sequence === 1 && d.options === 0x40).toBe(true);
  });

  it('round-trips data and sync packets', () => {
    const enc = new SacnDataEncoder({ universe: 12, cid, sourceName: 'Précue desk' });
    enc.encode(Uint8Array.from({ length: 512 }, (_, i) => (i * 3) & 0xff));
    const d = decodeSacn(enc.packet);
    if (d.kind !== 'data') throw new Error('expected data');
    expect(d.universe).toBe(12);
    expect(d.sourceName).toBe('Précue desk');
    expect(d.data[100]).toBe(300 & 0xff);
    const s = new SacnSyncEncoder(7, cid);
    expect(s.encode()).toBe(49);
    expect(decodeSacn(s.packet)).toMatchObject({ kind: 'sync', syncUniverse: 7, sequence: 0 });
  });

  it('maps universes to 239.255.hi.lo and rejects 0 and 64000', () => {
    expect(sacnMulticastAddress(1)).toBe('239.255.0.1');
    expect(sacnMulticastAddress(258)).toBe('239.255.1.2');
    expect(() => sacnMulticastAddress(0)).toThrow(/1..63999/);
    expect(() => new SacnDataEncoder({ universe: 64000, cid, sourceName: '' })).toThrow(/1..63999/);
  });

  it('lays out universe discovery pages (E1.31 §6.4, §8): sorted, unique, 512 per page', () => {
    const [p, ...rest] = encodeUniverseDiscovery(cid, 'Precue', [300, 7, 7, 1]);
    expect(rest).toEqual([]);
    expect(p!.length).toBe(120 + 2 * 3);
    expect([...p!.subarray(18, 22)]).toEqual([0, 0, 0, 8]); // VECTOR_ROOT_E131_EXTENDED
    expect([p![38], p![39]]).toEqual([0x70, 126 - 38]);
    expect([...p!.subarray(40, 44)]).toEqual([0, 0, 0, 2]); // VECTOR_E131_EXTENDED_DISCOVERY
    expect([p![112], p![113]]).toEqual([0x70, 126 - 112]);
    expect([...p!.subarray(114, 118)]).toEqual([0, 0, 0, 1]); // VECTOR_UNIVERSE_DISCOVERY_UNIVERSE_LIST
    expect([p![118], p![119]]).toEqual([0, 0]); // page 0 of 0
    expect([...p!.subarray(120)]).toEqual([0, 1, 0, 7, 1, 44]);
    expect(decodeSacn(p!)).toMatchObject({ kind: 'discovery', sourceName: 'Precue', page: 0, lastPage: 0, universes: [1, 7, 300] });
    const many = encodeUniverseDiscovery(cid, 'Precue', Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(many.map((x) => decodeSacn(x))).toMatchObject([{ page: 0, lastPage: 1 }, { page: 1, lastPage: 1 }]);
    expect(many[0]!.length).toBe(120 + 1024);
    expect(SACN_DISCOVERY_ADDRESS).toBe(`239.255.${SACN_DISCOVERY_UNIVERSE >> 8}.${SACN_DISCOVERY_UNIVERSE & 0xff}`);
  });
});
