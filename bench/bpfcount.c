/* bpfcount - what seccomp filters cost and decide, without the kernel.
 *
 *     bpfcount FILTER...                   (raw BPF or .capbin)
 *
 * Runs each filter in a classic-BPF interpreter (the seccomp subset, with
 * the kernel's semantics) for every syscall number of the native ABI and
 * prints, per filter, one line:
 *
 *     NAME len=N allow_mean=X allow_max=N deny_mean=X deny_max=N
 *
 * where allow_* and deny_* are the instructions executed for the syscall
 * numbers 0..MAX_NR the filter allows (resp. does not allow) with all
 * arguments zero. Instructions executed is the filter's cost model: the
 * kernel's JIT runs one short sequence per classic instruction.
 *
 * With more than one filter it then checks that all of them decide the
 * same for every syscall number and a fixed, seeded set of argument
 * vectors (edge values and pseudo-random ones), and prints
 *
 *     agree probes=N differences=N
 *
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

#include "bpfload.h"

#define MAX_NR 512 /* x86_64 numbers end below 470 today */
#define NVEC 96

#if defined(__x86_64__)
#define NATIVE_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

struct run {
	uint32_t ret;
	unsigned steps;
	bool bad; /* the program did something the kernel would refuse */
};

static uint32_t load_word(const struct seccomp_data *d, uint32_t off, bool *bad)
{
	uint32_t w;
	if (off % 4 || off + 4 > sizeof *d) {
		*bad = true;
		return 0;
	}
	memcpy(&w, (const char *)d + off, 4);
	return w;
}

static struct run interpret(const struct sock_filter *p, size_t n, const struct seccomp_data *d)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = { 0 };
	struct run r = { 0, 0, false };
	size_t pc = 0;

	while (pc < n) {
		const struct sock_filter *f = &p[pc++];
		uint32_t src;
		r.steps++;
		switch (BPF_CLASS(f->code)) {
		case BPF_LD:
			switch (BPF_MODE(f->code)) {
			case BPF_ABS:
				a = load_word(d, f->k, &r.bad);
				break;
			case BPF_LEN:
				a = sizeof *d;
				break;
			case BPF_IMM:
				a = f->k;
				break;
			case BPF_MEM:
				a = f->k < BPF_MEMWORDS ? mem[f->k] : (r.bad = true, 0);
				break;
			default:
				r.bad = true;
			}
			break;
		case BPF_LDX:
			switch (BPF_MODE(f->code)) {
			case BPF_IMM:
				x = f->k;
				break;
			case BPF_LEN:
				x = sizeof *d;
				break;
			case BPF_MEM:
				x = f->k < BPF_MEMWORDS ? mem[f->k] : (r.bad = true, 0);
				break;
			default:
				r.bad = true;
			}
			break;
		case BPF_ST:
		case BPF_STX:
			if (f->k >= BPF_MEMWORDS)
				r.bad = true;
			else
				mem[f->k] = BPF_CLASS(f->code) == BPF_ST ? a : x;
			break;
		case BPF_ALU:
			src = BPF_SRC(f->code) == BPF_X ? x : f->k;
			switch (BPF_OP(f->code)) {
			case BPF_ADD:
				a += src;
				break;
			case BPF_SUB:
				a -= src;
				break;
			case BPF_MUL:
				a *= src;
				break;
			case BPF_DIV:
				a = src ? a / src : (r.bad = true, 0);
				break;
			case BPF_OR:
				a |= src;
				break;
			case BPF_AND:
				a &= src;
				break;
			case BPF_LSH:
				a = src < 32 ? a << src : 0;
				break;
			case BPF_RSH:
				a = src < 32 ? a >> src : 0;
				break;
			case BPF_NEG:
				a = -a;
				break;
			case BPF_XOR:
				a ^= src;
				break;
			default:
				r.bad = true;
			}
			break;
		case BPF_JMP:
			src = BPF_SRC(f->code) == BPF_X ? x : f->k;
			switch (BPF_OP(f->code)) {
			case BPF_JA:
				pc += f->k;
				break;
			case BPF_JEQ:
				pc += a == src ? f->jt : f->jf;
				break;
			case BPF_JGT:
				pc += a > src ? f->jt : f->jf;
				break;
			case BPF_JGE:
				pc += a >= src ? f->jt : f->jf;
				break;
			case BPF_JSET:
				pc += (a & src) ? f->jt : f->jf;
				break;
			default:
				r.bad = true;
			}
			break;
		case BPF_RET:
			r.ret = BPF_RVAL(f->code) == BPF_A ? a : f->k;
			return r;
		case BPF_MISC:
			if (BPF_MISCOP(f->code) == BPF_TAX)
				x = a;
			else
				a = x;
			break;
		}
		if (r.bad)
			return r;
	}
	r.bad = true; /* fell off the end */
	return r;
}

static bool allows(uint32_t ret)
{
	uint32_t act = ret & SECCOMP_RET_ACTION_FULL;
	return act == SECCOMP_RET_ALLOW || act == SECCOMP_RET_LOG;
}

struct filter {
	const char *path;
	struct sock_filter *p;
	size_t n;
};

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

static int compare(struct filter *f, size_t nf)
{
	unsigned long probes = 0, diffs = 0;
	struct seccomp_data d;
	for (uint32_t nr = 0; nr < MAX_NR; nr++) {
		for (unsigned v = 0; v < NVEC; v++) {
			memset(&d, 0, sizeof d);
			d.nr = (int)nr;
			d.arch = NATIVE_AUDIT_ARCH;
			for (unsigned a = 0; a < 6; a++)
				d.args[a] = probe_value(v, a);
			struct run r0 = interpret(f[0].p, f[0].n, &d);
			for (size_t i = 1; i < nf; i++) {
				struct run ri = interpret(f[i].p, f[i].n, &d);
				if (ri.ret != r0.ret || ri.bad || r0.bad) {
					if (diffs < 10)
						printf("# differ: nr %u args %#" PRIx64 " %#" PRIx64 ": %s -> %#x, %s -> %#x\n",
						       nr, (uint64_t)d.args[0], (uint64_t)d.args[1], f[0].path, r0.ret,
						       f[i].path, ri.ret);
					diffs++;
				}
			}
			probes++;
		}
	}
	printf("agree probes=%lu differences=%lu\n", probes, diffs);
	return diffs ? 1 : 0;
}

static void stats(const struct filter *f)
{
	unsigned long asum = 0, dsum = 0, an = 0, dn = 0, amax = 0, dmax = 0;
	struct seccomp_data d;
	memset(&d, 0, sizeof d);
	d.arch = NATIVE_AUDIT_ARCH;
	for (uint32_t nr = 0; nr < MAX_NR; nr++) {
		d.nr = (int)nr;
		struct run r = interpret(f->p, f->n, &d);
		if (allows(r.ret)) {
			asum += r.steps;
			an++;
			amax = r.steps > amax ? r.steps : amax;
		} else {
			dsum += r.steps;
			dn++;
			dmax = r.steps > dmax ? r.steps : dmax;
		}
	}
	printf("%s len=%zu allowed=%lu allow_mean=%.1f allow_max=%lu denied=%lu deny_mean=%.1f deny_max=%lu\n", f->path,
	       f->n, an, an ? (double)asum / (double)an : 0.0, amax, dn, dn ? (double)dsum / (double)dn : 0.0, dmax);
}

int main(int argc, char **argv)
{
	int i = 1;
	bool path = false;
	struct seccomp_data one;

	memset(&one, 0, sizeof one);
	one.arch = NATIVE_AUDIT_ARCH;
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
	size_t nf = (size_t)(argc - i);
	struct filter *f = calloc(nf, sizeof *f);
	if (!f)
		return 1;
	for (size_t k = 0; k < nf; k++) {
		f[k].path = argv[i + (int)k];
		if (!(f[k].p = bpf_load(f[k].path, &f[k].n)))
			return 1;
	}
	int rc = 0;
	for (size_t k = 0; k < nf; k++) {
		if (path) {
			struct run r = interpret(f[k].p, f[k].n, &one);
			printf("%s nr=%d steps=%u ret=%#x%s\n", f[k].path, one.nr, r.steps, r.ret, r.bad ? " BAD" : "");
		} else {
			stats(&f[k]);
		}
	}
	if (!path && nf > 1)
		rc = compare(f, nf);
	for (size_t k = 0; k < nf; k++)
		free(f[k].p);
	free(f);
	return rc;
}
