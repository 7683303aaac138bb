/* test_bpf_klen.c - capr_bpf_kernel_len() (runtime/capr_bpf.c) against
 * the running kernel's own count.
 *
 * The kernel does not report how long a filter is after its conversion to
 * eBPF, but it enforces a limit on the sum (MAX_INSNS_PER_PATH), so the
 * length can be measured: in a child with no_new_privs, install padding
 * filters of known size, then the filter under test, and find by
 * bisection the most padding with which the kernel still accepts it. The
 * padding is n-1 loads and a `ret K`, whose converted size is beyond doubt
 * (checked here too: a one-instruction `ret K` must measure 5).
 *
 * The programs: hand-written ones for each case of the conversion (jumps
 * whose false branch falls through, inverted jumps, jset, constants with
 * bit 31 set, ret A, division by X, scratch memory), then every seccomp
 * filter of the golden blobs (the .capbin files in tests/golden/expected), which
 * libseccomp wrote. Prints TAP-style ok / not ok lines; runs from the
 * source tree (make check's working directory).
 */
#include <errno.h>
#include <glob.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../runtime/capr_internal.h"
#include "capbin.h"
#include "tap.h"


static struct sock_filter pad[CAPBIN_MAX_BPF_INSNS];

static int install(struct sock_filter *f, size_t n)
{
	struct sock_fprog p = {(unsigned short)n, f};
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &p);
}

/* 1: the kernel accepts f after filters of npad padding instructions in
 * all (in pieces of at most 4096, none shorter than 2); 0: ENOMEM; -1: any
 * other outcome. The filter under test goes last and may deny every
 * system call, so the child reports through shared memory and ends with
 * an illegal instruction, which no filter can stop. */
static int fits(const struct sock_filter *f, size_t n, size_t npad)
{
	volatile int *res = mmap(NULL, sizeof *res, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int st, r = -1;

	if (res == MAP_FAILED)
		return -1;
	*res = -1;
	pid_t pid = fork();
	if (pid < 0) {
		munmap((void *)res, sizeof *res);
		return -1;
	}
	if (pid == 0) {
		struct rlimit nocore = {0, 0};
		setrlimit(RLIMIT_CORE, &nocore);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
			_exit(3);
		while (npad) {
			size_t k = npad > CAPBIN_MAX_BPF_INSNS ? CAPBIN_MAX_BPF_INSNS : npad;
			if (npad - k == 1)
				k--;
			pad[k - 1] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
			if (install(pad, k))
				_exit(3);
			pad[k - 1] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0);
			npad -= k;
		}
		int ir = install((struct sock_filter *)f, n);
		*res = ir == 0 ? 1 : errno == ENOMEM ? 0 : -1;
		__builtin_trap();
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			goto out;
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGILL)
		r = *res;
out:
	munmap((void *)res, sizeof *res);
	return r;
}

/* Pieces fits() cuts npad into. */
static size_t pieces(size_t npad)
{
	size_t c = 0;
	while (npad) {
		size_t k = npad > CAPBIN_MAX_BPF_INSNS ? CAPBIN_MAX_BPF_INSNS : npad;
		if (npad - k == 1)
			k--;
		npad -= k;
		c++;
	}
	return c;
}

/* The kernel's length of f, or 0 if it cannot be measured. With padding
 * pieces of m_j instructions (converted: m_j + 4 each, plus the penalty
 * of 4 each as installed filters), the kernel accepts f exactly when
 * sum(m_j) + 8 * pieces + len(f) <= CAPBIN_MAX_PATH_INSNS. */
static size_t measure(const struct sock_filter *f, size_t n)
{
	size_t lo = 0, hi = CAPBIN_MAX_PATH_INSNS;
	int r = fits(f, n, 0);

	if (r != 1)
		return 0;
	while (lo < hi) {
		size_t mid = (lo + hi + 1) / 2;
		if (mid == 1)
			mid = 2;
		r = fits(f, n, mid);
		if (r < 0)
			return 0;
		if (r)
			lo = mid;
		else
			hi = mid - 1;
		if (mid == 2 && !r)
			break;
	}
	return CAPBIN_MAX_PATH_INSNS - lo - 8 * pieces(lo);
}

static void check(const char *what, const struct sock_filter *f, size_t n)
{
	char why[160];
	if (capr_bpf_check(f, n, why, sizeof why) < 0) {
		ok(0, "%s: capr_bpf_check refuses it: %s", what, why);
		return;
	}
	size_t model = capr_bpf_kernel_len(f, n), kernel = measure(f, n);
	ok(kernel && model == kernel, "%s: %zu classic instructions, capr_bpf_kernel_len %zu, the kernel %zu", what, n,
	   model, kernel);
}

#define J(op, k, jt, jf) BPF_JUMP(BPF_JMP | (op) | BPF_K, (k), (jt), (jf))
#define LD(off) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define RET(k) BPF_STMT(BPF_RET | BPF_K, (k))
#define ALLOW RET(SECCOMP_RET_ALLOW)

static void hand_written(void)
{
	struct sock_filter ret_only[] = {ALLOW};
	struct sock_filter jf_zero[] = {LD(0), J(BPF_JEQ, 1, 1, 0), ALLOW, ALLOW};
	struct sock_filter inverted[] = {LD(0), J(BPF_JEQ, 1, 0, 1), J(BPF_JGT, 2, 0, 1), J(BPF_JGE, 3, 0, 1), ALLOW,
					 ALLOW};
	struct sock_filter both[] = {LD(0), J(BPF_JEQ, 1, 1, 2), ALLOW, ALLOW, ALLOW};
	struct sock_filter jset[] = {LD(0), J(BPF_JSET, 1, 0, 1), J(BPF_JSET, 2, 1, 0), ALLOW, ALLOW};
	struct sock_filter bit31[] = {LD(4),	J(BPF_JEQ, 0xc000003e, 0, 3), J(BPF_JEQ, 0x80000000, 1, 2),
				      ALLOW,	J(BPF_JGE, 0xffffffff, 1, 0), ALLOW, ALLOW};
	struct sock_filter x_ops[] = {
		LD(16),
		BPF_STMT(BPF_MISC | BPF_TAX, 0),
		BPF_STMT(BPF_LD | BPF_IMM, 12),
		BPF_STMT(BPF_ALU | BPF_DIV | BPF_X, 0),
		BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, 0x80000001),
		BPF_STMT(BPF_ST, 3),
		BPF_STMT(BPF_LDX | BPF_MEM, 3),
		BPF_STMT(BPF_MISC | BPF_TXA, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_X, 0, 1, 2),
		BPF_STMT(BPF_JMP | BPF_JA, 0),
		BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),
		BPF_STMT(BPF_LD | BPF_IMM, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
#define CHECK(name, p) check("hand-written: " name, p, sizeof p / sizeof p[0])
	CHECK("ret K alone (the padding's unit)", ret_only);
	CHECK("jump, false branch falls through", jf_zero);
	CHECK("jeq/jgt/jge with jt 0 (inverted)", inverted);
	CHECK("jump with both branches taken", both);
	CHECK("jset with jt 0 (not inverted)", jset);
	CHECK("constants with bit 31 set", bit31);
	CHECK("div X, scratch memory, X register, ja, len, ret A", x_ops);
}

static void golden_blobs(void)
{
	glob_t g;
	size_t nfilters = 0;

	if (glob("tests/golden/expected/*.capbin", 0, NULL, &g) != 0) {
		ok(0, "golden blobs: none found under tests/golden/expected (run from the source tree)");
		return;
	}
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct capr_error e;
		capr_policy *pol = capr_open(g.gl_pathv[i], &e);
		if (!pol) {
			ok(0, "%s: %s", g.gl_pathv[i], e.msg);
			continue;
		}
		for (size_t s = 0; s < pol->nstages; s++) {
			const struct capr_stage *st = &pol->stages[s];
			if (!st->filter)
				continue;
			size_t model = capr_bpf_kernel_len(st->filter, st->filter_len), kernel = measure(st->filter, st->filter_len);
			nfilters++;
			ok(kernel && model == kernel, "%s stage '%s': %zu classic, capr_bpf_kernel_len %zu, the kernel %zu",
			   g.gl_pathv[i], st->point, st->filter_len, model, kernel);
		}
		capr_close(pol);
	}
	globfree(&g);
	ok(nfilters >= 10, "golden blobs: %zu filters measured", nfilters);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	hand_written();
	golden_blobs();
	return failures ? 1 : 0;
}
