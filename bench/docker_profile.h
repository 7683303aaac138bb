/* docker_profile.h - a Docker/OCI seccomp profile, resolved the way Docker
 * resolves it at container start, for the benchmarks.
 *
 * Both sides of the compile benchmark start from this: docker2cap writes
 * the rules as a capc policy, sc_direct hands the very same rules to
 * libseccomp (as runc does). The choices are the ones capc's own importer
 * makes (compiler/yaml_input.c): Docker's default capability set, the
 * build host's architecture (amd64 here), and a kernel new enough for
 * every minKernel. Syscall names libseccomp does not know are skipped, as
 * runc skips them.
 */
#ifndef BENCH_DOCKER_PROFILE_H
#define BENCH_DOCKER_PROFILE_H

#include <stddef.h>
#include <stdint.h>

enum dp_op { DP_NE, DP_LT, DP_LE, DP_EQ, DP_GE, DP_GT, DP_MASKED_EQ };

struct dp_arg {
	unsigned index;
	enum dp_op op;
	uint64_t value;     /* the mask for DP_MASKED_EQ */
	uint64_t value_two; /* the compared value for DP_MASKED_EQ */
};

struct dp_rule {
	char **names; /* known to libseccomp only */
	size_t nnames;
	uint32_t action; /* SCMP_ACT_* value */
	struct dp_arg *args;
	size_t nargs;
};

struct dp_profile {
	uint32_t default_action;
	struct dp_rule *rules; /* entries that apply, in file order */
	size_t nrules;
	size_t skipped_entries; /* entries includes/excludes leave out */
	size_t unknown_names;   /* names libseccomp 2.5 does not know */
};

/* Returns 0, or -1 after printing why to stderr. */
int dp_load(const char *path, struct dp_profile *out);
void dp_free(struct dp_profile *p);

#endif /* BENCH_DOCKER_PROFILE_H */
