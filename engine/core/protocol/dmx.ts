/** Base64 for DMX frames in the console protocol, without Node's Buffer or the DOM (core stays pure). */

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const lookup = new Int16Array(128).fill(-1);
for (let i = 0; i < alphabet.length; i++) lookup[alphabet.charCodeAt(i)] = i;

/** Encodes channel values (0–255, at most 512 used) as base64. */
export function encodeDmx(values: Uint8Array | readonly number[]): string {
  const n = Math.min(values.length, 512);
  let out = '';
  for (let i = 0; i < n; i += 3) {
    const a = (values[i] ?? 0) & 255;
    const b = i + 1 < n ? (values[i + 1] ?? 0) & 255 : 0;
    const c = i + 2 < n ? (values[i + 2] ?? 0) & 255 : 0;
    const triple = (a << 16) | (b << 8) | c;
    out += alphabet[(triple >> 18) & 63]! + alphabet[(triple >> 12) & 63]!;
    out += i + 1 < n ? alphabet[(triple >> 6) & 63]! : '=';
    out += i + 2 < n ? alphabet[triple & 63]! : '=';
  }
  return out;
}

/** Decodes base64 from `encodeDmx` into a 512-channel frame; bad characters decode as 0. */
export function decodeDmx(text: string): Uint8Array {
  const out = new Uint8Array(512);
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < text.length && o < 512; i++) {
    const code = text.charCodeAt(i);
    if (code === 61) break; // '='
    const v = code < 128 ? lookup[code]! : -1;
    acc = (acc << 6) | (v < 0 ? 0 : v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 255;
    }
  }
  return out;
}
