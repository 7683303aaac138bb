/* bpf_tree.c - optimal search trees over ranges of a 32-bit value.
 *
 * A tree node is one conditional jump on the accumulator. `jge K` splits
 * the ranges i..j into i..k-1 and k..j (K the first value of range k):
 * the classic optimal alphabetic tree, found by dynamic programming over
 * intervals of ranges,
 *
 *     cost(i, j) = W(i, j) + min over i < k <= j of cost(i, k-1) + cost(k, j),
 *
 * cost(i, i) = 0, W the sum of the weights: every value below a node pays
 * one comparison for it. Knuth's rule (the best k for i..j lies between
 * the best for i..j-1 and for i+1..j) makes it O(m^2) in time and space.
 * One more node type pays off often: where three ranges are T, {v}, T (a
 * single value set apart from two ranges going to the same place, after
 * merging), `jeq v` separates them with one comparison where two `jge`
 * would be needed.
 *
 * The least weighted cost alone can leave a rarely taken range deep, and
 * a range whose target runs argument tests adds those. So for up to
 * HL_MAX ranges the tree is then chosen again under a height limit: the
 * same recurrence with a budget d, where a range may only sit at depth
 * <= d - extra (its target's own instructions), layer by layer for
 * d = 0, 1, ... until a layer's cost is within 5 % of the unlimited
 * optimum (in instructions per call: the 4 that every call runs besides
 * the tree count too). The result: the shortest worst path, and the
 * least mean under it, unless that mean is more than 5 % above the
 * optimum. On Docker's profile the least height costs 3 % on the mean
 * (8.98 instructions per allowed call against 8.70) and takes the worst
 * allowed call from 15 instructions to 11.
 *
 * Beyond DP_MAX ranges (far more syscalls than any kernel has) the tables
 * would be too big, and a weight-balanced split (each node halving the
 * weight below it) is used instead: at most about two comparisons per
 * value more than the optimum on average (Mehlhorn).
 */
#include <linux/filter.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bpf_tree.h"
#include "xalloc.h"

#define DP_MAX 1024
#define HL_MAX 200
#define HL_LAYERS 64
#define INF UINT64_MAX

struct layer {
	uint64_t *cost; /* m x m, [i * m + j], i <= j */
	uint16_t *root; /* the split k */
	uint8_t *eq;    /* the jeq shape instead */
};

struct dp {
	size_t m;
	uint32_t *lo;
	int *tgt;
	unsigned *extra;
	uint64_t *pw;   /* prefix sums of the weights, m + 1 */
	double *pk;     /* prefix sums of 2^extra, m + 1: Kraft's inequality */
	struct layer opt; /* unlimited height (Knuth) */
	/* height-limited, budget 0, 1, ...: each layer's splits (HL_EQ: the
	 * jeq shape); the costs of the last two layers only */
	uint16_t **hl;
	size_t nhl;
	uint64_t *cost_prev, *cost_cur;
	uint32_t *active; /* intervals i * m + j (j > i) not at their optimum yet */
	size_t nactive;
};

#define HL_EQ 0x8000u

/* 2^e as a double, e capped at 63 (budgets and extras are far below) */
static double pow2(size_t e)
{
	return (double)((uint64_t)1 << (e < 63 ? e : 63));
}

static uint64_t wsum(const struct dp *d, size_t i, size_t j)
{
	return d->pw[j + 1] - d->pw[i];
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > INF - b ? INF : a + b;
}

static void layer_free(struct layer *l)
{
	free(l->cost);
	free(l->root);
	free(l->eq);
	memset(l, 0, sizeof *l);
}

static void layer_alloc(struct layer *l, size_t m)
{
	l->cost = xreallocarray(NULL, m * m, sizeof *l->cost);
	l->root = xreallocarray(NULL, m * m, sizeof *l->root);
	l->eq = xcalloc(m * m, 1);
}

static void dp_free(struct dp *d)
{
	free(d->lo);
	free(d->tgt);
	free(d->extra);
	free(d->pw);
	free(d->pk);
	layer_free(&d->opt);
	for (size_t i = 0; i < d->nhl; i++)
		free(d->hl[i]);
	free(d->hl);
	free(d->cost_prev);
	free(d->cost_cur);
	free(d->active);
	memset(d, 0, sizeof *d);
}

/* Merge adjacent ranges with one target into d. */
static void dp_init(struct dp *d, const struct bt_range *r, size_t n)
{
	memset(d, 0, sizeof *d);
	d->lo = xreallocarray(NULL, n, sizeof *d->lo);
	d->tgt = xreallocarray(NULL, n, sizeof *d->tgt);
	d->extra = xreallocarray(NULL, n, sizeof *d->extra);
	d->pw = xreallocarray(NULL, n + 1, sizeof *d->pw);
	d->pk = xreallocarray(NULL, n + 1, sizeof *d->pk);
	size_t m = 0;
	d->pw[0] = 0;
	for (size_t i = 0; i < n; i++) {
		if (m && d->tgt[m - 1] == r[i].target) {
			d->pw[m] = sat_add(d->pw[m], r[i].weight);
			if (r[i].extra > d->extra[m - 1])
				d->extra[m - 1] = r[i].extra;
			continue;
		}
		d->lo[m] = r[i].lo;
		d->tgt[m] = r[i].target;
		d->extra[m] = r[i].extra;
		d->pw[m + 1] = sat_add(d->pw[m], r[i].weight);
		m++;
	}
	d->m = m;
	d->pk[0] = 0;
	for (size_t i = 0; i < m; i++)
		d->pk[i + 1] = d->pk[i] + pow2(d->extra[i]);
}

static inline bool single(const struct dp *d, size_t i)
{
	return i + 1 < d->m && d->lo[i + 1] == d->lo[i] + 1;
}

/* The jeq shape for i..j: T, {v}, T. */
static inline bool eq_shape(const struct dp *d, size_t i, size_t j)
{
	return j == i + 2 && d->tgt[i] == d->tgt[j] && single(d, i + 1);
}

/* Unlimited height, Knuth's rule. */
static void solve_opt(struct dp *d)
{
	size_t m = d->m;
	struct layer *L = &d->opt;
	layer_alloc(L, m);
	for (size_t i = 0; i < m; i++) {
		L->cost[i * m + i] = 0;
		L->root[i * m + i] = (uint16_t)i;
	}
	for (size_t len = 2; len <= m; len++) {
		for (size_t i = 0; i + len <= m; i++) {
			size_t j = i + len - 1;
			size_t klo = len == 2 ? j : L->root[i * m + j - 1];
			size_t khi = len == 2 ? j : L->root[(i + 1) * m + j];
			if (klo <= i)
				klo = i + 1;
			if (khi > j || khi < klo) {
				/* the rule's premise fails around the jeq shape:
				 * search the whole interval */
				klo = i + 1;
				khi = j;
			}
			uint64_t best = INF;
			size_t bk = klo;
			for (size_t k = klo; k <= khi; k++) {
				uint64_t c = sat_add(L->cost[i * m + k - 1], L->cost[k * m + j]);
				if (c < best) {
					best = c;
					bk = k;
				}
			}
			best = sat_add(best, wsum(d, i, j));
			if (len == 3 && eq_shape(d, i, j) && wsum(d, i, j) < best) {
				best = wsum(d, i, j);
				L->eq[i * m + j] = 1;
			}
			L->cost[i * m + j] = best;
			L->root[i * m + j] = (uint16_t)bk;
		}
	}
	}

/* The best split of i..j under the children's costs P, k in klo..khi;
 * *best INF when none is feasible. */
static inline size_t best_split(size_t m, const uint64_t *P, size_t i, size_t j, size_t klo, size_t khi,
				uint64_t *best)
{
	size_t bk = klo;
	*best = INF;
	for (size_t k = klo; k <= khi; k++) {
		uint64_t l = P[i * m + k - 1], r = P[k * m + j];
		if (l == INF || r == INF)
			continue;
		uint64_t c = sat_add(l, r);
		if (c < *best) {
			*best = c;
			bk = k;
		}
	}
	return bk;
}

/* Layer b of the height-limited tables, from layer b - 1 (cost_prev).
 * The split is searched between the splits of i..j-1 and i+1..j of the
 * same layer (Knuth's rule, which holds for height-limited trees too:
 * Itai, SIAM J. Comput. 1976); where that window has no feasible split,
 * which the per-range budgets can cause, the whole interval is searched.
 * An interval that reached the unlimited optimum keeps its tree in every
 * higher layer, so only the others are visited: d->active, in order of
 * length (a window needs the shorter intervals of the same layer), and
 * it shrinks as the budget grows. */
static void solve_layer(struct dp *d, size_t b)
{
	size_t m = d->m;
	uint16_t *R = xreallocarray(NULL, m * m, sizeof *R);
	d->hl[b] = R;
	uint64_t *C = d->cost_cur;
	const uint64_t *P = b ? d->cost_prev : NULL;
	const uint64_t *O = d->opt.cost;
	const double room = pow2(b);
	if (b) {
		memcpy(R, d->hl[b - 1], m * m * sizeof *R);
		memcpy(C, P, m * m * sizeof *C);
	} else {
		memset(C, 0xff, m * m * sizeof *C); /* INF: all ones */
		memset(R, 0, m * m * sizeof *R);
	}
	for (size_t i = 0; i < m; i++) {
		C[i * m + i] = d->extra[i] <= b ? 0 : INF;
		R[i * m + i] = (uint16_t)i;
	}
	size_t keep = 0;
	for (size_t a = 0; a < d->nactive; a++) {
		uint32_t cell = d->active[a];
		size_t i = cell / m, j = cell % m, len = j - i + 1, c = cell;
		uint64_t best = INF;
		size_t bk = i + 1;
		/* Kraft: ranges at depth <= b - extra need the sum of
		 * 2^-(b - extra) to be at most 1; where it is not, no split
		 * can work and none is searched */
		if (P && d->pk[j + 1] - d->pk[i] <= room) {
			size_t klo = len == 2 ? j : R[i * m + j - 1] & ~HL_EQ;
			size_t khi = len == 2 ? j : R[(i + 1) * m + j] & ~HL_EQ;
			if (klo <= i)
				klo = i + 1;
			if (khi > j || khi < klo)
				khi = j;
			bk = best_split(m, P, i, j, klo, khi, &best);
			if (best == INF && (klo > i + 1 || khi < j))
				bk = best_split(m, P, i, j, i + 1, j, &best);
		}
		if (best != INF)
			best = sat_add(best, wsum(d, i, j));
		unsigned eq = 0;
		if (len == 3 && P && eq_shape(d, i, j) && d->extra[i] < b && d->extra[i + 1] < b && wsum(d, i, j) < best) {
			best = wsum(d, i, j);
			eq = HL_EQ;
		}
		C[c] = best;
		R[c] = (uint16_t)((best == INF ? i + (j - i + 1) / 2 : bk) | eq);
		if (best != O[c])
			d->active[keep++] = cell;
	}
	d->nactive = keep;
}

/* The longest path (comparisons + extra) of the unlimited tree. */
static unsigned opt_height(const struct dp *d, size_t i, size_t j)
{
	size_t m = d->m;
	if (i == j)
		return d->extra[i];
	if (d->opt.eq[i * m + j]) {
		unsigned e = d->extra[i] > d->extra[i + 1] ? d->extra[i] : d->extra[i + 1];
		return e + 1;
	}
	size_t k = d->opt.root[i * m + j];
	unsigned l = opt_height(d, i, k - 1), r = opt_height(d, k, j);
	return 1 + (l > r ? l : r);
}

/* Solve; d->nhl > 0 afterwards means: use layer d->nhl - 1. */
static void dp_solve(struct dp *d)
{
	size_t m = d->m;
	if (m > DP_MAX)
		return; /* balanced split instead */
	solve_opt(d);
	if (m > HL_MAX || m < 3)
		return;
	uint64_t opt = d->opt.cost[m - 1];
	/* within 5 % of the optimum's mean path, counting the instructions
	 * every path has besides the tree (arch, nr, return: 4) */
	uint64_t good = sat_add(opt, sat_add(opt, 4 * d->pw[m]) / 20);
	unsigned h = opt_height(d, 0, m - 1);
	if (h > HL_LAYERS)
		return;
	d->hl = xcalloc(h + 1, sizeof *d->hl);
	d->cost_prev = xreallocarray(NULL, m * m, sizeof *d->cost_prev);
	d->cost_cur = xreallocarray(NULL, m * m, sizeof *d->cost_cur);
	d->active = xreallocarray(NULL, m * m, sizeof *d->active);
	d->nactive = 0;
	for (size_t len = 2; len <= m; len++)
		for (size_t i = 0; i + len <= m; i++)
			d->active[d->nactive++] = (uint32_t)(i * m + i + len - 1);
	for (size_t b = 0; b <= h; b++) {
		d->nhl = b + 1;
		solve_layer(d, b);
		if (d->cost_cur[m - 1] <= good)
			return;
		uint64_t *t = d->cost_prev;
		d->cost_prev = d->cost_cur;
		d->cost_cur = t;
	}
	/* cannot happen (layer h holds the unlimited tree): use that one */
	for (size_t i = 0; i < d->nhl; i++)
		free(d->hl[i]);
	d->nhl = 0;
}

/* Weight-balanced split of i..j (j > i): the k whose left part i..k-1
 * comes closest to half the weight. */
static size_t balanced_split(const struct dp *d, size_t i, size_t j)
{
	uint64_t half = d->pw[i] + wsum(d, i, j) / 2;
	size_t lo = i + 1, hi = j;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (d->pw[mid] < half)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* lo: first k with pw[k] >= half; k - 1 may be closer */
	if (lo > i + 1 && half - d->pw[lo - 1] < d->pw[lo] - half)
		lo--;
	return lo;
}

/* Emit i..j from height-limited layer b (SIZE_MAX: the unlimited tree,
 * or balanced splits without tables). */
static int emit(struct bpf_asm *a, const struct dp *d, size_t i, size_t j, size_t b)
{
	if (i == j)
		return d->tgt[i];
	size_t m = d->m, k;
	bool eq;
	if (b != SIZE_MAX) {
		k = d->hl[b][i * m + j] & ~HL_EQ;
		eq = (d->hl[b][i * m + j] & HL_EQ) != 0;
	} else if (d->opt.cost) {
		k = d->opt.root[i * m + j];
		eq = d->opt.eq[i * m + j];
	} else {
		k = balanced_split(d, i, j);
		eq = false;
	}
	if (eq)
		return ba_jump(a, BPF_JEQ, d->lo[i + 1], d->tgt[i + 1], d->tgt[i]);
	size_t nb = b != SIZE_MAX ? b - 1 : SIZE_MAX;
	int right = emit(a, d, k, j, nb);
	int left = emit(a, d, i, k - 1, nb);
	return ba_jump(a, BPF_JGE, d->lo[k], right, left);
}

int bt_build(struct bpf_asm *a, const struct bt_range *r, size_t n)
{
	struct dp d;
	dp_init(&d, r, n);
	dp_solve(&d);
	int root = emit(a, &d, 0, d.m - 1, d.nhl ? d.nhl - 1 : SIZE_MAX);
	dp_free(&d);
	return root;
}
