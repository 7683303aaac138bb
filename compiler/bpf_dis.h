/* bpf_dis.h - classic BPF disassembler for seccomp filters (capc --dump).
 *
 * One line per instruction: index, mnemonic, operands, and where it helps
 * a comment: the seccomp_data field a load reads, the arch an arch
 * constant names, the syscall a `jeq` on the syscall number tests (looked
 * up for the arch the program is checking at that point), the action a
 * `ret` returns. Jump targets are absolute instruction indices:
 *
 *      0: ld   [4]                          ; arch
 *      1: jeq  #0xc000003e  jt 2  jf 9      ; x86_64
 *      2: ld   [0]                          ; nr
 *      3: jeq  #0x27  jt 8  jf 4            ; getpid
 *      ...
 *      8: ret  #0x7fff0000                  ; ALLOW
 *      9: ret  #0x80000000                  ; KILL_PROCESS
 *
 * The text is stable (golden tests compare it): it depends only on the
 * instructions and on libseccomp's syscall tables.
 */
#ifndef CAPC_BPF_DIS_H
#define CAPC_BPF_DIS_H

#include <stddef.h>
#include <stdio.h>

#include "ir.h"

/* Print insns[0..n) to out, each line prefixed with indent (may be NULL).
 * Any input is accepted: unknown opcodes print as `.word`, jumps out of
 * the program are marked. */
void bpf_disassemble(FILE *out, const struct ir_insn *insns, size_t n, const char *indent);

/* The action a `ret #k` returns: "ALLOW", "ERRNO(13) EACCES", ... into buf. */
void bpf_action_name(uint32_t k, char *buf, size_t len);

#endif /* CAPC_BPF_DIS_H */
