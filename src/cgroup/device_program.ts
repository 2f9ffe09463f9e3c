/**
 * The cgroup v2 device controller is an eBPF program: the kernel runs a
 * BPF_PROG_TYPE_CGROUP_DEVICE program on every open and mknod of a device
 * by a task of the cgroup, and the access is allowed when it returns 1.
 * This builds that program from OCI device rules (pure; no kernel calls).
 *
 * The program reads `struct bpf_cgroup_dev_ctx` (linux/bpf.h):
 * `u32 access_type` (access bits << 16 | device type), `u32 major`,
 * `u32 minor`. The OCI rules are applied in order and the last match
 * decides, so the rules are emitted last first and the first that matches
 * returns. A request matches an allow rule when the rule grants every bit
 * asked for, and a deny rule when the rule denies any bit asked for (an
 * open for "rw" is denied by a "w" deny rule). No rule matching denies.
 *
 * Registers: r2 type, r3 access, r4 major, r5 minor, r6 scratch.
 *
 * @module
 */

import type { LinuxDeviceCgroup } from "../oci/spec.ts";
import { ACCESS_ALL, checkDeviceRule, type DeviceRule } from "./_device_rule.ts";

/** BPF_DEVCG_DEV_BLOCK and BPF_DEVCG_DEV_CHAR (linux/bpf.h). */
const DEVICE_TYPE = { b: 1, c: 2 } as const;

/** Opcodes used (linux/bpf_common.h, linux/bpf.h: class | op | source). */
export const Op = {
  /** r_dst = *(u32 *)(r_src + off) */
  LDX_W: 0x61,
  /** w_dst = w_src (32-bit: the upper half becomes 0) */
  MOV32_X: 0xbc,
  /** w_dst &= imm */
  AND32_K: 0x54,
  /** w_dst >>= imm */
  RSH32_K: 0x74,
  /** r_dst = imm */
  MOV64_K: 0xb7,
  /** if r_dst != imm goto pc + off */
  JNE_K: 0x55,
  /** if r_dst != r_src goto pc + off */
  JNE_X: 0x5d,
  /** if r_dst == imm goto pc + off */
  JEQ_K: 0x15,
  EXIT: 0x95,
} as const;

/** One eBPF instruction. */
export interface Instruction {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

const insn = (code: number, dst: number, src: number, off: number, imm: number): Instruction => ({
  code,
  dst,
  src,
  off,
  imm,
});

/** Loads the context (r1) into r2..r5. */
const PROLOGUE: readonly Instruction[] = [
  insn(Op.LDX_W, 2, 1, 0, 0), // access_type
  insn(Op.MOV32_X, 3, 2, 0, 0),
  insn(Op.RSH32_K, 3, 0, 0, 16), // r3 = access
  insn(Op.AND32_K, 2, 0, 0, 0xffff), // r2 = type
  insn(Op.LDX_W, 4, 1, 4, 0), // major
  insn(Op.LDX_W, 5, 1, 8, 0), // minor
];

/**
 * One rule: tests that jump past the block when the request does not
 * match (the offsets filled in once the block's length is known), then
 * return the rule's verdict.
 */
function ruleBlock(rule: DeviceRule): Instruction[] {
  const SKIP = 0; // placeholder offset
  const tests: Instruction[] = [];
  if (rule.type !== "a") tests.push(insn(Op.JNE_K, 2, 0, SKIP, DEVICE_TYPE[rule.type]));
  if (rule.access !== ACCESS_ALL) {
    tests.push(insn(Op.MOV32_X, 6, 3, 0, 0), insn(Op.AND32_K, 6, 0, 0, rule.access));
    // allow: every bit asked for is granted; deny: some bit asked for is denied.
    tests.push(rule.allow ? insn(Op.JNE_X, 6, 3, SKIP, 0) : insn(Op.JEQ_K, 6, 0, SKIP, 0));
  }
  if (rule.major !== "*") tests.push(insn(Op.JNE_K, 4, 0, SKIP, rule.major));
  if (rule.minor !== "*") tests.push(insn(Op.JNE_K, 5, 0, SKIP, rule.minor));
  const block = [
    ...tests,
    insn(Op.MOV64_K, 0, 0, 0, rule.allow ? 1 : 0),
    insn(Op.EXIT, 0, 0, 0, 0),
  ];
  return block.map((ins, i) =>
    ins.code === Op.JNE_K || ins.code === Op.JNE_X || ins.code === Op.JEQ_K
      ? { ...ins, off: block.length - i - 1 }
      : ins
  );
}

/**
 * The program's instructions for `rules` (OCI order, last match wins).
 * Rules before one that matches every request can never decide and are
 * left out (the verifier refuses unreachable instructions).
 */
export function deviceProgramInstructions(rules: readonly LinuxDeviceCgroup[]): Instruction[] {
  const out = [...PROLOGUE];
  const checked = rules.map(checkDeviceRule);
  for (let i = checked.length - 1; i >= 0; i--) {
    const block = ruleBlock(checked[i]);
    out.push(...block);
    if (block.length === 2) return out; // matches everything: nothing after it runs
  }
  out.push(insn(Op.MOV64_K, 0, 0, 0, 0), insn(Op.EXIT, 0, 0, 0, 0));
  return out;
}

/** `instructions` in the kernel's encoding: 8 bytes each, little-endian. */
export function encodeInstructions(instructions: readonly Instruction[]): Uint8Array {
  const bytes = new Uint8Array(instructions.length * 8);
  const view = new DataView(bytes.buffer);
  instructions.forEach((ins, i) => {
    view.setUint8(i * 8, ins.code);
    view.setUint8(i * 8 + 1, (ins.src << 4) | ins.dst);
    view.setInt16(i * 8 + 2, ins.off, true);
    view.setInt32(i * 8 + 4, ins.imm, true);
  });
  return bytes;
}

/** The BPF_PROG_TYPE_CGROUP_DEVICE program for `rules`, ready for bpf(BPF_PROG_LOAD). */
export function deviceProgram(rules: readonly LinuxDeviceCgroup[]): Uint8Array {
  return encodeInstructions(deviceProgramInstructions(rules));
}
