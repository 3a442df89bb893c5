import { describe, expect, it } from 'vitest';
import { migrate, showMigrations, type Migration } from '../../../engine/core/show/migrations.js';
import { SHOW_VERSION } from '../../../engine/core/show/schema.js';

describe('show migrations', () => {
  it('has a step for every version below the current one, in order', () => {
    expect(showMigrations.map((m) => m.from)).toEqual(Array.from({ length: SHOW_VERSION - 1 }, (_, i) => i + 1));
  });

  const steps: Migration[] = [
    { from: 1, reason: 'rename fade to fadeUpMs', up: (d) => ({ ...d, fadeUpMs: d['fade'], fade: undefined }) },
    { from: 2, reason: 'add departments', up: (d) => ({ ...d, departments: [] }) },
  ];

  it('applies each step once, in order, and stamps the new version', () => {
    const r = migrate({ version: 1, fade: 3 }, 3, steps);
    expect(r).toMatchObject({ ok: true, doc: { version: 3, fadeUpMs: 3, departments: [] } });
    if (r.ok) expect(r.applied.map((s) => s.from)).toEqual([1, 2]);
  });

  it('never changes the document it was given', () => {
    const doc = { version: 1, fade: 3 };
    migrate(doc, 3, steps);
    expect(doc).toEqual({ version: 1, fade: 3 });
  });

  it('leaves a current document alone', () => {
    expect(migrate({ version: 3, x: 1 }, 3, steps)).toMatchObject({ ok: true, doc: { version: 3, x: 1 }, applied: [] });
  });

  it('refuses a newer document, a missing version and a gap in the steps', () => {
    expect(migrate({ version: 4 }, 3, steps)).toEqual({ ok: false, failure: { kind: 'newer', found: 4, supported: 3 } });
    expect(migrate({}, 3, steps)).toEqual({ ok: false, failure: { kind: 'no-version', found: undefined } });
    expect(migrate({ version: 1 }, 3, [steps[1]!])).toEqual({ ok: false, failure: { kind: 'gap', missingFrom: 1 } });
  });
});

describe('v1 → v2', () => {
  it('drops model.snapToBeatWithinMs and keeps the rest of the model settings', () => {
    const r = migrate({ version: 1, name: 's', model: { path: 'm', snapToBeatWithinMs: 120 } }, 2);
    expect(r).toEqual({ ok: true, doc: { version: 2, name: 's', model: { path: 'm' } }, applied: [showMigrations[0]] });
  });

  it('leaves a show without model settings as it was', () => {
    expect(migrate({ version: 1, name: 's' }, 2)).toMatchObject({ ok: true, doc: { version: 2, name: 's' } });
  });
});
