/**
 * Deployment cooldowns shared by the replicas (routing/deployment-health.ts CooldownShare): a
 * replica that cools a deployment down publishes it on `<prefix>cooldowns` and keeps it in a key
 * `<prefix>cooldown:<deployment id>` that expires when the cooldown ends; every replica applies
 * what it hears to its own state, and reads the live keys when it (re)connects. The request path
 * never waits on Redis: a cooldown reaches the other replicas within a round trip, and while Redis
 * is down each replica cools down on its own.
 */
import type { Redis } from "ioredis";
import type { CooldownShare } from "../../routing/deployment-health.ts";

export function createRedisCooldowns(redis: Redis, prefix: string, log: (message: string) => void): { share: CooldownShare; close(): void } {
  const channel = `${prefix}cooldowns`;
  const keyOf = (id: string): string => `${prefix}cooldown:${id}`;
  const subscriber = redis.duplicate({ enableOfflineQueue: true });
  subscriber.on("error", () => {});
  let apply: ((id: string, until: number) => void) | null = null;

  const load = async (): Promise<void> => {
    if (apply === null) return;
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}cooldown:*`, "COUNT", 200);
      cursor = next;
      if (keys.length === 0) continue;
      const values = await redis.mget(...keys);
      keys.forEach((key, index) => {
        const until = Number(values[index]);
        if (Number.isFinite(until)) apply?.(key.slice(`${prefix}cooldown:`.length), until);
      });
    } while (cursor !== "0");
  };

  subscriber.on("message", (from: string, message: string) => {
    if (from !== channel || apply === null) return;
    const separator = message.lastIndexOf(" ");
    const until = Number(message.slice(separator + 1));
    if (separator > 0 && Number.isFinite(until)) apply(message.slice(0, separator), until);
  });
  subscriber.on("ready", () => void load().catch(() => {}));

  return {
    share: {
      publish(id, until) {
        const ttl = Math.max(1, Math.ceil(until - Date.now()));
        redis
          .multi()
          .set(keyOf(id), String(until), "PX", ttl)
          .publish(channel, `${id} ${until}`)
          .exec()
          .catch((error: unknown) => log(`cooldowns: could not share a cooldown (${error instanceof Error ? error.message : String(error)})`));
      },
      subscribe(listener) {
        apply = listener;
        subscriber.subscribe(channel).catch(() => {});
        void load().catch(() => {});
      },
    },
    close() {
      subscriber.disconnect();
    },
  };
}
