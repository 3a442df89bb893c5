import { describe, expect, it } from 'vitest';
import { checkJsonBounds, FILE_JSON_BOUNDS, parseBoundedJson } from '../../../engine/core/json/bounded.js';
import { parseLocatedJson } from '../../../engine/core/json/locate.js';
import { parseClientMessage } from '../../../engine/core/protocol/messages.js';
import { parseCues } from '../../../engine/io/takes/take.js';

const nested = (depth: number, open = '[', close = ']'): string => open.repeat(depth) + close.repeat(depth);

describe('JSON bounds', () => {
  it('refuses nesting past the bound at the bracket that goes too deep, without recursing', () => {
    const v = checkJsonBounds(nested(1_000_000), { maxDepth: 64, maxLength: 1e8 });
    expect(v?.offset).toBe(64);
    expect(checkJsonBounds(nested(64), { maxDepth: 64, maxLength: 1e8 })).toBeUndefined();
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    expect(checkJsonBounds(`{"a": "${'['.repeat(100)}\\"${'{'.repeat(100)}"}`, { maxDepth: 2, maxLength: 1e6 })).toBeUndefined();
  });

  it('refuses text longer than the bound', () => {
    expect(parseBoundedJson('[1, 2, 3]', { maxDepth: 4, maxLength: 4 })).toMatchObject({ ok: false });
  });

  it('locates a too-deep show file by line and column instead of overflowing the stack', () => {
    const text = `{\n  "version": 1,\n  "name": ${nested(10_000)}\n}`;
    const doc = parseLocatedJson(text, 'show.json');
    expect(doc.value).toBeUndefined();
    expect(doc.syntaxProblems[0]).toMatchObject({ file: 'show.json', line: 3, column: 11 + FILE_JSON_BOUNDS.maxDepth - 1 });
  });

  it('refuses a deep console message and a deep take line with a reason', () => {
    expect(parseClientMessage(`{"type":"ping","id":"a","x":${nested(100_000, '{"a":', '}').replace(/\{"a":\}/, '{"a":1}')}}`)).toMatchObject({ ok: false });
    const { problems } = parseCues(`{"t":1,"dept":"LX","cue":"1","x":${nested(1000)}}\n`, 'cues.jsonl');
    expect(problems[0]).toMatchObject({ line: 1, message: expect.stringContaining('nested') as string });
  });
});

describe('JSON bounds on broken text', () => {
  it('measures broken text as the parser reads it: a string ends at a line break, comments are skipped', () => {
    // Found by the venue fuzzer: a stray quote made the brackets look like string content.
    expect(checkJsonBounds(`{""$schema": "x",\n "name": ${nested(100)}}`, { maxDepth: 64, maxLength: 1e6 })).toBeDefined();
    expect(checkJsonBounds(`/* " */ ${nested(100)}`, { maxDepth: 64, maxLength: 1e6 })).toBeDefined();
    expect(checkJsonBounds(`// "\n${nested(100)}`, { maxDepth: 64, maxLength: 1e6 })).toBeDefined();
    const doc = parseLocatedJson(`{""$schema": "x",\n "name": ${nested(20_000)}}`, 'venue.json');
    expect(doc.syntaxProblems[0]?.message).toMatch(/nested/);
  });
});
