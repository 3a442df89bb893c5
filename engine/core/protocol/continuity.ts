/**
 * What a console sees of an engine's place among several (DESIGN: "Beyond one machine"): whether it
 * is the show's engine or a hot standby following one (and the link to it), who holds the outputs and
 * at which sACN priority, whether it resumed from its journal after a restart and from where, and the
 * engines it found on the network. Sent whole in the snapshot and in each `continuity` delta.
 */
import { z } from 'zod';
import { cueNumberSchema, deptIdSchema, deptModeSchema } from './ids.js';

/**
 * `primary`: the show's engine (also when nothing follows it). `standby`: follows a primary and
 * defers to it (sACN at a lower priority, Art-Net/USB silent). `in-control`: a standby that took over.
 */
export const engineRoleSchema = z.enum(['primary', 'standby', 'in-control']);
/** The engine's role among several. */
export type EngineRole = z.infer<typeof engineRoleSchema>;

/** A standby's link to its primary. */
export const primaryLinkSchema = z.strictObject({
  /** `host:port` of the primary's console. */
  address: z.string().max(300),
  /** `following`: in step with the primary; `lost`: it stopped answering; `refused`: it refused our token. */
  link: z.enum(['connecting', 'following', 'lost', 'unreachable', 'refused']),
  /** One sentence on the link (why it was lost, what was refused). */
  detail: z.string().max(300),
  /** Engine clock of the last message from the primary, or null. */
  lastSeenMs: z.number().nullable(),
  /** Where the primary's cue positions differ from ours ("LX: primary cue 7, here cue 9"); hand-back needs none. */
  differences: z.array(z.string().max(200)).max(64),
});
/** A standby's link to its primary. */
export type PrimaryLink = z.infer<typeof primaryLinkSchema>;

/** One department as a resume put it back. */
export const resumedDeptSchema = z.strictObject({
  dept: deptIdSchema,
  cue: cueNumberSchema.nullable(),
  mode: deptModeSchema.optional(),
  panicked: z.boolean(),
});

/** An engine announced on the local network (mDNS/DNS-SD `_precue._tcp`). */
export const peerSchema = z.strictObject({
  /** The service instance name. */
  name: z.string().max(200),
  show: z.string().max(200),
  /** Address and port of its console. */
  host: z.string().max(300),
  port: z.number().int().min(1).max(65_535),
  tls: z.boolean(),
  role: engineRoleSchema.optional(),
});
/** An engine found on the network. */
export type Peer = z.infer<typeof peerSchema>;

/** The engine's place among several. */
export const continuityStateSchema = z.strictObject({
  role: engineRoleSchema,
  primary: primaryLinkSchema.nullable(),
  /** How the outputs speak now: the highest sACN priority sent (null: no sACN universe) and whether Art-Net/USB are silent. */
  outputs: z.strictObject({ sacnPriority: z.number().int().min(0).max(200).nullable(), silent: z.boolean() }),
  /** When and why this standby took control (null: it has not). */
  tookControl: z.strictObject({ atMs: z.number(), reason: z.string().max(300) }).nullable(),
  /** The resume from the journal at this start (null: nothing to resume, or no journal). */
  resumed: z.strictObject({
    /** Engine clock of the resume. */
    atMs: z.number(),
    journal: z.string().max(1000),
    /** Time (ISO) of the last entry written before the restart. */
    lastEntryAt: z.string().max(40).nullable(),
    depts: z.array(resumedDeptSchema).max(64),
    panic: z.boolean(),
    /** Lines of the journal that could not be read (cut short by a kill, damaged). */
    skippedLines: z.number().int().nonnegative(),
    problems: z.array(z.string().max(300)).max(64),
  }).nullable(),
  /** The journal: where, and whether it is being written. */
  journal: z.strictObject({ file: z.string().max(1000), ok: z.boolean(), detail: z.string().max(300) }).nullable(),
  /** Other engines announced on the network. */
  peers: z.array(peerSchema).max(64),
});
/** The engine's place among several. */
export type ContinuityState = z.infer<typeof continuityStateSchema>;
