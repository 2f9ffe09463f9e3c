/**
 * A `Kernel` that records calls instead of making them, so the order of
 * kernel steps can be checked without root. Calls that return something
 * return plausible values (fresh fd numbers, empty reads).
 *
 * @module
 */

import type { CapabilitySets, FileStatus, Kernel, SpawnSpec, WinSize } from "../ffi/kernel.ts";

/** One recorded call: the method name and its arguments. */
export interface RecordedCall {
  call: string;
  args: unknown[];
}

/** Records every call in `calls`. */
export class RecordingKernel implements Kernel {
  readonly calls: RecordedCall[] = [];
  private nextFd = 100;

  private rec(call: string, ...args: unknown[]): void {
    this.calls.push({ call, args });
  }

  /** The recorded calls as `name arg1 arg2 …` strings, for readable assertions. */
  lines(): string[] {
    return this.calls.map((c) =>
      [c.call, ...c.args.map((a) => (typeof a === "string" ? a : JSON.stringify(a)))].join(" ")
    );
  }

  unshare(flags: number): void {
    this.rec("unshare", flags);
  }
  setns(fd: number, nstype: number): void {
    this.rec("setns", fd, nstype);
  }
  mount(s: string | null, t: string, f: string | null, flags: number, d: string | null = null) {
    this.rec("mount", s, t, f, flags, d);
  }
  umount2(target: string, flags: number): void {
    this.rec("umount2", target, flags);
  }
  pivotRoot(newRoot: string, putOld: string): void {
    this.rec("pivot_root", newRoot, putOld);
  }
  chroot(path: string): void {
    this.rec("chroot", path);
  }
  fchdir(fd: number): void {
    this.rec("fchdir", fd);
  }
  chdir(path: string): void {
    this.rec("chdir", path);
  }
  sethostname(name: string): void {
    this.rec("sethostname", name);
  }
  execve(path: string, argv: readonly string[], env: readonly string[]): never {
    this.rec("execve", path, argv, env);
    throw new Error("execve recorded");
  }
  execveat(fd: number, argv: readonly string[], env: readonly string[]): never {
    this.rec("execveat", fd, argv, env);
    throw new Error("execveat recorded");
  }
  kill(pid: number, signal: number): void {
    this.rec("kill", pid, signal);
  }
  pipe2(flags: number): [number, number] {
    this.rec("pipe2", flags);
    return [this.nextFd++, this.nextFd++];
  }
  memfdCreate(name: string, flags: number): number {
    this.rec("memfdCreate", name, flags);
    return this.nextFd++;
  }
  addSeals(fd: number, seals: number): void {
    this.rec("addSeals", fd, seals);
  }
  fchmod(fd: number, mode: number): void {
    this.rec("fchmod", fd, mode);
  }
  isCloexec(fd: number): boolean {
    this.rec("isCloexec", fd);
    return true;
  }
  setCloexec(fd: number, on: boolean): void {
    this.rec("setCloexec", fd, on);
  }
  dup2(oldFd: number, newFd: number): void {
    this.rec("dup2", oldFd, newFd);
  }
  open(path: string, flags: number, mode = 0): number {
    this.rec("open", path, flags, mode);
    return this.nextFd++;
  }
  close(fd: number): void {
    this.rec("close", fd);
  }
  fstat(fd: number): FileStatus {
    this.rec("fstat", fd);
    return { mode: 0o100600, uid: 0, size: 0 };
  }
  read(fd: number, _buf: Uint8Array): number {
    this.rec("read", fd);
    return 0;
  }
  readAsync(fd: number, _buf: Uint8Array): Promise<number> {
    this.rec("readAsync", fd);
    return Promise.resolve(0);
  }
  write(fd: number, data: Uint8Array): number {
    this.rec("write", fd, data.length);
    return data.length;
  }
  mknod(path: string, mode: number, major: number, minor: number): void {
    this.rec("mknod", path, mode, major, minor);
    Deno.writeFileSync(path, new Uint8Array()); // later steps chmod it
  }
  lchownAt(dirFd: number, name: string, uid: number, gid: number): void {
    this.rec("lchownAt", dirFd, name, uid, gid);
  }
  lutimesAt(dirFd: number, name: string, atime: Date, mtime: Date): void {
    this.rec("lutimesAt", dirFd, name, atime.getTime(), mtime.getTime());
  }
  setsid(): number {
    this.rec("setsid");
    return 1;
  }
  setControllingTty(fd: number): void {
    this.rec("setControllingTty", fd);
  }
  openPty(ptmx: string): { master: number; index: number } {
    this.rec("openPty", ptmx);
    return { master: this.nextFd++, index: 0 };
  }
  openInRoot(root: string, path: string, flags: number): number {
    this.rec("openInRoot", root, path, flags);
    return this.nextFd++;
  }

  getWinSize(fd: number): WinSize {
    this.rec("getWinSize", fd);
    return { rows: 24, cols: 80 };
  }
  setWinSize(fd: number, size: WinSize): void {
    this.rec("setWinSize", fd, size);
  }
  socket(domain: number, type: number, protocol: number): number {
    this.rec("socket", domain, type, protocol);
    return this.nextFd++;
  }
  connectUnix(fd: number, path: string): void {
    this.rec("connectUnix", fd, path);
  }
  sendFd(fd: number, data: Uint8Array, passFd: number): void {
    this.rec("sendFd", fd, new TextDecoder().decode(data), passFd);
  }
  linkUp(ifname: string): void {
    this.rec("linkUp", ifname);
  }
  prctl(option: number, arg2: number, arg3 = 0): number {
    this.rec("prctl", option, arg2, arg3);
    return 0;
  }
  joinSessionKeyring(name: string): number {
    this.rec("joinSessionKeyring", name);
    return 1;
  }
  describeKey(id: number): string {
    this.rec("describeKey", id);
    return "keyring;0;0;3f130000;_ses";
  }
  setKeyPerm(id: number, perm: number): void {
    this.rec("setKeyPerm", id, perm);
  }
  umask(mask: number): number {
    this.rec("umask", mask);
    return 0o022;
  }
  resetSignals(): void {
    this.rec("resetSignals");
  }
  waitpid(pid: number, options: number): { pid: number; status: number } {
    this.rec("waitpid", pid, options);
    return { pid: 0, status: 0 };
  }
  waitpidAsync(pid: number): Promise<number> {
    this.rec("waitpidAsync", pid);
    return Promise.resolve(0);
  }
  lgetxattr(path: string, name: string): Uint8Array | null {
    this.rec("lgetxattr", path, name);
    return null;
  }
  lsetxattr(path: string, name: string, value: Uint8Array): void {
    this.rec("lsetxattr", path, name, new TextDecoder().decode(value));
  }
  syncfs(fd: number): void {
    this.rec("syncfs", fd);
  }
  madvise(address: bigint, length: bigint, advice: number): void {
    this.rec("madvise", address, length, advice);
  }
  mallocTrim(): boolean {
    this.rec("mallocTrim");
    return false;
  }
  pidfdOpen(pid: number): number {
    this.rec("pidfdOpen", pid);
    return this.nextFd++;
  }
  pidfdSendSignal(pidfd: number, signal: number): void {
    this.rec("pidfdSendSignal", pidfd, signal);
  }
  bpfProgLoad(progType: number, insns: Uint8Array, license: string, name: string): number {
    this.rec("bpfProgLoad", progType, insns.length / 8, license, name);
    return this.nextFd++;
  }
  bpfProgAttach(targetFd: number, progFd: number, attachType: number, flags: number): void {
    this.rec("bpfProgAttach", targetFd, progFd, attachType, flags);
  }
  capset(sets: CapabilitySets): void {
    this.rec("capset", sets.effective, sets.permitted, sets.inheritable);
  }
  setresuid(uid: number): void {
    this.rec("setresuid", uid);
  }
  setresgid(gid: number): void {
    this.rec("setresgid", gid);
  }
  setgroups(gids: readonly number[]): void {
    this.rec("setgroups", [...gids]);
  }
  setrlimit(resource: number, soft: bigint, hard: bigint): void {
    this.rec("setrlimit", resource, soft, hard);
  }
  getrlimit(resource: number): { soft: bigint; hard: bigint } {
    this.rec("getrlimit", resource);
    return { soft: 0xffffffffffffffffn, hard: 0xffffffffffffffffn };
  }
  seccompSetFilter(program: Uint8Array): void {
    this.rec("seccompSetFilter", program.length);
  }
  cloexecFrom(first: number): void {
    this.rec("cloexecFrom", first);
  }
  spawn(path: string, argv: readonly string[], env: readonly string[], spec: SpawnSpec): number {
    this.rec("spawn", path, argv, env, spec);
    return 4242;
  }
}
