import { describe, expect, it } from 'vitest';
import { ConsoleStateStore, consoleEngineFrom } from '../../../engine/core/protocol/store.js';
import { SILENT_AUDIO, type EngineDelta, type EngineSnapshot } from '../../../engine/core/protocol/index.js';

const initial: EngineSnapshot = {
  engineId: 'e', show: null, engineTimeMs: 0, panic: false, grandMaster: 1, audio: SILENT_AUDIO, universes: [], log: [],
  depts: [{ id: 'LX', label: 'LX', mode: 'manual', confidenceThreshold: 0.8, cues: [], current: null, standby: null, next: null, held: false, fadeProgress: null, lockoutUntilMs: null, prediction: null }],
};

describe('ConsoleStateStore', () => {
  it('emits only what changed and keeps a snapshot that matches the deltas', () => {
    let t = 10;
    const store = new ConsoleStateStore(initial, () => t);
    const seen: EngineDelta[] = [];
    store.deltas$.subscribe((d) => seen.push(d));
    store.patchDept('LX', { current: null, held: true });
    store.patchDept('LX', { held: true });
    store.patchDept('NOPE', { held: true });
    store.setUniverse(1, 'stage', new Uint8Array([255]));
    store.setUniverse(1, 'stage', new Uint8Array([255]));
    t = 20;
    expect(seen).toEqual([
      { type: 'dept', dept: 'LX', patch: { held: true } },
      { type: 'universe', universe: { id: 1, label: 'stage', dmx: '/w==' } },
    ]);
    const snap = store.snapshot();
    expect(snap.depts[0]?.held).toBe(true);
    expect(snap.engineTimeMs).toBe(20);
    const engine = consoleEngineFrom(store, () => ({ ok: true }), () => t);
    expect(engine.snapshot().universes).toHaveLength(1);
    expect(engine.now()).toBe(20);
  });
});
