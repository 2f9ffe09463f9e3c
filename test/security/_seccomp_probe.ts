/**
 * Child process of the seccomp tests: reads `{ spec, calls }` as JSON on
 * stdin, builds and loads `spec` (when not null) on its main thread with
 * `SeccompFilter`, then makes each raw syscall (numbers from libseccomp) and
 * prints `{ seccomp, noNewPrivs, results, skipped, buildMs, loadMs }`:
 * `seccomp`/`noNewPrivs` are those fields of /proc/self/status, `results[i]`
 * the errno of call i (0 when it succeeded). It leaves with `_exit`: after
 * Docker's profile is loaded, V8's own exit path makes a syscall the profile
 * denies and aborts (the real init execve's instead).
 *
 *     deno run -A test/security/_seccomp_probe.ts < request.json
 *
 * @module
 */

import { rawSyscall } from "../../ffi/raw_syscall.ts";
import { seccomp } from "../../ffi/seccomp.ts";
import type { LinuxSeccomp } from "../../src/oci/spec.ts";
import { SeccompFilter } from "../../src/security/seccomp_filter.ts";

/** One call to make: a syscall name and up to six arguments (a string becomes a C string). */
export interface ProbeCall {
  name: string;
  args?: (number | string)[];
}

/** What the probe is asked. */
export interface ProbeRequest {
  spec: LinuxSeccomp | null;
  calls: ProbeCall[];
}

/** What the probe answers. */
export interface ProbeResult {
  seccomp: string;
  noNewPrivs: string;
  results: number[];
  skipped: string[];
  buildMs: number;
  loadMs: number;
}

const libc = Deno.dlopen("libc.so.6", { _exit: { parameters: ["i32"], result: "void" } });

function call(c: ProbeCall, keep: Uint8Array[]): number {
  const nr = seccomp.syscallResolveName(c.name);
  if (nr < 0) throw new Error(`no syscall ${c.name} on this architecture`);
  const args = (c.args ?? []).map((a) => {
    if (typeof a === "number") return BigInt(a);
    const buf = new TextEncoder().encode(a + "\0");
    keep.push(buf);
    return BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(buf)));
  });
  while (args.length < 6) args.push(0n);
  // The kernel's -errno itself: errno read by a second FFI call may be the runtime's.
  const rc = rawSyscall(BigInt(nr), ...(args as [bigint, bigint, bigint, bigint, bigint, bigint]));
  return rc < 0n ? -Number(rc) : 0;
}

const request = JSON.parse(await new Response(Deno.stdin.readable).text()) as ProbeRequest;
// Made now (it maps memory and opens a memfd), not under the filter.
rawSyscall(BigInt(seccomp.syscallResolveName("getpid")), 0n, 0n, 0n, 0n, 0n, 0n);
const t0 = performance.now();
const filter = request.spec === null ? null : new SeccompFilter(request.spec);
const t1 = performance.now();
filter?.load();
const t2 = performance.now();
const keep: Uint8Array[] = [];
const results = request.calls.map((c) => call(c, keep));
const status = Deno.readTextFileSync("/proc/self/status");
const out: ProbeResult = {
  seccomp: /^Seccomp:\s*(\d+)/m.exec(status)?.[1] ?? "",
  noNewPrivs: /^NoNewPrivs:\s*(\d+)/m.exec(status)?.[1] ?? "",
  results,
  skipped: filter?.skipped ?? [],
  buildMs: t1 - t0,
  loadMs: t2 - t1,
};
Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(out) + "\n"));
libc.symbols._exit(0);
