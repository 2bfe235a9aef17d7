import { createConnection, createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTcpFaultProxy } from "./tcp-fault-proxy.ts";

let echo: Server;
let echoPort: number;

beforeAll(async () => {
  echo = createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
  echoPort = (echo.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => echo.close(() => resolve())));

function connect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: "127.0.0.1", port }, () => resolve(socket));
    socket.once("error", reject);
  });
}

/** Sends a line and resolves with what comes back, or with the way the connection failed. */
function roundTrip(socket: Socket, text: string, waitMs = 300): Promise<string> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve("(silence)"), waitMs);
    socket.once("data", (data) => {
      clearTimeout(timer);
      resolve(data.toString());
    });
    socket.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(`(error ${error.code})`);
    });
    socket.once("close", () => {
      clearTimeout(timer);
      resolve("(closed)");
    });
    socket.write(text);
  });
}

describe("tcp fault proxy", () => {
  it("forwards, resets connections while cut, and forwards again after restore", async () => {
    const proxy = await startTcpFaultProxy({ host: "127.0.0.1", port: echoPort });
    try {
      const before = await connect(proxy.port);
      expect(await roundTrip(before, "hello")).toBe("hello");
      proxy.cut();
      expect(await roundTrip(before, "lost")).toMatch(/\(error ECONNRESET\)|\(closed\)/);
      const during = await connect(proxy.port).then(
        (socket) => roundTrip(socket, "lost too"),
        (error: NodeJS.ErrnoException) => `(error ${error.code})`,
      );
      expect(during).toMatch(/\(error ECONNRESET\)|\(closed\)/);
      proxy.restore();
      const after = await connect(proxy.port);
      expect(await roundTrip(after, "back")).toBe("back");
      after.destroy();
    } finally {
      await proxy.close();
    }
  });

  it("holds connections silently in a blackhole", async () => {
    const proxy = await startTcpFaultProxy({ host: "127.0.0.1", port: echoPort });
    try {
      const socket = await connect(proxy.port);
      expect(await roundTrip(socket, "hello")).toBe("hello");
      proxy.cut("blackhole");
      expect(await roundTrip(socket, "dropped")).toBe("(silence)");
      const fresh = await connect(proxy.port);
      expect(await roundTrip(fresh, "dropped too")).toBe("(silence)");
      proxy.restore();
      expect(await roundTrip(socket, "stale")).toMatch(/\(error ECONNRESET\)|\(closed\)/);
    } finally {
      await proxy.close();
    }
  });
});
