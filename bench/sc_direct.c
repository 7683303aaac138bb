/* sc_direct - the "libseccomp direct" baseline: what a container runtime
 * does with a Docker profile (runc through libseccomp-golang), in C.
 *
 *     sc_direct [-O LEVEL] PROFILE.json OUT.bpf|-
 *
 * Reads the profile (libyaml, as capc reads it), resolves it like Docker
 * (docker_profile.h), then seccomp_init(default), one
 * seccomp_rule_add_array() per (entry, syscall), seccomp_export_bpf() of
 * the raw program. -O 1 (the default) is libseccomp's default linear
 * filter, as runc generates it; -O 2 is libseccomp's binary tree, as capc
 * asks for. The filter is for the native ABI only, with the bad-arch
 * action capc uses (kill process), so the only differences left to capc's
 * filter are the layout. Syscalls that do not exist on the native ABI are
 * skipped (libseccomp would emit dead comparisons of pseudo numbers for
 * them; capc leaves them out too).
 */
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "docker_profile.h"

static enum scmp_compare op(enum dp_op o)
{
	switch (o) {
	case DP_NE:
		return SCMP_CMP_NE;
	case DP_LT:
		return SCMP_CMP_LT;
	case DP_LE:
		return SCMP_CMP_LE;
	case DP_EQ:
		return SCMP_CMP_EQ;
	case DP_GE:
		return SCMP_CMP_GE;
	case DP_GT:
		return SCMP_CMP_GT;
	case DP_MASKED_EQ:
		break;
	}
	return SCMP_CMP_MASKED_EQ;
}

int main(int argc, char **argv)
{
	int level = 1, c;
	struct dp_profile p;

	while ((c = getopt(argc, argv, "O:")) != -1) {
		if (c != 'O' || (strcmp(optarg, "1") && strcmp(optarg, "2"))) {
			fprintf(stderr, "usage: sc_direct [-O 1|2] PROFILE.json OUT.bpf|-\n");
			return 2;
		}
		level = atoi(optarg);
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: sc_direct [-O 1|2] PROFILE.json OUT.bpf|-\n");
		return 2;
	}
	if (dp_load(argv[optind], &p) < 0)
		return 1;
	/* As capc does: the output must not depend on what the build host's
	 * kernel supports (and valgrind, which the benchmark runs this under,
	 * does not know seccomp(2), so libseccomp would probe API level 1 and
	 * refuse the kill-process action). */
	if (seccomp_api_set(3) < 0) {
		fprintf(stderr, "sc_direct: libseccomp refused API level 3\n");
		return 1;
	}
	scmp_filter_ctx ctx = seccomp_init(p.default_action);
	if (!ctx || seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) < 0 ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0) < 0 ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, (uint32_t)level) < 0) {
		fprintf(stderr, "sc_direct: libseccomp refused the filter setup\n");
		return 1;
	}
	size_t added = 0;
	for (size_t i = 0; i < p.nrules; i++) {
		const struct dp_rule *r = &p.rules[i];
		struct scmp_arg_cmp cmp[6];
		if (r->nargs > 6) {
			fprintf(stderr, "sc_direct: entry with %zu argument tests\n", r->nargs);
			return 1;
		}
		for (size_t a = 0; a < r->nargs; a++) {
			cmp[a].arg = r->args[a].index;
			cmp[a].op = op(r->args[a].op);
			cmp[a].datum_a = r->args[a].value;
			cmp[a].datum_b = r->args[a].value_two;
		}
		for (size_t n = 0; n < r->nnames; n++) {
			int nr = seccomp_syscall_resolve_name(r->names[n]);
			if (nr < 0)
				continue; /* not on this ABI */
			int rc = seccomp_rule_add_array(ctx, r->action, nr, (unsigned)r->nargs, cmp);
			if (rc < 0) {
				fprintf(stderr, "sc_direct: libseccomp refused %s: %s\n", r->names[n], strerror(-rc));
				return 1;
			}
			added++;
		}
	}
	int fd = strcmp(argv[optind + 1], "-") == 0 ? 1 : open(argv[optind + 1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		fprintf(stderr, "sc_direct: %s: %s\n", argv[optind + 1], strerror(errno));
		return 1;
	}
	int rc = seccomp_export_bpf(ctx, fd);
	if (rc < 0 || (fd != 1 && close(fd) < 0)) {
		fprintf(stderr, "sc_direct: export: %s\n", strerror(rc < 0 ? -rc : errno));
		return 1;
	}
	seccomp_release(ctx);
	dp_free(&p);
	(void)added;
	return 0;
}
