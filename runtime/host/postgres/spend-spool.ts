/**
 * The spend ledger's local durable spool: where rows go while Postgres is unreachable (or the
 * in-memory queue is full), until they are replayed.
 *
 * Layout of the directory:
 *   spool.lock                          pid of the process that owns the directory
 *   spool-<ms>-<seq>-<rand>.ndjson.open the file being appended to (at most one)
 *   spool-<ms>-<seq>-<rand>.ndjson      sealed files, replayed oldest first
 *   rejected.ndjson                     rows Postgres refused as invalid (never replayed)
 *
 * Invariants:
 * - One line per row (LedgerRow as JSON). `append` writes its rows with one write and fsyncs
 *   before resolving, so a resolved append survives a crash; appends, seals and removals run one
 *   at a time, in call order.
 * - Only sealed files are replayed. A file is sealed (closed, renamed without `.open`, directory
 *   fsynced) when it reaches `maxFileBytes`, when the store starts a replay, and at close. An
 *   `.open` file found at start-up belongs to a dead process and is sealed then.
 * - A torn last line (crash during a write that never resolved) is skipped when read.
 * - One live store per directory, enforced with the lock file; a lock whose process is gone is taken over.
 */
import { randomBytes } from "node:crypto";
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { appendFile, open, readFile, rename, unlink, type FileHandle } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { LedgerRow } from "../../stores/ports.ts";

export interface SpendSpoolOptions {
  directory: string;
  /** Seal the current file once it holds this many bytes. Default 8 MiB. */
  maxFileBytes?: number;
  onError?: (message: string) => void;
}

export interface SpendSpool {
  readonly directory: string;
  /** Appends rows durably (fsync) to the current file. */
  append(rows: readonly LedgerRow[]): Promise<void>;
  /** Seals the current file, if any: the next append starts a new one. */
  seal(): Promise<void>;
  /** Names of sealed files, oldest first. */
  sealedFiles(): string[];
  /** Rows of a sealed file, in order (unreadable lines are skipped and reported). */
  readFile(name: string): Promise<LedgerRow[]>;
  /** Deletes a replayed file (and fsyncs the directory). */
  removeFile(name: string): Promise<void>;
  /** Keeps rows Postgres refused as invalid in rejected.ndjson, with the reason. */
  reject(rows: readonly LedgerRow[], reason: string): Promise<void>;
  /** Rows in the spool (sealed files and the current file). */
  rowCount(): number;
  fileCount(): number;
  /** Seals the current file and releases the directory. */
  close(): Promise<void>;
}

/** Directories held by a spool of this process (a lock file with our own pid is stale only if not listed here). */
const heldDirectories = new Set<string>();

const sealedPattern = /^spool-\d+-\d+-[0-9a-f]+\.ndjson$/;
const openSuffix = ".open";

export function openSpendSpool(options: SpendSpoolOptions): SpendSpool {
  const directory = resolve(options.directory);
  const maxFileBytes = options.maxFileBytes ?? 8 * 1024 * 1024;
  const onError = options.onError ?? ((message: string) => process.stderr.write(`${message}\n`));
  const lockPath = join(directory, "spool.lock");

  mkdirSync(directory, { recursive: true });
  takeLock(directory, lockPath);

  /** Rows per file (sealed and current). */
  const rowsPerFile = new Map<string, number>();
  for (const name of readdirSync(directory)) {
    if (name.endsWith(openSuffix) && sealedPattern.test(name.slice(0, -openSuffix.length))) {
      renameSync(join(directory, name), join(directory, name.slice(0, -openSuffix.length)));
    }
  }
  for (const name of readdirSync(directory)) {
    if (sealedPattern.test(name)) rowsPerFile.set(name, countLines(readFileSync(join(directory, name), "utf8")));
  }

  let current: { name: string; handle: FileHandle; bytes: number } | undefined;
  let sequence = 0;
  let chain: Promise<unknown> = Promise.resolve();
  let closed = false;

  /** Runs operations one at a time, in call order. */
  const serially = <T>(operation: () => Promise<T>): Promise<T> => {
    const next = chain.then(operation, operation);
    chain = next.catch(() => {});
    return next;
  };

  const syncDirectory = async (): Promise<void> => {
    let handle: FileHandle | undefined;
    try {
      handle = await open(directory, "r");
      await handle.sync();
    } catch {
      // Some platforms cannot fsync a directory; the rename is still atomic there.
    } finally {
      await handle?.close().catch(() => {});
    }
  };

  const sealCurrent = async (): Promise<void> => {
    if (current === undefined) return;
    const { name, handle } = current;
    current = undefined;
    await handle.close().catch(() => {});
    await rename(join(directory, name + openSuffix), join(directory, name));
    await syncDirectory();
  };

  return {
    directory,
    append(rows) {
      if (rows.length === 0) return Promise.resolve();
      const text = rows.map((row) => JSON.stringify(row)).join("\n") + "\n";
      return serially(async () => {
        if (closed) throw new Error(`the spool in ${directory} is closed`);
        if (current === undefined) {
          const name = `spool-${String(Date.now()).padStart(14, "0")}-${String(sequence++).padStart(6, "0")}-${randomBytes(3).toString("hex")}.ndjson`;
          const handle = await open(join(directory, name + openSuffix), "a");
          current = { name, handle, bytes: 0 };
          rowsPerFile.set(name, 0);
          await syncDirectory();
        }
        const file = current;
        try {
          await file.handle.writeFile(text);
          await file.handle.datasync();
        } catch (error) {
          // Whatever part of the write landed stays (a torn line is skipped when read); start afresh.
          await sealCurrent().catch(() => {});
          throw error;
        }
        file.bytes += Buffer.byteLength(text);
        rowsPerFile.set(file.name, (rowsPerFile.get(file.name) ?? 0) + rows.length);
        if (file.bytes >= maxFileBytes) await sealCurrent();
      });
    },
    seal() {
      return serially(sealCurrent);
    },
    sealedFiles() {
      return [...rowsPerFile.keys()].filter((name) => name !== current?.name).sort();
    },
    async readFile(name) {
      const text = await readFile(join(directory, name), "utf8");
      const rows: LedgerRow[] = [];
      const lines = text.split("\n");
      let skipped = 0;
      for (const [index, line] of lines.entries()) {
        if (line === "") continue;
        try {
          rows.push(JSON.parse(line) as LedgerRow);
        } catch {
          // The last line may be torn by a crash; anything else is corruption. Either way, report it.
          if (index !== lines.length - 1) skipped++;
          else onError(`spend spool: ${name} ends with an incomplete line (a write interrupted by a crash); skipped`);
        }
      }
      if (skipped > 0) onError(`spend spool: ${name} has ${skipped} unreadable line(s); skipped`);
      return rows;
    },
    removeFile(name) {
      return serially(async () => {
        await unlink(join(directory, name)).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== "ENOENT") throw error;
        });
        rowsPerFile.delete(name);
        await syncDirectory();
      });
    },
    reject(rows, reason) {
      const at = new Date().toISOString();
      const text = rows.map((row) => JSON.stringify({ at, reason, row })).join("\n") + "\n";
      return serially(async () => {
        await appendFile(join(directory, "rejected.ndjson"), text);
      });
    },
    rowCount() {
      let total = 0;
      for (const rows of rowsPerFile.values()) total += rows;
      return total;
    },
    fileCount() {
      return rowsPerFile.size;
    },
    close() {
      return serially(async () => {
        if (closed) return;
        closed = true;
        await sealCurrent();
        heldDirectories.delete(directory);
        rmSync(lockPath, { force: true });
      });
    },
  };
}

function countLines(text: string): number {
  let lines = 0;
  for (const line of text.split("\n")) if (line.trim() !== "") lines++;
  return lines;
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function takeLock(directory: string, lockPath: string): void {
  if (heldDirectories.has(directory)) throw new Error(`the spend spool ${directory} is already open in this process`);
  try {
    const descriptor = openSync(lockPath, "wx");
    writeSync(descriptor, String(process.pid));
    closeSync(descriptor);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const owner = Number(readFileSync(lockPath, "utf8").trim());
    // Our own pid in the file: left by an earlier run in a container where gw is always pid 1.
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && processIsAlive(owner)) {
      throw new Error(`the spend spool ${directory} is in use by process ${owner}; give each gw process its own spool directory`);
    }
    writeFileSync(lockPath, String(process.pid));
  }
  heldDirectories.add(directory);
}
