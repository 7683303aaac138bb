/* expect.h - what a policy's compiled filters decide for one call: the
 * `expect` lines of a policy, and capc query (expect.c). */
#ifndef CAPC_EXPECT_H
#define CAPC_EXPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ir.h"

struct expect_result {
	int nr;            /* the syscall's number on the arch's native ABI */
	uint32_t action;   /* what the kernel would do */
	size_t decider;    /* the stage whose filter decided it */
	bool filtered;     /* some filter is in force at that point */
};

/* The call syscall(args) made by a process that has entered stages
 * 0..stage, on p->arches[arch]'s native ABI, run through every filter in
 * force (stacked as the kernel stacks them) in capc's BPF interpreter.
 * 0, 1 when the syscall does not exist on that ABI, -1 on an invalid
 * program. */
int expect_eval(const struct ir_policy *p, size_t stage, size_t arch, const char *syscall, const uint64_t *args,
		struct expect_result *out);
/* The same through the arch's ABI abi (an index into scmp_arch: 0 is
 * native, then x86 or x32 on x86_64). */
int expect_eval_abi(const struct ir_policy *p, size_t stage, size_t arch, size_t abi, const char *syscall,
		    const uint64_t *args, struct expect_result *out);

/* Check every `expect` line: an error at the line for each arch where the
 * filters decide otherwise. */
void expect_check(const struct ir_policy *p);

#endif /* CAPC_EXPECT_H */
