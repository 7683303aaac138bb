/* seccomp_bpf.c - capc's own BPF back end: each ABI's decisions, already
 * planned and lowered to sets (seccomp_gen.c), as one seccomp filter.
 *
 * Shape of the program:
 *
 *     ld arch
 *     jeq <each kernel arch of the target, native first>  else: ret bad-arch (kill process)
 *       ld nr
 *       <optimal search tree over the ranges of syscall numbers with equal outcome>
 *         ret <action>                       a syscall decided whatever its arguments
 *         <argument tests> ret <action>      the others
 *
 * Syscall numbers. One tree covers a kernel arch's whole 32-bit number
 * space, so nothing outside the policy's numbers is allowed by accident:
 * numbers no rule names get the default action, and on x86_64 the x32
 * numbers (bit 30 set) sit in the same tree: x32 calls are decided by the
 * x32 rules when the target lists x32, and kill the process otherwise
 * (except nr -1, which tracers use to skip a call: the default action,
 * as libseccomp does). Ranges of consecutive numbers with the same outcome
 * are one leaf; bpf_tree.c finds the tree with the fewest comparisons
 * executed, weighting each syscall that may be allowed far above the rest
 * (calls a service makes are mostly allowed ones), so the common path is
 * short and nothing else is left deep.
 *
 * The kernel's action cache (Linux 5.11+, seccomp_cache_prepare) marks a
 * syscall number "always allowed" when emulating the filter with only the
 * arch and the number known reaches `ret ALLOW`: it follows loads of nr and
 * arch, jumps and `and`, and gives up at any argument load. The dispatch
 * above loads nothing else, so every syscall the policy allows whatever
 * its arguments runs no filter at all on such kernels.
 *
 * Arguments. A syscall's regions (disjoint sets of argument values, one
 * action each) become a chain: for each conjunction, each constrained
 * argument is tested, and the first conjunction whose tests all hold
 * decides; if none holds, the default. A 64-bit argument is tested word
 * by word: a search tree over its high word, whose leaves are "in",
 * "out", or a search tree over the low word for the high words where a
 * range of the set begins or ends. An argument the kernel reads fewer
 * bits of (an int on a 64-bit ABI) is tested on those bits only: the
 * low word, under an `and` when narrower still. Mask tests use `jset`
 * where they can ((x & m) == 0 is "no bit of m set").
 *
 * Everything is built as a graph of shared nodes (bpf_asm.c): equal tests
 * and tails, the same syscall's checks in two ABIs, and the returns exist
 * once, and the layout handles jumps beyond 255 instructions.
 */
#include <linux/filter.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bpf_asm.h"
#include "bpf_tree.h"
#include "seccomp_int.h"
#include "xalloc.h"

#define X32_BIT 0x40000000u
#define W_MAY_ALLOW ((uint64_t)1 << 20) /* a syscall that may be allowed; anything else weighs 1 */
/* How much deeper than the deepest allowed call a refused one may end:
 * the search tree's height limit (bpf_tree.c) is on allowed calls, with
 * this slack for the rest. A refused call is an error path of a working
 * service; a few comparisons more there buy a shorter path for the calls
 * it makes. */
#define DENIED_SLACK 4u

#define OFF_NR 0u
#define OFF_ARCH 4u

static uint32_t arg_off(unsigned k, bool le, bool hi)
{
	return 16u + 8u * k + ((le != hi) ? 0u : 4u);
}

static bool allows(uint32_t action)
{
	return action == SC_ACT_ALLOW || action == SC_ACT_LOG;
}

/* Appends x to l, a growable array (fields v, n, cap). Out of memory
 * ends capc with a message (xalloc.h), as everywhere in the compiler. */
#define PUSH(l, x)                                                                  \
	do {                                                                        \
		if ((l)->n == (l)->cap) {                                           \
			(l)->cap = (l)->cap ? 2 * (l)->cap : 16;                    \
			(l)->v = xreallocarray((l)->v, (l)->cap, sizeof *(l)->v);   \
		}                                                                   \
		(l)->v[(l)->n++] = (x);                                             \
	} while (0)

/* A growable list of ranges. */
struct rlist {
	struct bt_range *v;
	size_t n, cap;
};

static void rl_push(struct rlist *l, uint32_t lo, int target, uint64_t weight)
{
	if (l->n && l->v[l->n - 1].lo == lo)
		l->n--; /* an empty range before this one: replaced */
	PUSH(l, ((struct bt_range){ lo, target, weight, 0 }));
}

/* ---------------------------------------------------------------- argument tests */

/* One 32-bit word in [lo, hi] ranges (sorted, disjoint): ok, else no. */
struct wival {
	uint32_t lo, hi;
};

static int word_set(struct bpf_asm *a, const struct wival *iv, size_t n, int ok, int no)
{
	struct rlist l = { 0 };
	uint64_t next = 0; /* first value not yet covered */
	for (size_t i = 0; i < n; i++) {
		if (iv[i].lo > next)
			rl_push(&l, (uint32_t)next, no, 1);
		rl_push(&l, iv[i].lo, ok, 1);
		next = (uint64_t)iv[i].hi + 1;
	}
	if (next <= UINT32_MAX)
		rl_push(&l, (uint32_t)next, no, 1);
	int root = bt_build(a, l.v, l.n);
	free(l.v);
	return root;
}

/* (word & m) == v, with the word in A. */
static int word_mask(struct bpf_asm *a, uint32_t m, uint32_t v, int ok, int no)
{
	if (v == 0)
		return ba_jump(a, BPF_JSET, m, no, ok);
	if (v == m && (m & (m - 1)) == 0)
		return ba_jump(a, BPF_JSET, m, ok, no);
	if (m == UINT32_MAX)
		return ba_jump(a, BPF_JEQ, v, ok, no);
	return ba_and(a, m, ba_jump(a, BPF_JEQ, v, ok, no));
}

/* Load a word of argument k, `and`ed with keep unless that is every bit. */
static int load_word(struct bpf_asm *a, unsigned k, bool le, bool hi, uint32_t keep, int next)
{
	if (keep != UINT32_MAX)
		next = ba_and(a, keep, next);
	return ba_load(a, arg_off(k, le, hi), next);
}

struct wlist {
	struct wival *v;
	size_t n, cap;
};

/* Pieces of a 64-bit set per high word: whole high words h..h_end, or
 * the low-word range [lo, hi] within high word h. */
struct piece {
	uint32_t h, h_end;
	bool whole;
	uint32_t lo, hi;
};

struct plist {
	struct piece *v;
	size_t n, cap;
};

static void pl_push(struct plist *l, struct piece p)
{
	if (!p.whole && p.lo == 0 && p.hi == UINT32_MAX) {
		p.whole = true;
		p.h_end = p.h;
	}
	PUSH(l, p);
}

/* Argument k (the kernel reads its bits under max) in the ranges iv. */
static int arg_ranges(struct bpf_asm *a, unsigned k, bool le, uint64_t max, const struct sc_ival *iv, size_t n,
		      int ok, int no)
{
	struct wlist w = { 0 };
	if (max <= UINT32_MAX) {
		for (size_t i = 0; i < n; i++)
			PUSH(&w, ((struct wival){ (uint32_t)iv[i].lo, (uint32_t)iv[i].hi }));
		int t = word_set(a, w.v, w.n, ok, no);
		free(w.v);
		return load_word(a, k, le, false, (uint32_t)max, t);
	}
	/* 64 bits: a tree over the high word; where a range begins or ends
	 * inside a high word, a tree over the low word there. */
	struct plist p = { 0 };
	for (size_t i = 0; i < n; i++) {
		uint32_t hl = (uint32_t)(iv[i].lo >> 32), hh = (uint32_t)(iv[i].hi >> 32);
		uint32_t l32 = (uint32_t)iv[i].lo, h32 = (uint32_t)iv[i].hi;
		if (hl == hh) {
			pl_push(&p, (struct piece){ hl, hl, false, l32, h32 });
			continue;
		}
		pl_push(&p, (struct piece){ hl, hl, false, l32, UINT32_MAX });
		if (hh > hl + 1)
			pl_push(&p, (struct piece){ hl + 1, hh - 1, true, 0, 0 });
		pl_push(&p, (struct piece){ hh, hh, false, 0, h32 });
	}
	struct rlist hi = { 0 };
	uint64_t next = 0; /* the first high word not yet placed */
	for (size_t j = 0; j < p.n;) {
		const struct piece *x = &p.v[j];
		if (x->h > next)
			rl_push(&hi, (uint32_t)next, no, 1);
		if (x->whole) {
			rl_push(&hi, x->h, ok, 1);
			next = (uint64_t)x->h_end + 1;
			j++;
			continue;
		}
		uint32_t h = x->h;
		w.n = 0;
		for (; j < p.n && !p.v[j].whole && p.v[j].h == h; j++)
			PUSH(&w, ((struct wival){ p.v[j].lo, p.v[j].hi }));
		int t = word_set(a, w.v, w.n, ok, no);
		rl_push(&hi, h, load_word(a, k, le, false, UINT32_MAX, t), 1);
		next = (uint64_t)h + 1;
	}
	if (next <= UINT32_MAX)
		rl_push(&hi, (uint32_t)next, no, 1);
	int root = bt_build(a, hi.v, hi.n);
	free(hi.v);
	free(p.v);
	free(w.v);
	return load_word(a, k, le, true, (uint32_t)(max >> 32), root);
}

/* (argument k & mask) == val, both within max. */
static int arg_mask(struct bpf_asm *a, unsigned k, bool le, uint64_t mask, uint64_t val, int ok, int no)
{
	int next = ok;
	if ((uint32_t)mask)
		next = ba_load(a, arg_off(k, le, false), word_mask(a, (uint32_t)mask, (uint32_t)val, next, no));
	if (mask >> 32)
		next = ba_load(a, arg_off(k, le, true), word_mask(a, (uint32_t)(mask >> 32), (uint32_t)(val >> 32), next, no));
	return next;
}

/* Every constrained argument of c in its set: ok, else no. Tested in
 * argument order (the first argument is usually the telling one). */
static int conj_node(struct bpf_asm *a, const struct sc_conj *c, const uint64_t *max, bool le, int ok, int no)
{
	int next = ok;
	for (unsigned k = SC_NARGS; k-- > 0;) {
		const struct sc_argset *s = &c->a[k];
		if (s->iv)
			next = arg_ranges(a, k, le, max[k], s->iv, s->niv, next, no);
		if (s->mask)
			next = arg_mask(a, k, le, s->mask, s->val, next, no);
	}
	return next;
}

/* About how many instructions testing region g takes. */
static size_t region_cost(const struct sc_region *g)
{
	size_t c = 0;
	for (size_t i = 0; i < g->n; i++)
		for (unsigned k = 0; k < SC_NARGS; k++)
			c += 2 * (size_t)g->v[i].a[k].niv + (g->v[i].a[k].mask ? 2 : 0);
	return c;
}

/* A call's argument tests. The regions cover every call, so one of them
 * needs no test: the costliest is what remains when all others fail. Of
 * the others, those that allow come first: they are what a working
 * service calls. */
static int check_node(struct bpf_asm *a, const struct sc_sets *s, bool le)
{
	size_t fall = 0;
	for (size_t r = 1; r < s->nreg; r++)
		if (region_cost(&s->reg[r]) > region_cost(&s->reg[fall]))
			fall = r;
	int next = ba_ret(a, s->reg[fall].action);
	for (int pass = 1; pass >= 0; pass--) {
		/* built backwards: pass 1 (the others) ends up after pass 0 */
		for (size_t r = s->nreg; r-- > 0;) {
			const struct sc_region *g = &s->reg[r];
			if (r == fall || allows(g->action) != (pass == 0))
				continue;
			int ok = ba_ret(a, g->action);
			for (size_t c = g->n; c-- > 0;)
				next = conj_node(a, &g->v[c], s->max, le, ok, next);
		}
	}
	return next;
}

/* ---------------------------------------------------------------- dispatch */

/* Numbers next .. until-1, which no call of the policy has: the default
 * action, or kill for those in lo_kill..hi_kill (a foreign ABI's). */
static void push_gap(struct rlist *l, uint64_t next, uint64_t until, int dflt, int kill, uint64_t lo_kill,
		     uint64_t hi_kill)
{
	if (next >= until)
		return;
	if (lo_kill > hi_kill || hi_kill < next || lo_kill >= until) {
		rl_push(l, (uint32_t)next, dflt, 1);
		return;
	}
	if (lo_kill > next)
		rl_push(l, (uint32_t)next, dflt, 1);
	rl_push(l, (uint32_t)(lo_kill > next ? lo_kill : next), kill, 1);
	if (hi_kill + 1 < until)
		rl_push(l, (uint32_t)(hi_kill + 1), dflt, 1);
}

/* The ranges of one kernel arch's number space. lo_kill..hi_kill (when
 * lo_kill <= hi_kill) is killed as a foreign ABI. */
static int arch_tree(struct bpf_asm *a, const struct sc_abi_calls *const *abis, size_t nabi, uint32_t def,
		     int kill, uint64_t lo_kill, uint64_t hi_kill)
{
	/* merge the ABIs' calls by number (x86_64 and x32 share the space) */
	struct rlist l = { 0 };
	int dflt = ba_ret(a, def);
	uint64_t next = 0;
	size_t idx[3] = { 0, 0, 0 };
	for (;;) {
		/* the smallest next call among the ABIs */
		const struct sc_call *c = NULL;
		const struct sc_abi_calls *from = NULL;
		size_t which = 0;
		for (size_t i = 0; i < nabi; i++) {
			if (idx[i] < abis[i]->n && (!c || abis[i]->v[idx[i]].nr < c->nr)) {
				c = &abis[i]->v[idx[i]];
				from = abis[i];
				which = i;
			}
		}
		uint64_t until = c ? c->nr : (uint64_t)UINT32_MAX + 1;
		push_gap(&l, next, until, dflt, kill, lo_kill, hi_kill);
		if (!c)
			break;
		idx[which]++;
		uint32_t act;
		int t;
		/* Its cost after the tree: the longest path through its
		 * argument tests, and the shortest one that allows, which
		 * counts DENIED_SLACK more (allowed calls get the tighter
		 * height limit). A return costs nothing more. */
		unsigned worst = 0, to_allow = 0;
		if (sc_sets_constant(c->sets, def, &act)) {
			t = ba_ret(a, act);
			to_allow = allows(act) ? 0 : UINT32_MAX;
		} else {
			t = check_node(a, c->sets, sc_audit_arch_le(from->abi->audit_arch));
			worst = ba_longest(a, t);
			to_allow = ba_shortest(a, t, allows);
		}
		unsigned extra = to_allow == UINT32_MAX ? worst : to_allow + DENIED_SLACK;
		rl_push(&l, c->nr, t, to_allow != UINT32_MAX ? W_MAY_ALLOW : 1);
		l.v[l.n - 1].extra = extra > worst ? extra : worst;
		next = (uint64_t)c->nr + 1;
	}
	int root = bt_build(a, l.v, l.n);
	free(l.v);
	return ba_load(a, OFF_NR, root);
}

void sc_bpf_generate(const struct sc_abi_calls *abis, size_t nabi, uint32_t def, struct ir_prog *out)
{
	struct bpf_asm a;
	ba_init(&a);
	int kill = ba_ret(&a, SC_ACT_KILL_PROCESS);
	int next = kill;
	/* Built backwards, so the native arch's test (abis[0]) comes first. */
	bool done[3] = { false, false, false };
	const struct sc_abi_calls *group[3][3];
	size_t ngroup[3] = { 0, 0, 0 }, ng = 0;
	uint32_t garch[3];
	for (size_t i = 0; i < nabi && i < 3; i++) {
		if (done[i])
			continue;
		garch[ng] = abis[i].abi->audit_arch;
		for (size_t j = i; j < nabi && j < 3; j++) {
			if (!done[j] && abis[j].abi->audit_arch == garch[ng]) {
				group[ng][ngroup[ng]++] = &abis[j];
				done[j] = true;
			}
		}
		ng++;
	}
	for (size_t g = ng; g-- > 0;) {
		bool native64 = false, x32 = false;
		for (size_t j = 0; j < ngroup[g]; j++) {
			native64 |= group[g][j]->abi->token == SCMP_ARCH_X86_64;
			x32 |= group[g][j]->abi->token == SCMP_ARCH_X32;
		}
		/* x86_64 without x32: x32 numbers are a foreign ABI (but -1
		 * stays the default action: tracers skip calls with it); x32
		 * alone: the x86_64 numbers are */
		uint64_t lo_kill = 1, hi_kill = 0;
		if (native64 && !x32) {
			lo_kill = X32_BIT;
			hi_kill = (uint64_t)UINT32_MAX - 1;
		} else if (x32 && !native64) {
			lo_kill = 0;
			hi_kill = X32_BIT - 1;
		}
		int tree = arch_tree(&a, group[g], ngroup[g], def, kill, lo_kill, hi_kill);
		next = ba_jump(&a, BPF_JEQ, garch[g], tree, next);
	}
	ba_layout(&a, ba_load(&a, OFF_ARCH, next), out);
	ba_free(&a);
}
