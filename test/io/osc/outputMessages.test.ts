import dgram from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { decodeOscPacket } from '../../../engine/core/osc/packet.js';
import { decodeViscaIp, encodeViscaIp, ViscaPayloadType } from '../../../engine/core/visca/visca.js';
import { type MidiBackend } from '../../../engine/io/midi/backend.js';
import { openMessageOutputs } from '../../../engine/io/osc/outputMessages.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function udp(onMessage: (msg: Buffer, rinfo: dgram.RemoteInfo, s: dgram.Socket) => void): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  s.on('message', (m, r) => onMessage(m, r, s));
  return s;
}

describe('cue messages to every transport', () => {
  it('routes OSC, MIDI, MSC and VISCA, logs a bad one and keeps going, and PANICs OSC, MSC, MIDI and cameras', async () => {
    const oscGot: string[] = [];
    const oscRx = await udp((m) => oscGot.push(...decodeOscPacket(new Uint8Array(m)).map((x) => x.address)));
    const camGot: number[][] = [];
    const cam = await udp((m, r, s) => {
      const p = decodeViscaIp(new Uint8Array(m));
      if (p.payloadType === ViscaPayloadType.command) {
        camGot.push([...p.payload]);
        s.send(encodeViscaIp({ payloadType: ViscaPayloadType.reply, sequence: p.sequence, payload: Uint8Array.of(0x90, 0x41, 0xff) }), r.port, r.address);
      }
    });
    const midiSent: number[][] = [];
    const backend: MidiBackend = {
      name: 'fake',
      inputNames: () => [],
      outputNames: () => ['Desk MIDI 1'],
      openOutput: () => ({ name: 'Desk MIDI 1', send: (b) => midiSent.push([...b]), close: () => undefined }),
      openInput: () => ({ name: '', close: () => undefined }),
    };
    const out = await openMessageOutputs(
      {
        osc: [{ id: 'video', host: '127.0.0.1', port: oscRx.address().port, panic: [{ address: '/panic', args: [] }] }],
        midi: [{ id: 'desk', port: 'desk', direction: 'out', mscDeviceId: 1 }],
        visca: [{ id: 'cam1', host: '127.0.0.1', port: cam.address().port }],
      },
      {},
      { midiAvailability: { available: true, backend }, mscPorts: ['desk'] },
    );
    try {
      out.sender.sendAll([
        { kind: 'osc', target: 'video', address: '/a', args: [] },
        { kind: 'osc-bundle', target: 'video', messages: [{ address: '/b', args: [] }, { address: '/c', args: [1] }] },
        { kind: 'midi', target: 'desk', message: { type: 'program', channel: 1, number: 4 } },
        { kind: 'msc', target: 'desk', command: 'TIMED_GO', commandFormat: 1, cue: '2', time: '00:00:01:00' },
        { kind: 'visca', target: 'nope', action: 'recall', preset: 1 },
        { kind: 'visca', target: 'cam1', action: 'recall', preset: 3 },
      ]);
      await sleep(200);
      expect(oscGot).toEqual(['/a', '/b', '/c']);
      expect(midiSent[0]).toEqual([0xc0, 4]);
      expect(midiSent[1]).toEqual([0xf0, 0x7f, 0x01, 0x02, 0x01, 0x04, 0x60, 0x00, 0x01, 0x00, 0x00, 0x32, 0xf7]);
      expect(camGot).toEqual([[0x81, 0x01, 0x04, 0x3f, 0x02, 0x03, 0xff]]);
      expect(out.sender.stats).toMatchObject({ sent: 5, failed: 1 });
      expect(out.sender.stats.lastError).toMatch(/unknown camera 'nope'/);

      midiSent.length = 0;
      oscGot.length = 0;
      out.sender.panic();
      await sleep(200);
      expect(oscGot).toEqual(['/panic']);
      // MSC ALL_OFF (all command formats) to the show's MSC port, then all-notes-off on its 16 channels.
      expect(midiSent[0]).toEqual([0xf0, 0x7f, 0x01, 0x02, 0x7f, 0x08, 0xf7]);
      expect(midiSent).toHaveLength(17);
      expect(midiSent[16]).toEqual([0xbf, 123, 0]);
      expect(camGot.slice(1)).toEqual([
        [0x81, 0x01, 0x06, 0x01, 0x01, 0x01, 0x03, 0x03, 0xff],
        [0x81, 0x01, 0x04, 0x07, 0x00, 0xff],
      ]);
    } finally {
      await out.close();
      oscRx.close();
      cam.close();
    }
  });
});
