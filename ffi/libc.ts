/**
 * Raw libc symbols, opened once with `Deno.dlopen`. Nothing here checks
 * results: `linux.ts` wraps each call, reads errno and throws.
 *
 * @module
 */

const SYMBOLS = {
  __errno_location: { parameters: [], result: "pointer" },
  unshare: { parameters: ["i32"], result: "i32" },
  setns: { parameters: ["i32", "i32"], result: "i32" },
  mount: {
    parameters: ["buffer", "buffer", "buffer", "u64", "buffer"],
    result: "i32",
  },
  umount2: { parameters: ["buffer", "i32"], result: "i32" },
  chdir: { parameters: ["buffer"], result: "i32" },
  sethostname: { parameters: ["buffer", "usize"], result: "i32" },
  execve: { parameters: ["buffer", "buffer", "buffer"], result: "i32" },
  kill: { parameters: ["i32", "i32"], result: "i32" },
  pipe2: { parameters: ["buffer", "i32"], result: "i32" },
  memfd_create: { parameters: ["buffer", "u32"], result: "i32" },
  fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
  dup2: { parameters: ["i32", "i32"], result: "i32" },
  open: { parameters: ["buffer", "i32", "u32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  read_async: {
    name: "read",
    parameters: ["i32", "buffer", "usize"],
    result: "isize",
    nonblocking: true,
  },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  mknod: { parameters: ["buffer", "u32", "u64"], result: "i32" },
  setsid: { parameters: [], result: "i32" },
  ioctl: { parameters: ["i32", "u64", "buffer"], result: "i32" },
  ioctl_int: { name: "ioctl", parameters: ["i32", "u64", "i64"], result: "i32" },
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  umask: { parameters: ["u32"], result: "u32" },
  waitpid: { parameters: ["i32", "buffer", "i32"], result: "i32" },
  getpid: { parameters: [], result: "i32" },
  sigprocmask: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  lgetxattr: { parameters: ["buffer", "buffer", "buffer", "usize"], result: "isize" },
  pidfd_open: { parameters: ["i32", "u32"], result: "i32" },
  pidfd_send_signal: { parameters: ["i32", "i32", "pointer", "u32"], result: "i32" },
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
  /**
   * syscall(2) with up to six integer-or-pointer arguments: one symbol for
   * every call that has no glibc wrapper or whose wrapper does more than
   * the kernel call (glibc's setresuid signals every thread). One binding
   * costs ~0.35 ms (measured), and the init makes ten such calls.
   */
  syscall: { parameters: ["i64", "i64", "i64", "i64", "i64", "i64", "i64"], result: "i64" },
} as const;

/** The library's symbols. */
export type LibcSymbols = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

type SymbolName = keyof typeof SYMBOLS;
const bound: Partial<Record<SymbolName, unknown>> = {};

/**
 * Each symbol is bound on first use, with a dlopen of its own: binding costs
 * ~0.25 ms per symbol (measured), and the container init uses fewer than
 * half of them, on every container start.
 */
const lazy = new Proxy({} as LibcSymbols, {
  get(_, name: SymbolName) {
    return bound[name] ??= Deno.dlopen("libc.so.6", { [name]: SYMBOLS[name] }).symbols[name];
  },
});

/** libc's symbols, bound lazily. */
export function libc(): LibcSymbols {
  return lazy;
}

/** The calling thread's errno; read it right after the failing call. */
export function lastErrno(): number {
  const ptr = libc().__errno_location();
  if (ptr === null) return 0;
  return new Deno.UnsafePointerView(ptr).getInt32();
}
