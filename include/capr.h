/* capr.h - the capc runtime library (libcapr).
 *
 * Loads a compiled policy (.capbin, see capbin.h and docs/capbin.md) and
 * applies its stages to the calling process. Links only libc.
 *
 *     #include <capr.h>
 *     ...
 *     if (authenticated)
 *         capr_enter("auth");   // under capload: the policy is inherited
 *
 * Error model. Every function that can fail takes a struct capr_error *
 * (may be NULL) and returns -1 or NULL on failure, with errno set and
 * err->step naming the step that failed ("open", "checksum", "capset", ...)
 * and err->msg saying why. capr_strerror() formats "step: msg".
 *
 * Fail closed. Applying a stage is a sequence of kernel operations. If one
 * fails after an earlier one changed the process, the process is
 * half-restricted. By default the library then terminates the process
 * (message on stderr, _exit(127)): it never returns into a program that
 * holds a mix of old and new privileges. A caller that wants the error back
 * anyway passes CAPR_RETURN_PARTIAL and must then exit by itself;
 * err->partial tells whether anything had been changed. Failures detected
 * before the first change (unknown point, point already entered, a user
 * name that does not resolve, no filter for this arch) always return -1
 * and leave the process as it was.
 */
#ifndef CAPR_H
#define CAPR_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct capr_policy capr_policy;

struct capr_error {
	int err;        /* errno value */
	int partial;    /* 1 if the process was changed before the failure */
	char step[32];  /* short name of the failing step */
	char msg[256];  /* human-readable reason */
};

/* Flags for capr_enter_policy(). */
#define CAPR_RETURN_PARTIAL 0x1u /* return -1 even after a partial apply (caller must exit) */
#define CAPR_DRY_RUN 0x2u        /* print the steps to the dry-run stream, change nothing */

/* Load and fully validate a blob (magic, version, checksum, bounds, arch).
 * Nothing about the process is changed. */
capr_policy *capr_open(const char *path, struct capr_error *err);
capr_policy *capr_open_fd(int fd, struct capr_error *err);
capr_policy *capr_open_mem(const void *buf, size_t len, struct capr_error *err);
void capr_close(capr_policy *pol);

/* The policy capload handed across exec (CAPR_POLICY_FD in the
 * environment), or NULL with err set if there is none. The returned handle
 * belongs to the library; do not close it. */
capr_policy *capr_inherited(struct capr_error *err);

/* Name of the service or session, and the lifecycle points in order. */
const char *capr_policy_name(const capr_policy *pol);
size_t capr_point_count(const capr_policy *pol);
const char *capr_point_name(const capr_policy *pol, size_t i);

/* Apply the stage of `point` to every thread of the calling process.
 * A point can be entered once per process; a child forked after entering
 * has entered it too. Returns 0 (applied), CAPR_DEFERRED, or -1 as
 * described above.
 * A point triggered by setuid (setgid), entered while the process still
 * has a uid (gid) 0: under capload's preload object its stage is applied
 * at the program's own switch that follows, and the call returns
 * CAPR_DEFERRED: nothing is restricted yet (a program that never leaves
 * root is never restricted by it; test for < 0 to treat both as fine, or
 * == 0 to insist on now). Without the preload it is applied at once, with
 * no_setuid_fixup so its capabilities survive that switch. See capr(3). */
#define CAPR_DEFERRED 1
int capr_enter_policy(capr_policy *pol, const char *point, unsigned flags, struct capr_error *err);

/* capr_enter_policy(capr_inherited(), point, 0, NULL), printing the error
 * to stderr when it returns -1 (only possible before any change). */
int capr_enter(const char *point);

/* Where CAPR_DRY_RUN writes (default stderr). */
void capr_set_dry_run_stream(FILE *out);

/* "step: msg" for an error filled in by this library. */
const char *capr_strerror(const struct capr_error *err);

#ifdef __cplusplus
}
#endif

#endif /* CAPR_H */
