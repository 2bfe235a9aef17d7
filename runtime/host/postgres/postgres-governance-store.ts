/**
 * GovernanceStore on Postgres: keys (by hash only), teams, users, customers and the audit log,
 * with change notifications for every replica sharing the database.
 *
 * Change notifications use Postgres LISTEN/NOTIFY rather than Redis pub/sub: the notification is
 * sent by the same transaction as the change (pg_notify is delivered only on commit), so a
 * replica can never hear of a change that did not happen, and invalidation needs no second
 * service. Payload: {"origin", "kind", "id"}.
 *
 * Invariants:
 * - Listeners hear a change made through this store once, right after its commit (the echo of
 *   its own NOTIFY is ignored by origin); changes from other stores arrive through NOTIFY.
 * - Notifications sent while the LISTEN connection was down are lost. So when it is
 *   re-established (after an outage), every listener is told `(kind, "*")` for each kind,
 *   meaning "anything of this kind may have changed: reload it".
 */
import { randomUUID } from "node:crypto";
import type { AuditEntry, EntityKind, GovernanceStore, ManagedCustomer, ManagedKey, ManagedTeam, ManagedUser } from "../../stores/ports.ts";
import type postgres from "postgres";
import { checkSchemaName, connectPostgres, describeError, type Sql, tableName } from "./connect.ts";

export interface PostgresGovernanceStoreOptions {
  /** A pool to use (not closed by the store); or `url` to let the store open and close its own. */
  sql?: Sql;
  url?: string;
  schema?: string;
  /** NOTIFY channel. Default "gw_changes" plus the schema name, so schemas in one database do not hear each other. */
  channel?: string;
  /** How often the store checks that it still hears notifications (see checkListening). Default 15 s. */
  listenCheckIntervalMs?: number;
  /** Reports a failing LISTEN connection or listener. Default: stderr. */
  onError?: (message: string) => void;
}

export interface PostgresGovernanceStore extends GovernanceStore {
  /** Resolves once the LISTEN connection is established (changes from other replicas are heard from then on). */
  listening(): Promise<void>;
  /** Test hook: stop listening silently, as a broken LISTEN connection would. */
  dropListenForTesting(): void;
}

/** The id a listener receives after a reconnection: reload every entity of the kind. */
export const anyEntityId = "*";

export const entityKinds: readonly EntityKind[] = ["key", "team", "user", "customer"];

interface CommonColumns {
  models: string[];
  metadata: Record<string, unknown>;
  max_budget: number | null;
  soft_budget: number | null;
  budget_duration: string | null;
  rpm_limit: string | number | null;
  tpm_limit: string | number | null;
  max_parallel_requests: string | number | null;
  from_config: boolean;
  created_at: Date;
  updated_at: Date;
}

interface KeyColumns extends CommonColumns {
  key_id: string;
  key_hash: string;
  key_alias: string | null;
  team_id: string | null;
  user_id: string | null;
  tags: string[];
  blocked: boolean;
  expires_at: Date | null;
  admin: boolean;
}

interface TeamColumns extends CommonColumns {
  team_id: string;
  team_alias: string | null;
  blocked: boolean;
}

interface UserColumns extends CommonColumns {
  user_id: string;
  user_email: string | null;
  team_ids: string[];
}

interface CustomerColumns extends CommonColumns {
  customer_id: string;
  blocked: boolean;
}

interface AuditColumns {
  id: string;
  at: Date;
  actor: string;
  action: string;
  entity: EntityKind;
  entity_id: string;
  before: unknown;
  after: unknown;
}

const tables: Record<EntityKind, { table: string; id: string }> = {
  key: { table: "api_keys", id: "key_id" },
  team: { table: "teams", id: "team_id" },
  user: { table: "users", id: "user_id" },
  customer: { table: "customers", id: "customer_id" },
};

/** Columns every entity table has, in the order of `commonValues`. */
const commonColumnNames = [
  "models",
  "metadata",
  "max_budget",
  "soft_budget",
  "budget_duration",
  "rpm_limit",
  "tpm_limit",
  "max_parallel_requests",
  "from_config",
  "created_at",
  "updated_at",
];
const jsonColumns = new Set(["models", "metadata", "tags", "team_ids"]);
const timeColumns = new Set(["created_at", "updated_at", "expires_at"]);

type ColumnValue = string | number | boolean | null;

function commonValues(entity: ManagedKey | ManagedTeam | ManagedUser | ManagedCustomer): ColumnValue[] {
  return [
    JSON.stringify(entity.models ?? []),
    JSON.stringify(entity.metadata ?? {}),
    entity.maxBudget,
    entity.softBudget,
    entity.budgetDuration,
    entity.rpmLimit,
    entity.tpmLimit,
    entity.maxParallelRequests,
    entity.fromConfig,
    entity.createdAt,
    entity.updatedAt,
  ];
}

const toNumber = (value: string | number | null): number | null => (value === null ? null : Number(value));
const toIso = (value: Date): string => value.toISOString();

function commonFields(row: CommonColumns) {
  return {
    models: row.models,
    metadata: row.metadata,
    maxBudget: row.max_budget,
    softBudget: row.soft_budget,
    budgetDuration: row.budget_duration,
    rpmLimit: toNumber(row.rpm_limit),
    tpmLimit: toNumber(row.tpm_limit),
    maxParallelRequests: toNumber(row.max_parallel_requests),
    fromConfig: row.from_config,
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
  };
}

const toKey = (row: KeyColumns): ManagedKey => ({
  keyId: row.key_id,
  keyHash: row.key_hash,
  keyAlias: row.key_alias,
  teamId: row.team_id,
  userId: row.user_id,
  tags: row.tags,
  blocked: row.blocked,
  expiresAt: row.expires_at === null ? null : toIso(row.expires_at),
  admin: row.admin,
  ...commonFields(row),
});

const toTeam = (row: TeamColumns): ManagedTeam => ({ teamId: row.team_id, teamAlias: row.team_alias, blocked: row.blocked, ...commonFields(row) });

const toUser = (row: UserColumns): ManagedUser => ({ userId: row.user_id, userEmail: row.user_email, teamIds: row.team_ids, ...commonFields(row) });

const toCustomer = (row: CustomerColumns): ManagedCustomer => ({ customerId: row.customer_id, blocked: row.blocked, ...commonFields(row) });

const toAudit = (row: AuditColumns): AuditEntry => ({
  id: row.id,
  at: toIso(row.at),
  actor: row.actor,
  action: row.action,
  entity: row.entity,
  entityId: row.entity_id,
  before: row.before ?? null,
  after: row.after ?? null,
});

/** Postgres limits channel names to 63 bytes. */
function defaultChannel(schema: string | undefined): string {
  return schema === undefined ? "gw_changes" : `gw_changes.${schema}`.slice(0, 63);
}

export function createPostgresGovernanceStore(options: PostgresGovernanceStoreOptions): PostgresGovernanceStore {
  if ((options.sql === undefined) === (options.url === undefined)) throw new Error("createPostgresGovernanceStore: give either sql or url");
  const schema = checkSchemaName(options.schema);
  const onError = options.onError ?? ((message: string) => process.stderr.write(`${message}\n`));
  const ownsPool = options.sql === undefined;
  const sql = options.sql ?? connectPostgres({ url: options.url as string, schema });
  const channel = options.channel ?? defaultChannel(schema);
  const origin = randomUUID();
  const auditTable = tableName(schema, "audit_log");
  const listeners = new Set<(kind: EntityKind, id: string) => void>();
  let closed = false;

  const emit = (kind: EntityKind, id: string): void => {
    for (const listener of [...listeners]) {
      try {
        listener(kind, id);
      } catch (error) {
        onError(`governance store: a change listener failed (${describeError(error)})`);
      }
    }
  };

  let listenCount = 0;
  /** Id of the last ping this store sent to itself and has not heard back yet. */
  let pingPending: string | null = null;

  const onNotification = (payload: string): void => {
    let message: { origin?: unknown; kind?: unknown; id?: unknown };
    try {
      message = JSON.parse(payload) as typeof message;
    } catch {
      return;
    }
    if (message.origin === origin) {
      if (message.kind === "ping" && message.id === pingPending) pingPending = null;
      return;
    }
    if (closed) return;
    if (typeof message.id === "string" && entityKinds.includes(message.kind as EntityKind)) emit(message.kind as EntityKind, message.id);
  };

  const onListen = (): void => {
    listenCount++;
    // Listening again after the connection dropped: whatever was notified meanwhile is lost.
    if (listenCount > 1 && !closed) {
      onError("governance store: change notifications are flowing again; reloading everything");
      for (const kind of entityKinds) emit(kind, anyEntityId);
    }
  };

  const subscribe = (): Promise<postgres.ListenMeta> => {
    const request = sql.listen(channel, onNotification, onListen);
    request.catch((error: unknown) => {
      if (!closed) onError(`governance store: cannot LISTEN on ${channel} (${describeError(error)}); changes from other replicas are not heard`);
    });
    return request;
  };
  let subscription = subscribe();

  const resubscribe = async (): Promise<void> => {
    try {
      await (await subscription).unlisten();
    } catch {
      // The old subscription is gone already.
    }
    if (!closed) subscription = subscribe();
  };

  /**
   * postgres.js listens again by itself when its LISTEN connection drops. This check covers what
   * it cannot see (a re-LISTEN that failed, a connection that silently stopped delivering): the
   * store notifies itself; a ping not heard back by the next check means it must listen again.
   */
  const checkListening = async (): Promise<void> => {
    if (closed) return;
    if (pingPending !== null) {
      pingPending = null;
      onError("governance store: change notifications stopped arriving; listening again");
      await resubscribe();
    }
    const ping = randomUUID();
    try {
      await sql.unsafe("SELECT pg_notify($1, $2)", [channel, JSON.stringify({ origin, kind: "ping", id: ping })]);
      if (!closed) pingPending = ping;
    } catch {
      // Postgres unreachable: nothing to judge until it is back.
    }
  };
  const checkTimer = setInterval(() => void checkListening(), options.listenCheckIntervalMs ?? 15_000);
  checkTimer.unref();

  /** Upsert by id and NOTIFY, in one transaction; returns the stored row. */
  const put = async <Row>(kind: EntityKind, columns: string[], values: ColumnValue[], id: string): Promise<Row> => {
    const { table, id: idColumn } = tables[kind];
    const placeholders = columns.map((column, index) => {
      const parameter = `$${index + 1}`;
      if (jsonColumns.has(column)) return `${parameter}::text::jsonb`;
      if (timeColumns.has(column)) return `${parameter}::timestamptz`;
      return parameter;
    });
    const updates = columns.filter((column) => column !== idColumn).map((column) => `${column} = excluded.${column}`);
    const statement = `INSERT INTO ${tableName(schema, table)} (${columns.join(", ")}) VALUES (${placeholders.join(", ")})
      ON CONFLICT (${idColumn}) DO UPDATE SET ${updates.join(", ")} RETURNING *`;
    const rows = await sql.begin(async (transaction) => {
      const stored = await transaction.unsafe(statement, values);
      await transaction.unsafe("SELECT pg_notify($1, $2)", [channel, JSON.stringify({ origin, kind, id })]);
      return stored;
    });
    emit(kind, id);
    return rows[0] as Row;
  };

  const list = async <Row>(kind: EntityKind): Promise<Row[]> => {
    const { table, id } = tables[kind];
    return (await sql.unsafe(`SELECT * FROM ${tableName(schema, table)} ORDER BY ${id}`)) as unknown as Row[];
  };

  return {
    description: `postgres${schema === undefined ? "" : ` (schema ${schema})`}`,
    listening: async () => {
      await subscription;
    },
    listKeys: async () => (await list<KeyColumns>("key")).map(toKey),
    listTeams: async () => (await list<TeamColumns>("team")).map(toTeam),
    listUsers: async () => (await list<UserColumns>("user")).map(toUser),
    listCustomers: async () => (await list<CustomerColumns>("customer")).map(toCustomer),
    async putKey(key) {
      const columns = ["key_id", "key_hash", "key_alias", "team_id", "user_id", "tags", "blocked", "expires_at", "admin", ...commonColumnNames];
      const values = [
        key.keyId,
        key.keyHash,
        key.keyAlias,
        key.teamId,
        key.userId,
        JSON.stringify(key.tags ?? []),
        key.blocked,
        key.expiresAt,
        key.admin,
        ...commonValues(key),
      ];
      return toKey(await put<KeyColumns>("key", columns, values, key.keyId));
    },
    async putTeam(team) {
      const columns = ["team_id", "team_alias", "blocked", ...commonColumnNames];
      return toTeam(await put<TeamColumns>("team", columns, [team.teamId, team.teamAlias, team.blocked, ...commonValues(team)], team.teamId));
    },
    async putUser(user) {
      const columns = ["user_id", "user_email", "team_ids", ...commonColumnNames];
      const values = [user.userId, user.userEmail, JSON.stringify(user.teamIds ?? []), ...commonValues(user)];
      return toUser(await put<UserColumns>("user", columns, values, user.userId));
    },
    async putCustomer(customer) {
      const columns = ["customer_id", "blocked", ...commonColumnNames];
      const values = [customer.customerId, customer.blocked, ...commonValues(customer)];
      return toCustomer(await put<CustomerColumns>("customer", columns, values, customer.customerId));
    },
    async deleteEntity(kind, id) {
      const { table, id: idColumn } = tables[kind];
      const deleted = await sql.begin(async (transaction) => {
        const rows = await transaction.unsafe(`DELETE FROM ${tableName(schema, table)} WHERE ${idColumn} = $1 RETURNING 1`, [id]);
        if (rows.length > 0) await transaction.unsafe("SELECT pg_notify($1, $2)", [channel, JSON.stringify({ origin, kind, id })]);
        return rows.length > 0;
      });
      if (deleted) emit(kind, id);
      return deleted;
    },
    async appendAudit(entry) {
      await sql.unsafe(
        `INSERT INTO ${auditTable} (id, at, actor, action, entity, entity_id, before, after)
         VALUES ($1, $2::timestamptz, $3, $4, $5, $6, $7::text::jsonb, $8::text::jsonb)`,
        [
          entry.id,
          entry.at,
          entry.actor,
          entry.action,
          entry.entity,
          entry.entityId,
          entry.before === undefined ? null : JSON.stringify(entry.before),
          entry.after === undefined ? null : JSON.stringify(entry.after),
        ],
      );
    },
    /** Newest first by id (ids sort in time order); `before` pages back from the entry with that id. */
    async listAudit(filter) {
      const conditions: string[] = [];
      const parameters: string[] = [];
      const parameter = (value: string): string => {
        parameters.push(value);
        return `$${parameters.length}`;
      };
      if (filter.entity !== undefined) conditions.push(`entity = ${parameter(filter.entity)}`);
      if (filter.entityId !== undefined) conditions.push(`entity_id = ${parameter(filter.entityId)}`);
      if (filter.before !== undefined) conditions.push(`id < ${parameter(filter.before)}`);
      const limit = Math.max(1, Math.min(1000, Math.floor(Number.isFinite(filter.limit) ? filter.limit : 100)));
      const rows = await sql.unsafe<AuditColumns[]>(
        `SELECT id, at, actor, action, entity, entity_id, before, after FROM ${auditTable}
         ${conditions.length === 0 ? "" : `WHERE ${conditions.join(" AND ")}`}
         ORDER BY id DESC LIMIT ${limit}`,
        parameters,
      );
      return rows.map(toAudit);
    },
    onChange(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    dropListenForTesting() {
      void subscription.then(({ unlisten }) => unlisten()).catch(() => {});
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(checkTimer);
      listeners.clear();
      try {
        const { unlisten } = await Promise.race([subscription, new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timeout")), 1_000).unref())]);
        await unlisten();
      } catch {
        // Not listening (Postgres unreachable): nothing to undo.
      }
      if (ownsPool) await sql.end({ timeout: 5 }).catch(() => {});
    },
  };
}
