/* compilebench - capc's compile of a policy, in-process, repeated.
 *
 *     compilebench [-R RUNS] [-t ABIS] [-b capc|libseccomp] POLICY...
 *
 * For each policy (.cap, or .json/.yaml read as capc reads them): the
 * file is read once, then RUNS times parsed, resolved, its filters
 * generated and the blob written to memory (what `capc -w POLICY -o OUT`
 * does, minus process start-up and the write), timed in thread CPU time.
 * Prints per policy:
 *
 *     POLICY runs=N median_us=X p10_us=X p90_us=X insns=N bytes=N
 *
 * insns: BPF instructions of all filters of the blob; bytes: its size.
 * Exit status 1 if a policy does not compile.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ast.h"
#include "bpfload.h"
#include "diag.h"
#include "ir.h"
#include "sema.h"
#include "stats.h"
#include "yaml_input.h"

static double cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int compile_once(const char *path, const char *buf, size_t len, const char *const *target,
			enum sc_backend be, size_t *insns, size_t *bytes)
{
	size_t n = strlen(path);
	bool yaml = n > 5 && (strcmp(path + n - 5, ".json") == 0 || strcmp(path + n - 5, ".yaml") == 0);
	struct ast_unit *u;
	if (yaml) {
		u = yaml_parse_file(path, target);
	} else {
		struct src_file *f = diag_load_text(path, buf, len);
		u = f ? ast_parse_file(f) : NULL;
	}
	struct sema_opts opts = { .target = target, .generate = true, .host_lookup = false, .backend = be };
	struct ir_policy ir;
	int rc = -1;
	if (u && !diag_error_count() && sema_build(u, &opts, &ir) == 0 && !diag_error_count()) {
		uint8_t *blob = NULL;
		char err[256];
		if (emit_blob(&ir, &blob, bytes, err, sizeof err) == 0) {
			rc = 0;
			*insns = 0;
			for (size_t s = 0; s < ir.nstages; s++)
				for (size_t a = 0; a < ir.narch; a++)
					*insns += ir.stages[s].progs[a].n;
		}
		free(blob);
		ir_free(&ir);
	}
	if (u)
		ast_free_unit(u);
	return rc;
}

int main(int argc, char **argv)
{
	int runs = 200, i = 1;
	static char *target[8];
	enum sc_backend be = SC_BACKEND_CAPC;
	const char *const *tg = NULL;
	for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (strcmp(argv[i], "-R") == 0) {
			runs = atoi(argv[i + 1]);
		} else if (strcmp(argv[i], "-t") == 0) {
			size_t k = 0;
			for (char *s = strtok(argv[i + 1], ","); s && k < 7; s = strtok(NULL, ","))
				target[k++] = s;
			tg = (const char *const *)target;
		} else if (strcmp(argv[i], "-b") == 0) {
			be = strcmp(argv[i + 1], "libseccomp") == 0 ? SC_BACKEND_LIBSECCOMP : SC_BACKEND_CAPC;
		} else {
			break;
		}
	}
	if (i >= argc || runs < 1) {
		fprintf(stderr, "usage: compilebench [-R RUNS] [-t ABIS] [-b capc|libseccomp] POLICY...\n");
		return 2;
	}
	FILE *devnull = fopen("/dev/null", "w");
	int status = 0;
	for (; i < argc; i++) {
		size_t len = 0, insns = 0, bytes = 0;
		char *buf = bench_read_file(argv[i], &len);
		double *t = calloc((size_t)runs, sizeof *t);
		if (!buf || !t)
			return 1;
		diag_set_stream(devnull);
		diag_set_warnings_enabled(false); /* as capc -w, which the other rows run */
		bool ok = true;
		/* one unmeasured run warms the caches and libseccomp's tables */
		for (int r = -1; r < runs && ok; r++) {
			double t0 = cpu_ns();
			ok = compile_once(argv[i], buf, len, tg, be, &insns, &bytes) == 0;
			if (r >= 0)
				t[r] = (cpu_ns() - t0) / 1000.0;
		}
		diag_set_stream(stderr);
		if (!ok) {
			fprintf(stderr, "compilebench: %s does not compile\n", argv[i]);
			status = 1;
		} else {
			printf("%s runs=%d median_us=%.1f p10_us=%.1f p90_us=%.1f insns=%zu bytes=%zu\n", argv[i], runs,
			       bench_pct(t, (size_t)runs, 0.5), bench_pct(t, (size_t)runs, 0.1),
			       bench_pct(t, (size_t)runs, 0.9), insns, bytes);
		}
		free(t);
		free(buf);
	}
	diag_shutdown();
	fclose(devnull);
	return status;
}
