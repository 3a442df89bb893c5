import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeArtnet, encodeArtPoll, splitPortAddress } from '../../../engine/core/dmx/artnet.js';
import { ArtPollResponder, pollReplyGroups } from '../../../engine/io/dmx/artnetPollResponder.js';
import { showSacnCid, uuidV5 } from '../../../engine/io/dmx/sourceIdentity.js';
import { localAddressFor, resolveInterface, type LocalAddress } from '../../../engine/io/net/interfaces.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const addresses: LocalAddress[] = [
  { name: 'lo', address: '127.0.0.1', netmask: '255.0.0.0', mac: '00:00:00:00:00:00', internal: true },
  { name: 'eth0', address: '192.0.2.2', netmask: '255.255.255.0', mac: '02:00:00:00:00:01', internal: false },
  { name: 'eth1', address: '10.1.0.7', netmask: '255.255.0.0', mac: '02:00:00:00:00:02', internal: false },
];

describe('Art-Net discovery', () => {
  it('groups ports four to a reply per Net/Sub-Net', () => {
    const u = (net: number, subnet: number, universe: number) => ({ net, subnet, universe });
    expect(pollReplyGroups([u(0, 0, 1), u(0, 0, 0), u(0, 1, 0), u(0, 0, 2), u(0, 0, 3), u(0, 0, 4), u(0, 0, 1)])).toEqual([
      { net: 0, subnet: 0, universes: [0, 1, 2, 3] },
      { net: 0, subnet: 0, universes: [4] },
      { net: 0, subnet: 1, universes: [0] },
    ]);
  });

  it('answers an ArtPoll on loopback with one ArtPollReply per group, naming us and our port-addresses', async () => {
    const responder = new ArtPollResponder({ universes: [{ net: 0, subnet: 1, universe: 2 }, { net: 0, subnet: 1, universe: 3 }, { net: 1, subnet: 0, universe: 0 }], shortName: 'Precue', longName: 'Precue - Test', port: 0 });
    await responder.open();
    cleanups.push(() => responder.close());
    const poller = dgram.createSocket('udp4');
    cleanups.push(() => new Promise<void>((r) => poller.close(() => r())));
    await new Promise<void>((r) => poller.bind(0, '127.0.0.1', () => r()));
    const replies: ReturnType<typeof decodeArtnet>[] = [];
    poller.on('message', (m) => replies.push(decodeArtnet(new Uint8Array(m))));
    poller.send(encodeArtPoll(), responder.port, '127.0.0.1');
    for (let i = 0; i < 100 && replies.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(replies).toMatchObject([
      { op: 'pollReply', ip: '127.0.0.1', shortName: 'Precue', longName: 'Precue - Test', bindIndex: 1, style: 1 },
      { op: 'pollReply', bindIndex: 2 },
    ]);
    const ports = replies.flatMap((r) => (r.op === 'pollReply' ? r.inputPortAddresses.map(splitPortAddress) : []));
    expect(ports).toEqual([{ net: 0, subnet: 1, universe: 2 }, { net: 0, subnet: 1, universe: 3 }, { net: 1, subnet: 0, universe: 0 }]);
    expect(responder.stats).toMatchObject({ polls: 1, replies: 2 });
    poller.send(Buffer.from('not art-net'), responder.port, '127.0.0.1');
    for (let i = 0; i < 50 && responder.stats.malformed === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(responder.stats.malformed).toBe(1);
  });

  it('names the address a poller can reach, and the interfaces there are when one is missing', () => {
    expect(localAddressFor('192.0.2.77', addresses)?.address).toBe('192.0.2.2');
    expect(localAddressFor('10.1.200.3', addresses)?.address).toBe('10.1.0.7');
    expect(localAddressFor('127.0.0.1', addresses)?.address).toBe('127.0.0.1');
    expect(localAddressFor('172.16.0.1', addresses)?.address).toBe('192.0.2.2');
    expect(resolveInterface('eth1', addresses).address).toBe('10.1.0.7');
    expect(resolveInterface('192.0.2.2', addresses).name).toBe('eth0');
    expect(() => resolveInterface('wlan9', addresses)).toThrow(/network interface 'wlan9'.*is not on this machine.*available: lo 127\.0\.0\.1, eth0 192\.0\.2\.2, eth1 10\.1\.0\.7/);
  });
});

describe('sACN source identity', () => {
  it('is a version-5 UUID of the machine and the show: the same every run, another for another show or machine', () => {
    // Python: uuid.uuid5(uuid.UUID('6f1c9b52-3d7e-4c1a-9a44-2b8e0d6f71a3'), 'abc\nDemo')
    expect(uuidV5('6f1c9b52-3d7e-4c1a-9a44-2b8e0d6f71a3', 'abc\nDemo')).toBe('db585af2-3cea-5477-93a2-df1d4cb6cc40');
    expect(showSacnCid('Demo', undefined, 'abc')).toBe('db585af2-3cea-5477-93a2-df1d4cb6cc40');
    expect(showSacnCid('Demo', undefined, 'abc')).toBe(showSacnCid('Demo', undefined, 'abc'));
    expect(showSacnCid('Other show', undefined, 'abc')).not.toBe(showSacnCid('Demo', undefined, 'abc'));
    expect(showSacnCid('Demo', undefined, 'backup-machine')).not.toBe(showSacnCid('Demo', undefined, 'abc'));
    expect(showSacnCid('Demo', '11111111-2222-4333-8444-555555555555')).toBe('11111111-2222-4333-8444-555555555555');
  });
});
