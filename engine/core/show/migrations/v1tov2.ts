/**
 * Version 1 → 2: `model.snapToBeatWithinMs` goes. No code ever read it, yet it looked like it set how
 * fires snap to the beat; every number the cue policy decides with now lives in one table stored in
 * the model (`engine/core/policy/numbers.ts`), so a show file no longer carries one.
 */
import type { Migration } from './migration.js';

export const v1tov2: Migration = {
  from: 1,
  reason: 'model.snapToBeatWithinMs removed (never used; the cue policy keeps its numbers in the model)',
  up(doc) {
    const model = doc['model'];
    if (typeof model !== 'object' || model === null || Array.isArray(model) || !('snapToBeatWithinMs' in model)) return doc;
    const rest: Record<string, unknown> = { ...(model as Record<string, unknown>) };
    delete rest['snapToBeatWithinMs'];
    return { ...doc, model: rest };
  },
};
