/* sema.h - from the syntax tree to the resolved policy (ir.h).
 *
 * Resolves every name (capabilities through libcap, syscalls through
 * libseccomp, groups, argument names, constants, errno names, defines),
 * folds each stage's statements into the and/or masks the runtime applies
 * (docs/language.md has one table per statement), and checks that the
 * policy can take effect: a stage that needs a capability an earlier stage
 * removed, a filter that cannot be loaded, and so on. Every error of the
 * file is reported through diag in one run.
 */
#ifndef CAPC_SEMA_H
#define CAPC_SEMA_H

#include "ast.h"
#include "ir.h"
#include "seccomp.h"

struct sema_opts {
	const char *select;         /* --service NAME (a service or session), or NULL */
	const char *const *target;  /* --target ABI names, NULL-terminated; NULL: policy's 'arch' or native */
	bool generate;              /* run the seccomp code generator (not for --check of other decls) */
	bool host_lookup;           /* warn about user/group names this machine does not know */
	enum sc_backend backend;    /* who writes the BPF (seccomp.h); 0: capc's own */
	bool after_syntax_error;    /* the parser dropped broken statements: check the rest, skip
				       errors about what is missing (it may be what was dropped) */
};

/* Checks every declaration of the unit and fills *out with the selected
 * one. Returns 0, or -1 when errors were reported. */
int sema_build(const struct ast_unit *u, const struct sema_opts *opts, struct ir_policy *out);

/* The root-equivalent capabilities capc warns about when a stage keeps
 * them: NULL if `cap` is not one, else why it amounts to root. */
const char *sema_root_equivalent(int cap);

#endif /* CAPC_SEMA_H */
