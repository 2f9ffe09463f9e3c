/**
 * OCI hooks run by the runtime in its own namespaces (`prestart`,
 * `createRuntime`, `poststart`, `poststop`): each hook's program with its
 * argv and environment only, the container's state as JSON on its stdin,
 * killed after its `timeout`. A hook that fails fails the operation, but
 * for `poststop`, whose failures are only reported (as runc does).
 *
 * @module
 */

import { debug } from "../debug.ts";
import type { Hook } from "../oci/spec.ts";
import type { State } from "../oci/state.ts";
import { RuntimeError } from "./errors.ts";

/** `KEY=VALUE` entries as an environment record. */
function envRecord(env: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of env) {
    const eq = e.indexOf("=");
    if (eq > 0) out[e.slice(0, eq)] = e.slice(eq + 1);
  }
  return out;
}

/** Runs one hook to its end; throws when it fails or times out. */
async function runHook(kind: string, hook: Hook, state: State): Promise<void> {
  debug("hooks", `${kind}: ${hook.path} ${(hook.args ?? []).slice(1).join(" ")}`);
  const child = new Deno.Command(hook.path, {
    args: (hook.args ?? []).slice(1),
    env: envRecord(hook.env ?? []),
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = hook.timeout && hook.timeout > 0
    ? setTimeout(() => child.kill("SIGKILL"), hook.timeout * 1000)
    : undefined;
  try {
    const writer = child.stdin.getWriter();
    // A hook that does not read its stdin must not fail the write.
    await writer.write(new TextEncoder().encode(JSON.stringify(state))).catch(() => {});
    await writer.close().catch(() => {});
    const out = await child.output();
    if (!out.success) {
      const text = new TextDecoder().decode(out.stderr).trim() ||
        new TextDecoder().decode(out.stdout).trim();
      const why = out.signal ? `killed by ${out.signal}` : `exit status ${out.code}`;
      throw new RuntimeError(`${kind} hook ${hook.path}: ${why}${text ? `: ${text}` : ""}`);
    }
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/**
 * Runs `hooks` in order, each with `state` on its stdin. The first that
 * fails throws; with `warnOnly` (poststart, poststop: the spec's "log a
 * warning and continue") each failure is a warning on stderr instead.
 */
export async function runHooks(
  kind: string,
  hooks: readonly Hook[] | undefined,
  state: State,
  warnOnly = false,
): Promise<void> {
  for (const hook of hooks ?? []) {
    try {
      await runHook(kind, hook, state);
    } catch (err) {
      const failure = err instanceof RuntimeError
        ? err
        : new RuntimeError(`${kind} hook ${hook.path}: ${(err as Error).message}`);
      if (!warnOnly) throw failure;
      console.error(`dockergsh-runc: warning: ${failure.message}`);
    }
  }
}
