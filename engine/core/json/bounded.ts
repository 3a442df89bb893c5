/**
 * Bounds on JSON that arrives from outside (show and venue files, fixture definitions, takes, models,
 * token files, console messages), checked by one iterative pass over the text *before* any parser or
 * validator recurses into it. `JSON.parse` itself copes with deep nesting, but everything after it —
 * jsonc-parser's tree, migrations, zod, `structuredClone`, `JSON.stringify` — recurses, and an array
 * nested 10,000 deep overflows the stack there. Nothing proportional to the input may go on the stack.
 */

/** How deep and how large a JSON text may be. */
export interface JsonBounds {
  /** Deepest nesting of arrays and objects (the top-level value is depth 1). */
  readonly maxDepth: number;
  /** Longest text, in UTF-16 code units (about bytes for the ASCII JSON mostly holds). */
  readonly maxLength: number;
}

/** Show, venue and fixture files: far deeper and larger than any real one (the demo show is depth 8). */
export const FILE_JSON_BOUNDS: JsonBounds = { maxDepth: 64, maxLength: 64 * 1024 * 1024 };
/** One line of a take's `cues.jsonl` / `performer.jsonl`. */
export const LINE_JSON_BOUNDS: JsonBounds = { maxDepth: 8, maxLength: 64 * 1024 };
/** A console protocol message (the server refuses large ones before this; the page checks the engine's). */
export const MESSAGE_JSON_BOUNDS: JsonBounds = { maxDepth: 32, maxLength: 64 * 1024 * 1024 };

/** Why a text is out of bounds, with the offset where it went out. */
export interface JsonBoundsViolation {
  readonly offset: number;
  readonly message: string;
  readonly expected: string;
}

/**
 * Checks nesting depth and length in one pass without recursion (strings, escapes and comments are
 * skipped, so a bracket inside a string does not count). Returns undefined when the text is within bounds; the
 * text need not be valid JSON (the parser reports that).
 */
export function checkJsonBounds(text: string, bounds: JsonBounds): JsonBoundsViolation | undefined {
  if (text.length > bounds.maxLength) {
    return { offset: bounds.maxLength, message: `the text is ${text.length} characters long`, expected: `at most ${bounds.maxLength} characters` };
  }
  // Tokens as a JSON lexer sees them (jsonc-parser's included), so that broken text is measured the
  // way the parser will read it: a string ends at its closing quote or at a line break, a backslash
  // takes the next character, and comments are skipped.
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      for (i++; i < text.length; i++) {
        const s = text.charCodeAt(i);
        if (s === 0x5c) i++;
        else if (s === 0x22 || s === 0x0a || s === 0x0d) break;
      }
    } else if (c === 0x2f && text.charCodeAt(i + 1) === 0x2f) {
      while (i < text.length && text.charCodeAt(i) !== 0x0a && text.charCodeAt(i) !== 0x0d) i++;
    } else if (c === 0x2f && text.charCodeAt(i + 1) === 0x2a) {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? text.length : end + 1;
    } else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > bounds.maxDepth) {
        return { offset: i, message: `arrays and objects nested more than ${bounds.maxDepth} deep`, expected: `nesting of at most ${bounds.maxDepth} levels` };
      }
    } else if ((c === 0x5d || c === 0x7d) && depth > 0) depth--;
  }
  return undefined;
}

/** A parse outcome that never throws. */
export type BoundedJson = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string; readonly offset: number };

/** Checks the bounds, then `JSON.parse` (a leading byte-order mark is ignored). Never throws. */
export function parseBoundedJson(text: string, bounds: JsonBounds): BoundedJson {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const violation = checkJsonBounds(source, bounds);
  if (violation !== undefined) return { ok: false, error: `${violation.message} (expected ${violation.expected})`, offset: violation.offset };
  try {
    return { ok: true, value: JSON.parse(source) as unknown };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const at = /position (\d+)/.exec(message);
    return { ok: false, error: `not JSON: ${message}`, offset: at !== null ? Number(at[1]) : 0 };
  }
}
