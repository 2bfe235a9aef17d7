/**
 * Audit entries: one per admin change, with the entity as the API shows it before and after
 * (wire views: never a key secret, never a whole key hash).
 *
 * Ids sort in time order as plain strings: `aud_` + 15-digit Unix ms + `_` + a 6-digit
 * per-process sequence + 4 random hex characters (replicas writing in the same millisecond do not
 * collide). Stores list entries by id, newest first, and `before=<id>` pages back from an entry.
 */
import { randomBytes } from "node:crypto";
import type { AuditEntry } from "../stores/ports.ts";

let sequence = 0;

export function createAuditId(nowMs: number): string {
  sequence = (sequence + 1) % 1_000_000;
  return `aud_${String(Math.max(0, Math.floor(nowMs))).padStart(15, "0")}_${String(sequence).padStart(6, "0")}${randomBytes(2).toString("hex")}`;
}

export interface AuditView {
  id: string;
  at: string;
  actor: string;
  action: string;
  entity: AuditEntry["entity"];
  entity_id: string;
  before: unknown;
  after: unknown;
}

export function toAuditView(entry: AuditEntry): AuditView {
  return {
    id: entry.id,
    at: entry.at,
    actor: entry.actor,
    action: entry.action,
    entity: entry.entity,
    entity_id: entry.entityId,
    before: entry.before,
    after: entry.after,
  };
}
