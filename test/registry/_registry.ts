/**
 * The registry harness (`shared/registry/`, beside the repository: a
 * clone in CI has a copy of shared/ next to it) for the pull tests: started
 * once per test process, stopped at its end if it was not running before.
 * A harness that cannot start fails the test.
 *
 * @module
 */

/** registry.sh of the shared folder beside this repository. */
export const REGISTRY_SH =
  new URL("../../../shared/registry/registry.sh", import.meta.url).pathname;

/** What run/env.sh says. */
export type RegistryEnv = Record<string, string>;

let started: Promise<RegistryEnv> | undefined;

async function start(): Promise<RegistryEnv> {
  const status = await new Deno.Command(REGISTRY_SH, { args: ["status"], stdout: "null" }).output();
  const r = await new Deno.Command(REGISTRY_SH, {
    args: ["start"],
    stderr: "piped",
    stdout: "null",
  })
    .output();
  if (r.code !== 0) {
    throw new Error(`registry harness did not start: ${new TextDecoder().decode(r.stderr)}`);
  }
  if (status.code !== 0) {
    globalThis.addEventListener("unload", () => {
      new Deno.Command(REGISTRY_SH, { args: ["stop"], stdout: "null", stderr: "null" })
        .outputSync();
    });
  }
  const dir = Deno.env.get("REGISTRY_HARNESS_DIR") ?? "/var/tmp/dgsh-registry-harness";
  const env: RegistryEnv = {};
  for (const line of Deno.readTextFileSync(`${dir}/run/env.sh`).split("\n")) {
    const m = line.match(/^export ([A-Z_]+)=(.*)$/);
    if (m) env[m[1]] = m[2];
  }
  return env;
}

/** The running harness's endpoints (REG_PLAIN, REG_AUTH, REG_TLS, REG_TOKEN, REG_CERTS_D…). */
export function registry(): Promise<RegistryEnv> {
  return started ??= start();
}

/**
 * A proxy in front of `upstream` counting blob GETs; `corrupt` flips a byte
 * of every blob body; `delayMs` holds each blob answer back that long.
 */
export function blobProxy(upstream: string, opts: { corrupt?: boolean; delayMs?: number } = {}) {
  const counts = { blobGets: 0 };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const isBlob = req.method === "GET" && url.pathname.includes("/blobs/");
    if (isBlob) counts.blobGets++;
    if (isBlob && opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
    const res = await fetch(`http://${upstream}${url.pathname}${url.search}`, {
      method: req.method,
      headers: req.headers,
    });
    if (!isBlob || !opts.corrupt || !url.pathname.includes("/blobs/sha256:d648")) return res;
    const body = new Uint8Array(await res.arrayBuffer());
    body[body.length >> 1] ^= 0xff;
    return new Response(body, { status: res.status, headers: res.headers });
  });
  return {
    host: `127.0.0.1:${server.addr.port}`,
    counts,
    close: () => server.shutdown(),
  };
}
