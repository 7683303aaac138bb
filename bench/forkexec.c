/* forkexec - time commands by fork, exec and wait, many times.
 *
 *     forkexec [-n RUNS] [-w WARMUP] [-c CPU] [-v] -- CMD [ARG...] [::: CMD [ARG...]]...
 *
 * Runs the commands round-robin (A B C A B C ...) so that drift in the
 * machine's state hits all of them alike, WARMUP rounds untimed, then RUNS
 * timed rounds. Per run: the wall time from just before fork() to the
 * return of wait4(), and from wait4's rusage the peak RSS and the CPU
 * time. The command's stdout and stderr go to /dev/null (-v: kept). A run
 * that does not exit 0 stops everything (exit 1): a benchmark of a failing
 * command measures nothing. One line per command:
 *
 *     cmd=K runs=N median_us=X p10_us=X p90_us=X min_us=X cpu_us=X maxrss_kb=N maxrss_max_kb=N
 *
 * (cpu_us and maxrss_kb are medians.) -c pins the harness, hence every
 * child, to one CPU.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stats.h"

struct cmd {
	char **argv;
	double *wall, *cpu, *rss;
};

static int run_once(struct cmd *c, bool verbose, double *wall, double *cpu, double *rss)
{
	struct rusage ru;
	int status;
	double t0 = bench_now_ns();
	pid_t pid = fork();
	if (pid < 0) {
		perror("forkexec: fork");
		return -1;
	}
	if (pid == 0) {
		if (!verbose) {
			int fd = open("/dev/null", O_WRONLY);
			if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
				_exit(126);
			close(fd);
		}
		execv(c->argv[0], c->argv);
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("forkexec: wait4");
			return -1;
		}
	}
	double t1 = bench_now_ns();
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "forkexec: '%s' failed (status 0x%x); run it by hand to see why\n", c->argv[0], status);
		return -1;
	}
	*wall = (t1 - t0) / 1e3;
	*cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
	*rss = (double)ru.ru_maxrss;
	return 0;
}

int main(int argc, char **argv)
{
	long runs = 1000, warmup = 50;
	int cpu = -1, opt;
	bool verbose = false;

	while ((opt = getopt(argc, argv, "+n:w:c:v")) != -1) {
		switch (opt) {
		case 'n':
			runs = atol(optarg);
			break;
		case 'w':
			warmup = atol(optarg);
			break;
		case 'c':
			cpu = atoi(optarg);
			break;
		case 'v':
			verbose = true;
			break;
		default:
			goto usage;
		}
	}
	if (runs < 1 || warmup < 0 || optind >= argc)
		goto usage;

	struct cmd cmds[16];
	size_t nc = 0;
	for (int i = optind; i < argc; i++) {
		if (nc == 16)
			goto usage;
		cmds[nc].argv = &argv[i];
		while (i < argc && strcmp(argv[i], ":::") != 0)
			i++;
		if (i < argc)
			argv[i] = NULL; /* ends this command's argv */
		if (!cmds[nc].argv[0])
			goto usage;
		if (access(cmds[nc].argv[0], X_OK) < 0) {
			fprintf(stderr, "forkexec: %s: %s (give a full path)\n", cmds[nc].argv[0], strerror(errno));
			return 1;
		}
		nc++;
	}
	for (size_t k = 0; k < nc; k++) {
		cmds[k].wall = calloc((size_t)runs, sizeof(double));
		cmds[k].cpu = calloc((size_t)runs, sizeof(double));
		cmds[k].rss = calloc((size_t)runs, sizeof(double));
		if (!cmds[k].wall || !cmds[k].cpu || !cmds[k].rss)
			return 1;
	}
	if (cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof set, &set) < 0)
			perror("forkexec: sched_setaffinity (not pinned)");
	}
	for (long r = -warmup; r < runs; r++) {
		for (size_t k = 0; k < nc; k++) {
			double w, c, m;
			if (run_once(&cmds[k], verbose, &w, &c, &m) < 0)
				return 1;
			if (r >= 0) {
				cmds[k].wall[r] = w;
				cmds[k].cpu[r] = c;
				cmds[k].rss[r] = m;
			}
		}
	}
	for (size_t k = 0; k < nc; k++) {
		size_t n = (size_t)runs;
		double p10 = bench_pct(cmds[k].wall, n, 0.10), p90 = bench_pct(cmds[k].wall, n, 0.90);
		double med = bench_pct(cmds[k].wall, n, 0.5), min = cmds[k].wall[0];
		printf("cmd=%zu runs=%zu median_us=%.1f p10_us=%.1f p90_us=%.1f min_us=%.1f cpu_us=%.0f maxrss_kb=%.0f "
		       "maxrss_max_kb=%.0f\n",
		       k, n, med, p10, p90, min, bench_pct(cmds[k].cpu, n, 0.5), bench_pct(cmds[k].rss, n, 0.5),
		       bench_pct(cmds[k].rss, n, 1.0));
	}
	return 0;
usage:
	fprintf(stderr, "usage: forkexec [-n RUNS] [-w WARMUP] [-c CPU] [-v] -- CMD [ARG...] [::: CMD [ARG...]]...\n");
	return 2;
}
