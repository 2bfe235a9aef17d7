/**
 * GovernanceStore on SQLite through bun:sqlite (Bun only; the app core never imports this file):
 * the embedded default, so keys, teams, users and customers created through the admin API
 * survive a restart of a single gw process.
 *
 * It runs on the calling thread: its writes are admin operations (rare), and the request path
 * never reads it (it reads the in-memory governance cache). Each entity is one row: its id (and,
 * for keys, the key hash under a UNIQUE constraint) in columns, the whole entity as JSON.
 *
 * Invariants (the GovernanceStore contract, governance-store-contract.ts):
 * - a key hash belongs to at most one keyId (UNIQUE index; putKey rejects a second one);
 * - audit entries are listed newest first by id; `before` returns ids that sort before it;
 * - listeners in this process hear every put and successful delete after its commit. Other
 *   processes sharing the file are not told (one gw process per SQLite file; use Postgres and
 *   Redis for several replicas).
 */
import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { notifyListeners } from "../../stores/memory/memory-governance-store.ts";
import type {
  AuditEntry,
  EntityKind,
  GovernanceStore,
  ManagedCustomer,
  ManagedKey,
  ManagedTeam,
  ManagedUser,
} from "../../stores/ports.ts";

export interface SqliteGovernanceStoreOptions {
  /** Database file, e.g. ".gw/gw.db" (may be the spend store's file); its folder is created if needed. ":memory:" for tests. */
  path: string;
}

/** Schema version in PRAGMA user_version; raise it with a migration step when the tables change. */
const schemaVersion = 1;

const schema = `
CREATE TABLE IF NOT EXISTS governance_keys (
  key_id TEXT PRIMARY KEY,
  key_hash TEXT NOT NULL UNIQUE,
  data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS governance_teams (team_id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS governance_users (user_id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS governance_customers (customer_id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS governance_audit (
  id TEXT PRIMARY KEY,
  entity TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS governance_audit_entity ON governance_audit (entity, entity_id, id);
`;

const tables: Record<EntityKind, { table: string; id: string }> = {
  key: { table: "governance_keys", id: "key_id" },
  team: { table: "governance_teams", id: "team_id" },
  user: { table: "governance_users", id: "user_id" },
  customer: { table: "governance_customers", id: "customer_id" },
};

function openGovernanceDatabase(path: string): Database {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const database = new Database(path, { create: true, strict: true });
  try {
    database.run("PRAGMA journal_mode = WAL");
    database.run("PRAGMA synchronous = NORMAL");
    database.run("PRAGMA busy_timeout = 5000");
    const found = database.query<{ user_version: number }, []>("PRAGMA user_version").get()?.user_version ?? 0;
    database.transaction(() => {
      database.run(schema);
      // user_version is shared by everything in the file; only note ours if nobody set one.
      if (found === 0) database.run(`PRAGMA user_version = ${schemaVersion}`);
    })();
  } catch (error) {
    database.close(false);
    throw error;
  }
  return database;
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function createSqliteGovernanceStore(options: SqliteGovernanceStoreOptions): GovernanceStore {
  const { path } = options;
  const database = openGovernanceDatabase(path);
  const listeners = new Set<(kind: EntityKind, id: string) => void>();
  let closed = false;

  const listStatements = new Map<EntityKind, ReturnType<Database["query"]>>();
  const list = <T>(kind: EntityKind): T[] => {
    if (closed) throw new Error(`governance store: ${path} is closed`);
    let statement = listStatements.get(kind);
    if (statement === undefined) {
      statement = database.query(`SELECT data FROM ${tables[kind].table} ORDER BY ${tables[kind].id}`);
      listStatements.set(kind, statement);
    }
    return (statement.all() as Array<{ data: string }>).map((row) => JSON.parse(row.data) as T);
  };

  const putKeyStatement = database.query<unknown, { keyId: string; keyHash: string; data: string }>(
    "INSERT INTO governance_keys (key_id, key_hash, data) VALUES ($keyId, $keyHash, $data) " +
      "ON CONFLICT (key_id) DO UPDATE SET key_hash = excluded.key_hash, data = excluded.data",
  );
  const putStatements = new Map<EntityKind, ReturnType<Database["query"]>>();
  const putRow = (kind: Exclude<EntityKind, "key">, id: string, value: unknown): void => {
    let statement = putStatements.get(kind);
    if (statement === undefined) {
      const { table, id: column } = tables[kind];
      statement = database.query(`INSERT INTO ${table} (${column}, data) VALUES ($id, $data) ON CONFLICT (${column}) DO UPDATE SET data = excluded.data`);
      putStatements.set(kind, statement);
    }
    statement.run({ id, data: JSON.stringify(value) });
  };

  /** Runs a write, then tells the listeners (after the commit: a failed write notifies nobody). */
  const write = async <T>(kind: EntityKind, id: string, value: T, run: () => void): Promise<T> => {
    if (closed) throw new Error(`governance store: ${path} is closed`);
    run();
    notifyListeners(listeners, kind, id);
    return structuredClone(value);
  };

  const appendAuditStatement = database.query<unknown, { id: string; entity: string; entityId: string; data: string }>(
    "INSERT INTO governance_audit (id, entity, entity_id, data) VALUES ($id, $entity, $entityId, $data)",
  );

  return {
    description: `sqlite ${path}`,
    listKeys: async () => list<ManagedKey>("key"),
    listTeams: async () => list<ManagedTeam>("team"),
    listUsers: async () => list<ManagedUser>("user"),
    listCustomers: async () => list<ManagedCustomer>("customer"),
    putKey: (key) =>
      write("key", key.keyId, key, () => {
        try {
          putKeyStatement.run({ keyId: key.keyId, keyHash: key.keyHash, data: JSON.stringify(key) });
        } catch (error) {
          if (/UNIQUE constraint failed: governance_keys\.key_hash/.test(describeError(error))) {
            throw new Error("governance store: another key already has this key hash; key hashes are unique");
          }
          throw error;
        }
      }),
    putTeam: (team) => write("team", team.teamId, team, () => putRow("team", team.teamId, team)),
    putUser: (user) => write("user", user.userId, user, () => putRow("user", user.userId, user)),
    putCustomer: (customer) => write("customer", customer.customerId, customer, () => putRow("customer", customer.customerId, customer)),
    async deleteEntity(kind, id) {
      if (closed) throw new Error(`governance store: ${path} is closed`);
      const { table, id: column } = tables[kind];
      const result = database.query(`DELETE FROM ${table} WHERE ${column} = $id`).run({ id });
      if (result.changes === 0) return false;
      notifyListeners(listeners, kind, id);
      return true;
    },
    async appendAudit(entry) {
      if (closed) throw new Error(`governance store: ${path} is closed`);
      appendAuditStatement.run({ id: entry.id, entity: entry.entity, entityId: entry.entityId, data: JSON.stringify(entry) });
    },
    async listAudit(filter) {
      if (closed) throw new Error(`governance store: ${path} is closed`);
      const conditions: string[] = [];
      const parameters: Record<string, string | number> = { limit: Math.max(0, Math.floor(filter.limit)) };
      if (filter.entity !== undefined) {
        conditions.push("entity = $entity");
        parameters.entity = filter.entity;
      }
      if (filter.entityId !== undefined) {
        conditions.push("entity_id = $entityId");
        parameters.entityId = filter.entityId;
      }
      if (filter.before !== undefined) {
        conditions.push("id < $before");
        parameters.before = filter.before;
      }
      const where = conditions.length === 0 ? "" : `WHERE ${conditions.join(" AND ")}`;
      const rows = database
        .query<{ data: string }, Record<string, string | number>>(`SELECT data FROM governance_audit ${where} ORDER BY id DESC LIMIT $limit`)
        .all(parameters);
      return rows.map((row) => JSON.parse(row.data) as AuditEntry);
    },
    onChange(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      listeners.clear();
      database.close(false);
    },
  };
}
