/* syscost - what a seccomp filter adds to each system call.
 *
 *     syscost [-n CALLS] [-R ROUNDS] [-c CPU] CONFIG [::: CONFIG]...
 *
 * CONFIG is one of
 *     none                 no filter
 *     bpf FILTER.bpf       a raw program, loaded with seccomp(2)
 *     capbin POLICY.capbin its exec stage, applied by libcapr
 *
 * For each of ROUNDS rounds and each CONFIG in turn (round-robin, so that
 * the machine's drift hits every configuration alike), a fresh child
 * installs the filter (after no_new_privs), warms up, and times CALLS
 * back-to-back calls of each probe in its own CPU time
 * (CLOCK_THREAD_CPUTIME_ID: time spent preempted by other processes does
 * not count). Per CONFIG and probe, the median over the rounds of the
 * time per call, and the 10th and 90th percentiles:
 *
 *     config=K probe=NAME median_ns=X p10_ns=X p90_ns=X errno=E
 *
 * The probes are harmless with or without a filter, and chosen for how
 * the kernel runs a filter (Linux >= 5.11 caches, per syscall number,
 * "every filter allows it whatever the arguments" and then skips the
 * filters entirely):
 *
 *   getppid           allowed unconditionally by the Docker profile: the
 *                     cache skips the filter, the cost should be ~0
 *   personality(~0)   allowed after an argument test (a query only)
 *   socket(AF_INET, -1, 0)
 *                     allowed after socket()'s argument tests (type -1
 *                     makes the kernel fail it at once: EINVAL)
 *   socket(AF_ALG, -1, 0)
 *                     a domain the profile refuses: EPERM from the filter
 *                     after the same tests, EINVAL without a filter
 *   setns(-1, 0)      not allowed: the filter runs to its default action
 *                     (EPERM; EBADF without a filter)
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
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

struct probe {
	const char *name;
	long nr;
	long a0, a1, a2;
};

static const struct probe probes[] = {
	{ "getppid", SYS_getppid, 0, 0, 0 },
	{ "personality", SYS_personality, 0xffffffffL, 0, 0 },
	{ "socket_inet", SYS_socket, 2, -1, 0 },
	{ "socket_alg", SYS_socket, 38, -1, 0 },
	{ "setns", SYS_setns, -1, 0, 0 },
};
#define NPROBES (sizeof probes / sizeof probes[0])

struct result {
	double ns[NPROBES];
	int err[NPROBES];
};

static int install(char **cfg)
{
	if (strcmp(cfg[0], "none") == 0)
		return 0;
	if (strcmp(cfg[0], "bpf") == 0 && cfg[1]) {
		size_t n;
		struct sock_filter *p = bpf_load(cfg[1], &n);
		if (!p)
			return -1;
		struct sock_fprog prog = { (unsigned short)n, p };
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) {
			perror("syscost: seccomp");
			return -1;
		}
		free(p);
		return 0;
	}
	if (strcmp(cfg[0], "capbin") == 0 && cfg[1]) {
		struct capr_error err;
		capr_policy *pol = capr_open(cfg[1], &err);
		if (!pol || capr_enter_policy(pol, "exec", 0, &err) < 0) {
			fprintf(stderr, "syscost: %s: %s\n", cfg[1], capr_strerror(&err));
			return -1;
		}
		capr_close(pol);
		return 0;
	}
	fprintf(stderr, "syscost: unknown configuration '%s'\n", cfg[0]);
	return -1;
}

static double cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void child(char **cfg, long calls, int fd)
{
	struct result r;
	if (install(cfg) < 0)
		_exit(1);
	for (size_t p = 0; p < NPROBES; p++) {
		const struct probe *q = &probes[p];
		for (long i = 0; i < calls / 4; i++) /* warm-up */
			syscall(q->nr, q->a0, q->a1, q->a2);
		double t0 = cpu_ns();
		for (long i = 0; i < calls; i++)
			syscall(q->nr, q->a0, q->a1, q->a2);
		r.ns[p] = (cpu_ns() - t0) / (double)calls;
		errno = 0;
		r.err[p] = syscall(q->nr, q->a0, q->a1, q->a2) < 0 ? errno : 0;
	}
	_exit(write(fd, &r, sizeof r) == (ssize_t)sizeof r ? 0 : 1);
}

static int run(char **cfg, long calls, struct result *r)
{
	int pfd[2], status;
	if (pipe(pfd) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(pfd[0]);
		child(cfg, calls, pfd[1]);
	}
	close(pfd[1]);
	ssize_t got = read(pfd[0], r, sizeof *r);
	close(pfd[0]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 || got != (ssize_t)sizeof *r) {
		fprintf(stderr, "syscost: configuration '%s' failed\n", cfg[0]);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	long calls = 50000, rounds = 21;
	int opt, cpu = -1;

	while ((opt = getopt(argc, argv, "+n:R:c:")) != -1) {
		if (opt == 'n')
			calls = atol(optarg);
		else if (opt == 'R')
			rounds = atol(optarg);
		else if (opt == 'c')
			cpu = atoi(optarg);
		else
			goto usage;
	}
	if (optind >= argc || calls < 1 || rounds < 1)
		goto usage;
	char **cfg[8];
	size_t nc = 0;
	for (int i = optind; i < argc; i++) {
		if (nc == 8)
			goto usage;
		cfg[nc++] = &argv[i];
		while (i < argc && strcmp(argv[i], ":::") != 0)
			i++;
		if (i < argc)
			argv[i] = NULL;
	}
	if (cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof set, &set) < 0)
			perror("syscost: sched_setaffinity (not pinned)");
	}
	struct result *res = calloc((size_t)rounds * nc, sizeof *res);
	double *v = calloc((size_t)rounds, sizeof *v);
	if (!res || !v)
		return 1;
	for (long r = 0; r < rounds; r++)
		for (size_t k = 0; k < nc; k++)
			if (run(cfg[k], calls, &res[(size_t)r * nc + k]) < 0)
				return 1;
	for (size_t k = 0; k < nc; k++) {
		for (size_t p = 0; p < NPROBES; p++) {
			for (long r = 0; r < rounds; r++)
				v[r] = res[(size_t)r * nc + k].ns[p];
			int e = res[k].err[p];
			double med = bench_pct(v, (size_t)rounds, 0.5);
			printf("config=%zu probe=%s median_ns=%.1f p10_ns=%.1f p90_ns=%.1f errno=%s\n", k, probes[p].name,
			       med, bench_pct(v, (size_t)rounds, 0.1), bench_pct(v, (size_t)rounds, 0.9),
			       e ? strerrorname_np(e) : "0");
		}
	}
	free(res);
	free(v);
	return 0;
usage:
	fprintf(stderr, "usage: syscost [-n CALLS] [-R ROUNDS] [-c CPU] none|bpf FILE|capbin FILE [::: ...]...\n");
	return 2;
}
