/**
 * The console protocol on the wire: JSON over WebSocket, every message a discriminated union on
 * `type`, versioned by `PROTOCOL_VERSION`. A client receives `init` (a snapshot), then `delta`s;
 * every `command` it sends gets an `ack` or a `refused` with the same `id`.
 */
import { z } from 'zod';
import { MESSAGE_JSON_BOUNDS, parseBoundedJson } from '../json/bounded.js';
import { cueNumberSchema, deptIdSchema, deptModeSchema, engineDeltaSchema, engineSnapshotSchema } from './state.js';
import { programmingCommandSchemas } from './programming.js';

/**
 * Bumped on any incompatible change; a page refuses an `init` with another version.
 * 3: a prediction may say what it waits for before `auto` fires it (`awaiting`: the band's attack).
 * 4: a prediction may be an open entry (`open`): only a person fires it.
 */
export const PROTOCOL_VERSION = 4;

/** Who a console user is, least power first. */
export const roleSchema = z.enum(['viewer', 'operator', 'admin']);
/** `viewer` sees everything, `operator` runs the show, `admin` also loads shows and changes settings. */
export type Role = z.infer<typeof roleSchema>;

const rank: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** True when `role` has at least the power of `needed`. */
export function roleAllows(role: Role, needed: Role): boolean {
  return rank[role] >= rank[needed];
}

/** A request id chosen by the client, echoed in the reply. */
export const requestIdSchema = z.string().min(1).max(64);

/** What an operator (or admin) can ask the engine to do. */
export const consoleCommandSchema = z.discriminatedUnion('type', [
  /** Fire the standby cue of a department. */
  z.strictObject({ type: z.literal('go'), dept: deptIdSchema }),
  /** Return to the previous cue. */
  z.strictObject({ type: z.literal('back'), dept: deptIdSchema }),
  /** Pause fades, follows and the model in a department (all departments when `dept` is absent). */
  z.strictObject({ type: z.literal('hold'), dept: deptIdSchema.optional() }),
  z.strictObject({ type: z.literal('resume'), dept: deptIdSchema.optional() }),
  /** Fade to black and stop automation (one department, or all). */
  z.strictObject({ type: z.literal('panic'), dept: deptIdSchema.optional() }),
  /** Lift PANIC in one department (the model may fire there again), or everywhere (outputs back too). */
  z.strictObject({ type: z.literal('release-panic'), dept: deptIdSchema.optional() }),
  /** Fire a given cue now. */
  z.strictObject({ type: z.literal('goto'), dept: deptIdSchema, cue: cueNumberSchema }),
  /** Make a cue the standby without firing it. */
  z.strictObject({ type: z.literal('standby'), dept: deptIdSchema, cue: cueNumberSchema }),
  z.strictObject({ type: z.literal('set-mode'), dept: deptIdSchema, mode: deptModeSchema }),
  /** In `assist`: fire the armed prediction. `cue` guards against confirming a prediction that changed. */
  z.strictObject({ type: z.literal('confirm-prediction'), dept: deptIdSchema, cue: cueNumberSchema.optional() }),
  z.strictObject({ type: z.literal('reject-prediction'), dept: deptIdSchema }),
  /** End a manual-GO lockout early. */
  z.strictObject({ type: z.literal('clear-lockout'), dept: deptIdSchema }),
  z.strictObject({ type: z.literal('set-grand-master'), level: z.number().min(0).max(1) }),
  /** Admin: load another show folder (a path the engine resolves against its shows directory). */
  z.strictObject({ type: z.literal('load'), show: z.string().min(1).max(500) }),
  /** Admin: change a department's automation settings. */
  z.strictObject({
    type: z.literal('set-threshold'), dept: deptIdSchema, confidenceThreshold: z.number().min(0).max(1),
  }),
  z.strictObject({ type: z.literal('set-lockout'), dept: deptIdSchema, lockoutMs: z.number().int().min(0).max(600_000) }),
  /** A hot standby takes the outputs now (its primary is still running, or it never followed one). */
  z.strictObject({ type: z.literal('take-control') }),
  /** A standby in control gives the outputs back to its primary and follows it again. */
  z.strictObject({ type: z.literal('hand-back') }),
  /** Programming: record, insert, edit, delete cues; undo and redo (see `programming.ts`). */
  ...programmingCommandSchemas,
]);
/** What an operator (or admin) can ask the engine to do. */
export type ConsoleCommand = z.infer<typeof consoleCommandSchema>;
/** The `type` of a console command. */
export type ConsoleCommandType = ConsoleCommand['type'];

/** The least role that may send each command; the server enforces it (the page only mirrors it). */
export const COMMAND_ROLE: Readonly<Record<ConsoleCommandType, Role>> = {
  go: 'operator', back: 'operator', hold: 'operator', resume: 'operator', panic: 'operator', 'release-panic': 'operator',
  goto: 'operator', standby: 'operator', 'set-mode': 'operator', 'confirm-prediction': 'operator',
  'reject-prediction': 'operator', 'clear-lockout': 'operator', 'set-grand-master': 'operator',
  load: 'admin', 'set-threshold': 'admin', 'set-lockout': 'admin',
  'take-control': 'operator', 'hand-back': 'operator',
  'record-cue': 'operator', 'insert-cue': 'operator', 'edit-cue': 'operator', 'delete-cue': 'operator', undo: 'operator', redo: 'operator',
};

/** Messages a console sends. */
export const clientMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('command'), id: requestIdSchema, command: consoleCommandSchema }),
  /** Round-trip probe; `clientTime` is echoed. */
  z.strictObject({ type: z.literal('ping'), id: requestIdSchema, clientTime: z.number() }),
  /** Ask for a fresh `init` (after a protocol error or a suspected gap in `seq`). */
  z.strictObject({ type: z.literal('resync'), id: requestIdSchema, lastSeq: z.number().int().nonnegative().optional() }),
]);
/** Messages a console sends. */
export type ClientMessage = z.infer<typeof clientMessageSchema>;

/** Why a message or command was refused. */
export const refusalCodeSchema = z.enum([
  'malformed', // not JSON, or not a valid message
  'oversized', // over the server's message size limit
  'rate-limited', // too many messages
  'forbidden', // the role may not send this command
  'not-found', // unknown department or cue
  'conflict', // not possible in the current state (e.g. no armed prediction)
  'invalid', // well-formed but refused by the engine (e.g. threshold out of range for this show)
  'unavailable', // the engine cannot do it now (loading a show, shutting down)
  'engine-error', // the engine failed while doing it (a bug; logged)
]);
/** Why a message or command was refused. */
export type RefusalCode = z.infer<typeof refusalCodeSchema>;

/** Limits the server applies to this connection, so a page can stay inside them. */
export const connectionLimitsSchema = z.strictObject({
  maxMessageBytes: z.number().int().positive(),
  messagesPerSecond: z.number().positive(),
  burst: z.number().int().positive(),
});
/** Limits the server applies to one connection. */
export type ConnectionLimits = z.infer<typeof connectionLimitsSchema>;

/** Messages the server sends. */
export const serverMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('init'),
    protocol: z.number().int(),
    /** The `seq` of the last delta folded into this snapshot; the next delta has `seq + 1`. */
    seq: z.number().int().nonnegative(),
    role: roleSchema,
    /** How the server names this connection in the decision log. */
    name: z.string().max(120),
    limits: connectionLimitsSchema,
    snapshot: engineSnapshotSchema,
  }),
  z.strictObject({ type: z.literal('delta'), seq: z.number().int().positive(), engineTimeMs: z.number(), delta: engineDeltaSchema }),
  z.strictObject({ type: z.literal('ack'), id: requestIdSchema, detail: z.string().max(300).optional() }),
  z.strictObject({
    type: z.literal('refused'),
    /** The refused request's id, or null when the message was too broken to have one. */
    id: requestIdSchema.nullable(),
    code: refusalCodeSchema,
    message: z.string().max(300),
  }),
  z.strictObject({ type: z.literal('pong'), id: requestIdSchema, clientTime: z.number(), engineTimeMs: z.number() }),
]);
/** Messages the server sends. */
export type ServerMessage = z.infer<typeof serverMessageSchema>;

/** A parse outcome: the message, or one sentence saying what is wrong with it. */
export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return 'invalid message';
  const path = issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : '';
  return `${path}${issue.message}`.slice(0, 280);
}

/** Parses text from a console: JSON, then the client message schema. Never throws. */
export function parseClientMessage(text: string): Parsed<ClientMessage> {
  const bounded = parseBoundedJson(text, MESSAGE_JSON_BOUNDS);
  if (!bounded.ok) return { ok: false, error: bounded.error.startsWith('not JSON') ? 'not JSON' : bounded.error };
  const json = bounded.value;
  const result = clientMessageSchema.safeParse(json);
  return result.success ? { ok: true, value: result.data } : { ok: false, error: firstIssue(result.error) };
}

/** Parses text from the server. Never throws. */
export function parseServerMessage(text: string): Parsed<ServerMessage> {
  const bounded = parseBoundedJson(text, MESSAGE_JSON_BOUNDS);
  if (!bounded.ok) return { ok: false, error: bounded.error.startsWith('not JSON') ? 'not JSON' : bounded.error };
  const json = bounded.value;
  const result = serverMessageSchema.safeParse(json);
  return result.success ? { ok: true, value: result.data } : { ok: false, error: firstIssue(result.error) };
}

/** Best-effort request id of a message that failed validation, so the refusal can name it. */
export function salvageRequestId(text: string): string | null {
  const bounded = parseBoundedJson(text, MESSAGE_JSON_BOUNDS);
  const json = bounded.ok ? bounded.value : undefined;
  if (typeof json === 'object' && json !== null && 'id' in json) {
    const id = requestIdSchema.safeParse(json.id);
    if (id.success) return id.data;
  }
  return null;
}
