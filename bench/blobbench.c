/* blobbench - libcapr's load and validation of a blob in memory.
 *
 *     blobbench [-n CALLS] [-R REPS] BLOB...
 *
 * Per blob: REPS times, CALLS calls of capr_open_mem() + capr_close() on
 * the bytes read from BLOB, timed in this thread's CPU time; prints the
 * median, 10th and 90th percentile of the time per call:
 *
 *     blob=PATH bytes=N median_us=X p10_us=X p90_us=X
 *
 * capr_open_mem is everything capload, the preload object and pam_capc do
 * with a blob before applying it: checksum, every structural check of
 * docs/capbin.md (the BPF checker included), the copy into the handle.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bpfload.h"
#include "capr.h"
#include "stats.h"

static double cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long calls = 2000, reps = 31;
	int opt;

	while ((opt = getopt(argc, argv, "n:R:")) != -1) {
		if (opt == 'n')
			calls = atol(optarg);
		else if (opt == 'R')
			reps = atol(optarg);
		else
			goto usage;
	}
	if (optind >= argc || calls < 1 || reps < 1)
		goto usage;
	double *t = calloc((size_t)reps, sizeof *t);
	if (!t)
		return 1;
	for (int i = optind; i < argc; i++) {
		size_t len;
		void *buf = bench_read_file(argv[i], &len);
		struct capr_error err;
		if (!buf)
			return 1;
		for (long r = -1; r < reps; r++) { /* one untimed warm-up rep */
			double t0 = cpu_ns();
			for (long c = 0; c < calls; c++) {
				capr_policy *pol = capr_open_mem(buf, len, &err);
				if (!pol) {
					fprintf(stderr, "blobbench: %s: %s\n", argv[i], capr_strerror(&err));
					return 1;
				}
				capr_close(pol);
			}
			if (r >= 0)
				t[r] = (cpu_ns() - t0) / (double)calls / 1e3;
		}
		printf("blob=%s bytes=%zu median_us=%.2f p10_us=%.2f p90_us=%.2f\n", argv[i], len,
		       bench_pct(t, (size_t)reps, 0.5), bench_pct(t, (size_t)reps, 0.1), bench_pct(t, (size_t)reps, 0.9));
		free(buf);
	}
	free(t);
	return 0;
usage:
	fprintf(stderr, "usage: blobbench [-n CALLS] [-R REPS] BLOB...\n");
	return 2;
}
