/* test_docker.c - Docker's default seccomp profile (../shared/data), as
 * capc imports and compiles it, against a filter built from the very same
 * JSON straight with libseccomp (as runc builds it; the reader is the
 * benchmark's own, bench/docker_profile.c, independent of capc's). Both
 * programs run in capc's BPF interpreter for every x86_64 syscall number,
 * with every argument value Docker's rules name and its neighbours; any
 * difference is listed by syscall.
 *
 * Values are taken within the argument's width: above an int's 32 bits is
 * where capc deliberately differs (the kernel reads only the low bits,
 * compiler/data/syscall-widths.txt; libseccomp compares all 64).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../bench/docker_profile.c"
#include "ast.h"
#include "bpf_run.h"
#include "diag.h"
#include "sema.h"
#include "tables.h"
#include "tap.h"
#include "yaml_input.h"

static enum scmp_compare op_of(enum dp_op o)
{
	switch (o) {
	case DP_NE: return SCMP_CMP_NE;
	case DP_LT: return SCMP_CMP_LT;
	case DP_LE: return SCMP_CMP_LE;
	case DP_EQ: return SCMP_CMP_EQ;
	case DP_GE: return SCMP_CMP_GE;
	case DP_GT: return SCMP_CMP_GT;
	case DP_MASKED_EQ: break;
	}
	return SCMP_CMP_MASKED_EQ;
}

/* The libseccomp filter of the profile, exported into memory. */
static int direct(const struct dp_profile *p, struct ir_prog *out)
{
	scmp_filter_ctx ctx;
	if (seccomp_api_set(3) < 0 || !(ctx = seccomp_init(p->default_action)))
		return -1;
	seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	for (size_t i = 0; i < p->nrules; i++) {
		const struct dp_rule *r = &p->rules[i];
		struct scmp_arg_cmp cmp[6];
		for (size_t a = 0; a < r->nargs && a < 6; a++)
			cmp[a] = (struct scmp_arg_cmp){ r->args[a].index, op_of(r->args[a].op), r->args[a].value,
							r->args[a].value_two };
		for (size_t n = 0; n < r->nnames; n++) {
			int nr = seccomp_syscall_resolve_name(r->names[n]);
			if (nr >= 0 && seccomp_rule_add_array(ctx, r->action, nr, (unsigned)r->nargs, cmp) < 0)
				return -1;
		}
	}
	int fd = memfd_create("bpf", 0);
	if (fd < 0 || seccomp_export_bpf(ctx, fd) < 0)
		return -1;
	off_t len = lseek(fd, 0, SEEK_END);
	out->n = (size_t)len / 8;
	out->insns = malloc((size_t)len);
	if (!out->insns || pread(fd, out->insns, (size_t)len, 0) != len)
		return -1;
	close(fd);
	seccomp_release(ctx);
	return 0;
}

int main(void)
{
	const char *src = getenv("CAPC_SRC");
	char path[4096];
	snprintf(path, sizeof path, "%s/../shared/data/docker-default-seccomp.json", src ? src : ".");
	if (access(path, R_OK) != 0) {
		ok(1, "# SKIP no ../shared/data/docker-default-seccomp.json");
		return 0;
	}
	if (seccomp_arch_native() != SCMP_ARCH_X86_64) {
		ok(1, "# SKIP the comparison is for x86_64");
		return 0;
	}
	FILE *devnull = fopen("/dev/null", "w");
	diag_set_stream(devnull);
	static const char *const target[] = { "x86_64", NULL };
	struct ast_unit *u = yaml_parse_file(path, target);
	struct ir_policy ir;
	struct sema_opts opts = { .target = target, .generate = true };
	bool compiled = u && sema_build(u, &opts, &ir) == 0 && diag_error_count() == 0;
	ok(compiled, "capc imports and compiles Docker's default profile");
	struct dp_profile p;
	struct ir_prog lib = { 0 };
	bool built = dp_load(path, &p) == 0 && direct(&p, &lib) == 0;
	ok(built, "libseccomp builds the profile directly (%zu rules, %zu instructions)", built ? p.nrules : 0, lib.n);
	if (!compiled || !built)
		return 1;
	const struct ir_prog *capc = &ir.stages[0].progs[0];

	size_t calls = 0, diffs = 0;
	char listed[8192] = "";
	for (int nr = 0; nr < 1024; nr++) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr);
		/* the argument values of this syscall's rules, and neighbours */
		uint64_t vals[6][64];
		size_t nv[6] = { 0 };
		for (size_t i = 0; name && i < p.nrules; i++) {
			bool mine = false;
			for (size_t n = 0; n < p.rules[i].nnames; n++)
				mine |= strcmp(p.rules[i].names[n], name) == 0;
			for (size_t a = 0; mine && a < p.rules[i].nargs; a++) {
				unsigned k = p.rules[i].args[a].index;
				unsigned bits = tbl_syscall_arg_bits(name, k, 64);
				uint64_t max = bits >= 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
				uint64_t base[2] = { p.rules[i].args[a].value, p.rules[i].args[a].value_two };
				for (int b = 0; b < 2; b++)
					for (int d = -1; d <= 1 && nv[k] < 61; d++) {
						uint64_t v = base[b] + (uint64_t)(int64_t)d;
						if (v <= max)
							vals[k][nv[k]++] = v;
					}
			}
		}
		for (int k = -1; k < 6; k++) {
			size_t ncalls = k < 0 ? 1 : nv[k];
			for (size_t j = 0; j < ncalls; j++) {
				struct bpf_input in = { .nr = nr, .arch = AUDIT_ARCH_X86_64 };
				if (k >= 0)
					in.args[k] = vals[k][j];
				struct bpf_result a, b;
				calls++;
				if (!bpf_run(capc->insns, capc->n, &in, true, &a) || !bpf_run(lib.insns, lib.n, &in, true, &b) ||
				    a.action != b.action) {
					diffs++;
					size_t l = strlen(listed);
					snprintf(listed + l, sizeof listed - l, " %s(arg%d=%#llx): capc %#x, libseccomp %#x;",
						 name ? name : "?", k, k >= 0 ? (unsigned long long)vals[k][j] : 0ULL, a.action,
						 b.action);
				}
			}
		}
		free(name);
	}
	ok(diffs == 0, "capc's filter and libseccomp's decide alike on %zu calls (every syscall number, the values Docker's rules name and their neighbours)%s%s",
	   calls, diffs ? ": differ:" : "", listed);
	printf("# capc: %zu instructions, libseccomp: %zu\n", capc->n, lib.n);
	ir_free(&ir);
	ast_free_unit(u);
	dp_free(&p);
	free(lib.insns);
	diag_shutdown();
	fclose(devnull);
	return failures != 0;
}
