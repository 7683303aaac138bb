/* bpf_asm.c - a filter's node graph, laid out into classic-BPF instructions.
 *
 * Layout. Jumps only go forward, so the instructions are the nodes in a
 * topological order: the reverse postorder of a depth-first walk. Of a
 * jump's two targets the walk enters the bigger subgraph first, so the
 * smaller one ends up right after the jump and the far target is at most
 * the smaller subgraph's length away: in a balanced search tree a jump's
 * reach (255 instructions) then only runs out in filters far beyond the
 * usual size. Returns are not placed by the walk: the program is written
 * backwards from its end, and a jump to a return uses the nearest copy of
 * that return after it, or gets a fresh copy next to it when none is in
 * reach. A load's successor is normally placed right after it; when it is
 * not (a node shared by several paths), a `ja` goes in between.
 */
#include <linux/filter.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bpf_asm.h"
#include "xalloc.h"

#define JMP_REACH 255u      /* jt and jf are 8 bits */
#define SIZE_CAP (1u << 24) /* subgraph sizes saturate: only compared */

void ba_init(struct bpf_asm *a)
{
	memset(a, 0, sizeof *a);
}

void ba_free(struct bpf_asm *a)
{
	free(a->v);
	free(a->hash);
	ba_init(a);
}

static size_t node_hash(const struct ba_node *x)
{
	uint64_t h = x->code;
	h = h * 0x9e3779b97f4a7c15u ^ x->k;
	h = h * 0x9e3779b97f4a7c15u ^ (uint32_t)x->jt;
	h = h * 0x9e3779b97f4a7c15u ^ (uint32_t)x->jf;
	return (size_t)(h ^ (h >> 29));
}

static void grow_hash(struct bpf_asm *a)
{
	size_t cap = a->hcap ? a->hcap * 2 : 256;
	int *h = xreallocarray(NULL, cap, sizeof *h);
	for (size_t i = 0; i < cap; i++)
		h[i] = BA_NONE;
	for (size_t i = 0; i < a->n; i++) {
		size_t s = node_hash(&a->v[i]) & (cap - 1);
		while (h[s] != BA_NONE)
			s = (s + 1) & (cap - 1);
		h[s] = (int)i;
	}
	free(a->hash);
	a->hash = h;
	a->hcap = cap;
}

static int intern(struct bpf_asm *a, struct ba_node x)
{
	if ((a->n + 1) * 2 > a->hcap)
		grow_hash(a);
	size_t s = node_hash(&x) & (a->hcap - 1);
	for (; a->hash[s] != BA_NONE; s = (s + 1) & (a->hcap - 1)) {
		const struct ba_node *y = &a->v[a->hash[s]];
		if (y->code == x.code && y->k == x.k && y->jt == x.jt && y->jf == x.jf)
			return a->hash[s];
	}
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 256;
		a->v = xreallocarray(a->v, a->cap, sizeof *a->v);
	}
	a->v[a->n] = x;
	a->hash[s] = (int)a->n;
	return (int)a->n++;
}

int ba_ret(struct bpf_asm *a, uint32_t action)
{
	return intern(a, (struct ba_node){ BPF_RET | BPF_K, action, BA_NONE, BA_NONE });
}

int ba_load(struct bpf_asm *a, uint32_t offset, int next)
{
	return intern(a, (struct ba_node){ BPF_LD | BPF_W | BPF_ABS, offset, next, BA_NONE });
}

int ba_and(struct bpf_asm *a, uint32_t mask, int next)
{
	return intern(a, (struct ba_node){ BPF_ALU | BPF_AND | BPF_K, mask, next, BA_NONE });
}

int ba_jump(struct bpf_asm *a, uint16_t op, uint32_t k, int jt, int jf)
{
	if (jt == jf)
		return jt;
	return intern(a, (struct ba_node){ (uint16_t)(BPF_JMP | op | BPF_K), k, jt, jf });
}

unsigned ba_longest(const struct bpf_asm *a, int x)
{
	/* nodes only point at older nodes (built bottom-up): one pass up to x */
	unsigned *len = xcalloc((size_t)x + 1, sizeof *len);
	for (int i = 0; i <= x; i++) {
		const struct ba_node *v = &a->v[i];
		if (BPF_CLASS(v->code) == BPF_RET)
			continue;
		unsigned l = len[v->jt];
		if (BPF_CLASS(v->code) == BPF_JMP && len[v->jf] > l)
			l = len[v->jf];
		len[i] = l + 1;
	}
	unsigned r = len[x];
	free(len);
	return r;
}

unsigned ba_shortest(const struct bpf_asm *a, int x, bool (*accept)(uint32_t action))
{
	unsigned *len = xcalloc((size_t)x + 1, sizeof *len);
	for (int i = 0; i <= x; i++) {
		const struct ba_node *v = &a->v[i];
		if (BPF_CLASS(v->code) == BPF_RET) {
			len[i] = accept(v->k) ? 0 : UINT32_MAX;
			continue;
		}
		unsigned l = len[v->jt];
		if (BPF_CLASS(v->code) == BPF_JMP && len[v->jf] < l)
			l = len[v->jf];
		len[i] = l == UINT32_MAX ? l : l + 1;
	}
	unsigned r = len[x];
	free(len);
	return r;
}

/* ---------------------------------------------------------------- layout */

static bool is_ret(const struct ba_node *x)
{
	return BPF_CLASS(x->code) == BPF_RET;
}

static bool is_jump(const struct ba_node *x)
{
	return BPF_CLASS(x->code) == BPF_JMP;
}

struct frame {
	int node;
	int step; /* successors entered so far */
};

/* Postorder of the non-return nodes reachable from entry. big_first:
 * enter the successor with the bigger subgraph first (sz), else jt first. */
static size_t postorder(const struct bpf_asm *a, int entry, const uint32_t *sz, bool *seen, struct frame *st,
			int *out)
{
	size_t n = 0, depth = 0;
	memset(seen, 0, a->n * sizeof *seen);
	if (is_ret(&a->v[entry]))
		return 0;
	seen[entry] = true;
	st[depth++] = (struct frame){ entry, 0 };
	while (depth) {
		struct frame *f = &st[depth - 1];
		const struct ba_node *x = &a->v[f->node];
		int succ[2], ns = 0;
		if (is_jump(x)) {
			bool jf_first = sz && sz[x->jf] > sz[x->jt];
			succ[0] = jf_first ? x->jf : x->jt;
			succ[1] = jf_first ? x->jt : x->jf;
			ns = 2;
		} else {
			succ[0] = x->jt;
			ns = 1;
		}
		if (f->step < ns) {
			int c = succ[f->step++];
			if (!seen[c] && !is_ret(&a->v[c])) {
				seen[c] = true;
				st[depth++] = (struct frame){ c, 0 };
			}
			continue;
		}
		out[n++] = f->node;
		depth--;
	}
	return n;
}

struct rets {
	uint32_t action;
	size_t at; /* index from the end of the latest copy */
};

struct writer {
	struct ir_insn *rev; /* the program, last instruction first */
	size_t n, cap;
	struct rets *ret;
	size_t nret, retcap;
};

static size_t put(struct writer *w, struct ir_insn in)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 256;
		w->rev = xreallocarray(w->rev, w->cap, sizeof *w->rev);
	}
	w->rev[w->n] = in;
	return w->n++;
}

static struct rets *ret_slot(struct writer *w, uint32_t action)
{
	for (size_t i = 0; i < w->nret; i++)
		if (w->ret[i].action == action)
			return &w->ret[i];
	return NULL;
}

static size_t put_ret(struct writer *w, uint32_t action)
{
	size_t at = put(w, (struct ir_insn){ BPF_RET | BPF_K, 0, 0, action });
	struct rets *r = ret_slot(w, action);
	if (!r) {
		if (w->nret == w->retcap) {
			w->retcap = w->retcap ? w->retcap * 2 : 16;
			w->ret = xreallocarray(w->ret, w->retcap, sizeof *w->ret);
		}
		r = &w->ret[w->nret++];
		r->action = action;
	}
	r->at = at;
	return at;
}

/* Where a jump from the instruction about to be written (index w->n +
 * `ahead` from the end) finds target t, within `reach`: its index, after
 * writing a return copy or a trampoline if needed. */
static size_t reach_target(struct writer *w, const struct bpf_asm *a, const size_t *pos, int t, size_t ahead,
			   size_t reach)
{
	const struct ba_node *x = &a->v[t];
	if (is_ret(x)) {
		struct rets *r = ret_slot(w, x->k);
		if (r && w->n + ahead - r->at - 1 <= reach)
			return r->at;
		return put_ret(w, x->k);
	}
	size_t at = pos[t];
	if (w->n + ahead - at - 1 <= reach)
		return at;
	/* ja's offset is 32 bits */
	return put(w, (struct ir_insn){ BPF_JMP | BPF_JA, 0, 0, (uint32_t)(w->n - at - 1) });
}

void ba_layout(const struct bpf_asm *a, int entry, struct ir_prog *out)
{
	uint32_t *sz = xcalloc(a->n, sizeof *sz);
	bool *seen = xcalloc(a->n, sizeof *seen);
	struct frame *st = xcalloc(a->n, sizeof *st);
	int *order = xcalloc(a->n, sizeof *order);
	size_t *pos = xcalloc(a->n, sizeof *pos);
	struct writer w = { 0 };

	/* subgraph sizes (shared parts counted once per path: an estimate) */
	size_t n = postorder(a, entry, NULL, seen, st, order);
	for (size_t i = 0; i < n; i++) {
		const struct ba_node *x = &a->v[order[i]];
		uint64_t s = 1;
		if (!is_ret(&a->v[x->jt]))
			s += sz[x->jt];
		if (is_jump(x) && !is_ret(&a->v[x->jf]))
			s += sz[x->jf];
		sz[order[i]] = s > SIZE_CAP ? SIZE_CAP : (uint32_t)s;
	}
	n = postorder(a, entry, sz, seen, st, order);

	/* Written from the end: postorder is the reverse of the layout. */
	if (n == 0)
		put_ret(&w, a->v[entry].k);
	for (size_t i = 0; i < n; i++) {
		const struct ba_node *x = &a->v[order[i]];
		if (!is_jump(x)) {
			/* falls through: its successor must come next (reach 0:
			 * a copy of a return, or a ja, when it does not) */
			reach_target(&w, a, pos, x->jt, 0, 0);
			pos[order[i]] = put(&w, (struct ir_insn){ x->code, 0, 0, x->k });
			continue;
		}
		/* both targets in reach of the jump, which lands after at most
		 * two inserted instructions */
		size_t tt = reach_target(&w, a, pos, x->jt, 2, JMP_REACH);
		size_t tf = reach_target(&w, a, pos, x->jf, 1, JMP_REACH);
		size_t at = w.n;
		pos[order[i]] = put(&w, (struct ir_insn){ x->code, (uint8_t)(at - tt - 1), (uint8_t)(at - tf - 1), x->k });
	}
	out->insns = xreallocarray(NULL, w.n, sizeof *out->insns);
	for (size_t i = 0; i < w.n; i++)
		out->insns[i] = w.rev[w.n - 1 - i];
	out->n = w.n;
	free(sz);
	free(seen);
	free(st);
	free(order);
	free(pos);
	free(w.rev);
	free(w.ret);
}
