/* seccomp.h - seccomp rules after name resolution, and BPF generation.
 *
 * sema.c turns each seccomp block into a struct sc_filter: one sc_rule per
 * (statement, syscall) pair, in source order, with @groups expanded and
 * argument names and constants resolved. seccomp.c decides what the
 * filter does (the semantics in docs/language.md, "Seccomp"):
 *
 *   - a syscall named directly in some rule is decided only by the direct
 *     rules naming it; group rules do not apply to it;
 *   - among the rules that apply to a syscall, the last matching one wins
 *     (as in OpenBSD pf); a call no rule matches gets the default action;
 *
 * then turns each syscall's rules into disjoint regions of argument
 * values (seccomp_cond.c) and writes the BPF: capc's own generator by
 * default (seccomp_bpf.c, docs/filters.md), or libseccomp's, fed with
 * pairwise disjoint libseccomp rules (it leaves overlapping rules with
 * different actions unspecified, and compares each argument once per
 * rule).
 */
#ifndef CAPC_SECCOMP_H
#define CAPC_SECCOMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "ir.h"

/* Actions: the kernel's SECCOMP_RET_* values, which libseccomp's SCMP_ACT_*
 * share. */
#define SC_ACT_ALLOW 0x7fff0000u
#define SC_ACT_LOG 0x7ffc0000u
#define SC_ACT_TRAP 0x00030000u
#define SC_ACT_ERRNO(e) (0x00050000u | ((e)&0xffffu))
#define SC_ACT_KILL_PROCESS 0x80000000u
#define SC_ACT_KILL_THREAD 0x00000000u
#define SC_ACT_IS_ERRNO(a) (((a)&0xffff0000u) == 0x00050000u)

enum sc_op {
	SC_EQ,
	SC_NE,
	SC_LT,
	SC_LE,
	SC_GT,
	SC_GE,
	SC_MASKED_EQ, /* (arg & mask) == value */
};

/* One comparison of a 64-bit argument value. */
struct sc_cmp {
	unsigned arg; /* 0..5 */
	enum sc_op op;
	uint64_t mask; /* SC_MASKED_EQ only */
	uint64_t value;
};

enum sc_expr_kind { SE_TRUE, SE_FALSE, SE_CMP, SE_AND, SE_OR, SE_NOT };
struct sc_expr {
	enum sc_expr_kind kind;
	struct sc_cmp cmp;     /* SE_CMP */
	struct sc_expr *l, *r; /* SE_AND, SE_OR: both; SE_NOT: l */
};

struct sc_rule {
	char *syscall;     /* libseccomp name */
	char *group;       /* the @group it came from, or NULL when named directly */
	struct sc_expr *cond; /* NULL: every call */
	uint32_t action;   /* SC_ACT_* */
	unsigned stmt;     /* index of the source statement in sc_filter.stmts */
	struct loc loc;    /* the name (or @group) in the source */
};

/* A source statement, for diagnostics ("rule at 5:9 can never match"). */
struct sc_stmt_info {
	struct loc loc;
	uint32_t action;
};

struct sc_index;
struct sc_filter {
	uint32_t default_action;
	struct loc default_loc;
	struct sc_rule *rules;
	size_t nrules;
	struct sc_stmt_info *stmts;
	size_t nstmts;
	/* which rules decide which syscall, built when first asked
	 * (sc_index_of in seccomp_int.h), for the rules as they are then */
	struct sc_index *index;
	size_t index_nrules;
};

/* Condition constructors (sema uses them; seccomp.c owns the trees). */
struct sc_expr *sc_expr_cmp(unsigned arg, enum sc_op op, uint64_t mask, uint64_t value);
struct sc_expr *sc_expr_bin(enum sc_expr_kind kind, struct sc_expr *l, struct sc_expr *r);
struct sc_expr *sc_expr_not(struct sc_expr *e);
struct sc_expr *sc_expr_copy(const struct sc_expr *e);
void sc_expr_free(struct sc_expr *e);
void sc_filter_free(struct sc_filter *f);
/* Same default, and the same rules (syscall, action, condition tree) in the
 * same order: the same program for any arch. Source locations and groups
 * are not compared. */
bool sc_filter_same(const struct sc_filter *a, const struct sc_filter *b);

/* What f's rules say for syscall(args), each argument compared on bits[k]
 * low bits (tbl_syscall_arg_bits): the action, and in *rule the index of
 * the deciding rule in f->rules (SIZE_MAX: the default). The reference the
 * compiled filter must agree with (capc query names the rule from it). */
uint32_t sc_decide(const struct sc_filter *f, const char *syscall, const uint64_t *args, const unsigned *bits,
		   size_t *rule);

/* Warn (through diag) about statements that can never decide anything:
 * every syscall they name is overridden by later or direct rules, or their
 * action equals what would happen anyway. Arch-independent. */
void sc_check(const struct sc_filter *f);

/* Who writes the BPF program: capc's own generator (seccomp_bpf.c, the
 * default: an optimal search tree, every unconditional allow cacheable by
 * the kernel), or libseccomp's (binary tree), kept for comparison. */
enum sc_backend { SC_BACKEND_CAPC, SC_BACKEND_LIBSECCOMP };

/* Generate the filter for one target arch into *out (malloc'ed), with
 * back end `be`. Syscalls that do not exist on the arch: a warning for
 * direct names, silence for group members (as systemd does). Reports
 * through diag and returns -1 on error: a condition too big to compile
 * (or, for libseccomp, to express in its rules), more than
 * CAPBIN_MAX_BPF_INSNS instructions, a libseccomp failure. */
int sc_generate(const struct sc_filter *f, const struct ir_arch *arch, enum sc_backend be, struct ir_prog *out);

/* A service's stages stack their filters in one process: report (an
 * error at the stage) where, for some arch, the filters so far exceed the
 * kernel's limit for all filters of a process (CAPBIN_MAX_PATH_INSNS, in
 * the runtime's model of the kernel's count: capr_bpf_kernel_len). Returns
 * -1 if it reported. Call after sc_generate() for every stage. */
struct ir_policy;
int sc_check_stack(const struct ir_policy *p);

/* Fill an ir_arch from a libseccomp ABI name list such as {"x86_64",
 * "x86"}; all must belong to one kernel arch. Returns 0 or -1 with a
 * message in errbuf. */
int sc_arch_from_names(const char *const *names, size_t n, struct ir_arch *out, char *errbuf, size_t errlen);
/* The build host's native arch with no compat ABIs. */
int sc_arch_native(struct ir_arch *out);

/* True if libseccomp knows `name` as a syscall on any architecture. */
bool sc_syscall_known(const char *name);

#endif /* CAPC_SECCOMP_H */
