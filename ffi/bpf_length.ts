/**
 * The length of a BPF program (classic or eBPF: 8 bytes an instruction)
 * as messages print it: a whole count of instructions, or the byte count
 * when the bytes are no whole number of instructions.
 *
 * @module
 */

/** `"12 instructions"`, or `"7 bytes, not whole 8-byte instructions"`. */
export function bpfLength(program: Uint8Array): string {
  const n = program.length;
  if (n % 8 !== 0) return `${n} bytes, not whole 8-byte instructions`;
  return `${n / 8} instruction${n === 8 ? "" : "s"}`;
}
