/** Folding deltas into a snapshot: the page keeps its state this way, and an engine may too. */
import { LOG_LIMIT, type EngineDelta, type EngineSnapshot } from './state.js';
import { applyTimelineDelta } from './timeline.js';
import { assertNever } from '../errors.js';

/**
 * Returns the snapshot with `delta` applied (a new object; the input is not changed). A delta for an
 * unknown department or universe is ignored. `reset` returns the snapshot unchanged: the server answers
 * it with a fresh `init`.
 */
export function applyDelta(snapshot: EngineSnapshot, delta: EngineDelta, engineTimeMs = snapshot.engineTimeMs): EngineSnapshot {
  switch (delta.type) {
    case 'dept':
      return {
        ...snapshot,
        engineTimeMs,
        depts: snapshot.depts.map((d) => (d.id === delta.dept ? { ...d, ...delta.patch } : d)),
      };
    case 'audio':
      return { ...snapshot, engineTimeMs, audio: delta.audio };
    case 'universe': {
      const exists = snapshot.universes.some((u) => u.id === delta.universe.id);
      const universes = exists
        ? snapshot.universes.map((u) => (u.id === delta.universe.id ? delta.universe : u))
        : [...snapshot.universes, delta.universe].sort((a, b) => a.id - b.id);
      return { ...snapshot, engineTimeMs, universes };
    }
    case 'decision': {
      const log = [...snapshot.log, delta.decision];
      return { ...snapshot, engineTimeMs, log: log.length > LOG_LIMIT ? log.slice(log.length - LOG_LIMIT) : log };
    }
    case 'engine':
      return {
        ...snapshot,
        engineTimeMs,
        panic: delta.patch.panic ?? snapshot.panic,
        blackout: delta.patch.blackout ?? snapshot.blackout,
        grandMaster: delta.patch.grandMaster ?? snapshot.grandMaster,
      };
    case 'reset':
      return snapshot;
    case 'device':
      return { ...snapshot, engineTimeMs, devices: upsert(snapshot.devices ?? [], delta.device) };
    case 'camera':
      return { ...snapshot, engineTimeMs, cameras: upsert(snapshot.cameras ?? [], delta.camera) };
    case 'continuity':
      return { ...snapshot, engineTimeMs, continuity: delta.continuity };
    case 'programming':
      return { ...snapshot, engineTimeMs, programming: delta.programming };
    case 'timeline':
      return snapshot.timeline === undefined ? { ...snapshot, engineTimeMs } : { ...snapshot, engineTimeMs, timeline: applyTimelineDelta(snapshot.timeline, delta.timeline) };
    case 'shadow':
      return { ...snapshot, engineTimeMs, shadow: upsert(snapshot.shadow ?? [], delta.shadow) };
    default:
      return assertNever(delta, 'engine delta');
  }
}

/** The list with `item` replacing the entry of the same id, or appended. */
function upsert<T extends { readonly id: string }>(list: readonly T[], item: T): T[] {
  const i = list.findIndex((x) => x.id === item.id);
  return i < 0 ? [...list, item] : list.map((x, j) => (j === i ? item : x));
}
