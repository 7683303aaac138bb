/* bpfcount - what seccomp filters cost and decide, without the kernel.
 *
 *     bpfcount FILTER...                   (raw BPF or .capbin)
 *
 * Runs each filter in capc's BPF interpreter (compiler/bpf_run.c, the one
 * `capc query` and `expect` use) for every syscall number 0..MAX_NR-1 of
 * the native ABI and prints, per filter, one line:
 *
 *     NAME len=N allowed=N allow_mean=X allow_max=N denied=N deny_mean=X deny_max=N
 *          worst=N uncond=N cached=N
 *
 * allow_* and deny_*: instructions executed for the numbers the filter
 * allows (resp. does not) with all arguments zero: the filter's cost
 * model (the kernel's JIT runs one short sequence per classic
 * instruction). worst: the longest path through the program, whatever
 * the arguments (every path counted, feasible or not: an upper bound).
 * uncond: numbers allowed whatever the arguments (all probes allow);
 * cached: those the kernel's action cache (Linux 5.11+) would mark, by
 * the kernel's own emulation (bpf_const_allow).
 *
 * Then, from the first filter's decisions, the lower bound for the policy:
 *
 *     bound mean=X max=N ranges=N
 *
 * Every filter has to load the arch, compare it, load nr (3), separate
 * the ranges of syscall numbers with equal outcome by comparisons, and
 * return (1); a call decided by its arguments also needs at least one
 * argument load and one comparison (2). The ranges come from running the
 * filter: numbers 0..MAX_NR-1 one by one (the outcome of a number: its
 * actions on NVEC argument vectors), and above that the spans the
 * x86_64 filters all share (up to the x32 bit, the x32 numbers, -1),
 * each taken at one probe. The fewest comparisons on average over the
 * allowed numbers (args 0) is the optimal alphabetic search tree over the
 * ranges, weighted by allowed numbers (O(m^3) dynamic programming, jge
 * splits only: a binary search); max is the least height of any such
 * tree, 4 + ceil(log2 ranges).
 *
 * With more than one filter it then checks that all of them decide the
 * same for every syscall number and a fixed, seeded set of argument
 * vectors (edge values and pseudo-random ones), and prints
 *
 *     agree probes=N differences=N high_word_differences=N
 *
 * (see compare() for the second count).
 * Exit status 1 if any filter cannot be loaded or the filters disagree.
 *
 *     bpfcount --path NR [ARG0 [ARG1 ...]] FILTER...
 *
 * prints the executed instructions and the result for one call.
 */
#include <inttypes.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf_run.h"
#include "bpfload.h"

#define MAX_NR 512 /* x86_64 numbers end below 470 today */
#define NVEC 96

#if defined(__x86_64__)
#define NATIVE_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

struct filter {
	const char *path;
	const struct ir_insn *p;
	size_t n;
};

static bool run(const struct filter *f, const struct bpf_input *in, struct bpf_result *r)
{
	return bpf_run(f->p, f->n, in, true, r);
}

static bool allows(uint32_t ret)
{
	uint32_t act = ret & SECCOMP_RET_ACTION_FULL;
	return act == SECCOMP_RET_ALLOW || act == SECCOMP_RET_LOG;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rng(void)
{
	/* xorshift64*: fixed seed, the same probes in every run */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1du;
}

static uint64_t probe_value(unsigned v, unsigned arg)
{
	static const uint64_t edge[] = { 0, 1, 2, 8, 38, 39, 40, 41, 0x20000, 0x20008, 0xffffffffu,
					 0xffffffff00000000u, 0xffffffffffffffffu, 0x7e020000u, 0x80000000u };
	size_t ne = sizeof edge / sizeof edge[0];
	if (v < ne)
		return edge[(v + arg) % ne];
	uint64_t r = rng();
	switch (r & 3) {
	case 0:
		return r >> 32; /* a 32-bit value */
	case 1:
		return (r >> 2) & 0xff;
	default:
		return r;
	}
}

/* The argument vectors every comparison uses, the same in every run. */
static uint64_t vec[NVEC][6];

static void make_vectors(void)
{
	for (unsigned v = 0; v < NVEC; v++)
		for (unsigned a = 0; a < 6; a++)
			vec[v][a] = probe_value(v, a);
}

/* Differences on calls whose arguments all fit in 32 bits fail; where an
 * argument has high bits set they are counted apart: capc compares an
 * int argument on its 32 bits, as the kernel reads it, and libseccomp
 * used directly (runc) on all 64 (compiler/data/syscall-widths.txt), so
 * personality(0xffffffff00000000) legitimately differs. capc's two back
 * ends agree on those too (tests/unit/test_backends.c). */
static int compare(const struct filter *f, size_t nf)
{
	unsigned long probes = 0, diffs = 0, high = 0;
	for (uint32_t nr = 0; nr < MAX_NR; nr++) {
		for (unsigned v = 0; v < NVEC; v++) {
			struct bpf_input in = { .nr = (int32_t)nr, .arch = NATIVE_AUDIT_ARCH };
			memcpy(in.args, vec[v], sizeof in.args);
			bool wide = false;
			for (int a = 0; a < 6; a++)
				wide |= in.args[a] > 0xffffffffu;
			struct bpf_result r0, ri;
			bool ok0 = run(&f[0], &in, &r0);
			for (size_t i = 1; i < nf; i++) {
				bool oki = run(&f[i], &in, &ri);
				if (ok0 && oki && ri.action == r0.action)
					continue;
				if (wide && ok0 && oki) {
					high++;
					continue;
				}
				if (diffs < 10)
					printf("# differ: nr %u args %#" PRIx64 " %#" PRIx64 ": %s -> %#x, %s -> %#x\n", nr,
					       in.args[0], in.args[1], f[0].path, r0.action, f[i].path, ri.action);
				diffs++;
			}
			probes++;
		}
	}
	printf("agree probes=%lu differences=%lu high_word_differences=%lu\n", probes, diffs, high);
	return diffs ? 1 : 0;
}

/* The longest path from instruction 0, in instructions executed. */
static size_t longest(const struct filter *f)
{
	size_t *len = calloc(f->n + 1, sizeof *len);
	if (!len)
		return 0;
	for (size_t i = f->n; i-- > 0;) {
		const struct ir_insn *x = &f->p[i];
		size_t l = 0;
		if ((x->code & 0x07) == 0x06) {
			l = 0;
		} else if (x->code == 0x05) {
			size_t t = i + 1 + x->k;
			l = t < f->n ? len[t] : 0;
		} else if ((x->code & 0x07) == 0x05) {
			size_t a = i + 1 + x->jt, b = i + 1 + x->jf;
			size_t la = a < f->n ? len[a] : 0, lb = b < f->n ? len[b] : 0;
			l = la > lb ? la : lb;
		} else {
			l = i + 1 < f->n ? len[i + 1] : 0;
		}
		len[i] = l + 1;
	}
	size_t r = len[0];
	free(len);
	return r;
}

static void stats(const struct filter *f)
{
	unsigned long asum = 0, dsum = 0, an = 0, dn = 0, amax = 0, dmax = 0, uncond = 0, cached = 0;
	for (uint32_t nr = 0; nr < MAX_NR; nr++) {
		struct bpf_input in = { .nr = (int32_t)nr, .arch = NATIVE_AUDIT_ARCH };
		struct bpf_result r;
		if (!run(f, &in, &r))
			continue;
		if (allows(r.action)) {
			asum += r.steps;
			an++;
			amax = r.steps > amax ? r.steps : amax;
		} else {
			dsum += r.steps;
			dn++;
			dmax = r.steps > dmax ? r.steps : dmax;
		}
		bool always = true;
		for (unsigned v = 0; v < NVEC && always; v++) {
			memcpy(in.args, vec[v], sizeof in.args);
			always = run(f, &in, &r) && r.action == SECCOMP_RET_ALLOW;
		}
		if (always) {
			uncond++;
			cached += bpf_const_allow(f->p, f->n, NATIVE_AUDIT_ARCH, nr);
		}
	}
	printf("%s len=%zu allowed=%lu allow_mean=%.2f allow_max=%lu denied=%lu deny_mean=%.2f deny_max=%lu worst=%zu "
	       "uncond=%lu cached=%lu\n",
	       f->path, f->n, an, an ? (double)asum / (double)an : 0.0, amax, dn, dn ? (double)dsum / (double)dn : 0.0,
	       dmax, longest(f), uncond, cached);
}

/* ---------------------------------------------------------------- the lower bound */

/* A number's outcome: its actions on every probe vector, hashed; and
 * whether those differ (the arguments decide). */
struct outcome {
	uint64_t sig;
	bool conditional, allowed0;
};

static struct outcome outcome_of(const struct filter *f, uint32_t nr)
{
	struct outcome o = { 0xcbf29ce484222325u, false, false };
	uint32_t first = 0;
	for (unsigned v = 0; v <= NVEC; v++) {
		struct bpf_input in = { .nr = (int32_t)nr, .arch = NATIVE_AUDIT_ARCH };
		if (v)
			memcpy(in.args, vec[v - 1], sizeof in.args);
		struct bpf_result r;
		uint32_t a = run(f, &in, &r) ? r.action : 0xdeadu;
		if (v == 0) {
			first = a;
			o.allowed0 = allows(a);
		} else if (a != first) {
			o.conditional = true;
		}
		o.sig = (o.sig ^ a) * 0x100000001b3u;
	}
	return o;
}

static void bound(const struct filter *f)
{
	/* ranges: each number below MAX_NR, then the shared spans */
	static const uint32_t spans[] = { MAX_NR, 0x40000000u, 0xffffffffu };
	size_t cap = MAX_NR + 4, m = 0;
	uint64_t *sig = malloc(cap * sizeof *sig), *w = calloc(cap, sizeof *w);
	double extra = 0;  /* argument tests of allowed conditional calls */
	unsigned long allowed = 0;
	if (!sig || !w)
		return;
	for (uint32_t i = 0; i < MAX_NR + 3; i++) {
		uint32_t nr = i < MAX_NR ? i : spans[i - MAX_NR];
		struct outcome o = outcome_of(f, nr);
		uint64_t wt = i < MAX_NR && o.allowed0;
		allowed += wt;
		if (wt && o.conditional)
			extra += 2;
		if (m && sig[m - 1] == o.sig) {
			w[m - 1] += wt;
			continue;
		}
		sig[m] = o.sig;
		w[m++] = wt;
	}
	/* optimal alphabetic tree: cost[i][j] = W(i..j) + min_k cost[i][k-1] + cost[k][j] */
	uint64_t *pw = calloc(m + 1, sizeof *pw), *cost = calloc(m * m, sizeof *cost);
	if (!pw || !cost)
		return;
	for (size_t i = 0; i < m; i++)
		pw[i + 1] = pw[i] + w[i];
	for (size_t len = 2; len <= m; len++) {
		for (size_t i = 0; i + len <= m; i++) {
			size_t j = i + len - 1;
			uint64_t best = UINT64_MAX;
			for (size_t k = i + 1; k <= j; k++) {
				uint64_t c = cost[i * m + k - 1] + cost[k * m + j];
				if (c < best)
					best = c;
			}
			cost[i * m + j] = best + pw[j + 1] - pw[i];
		}
	}
	unsigned h = 0;
	while (((size_t)1 << h) < m)
		h++;
	double mean = allowed ? 4.0 + ((double)cost[m - 1] + extra) / (double)allowed : 0.0;
	printf("bound mean=%.2f max=%u ranges=%zu\n", mean, 4 + h, m);
	free(sig);
	free(w);
	free(pw);
	free(cost);
}

int main(int argc, char **argv)
{
	int i = 1;
	bool path = false;
	struct bpf_input one = { .arch = NATIVE_AUDIT_ARCH };

	if (argc > 2 && strcmp(argv[1], "--path") == 0) {
		path = true;
		one.nr = atoi(argv[2]);
		for (i = 3; i < argc && i < 9 && argv[i][0] >= '0' && argv[i][0] <= '9'; i++)
			one.args[i - 3] = strtoull(argv[i], NULL, 0);
	}
	if (i >= argc) {
		fprintf(stderr, "usage: bpfcount [--path NR [ARGS...]] FILTER...\n");
		return 2;
	}
	make_vectors();
	size_t nf = (size_t)(argc - i);
	struct filter *f = calloc(nf, sizeof *f);
	if (!f)
		return 1;
	for (size_t k = 0; k < nf; k++) {
		f[k].path = argv[i + (int)k];
		/* struct sock_filter and struct ir_insn: the same four fields */
		if (!(f[k].p = (const struct ir_insn *)bpf_load(f[k].path, &f[k].n)))
			return 1;
	}
	int rc = 0;
	for (size_t k = 0; k < nf; k++) {
		if (path) {
			struct bpf_result r;
			bool ok = run(&f[k], &one, &r);
			printf("%s nr=%d steps=%zu ret=%#x%s\n", f[k].path, one.nr, r.steps, r.action, ok ? "" : " BAD");
		} else {
			stats(&f[k]);
		}
	}
	if (!path) {
		bound(&f[0]);
		if (nf > 1)
			rc = compare(f, nf);
	}
	for (size_t k = 0; k < nf; k++)
		free((void *)f[k].p);
	free(f);
	return rc;
}
