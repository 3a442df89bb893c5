import { describe, expect, it } from 'vitest';
import {
  SILENT_AUDIO, applyDelta, engineDeltaSchema, engineSnapshotSchema,
  type CameraState, type DeviceState, type EngineSnapshot,
} from '../../../engine/core/protocol/index.js';

const base: EngineSnapshot = {
  engineId: 'e1', show: null, engineTimeMs: 0, panic: false, blackout: false, grandMaster: 1, depts: [], audio: SILENT_AUDIO, universes: [], log: [],
};
const device: DeviceState = {
  id: 'obs', kind: 'obs', label: 'Stream', address: '127.0.0.1:4455', health: 'retrying', detail: 'connection refused',
  sinceMs: 10, retryAtMs: 510, attempts: 1, facts: {}, problems: [],
};
const camera: CameraState = {
  id: 'cam1', label: 'Close', switcher: 'obs', input: 'Cam 1', program: true, preview: false, tallyKnown: true, moving: false,
  held: { dept: 'CAM', cue: '5', what: 'preset 1', sinceMs: 100, standbyCutsAway: true },
};

describe('devices and cameras in the console protocol', () => {
  it('adds a device or camera on its first delta and replaces it on the next', () => {
    expect(engineSnapshotSchema.safeParse(base).success).toBe(true);
    let s = applyDelta(base, { type: 'device', device }, 20);
    s = applyDelta(s, { type: 'camera', camera }, 30);
    expect(s.devices).toEqual([device]);
    expect(s.cameras).toEqual([camera]);
    s = applyDelta(s, { type: 'device', device: { ...device, health: 'connected', detail: null, retryAtMs: null, attempts: 0, facts: { program: 'Cam 1' } } }, 40);
    expect(s.devices).toHaveLength(1);
    expect(s.devices?.[0]).toMatchObject({ health: 'connected', facts: { program: 'Cam 1' } });
    expect(engineSnapshotSchema.safeParse(s).success).toBe(true);
  });

  it('refuses a device record with an unknown health or too many facts', () => {
    expect(engineDeltaSchema.safeParse({ type: 'device', device: { ...device, health: 'fine' } }).success).toBe(false);
    const facts = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`f${i}`, i]));
    expect(engineDeltaSchema.safeParse({ type: 'device', device: { ...device, facts } }).success).toBe(false);
    expect(engineDeltaSchema.safeParse({ type: 'camera', camera: { ...camera, program: 'yes' } }).success).toBe(false);
  });
});
