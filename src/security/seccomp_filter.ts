/**
 * A seccomp filter built with libseccomp from the OCI `linux.seccomp` form,
 * then loaded on the calling thread just before it execve's the user's
 * command. This module is on the container init's path: it imports only the
 * FFI and the OCI types, never a profile or the CLI.
 *
 * Semantics follow runc's: a syscall name libseccomp does not know on this
 * architecture is skipped, not an error (profiles list names of every arch
 * and of newer kernels); comparisons on distinct arguments go into one rule
 * (AND), comparisons that repeat an argument index become one rule each (OR),
 * because libseccomp refuses two comparisons of the same argument in a rule.
 *
 * @module
 */

import { Errno, SyscallError } from "../../ffi/errno.ts";
import {
  NR_SCMP_ERROR,
  ScmpAct,
  type ScmpArgCmp,
  ScmpCmp,
  type ScmpFilterCtx,
  ScmpFltAtr,
  seccomp,
} from "../../ffi/seccomp.ts";
import { UserError } from "../errors.ts";
import type { LinuxSeccomp, SeccompAction, SeccompArg, SeccompOperator } from "../oci/spec.ts";

const OPERATORS: Readonly<Record<SeccompOperator, number>> = {
  SCMP_CMP_NE: ScmpCmp.NE,
  SCMP_CMP_LT: ScmpCmp.LT,
  SCMP_CMP_LE: ScmpCmp.LE,
  SCMP_CMP_EQ: ScmpCmp.EQ,
  SCMP_CMP_GE: ScmpCmp.GE,
  SCMP_CMP_GT: ScmpCmp.GT,
  SCMP_CMP_MASKED_EQ: ScmpCmp.MASKED_EQ,
};

/** Highest syscall argument index (syscalls take at most six arguments). */
const MAX_ARG_INDEX = 5;

function invalid(message: string): UserError {
  return new UserError(`invalid seccomp configuration: ${message}`);
}

/**
 * The libseccomp action value of an OCI action. `errnoRet` is the errno of
 * SCMP_ACT_ERRNO and the message of SCMP_ACT_TRACE, EPERM when absent, as
 * runc does.
 */
export function seccompActionValue(action: SeccompAction, errnoRet?: number): number {
  const ret = errnoRet ?? Errno.EPERM;
  if (!Number.isInteger(ret) || ret < 0 || ret > 0xffff) {
    throw invalid(`errnoRet ${errnoRet} is not a number from 0 to 65535`);
  }
  switch (action) {
    case "SCMP_ACT_KILL":
    case "SCMP_ACT_KILL_THREAD":
      return ScmpAct.KILL_THREAD;
    case "SCMP_ACT_KILL_PROCESS":
      return ScmpAct.KILL_PROCESS;
    case "SCMP_ACT_TRAP":
      return ScmpAct.TRAP;
    case "SCMP_ACT_ERRNO":
      return ScmpAct.errno(ret);
    case "SCMP_ACT_TRACE":
      return ScmpAct.trace(ret);
    case "SCMP_ACT_ALLOW":
      return ScmpAct.ALLOW;
    case "SCMP_ACT_LOG":
      return ScmpAct.LOG;
    case "SCMP_ACT_NOTIFY":
      // Needs a listener fd handed to a supervisor: not implemented, refused
      // rather than silently replaced by another action.
      throw invalid("SCMP_ACT_NOTIFY is not supported");
    default:
      throw invalid(`unknown action ${JSON.stringify(action)}`);
  }
}

/** libseccomp's token of an OCI architecture name (`SCMP_ARCH_X86_64` → x86_64). */
function archToken(name: string): number {
  const token = name.startsWith("SCMP_ARCH_")
    ? seccomp.archResolveName(name.slice("SCMP_ARCH_".length).toLowerCase())
    : 0;
  if (token === 0) throw invalid(`unknown architecture ${JSON.stringify(name)}`);
  return token;
}

function datum(value: unknown, what: string): bigint {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(`${what} ${JSON.stringify(value)} is not a non-negative integer`);
  }
  return BigInt(value);
}

function comparison(a: SeccompArg): ScmpArgCmp {
  const op = OPERATORS[a.op];
  if (op === undefined) throw invalid(`unknown operator ${JSON.stringify(a.op)}`);
  if (!Number.isInteger(a.index) || a.index < 0 || a.index > MAX_ARG_INDEX) {
    throw invalid(`argument index ${JSON.stringify(a.index)} is not 0 to ${MAX_ARG_INDEX}`);
  }
  return {
    arg: a.index,
    op,
    datumA: datum(a.value, "value"),
    datumB: a.valueTwo === undefined ? 0n : datum(a.valueTwo, "valueTwo"),
  };
}

/**
 * The comparison sets to add as separate rules: all in one when every
 * argument index differs, else one rule per comparison.
 */
function ruleArgSets(args: readonly SeccompArg[] | undefined): ScmpArgCmp[][] {
  const cmps = (args ?? []).map(comparison);
  const distinct = new Set(cmps.map((c) => c.arg)).size === cmps.length;
  return distinct ? [cmps] : cmps.map((c) => [c]);
}

/** Filter flags of the OCI spec and the libseccomp attribute each one sets. */
const FLAG_ATTRIBUTES: Readonly<Record<string, number | null>> = {
  SECCOMP_FILTER_FLAG_LOG: ScmpFltAtr.CTL_LOG,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: ScmpFltAtr.CTL_SSB,
  // The filter is loaded by the one thread that then execve's, and after
  // execve that thread is the only one: synchronising threads changes nothing.
  SECCOMP_FILTER_FLAG_TSYNC: null,
};

/**
 * Checks what can be checked without libseccomp (actions, errno values,
 * operators, argument indexes and values, flags), throwing the `UserError`
 * the filter would throw, so the engine refuses a bad configuration before
 * it starts anything.
 */
export function validateSeccomp(spec: LinuxSeccomp): void {
  seccompActionValue(spec.defaultAction, spec.defaultErrnoRet);
  for (const flag of spec.flags ?? []) flagAttribute(flag);
  for (const rule of spec.syscalls ?? []) {
    if (!Array.isArray(rule.names) || rule.names.length === 0) {
      throw invalid("a syscalls entry has no names");
    }
    seccompActionValue(rule.action, rule.errnoRet);
    ruleArgSets(rule.args);
  }
}

function flagAttribute(flag: string): number | null {
  if (!Object.hasOwn(FLAG_ATTRIBUTES, flag)) throw invalid(`unknown flag ${JSON.stringify(flag)}`);
  return FLAG_ATTRIBUTES[flag];
}

/**
 * A libseccomp filter context built from an OCI `LinuxSeccomp`. Building
 * validates the whole configuration (bad input throws a `UserError` naming
 * the field), so the init can build early and `load()` last, right before
 * execve.
 */
export class SeccompFilter {
  /** Syscall names skipped because libseccomp does not know them here. */
  readonly skipped: string[] = [];
  /** Rules added (one per syscall and comparison set). */
  rules = 0;
  #ctx: ScmpFilterCtx | null;

  /** Builds the filter; throws `LibseccompMissingError` without libseccomp. */
  constructor(spec: LinuxSeccomp) {
    const defaultAction = seccompActionValue(spec.defaultAction, spec.defaultErrnoRet);
    this.#ctx = seccomp.init(defaultAction);
    try {
      this.#configure(this.#ctx, spec, defaultAction);
    } catch (e) {
      this.release();
      throw e;
    }
  }

  #configure(ctx: ScmpFilterCtx, spec: LinuxSeccomp, defaultAction: number): void {
    // The caller sets no_new_privs itself (Docker's default leaves it off);
    // libseccomp would otherwise set it on load.
    seccomp.attrSet(ctx, ScmpFltAtr.CTL_NNP, 0);
    // Report the kernel's errno from seccomp_load, not libseccomp's ECANCELED.
    seccomp.attrSet(ctx, ScmpFltAtr.API_SYSRAWRC, 1);
    for (const flag of spec.flags ?? []) {
      const attr = flagAttribute(flag);
      if (attr !== null) seccomp.attrSet(ctx, attr, 1);
    }
    for (const arch of spec.architectures ?? []) seccomp.archAdd(ctx, archToken(arch));
    for (const rule of spec.syscalls ?? []) {
      if (!Array.isArray(rule.names) || rule.names.length === 0) {
        throw invalid("a syscalls entry has no names");
      }
      const action = seccompActionValue(rule.action, rule.errnoRet);
      const argSets = ruleArgSets(rule.args);
      // libseccomp refuses a rule whose action is the default one; it would
      // change nothing anyway.
      if (action === defaultAction) continue;
      for (const name of rule.names) this.#addRule(ctx, name, action, argSets);
    }
  }

  #addRule(ctx: ScmpFilterCtx, name: string, action: number, argSets: ScmpArgCmp[][]): void {
    const nr = seccomp.syscallResolveName(name);
    if (nr === NR_SCMP_ERROR) {
      this.skipped.push(name);
      return;
    }
    for (const args of argSets) {
      try {
        seccomp.ruleAddArray(ctx, action, nr, args);
      } catch (e) {
        if (!(e instanceof SyscallError)) throw e;
        throw new SyscallError(e.call, `${name}`, e.errno);
      }
      this.rules++;
    }
  }

  /** The context, or an error once loaded or released. */
  #live(): ScmpFilterCtx {
    if (this.#ctx === null) throw new Error("seccomp filter already loaded or released");
    return this.#ctx;
  }

  /**
   * Loads the filter on the calling thread (needs no_new_privs or
   * CAP_SYS_ADMIN), then frees the context. Everything this thread and its
   * future children run is filtered from here on.
   */
  load(): void {
    seccomp.load(this.#live());
    this.release();
  }

  /** Writes the filter as libseccomp's readable pseudo-code to `fd` (for --debug and tests). */
  exportPfc(fd: number): void {
    seccomp.exportPfc(this.#live(), fd);
  }

  /** Writes the BPF program to `fd`. */
  exportBpf(fd: number): void {
    seccomp.exportBpf(this.#live(), fd);
  }

  /** Frees the context without loading it (idempotent). */
  release(): void {
    if (this.#ctx !== null) seccomp.release(this.#ctx);
    this.#ctx = null;
  }
}
