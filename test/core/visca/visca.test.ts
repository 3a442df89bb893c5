import { describe, expect, it } from 'vitest';
import {
  ViscaPayloadType, decodePanTiltPosition, decodeViscaIp, decodeViscaReply, decodeZoomPosition, encodePanTiltPosition, encodeViscaIp, viscaAbsolutePosition,
  viscaPanTilt, viscaPanTiltInquiry, viscaPresetRecall, viscaPresetStore, viscaZoom, viscaZoomDirect, viscaZoomInquiry,
} from '../../../engine/core/visca/visca.js';

describe('VISCA over IP', () => {
  it('builds the camera commands from the VISCA command list', () => {
    expect([...viscaPresetRecall(5)]).toEqual([0x81, 0x01, 0x04, 0x3f, 0x02, 0x05, 0xff]);
    expect([...viscaPresetStore(5)]).toEqual([0x81, 0x01, 0x04, 0x3f, 0x01, 0x05, 0xff]);
    expect([...viscaPanTilt('up-right', 24, 20)]).toEqual([0x81, 0x01, 0x06, 0x01, 0x18, 0x14, 0x02, 0x01, 0xff]);
    expect([...viscaZoom('tele', 3)]).toEqual([0x81, 0x01, 0x04, 0x07, 0x23, 0xff]);
    expect([...viscaZoom('stop')]).toEqual([0x81, 0x01, 0x04, 0x07, 0x00, 0xff]);
  });

  it('wraps a command in the 8-byte header with the sequence number, and decodes it back', () => {
    const bytes = encodeViscaIp({ payloadType: ViscaPayloadType.command, sequence: 0x01020304, payload: viscaPresetRecall(1) });
    expect([...bytes.subarray(0, 8)]).toEqual([0x01, 0x00, 0x00, 0x07, 0x01, 0x02, 0x03, 0x04]);
    expect(decodeViscaIp(bytes)).toMatchObject({ payloadType: 0x0100, sequence: 0x01020304 });
  });

  it('decodes ACK, completion and error replies', () => {
    expect(decodeViscaReply(Uint8Array.of(0x90, 0x41, 0xff))).toEqual({ kind: 'ack', socket: 1 });
    expect(decodeViscaReply(Uint8Array.of(0x90, 0x51, 0xff))).toMatchObject({ kind: 'completion', socket: 1 });
    expect(decodeViscaReply(Uint8Array.of(0x90, 0x61, 0x41, 0xff))).toMatchObject({ kind: 'error', reason: 'command not executable' });
    expect(() => decodeViscaReply(Uint8Array.of(0x10, 0x41))).toThrow(/y0/);
    expect(() => viscaPanTilt('up', 25, 1)).toThrow(/1..24/);
  });

  it('builds absolute moves and position inquiries, and reads the position replies', () => {
    expect([...viscaAbsolutePosition(-2, 0x1234, 24, 20)]).toEqual([0x81, 0x01, 0x06, 0x02, 0x18, 0x14, 0x0f, 0x0f, 0x0f, 0x0e, 0x01, 0x02, 0x03, 0x04, 0xff]);
    expect([...viscaZoomDirect(0x4000)]).toEqual([0x81, 0x01, 0x04, 0x47, 0x04, 0x00, 0x00, 0x00, 0xff]);
    expect([...viscaPanTiltInquiry()]).toEqual([0x81, 0x09, 0x06, 0x12, 0xff]);
    expect([...viscaZoomInquiry()]).toEqual([0x81, 0x09, 0x04, 0x47, 0xff]);
    // A camera's reply `90 50 0p 0p 0p 0p 0t 0t 0t 0t FF`: the data between 50 and FF.
    const reply = decodeViscaReply(Uint8Array.of(0x90, 0x50, 0x0f, 0x0c, 0x01, 0x08, 0x00, 0x00, 0x02, 0x0a, 0xff));
    expect(reply.kind === 'completion' && decodePanTiltPosition(reply.data)).toEqual({ pan: -1000, tilt: 42 });
    expect(decodePanTiltPosition(encodePanTiltPosition(-32768, 32767))).toEqual({ pan: -32768, tilt: 32767 });
    expect(decodeZoomPosition(Uint8Array.of(0x01, 0x02, 0x03, 0x04))).toBe(0x1234);
    expect(() => decodePanTiltPosition(Uint8Array.of(1, 2))).toThrow(/8/);
    expect(() => viscaAbsolutePosition(40000, 0)).toThrow(/pan/);
  });
});
