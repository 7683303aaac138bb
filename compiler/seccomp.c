/* seccomp.c - what a seccomp block means, and checks on it.
 *
 * Semantics (docs/language.md, "Seccomp", is written from this):
 *
 * Rules. sema hands us the block as a default action and a list of rules
 * in source order, one per (statement, syscall): `allow read, write` is two
 * rules, `allow @basic-io` one rule per member of the group.
 *
 * Which rules decide a syscall. A syscall named directly in some rule is
 * decided only by the rules naming it directly; rules that reach it through
 * a @group do not apply to it, wherever they are. So
 *     allow @system-service
 *     allow socket(domain == AF_INET || domain == AF_UNIX)
 * restricts socket to those domains: other domains get the default action,
 * although @system-service contains socket. A syscall only reached through
 * groups is decided by all of those group rules.
 *
 * Last match wins. Among the rules that decide a syscall, the last one
 * whose condition holds for the call decides it (as in OpenBSD pf). A call
 * that no rule matches gets the default action. A rule without a condition
 * matches every call, so it hides every rule before it for that syscall.
 *
 * Conditions compare the syscall's raw 64-bit argument values (what the
 * kernel hands seccomp: the registers) with constants, unsigned: ==, !=,
 * <, <=, >, >=, (arg & mask) == value, combined with &&, || and !.
 * Negative constants are sign-extended to 64 bits (sema does that), so
 * `fd == -100` is 0xffffffffffffff9c. On 32-bit ABIs (x86, arm, x32, ...)
 * libseccomp compares the low 32 bits of the argument, so there every
 * constant and mask is cut to its low 32 bits as well (-100 stays
 * AT_FDCWD) and the comparisons are over 0..0xffffffff.
 *
 * Any condition can be compiled: see seccomp_cond.c for how ranges become
 * libseccomp rules. The limits are on size: at most 1024 libseccomp rules
 * per syscall, and at most 4096 BPF instructions per filter (the kernel's
 * BPF_MAXINSNS); exceeding either is an error naming the syscall or the
 * arch. What costs rules: a range bounded on both sides
 * (fd >= 3 && fd <= 100000 is 21 aligned blocks), a range or != on an
 * argument that several of the syscall's rules compare (libseccomp gets
 * those wrong, so they are split into values or blocks as well), and
 * alternatives on several arguments, which multiply (the range above on
 * three arguments at once needs 21^3 and is refused). One-sided ranges,
 * != and mask tests on an argument only one rule compares, and lists of
 * values, are cheap.
 *
 * Architectures (seccomp_arch.c). A filter is built for one kernel
 * architecture and the ABIs listed for it; calls from any other ABI (i386
 * through int $0x80, x32 numbers on x86_64) kill the process. A syscall
 * that does not exist on any listed ABI is skipped: a warning when it was
 * named directly, silently when a group brought it (groups list syscalls
 * of every arch, as systemd's do).
 *
 * Multiplexed calls. On x86, s390, ppc and mips o32, libseccomp also
 * filters the socket calls (socket, connect, ...) at socketcall(call, args)
 * and the SysV IPC calls at ipc(call, ...), by the call number in the first
 * argument. There a call such as socketcall(SYS_SOCKET, ...) is decided by
 * the rules for socket when the filter has any; socketcall's own rules then
 * decide only the calls no such syscall claims. The multiplexed syscall's
 * arguments live in memory where seccomp cannot read them, so a condition
 * on such a syscall for such an ABI is an error. (ipc() calls with version
 * bits in the call number are not recognised as the call they carry, just
 * as libseccomp does not: they are decided by the rules for ipc.)
 *
 * Checks (sc_check): a statement is reported when it can never decide
 * anything: each syscall it names is decided by later unconditional rules
 * (any action: they match first), or by direct rules when the statement
 * names it through a group; or its action is the default action and no
 * earlier rule with another action could match first (nothing to
 * override). A group rule that only some direct rules override is not
 * reported: overriding parts of groups is what they are for.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seccomp_int.h"

/* ---------------------------------------------------------------- expressions */

struct sc_expr *sc_expr_cmp(unsigned arg, enum sc_op op, uint64_t mask, uint64_t value)
{
	struct sc_expr *e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	e->kind = SE_CMP;
	e->cmp.arg = arg;
	e->cmp.op = op;
	e->cmp.mask = mask;
	e->cmp.value = value;
	return e;
}

/* SE_AND/SE_OR take both operands; a NULL one is an earlier allocation
 * failure, so the other is freed and NULL returned. SE_TRUE/SE_FALSE make
 * a constant (operands freed), SE_NOT negates l. */
struct sc_expr *sc_expr_bin(enum sc_expr_kind kind, struct sc_expr *l, struct sc_expr *r)
{
	struct sc_expr *e;
	switch (kind) {
	case SE_AND:
	case SE_OR:
		if (!l || !r)
			break;
		e = calloc(1, sizeof *e);
		if (!e)
			break;
		e->kind = kind;
		e->l = l;
		e->r = r;
		return e;
	case SE_NOT:
		sc_expr_free(r);
		return sc_expr_not(l);
	case SE_TRUE:
	case SE_FALSE:
		sc_expr_free(l);
		sc_expr_free(r);
		e = calloc(1, sizeof *e);
		if (e)
			e->kind = kind;
		return e;
	default:
		break;
	}
	sc_expr_free(l);
	sc_expr_free(r);
	return NULL;
}

struct sc_expr *sc_expr_not(struct sc_expr *x)
{
	if (!x)
		return NULL;
	struct sc_expr *e = calloc(1, sizeof *e);
	if (!e) {
		sc_expr_free(x);
		return NULL;
	}
	e->kind = SE_NOT;
	e->l = x;
	return e;
}

/* Iterative: `in { ... }` with many values is a deep chain. */
struct sc_expr *sc_expr_copy(const struct sc_expr *src)
{
	struct todo {
		const struct sc_expr *from;
		struct sc_expr **to;
	} *st = NULL;
	size_t n = 0, cap = 0;
	struct sc_expr *root = NULL;
	bool ok = true;
	if (!src)
		return NULL;
	st = malloc(16 * sizeof *st);
	if (!st)
		return NULL;
	cap = 16;
	st[n++] = (struct todo){ src, &root };
	while (n && ok) {
		struct todo t = st[--n];
		struct sc_expr *c = malloc(sizeof *c);
		if (!c) {
			ok = false;
			break;
		}
		*c = *t.from;
		c->l = c->r = NULL;
		*t.to = c;
		if (n + 2 > cap) {
			struct todo *ns = realloc(st, cap * 2 * sizeof *ns);
			if (!ns) {
				ok = false;
				break;
			}
			st = ns;
			cap *= 2;
		}
		if (t.from->r)
			st[n++] = (struct todo){ t.from->r, &c->r };
		if (t.from->l)
			st[n++] = (struct todo){ t.from->l, &c->l };
	}
	free(st);
	if (!ok) {
		sc_expr_free(root);
		return NULL;
	}
	return root;
}

/* Without recursion or a stack: rotate left subtrees to the right until
 * the node to free has no left child. */
void sc_expr_free(struct sc_expr *e)
{
	while (e) {
		if (e->l) {
			struct sc_expr *l = e->l;
			e->l = l->r;
			l->r = e;
			e = l;
		} else {
			struct sc_expr *r = e->r;
			free(e);
			e = r;
		}
	}
}

static bool expr_same(const struct sc_expr *a, const struct sc_expr *b)
{
	/* Conditions are trees of bounded depth (sema's limit), but a long
	 * `in { }` is a chain: walk right children in a loop. */
	for (;;) {
		if (!a || !b)
			return a == b;
		if (a->kind != b->kind)
			return false;
		if (a->kind == SE_CMP)
			return a->cmp.arg == b->cmp.arg && a->cmp.op == b->cmp.op && a->cmp.mask == b->cmp.mask &&
			       a->cmp.value == b->cmp.value;
		if (!expr_same(a->l, b->l))
			return false;
		a = a->r;
		b = b->r;
	}
}

bool sc_filter_same(const struct sc_filter *a, const struct sc_filter *b)
{
	if (a->default_action != b->default_action || a->nrules != b->nrules)
		return false;
	for (size_t i = 0; i < a->nrules; i++) {
		const struct sc_rule *x = &a->rules[i], *y = &b->rules[i];
		if (x->action != y->action || strcmp(x->syscall, y->syscall) != 0 || !expr_same(x->cond, y->cond))
			return false;
	}
	return true;
}

void sc_filter_free(struct sc_filter *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->nrules; i++) {
		free(f->rules[i].syscall);
		free(f->rules[i].group);
		sc_expr_free(f->rules[i].cond);
	}
	free(f->rules);
	free(f->stmts);
	if (f->index) {
		sc_index_free(f->index);
		free(f->index);
	}
	free(f);
}

bool sc_action_valid(uint32_t a)
{
	return a == SC_ACT_ALLOW || a == SC_ACT_LOG || a == SC_ACT_TRAP || SC_ACT_IS_ERRNO(a) ||
	       a == SC_ACT_KILL_PROCESS || a == SC_ACT_KILL_THREAD;
}

/* ---------------------------------------------------------------- which rules decide which syscall */

static int by_name_then_order(const void *a, const void *b, void *ctx)
{
	const struct sc_filter *f = ctx;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = strcmp(f->rules[x].syscall, f->rules[y].syscall);
	if (c)
		return c;
	return x < y ? -1 : x > y;
}

const struct sc_sysent *sc_index_find(const struct sc_index *ix, const char *name)
{
	size_t lo = 0, hi = ix->n;
	while (name && lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, ix->v[mid].name);
		if (c == 0)
			return &ix->v[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

int sc_index_build(const struct sc_filter *f, struct sc_index *ix)
{
	memset(ix, 0, sizeof *ix);
	if (f->nrules == 0)
		return 0;
	ix->pool = malloc(f->nrules * sizeof *ix->pool);
	ix->v = malloc(f->nrules * sizeof *ix->v);
	if (!ix->pool || !ix->v) {
		sc_index_free(ix);
		return -1;
	}
	size_t n = 0;
	for (size_t i = 0; i < f->nrules; i++)
		if (f->rules[i].syscall)
			ix->pool[n++] = i;
	qsort_r(ix->pool, n, sizeof *ix->pool, by_name_then_order, (void *)f);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		struct sc_sysent *e = &ix->v[ix->n++];
		e->name = f->rules[ix->pool[i]].syscall;
		e->rules = &ix->pool[i];
		e->has_direct = false;
		while (j < n && strcmp(f->rules[ix->pool[j]].syscall, e->name) == 0) {
			if (!f->rules[ix->pool[j]].group)
				e->has_direct = true;
			j++;
		}
		e->nrules = j - i;
		i = j;
	}
	return 0;
}

const struct sc_index *sc_index_of(const struct sc_filter *f)
{
	/* a cache of what the rules say, not a change to them: the one
	 * place a const filter is written */
	struct sc_filter *w = (struct sc_filter *)f;
	if (w->index && w->index_nrules == f->nrules)
		return w->index;
	if (w->index) {
		sc_index_free(w->index);
		free(w->index);
		w->index = NULL;
	}
	struct sc_index *ix = malloc(sizeof *ix);
	if (!ix || sc_index_build(f, ix) < 0) {
		free(ix);
		return NULL;
	}
	w->index = ix;
	w->index_nrules = f->nrules;
	return ix;
}

void sc_index_free(struct sc_index *ix)
{
	free(ix->v);
	free(ix->pool);
	memset(ix, 0, sizeof *ix);
}

bool sc_rule_applies(const struct sc_filter *f, const struct sc_sysent *e, size_t r)
{
	return !e->has_direct || !f->rules[r].group;
}

/* ---------------------------------------------------------------- what the rules say */

static bool ev(const struct sc_expr *e, const uint64_t *args, const uint64_t *max)
{
	switch (e->kind) {
	case SE_TRUE:
		return true;
	case SE_FALSE:
		return false;
	case SE_NOT:
		return !ev(e->l, args, max);
	case SE_AND:
		return ev(e->l, args, max) && ev(e->r, args, max);
	case SE_OR:
		return ev(e->l, args, max) || ev(e->r, args, max);
	case SE_CMP: {
		unsigned k = e->cmp.arg < SC_NARGS ? e->cmp.arg : 0;
		uint64_t a = args[k] & max[k], v = e->cmp.value & max[k];
		switch (e->cmp.op) {
		case SC_EQ: return a == v;
		case SC_NE: return a != v;
		case SC_LT: return a < v;
		case SC_LE: return a <= v;
		case SC_GT: return a > v;
		case SC_GE: return a >= v;
		case SC_MASKED_EQ: return (a & e->cmp.mask & max[k]) == v;
		}
		return false;
	}
	}
	return false;
}

uint32_t sc_decide(const struct sc_filter *f, const char *syscall, const uint64_t *args, const unsigned *bits,
		   size_t *rule)
{
	uint64_t max[SC_NARGS];
	uint32_t action = f->default_action;

	*rule = SIZE_MAX;
	for (unsigned k = 0; k < SC_NARGS; k++)
		max[k] = bits[k] >= 64 ? UINT64_MAX : ((uint64_t)1 << bits[k]) - 1;
	const struct sc_index *ix = sc_index_of(f);
	if (!ix)
		return action;
	const struct sc_sysent *e = sc_index_find(ix, syscall);
	for (size_t i = 0; e && i < e->nrules; i++) {
		size_t r = e->rules[i];
		if (!sc_rule_applies(f, e, r) || (f->rules[r].cond && !ev(f->rules[r].cond, args, max)))
			continue;
		action = f->rules[r].action; /* the last match wins */
		*rule = r;
	}
	return action;
}

/* ---------------------------------------------------------------- checks */

static bool unconditional(const struct sc_rule *r)
{
	return !r->cond || r->cond->kind == SE_TRUE;
}

/* How the language writes an action (one place to keep in step with the
 * grammar). */
static void action_text(uint32_t a, char *buf, size_t len)
{
	if (SC_ACT_IS_ERRNO(a)) {
		const char *name = strerrorname_np((int)(a & 0xffff));
		if (name)
			snprintf(buf, len, "'deny' with errno %s", name);
		else
			snprintf(buf, len, "'deny' with errno %u", a & 0xffff);
		return;
	}
	const char *s = a == SC_ACT_ALLOW ? "allow"
			: a == SC_ACT_LOG ? "log"
			: a == SC_ACT_TRAP ? "trap"
			: a == SC_ACT_KILL_PROCESS ? "kill"
			: a == SC_ACT_KILL_THREAD ? "kill_thread"
						  : "unknown action";
	snprintf(buf, len, "'%s'", s);
}

enum dead { LIVE, DEAD_DIRECT, DEAD_LATER, DEAD_DEFAULT };

static const struct loc *stmt_loc(const struct sc_filter *f, size_t rule)
{
	unsigned s = f->rules[rule].stmt;
	return s < f->nstmts ? &f->stmts[s].loc : &f->rules[rule].loc;
}

void sc_check(const struct sc_filter *f)
{
	const struct sc_index *ix;
	if (!f || f->nrules == 0)
		return;
	enum dead *why = calloc(f->nrules, sizeof *why);
	size_t *by = calloc(f->nrules, sizeof *by);
	size_t *app = malloc(f->nrules * sizeof *app);
	if (!why || !by || !app || !(ix = sc_index_of(f))) {
		free(why);
		free(by);
		free(app);
		diag_fatal_noloc("out of memory");
		return;
	}

	for (size_t k = 0; k < ix->n; k++) {
		const struct sc_sysent *e = &ix->v[k];
		size_t na = 0, first_direct = 0;
		bool seen_direct = false;
		for (size_t i = 0; i < e->nrules; i++) {
			size_t r = e->rules[i];
			if (sc_rule_applies(f, e, r)) {
				app[na++] = r;
				if (!seen_direct && !f->rules[r].group) {
					first_direct = r;
					seen_direct = true;
				}
			}
		}
		for (size_t i = 0; i < e->nrules; i++) {
			size_t r = e->rules[i];
			if (!sc_rule_applies(f, e, r)) {
				why[r] = DEAD_DIRECT;
				by[r] = first_direct;
			}
		}
		/* a later unconditional rule matches first */
		bool later = false;
		size_t later_at = 0;
		for (size_t i = na; i-- > 0;) {
			size_t r = app[i];
			if (later) {
				why[r] = DEAD_LATER;
				by[r] = later_at;
			}
			if (unconditional(&f->rules[r])) {
				later = true;
				later_at = r;
			}
		}
		/* the default action, and nothing that could match first
		 * (the rules since the last unconditional one, which is
		 * included) has another action: keep that window's actions
		 * as "none", "all act", or "several" */
		bool wempty = true, wmulti = false;
		uint32_t wact = 0;
		for (size_t i = 0; i < na; i++) {
			size_t r = app[i];
			uint32_t act = f->rules[r].action;
			if (why[r] == LIVE && act == f->default_action && (wempty || (!wmulti && wact == act)))
				why[r] = DEAD_DEFAULT;
			if (unconditional(&f->rules[r]) || wempty) {
				wempty = false;
				wmulti = false;
				wact = act;
			} else if (act != wact) {
				wmulti = true;
			}
		}
	}

	/* Report per statement, in source order, when all its rules are dead. */
	size_t *order = app; /* reuse: rule indices grouped by statement */
	size_t nstmts = f->nstmts;
	size_t *start = calloc(nstmts + 1, sizeof *start);
	if (!start) {
		diag_fatal_noloc("out of memory");
		goto out;
	}
	for (size_t r = 0; r < f->nrules; r++)
		if (f->rules[r].stmt < nstmts && f->rules[r].syscall)
			start[f->rules[r].stmt + 1]++;
	for (size_t s = 0; s < nstmts; s++)
		start[s + 1] += start[s];
	{
		size_t *fill = calloc(nstmts + 1, sizeof *fill);
		if (!fill) {
			free(start);
			diag_fatal_noloc("out of memory");
			goto out;
		}
		for (size_t r = 0; r < f->nrules; r++) {
			unsigned s = f->rules[r].stmt;
			if (s < nstmts && f->rules[r].syscall)
				order[start[s] + fill[s]++] = r;
		}
		free(fill);
	}
	for (size_t s = 0; s < nstmts; s++) {
		size_t lo = start[s], hi = start[s + 1];
		if (lo == hi)
			continue;
		bool all_dead = true, all_default = true;
		size_t example = SIZE_MAX;
		for (size_t i = lo; i < hi; i++) {
			size_t r = order[i];
			all_dead &= why[r] != LIVE;
			all_default &= why[r] == DEAD_DEFAULT;
			if (example == SIZE_MAX && (why[r] == DEAD_LATER || why[r] == DEAD_DIRECT))
				example = r;
		}
		if (!all_dead)
			continue;
		const struct loc *at = stmt_loc(f, order[lo]);
		if (all_default) {
			char act[96];
			action_text(f->default_action, act, sizeof act);
			diag_warning(at, "rule has no effect: %s is the default action", act);
			continue;
		}
		const struct sc_rule *ex = &f->rules[example];
		const struct sc_rule *ov = &f->rules[by[example]];
		if (hi - lo == 1 && why[example] == DEAD_LATER)
			diag_warning(at, "rule has no effect: a later rule decides every call to '%s'", ex->syscall);
		else if (hi - lo == 1)
			diag_warning(at, "rule has no effect: '%s' is named directly, so '@%s' does not apply to it",
				     ex->syscall, ex->group ? ex->group : "");
		else
			diag_warning(at, "rule has no effect: other rules decide every syscall it names");
		if (why[example] == DEAD_LATER)
			diag_note(&ov->loc, "'%s' is decided by this later rule", ex->syscall);
		else
			diag_note(&ov->loc, "'%s' is named directly here; rules for groups do not apply to it", ex->syscall);
	}
	free(start);
out:

	free(why);
	free(by);
	free(app);
}
