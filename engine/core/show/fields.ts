/** Field validators every part of the show file shares (ids, times, ports, hosts). */
import { z } from 'zod';

/** An identifier: letters, digits, "_", "-", ".". */
export const id = z
  .string()
  .regex(/^[A-Za-z0-9_.-]+$/, 'an id of letters, digits, "_", "-" or "."')
  .describe('An identifier: letters, digits, "_", "-", "."');
/** A fraction 0..1. */
export const fraction = z.number().min(0).max(1);
/** A duration in ms, up to a day. */
export const ms = z.number().min(0).max(86_400_000);
/** A TCP/UDP port. */
export const port = z.number().int().min(1).max(65535);
/** An address or host name. */
export const host = z.string().min(1).describe('An IPv4/IPv6 address or host name');
