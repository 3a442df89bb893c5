/**
 * The sACN CID of an engine: a receiver treats a new CID as a new source (a second stream to merge,
 * a fresh priority contest), so it must not change when the engine restarts. Unless the show or venue
 * names one, it is a name-based UUID (RFC 4122 version 5) of this machine's id and the show's name:
 * the same on every restart of a show here, different for another show and on a backup machine.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** Precue's namespace for name-based CIDs (a fixed random UUID). */
const PRECUE_CID_NAMESPACE = '6f1c9b52-3d7e-4c1a-9a44-2b8e0d6f71a3';

/** This machine's stable id (systemd/D-Bus machine-id), else its host name. */
export function machineId(): string {
  for (const file of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
    try {
      const id = readFileSync(file, 'utf8').trim();
      if (/^[0-9a-f]{32}$/i.test(id)) return id;
    } catch {
      // try the next
    }
  }
  return `host:${hostname()}`;
}

/** RFC 4122 version-5 UUID of `name` in `namespace`. */
export function uuidV5(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  const b = hash.subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The CID for a show on this machine (`explicit` from the show or venue wins). */
export function showSacnCid(showName: string, explicit?: string, machine: string = machineId()): string {
  return explicit ?? uuidV5(PRECUE_CID_NAMESPACE, `${machine}\n${showName}`);
}
