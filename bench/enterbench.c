/* enterbench - the cost of entering a point with libcapr, against the
 * bare system calls that make the same change.
 *
 *     enterbench [-R ROUNDS] drop POLICY.capbin POINT
 *     enterbench [-R ROUNDS] seccomp POLICY.capbin POINT
 *
 * POLICY is opened once (capr_open); then, round-robin ROUNDS times, a
 * fresh child (a point is entered once per process) times
 *
 *   capr    capr_enter_policy(pol, POINT, 0, &err)
 *   direct  the system calls the stage comes down to, without the
 *           library's planning and read-back verification:
 *             drop     the stage "drop net_raw  no_new_privs":
 *                      PR_CAPBSET_DROP, capget + capset, PR_CAP_AMBIENT_LOWER,
 *                      PR_SET_NO_NEW_PRIVS
 *             seccomp  the stage "no_new_privs  seccomp {...}":
 *                      PR_SET_NO_NEW_PRIVS, seccomp(SET_MODE_FILTER, TSYNC)
 *                      of the very program in POLICY
 *
 * with CLOCK_MONOTONIC around the call (first-touch page faults of the
 * fresh child included, for both). Prints per variant
 *
 *     variant=capr|direct median_us=X p10_us=X p90_us=X
 *
 *     enterbench -1 drop|seccomp POLICY.capbin POINT
 *
 * runs each variant once, between the marker calls close(-100 - V) and
 * close(-110 - V) (V = 0 capr, 1 direct), for counting its system calls
 * under strace -f.
 */
#include <errno.h>
#include <stdbool.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bpfload.h"
#include "capr.h"
#include "stats.h"

static struct sock_fprog prog;

static int direct_drop(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	if (prctl(PR_CAPBSET_DROP, CAP_NET_RAW, 0, 0, 0) < 0 || syscall(SYS_capget, &h, d) < 0)
		return -1;
	d[0].permitted &= ~(1u << CAP_NET_RAW);
	d[0].effective &= ~(1u << CAP_NET_RAW);
	d[0].inheritable &= ~(1u << CAP_NET_RAW);
	if (syscall(SYS_capset, &h, d) < 0 ||
	    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, CAP_NET_RAW, 0, 0) < 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return 0;
}

static int direct_seccomp(void)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog) != 0)
		return -1;
	return 0;
}

static bool marked;

static double one(int variant, int (*direct)(void), capr_policy *pol, const char *point)
{
	int pfd[2], status;
	double t = -1;
	if (pipe(pfd) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct capr_error err;
		close(pfd[0]);
		if (marked)
			close(-100 - variant);
		double t0 = bench_now_ns();
		int rc = variant ? direct() : capr_enter_policy(pol, point, 0, &err);
		double dt = bench_now_ns() - t0;
		if (marked)
			close(-110 - variant);
		if (rc < 0) {
			if (variant)
				perror("enterbench: direct");
			else
				fprintf(stderr, "enterbench: capr_enter_policy: %s\n", capr_strerror(&err));
			_exit(1);
		}
		_exit(write(pfd[1], &dt, sizeof dt) == (ssize_t)sizeof dt ? 0 : 1);
	}
	close(pfd[1]);
	if (read(pfd[0], &t, sizeof t) != (ssize_t)sizeof t)
		t = -1;
	close(pfd[0]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		t = -1;
	return t;
}

int main(int argc, char **argv)
{
	long rounds = 400;
	int opt;

	while ((opt = getopt(argc, argv, "R:1")) != -1) {
		if (opt == 'R')
			rounds = atol(optarg);
		else if (opt == '1')
			marked = true;
		else
			goto usage;
	}
	if (argc - optind != 3 || rounds < 1)
		goto usage;
	const char *what = argv[optind], *path = argv[optind + 1], *point = argv[optind + 2];
	int (*direct)(void);
	if (strcmp(what, "drop") == 0) {
		direct = direct_drop;
	} else if (strcmp(what, "seccomp") == 0) {
		size_t n;
		if (!(prog.filter = bpf_load(path, &n)))
			return 1;
		prog.len = (unsigned short)n;
		direct = direct_seccomp;
	} else {
		goto usage;
	}
	struct capr_error err;
	capr_policy *pol = capr_open(path, &err);
	if (!pol) {
		fprintf(stderr, "enterbench: %s: %s\n", path, capr_strerror(&err));
		return 1;
	}
	if (marked) {
		int rc = one(0, direct, pol, point) < 0 || one(1, direct, pol, point) < 0;
		capr_close(pol);
		return rc;
	}
	double *t[2] = { calloc((size_t)rounds, sizeof(double)), calloc((size_t)rounds, sizeof(double)) };
	if (!t[0] || !t[1])
		return 1;
	for (long r = -rounds / 10; r < rounds; r++) { /* a tenth as warm-up */
		for (int v = 0; v < 2; v++) {
			double x = one(v, direct, pol, point);
			if (x < 0)
				return 1;
			if (r >= 0)
				t[v][r] = x / 1e3;
		}
	}
	for (int v = 0; v < 2; v++)
		printf("variant=%s median_us=%.2f p10_us=%.2f p90_us=%.2f\n", v ? "direct" : "capr",
		       bench_pct(t[v], (size_t)rounds, 0.5), bench_pct(t[v], (size_t)rounds, 0.1),
		       bench_pct(t[v], (size_t)rounds, 0.9));
	capr_close(pol);
	return 0;
usage:
	fprintf(stderr, "usage: enterbench [-R ROUNDS | -1] drop|seccomp POLICY.capbin POINT\n");
	return 2;
}
