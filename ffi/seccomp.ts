/**
 * libseccomp (`libseccomp.so.2`) through `Deno.dlopen`: the library runc,
 * crun and youki build their filters with, so syscall numbers, architecture
 * handling and the BPF program come from it. One method per library call; each
 * checks the result and throws a `SyscallError` naming the call (libseccomp
 * returns `-errno`). No policy here: `src/security/seccomp_filter.ts` decides
 * what goes into a filter.
 *
 * Values from /usr/include/seccomp.h (libseccomp-dev 2.5.4).
 *
 * @module
 */

import { cstr } from "./cstring.ts";
import { SyscallError } from "./errno.ts";

/** The shared object's soname (Debian package `libseccomp2`). */
export const LIBSECCOMP = "libseccomp.so.2";

/** `SCMP_ACT_*` action values (`SCMP_ACT_ERRNO(x)` and `SCMP_ACT_TRACE(x)` carry x). */
export const ScmpAct = {
  KILL_PROCESS: 0x80000000,
  KILL_THREAD: 0x00000000,
  TRAP: 0x00030000,
  NOTIFY: 0x7fc00000,
  LOG: 0x7ffc0000,
  ALLOW: 0x7fff0000,
  errno: (errno: number): number => (0x00050000 | (errno & 0xffff)) >>> 0,
  trace: (msg: number): number => (0x7ff00000 | (msg & 0xffff)) >>> 0,
} as const;

/** `enum scmp_compare`. */
export const ScmpCmp = {
  NE: 1,
  LT: 2,
  LE: 3,
  EQ: 4,
  GE: 5,
  GT: 6,
  MASKED_EQ: 7,
} as const;

/** `enum scmp_filter_attr`. */
export const ScmpFltAtr = {
  ACT_DEFAULT: 1,
  ACT_BADARCH: 2,
  CTL_NNP: 3,
  CTL_TSYNC: 4,
  API_TSKIP: 5,
  CTL_LOG: 6,
  CTL_SSB: 7,
  CTL_OPTIMIZE: 8,
  API_SYSRAWRC: 9,
} as const;

/** `__NR_SCMP_ERROR`: what the resolve functions return for an unknown name. */
export const NR_SCMP_ERROR = -1;

/** `sizeof(struct scmp_arg_cmp)`: u32 arg, u32 op, u64 datum_a, u64 datum_b. */
export const SCMP_ARG_CMP_SIZE = 24;

/** One argument comparison, the fields of `struct scmp_arg_cmp`. */
export interface ScmpArgCmp {
  arg: number;
  op: number;
  datumA: bigint;
  datumB: bigint;
}

const SYMBOLS = {
  seccomp_init: { parameters: ["u32"], result: "pointer" },
  seccomp_release: { parameters: ["pointer"], result: "void" },
  seccomp_arch_add: { parameters: ["pointer", "u32"], result: "i32" },
  seccomp_arch_remove: { parameters: ["pointer", "u32"], result: "i32" },
  seccomp_arch_native: { parameters: [], result: "u32" },
  seccomp_arch_resolve_name: { parameters: ["buffer"], result: "u32" },
  seccomp_syscall_resolve_name: { parameters: ["buffer"], result: "i32" },
  seccomp_rule_add_array: {
    parameters: ["pointer", "u32", "i32", "u32", "buffer"],
    result: "i32",
  },
  seccomp_attr_set: { parameters: ["pointer", "u32", "u32"], result: "i32" },
  seccomp_load: { parameters: ["pointer"], result: "i32" },
  seccomp_export_bpf: { parameters: ["pointer", "i32"], result: "i32" },
  seccomp_export_pfc: { parameters: ["pointer", "i32"], result: "i32" },
} as const;

type Symbols = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];
type SymbolName = keyof typeof SYMBOLS;

/** libseccomp cannot be opened on this host (package `libseccomp2` missing). */
export class LibseccompMissingError extends Error {
  constructor(cause: unknown) {
    super(
      `cannot load ${LIBSECCOMP} (install the libseccomp2 package): ${
        cause instanceof Error ? cause.message : String(cause)
      }`,
    );
    this.name = "LibseccompMissingError";
  }
}

const bound: Partial<Record<SymbolName, unknown>> = {};

function open<S extends Deno.ForeignLibraryInterface>(symbols: S): Deno.DynamicLibrary<S> {
  try {
    return Deno.dlopen(LIBSECCOMP, symbols);
  } catch (e) {
    throw new LibseccompMissingError(e);
  }
}

/** Bound on first use, one dlopen per symbol, as ffi/libc.ts does. */
const lazy = new Proxy({} as Symbols, {
  get(_, name: SymbolName) {
    return bound[name] ??= open({ [name]: SYMBOLS[name] }).symbols[name];
  },
});

/** Whether `libseccomp.so.2` can be opened here (it is then kept open). */
export function libseccompAvailable(): boolean {
  try {
    lazy.seccomp_arch_native;
    return true;
  } catch (e) {
    if (e instanceof LibseccompMissingError) return false;
    throw e;
  }
}

function check(rc: number, call: string, detail: string): void {
  if (rc < 0) throw new SyscallError(call, detail, -rc);
}

/** A filter context (`scmp_filter_ctx`); `release()` frees it. */
export type ScmpFilterCtx = Deno.PointerObject;

/** The libseccomp calls the engine uses. */
export const seccomp = {
  /** `seccomp_init(def_action)`: a context holding the native architecture. */
  init(defaultAction: number): ScmpFilterCtx {
    const ctx = lazy.seccomp_init(defaultAction >>> 0);
    // seccomp_init reports no errno: NULL means a bad action or no memory.
    if (ctx === null) {
      throw new SyscallError("seccomp_init", `action 0x${defaultAction.toString(16)}`, 22);
    }
    return ctx;
  },

  /** `seccomp_release(ctx)`. */
  release(ctx: ScmpFilterCtx): void {
    lazy.seccomp_release(ctx);
  },

  /** `seccomp_arch_add`; false when the architecture was already in the filter. */
  archAdd(ctx: ScmpFilterCtx, arch: number): boolean {
    const rc = lazy.seccomp_arch_add(ctx, arch >>> 0);
    if (rc === -17 /* EEXIST */) return false;
    check(rc, "seccomp_arch_add", `0x${arch.toString(16)}`);
    return true;
  },

  /** `seccomp_arch_remove`. */
  archRemove(ctx: ScmpFilterCtx, arch: number): void {
    check(
      lazy.seccomp_arch_remove(ctx, arch >>> 0),
      "seccomp_arch_remove",
      `0x${arch.toString(16)}`,
    );
  },

  /** `seccomp_arch_native()`: the `AUDIT_ARCH_*` token of this process. */
  archNative(): number {
    return lazy.seccomp_arch_native();
  },

  /** `seccomp_arch_resolve_name("x86_64")`; 0 for a name libseccomp does not know. */
  archResolveName(name: string): number {
    return lazy.seccomp_arch_resolve_name(cstr(name));
  },

  /**
   * `seccomp_syscall_resolve_name`: the native number, a negative pseudo
   * number for a syscall of another architecture (libseccomp maps it per
   * arch), or `NR_SCMP_ERROR`.
   */
  syscallResolveName(name: string): number {
    return lazy.seccomp_syscall_resolve_name(cstr(name));
  },

  /** `seccomp_rule_add_array`: one rule, its comparisons AND-ed. */
  ruleAddArray(
    ctx: ScmpFilterCtx,
    action: number,
    syscall: number,
    args: readonly ScmpArgCmp[],
  ): void {
    const buf = new Uint8Array(SCMP_ARG_CMP_SIZE * Math.max(args.length, 1));
    const view = new DataView(buf.buffer);
    args.forEach((a, i) => {
      const at = i * SCMP_ARG_CMP_SIZE;
      view.setUint32(at, a.arg, true);
      view.setUint32(at + 4, a.op, true);
      view.setBigUint64(at + 8, a.datumA, true);
      view.setBigUint64(at + 16, a.datumB, true);
    });
    check(
      lazy.seccomp_rule_add_array(ctx, action >>> 0, syscall, args.length, buf),
      "seccomp_rule_add_array",
      `syscall ${syscall} action 0x${(action >>> 0).toString(16)}`,
    );
  },

  /** `seccomp_attr_set`. */
  attrSet(ctx: ScmpFilterCtx, attr: number, value: number): void {
    check(lazy.seccomp_attr_set(ctx, attr, value >>> 0), "seccomp_attr_set", `attr ${attr}`);
  },

  /** `seccomp_load`: installs the filter on the calling thread. */
  load(ctx: ScmpFilterCtx): void {
    check(lazy.seccomp_load(ctx), "seccomp_load", "");
  },

  /** `seccomp_export_bpf`: writes the BPF program to `fd`. */
  exportBpf(ctx: ScmpFilterCtx, fd: number): void {
    check(lazy.seccomp_export_bpf(ctx, fd), "seccomp_export_bpf", `fd ${fd}`);
  },

  /** `seccomp_export_pfc`: writes the filter as readable pseudo-code to `fd`. */
  exportPfc(ctx: ScmpFilterCtx, fd: number): void {
    check(lazy.seccomp_export_pfc(ctx, fd), "seccomp_export_pfc", `fd ${fd}`);
  },
};
