/**
 * Raw libc symbols, opened with `Deno.dlopen`. Nothing here checks
 * results: `linux.ts` wraps each call and throws. Kernel calls all go
 * through raw_syscall.ts's function, not through libc, whose errno cannot
 * be read reliably after the call (see there); `syscall` only maps that
 * function. Binding a symbol costs ~0.4 ms the first time (measured
 * here), a call through it 0.015 ms. The others are what only libc does:
 * posix_spawn (which returns its error), malloc_trim, and a read and a
 * wait on a worker thread.
 *
 * @module
 */

const SYMBOLS = {
  read_async: {
    name: "read",
    parameters: ["i32", "buffer", "usize"],
    result: "isize",
    nonblocking: true,
  },
  waitpid_async: {
    name: "waitpid",
    parameters: ["i32", "buffer", "i32"],
    result: "i32",
    nonblocking: true,
  },
  posix_spawn: {
    parameters: ["buffer", "buffer", "buffer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  posix_spawn_file_actions_init: { parameters: ["buffer"], result: "i32" },
  posix_spawn_file_actions_destroy: { parameters: ["buffer"], result: "i32" },
  posix_spawn_file_actions_adddup2: { parameters: ["buffer", "i32", "i32"], result: "i32" },
  posix_spawn_file_actions_addopen: {
    parameters: ["buffer", "i32", "buffer", "i32", "u32"],
    result: "i32",
  },
  malloc_trim: { parameters: ["usize"], result: "i32" },
  /** syscall(2): the number and up to six integer-or-pointer arguments. */
  syscall: { parameters: ["i64", "i64", "i64", "i64", "i64", "i64", "i64"], result: "i64" },
} as const;

/** The library's symbols. */
export type LibcSymbols = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

type SymbolName = keyof typeof SYMBOLS;
const bound: Partial<Record<SymbolName, unknown>> = {};

/** Each symbol is bound on first use: most processes need two of them. */
const lazy = new Proxy({} as LibcSymbols, {
  get(_, name: SymbolName) {
    return bound[name] ??= Deno.dlopen("libc.so.6", { [name]: SYMBOLS[name] }).symbols[name];
  },
});

/** libc's symbols, bound lazily. */
export function libc(): LibcSymbols {
  return lazy;
}
