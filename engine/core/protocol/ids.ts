/** The names the console protocol's messages share (cue numbers, department ids, modes). */
import { z } from 'zod';

/** A cue number as written in the show: digits with an optional point, e.g. `12.5`. */
export const cueNumberSchema = z.string().regex(/^\d{1,6}(\.\d{1,3})?$/, 'a cue number such as 12 or 12.5');

/** A department id such as `LX`, `VID`, `CAM`. */
export const deptIdSchema = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,15}$/, 'a department id such as LX');

/** Automation mode of a department (see DESIGN: the operator always wins). */
export const deptModeSchema = z.enum(['manual', 'assist', 'auto']);
/** `manual` (model shows, never fires), `assist` (model arms, a human confirms), `auto` (model fires). */
export type DeptMode = z.infer<typeof deptModeSchema>;
