/**
 * Linux x86_64 constants for the calls in `libc.ts`, from the kernel's uapi
 * headers (sched.h, mount.h, fcntl.h, asm-generic/ioctls.h, …).
 *
 * @module
 */

/** Namespace flags for unshare(2)/setns(2) (linux/sched.h). */
export const CLONE_NEWNS = 0x00020000;
export const CLONE_NEWCGROUP = 0x02000000;
export const CLONE_NEWUTS = 0x04000000;
export const CLONE_NEWIPC = 0x08000000;
export const CLONE_NEWUSER = 0x10000000;
export const CLONE_NEWPID = 0x20000000;
export const CLONE_NEWNET = 0x40000000;
export const CLONE_FS = 0x00000200;

/** mount(2) flags (linux/mount.h). */
export const MS_RDONLY = 0x1;
export const MS_NOSUID = 0x2;
export const MS_NODEV = 0x4;
export const MS_NOEXEC = 0x8;
export const MS_REMOUNT = 0x20;
export const MS_BIND = 0x1000;
export const MS_REC = 0x4000;
export const MS_PRIVATE = 1 << 18;
export const MS_SLAVE = 1 << 19;
export const MS_STRICTATIME = 1 << 24;

/** umount2(2) flags. */
export const MNT_DETACH = 0x2;

/** open(2)/fcntl(2) flags (asm-generic/fcntl.h). */
export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_CREAT = 0o100;
export const O_NOCTTY = 0o400;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;
export const O_NONBLOCK = 0o4000;
export const O_DIRECTORY = 0o200000;
export const O_NOFOLLOW = 0o400000;
export const O_CLOEXEC = 0o2000000;
export const O_PATH = 0o10000000;
export const F_GETFD = 1;
export const F_SETFD = 2;
export const FD_CLOEXEC = 1;

/** mknod(2) file types (linux/stat.h). */
export const S_IFCHR = 0o020000;
export const S_IFIFO = 0o010000;

/** tty ioctls (asm-generic/ioctls.h). */
export const TIOCSCTTY = 0x540e;
export const TIOCGWINSZ = 0x5413;
export const TIOCSWINSZ = 0x5414;
/** Get the number of a pty master's slave (`/dev/pts/N`). */
export const TIOCGPTN = 0x80045430;
/** Lock (non-zero) or unlock (0) a pty's slave. */
export const TIOCSPTLCK = 0x40045431;

/** Network interface ioctls (linux/sockios.h) and flags (linux/if.h). */
export const SIOCGIFFLAGS = 0x8913;
export const SIOCSIFFLAGS = 0x8914;
export const IFF_UP = 0x1;
export const AF_INET = 2;
export const SOCK_DGRAM = 2;

/** prctl(2) options (linux/prctl.h). */
export const PR_SET_PDEATHSIG = 1;
export const PR_SET_NAME = 15;
export const PR_SET_CHILD_SUBREAPER = 36;

/** waitpid(2) options. */
export const WNOHANG = 1;

/** flock(2) operations. */
export const LOCK_EX = 2;
export const LOCK_UN = 8;

/** Signal numbers of Linux x86_64 (asm/signal.h). */
export const SIGNALS: Readonly<Record<string, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGWINCH: 28,
};

/** Real-time signals included: signals are 1 … NSIG-1. */
export const NSIG = 65;
/** sigprocmask(2) `how`. */
export const SIG_SETMASK = 2;

/** Syscalls called through syscall(2): pivot_root has no glibc wrapper, and
 * glibc's sigaction refuses the signals it reserves (32, 33). */
export const SYS_pivot_root = 155;
export const SYS_rt_sigaction = 13;
export const SYS_bpf = 321;

/** bpf(2) commands, program and attach types, flags (linux/bpf.h). */
export const BPF_PROG_LOAD = 5;
export const BPF_PROG_ATTACH = 8;
export const BPF_PROG_TYPE_CGROUP_DEVICE = 15;
export const BPF_CGROUP_DEVICE = 6;
export const BPF_F_ALLOW_MULTI = 2;
