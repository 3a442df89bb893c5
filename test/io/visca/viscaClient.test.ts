/**
 * The VISCA client against a test camera on loopback that drops packets: re-sends with the same
 * sequence number until acknowledged, then resolves on completion; errors and silence reject.
 */
import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceError } from '../../../engine/core/errors.js';
import { ViscaPayloadType, decodeViscaIp, encodeViscaIp, viscaPanTilt, viscaPresetRecall, viscaZoom } from '../../../engine/core/visca/visca.js';
import { ViscaClient } from '../../../engine/io/visca/viscaClient.js';

interface Received {
  payloadType: number;
  sequence: number;
  payload: number[];
}

/** A camera that drops the first `drop` copies of each command and answers ACK then completion. */
async function testCamera(behaviour: { drop?: number; reply?: 'ok' | 'error' | 'silent'; completionDelayMs?: number }) {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  const received: Received[] = [];
  const seen = new Map<number, number>();
  socket.on('message', (msg, rinfo) => {
    const p = decodeViscaIp(new Uint8Array(msg));
    received.push({ payloadType: p.payloadType, sequence: p.sequence, payload: [...p.payload] });
    const send = (payloadType: number, payload: number[]): void => {
      socket.send(encodeViscaIp({ payloadType, sequence: p.sequence, payload: Uint8Array.from(payload) }), rinfo.port, rinfo.address);
    };
    if (p.payloadType === ViscaPayloadType.control) {
      send(ViscaPayloadType.controlReply, [0x01]);
      return;
    }
    const copies = (seen.get(p.sequence) ?? 0) + 1;
    seen.set(p.sequence, copies);
    if (copies <= (behaviour.drop ?? 0) || behaviour.reply === 'silent') return; // lost on the way
    if (behaviour.reply === 'error') {
      send(ViscaPayloadType.reply, [0x90, 0x61, 0x41, 0xff]);
      return;
    }
    send(ViscaPayloadType.reply, [0x90, 0x41, 0xff]);
    setTimeout(() => send(ViscaPayloadType.reply, [0x90, 0x51, 0xff]), behaviour.completionDelayMs ?? 5);
  });
  return { port: socket.address().port, received, close: () => new Promise<void>((r) => socket.close(() => r())) };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function setup(behaviour: Parameters<typeof testCamera>[0], ackTimeoutMs = 40) {
  const cam = await testCamera(behaviour);
  const client = new ViscaClient({ id: 'cam1', host: '127.0.0.1', port: cam.port }, { ackTimeoutMs, retries: 3, completionTimeoutMs: 1000 });
  await client.open();
  cleanups.push(() => client.close(), cam.close);
  return { cam, client };
}

describe('VISCA over IP client', () => {
  it('resets the sequence, then re-sends a dropped command with the same sequence number until acknowledged', async () => {
    const { cam, client } = await setup({ drop: 2 });
    const result = await client.send(viscaPresetRecall(4));
    expect(result).toEqual({ sequence: 1, completed: true, resends: 2 });
    expect(cam.received[0]).toEqual({ payloadType: 0x0200, sequence: 0, payload: [0x01] });
    const commands = cam.received.filter((r) => r.payloadType === 0x0100);
    expect(commands.map((c) => c.sequence)).toEqual([1, 1, 1]);
    expect(commands[0]!.payload).toEqual([0x81, 0x01, 0x04, 0x3f, 0x02, 0x04, 0xff]);
    expect(client.stats).toMatchObject({ resends: 2, acks: 1, completions: 1 });
  });

  it('numbers consecutive commands 1, 2, 3 and keeps their order', async () => {
    const { cam, client } = await setup({ drop: 1 });
    // Three kinds of command (a queued command is replaced only by a newer one of its own kind).
    const results = await Promise.all([client.send(viscaPresetRecall(1)), client.send(viscaZoom('tele')), client.send(viscaPanTilt('stop', 1, 1))]);
    expect(results.map((r) => r.sequence)).toEqual([1, 2, 3]);
    const firstCopies = cam.received.filter((r) => r.payloadType === 0x0100).map((r) => r.sequence);
    expect(firstCopies).toEqual([1, 1, 2, 2, 3, 3]);
  });

  it('rejects with the camera error reason', async () => {
    const { client } = await setup({ reply: 'error' });
    await expect(client.send(viscaPresetRecall(200))).rejects.toThrow(/camera refused the command: command not executable/);
  });

  it('gives up after the retries with a DeviceError naming the camera', async () => {
    const { cam, client } = await setup({ reply: 'silent' }, 20);
    const err = await client.send(viscaPresetRecall(1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeviceError);
    expect((err as DeviceError).message).toMatch(new RegExp(`visca camera 'cam1' 127.0.0.1:${cam.port}: no acknowledgement after 4 tries`));
    expect(cam.received.filter((r) => r.payloadType === 0x0100)).toHaveLength(4);
  });
});

describe('VISCA client with a camera that does not answer', () => {
  it('coalesces a burst of 100 PANIC stops into one, so the next real cue goes out within a second', async () => {
    const { cam, client } = await setup({ reply: 'silent' }, 150);
    const started = performance.now();
    const stops = [];
    for (let i = 0; i < 100; i++) stops.push(client.send(viscaPanTilt('stop', 1, 1)).catch(() => 'failed'), client.send(viscaZoom('stop')).catch(() => 'failed'));
    const recall = client.send(viscaPresetRecall(4)).catch(() => 'failed');
    await recall;
    const recallSentAt = cam.received.findIndex((r) => r.payload[3] === 0x3f);
    expect(recallSentAt).toBeGreaterThan(0);
    expect(performance.now() - started).toBeLessThan(1500);
    // Three commands reached the wire (the first stop was in flight; the rest coalesced to one of each kind).
    const commands = cam.received.filter((r) => r.payloadType === ViscaPayloadType.command);
    expect(new Set(commands.map((c) => c.sequence)).size).toBeLessThanOrEqual(4);
    expect(client.stats.coalesced).toBeGreaterThanOrEqual(196);
    const settled = await Promise.all(stops);
    expect(settled.filter((r) => typeof r === 'object' && r.superseded === true).length).toBe(client.stats.coalesced);
  });

  it('gives an unreachable camera one try per command until it answers again', async () => {
    const { cam, client } = await setup({ reply: 'silent' }, 40);
    await expect(client.send(viscaPresetRecall(1))).rejects.toThrow(DeviceError);
    const before = cam.received.length;
    await expect(client.send(viscaPresetRecall(2))).rejects.toThrow(/no acknowledgement after 1 tries/);
    expect(cam.received.length - before).toBe(1);
    expect(client.stats.unanswered).toBe(2);
  });
});
