/**
 * The machine's network interfaces as show outputs name them: by interface name (`eth1`) or by one of
 * its IPv4 addresses. Used to send Art-Net/sACN from a chosen interface and to say, in an ArtPollReply,
 * which of our addresses a poller can reach.
 */
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { DeviceError } from '../../core/errors.js';

/** One local IPv4 address with its interface. */
export interface LocalAddress {
  readonly name: string;
  readonly address: string;
  readonly netmask: string;
  readonly mac: string;
  readonly internal: boolean;
}

/** Every local IPv4 address (the injected list is for tests). */
export function localIPv4(list: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): LocalAddress[] {
  const out: LocalAddress[] = [];
  for (const [name, infos] of Object.entries(list)) {
    for (const i of infos ?? []) if (i.family === 'IPv4') out.push({ name, address: i.address, netmask: i.netmask, mac: i.mac, internal: i.internal });
  }
  return out;
}

function describe(all: readonly LocalAddress[]): string {
  return all.map((a) => `${a.name} ${a.address}`).join(', ') || 'none';
}

/**
 * The IPv4 address of `wanted` (an interface name or a local address). Throws DeviceError naming the
 * interfaces there are when it is not on this machine.
 */
export function resolveInterface(wanted: string, all: readonly LocalAddress[] = localIPv4()): LocalAddress {
  const found = all.find((a) => a.address === wanted) ?? all.find((a) => a.name === wanted);
  if (found === undefined) throw new DeviceError(`network interface '${wanted}'`, 'is not on this machine', `available: ${describe(all)}; fix "interface" in the show or the venue file`);
  return found;
}

const toInt = (ip: string): number => ip.split('.').reduce((n, p) => (n << 8) + Number(p), 0) >>> 0;

/** Our address on the same subnet as `peer` (loopback peers get 127.0.0.1), else the first external one. */
export function localAddressFor(peer: string, all: readonly LocalAddress[] = localIPv4()): LocalAddress | undefined {
  const p = peer.replace(/^::ffff:/, '');
  if (/^\d+\.\d+\.\d+\.\d+$/.test(p)) {
    const peerInt = toInt(p);
    const same = all.find((a) => (toInt(a.address) & toInt(a.netmask)) === (peerInt & toInt(a.netmask)));
    if (same !== undefined) return same;
  }
  return all.find((a) => !a.internal) ?? all[0];
}
