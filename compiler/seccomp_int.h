/* seccomp_int.h - what the seccomp*.c files and the disassembler share.
 *
 *   seccomp.c       the rule model: expressions, which rules decide which
 *                   syscall (sc_index), sc_check's warnings
 *   seccomp_arch.c  the architectures and ABIs libseccomp knows
 *   seccomp_cond.c  conditions as sets of argument values, and their
 *                   lowering to regions (capc's generator) or to pairwise
 *                   disjoint libseccomp rules
 *   seccomp_gen.c   sc_generate: each ABI's syscalls planned and lowered,
 *                   then handed to a back end: libseccomp's (contexts,
 *                   export) or capc's own
 *   seccomp_bpf.c   capc's BPF generator (with bpf_tree.c, bpf_asm.c)
 *
 * Nothing outside compiler/seccomp*.c and compiler/bpf_dis.c includes this.
 */
#ifndef CAPC_SECCOMP_INT_H
#define CAPC_SECCOMP_INT_H

#include <seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "seccomp.h"

#define SC_NARGS 6

/* A syscall's libseccomp rules beyond this are an error: every rule costs
 * instructions, and a condition that needs this many is a mistake. */
#define SC_MAX_LRULES_PER_SYSCALL 1024

/* ---------------------------------------------------------------- seccomp.c */

/* The rules that name one syscall. */
struct sc_sysent {
	const char *name;
	const size_t *rules; /* indices into sc_filter.rules naming it, source order */
	size_t nrules;
	bool has_direct;     /* some rule names it directly: group rules do not apply */
};

/* Every syscall the filter names, sorted by name. */
struct sc_index {
	struct sc_sysent *v;
	size_t n;
	size_t *pool;
};

int sc_index_build(const struct sc_filter *f, struct sc_index *ix);
/* The filter's index, built once and kept with it (checks, generation for
 * each arch and every `expect` ask the same question); NULL when out of
 * memory. Rebuilt if rules were added since. */
const struct sc_index *sc_index_of(const struct sc_filter *f);
void sc_index_free(struct sc_index *ix);
const struct sc_sysent *sc_index_find(const struct sc_index *ix, const char *name);
/* Does rule r (an index in e->rules' filter) decide e's syscall? */
bool sc_rule_applies(const struct sc_filter *f, const struct sc_sysent *e, size_t r);
/* Known SECCOMP_RET_* value (the ones the language can write). */
bool sc_action_valid(uint32_t action);

/* ---------------------------------------------------------------- seccomp_arch.c */

struct sc_abi {
	const char *name;     /* libseccomp's name: "x86_64", "x86", "x32", ... */
	uint32_t token;       /* SCMP_ARCH_* */
	uint32_t audit_arch;  /* AUDIT_ARCH_* its tasks report (x32: x86_64's) */
	unsigned width;       /* argument width libseccomp compares: 32 or 64 */
	const char *host;     /* the 64-bit kernel arch it is a compat ABI of, or NULL */
	uint32_t role;        /* CAPBIN_ABI_COMPAT or CAPBIN_ABI_X32 under `host` */
};

const struct sc_abi *sc_abi_by_name(const char *name);
const struct sc_abi *sc_abi_by_token(uint32_t token);
/* The ABI whose tasks report `audit_arch` natively (x86_64 for
 * 0xc000003e, never x32), or NULL. */
const struct sc_abi *sc_abi_by_audit(uint32_t audit_arch);
/* Little-endian arch (the kernel's __AUDIT_ARCH_LE bit). */
bool sc_audit_arch_le(uint32_t audit_arch);

/* ---------------------------------------------------------------- seccomp_cond.c */

/* One input rule of a syscall, in source order. */
struct sc_lin {
	const struct sc_expr *cond; /* NULL: every call */
	uint32_t action;
	/* Calls this matches are decided elsewhere (socketcall(SYS_SOCKET, ...)
	 * by the rules for socket): it hides earlier rules and emits nothing. */
	bool excluded;
};

/* A set of values of one argument, as the lowering computes it: the
 * argument's low bits (sc_sets.max) lie in iv (NULL: any value) and pass
 * the mask test. */
struct sc_ival {
	uint64_t lo, hi;
};

struct sc_argset {
	const struct sc_ival *iv; /* sorted, disjoint, not adjacent; never [0, max] */
	uint32_t niv;
	uint64_t mask, val;       /* (arg & mask) == val, val within mask; mask 0: none */
};

/* Every argument in its set. */
struct sc_conj {
	struct sc_argset a[SC_NARGS];
};

/* One libseccomp rule: every comparison must hold. */
struct sc_lrule {
	uint32_t action;
	unsigned ncmp;
	struct scmp_arg_cmp cmp[SC_NARGS];
};

struct sc_lout {
	struct sc_lrule *v;
	size_t n;
};

enum sc_lower_status {
	SC_LOWER_OK = 0,
	SC_LOWER_TOO_MANY,  /* more than SC_MAX_LRULES_PER_SYSCALL; count in *count */
	SC_LOWER_COMPLEX,   /* a condition's normal form grew too big */
	SC_LOWER_INVALID,   /* malformed condition (bad argument index or operator) */
	SC_LOWER_NOMEM,
};

/* Lower one syscall's rules (last match wins, `def` when none matches)
 * into pairwise disjoint libseccomp rules with actions other than `def`.
 * width: the bits libseccomp compares on this ABI (32 or 64); bits[k]: the
 * bits the kernel reads of argument k (0 or NULL: width). On failure
 * *culprit is the input rule to blame and, for SC_LOWER_TOO_MANY, *count
 * the number of rules needed. */
enum sc_lower_status sc_lower(const struct sc_lin *in, size_t n, uint32_t def, unsigned width,
			      const unsigned *bits, struct sc_lout *out, size_t *culprit, size_t *count);
void sc_lout_free(struct sc_lout *out);

/* The same decision as sets, for capc's own BPF back end (seccomp_bpf.c):
 * per action, the union of conjunctions where it decides; the regions of
 * different actions are disjoint and cover every call (`def` included,
 * where no rule decides). No rules at all: no regions (all `def`). max[k] is the largest value of argument k (2^bits - 1):
 * what the kernel reads of it, and all a test may look at. */
struct sc_region {
	uint32_t action;
	const struct sc_conj *v;
	size_t n;
};

struct sc_sets {
	struct sc_region *reg;
	size_t nreg;
	uint64_t max[SC_NARGS];
	void *mem; /* everything above lives here */
};

enum sc_lower_status sc_lower_sets(const struct sc_lin *in, size_t n, uint32_t def, unsigned width,
				   const unsigned *bits, struct sc_sets *out, size_t *culprit);
void sc_sets_free(struct sc_sets *s);
/* The action whatever the arguments (*action), or false when the
 * arguments decide. NULL s: def. */
bool sc_sets_constant(const struct sc_sets *s, uint32_t def, uint32_t *action);

/* ---------------------------------------------------------------- seccomp_bpf.c */

/* One syscall number's decision on one ABI. */
struct sc_call {
	uint32_t nr;                /* as seccomp_data.nr: x32 numbers with their bit */
	const struct sc_sets *sets; /* NULL or no regions: the default action */
};

/* An ABI's calls, sorted by number, each number once. */
struct sc_abi_calls {
	const struct sc_abi *abi;
	const struct sc_call *v;
	size_t n;
};

/* The filter for a target's ABIs (abis[0] the native one, at most 3),
 * with `def` for calls no rule decides and kill-process for other ABIs,
 * into *out (malloc'ed). Out of memory ends capc (xalloc.h). The caller
 * checks the length. */
void sc_bpf_generate(const struct sc_abi_calls *abis, size_t nabi, uint32_t def, struct ir_prog *out);

#endif /* CAPC_SECCOMP_INT_H */
