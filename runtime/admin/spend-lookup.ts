/**
 * `spend` in /key/info, /team/info, ...: in the entity's current budget period (all time without
 * one), the larger of what the budget ledger counts (reservations in flight included) and what
 * the spend store recorded (the ledger has no counter for an entity without a budget, or before
 * its first request in this process).
 */
import type { Enforcement } from "../governance/enforcement.ts";
import type { Clock, SpendStore, Subject } from "../stores/ports.ts";
import type { SpendEntity } from "./admin-context.ts";

export function createSpendLookup(enforcement: Enforcement, store: SpendStore, clock: Clock): (subject: Subject, entity: SpendEntity) => Promise<number> {
  return async (subject, entity) => {
    const now = clock.now();
    const start = enforcement.periods.periodOf(entity.budgetDuration, now).start;
    const [counted, recorded] = await Promise.all([
      enforcement.ledger.spent(subject, start, now),
      subject.kind === "deployment" ? 0 : store.subjectSpendSince(subject.kind, subject.kind === "key" ? (entity.keyHash ?? "").slice(0, 12) : subject.id, start),
    ]);
    return Math.max(counted, recorded);
  };
}
