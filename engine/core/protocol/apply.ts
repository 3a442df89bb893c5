/** Folding deltas into a snapshot: the page keeps its state this way, and an engine may too. */
import { LOG_LIMIT, type EngineDelta, type EngineSnapshot } from './state.js';
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
    default:
      return assertNever(delta, 'engine delta');
  }
}
