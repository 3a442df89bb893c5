/**
 * Enttec DMX USB Pro framing (Enttec "DMX USB Pro Widget API"): every message is
 * 0x7E, label, length LSB, length MSB, data…, 0xE7. Label 6 ("Output Only Send DMX Packet Request")
 * carries a start code plus up to 512 slots. Also the Open DMX frame (start code + 512 slots, sent
 * after a break by the io driver).
 */
import { InputError } from '../errors.js';

/** Start-of-message delimiter. */
export const ENTTEC_SOM = 0x7e;
/** End-of-message delimiter. */
export const ENTTEC_EOM = 0xe7;

/** Widget message labels we use. */
export const EnttecLabel = {
  getWidgetParameters: 3,
  receivedDmx: 5,
  sendDmx: 6,
  getSerialNumber: 10,
} as const;

/** Encodes any widget message. */
export function encodeEnttecMessage(label: number, data: Uint8Array): Uint8Array {
  if (!Number.isInteger(label) || label < 0 || label > 255) throw new InputError('enttec', `label ${label} is outside 0..255`);
  if (data.length > 600) throw new InputError('enttec', `message of ${data.length} bytes exceeds the widget's 600-byte limit`);
  const out = new Uint8Array(data.length + 5);
  out[0] = ENTTEC_SOM;
  out[1] = label;
  out[2] = data.length & 0xff;
  out[3] = data.length >> 8;
  out.set(data, 4);
  out[out.length - 1] = ENTTEC_EOM;
  return out;
}

/** Encodes label-6 DMX frames into one preallocated 518-byte buffer (start code 0 + 512 slots). */
export class EnttecProDmxEncoder {
  /** The message buffer. */
  readonly message: Uint8Array;

  constructor(readonly channels = 512) {
    if (!Number.isInteger(channels) || channels < 24 || channels > 512) {
      throw new InputError('enttec', `slot count ${channels} is outside 24..512 (the widget sends at least 24 slots)`);
    }
    const len = channels + 1;
    const m = new Uint8Array(len + 5);
    m[0] = ENTTEC_SOM;
    m[1] = EnttecLabel.sendDmx;
    m[2] = len & 0xff;
    m[3] = len >> 8;
    m[4] = 0x00; // DMX start code
    m[m.length - 1] = ENTTEC_EOM;
    this.message = m;
  }

  /** Copies `data` (channel 1 at index 0) into the message; returns it. */
  encode(data: Uint8Array): Uint8Array {
    const n = Math.min(this.channels, data.length);
    this.message.set(n === data.length ? data : data.subarray(0, n), 5);
    if (n < this.channels) this.message.fill(0, 5 + n, 5 + this.channels);
    return this.message;
  }
}

/** One decoded widget message. */
export interface EnttecMessage {
  readonly label: number;
  readonly data: Uint8Array;
}

/**
 * Incremental parser for a widget byte stream (serial data arrives in arbitrary chunks). Bytes
 * before a 0x7E and messages without a closing 0xE7 are skipped and counted in `dropped`.
 */
export class EnttecParser {
  private buf = new Uint8Array(0);
  /** Bytes skipped as garbage. */
  dropped = 0;

  /** Feeds bytes; returns every complete message they finish. */
  push(chunk: Uint8Array): EnttecMessage[] {
    const merged = new Uint8Array(this.buf.length + chunk.length);
    merged.set(this.buf, 0);
    merged.set(chunk, this.buf.length);
    const out: EnttecMessage[] = [];
    let i = 0;
    while (i < merged.length) {
      if (merged[i] !== ENTTEC_SOM) {
        i++;
        this.dropped++;
        continue;
      }
      if (merged.length - i < 4) break;
      const len = merged[i + 2]! | (merged[i + 3]! << 8);
      if (len > 600) {
        i++;
        this.dropped++;
        continue;
      }
      if (merged.length - i < len + 5) break;
      if (merged[i + 4 + len] !== ENTTEC_EOM) {
        i++;
        this.dropped++;
        continue;
      }
      out.push({ label: merged[i + 1]!, data: merged.slice(i + 4, i + 4 + len) });
      i += len + 5;
    }
    this.buf = merged.slice(i);
    return out;
  }
}

/** Encodes Open DMX frames (start code 0 + 512 slots) into one preallocated 513-byte buffer. */
export class OpenDmxEncoder {
  /** The frame buffer. */
  readonly frame = new Uint8Array(513);

  /** Copies `data` (channel 1 at index 0) after the start code; returns the frame. */
  encode(data: Uint8Array): Uint8Array {
    const n = Math.min(512, data.length);
    this.frame.set(n === data.length ? data : data.subarray(0, n), 1);
    if (n < 512) this.frame.fill(0, 1 + n);
    return this.frame;
  }
}
