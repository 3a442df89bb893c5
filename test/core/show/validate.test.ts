import { describe, expect, it } from 'vitest';
import { checkShowText, checkVenueText } from '../../../engine/core/show/validate.js';
import { baseShow, testCatalog } from './testCatalog.js';

const check = (doc: unknown, text = JSON.stringify(doc, null, 2)) => checkShowText(text, 'show.json', testCatalog);

describe('show validation', () => {
  it('accepts a valid show and fills in the defaults', () => {
    const r = check(baseShow());
    expect(r.problems).toEqual([]);
    expect(r.value?.departments[0]?.mode).toBe('assist');
    expect(r.value?.outputs.universes[0]?.driver).toMatchObject({ kind: 'artnet', port: 6454, net: 0 });
    expect(r.value?.departments[0]?.cues[0]?.curve).toBe('linear');
  });

  it('reports broken JSON with line and column', () => {
    const r = check(undefined, '{\n  "version": 1,\n  "name": "x"\n  "departments": []\n}');
    expect(r.value).toBeUndefined();
    expect(r.problems[0]).toMatchObject({ file: 'show.json', line: 4, column: 3, expected: 'a comma between items' });
  });

  it('reports every problem at once, each located', () => {
    const doc = baseShow() as { fixtures: Array<Record<string, unknown>>; departments: Array<{ cues: Array<Record<string, unknown>> }> };
    doc.fixtures[1]!['type'] = 'acme/unknown';
    doc.fixtures[0]!['address'] = 510;
    doc.departments[0]!.cues[1]!['levels'] = { par9: { intensity: 1 } };
    const r = check(doc);
    const paths = r.problems.map((p) => p.path);
    expect(paths).toContain('fixtures[1].type');
    expect(paths).toContain('fixtures[0].address');
    expect(paths).toContain('departments[0].cues[1].levels.par9');
    for (const p of r.problems) expect(p.line).toBeGreaterThan(1);
    expect(r.problems.find((p) => p.path === 'fixtures[0].address')?.message).toMatch(/past channel 512/);
  });

  it('finds two fixtures overlapping on a universe', () => {
    const doc = baseShow() as { fixtures: Array<Record<string, unknown>> };
    doc.fixtures[1]!['address'] = 5;
    const r = check(doc);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]!.message).toMatch(/overlaps 'par1'/);
  });

  it('refuses a schema violation with what was expected', () => {
    const doc = baseShow() as { fixtures: Array<Record<string, unknown>> };
    doc.fixtures[0]!['universe'] = 0;
    doc.fixtures[0]!['colour'] = 'red';
    const r = check(doc);
    expect(r.problems.map((p) => p.path)).toEqual(expect.arrayContaining(['fixtures[0].universe', 'fixtures[0].colour']));
    expect(r.problems.find((p) => p.path === 'fixtures[0].universe')?.expected).toBe('a value from 1');
    expect(r.problems.find((p) => p.path === 'fixtures[0].colour')?.message).toBe("unknown property 'colour'");
  });

  it('refuses a file newer than this build, naming both versions', () => {
    const r = check({ ...baseShow(), version: 7 });
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]!.message).toMatch(/version 7, newer than this Precue understands \(up to 2\)/);
    expect(r.problems[0]!.path).toBe('version');
  });

  it('refuses messages to outputs that do not exist', () => {
    const doc = baseShow() as { departments: Array<{ cues: Array<{ messages?: Array<Record<string, unknown>> }> }> };
    doc.departments[1]!.cues[0]!.messages![0]!['target'] = 'resolume';
    expect(check(doc).problems[0]!.path).toBe('departments[1].cues[0].messages[0].target');
  });

  it('refuses duplicate cue numbers, counting 1.50 and 1.5 as the same cue', () => {
    const doc = baseShow() as { departments: Array<{ cues: Array<Record<string, unknown>> }> };
    doc.departments[0]!.cues.push({ number: '1.50' });
    expect(check(doc).problems[0]!.message).toMatch(/appears twice/);
  });
});

describe('venue validation', () => {
  const show = check(baseShow()).value!;
  const venue = (v: unknown) => checkVenueText(JSON.stringify(v, null, 2), 'venues/tour.json', show, testCatalog);

  it('remaps universes, addresses and IPs without touching cues', () => {
    const r = venue({
      version: 1,
      name: 'Tour',
      universes: { '1': { to: 5, driver: { host: '10.0.0.20', universe: 3 } }, '2': { driver: { kind: 'artnet', host: '10.0.0.21' } } },
      fixtures: { par2: { address: 101 } },
      osc: { video: { host: '10.0.0.30' } },
    });
    expect(r.problems).toEqual([]);
    const out = r.value!.show;
    expect(out.outputs.universes[0]).toMatchObject({ id: 5, driver: { kind: 'artnet', host: '10.0.0.20', universe: 3, port: 6454 } });
    expect(out.outputs.universes[1]!.driver).toMatchObject({ kind: 'artnet', host: '10.0.0.21', port: 6454 });
    expect(out.fixtures.map((f) => [f.id, f.universe, f.address])).toEqual([['par1', 5, 1], ['par2', 5, 101], ['dim1', 2, 512]]);
    expect(out.outputs.osc[0]!.host).toBe('10.0.0.30');
    expect(out.departments).toEqual(show.departments);
  });

  it('refuses a venue that remaps a universe the show does not have', () => {
    const r = venue({ version: 1, name: 'Tour', universes: { '9': { to: 1 } } });
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ path: 'universes["9"]', file: 'venues/tour.json' });
    expect(r.problems[0]!.message).toMatch(/universe 9, which the show does not have/);
    expect(r.problems[0]!.line).toBe(5); // the "9" key inside "universes"
  });

  it('refuses a venue whose moved fixture overlaps another after remapping', () => {
    const r = venue({ version: 1, name: 'Tour', fixtures: { par2: { address: 3 } } });
    expect(r.problems[0]!.message).toMatch(/overlaps/);
  });
});
