import { describe, expect, it } from 'vitest';
import {
  COMMAND_ROLE, PROTOCOL_VERSION, SILENT_AUDIO, applyDelta, consoleCommandSchema, decodeDmx, encodeDmx,
  engineSnapshotSchema, parseClientMessage, parseServerMessage, roleAllows, salvageRequestId, serverMessageSchema,
  type EngineSnapshot,
} from '../../../engine/core/protocol/index.js';

const snapshot: EngineSnapshot = {
  engineId: 'e1', show: { name: 'Demo', path: 'shows/demo' }, engineTimeMs: 1000, panic: false, blackout: false, grandMaster: 1,
  depts: [{
    id: 'LX', label: 'Lighting', mode: 'assist', confidenceThreshold: 0.8, cues: [{ number: '1' }, { number: '2.5', name: 'wash' }],
    current: null, standby: '1', next: '2.5', held: false, panicked: false, fadeProgress: null, lockoutUntilMs: null, prediction: null,
  }],
  audio: SILENT_AUDIO, universes: [{ id: 1, label: '', dmx: encodeDmx(new Uint8Array(512)) }], log: [],
};

describe('console protocol messages', () => {
  it('accepts every well-formed command and refuses unknown or incomplete ones', () => {
    expect(parseClientMessage(JSON.stringify({ type: 'command', id: 'a', command: { type: 'go', dept: 'LX' } })).ok).toBe(true);
    expect(parseClientMessage(JSON.stringify({ type: 'command', id: 'a', command: { type: 'goto', dept: 'LX', cue: '12.5' } })).ok).toBe(true);
    expect(parseClientMessage(JSON.stringify({ type: 'ping', id: 'p', clientTime: 3 })).ok).toBe(true);
    const bad = [
      'nope', '[]', '{}', JSON.stringify({ type: 'command', id: 'a', command: { type: 'go' } }),
      JSON.stringify({ type: 'command', id: 'a', command: { type: 'goto', dept: 'LX', cue: 'twelve' } }),
      JSON.stringify({ type: 'command', id: 'a', command: { type: 'go', dept: 'LX', extra: 1 } }),
      JSON.stringify({ type: 'command', id: '', command: { type: 'go', dept: 'LX' } }),
      JSON.stringify({ type: 'command', id: 'a', command: { type: 'set-mode', dept: 'LX', mode: 'yolo' } }),
      JSON.stringify({ type: 'command', id: 'a', command: { type: 'set-grand-master', level: 2 } }),
    ];
    for (const text of bad) {
      const r = parseClientMessage(text);
      expect(r.ok, text).toBe(false);
      if (!r.ok) expect(r.error.length).toBeGreaterThan(3);
    }
    const r = parseClientMessage(JSON.stringify({ type: 'command', id: 'a', command: { type: 'go' } }));
    expect(!r.ok && r.error).toMatch(/^command\.dept:/);
  });

  it('salvages the request id of a broken command so its refusal can name it', () => {
    expect(salvageRequestId('{"type":"command","id":"c7","command":{}}')).toBe('c7');
    expect(salvageRequestId('{"id": 5}')).toBeNull();
    expect(salvageRequestId('garbage')).toBeNull();
  });

  it('gives every command a role, admin only for loads and settings', () => {
    const types = consoleCommandSchema.options.map((o) => o.shape.type.value);
    expect(Object.keys(COMMAND_ROLE).sort()).toEqual([...types].sort());
    expect(COMMAND_ROLE.go).toBe('operator');
    expect(COMMAND_ROLE.load).toBe('admin');
    expect(roleAllows('viewer', 'operator')).toBe(false);
    expect(roleAllows('admin', 'operator')).toBe(true);
  });

  it('validates the server messages it defines', () => {
    const init = { type: 'init', protocol: PROTOCOL_VERSION, seq: 0, role: 'viewer', name: 'v', limits: { maxMessageBytes: 1, messagesPerSecond: 1, burst: 1 }, snapshot };
    expect(serverMessageSchema.safeParse(init).success).toBe(true);
    expect(parseServerMessage(JSON.stringify({ type: 'delta', seq: 1, engineTimeMs: 5, delta: { type: 'dept', dept: 'LX', patch: { current: '1' } } })).ok).toBe(true);
    expect(parseServerMessage(JSON.stringify({ type: 'delta', seq: 1, engineTimeMs: 5, delta: { type: 'dept', dept: 'LX', patch: { id: 'VID' } } })).ok).toBe(false);
    expect(engineSnapshotSchema.safeParse({ ...snapshot, grandMaster: 1.5 }).success).toBe(false);
  });
});

describe('applyDelta', () => {
  it('patches a department, replaces audio and universes, appends decisions, and leaves the input alone', () => {
    let s = applyDelta(snapshot, { type: 'dept', dept: 'LX', patch: { current: '1', standby: '2.5', next: null } }, 2000);
    expect(s.depts[0]).toMatchObject({ current: '1', standby: '2.5', next: null, mode: 'assist' });
    expect(s.engineTimeMs).toBe(2000);
    expect(snapshot.depts[0]?.current).toBeNull();
    s = applyDelta(s, { type: 'universe', universe: { id: 2, label: 'b', dmx: '' } });
    expect(s.universes.map((u) => u.id)).toEqual([1, 2]);
    s = applyDelta(s, { type: 'engine', patch: { panic: true } });
    expect(s.panic).toBe(true);
    expect(s.grandMaster).toBe(1);
    for (let i = 0; i < 250; i++) {
      s = applyDelta(s, { type: 'decision', decision: { atMs: i, dept: 'LX', action: 'go', cue: '1', source: 'operator', who: null, confidence: null } });
    }
    expect(s.log).toHaveLength(200);
    expect(s.log[0]?.atMs).toBe(50);
    expect(applyDelta(s, { type: 'dept', dept: 'NOPE', patch: { held: true } }).depts).toEqual(s.depts);
  });
});

describe('DMX base64', () => {
  it('round-trips any frame and pads short ones with zeros', () => {
    const frame = new Uint8Array(512).map((_, i) => (i * 37) & 255);
    expect(decodeDmx(encodeDmx(frame))).toEqual(frame);
    expect(encodeDmx([1, 2, 3, 4])).toBe(Buffer.from([1, 2, 3, 4]).toString('base64'));
    expect(encodeDmx(frame)).toBe(Buffer.from(frame).toString('base64'));
    const short = decodeDmx(encodeDmx([255, 128]));
    expect([short[0], short[1], short[2], short.length]).toEqual([255, 128, 0, 512]);
  });
});
