/**
 * JSON with positions: parse a file's text so that every problem can name its line, column and JSON
 * path. Pure (jsonc-parser is plain JavaScript).
 */
import { findNodeAtLocation, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import type { FileProblem } from '../errors.js';
import { checkJsonBounds, FILE_JSON_BOUNDS, type JsonBounds } from './bounded.js';

/** A parsed JSON document that can locate paths in its source text. */
export interface LocatedJson {
  readonly file: string;
  readonly value: unknown;
  /** Problems found while parsing (broken JSON); empty when the text is well formed. */
  readonly syntaxProblems: readonly FileProblem[];
  /** Builds a problem at a JSON path, with line and column when the path exists in the text. */
  problemAt(path: readonly (string | number)[], message: string, expected?: string): FileProblem;
}

/** Formats a path as `departments[0].cues[3].levels.par9`. */
export function formatJsonPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else {
      const s = String(part);
      out += /^[A-Za-z_$][\w$]*$/.test(s) ? (out === '' ? s : `.${s}`) : `[${JSON.stringify(s)}]`;
    }
  }
  return out;
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function toLineColumn(starts: readonly number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - (starts[lo] ?? 0) + 1 };
}

function parseErrorExpected(error: ParseError): string {
  switch (printParseErrorCode(error.error)) {
    case 'CommaExpected':
      return 'a comma between items';
    case 'ColonExpected':
      return 'a colon after the property name';
    case 'PropertyNameExpected':
      return 'a property name in double quotes';
    case 'ValueExpected':
      return 'a value';
    case 'CloseBraceExpected':
      return "a closing '}'";
    case 'CloseBracketExpected':
      return "a closing ']'";
    case 'EndOfFileExpected':
      return 'the end of the file';
    case 'InvalidCommentToken':
      return 'no comments (JSON has none)';
    case 'UnexpectedEndOfString':
      return 'a closing double quote';
    default:
      return 'valid JSON';
  }
}

/**
 * Parses JSON text strictly (no comments, no trailing commas) and keeps positions. Broken JSON gives
 * every syntax problem found, each with line and column; `value` is then undefined.
 */
export function parseLocatedJson(text: string, file: string, bounds: JsonBounds = FILE_JSON_BOUNDS): LocatedJson {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  // Bounds first: the tree parser, migrations and validators all recurse.
  const violation = checkJsonBounds(source, bounds);
  if (violation !== undefined) {
    const problem: FileProblem = { file, path: '', ...toLineColumn(lineStarts(text), violation.offset), message: violation.message, expected: violation.expected };
    return { file, value: undefined, syntaxProblems: [problem], problemAt: (path, message, expected) => ({ file, path: formatJsonPath(path), message, ...(expected !== undefined ? { expected } : {}) }) };
  }
  // Well-formed text (the usual case) parses natively; the position tree is built only when a
  // problem needs a line and column — for a big rig it is several times the size of the show.
  let value: unknown;
  let parsed = false;
  try {
    value = JSON.parse(source) as unknown;
    parsed = true;
  } catch {
    // located below
  }
  let located: { starts: number[]; root: Node | undefined; errors: ParseError[] } | undefined;
  const locate = (): { starts: number[]; root: Node | undefined; errors: ParseError[] } => {
    if (located === undefined) {
      const errors: ParseError[] = [];
      const root = parseTree(source, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
      located = { starts: lineStarts(text), root, errors };
    }
    return located;
  };
  const syntaxProblems: FileProblem[] = [];
  if (!parsed) {
    const { starts, root, errors } = locate();
    for (const e of errors) {
      syntaxProblems.push({ file, path: '', ...toLineColumn(starts, e.offset), message: `broken JSON: ${printParseErrorCode(e.error)}`, expected: parseErrorExpected(e) });
    }
    if (root === undefined && syntaxProblems.length === 0) {
      syntaxProblems.push({ file, path: '', line: 1, column: 1, message: 'the file is empty', expected: 'a JSON object' });
    }
    if (syntaxProblems.length === 0) {
      // Text the tolerant tree parser accepts but JSON does not (a raw control character in a string).
      try {
        JSON.parse(source);
      } catch (err) {
        syntaxProblems.push({ file, path: '', line: 1, column: 1, message: `broken JSON: ${err instanceof Error ? err.message : String(err)}`, expected: 'valid JSON' });
      }
    }
  }
  const problemAt = (path: readonly (string | number)[], message: string, expected?: string): FileProblem => {
    const { starts, root } = locate();
    let node: Node | undefined;
    let known = [...path];
    while (root !== undefined && node === undefined && known.length >= 0) {
      node = known.length === 0 ? root : findNodeAtLocation(root, known);
      if (node === undefined) known = known.slice(0, -1);
      if (known.length === 0 && node === undefined) node = root;
    }
    // Point at the property name where there is one: that is what an editor highlights.
    const anchor = node?.parent?.type === 'property' && node.parent.children?.[1] === node ? node.parent : node;
    const at = anchor !== undefined ? toLineColumn(starts, anchor.offset) : undefined;
    return {
      file,
      path: formatJsonPath(path),
      ...(at !== undefined ? at : {}),
      message,
      ...(expected !== undefined ? { expected } : {}),
    };
  };
  return { file, value: parsed ? value : undefined, syntaxProblems, problemAt };
}
