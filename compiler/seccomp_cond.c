/* seccomp_cond.c - conditions as sets of argument values, lowered to
 * pairwise disjoint libseccomp rules.
 *
 * libseccomp takes, per rule, at most one comparison per argument (a
 * second one is -EINVAL), and leaves overlapping rules with different
 * actions unspecified. So for one syscall we compute what each action
 * covers, exactly, as a union of conjunctions (a DNF), and each
 * conjunction constrains every argument to
 *
 *   a set of values: sorted, disjoint ranges over [0, max], and
 *   at most one mask constraint (arg & mask) == val,
 *
 * which is closed under intersection ((a & m1) == v1 and (a & m2) == v2
 * is (a & (m1|m2)) == (v1|v2), or nothing) and small to negate. The
 * region of rule i is cond_i and not cond_j for every later rule j with a
 * different action (a later rule with the same action may overlap: the
 * result is the same action). Regions of different actions are disjoint,
 * so libseccomp's rule order does not matter, and a region whose action
 * is the default is simply left out (seccomp_rule_add refuses it with
 * -EACCES, and the default is the fallback anyway).
 *
 * Emission: each argument's set becomes a list of single comparisons,
 * one of which must hold:
 *   one value: ==; everything but one value: !=; [0, hi]: <=; [lo, max]: >=;
 *   a mask constraint: masked ==;
 *   a range bounded on both sides (two comparisons, which libseccomp cannot
 *   put in one rule): its values when there are at most 64, otherwise its
 *   aligned power-of-two blocks, each one masked == (the way a CIDR list
 *   covers an address range): [3, 100000] is 3, 4..7, 8..15, ... 99968..99999, 100000
 *   in 21 blocks; any range takes at most 2 * 64 - 2.
 * != , <= and >= only where a single libseccomp rule of the syscall
 * compares that argument (see sc_lower: libseccomp miscompiles and hangs
 * otherwise); elsewhere values or blocks.
 * A conjunction is then the product of its arguments' lists; more than
 * SC_MAX_LRULES_PER_SYSCALL rules for one syscall is an error.
 *
 * Argument k is bits[k] wide: what the kernel reads of it after its
 * SYSCALL_DEFINE cast (an int is 32 bits even on x86_64), never more than
 * the ABI's `width` (32-bit ABIs compare the low 32 bits of every constant
 * and mask, as libseccomp does, so -1 is 0xffffffff there). Constants are
 * taken modulo 2^bits. An argument narrower than what libseccomp compares
 * gets == and masked == only, each under a mask of its own bits: the high
 * bits of its register are the caller's to choose and mean nothing to the
 * kernel (ioctl(fd, TIOCSTI | 1UL << 32) is TIOCSTI), so no test may look
 * at them.
 *
 * Memory: everything temporary lives in one arena per call, freed at the
 * end; sizes are capped so no input can exhaust memory or time.
 */
#include <stdlib.h>
#include <string.h>

#include "seccomp_int.h"

#define ENUM_MAX 64         /* a set of at most this many values becomes a list of == */
#define DNF_MAX 4096        /* conjunctions in one normal form */
#define PRODUCT_MAX 262144  /* conjunction pairs formed by one AND, or terms of one OR */
#define ARENA_MAX (256u << 20)
#define DEPTH_MAX 512       /* alternations of && and || */
#define WORK_MAX 50000000u  /* conjunction operations per syscall: seconds, not minutes */
#define CHUNK_SIZE 65536

/* The sets themselves (struct sc_ival, sc_argset, sc_conj) are in
 * seccomp_int.h: the BPF back end reads them (sc_lower_sets). */

/* A union of conjunctions; n == 0 is false. Arrays live in the arena and
 * are never changed once shared. */
struct dnf {
	struct sc_conj *v;
	size_t n;
};

struct chunk {
	struct chunk *next;
	size_t used, cap;
	max_align_t mem[];
};

struct lower {
	struct chunk *chunks;
	size_t total;
	uint64_t max[SC_NARGS]; /* largest value of each argument: 2^bits - 1 */
	bool narrow[SC_NARGS];  /* compared on fewer bits than libseccomp does */
	size_t work;  /* conjunctions formed or sorted so far */
	enum sc_lower_status st;
};

static void fail(struct lower *L, enum sc_lower_status st)
{
	if (L->st == SC_LOWER_OK)
		L->st = st;
}

/* Charge n units of work; false (and too complex) past the budget. */
static bool spend(struct lower *L, size_t n)
{
	L->work += n;
	if (L->work > WORK_MAX) {
		fail(L, SC_LOWER_COMPLEX);
		return false;
	}
	return true;
}

static void *ar_alloc(struct lower *L, size_t n)
{
	if (L->st != SC_LOWER_OK)
		return NULL;
	if (n > ARENA_MAX) {
		fail(L, SC_LOWER_COMPLEX);
		return NULL;
	}
	n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	if (n == 0)
		n = sizeof(max_align_t);
	struct chunk *c = L->chunks;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > CHUNK_SIZE ? n : CHUNK_SIZE;
		if (L->total + cap > ARENA_MAX) {
			fail(L, SC_LOWER_COMPLEX);
			return NULL;
		}
		c = malloc(sizeof *c + cap);
		if (!c) {
			fail(L, SC_LOWER_NOMEM);
			return NULL;
		}
		c->next = L->chunks;
		c->used = 0;
		c->cap = cap;
		L->chunks = c;
		L->total += cap;
	}
	void *p = (char *)c->mem + c->used;
	c->used += n;
	return p;
}

static void ar_free(struct lower *L)
{
	while (L->chunks) {
		struct chunk *next = L->chunks->next;
		free(L->chunks);
		L->chunks = next;
	}
}

/* ---------------------------------------------------------------- values under a mask */

/* The smallest x >= lo (x <= max) with (x & m) == v, v within m. Such an
 * x agrees with lo above some bit b where lo has 0 and x has 1, and is as
 * small as the mask allows below it; the lowest usable b gives the
 * smallest x. */
static bool first_match(uint64_t lo, uint64_t m, uint64_t v, uint64_t max, uint64_t *out)
{
	if ((lo & m) == v) {
		*out = lo;
		return true;
	}
	for (unsigned b = 0; b < 64; b++) {
		uint64_t bit = (uint64_t)1 << b;
		if (bit > max)
			break;
		if ((lo & bit) || ((m & bit) && !(v & bit)))
			continue;
		uint64_t above = b == 63 ? 0 : ~((bit << 1) - 1);
		if ((lo & m & above) != (v & above))
			continue;
		*out = (lo & above) | bit | (v & (bit - 1));
		return true;
	}
	return false;
}

/* The largest x <= hi with (x & m) == v: first_match on the complements. */
static bool last_match(uint64_t hi, uint64_t m, uint64_t v, uint64_t max, uint64_t *out)
{
	uint64_t y;
	if (!first_match(~hi & max, m, ~v & m, max, &y))
		return false;
	*out = ~y & max;
	return true;
}

/* ---------------------------------------------------------------- sets of ranges */

static int ival_cmp(const void *a, const void *b)
{
	const struct sc_ival *x = a, *y = b;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	return 0;
}

/* Sort and merge overlapping or adjacent ranges in place; returns the count. */
static uint32_t iv_canon(struct sc_ival *v, uint32_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof *v, ival_cmp);
	uint32_t w = 0;
	for (uint32_t i = 1; i < n; i++) {
		if (v[w].hi == UINT64_MAX || v[i].lo <= v[w].hi + 1) {
			if (v[i].hi > v[w].hi)
				v[w].hi = v[i].hi;
		} else {
			v[++w] = v[i];
		}
	}
	return w + 1;
}

static bool iv_intersect(struct lower *L, const struct sc_ival *a, uint32_t na, const struct sc_ival *b, uint32_t nb,
			 const struct sc_ival **out, uint32_t *nout)
{
	struct sc_ival *r = ar_alloc(L, ((size_t)na + nb) * sizeof *r);
	if (!r)
		return false;
	uint32_t i = 0, j = 0, n = 0;
	while (i < na && j < nb) {
		uint64_t lo = a[i].lo > b[j].lo ? a[i].lo : b[j].lo;
		uint64_t hi = a[i].hi < b[j].hi ? a[i].hi : b[j].hi;
		if (lo <= hi)
			r[n++] = (struct sc_ival){ lo, hi };
		if (a[i].hi < b[j].hi)
			i++;
		else
			j++;
	}
	*out = r;
	*nout = n;
	return true;
}

static bool iv_complement(struct lower *L, unsigned k, const struct sc_ival *a, uint32_t na, const struct sc_ival **out,
			  uint32_t *nout)
{
	struct sc_ival *r = ar_alloc(L, ((size_t)na + 1) * sizeof *r);
	if (!r)
		return false;
	uint32_t n = 0;
	uint64_t next = 0; /* smallest value not yet covered */
	bool done = false;
	for (uint32_t i = 0; i < na; i++) {
		if (a[i].lo > next)
			r[n++] = (struct sc_ival){ next, a[i].lo - 1 };
		if (a[i].hi >= L->max[k]) {
			done = true;
			break;
		}
		next = a[i].hi + 1;
	}
	if (!done)
		r[n++] = (struct sc_ival){ next, L->max[k] };
	*out = r;
	*nout = n;
	return true;
}

/* ---------------------------------------------------------------- one argument */

static bool ac_any(const struct sc_argset *c)
{
	return !c->iv && !c->mask;
}

/* Bring c to its canonical form. Returns 1, 0 when c allows no value, -1
 * on error. */
static int ac_norm(struct lower *L, unsigned k, struct sc_argset *c)
{
	const uint64_t max = L->max[k];
	const struct sc_ival full = { 0, max };
	if (c->mask) {
		uint64_t low = ~c->mask & max;
		if ((low & (low + 1)) == 0) {
			/* A mask of high bits is a range: (x & ~0xff) == 0x100
			 * is 0x100..0x1ff. Ranges merge and negate better. */
			struct sc_ival r = { c->val, c->val | low };
			c->mask = c->val = 0;
			if (!c->iv) {
				struct sc_ival *one = ar_alloc(L, sizeof *one);
				if (!one)
					return -1;
				*one = r;
				c->iv = one;
				c->niv = 1;
			} else if (!iv_intersect(L, c->iv, c->niv, &r, 1, &c->iv, &c->niv)) {
				return -1;
			}
			if (c->niv == 0)
				return 0;
		}
	}
	if (c->mask) {
		/* Shrink every range to its first and last matching value,
		 * and list the values when there are few: they merge with
		 * other conjunctions and make the cheapest comparisons. */
		const struct sc_ival *src = c->iv ? c->iv : &full;
		uint32_t ns = c->iv ? c->niv : 1;
		struct sc_ival *t = ar_alloc(L, ns * sizeof *t);
		if (!t)
			return -1;
		uint32_t nt = 0;
		size_t count = 0;
		for (uint32_t i = 0; i < ns; i++) {
			uint64_t lo, hi;
			if (!first_match(src[i].lo, c->mask, c->val, max, &lo) ||
			    !last_match(src[i].hi, c->mask, c->val, max, &hi) || lo > hi)
				continue;
			t[nt++] = (struct sc_ival){ lo, hi };
			for (uint64_t x = lo; count <= ENUM_MAX;) {
				count++;
				if (x == hi || !first_match(x + 1, c->mask, c->val, max, &x) || x > hi)
					break;
			}
		}
		if (nt == 0)
			return 0;
		if (count <= ENUM_MAX) {
			struct sc_ival *p = ar_alloc(L, count * sizeof *p);
			if (!p)
				return -1;
			uint32_t np = 0;
			for (uint32_t i = 0; i < nt; i++) {
				for (uint64_t x = t[i].lo;;) {
					p[np++] = (struct sc_ival){ x, x };
					if (x == t[i].hi || !first_match(x + 1, c->mask, c->val, max, &x) || x > t[i].hi)
						break;
				}
			}
			c->niv = iv_canon(p, np);
			c->iv = p;
			c->mask = c->val = 0;
		} else if (c->iv) {
			c->iv = t;
			c->niv = nt;
		}
	}
	if (c->iv && c->niv == 0)
		return 0;
	if (c->iv && c->niv == 1 && c->iv[0].lo == 0 && c->iv[0].hi == max)
		c->iv = NULL, c->niv = 0;
	return 1;
}

static int ac_and(struct lower *L, unsigned k, const struct sc_argset *x, const struct sc_argset *y, struct sc_argset *out)
{
	if (ac_any(x)) {
		*out = *y;
		return 1;
	}
	if (ac_any(y)) {
		*out = *x;
		return 1;
	}
	if (x->mask && y->mask && ((x->val ^ y->val) & x->mask & y->mask))
		return 0;
	out->mask = x->mask | y->mask;
	out->val = x->val | y->val;
	if (!x->iv) {
		out->iv = y->iv, out->niv = y->niv;
	} else if (!y->iv) {
		out->iv = x->iv, out->niv = x->niv;
	} else {
		if (!iv_intersect(L, x->iv, x->niv, y->iv, y->niv, &out->iv, &out->niv))
			return -1;
		if (out->niv == 0)
			return 0;
	}
	if (out->mask == x->mask && out->val == x->val && out->iv == x->iv)
		return 1; /* y added nothing: x is canonical already */
	if (out->mask == y->mask && out->val == y->val && out->iv == y->iv)
		return 1;
	return ac_norm(L, k, out);
}

/* Total order on canonical argument constraints. */
static int ac_cmp(const struct sc_argset *x, const struct sc_argset *y)
{
	if (!x->iv != !y->iv)
		return x->iv ? 1 : -1;
	if (x->iv) {
		if (x->niv != y->niv)
			return x->niv < y->niv ? -1 : 1;
		for (uint32_t i = 0; i < x->niv; i++) {
			int c = ival_cmp(&x->iv[i], &y->iv[i]);
			if (c)
				return c;
		}
	}
	if (x->mask != y->mask)
		return x->mask < y->mask ? -1 : 1;
	if (x->val != y->val)
		return x->val < y->val ? -1 : 1;
	return 0;
}

/* x's values are all in y's (false when unsure: only used to drop terms). */
static bool ac_subset(const struct lower *L, unsigned k, const struct sc_argset *x, const struct sc_argset *y)
{
	if (ac_any(y))
		return true;
	if (y->mask && !((x->mask & y->mask) == y->mask && (x->val & y->mask) == y->val))
		return false;
	if (!y->iv)
		return true;
	const struct sc_ival full = { 0, L->max[k] };
	const struct sc_ival *a = x->iv ? x->iv : &full;
	uint32_t na = x->iv ? x->niv : 1;
	uint32_t j = 0;
	for (uint32_t i = 0; i < na; i++) {
		while (j < y->niv && y->iv[j].hi < a[i].lo)
			j++;
		if (j == y->niv || y->iv[j].lo > a[i].lo || y->iv[j].hi < a[i].hi)
			return false;
	}
	return true;
}

/* ---------------------------------------------------------------- conjunctions and their unions */

static bool conj_true(const struct sc_conj *c)
{
	for (unsigned k = 0; k < SC_NARGS; k++)
		if (!ac_any(&c->a[k]))
			return false;
	return true;
}

static int conj_and(struct lower *L, const struct sc_conj *x, const struct sc_conj *y, struct sc_conj *out)
{
	for (unsigned k = 0; k < SC_NARGS; k++) {
		int r = ac_and(L, k, &x->a[k], &y->a[k], &out->a[k]);
		if (r <= 0)
			return r;
	}
	return 1;
}

static bool conj_subset(const struct lower *L, const struct sc_conj *x, const struct sc_conj *y)
{
	for (unsigned k = 0; k < SC_NARGS; k++)
		if (!ac_subset(L, k, &x->a[k], &y->a[k]))
			return false;
	return true;
}

/* Compare everything but argument *skip's ranges (its mask still counts):
 * conjunctions equal under it differ in one argument's ranges only, and
 * their union is one conjunction. *skip == SC_NARGS compares all. */
static int conj_cmp_except(const void *a, const void *b, void *ctx)
{
	const struct sc_conj *x = a, *y = b;
	unsigned skip = *(const unsigned *)ctx;
	for (unsigned k = 0; k < SC_NARGS; k++) {
		int c;
		if (k == skip) {
			if (x->a[k].mask != y->a[k].mask)
				return x->a[k].mask < y->a[k].mask ? -1 : 1;
			if (x->a[k].val != y->a[k].val)
				return x->a[k].val < y->a[k].val ? -1 : 1;
			continue;
		}
		c = ac_cmp(&x->a[k], &y->a[k]);
		if (c)
			return c;
	}
	return 0;
}

static struct dnf dnf_true(struct lower *L)
{
	struct dnf d = { ar_alloc(L, sizeof(struct sc_conj)), 1 };
	if (!d.v)
		d.n = 0;
	else
		memset(d.v, 0, sizeof *d.v);
	return d;
}

static bool dnf_is_true(const struct dnf *d)
{
	return d->n == 1 && conj_true(&d->v[0]);
}

/* The union of v[i..j) on argument k (their other arguments are equal). */
static bool merge_run(struct lower *L, struct sc_conj *v, size_t i, size_t j, unsigned k, struct sc_conj *out)
{
	*out = v[i];
	size_t total = 0;
	for (size_t t = i; t < j; t++) {
		if (!v[t].a[k].iv) {
			out->a[k].iv = NULL;
			out->a[k].niv = 0;
			return ac_norm(L, k, &out->a[k]) >= 0;
		}
		total += v[t].a[k].niv;
	}
	if (total > UINT32_MAX) {
		fail(L, SC_LOWER_COMPLEX);
		return false;
	}
	struct sc_ival *u = ar_alloc(L, total * sizeof *u);
	if (!u)
		return false;
	size_t n = 0;
	for (size_t t = i; t < j; t++) {
		if (v[t].a[k].niv)
			memcpy(u + n, v[t].a[k].iv, v[t].a[k].niv * sizeof *u);
		n += v[t].a[k].niv;
	}
	out->a[k].iv = u;
	out->a[k].niv = iv_canon(u, (uint32_t)n);
	return ac_norm(L, k, &out->a[k]) >= 0;
}

/* Canonical, smaller, equivalent form: a true term makes the whole union
 * true; terms that differ in one argument's ranges merge; terms inside
 * others go; the rest is sorted. Works in place (d->v is owned). */
static bool dnf_simplify(struct lower *L, struct dnf *d)
{
	if (!spend(L, d->n))
		return false;
	for (size_t i = 0; i < d->n; i++) {
		if (conj_true(&d->v[i])) {
			d->v[0] = d->v[i];
			d->n = 1;
			return true;
		}
	}
	for (bool changed = true; changed && d->n > 1;) {
		changed = false;
		for (unsigned k = 0; k < SC_NARGS && d->n > 1; k++) {
			qsort_r(d->v, d->n, sizeof *d->v, conj_cmp_except, &k);
			size_t w = 0;
			for (size_t i = 0; i < d->n;) {
				size_t j = i + 1;
				while (j < d->n && conj_cmp_except(&d->v[i], &d->v[j], &k) == 0)
					j++;
				struct sc_conj c = d->v[i];
				if (j > i + 1) {
					if (!merge_run(L, d->v, i, j, k, &c))
						return false;
					changed = true;
					if (conj_true(&c)) {
						d->v[0] = c;
						d->n = 1;
						return true;
					}
				}
				d->v[w++] = c;
				i = j;
			}
			d->n = w;
		}
	}
	if (d->n > 1 && d->n <= 512) {
		/* Drop terms inside a term that stays (of two equal sets in
		 * different forms, the first goes, the second stays). */
		bool *drop = ar_alloc(L, d->n * sizeof *drop);
		if (!drop)
			return false;
		for (size_t i = 0; i < d->n; i++) {
			drop[i] = false;
			for (size_t j = 0; j < d->n && !drop[i]; j++)
				if (j != i && !(j < i && drop[j]) && conj_subset(L, &d->v[i], &d->v[j]))
					drop[i] = true;
		}
		size_t w = 0;
		for (size_t i = 0; i < d->n; i++)
			if (!drop[i])
				d->v[w++] = d->v[i];
		d->n = w;
	}
	unsigned all = SC_NARGS;
	qsort_r(d->v, d->n, sizeof *d->v, conj_cmp_except, &all);
	if (d->n > DNF_MAX) {
		fail(L, SC_LOWER_COMPLEX);
		return false;
	}
	return true;
}

static bool dnf_and(struct lower *L, struct dnf a, struct dnf b, struct dnf *out)
{
	if (a.n == 0 || b.n == 0) {
		*out = (struct dnf){ NULL, 0 };
		return true;
	}
	if (dnf_is_true(&a)) {
		*out = b;
		return true;
	}
	if (dnf_is_true(&b)) {
		*out = a;
		return true;
	}
	if (a.n * b.n > PRODUCT_MAX) {
		fail(L, SC_LOWER_COMPLEX);
		return false;
	}
	if (!spend(L, a.n * b.n))
		return false;
	struct dnf r = { ar_alloc(L, a.n * b.n * sizeof(struct sc_conj)), 0 };
	if (!r.v)
		return false;
	for (size_t i = 0; i < a.n; i++) {
		for (size_t j = 0; j < b.n; j++) {
			int ok = conj_and(L, &a.v[i], &b.v[j], &r.v[r.n]);
			if (ok < 0)
				return false;
			r.n += (size_t)ok;
		}
	}
	if (!dnf_simplify(L, &r))
		return false;
	*out = r;
	return true;
}

/* ---------------------------------------------------------------- from expressions */

/* One comparison, or its negation, as a DNF. */
static bool atom_dnf(struct lower *L, const struct sc_cmp *cmp, bool neg, struct dnf *out)
{
	if (cmp->arg >= SC_NARGS) {
		fail(L, SC_LOWER_INVALID);
		return false;
	}
	/* A constant is taken modulo 2^bits: on an int argument -1 is
	 * 0xffffffff, the value the kernel sees after its cast. */
	uint64_t max = L->max[cmp->arg], v = cmp->value & max;
	struct sc_ival r = { 0, max };
	bool empty = false;
	struct sc_argset c = { NULL, 0, 0, 0 };
	switch (cmp->op) {
	case SC_EQ:
		r = (struct sc_ival){ v, v };
		break;
	case SC_NE:
		r = (struct sc_ival){ v, v };
		neg = !neg;
		break;
	case SC_LT:
		if (v == 0)
			empty = true;
		else
			r.hi = v - 1;
		break;
	case SC_LE:
		r.hi = v;
		break;
	case SC_GT:
		if (v == max)
			empty = true;
		else
			r.lo = v + 1;
		break;
	case SC_GE:
		r.lo = v;
		break;
	case SC_MASKED_EQ:
		c.mask = cmp->mask & max;
		c.val = v;
		if (v & ~c.mask)
			empty = true; /* a bit outside the mask can never match */
		break;
	default:
		fail(L, SC_LOWER_INVALID);
		return false;
	}
	if (!empty && !c.mask && !(r.lo == 0 && r.hi == max)) {
		struct sc_ival *one = ar_alloc(L, sizeof *one);
		if (!one)
			return false;
		*one = r;
		c.iv = one;
		c.niv = 1;
	}
	if (!empty) {
		int ok = ac_norm(L, cmp->arg, &c);
		if (ok < 0)
			return false;
		empty = ok == 0;
	}
	/* c is now the set (empty, everything, or a constraint); negate it. */
	struct dnf d = dnf_true(L);
	if (!d.v)
		return false;
	if (!neg) {
		if (empty)
			d.n = 0;
		else
			d.v[0].a[cmp->arg] = c;
	} else if (empty) {
		/* not false: true */
	} else if (ac_any(&c)) {
		d.n = 0;
	} else if (!c.mask) {
		struct sc_argset n = { NULL, 0, 0, 0 };
		if (!iv_complement(L, cmp->arg, c.iv, c.niv, &n.iv, &n.niv))
			return false;
		if (n.niv == 0)
			d.n = 0;
		else if (ac_norm(L, cmp->arg, &n) < 0)
			return false;
		else
			d.v[0].a[cmp->arg] = n;
	} else {
		/* not ((x & m) == v): some bit of m differs from v; for a
		 * single-bit mask that is the same test with the bit flipped. */
		unsigned bits = (unsigned)__builtin_popcountll(c.mask);
		d.v = ar_alloc(L, bits * sizeof *d.v);
		if (!d.v)
			return false;
		d.n = 0;
		for (unsigned b = 0; b < 64; b++) {
			uint64_t bit = (uint64_t)1 << b;
			if (!(c.mask & bit))
				continue;
			memset(&d.v[d.n], 0, sizeof d.v[d.n]);
			struct sc_argset *a = &d.v[d.n].a[cmp->arg];
			a->mask = bit;
			a->val = ~c.val & bit;
			int ok = ac_norm(L, cmp->arg, a);
			if (ok < 0)
				return false;
			d.n += (size_t)ok;
		}
		if (!dnf_simplify(L, &d))
			return false;
	}
	*out = d;
	return true;
}

struct ptrvec {
	const struct sc_expr **v;
	size_t n, cap;
};

static bool pv_push(struct lower *L, struct ptrvec *p, const struct sc_expr *e)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		const struct sc_expr **nv = realloc(p->v, cap * sizeof *nv);
		if (!nv) {
			fail(L, SC_LOWER_NOMEM);
			return false;
		}
		p->v = nv;
		p->cap = cap;
	}
	p->v[p->n++] = e;
	return true;
}

static bool dnf_of(struct lower *L, const struct sc_expr *e, bool neg, unsigned depth, struct dnf *out);

/* A chain of one kind (a || b || c ... as sema builds it for `in { }`)
 * is walked with an explicit stack: it may be thousands deep. */
static bool dnf_chain(struct lower *L, const struct sc_expr *e, bool neg, unsigned depth, struct dnf *out)
{
	struct ptrvec stack = { 0 }, ops = { 0 };
	bool ok = pv_push(L, &stack, e);
	while (ok && stack.n) {
		const struct sc_expr *x = stack.v[--stack.n];
		if (x->kind != e->kind) {
			ok = pv_push(L, &ops, x);
			continue;
		}
		if (!x->l || !x->r) {
			fail(L, SC_LOWER_INVALID);
			ok = false;
			break;
		}
		ok = pv_push(L, &stack, x->r) && pv_push(L, &stack, x->l);
	}
	/* Under a negation, && is ||: De Morgan. */
	bool intersect = (e->kind == SE_AND) != neg;
	struct dnf acc = { NULL, 0 };
	if (ok && intersect) {
		acc = dnf_true(L);
		ok = acc.v != NULL;
		for (size_t i = 0; ok && i < ops.n && acc.n; i++) {
			struct dnf d;
			ok = dnf_of(L, ops.v[i], neg, depth + 1, &d) && dnf_and(L, acc, d, &acc);
		}
	} else if (ok) {
		struct dnf *parts = ar_alloc(L, ops.n * sizeof *parts);
		size_t total = 0;
		bool is_true = false;
		ok = parts != NULL;
		for (size_t i = 0; ok && i < ops.n && !is_true; i++) {
			ok = dnf_of(L, ops.v[i], neg, depth + 1, &parts[i]);
			if (ok && dnf_is_true(&parts[i])) {
				acc = parts[i];
				is_true = true;
			}
			total += ok ? parts[i].n : 0;
			if (total > PRODUCT_MAX) {
				fail(L, SC_LOWER_COMPLEX);
				ok = false;
			}
		}
		if (ok && !is_true) {
			acc.v = ar_alloc(L, (total ? total : 1) * sizeof *acc.v);
			ok = acc.v != NULL;
			for (size_t i = 0; ok && i < ops.n; i++) {
				if (parts[i].n) /* a false part may have no array */
					memcpy(acc.v + acc.n, parts[i].v, parts[i].n * sizeof *acc.v);
				acc.n += parts[i].n;
			}
			ok = ok && dnf_simplify(L, &acc);
		}
	}
	free(stack.v);
	free(ops.v);
	*out = acc;
	return ok;
}

static bool dnf_of(struct lower *L, const struct sc_expr *e, bool neg, unsigned depth, struct dnf *out)
{
	if (depth > DEPTH_MAX) {
		fail(L, SC_LOWER_COMPLEX);
		return false;
	}
	while (e && e->kind == SE_NOT) {
		neg = !neg;
		e = e->l;
	}
	if (!e) {
		fail(L, SC_LOWER_INVALID);
		return false;
	}
	switch (e->kind) {
	case SE_TRUE:
	case SE_FALSE:
		*out = dnf_true(L);
		if ((e->kind == SE_TRUE) == neg)
			out->n = 0;
		return L->st == SC_LOWER_OK;
	case SE_CMP:
		return atom_dnf(L, &e->cmp, neg, out);
	case SE_AND:
	case SE_OR:
		return dnf_chain(L, e, neg, depth, out);
	default:
		fail(L, SC_LOWER_INVALID);
		return false;
	}
}

static bool cond_dnf(struct lower *L, const struct sc_expr *cond, bool neg, struct dnf *out)
{
	if (!cond) {
		*out = dnf_true(L);
		if (neg)
			out->n = 0;
		return L->st == SC_LOWER_OK;
	}
	return dnf_of(L, cond, neg, 0, out);
}

/* ---------------------------------------------------------------- to libseccomp comparisons */

struct alts {
	struct scmp_arg_cmp *v;
	size_t n, cap;
};

static bool alt_push(struct lower *L, struct alts *a, unsigned arg, enum scmp_compare op, uint64_t da, uint64_t db)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 8;
		struct scmp_arg_cmp *nv = ar_alloc(L, cap * sizeof *nv);
		if (!nv)
			return false;
		if (a->n)
			memcpy(nv, a->v, a->n * sizeof *nv);
		a->v = nv;
		a->cap = cap;
	}
	a->v[a->n++] = (struct scmp_arg_cmp){ .arg = arg, .op = op, .datum_a = da, .datum_b = db };
	return true;
}

/* arg == x. libseccomp's == compares the whole register (or its low 32
 * bits on a 32-bit ABI); a narrow argument's high bits are whatever the
 * caller put there and the kernel ignores them, so it is compared under a
 * mask of its own bits instead. */
static bool push_eq(struct lower *L, struct alts *a, unsigned arg, uint64_t x)
{
	if (L->narrow[arg])
		return alt_push(L, a, arg, SCMP_CMP_MASKED_EQ, L->max[arg], x);
	return alt_push(L, a, arg, SCMP_CMP_EQ, x, 0);
}

/* Aligned blocks covering [lo, hi]: calls fn for each (mask, base). */
static size_t blocks(uint64_t lo, uint64_t hi, uint64_t max, uint64_t m, uint64_t v, struct lower *L,
		     struct alts *out, unsigned arg)
{
	size_t n = 0;
	for (uint64_t x = lo;;) {
		/* the biggest 2^k block starting at x (x is a multiple of
		 * 2^k) that ends at or before hi */
		unsigned k = x ? (unsigned)__builtin_ctzll(x) : 63;
		while (k > 0 && (k >= 64 || ((uint64_t)1 << k) - 1 > hi - x))
			k--;
		uint64_t low = ((uint64_t)1 << k) - 1;
		uint64_t bm = max & ~low;
		if (((x ^ v) & bm & m) == 0) {
			/* the block's test and the mask test merge */
			n++;
			if (out) {
				uint64_t mm = bm | m;
				bool ok = mm == max ? push_eq(L, out, arg, x | v)
						    : alt_push(L, out, arg, SCMP_CMP_MASKED_EQ, mm, x | v);
				if (!ok)
					return 0;
			}
		}
		if (hi - x <= low)
			break;
		x += low + 1;
	}
	return n;
}

/* Values in [lo, hi] passing the mask test, counted up to ENUM_MAX + 1. */
static size_t points(uint64_t lo, uint64_t hi, uint64_t max, uint64_t m, uint64_t v)
{
	size_t n = 0;
	uint64_t x;
	if (!first_match(lo, m, v, max, &x) || x > hi)
		return 0;
	for (;;) {
		if (++n > ENUM_MAX)
			return n;
		if (x == hi || !first_match(x + 1, m, v, max, &x) || x > hi)
			return n;
	}
}

static bool range_alts(struct lower *L, struct alts *a, unsigned arg, uint64_t lo, uint64_t hi, uint64_t m,
		       uint64_t v, bool eq_only)
{
	if (!m && lo == hi)
		return push_eq(L, a, arg, lo);
	if (!m && !eq_only) {
		if (lo == 0)
			return alt_push(L, a, arg, SCMP_CMP_LE, hi, 0);
		if (hi == L->max[arg])
			return alt_push(L, a, arg, SCMP_CMP_GE, lo, 0);
	}
	/* Bounded on both sides, or with a mask test as well, or eq_only:
	 * libseccomp compares an argument once per rule, so list the values
	 * or the aligned blocks, whichever is fewer. */
	size_t np = points(lo, hi, L->max[arg], m, v);
	size_t nb = blocks(lo, hi, L->max[arg], m, v, L, NULL, arg);
	if (np <= nb) {
		uint64_t x;
		if (!first_match(lo, m, v, L->max[arg], &x) || x > hi)
			return true;
		for (;;) {
			if (!push_eq(L, a, arg, x))
				return false;
			if (x == hi || !first_match(x + 1, m, v, L->max[arg], &x) || x > hi)
				return true;
		}
	}
	blocks(lo, hi, L->max[arg], m, v, L, a, arg);
	return L->st == SC_LOWER_OK;
}

/* The comparisons on one argument of which one must hold; n == 0: none
 * needed. eq_only: == and masked == only (see conj_alts). */
static bool arg_alts(struct lower *L, unsigned arg, const struct sc_argset *c, bool eq_only, struct alts *a)
{
	a->n = 0;
	if (ac_any(c))
		return true;
	if (!c->iv)
		return alt_push(L, a, arg, SCMP_CMP_MASKED_EQ, c->mask, c->val);
	if (!eq_only && !c->mask && c->niv == 2 && c->iv[0].lo == 0 && c->iv[1].hi == L->max[arg] &&
	    c->iv[0].hi + 2 == c->iv[1].lo)
		return alt_push(L, a, arg, SCMP_CMP_NE, c->iv[0].hi + 1, 0);
	for (uint32_t i = 0; i < c->niv; i++)
		if (!range_alts(L, a, arg, c->iv[i].lo, c->iv[i].hi, c->mask, c->val, eq_only))
			return false;
	return true;
}

/* Every argument's alternatives for one conjunction; eq_only[k]: only
 * == and masked == on argument k (see sc_lower). */
static bool conj_alts(struct lower *L, const struct sc_conj *c, const bool *eq_only, struct alts *alts)
{
	for (unsigned k = 0; k < SC_NARGS; k++)
		if (!arg_alts(L, k, &c->a[k], eq_only[k], &alts[k]))
			return false;
	return true;
}

static bool is_split(enum scmp_compare op)
{
	return op != SCMP_CMP_EQ && op != SCMP_CMP_MASKED_EQ;
}

static size_t sat_mul(size_t a, size_t b)
{
	if (a && b > SIZE_MAX / a)
		return SIZE_MAX;
	return a * b;
}

static size_t sat_add(size_t a, size_t b)
{
	return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

struct region {
	uint32_t action;
	struct dnf d;
	size_t last_rule; /* the last input rule that contributed */
};

static int region_cmp(const void *a, const void *b)
{
	const struct region *x = a, *y = b;
	return x->action < y->action ? -1 : x->action > y->action;
}

static void lower_init(struct lower *L, unsigned width, const unsigned *bits)
{
	memset(L, 0, sizeof *L);
	for (unsigned k = 0; k < SC_NARGS; k++) {
		unsigned b = bits && bits[k] && bits[k] < width ? bits[k] : width;
		L->max[k] = b >= 64 ? UINT64_MAX : ((uint64_t)1 << b) - 1;
		L->narrow[k] = b < width;
	}
}

/* What each action decides: *reg, sorted by action (in the arena); the
 * default action's region only with keep_def. false on failure (L->st). */
static bool regions(struct lower *L, const struct sc_lin *in, size_t n, uint32_t def, bool keep_def,
		    struct region **regp, size_t *nregp, size_t *culprit)
{
	struct dnf *pos = ar_alloc(L, n * sizeof *pos);
	struct dnf *neg = ar_alloc(L, n * sizeof *neg);
	bool *have_neg = ar_alloc(L, n * sizeof *have_neg);
	struct region *reg = ar_alloc(L, n * sizeof *reg);
	size_t nreg = 0;
	if (!reg)
		return false;
	memset(have_neg, 0, n * sizeof *have_neg);

	/* Rules before the last one that matches every call never decide. */
	size_t start = n;
	while (start > 0) {
		start--;
		*culprit = start;
		if (!cond_dnf(L, in[start].cond, false, &pos[start]))
			return false;
		if (dnf_is_true(&pos[start]))
			break;
	}

	for (size_t i = start; i < n; i++) {
		if (in[i].excluded || (in[i].action == def && !keep_def))
			continue;
		struct dnf r = pos[i];
		for (size_t j = i + 1; j < n && r.n; j++) {
			if (!in[j].excluded && in[j].action == in[i].action)
				continue;
			*culprit = j;
			if (!have_neg[j] && !cond_dnf(L, in[j].cond, true, &neg[j]))
				return false;
			have_neg[j] = true;
			*culprit = i;
			if (!dnf_and(L, r, neg[j], &r))
				return false;
		}
		if (!r.n)
			continue;
		size_t k = 0;
		while (k < nreg && reg[k].action != in[i].action)
			k++;
		if (k == nreg) {
			reg[nreg++] = (struct region){ in[i].action, r, i };
			continue;
		}
		/* Same action: the union, simplified once more. */
		if (reg[k].d.n + r.n > PRODUCT_MAX) {
			fail(L, SC_LOWER_COMPLEX);
			return false;
		}
		struct dnf u = { ar_alloc(L, (reg[k].d.n + r.n) * sizeof *u.v), 0 };
		if (!u.v)
			return false;
		memcpy(u.v, reg[k].d.v, reg[k].d.n * sizeof *u.v);
		memcpy(u.v + reg[k].d.n, r.v, r.n * sizeof *u.v);
		u.n = reg[k].d.n + r.n;
		if (!dnf_simplify(L, &u))
			return false;
		reg[k].d = u;
		reg[k].last_rule = i;
	}
	qsort(reg, nreg, sizeof *reg, region_cmp);
	*regp = reg;
	*nregp = nreg;
	return true;
}

enum sc_lower_status sc_lower_sets(const struct sc_lin *in, size_t n, uint32_t def, unsigned width,
				   const unsigned *bits, struct sc_sets *out, size_t *culprit)
{
	struct lower L;
	struct region *reg = NULL;
	size_t nreg = 0;
	lower_init(&L, width, bits);
	memset(out, 0, sizeof *out);
	memcpy(out->max, L.max, sizeof out->max);
	*culprit = 0;
	if (n == 0)
		return SC_LOWER_OK;
	/* Every call gets an action: a first line `def` for all calls makes
	 * the default's region explicit, so the back end may test the other
	 * regions and let the default's (often the most complex) fall out. */
	struct sc_lin *all = ar_alloc(&L, (n + 1) * sizeof *all);
	if (!all)
		goto out;
	all[0] = (struct sc_lin){ NULL, def, false };
	memcpy(all + 1, in, n * sizeof *in);
	if (!regions(&L, all, n + 1, def, true, &reg, &nreg, culprit))
		goto out;
	*culprit = *culprit ? *culprit - 1 : 0;
	/* One block: the regions, their conjunctions, then the ranges. */
	size_t nconj = 0, niv = 0;
	for (size_t k = 0; k < nreg; k++) {
		nconj += reg[k].d.n;
		for (size_t c = 0; c < reg[k].d.n; c++)
			for (unsigned a = 0; a < SC_NARGS; a++)
				niv += reg[k].d.v[c].a[a].niv;
	}
	size_t size = nreg * sizeof(struct sc_region) + nconj * sizeof(struct sc_conj) + niv * sizeof(struct sc_ival);
	char *mem = malloc(size ? size : 1);
	if (!mem) {
		fail(&L, SC_LOWER_NOMEM);
		goto out;
	}
	struct sc_region *r = (struct sc_region *)mem;
	struct sc_conj *cv = (struct sc_conj *)(r + nreg);
	struct sc_ival *iv = (struct sc_ival *)(cv + nconj);
	for (size_t k = 0; k < nreg; k++) {
		r[k] = (struct sc_region){ reg[k].action, cv, reg[k].d.n };
		for (size_t c = 0; c < reg[k].d.n; c++, cv++) {
			*cv = reg[k].d.v[c];
			for (unsigned a = 0; a < SC_NARGS; a++) {
				if (!cv->a[a].iv)
					continue;
				memcpy(iv, cv->a[a].iv, cv->a[a].niv * sizeof *iv);
				cv->a[a].iv = iv;
				iv += cv->a[a].niv;
			}
		}
	}
	out->reg = r;
	out->nreg = nreg;
	out->mem = mem;
out:
	ar_free(&L);
	return L.st;
}

bool sc_sets_constant(const struct sc_sets *s, uint32_t def, uint32_t *action)
{
	if (!s || s->nreg == 0) {
		*action = def;
		return true;
	}
	for (size_t r = 0; r < s->nreg; r++) {
		for (size_t c = 0; c < s->reg[r].n; c++) {
			const struct sc_conj *x = &s->reg[r].v[c];
			bool any = true;
			for (unsigned k = 0; k < SC_NARGS && any; k++)
				any = ac_any(&x->a[k]);
			if (any) {
				/* regions are disjoint: this one is everything */
				*action = s->reg[r].action;
				return true;
			}
		}
	}
	return false;
}

void sc_sets_free(struct sc_sets *s)
{
	free(s->mem);
	memset(s, 0, sizeof *s);
}

enum sc_lower_status sc_lower(const struct sc_lin *in, size_t n, uint32_t def, unsigned width,
			      const unsigned *bits, struct sc_lout *out, size_t *culprit, size_t *count)
{
	struct lower L;
	struct region *reg = NULL;
	size_t nreg = 0;
	lower_init(&L, width, bits);
	out->v = NULL;
	out->n = 0;
	*culprit = 0;
	*count = 0;
	if (n == 0)
		return SC_LOWER_OK;
	if (!regions(&L, in, n, def, false, &reg, &nreg, culprit))
		goto out;

	/* libseccomp 2.5.4 quirk, found by fuzzing its output in the kernel's
	 * BPF engine: when more than one rule of a syscall compares an
	 * argument and one of them uses !=, <, <=, > or >= on it, the BPF it
	 * generates is sometimes wrong (a quarter of random 32-bit rule sets,
	 * a few per thousand 64-bit ones), and on 64-bit ABIs
	 * seccomp_rule_add can loop forever ({a0 >= 5, a1 <= 2} then
	 * {a0 >= 5, a1 == 4}). With == and masked == only it was right in
	 * every case, and a range test on an argument no other rule compares
	 * was always right too. So: such an argument keeps its cheap range
	 * test; any other argument a range test would share is compared with
	 * == and masked == only (its values, or aligned blocks). Marking one
	 * argument can multiply rules and make another one shared: repeat
	 * until nothing changes (at most once per argument). */
	struct alts alts[SC_NARGS] = { 0 };
	bool eq_only[SC_NARGS]; /* a narrow argument has no range test: libseccomp's compare all bits */
	memcpy(eq_only, L.narrow, sizeof eq_only);
	size_t total = 0;
	size_t blame = nreg ? reg[0].last_rule : 0;
	for (bool changed = true; changed;) {
		size_t users[SC_NARGS] = { 0 };
		bool split[SC_NARGS] = { false };
		changed = false;
		total = 0;
		for (size_t k = 0; k < nreg; k++) {
			for (size_t c = 0; c < reg[k].d.n; c++) {
				if (!conj_alts(&L, &reg[k].d.v[c], eq_only, alts))
					goto out;
				size_t prod = 1;
				for (unsigned a = 0; a < SC_NARGS; a++)
					prod = sat_mul(prod, alts[a].n ? alts[a].n : 1);
				for (unsigned a = 0; a < SC_NARGS; a++) {
					if (!alts[a].n)
						continue;
					users[a] = sat_add(users[a], prod);
					for (size_t i = 0; i < alts[a].n; i++)
						split[a] |= is_split(alts[a].v[i].op);
				}
				size_t before = total;
				total = sat_add(total, prod);
				if (before <= SC_MAX_LRULES_PER_SYSCALL && total > SC_MAX_LRULES_PER_SYSCALL)
					blame = reg[k].last_rule;
			}
		}
		for (unsigned a = 0; a < SC_NARGS; a++) {
			if (split[a] && users[a] > 1 && !eq_only[a]) {
				eq_only[a] = true;
				changed = true;
			}
		}
	}
	if (total > SC_MAX_LRULES_PER_SYSCALL) {
		*culprit = blame;
		*count = total;
		fail(&L, SC_LOWER_TOO_MANY);
		goto out;
	}
	out->v = malloc((total ? total : 1) * sizeof *out->v);
	if (!out->v) {
		fail(&L, SC_LOWER_NOMEM);
		goto out;
	}
	for (size_t k = 0; k < nreg; k++) {
		for (size_t c = 0; c < reg[k].d.n; c++) {
			size_t idx[SC_NARGS] = { 0 };
			if (!conj_alts(&L, &reg[k].d.v[c], eq_only, alts))
				goto out;
			/* every combination of one alternative per argument */
			for (;;) {
				struct sc_lrule *r = &out->v[out->n++];
				r->action = reg[k].action;
				r->ncmp = 0;
				for (unsigned a = 0; a < SC_NARGS; a++)
					if (alts[a].n)
						r->cmp[r->ncmp++] = alts[a].v[idx[a]];
				unsigned a = 0;
				while (a < SC_NARGS && (alts[a].n == 0 || ++idx[a] == alts[a].n)) {
					idx[a] = 0;
					a++;
				}
				if (a == SC_NARGS)
					break;
			}
		}
	}
	*count = out->n;
out:
	ar_free(&L);
	if (L.st != SC_LOWER_OK)
		sc_lout_free(out);
	return L.st;
}

void sc_lout_free(struct sc_lout *out)
{
	free(out->v);
	out->v = NULL;
	out->n = 0;
}
