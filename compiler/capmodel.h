/* capmodel.h - what the kernel does to a process's capability state.
 *
 * A small model of the Linux rules the language's semantics are defined
 * by (capabilities(7)): a stage's and/or masks, the bounding set, the
 * identity switch, and execve() for a program without file capabilities.
 * sema.c runs it on "may hold" sets to find policies that cannot take
 * effect; dump.c runs it on a start state to print what the program will
 * see, which the runtime tests compare with /proc/self/status.
 */
#ifndef CAPC_CAPMODEL_H
#define CAPC_CAPMODEL_H

#include <stdbool.h>
#include <stdint.h>

struct cm_state {
	uint64_t bnd, prm, eff, inh, amb;
	uint32_t securebits;
	bool root; /* some uid is 0 (real or effective): root's execve rules apply */
	bool nnp;
	unsigned filters; /* seccomp filters installed */
};

/* The fields of a stage the model needs (same meaning as capbin_stage). */
struct cm_stage {
	uint32_t flags;
	uint32_t securebits, securebits_mask;
	uint64_t bounding;
	uint64_t prm_and, prm_or, eff_and, eff_or, inh_and, inh_or, amb_and, amb_or;
	bool user_is_root; /* with CAPBIN_STAGE_USER: the target uid is 0 */
};

/* The model's view of a stage: works on struct ir_stage (compiler) and on
 * a decoded struct capbin_stage (dump), whose fields have the same names. */
#define CM_STAGE_OF(s, is_root)                                                                     \
	((struct cm_stage){                                                                         \
		.flags = (s)->flags,                                                                \
		.securebits = (s)->securebits,                                                      \
		.securebits_mask = (s)->securebits_mask,                                            \
		.bounding = (s)->bounding,                                                          \
		.prm_and = (s)->prm_and,                                                            \
		.prm_or = (s)->prm_or,                                                              \
		.eff_and = (s)->eff_and,                                                            \
		.eff_or = (s)->eff_or,                                                              \
		.inh_and = (s)->inh_and,                                                            \
		.inh_or = (s)->inh_or,                                                              \
		.amb_and = (s)->amb_and,                                                            \
		.amb_or = (s)->amb_or,                                                              \
		.user_is_root = (is_root),                                                          \
	})

/* Start state for "capload run by root": every capability in `all`. */
struct cm_state cm_root_start(uint64_t all);

/* Apply a stage in the runtime's order. */
void cm_apply(struct cm_state *s, const struct cm_stage *st);

/* The program itself leaves uid 0 for good (real, effective and saved uid
 * all non-zero): what reaching a setuid-triggered point means. The kernel
 * clears permitted (unless keep_caps), effective and ambient, unless
 * no_setuid_fixup is set. The runtime keeps the capabilities a stage
 * `keep`s across that switch; everything else ends as the kernel left it. */
void cm_leave_root(struct cm_state *s);

/* execve() of a program without file capabilities and without the
 * setuid/setgid bits (capabilities(7), "Transformation of capabilities
 * during execve()"). */
void cm_exec(struct cm_state *s);

#endif /* CAPC_CAPMODEL_H */
