/* bpf_run.h - a seccomp filter run the way the kernel runs it (bpf_run.c). */
#ifndef CAPC_BPF_RUN_H
#define CAPC_BPF_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ir.h"

#define BPF_DATA_LEN 64 /* sizeof(struct seccomp_data) */

/* What the kernel hands a filter (struct seccomp_data), in host values. */
struct bpf_input {
	int32_t nr;
	uint32_t arch; /* AUDIT_ARCH_* */
	uint64_t ip;
	uint64_t args[6];
};

struct bpf_result {
	uint32_t action; /* the SECCOMP_RET_* value returned */
	size_t ret_at;   /* the index of the return instruction */
	size_t steps;    /* instructions executed */
};

/* Run one program on in, laid out little- or big-endian (the target's
 * order). false: not a valid seccomp program for this input. */
bool bpf_run(const struct ir_insn *p, size_t n, const struct bpf_input *in, bool little_endian,
	     struct bpf_result *out);

/* Filters stacked in one process (progs[0] installed first): the action
 * the kernel takes, by its precedence; *decider (may be NULL) is the index
 * of the filter whose result it is. */
bool bpf_run_stack(const struct ir_prog *const *progs, size_t nprogs, const struct bpf_input *in,
		   bool little_endian, uint32_t *action, size_t *decider);

/* Would the kernel's action cache (Linux 5.11+) mark syscall nr of arch
 * as always allowed by this program, so that it is not run for it? The
 * kernel's own emulation, instruction for instruction. Byte order does
 * not matter: only nr and arch are known to it. */
bool bpf_const_allow(const struct ir_insn *p, size_t n, uint32_t arch, uint32_t nr);

#endif /* CAPC_BPF_RUN_H */
