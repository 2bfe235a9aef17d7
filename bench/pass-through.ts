/**
 * The reference proxy: what any gateway must at least do. Parses the JSON request, forwards it
 * with fetch (keep-alive) to UPSTREAM_URL + "/chat/completions", returns the upstream body.
 * No auth, routing, retries or accounting. Prints `listening http://127.0.0.1:PORT` once ready.
 */
const upstream = process.env.UPSTREAM_URL;
if (!upstream) throw new Error("UPSTREAM_URL is required (the upstream's API root, e.g. http://127.0.0.1:4010/v1)");
const target = `${upstream}/chat/completions`;

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.env.PORT ?? 0),
  async fetch(request) {
    const body: unknown = await request.json();
    const response = await fetch(target, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer pass-through" },
      body: JSON.stringify(body),
    });
    return new Response(await response.text(), { status: response.status, headers: { "content-type": "application/json" } });
  },
});
console.log(`listening ${server.url.href}`);
