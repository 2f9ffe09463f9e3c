/**
 * errno values of Linux x86_64 and the typed error every failed libc call
 * throws. The error names the call and the arguments that matter, so a user
 * reads `mount overlay on /var/lib/dockergsh/…/merged: EINVAL` instead of a
 * bare number.
 *
 * @module
 */

/** errno number → symbolic name (asm-generic/errno-base.h and errno.h). */
export const ERRNO_NAMES: Readonly<Record<number, string>> = {
  1: "EPERM",
  2: "ENOENT",
  3: "ESRCH",
  4: "EINTR",
  5: "EIO",
  6: "ENXIO",
  7: "E2BIG",
  8: "ENOEXEC",
  9: "EBADF",
  10: "ECHILD",
  11: "EAGAIN",
  12: "ENOMEM",
  13: "EACCES",
  14: "EFAULT",
  15: "ENOTBLK",
  16: "EBUSY",
  17: "EEXIST",
  18: "EXDEV",
  19: "ENODEV",
  20: "ENOTDIR",
  21: "EISDIR",
  22: "EINVAL",
  23: "ENFILE",
  24: "EMFILE",
  25: "ENOTTY",
  26: "ETXTBSY",
  27: "EFBIG",
  28: "ENOSPC",
  29: "ESPIPE",
  30: "EROFS",
  31: "EMLINK",
  32: "EPIPE",
  34: "ERANGE",
  36: "ENAMETOOLONG",
  38: "ENOSYS",
  39: "ENOTEMPTY",
  40: "ELOOP",
  61: "ENODATA",
  95: "EOPNOTSUPP",
  97: "EAFNOSUPPORT",
  98: "EADDRINUSE",
  99: "EADDRNOTAVAIL",
  101: "ENETUNREACH",
  110: "ETIMEDOUT",
};

/** Well-known errno numbers used by callers that branch on them. */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EAGAIN: 11,
  EACCES: 13,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  ENOTDIR: 20,
  ELOOP: 40,
  EINVAL: 22,
  ENOSPC: 28,
  ENOEXEC: 8,
  ECHILD: 10,
  ENODATA: 61,
  ERANGE: 34,
} as const;

/** Symbolic name of an errno number (`E123` when unknown). */
export function errnoName(errno: number): string {
  return ERRNO_NAMES[errno] ?? `E${errno}`;
}

/**
 * A libc call that returned failure. `call` is the function name, `detail`
 * the arguments a reader needs (paths, flags), `errno`/`code` the reason.
 */
export class SyscallError extends Error {
  readonly call: string;
  readonly detail: string;
  readonly errno: number;
  readonly code: string;

  constructor(call: string, detail: string, errno: number) {
    const code = errnoName(errno);
    super(`${call}${detail ? " " + detail : ""}: ${code}`);
    this.name = "SyscallError";
    this.call = call;
    this.detail = detail;
    this.errno = errno;
    this.code = code;
  }
}
