/**
 * `--debug` output of kernel calls: a `Kernel` that prints each call, its
 * flags by name (`CLONE_NEWNS|CLONE_NEWPID`, `MS_BIND|MS_REC`), before it
 * is made, through src/debug.ts.
 *
 * @module
 */

import * as C from "../ffi/constants.ts";
import { bpfLength } from "../ffi/bpf_length.ts";
import type { Kernel } from "../ffi/kernel.ts";
import { debug, debugEnabled } from "./debug.ts";

function show(arg: unknown): string {
  if (arg instanceof Uint8Array) return `<${arg.length} bytes>`;
  if (typeof arg === "string") return JSON.stringify(arg);
  if (typeof arg === "bigint") return `0x${arg.toString(16)}`;
  if (typeof arg === "number" && arg > 0xffff) return `0x${arg.toString(16)}`;
  return JSON.stringify(arg, (_, v) => typeof v === "bigint" ? `0x${v.toString(16)}` : v) ??
    String(arg);
}

/** The constants of ffi/constants.ts whose names start with `prefix`, as [name, value]. */
function named(prefix: string, skip: readonly string[] = []): Array<[string, number]> {
  return Object.entries(C).filter(([name, value]) =>
    name.startsWith(prefix) && typeof value === "number" && !skip.includes(name)
  ) as Array<[string, number]>;
}

/** `value` as `A|B|0x40`, lowest bit first (as the kernel headers list them). */
function flagNames(value: number, flags: Array<[string, number]>): string {
  if (value === 0) return "0";
  const out: string[] = [];
  let rest = value;
  for (const [name, bits] of [...flags].sort((a, b) => a[1] - b[1])) {
    if (bits !== 0 && (rest & bits) === bits) {
      out.push(name);
      rest &= ~bits;
    }
  }
  if (rest) out.push(`0x${rest.toString(16)}`);
  return out.join("|");
}

/** The one constant of `table` equal to `value`, else the number. */
function valueName(value: number, table: Array<[string, number]>): string {
  return table.find(([, v]) => v === value)?.[0] ?? String(value);
}

/** How a call's arguments read, for the calls whose flags a reader should see by name. */
function formatters(): Record<string, (args: unknown[]) => string[]> {
  const clone = named("CLONE_NEW").concat([["CLONE_FS", C.CLONE_FS]]);
  const ms = named("MS_");
  const open = named("O_", ["O_RDONLY"]);
  const prctl = named("PR_", ["PR_CAP_AMBIENT_RAISE", "PR_CAP_AMBIENT_CLEAR_ALL"]);
  const caps = Object.entries(C.CAPABILITIES);
  const rlimits = Object.entries(C.RLIMITS);
  const n = (a: unknown) => a as number;
  return {
    unshare: ([f]) => [flagNames(n(f), clone)],
    setns: ([fd, t]) => [show(fd), flagNames(n(t), clone)],
    mount: (
      [src, dst, type, f, data],
    ) => [
      show(src),
      show(dst),
      show(type),
      flagNames(n(f), ms),
      ...(data === undefined ? [] : [show(data)]),
    ],
    umount2: ([t, f]) => [show(t), flagNames(n(f), [["MNT_DETACH", C.MNT_DETACH]])],
    open: (
      [p, f, mode],
    ) => [
      show(p),
      flagNames(n(f), open) || "O_RDONLY",
      ...(mode ? [`0${n(mode).toString(8)}`] : []),
    ],
    pipe2: ([f]) => [flagNames(n(f), open)],
    mknod: (
      [p, mode, maj, min],
    ) => [
      show(p),
      `${flagNames(n(mode) & ~0o7777, named("S_IF"))}|0${(n(mode) & 0o7777).toString(8)}`,
      `${maj}:${min}`,
    ],
    umask: ([m]) => [`0${n(m).toString(8)}`],
    prctl: ([opt, a2, a3]) => {
      const option = valueName(n(opt), prctl);
      if (opt === C.PR_CAPBSET_DROP) return [option, valueName(n(a2), caps)];
      if (opt === C.PR_CAP_AMBIENT) {
        const how = a2 === C.PR_CAP_AMBIENT_RAISE
          ? "PR_CAP_AMBIENT_RAISE"
          : a2 === C.PR_CAP_AMBIENT_CLEAR_ALL
          ? "PR_CAP_AMBIENT_CLEAR_ALL"
          : show(a2);
        return [option, how, ...(a3 ? [valueName(n(a3), caps)] : [])];
      }
      return [option, show(a2), ...(a3 ? [show(a3)] : [])];
    },
    setrlimit: ([r, soft, hard]) => [valueName(n(r), rlimits), String(soft), String(hard)],
    seccompSetFilter: ([p]) => [`<BPF program, ${bpfLength(p as Uint8Array)}>`],
  };
}

/**
 * `kernel` with every call printed before it is made. Returned as is when
 * debug output is off, so the hot path pays nothing.
 */
export function traced(kernel: Kernel, who: string): Kernel {
  if (!debugEnabled()) return kernel;
  const format = formatters();
  return new Proxy(kernel, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        const shown = format[String(prop)]?.(args) ?? args.map(show);
        debug(who, `${String(prop)}(${shown.join(", ")})`);
        return value.apply(target, args);
      };
    },
  });
}
