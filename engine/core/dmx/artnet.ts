/**
 * Art-Net 4 packet encoding (Art-Net 4 specification, Artistic Licence): ArtDmx, ArtPoll, ArtPollReply
 * (how consoles and visualisers discover us) and ArtSync, plus decoders used by tests and by anything
 * that listens. Encoders write into preallocated buffers so the frame clock allocates nothing per frame.
 */
import { InputError } from '../errors.js';

/** The UDP port Art-Net uses for everything. */
export const ARTNET_PORT = 6454;
/** Art-Net protocol revision we speak. */
export const ARTNET_PROTOCOL_VERSION = 14;
/** ArtDmx header length; the DMX data follows. */
export const ARTDMX_HEADER_BYTES = 18;

/** Art-Net opcodes we encode or decode (little-endian on the wire). */
export const ArtOpCode = { Poll: 0x2000, PollReply: 0x2100, Dmx: 0x5000, Sync: 0x5200 } as const;

const ID = [0x41, 0x72, 0x74, 0x2d, 0x4e, 0x65, 0x74, 0x00]; // "Art-Net\0"

/** Net (0..127), Sub-Net (0..15) and Universe (0..15): together the 15-bit Port-Address. */
export interface ArtnetAddress {
  readonly net: number;
  readonly subnet: number;
  readonly universe: number;
}

/** The 15-bit Port-Address of net/subnet/universe; throws InputError when a part is out of range. */
export function artnetPortAddress(a: ArtnetAddress): number {
  const ok = (v: number, max: number): boolean => Number.isInteger(v) && v >= 0 && v <= max;
  if (!ok(a.net, 127) || !ok(a.subnet, 15) || !ok(a.universe, 15)) {
    throw new InputError('art-net', `address net ${a.net} subnet ${a.subnet} universe ${a.universe} is out of range (net 0..127, subnet 0..15, universe 0..15)`);
  }
  return (a.net << 8) | (a.subnet << 4) | a.universe;
}

/** Splits a 15-bit Port-Address back into net/subnet/universe. */
export function splitPortAddress(portAddress: number): ArtnetAddress {
  return { net: (portAddress >> 8) & 0x7f, subnet: (portAddress >> 4) & 0x0f, universe: portAddress & 0x0f };
}

/**
 * Encodes ArtDmx packets for one Port-Address into one preallocated buffer. `encode` copies the
 * channel data and stamps the sequence (1..255, wrapping, never 0 — 0 would disable reordering).
 */
export class ArtDmxEncoder {
  /** The packet buffer; valid up to the length `encode` returns. */
  readonly packet: Uint8Array;
  private sequence = 0;

  constructor(
    address: ArtnetAddress,
    /** Channels per packet, even, 2..512 (Art-Net requires an even length). */
    readonly channels = 512,
  ) {
    if (!Number.isInteger(channels) || channels < 2 || channels > 512 || channels % 2 !== 0) {
      throw new InputError('art-net', `ArtDmx length ${channels} must be even and 2..512`);
    }
    const pa = artnetPortAddress(address);
    const p = new Uint8Array(ARTDMX_HEADER_BYTES + channels);
    p.set(ID, 0);
    p[8] = ArtOpCode.Dmx & 0xff;
    p[9] = ArtOpCode.Dmx >> 8;
    p[10] = 0;
    p[11] = ARTNET_PROTOCOL_VERSION;
    p[12] = 0; // sequence, set per packet
    p[13] = 0; // physical input port
    p[14] = pa & 0xff; // SubUni
    p[15] = (pa >> 8) & 0x7f; // Net
    p[16] = channels >> 8;
    p[17] = channels & 0xff;
    this.packet = p;
  }

  /** Copies `data` (channel 1 at index 0) into the packet, bumps the sequence; returns the packet length. */
  encode(data: Uint8Array): number {
    this.sequence = this.sequence >= 255 ? 1 : this.sequence + 1;
    this.packet[12] = this.sequence;
    const n = Math.min(this.channels, data.length);
    this.packet.set(n === data.length ? data : data.subarray(0, n), ARTDMX_HEADER_BYTES);
    if (n < this.channels) this.packet.fill(0, ARTDMX_HEADER_BYTES + n);
    return this.packet.length;
  }

  /** The sequence number of the last encoded packet (0 before the first). */
  get lastSequence(): number {
    return this.sequence;
  }
}

/** Encodes an ArtPoll (controller discovery; Art-Net 4 nodes answer with ArtPollReply). */
export function encodeArtPoll(options: { readonly flags?: number; readonly diagPriority?: number } = {}): Uint8Array {
  const p = new Uint8Array(14);
  p.set(ID, 0);
  p[8] = ArtOpCode.Poll & 0xff;
  p[9] = ArtOpCode.Poll >> 8;
  p[10] = 0;
  p[11] = ARTNET_PROTOCOL_VERSION;
  p[12] = (options.flags ?? 0) & 0xff;
  p[13] = (options.diagPriority ?? 0x10) & 0xff;
  return p;
}

/** Length of an Art-Net 4 ArtPollReply. */
export const ARTPOLLREPLY_BYTES = 239;
/** Length of an ArtSync. */
export const ARTSYNC_BYTES = 14;
/** Ports one ArtPollReply can describe (they share its Net and Sub-Net). */
export const ARTPOLLREPLY_PORTS = 4;

/** ArtPollReply `Style`: what kind of device answers. */
export const ArtStyle = { node: 0x00, controller: 0x01, media: 0x02, route: 0x03, backup: 0x04, config: 0x05, visual: 0x06 } as const;

/** What one ArtPollReply says about us. */
export interface ArtPollReplyInfo {
  /** Our IPv4 address as the poller sees it (dotted quad). */
  readonly ip: string;
  /** Up to 17 characters (ASCII), e.g. "Precue". */
  readonly shortName: string;
  /** Up to 63 characters (ASCII), e.g. "Precue — Spring Gala". */
  readonly longName: string;
  /** The status text after `#0001 [count] ` (NodeReport), up to 50 characters. */
  readonly report: string;
  /** Counts replies (the `[count]` of the NodeReport), 0..9999 wrapping. */
  readonly replyCount: number;
  /** Net (0..127) and Sub-Net (0..15) shared by this reply's ports. */
  readonly net: number;
  readonly subnet: number;
  /** Universe nibbles (0..15) of the ports we send onto Art-Net (1..4; Art-Net calls them input ports). */
  readonly inputUniverses: readonly number[];
  /** 1-based index of this reply among ours (several replies describe more than four ports). */
  readonly bindIndex: number;
  /** MAC address `aa:bb:cc:dd:ee:ff` (zeros when unknown). */
  readonly mac?: string;
  /** Firmware version (we send the engine's major.minor). */
  readonly version?: { readonly major: number; readonly minor: number };
  /** Highest DMX refresh rate we send, Hz. */
  readonly refreshRateHz?: number;
  /** Which device class (default controller: a lighting console). */
  readonly style?: number;
}

function ipv4Bytes(ip: string): number[] {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new InputError('art-net', `'${ip}' is not an IPv4 address`);
  return parts;
}

function writeAscii(p: Uint8Array, at: number, size: number, text: string): void {
  // Null-terminated ASCII: anything else becomes '?' so a receiver never shows half a UTF-8 sequence.
  const clean = text.replace(/[^\x20-\x7e]/g, '?').slice(0, size - 1);
  for (let i = 0; i < clean.length; i++) p[at + i] = clean.charCodeAt(i);
}

/** Encodes one Art-Net 4 ArtPollReply (239 bytes). Throws InputError on out-of-range fields. */
export function encodeArtPollReply(info: ArtPollReplyInfo): Uint8Array {
  if (info.inputUniverses.length < 1 || info.inputUniverses.length > ARTPOLLREPLY_PORTS) throw new InputError('art-net', `an ArtPollReply describes 1..4 ports, not ${info.inputUniverses.length}`);
  artnetPortAddress({ net: info.net, subnet: info.subnet, universe: 0 });
  for (const u of info.inputUniverses) artnetPortAddress({ net: info.net, subnet: info.subnet, universe: u });
  const p = new Uint8Array(ARTPOLLREPLY_BYTES);
  const ip = ipv4Bytes(info.ip);
  p.set(ID, 0);
  p[8] = ArtOpCode.PollReply & 0xff;
  p[9] = ArtOpCode.PollReply >> 8;
  p.set(ip, 10);
  p[14] = ARTNET_PORT & 0xff; // Port, little-endian, always 0x1936
  p[15] = ARTNET_PORT >> 8;
  p[16] = info.version?.major ?? 0;
  p[17] = info.version?.minor ?? 0;
  p[18] = info.net;
  p[19] = info.subnet;
  p[20] = 0x00; // OEM 0x00FF: "unknown / not registered"
  p[21] = 0xff;
  p[22] = 0; // no UBEA
  p[23] = 0xd0; // Status1: indicators normal (11), port-addresses set by configuration (01)
  p[24] = 0; // ESTA manufacturer code: none
  p[25] = 0;
  writeAscii(p, 26, 18, info.shortName);
  writeAscii(p, 44, 64, info.longName);
  writeAscii(p, 108, 64, `#0001 [${String(info.replyCount % 10000).padStart(4, '0')}] ${info.report}`); // RcPowerOk
  p[172] = 0;
  p[173] = info.inputUniverses.length;
  info.inputUniverses.forEach((u, i) => {
    p[174 + i] = 0x40; // PortTypes: can input onto Art-Net, DMX512
    p[178 + i] = 0x80; // GoodInput: data received (we are sending)
    p[186 + i] = u; // SwIn
  });
  p[194] = 100; // AcnPriority
  p[200] = info.style ?? ArtStyle.controller;
  const mac = (info.mac ?? '00:00:00:00:00:00').split(/[:-]/).map((h) => parseInt(h, 16));
  if (mac.length === 6 && mac.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) p.set(mac, 201);
  p.set(ip, 207); // BindIp: the root device
  p[211] = info.bindIndex & 0xff;
  p[212] = 0x08; // Status2: 15-bit Port-Addresses (Art-Net 3/4)
  const rate = Math.max(0, Math.min(0xffff, Math.round(info.refreshRateHz ?? 44)));
  p[226] = rate >> 8;
  p[227] = rate & 0xff;
  return p;
}

/** Encodes an ArtSync (14 bytes): receivers output the DMX they buffered since the last one. */
export function encodeArtSync(): Uint8Array {
  const p = new Uint8Array(ARTSYNC_BYTES);
  p.set(ID, 0);
  p[8] = ArtOpCode.Sync & 0xff;
  p[9] = ArtOpCode.Sync >> 8;
  p[10] = 0;
  p[11] = ARTNET_PROTOCOL_VERSION;
  return p;
}

/** A decoded ArtPollReply (the fields a controller lists). */
export interface ArtPollReplyPacket {
  readonly op: 'pollReply';
  readonly ip: string;
  readonly port: number;
  readonly shortName: string;
  readonly longName: string;
  readonly nodeReport: string;
  readonly style: number;
  readonly bindIndex: number;
  /** Full 15-bit Port-Addresses of the ports that input onto Art-Net. */
  readonly inputPortAddresses: readonly number[];
}

/** A decoded Art-Net packet (the kinds we use). */
export type ArtnetPacket =
  | { readonly op: 'dmx'; readonly sequence: number; readonly physical: number; readonly portAddress: number; readonly data: Uint8Array }
  | { readonly op: 'poll'; readonly flags: number; readonly diagPriority: number }
  | ArtPollReplyPacket
  | { readonly op: 'sync' }
  | { readonly op: 'other'; readonly opCode: number };

function readAscii(bytes: Uint8Array, at: number, size: number): string {
  const slice = bytes.subarray(at, at + size);
  const end = slice.indexOf(0);
  return String.fromCharCode(...(end < 0 ? slice : slice.subarray(0, end)));
}

/** Decodes an Art-Net packet; throws InputError on anything that is not Art-Net or is truncated. */
export function decodeArtnet(bytes: Uint8Array): ArtnetPacket {
  if (bytes.length < 12 || ID.some((b, i) => bytes[i] !== b)) throw new InputError('art-net', 'not an Art-Net packet (bad ID)');
  const opCode = bytes[8]! | (bytes[9]! << 8);
  if (opCode === ArtOpCode.Dmx) {
    if (bytes.length < ARTDMX_HEADER_BYTES) throw new InputError('art-net', 'truncated ArtDmx header');
    const length = (bytes[16]! << 8) | bytes[17]!;
    if (length < 2 || length > 512 || bytes.length < ARTDMX_HEADER_BYTES + length) {
      throw new InputError('art-net', `ArtDmx length ${length} does not fit the ${bytes.length}-byte packet`);
    }
    return {
      op: 'dmx',
      sequence: bytes[12]!,
      physical: bytes[13]!,
      portAddress: bytes[14]! | ((bytes[15]! & 0x7f) << 8),
      data: bytes.slice(ARTDMX_HEADER_BYTES, ARTDMX_HEADER_BYTES + length),
    };
  }
  if (opCode === ArtOpCode.Poll) {
    if (bytes.length < 14) throw new InputError('art-net', 'truncated ArtPoll');
    return { op: 'poll', flags: bytes[12]!, diagPriority: bytes[13]! };
  }
  if (opCode === ArtOpCode.PollReply) {
    // Art-Net 3 replies stop at 207 bytes; the fields we read are all before that.
    if (bytes.length < 207) throw new InputError('art-net', `truncated ArtPollReply (${bytes.length} bytes)`);
    const ports = Math.min(ARTPOLLREPLY_PORTS, bytes[173]!);
    const inputPortAddresses: number[] = [];
    for (let i = 0; i < ports; i++) if ((bytes[174 + i]! & 0x40) !== 0) inputPortAddresses.push(((bytes[18]! & 0x7f) << 8) | ((bytes[19]! & 0x0f) << 4) | (bytes[186 + i]! & 0x0f));
    return {
      op: 'pollReply',
      ip: [...bytes.subarray(10, 14)].join('.'),
      port: bytes[14]! | (bytes[15]! << 8),
      shortName: readAscii(bytes, 26, 18),
      longName: readAscii(bytes, 44, 64),
      nodeReport: readAscii(bytes, 108, 64),
      style: bytes[200]!,
      bindIndex: bytes.length > 211 ? bytes[211]! : 0,
      inputPortAddresses,
    };
  }
  if (opCode === ArtOpCode.Sync) return { op: 'sync' };
  return { op: 'other', opCode };
}
