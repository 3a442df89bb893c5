/**
 * OSC 1.0 packets through osc-js's encoder (osc-js encodes; our io layer only moves bytes): build
 * messages and bundles from the show's `OutputMessage` argument forms, and decode incoming packets
 * into plain messages. Malformed packets throw InputError.
 */
import { OSC } from './oscjs.js';
import { InputError } from '../errors.js';

/** OSC type tags we send. */
export type OscTypeTag = 'i' | 'f' | 's' | 'T' | 'F' | 'N';

/** An argument as a show writes it: a bare value (integer → i, other number → f) or explicitly typed. */
export type OscArg = number | string | boolean | { readonly type: OscTypeTag; readonly value?: number | string | boolean | null };

/** A message as the show writes it. */
export interface OscMessageSpec {
  readonly address: string;
  readonly args?: readonly OscArg[];
}

/** A decoded argument with its type tag. */
export interface OscValue {
  readonly type: string;
  readonly value: number | string | boolean | null | Uint8Array | bigint;
}

/** A decoded message. */
export interface OscMessageIn {
  readonly address: string;
  readonly args: readonly OscValue[];
}

type ArgObject = { type: 'i' | 'f' | 's' | 'T' | 'F' | 'N'; value: number | string | boolean | null };

function toArgObject(a: OscArg, address: string): ArgObject {
  if (typeof a === 'number') {
    if (!Number.isFinite(a)) throw new InputError('osc', `${address}: argument ${a} is not a finite number`);
    return Number.isInteger(a) && a >= -0x80000000 && a <= 0x7fffffff ? { type: 'i', value: a } : { type: 'f', value: a };
  }
  if (typeof a === 'string') return { type: 's', value: utf8Bytes(a) };
  if (typeof a === 'boolean') return a ? { type: 'T', value: true } : { type: 'F', value: false };
  switch (a.type) {
    case 'i':
    case 'f': {
      const v = Number(a.value ?? 0);
      if (!Number.isFinite(v)) throw new InputError('osc', `${address}: argument ${String(a.value)} is not a number`);
      return { type: a.type, value: a.type === 'i' ? Math.trunc(v) : v };
    }
    case 's':
      return { type: 's', value: utf8Bytes(String(a.value ?? '')) };
    case 'T':
      return { type: 'T', value: true };
    case 'F':
      return { type: 'F', value: false };
    case 'N':
      return { type: 'N', value: null };
  }
}

const utf8 = new TextEncoder();

/**
 * osc-js writes each UTF-16 code unit of a string as one byte (so "é" or "—" go out mangled) but
 * decodes strings as UTF-8. Handing it a string whose code units are the UTF-8 bytes makes the bytes
 * on the wire proper UTF-8, which it (and liblo, TouchOSC, QLab) read back as sent.
 */
function utf8Bytes(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(s)) return s;
  let out = '';
  for (const b of utf8.encode(s)) out += String.fromCharCode(b);
  return out;
}

function checkAddress(address: string): void {
  if (!address.startsWith('/') || /[\s#*,?[\]{}]/.test(address)) {
    throw new InputError('osc', `address '${address}' must start with / and contain no spaces or # * , ? [ ] { }`);
  }
}

function typedMessage(spec: OscMessageSpec): InstanceType<typeof OSC.Message> {
  checkAddress(spec.address);
  const args = (spec.args ?? []).map((a) => toArgObject(a, spec.address));
  // A Message (not a bare TypedMessage): osc-js bundles accept only Message instances. The typed `add`
  // of the base class keeps our explicit type tags.
  const m = new OSC.Message(spec.address);
  const proto: { add(this: unknown, type: string, value: unknown): void } = OSC.TypedMessage.prototype;
  for (const a of args) proto.add.call(m, a.type, a.value);
  return m;
}

/** Encodes one message. */
export function encodeOscMessage(spec: OscMessageSpec): Uint8Array {
  return typedMessage(spec).pack();
}

/** Encodes a bundle of messages with timetag "immediately" (or at `timetagMs`, Unix ms). */
export function encodeOscBundle(messages: readonly OscMessageSpec[], timetagMs?: number): Uint8Array {
  if (messages.length === 0) throw new InputError('osc', 'a bundle needs at least one message');
  const bundle = new OSC.Bundle(messages.map(typedMessage));
  if (timetagMs !== undefined) bundle.timestamp(timetagMs);
  else {
    bundle.timetag.value.seconds = 0;
    bundle.timetag.value.fractions = 1; // OSC "immediately"
  }
  return bundle.pack();
}

interface UnpackedMessage {
  address: string;
  types: string;
  args: unknown[];
}
function isMessage(v: unknown): v is UnpackedMessage {
  return typeof v === 'object' && v !== null && 'address' in v && 'types' in v && 'args' in v;
}
function isBundle(v: unknown): v is { bundleElements: unknown[] } {
  return typeof v === 'object' && v !== null && 'bundleElements' in v;
}

function flatten(v: unknown, out: OscMessageIn[], depth: number): void {
  if (depth > MAX_BUNDLE_DEPTH) throw new InputError('osc', `bundles nested deeper than ${MAX_BUNDLE_DEPTH}`);
  if (isBundle(v)) {
    for (const e of v.bundleElements) flatten(e, out, depth + 1);
    return;
  }
  if (!isMessage(v)) throw new InputError('osc', 'packet is neither a message nor a bundle');
  const tags = v.types.startsWith(',') ? v.types.slice(1) : v.types;
  const args: OscValue[] = v.args.map((value, i) => ({ type: tags[i] ?? '?', value: value as OscValue['value'] }));
  out.push({ address: v.address, args });
}

/** Deepest bundle nesting accepted (a real controller sends 1, rarely 2). */
export const MAX_BUNDLE_DEPTH = 8;

const BUNDLE_TAG = [0x23, 0x62, 0x75, 0x6e, 0x64, 0x6c, 0x65, 0x00]; // "#bundle\0"

function isBundleAt(bytes: Uint8Array, at: number): boolean {
  if (at + 16 > bytes.length) return false;
  for (let i = 0; i < 8; i++) if (bytes[at + i] !== BUNDLE_TAG[i]) return false;
  return true;
}

/**
 * Walks a bundle's element sizes without recursion and refuses nesting past MAX_BUNDLE_DEPTH or sizes
 * that do not add up — before osc-js unpacks it (its recursive unpack of a 3,000-deep bundle costs the
 * main thread over 100 ms).
 */
function checkBundleStructure(bytes: Uint8Array): void {
  if (!isBundleAt(bytes, 0)) return;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ends: number[] = [bytes.length];
  let pos = 16;
  while (ends.length > 0) {
    const end = ends[ends.length - 1]!;
    if (pos >= end) {
      ends.pop();
      continue;
    }
    if (pos + 4 > end) throw new InputError('osc', `bundle element size cut short at byte ${pos}`);
    const size = view.getUint32(pos);
    pos += 4;
    if (size === 0 || size % 4 !== 0 || pos + size > end) throw new InputError('osc', `bundle element of ${size} bytes at byte ${pos - 4} does not fit the packet`);
    if (isBundleAt(bytes, pos)) {
      if (ends.length >= MAX_BUNDLE_DEPTH) throw new InputError('osc', `bundles nested deeper than ${MAX_BUNDLE_DEPTH}`);
      ends.push(pos + size);
      pos += 16;
    } else pos += size;
  }
}

/** Decodes a packet (message or bundle, flattened in order); throws InputError when malformed. */
export function decodeOscPacket(bytes: Uint8Array): OscMessageIn[] {
  if (bytes.length === 0 || bytes.length % 4 !== 0) throw new InputError('osc', `packet of ${bytes.length} bytes is not a multiple of 4`);
  checkBundleStructure(bytes);
  const packet = new OSC.Packet();
  try {
    packet.unpack(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (err) {
    throw new InputError('osc', `malformed packet: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const out: OscMessageIn[] = [];
  flatten(packet.value, out, 0);
  return out;
}
