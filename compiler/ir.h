/* ir.h - the compiler's resolved form of one service or session.
 *
 * sema.c builds it from the syntax tree: every name resolved, every
 * capability statement folded into the and/or masks of its stage, the
 * seccomp rules expanded per syscall (seccomp.h). seccomp.c fills in the
 * BPF programs and emit.c writes the result as a .capbin (capbin.h). The
 * fields mirror struct capbin_stage one to one on purpose: what the dump
 * prints is what the runtime applies.
 */
#ifndef CAPC_IR_H
#define CAPC_IR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capbin.h"
#include "diag.h"

struct sc_filter; /* seccomp.h */

/* A BPF program as the kernel wants it (struct sock_filter layout, host
 * byte order); emit.c converts to little-endian. */
struct ir_insn {
	uint16_t code;
	uint8_t jt;
	uint8_t jf;
	uint32_t k;
};
struct ir_prog {
	struct ir_insn *insns;
	size_t n;
};

struct ir_id {
	char *name;  /* NULL: numeric */
	uint32_t id; /* CAPBIN_ID_NONE when name != NULL; CAPBIN_ID_USER_PRIMARY allowed for group */
};

/* One target kernel architecture and the ABIs its filter accepts. */
struct ir_arch {
	uint32_t audit_arch;   /* AUDIT_ARCH_*, as in struct capbin_arch */
	uint32_t abis;         /* enum capbin_abi */
	uint32_t scmp_arch[3]; /* libseccomp arch tokens, native first */
	size_t nscmp;
	const char *name;      /* libseccomp's name of the native ABI, e.g. "x86_64" */
};

/* `expect NAME(ARGS) ACTION` in a stage's seccomp block: what the filters
 * in force after that stage must decide for the call (compiler/expect.c). */
struct ir_expect {
	char *syscall;
	uint64_t args[6];
	unsigned nargs;
	uint32_t action;
	struct loc loc;
};

struct ir_stage {
	char *point;      /* "exec", a point name, or "session" */
	struct loc loc;   /* where the stage is written (after, service, rule) */
	uint16_t trigger; /* enum capbin_trigger */
	uint32_t flags;   /* enum capbin_stage_flag */
	uint32_t securebits, securebits_mask;
	uint32_t seccomp_flags;
	uint64_t bounding;
	uint64_t prm_and, prm_or;
	uint64_t eff_and, eff_or;
	uint64_t inh_and, inh_or;
	uint64_t amb_and, amb_or;
	struct ir_id user, group;
	struct ir_id *groups;
	size_t ngroups;
	struct sc_filter *filter;                /* NULL: no seccomp */
	struct ir_prog progs[CAPBIN_MAX_ARCHES]; /* one per ir_policy.arches[i], filled by seccomp.c */
	struct ir_expect *expects;
	size_t nexpects;
};

struct ir_rule {
	uint16_t kind; /* enum capbin_rule_kind */
	struct ir_id who;
	size_t stage;
};

struct ir_policy {
	uint32_t kind; /* enum capbin_kind */
	char *name;
	struct ir_arch arches[CAPBIN_MAX_ARCHES];
	size_t narch;
	struct ir_stage *stages;
	size_t nstages;
	struct ir_rule *rules;
	size_t nrules;
};

void ir_free(struct ir_policy *p);
/* Frees what one stage owns and zeroes it. */
void ir_stage_free(struct ir_stage *s);

/* emit.c: serialize to a malloc'ed buffer; deterministic (same policy,
 * same bytes). Returns 0, or -1 with a message in errbuf. */
int emit_blob(const struct ir_policy *p, uint8_t **out, size_t *outlen, char *errbuf, size_t errlen);

#endif /* CAPC_IR_H */
