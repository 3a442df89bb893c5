/** Small shows and a plain renderer for playback tests. */
import { type ShowFile, type ShowFileInput, showFileSchema, SHOW_VERSION, type FixtureLook } from '../../../engine/core/show/schema.js';
import { type LookRenderer } from '../../../engine/core/playback/playback.js';

/** A 5-channel test fixture: intensity, red, green, blue, pan (0..540° → 0..255). */
export const testRenderer: LookRenderer = {
  footprint: 5,
  render(look: FixtureLook, out: Uint8Array, offset: number): void {
    out[offset] = Math.round((look.intensity ?? 0) * 255);
    const c = typeof look.color === 'object' ? look.color : undefined;
    out[offset + 1] = Math.round((c?.r ?? 0) * 255);
    out[offset + 2] = Math.round((c?.g ?? 0) * 255);
    out[offset + 3] = Math.round((c?.b ?? 0) * 255);
    out[offset + 4] = Math.round(((look.pan ?? 0) / 540) * 255);
  },
};

/** A show with `n` test fixtures `p1..pn` on universe 1 (5 channels each) and the given departments. */
export function makeShow(departments: ShowFileInput['departments'], n = 2, extra: Partial<ShowFileInput> = {}): ShowFile {
  const fixtures = Array.from({ length: n }, (_, i) => ({ id: `p${i + 1}`, type: 'test/par', mode: '5ch', universe: 1, address: 1 + i * 5 }));
  return showFileSchema.parse({
    version: SHOW_VERSION,
    name: 'test',
    fixtures,
    groups: { all: fixtures.map((f) => f.id) },
    outputs: { universes: [{ id: 1, driver: { kind: 'null' } }], osc: [{ id: 'vid', host: '127.0.0.1', port: 7000 }] },
    departments,
    ...extra,
  });
}

/** Renderers for every fixture of a show. */
export function renderersFor(show: ShowFile): Map<string, LookRenderer> {
  return new Map(show.fixtures.map((f) => [f.id, testRenderer]));
}
