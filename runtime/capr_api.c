/* capr_api.c - the public API of libcapr (capr.h): errors, names, entering
 * points, the policy inherited from capload.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capr_internal.h"

const char *capr_log_prefix = "capr";
static FILE *dry_run_stream;

/* One stage at a time per process: the thread broadcast uses global state,
 * and "entered" must be checked and set atomically with the apply. */
static pthread_mutex_t enter_lock = PTHREAD_MUTEX_INITIALIZER;

static pthread_mutex_t inherited_lock = PTHREAD_MUTEX_INITIALIZER;
static capr_policy *inherited;

void capr_seterr(struct capr_error *err, int e, const char *step, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	memset(err, 0, sizeof *err);
	err->err = e;
	snprintf(err->step, sizeof err->step, "%s", step);
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
}

CAPR_PUBLIC const char *capr_strerror(const struct capr_error *err)
{
	static __thread char buf[sizeof err->step + sizeof err->msg + 4];

	if (!err)
		return "no error";
	snprintf(buf, sizeof buf, "%s: %s", err->step, err->msg);
	return buf;
}

CAPR_PUBLIC void capr_set_dry_run_stream(FILE *out)
{
	dry_run_stream = out;
}

FILE *capr_log_stream(void)
{
	return dry_run_stream ? dry_run_stream : stderr;
}

CAPR_PUBLIC const char *capr_policy_name(const capr_policy *pol)
{
	return pol ? pol->name : NULL;
}

CAPR_PUBLIC size_t capr_point_count(const capr_policy *pol)
{
	return pol ? pol->nstages : 0;
}

CAPR_PUBLIC const char *capr_point_name(const capr_policy *pol, size_t i)
{
	return pol && i < pol->nstages ? pol->stages[i].point : NULL;
}

long capr_point_lookup(const capr_policy *pol, const char *point, struct capr_error *err)
{
	long i = capr_stage_index(pol, point);

	if (i < 0) {
		char list[160] = "";
		size_t used = 0;
		for (size_t k = 0; k < pol->nstages && used < sizeof list; k++) {
			int n = snprintf(list + used, sizeof list - used, "%s%s", k ? ", " : "", pol->stages[k].point);
			if (n > 0)
				used += (size_t)n;
		}
		capr_seterr(err, ENOENT, "point", "unknown point '%s' (the policy has: %s)", point,
			    pol->nstages ? list : "no points");
	}
	return i;
}

int capr_enter_index(capr_policy *pol, size_t i, unsigned flags, const struct capr_switched *sw,
		     struct capr_error *err)
{
	int rc;

	pthread_mutex_lock(&enter_lock);
	if ((pol->entered & (UINT64_C(1) << i)) && !(flags & CAPR_DRY_RUN)) {
		pthread_mutex_unlock(&enter_lock);
		capr_seterr(err, EALREADY, "point", "'%s' was already entered by this process", pol->stages[i].point);
		return -1;
	}
	rc = capr_apply_stage_sw(pol, i, flags, sw, err);
	/* A partly applied point counts as entered: it is never retried. */
	if (!(flags & CAPR_DRY_RUN) && (rc == 0 || err->partial))
		pol->entered |= UINT64_C(1) << i;
	pthread_mutex_unlock(&enter_lock);
	return rc;
}

int capr_enter_finish(int rc, unsigned flags, struct capr_error *err)
{
	if (rc < 0 && err->partial && !(flags & CAPR_RETURN_PARTIAL)) {
		/* Fail closed: never return into a program holding a mix of
		 * old and new privileges. */
		fprintf(stderr, "%s: %s: %s (the process was partly restricted; terminating)\n", capr_log_prefix,
			err->step, err->msg);
		_exit(127);
	}
	if (rc < 0)
		errno = err->err ? err->err : EPERM;
	return rc;
}

/* The preload object's entry point, when capload injected it into this
 * process (see capr_internal.h). dlsym is part of libc since glibc 2.34. */
static capr_preload_enter_fn preload_entry(void)
{
	void *sym = dlsym(RTLD_DEFAULT, CAPR_PRELOAD_ENTER);
	capr_preload_enter_fn fn;

	memcpy(&fn, &sym, sizeof fn); /* object to function pointer, without a cast warning */
	return fn;
}

static int is_inherited(const capr_policy *pol)
{
	int r;

	pthread_mutex_lock(&inherited_lock);
	r = pol && pol == inherited;
	pthread_mutex_unlock(&inherited_lock);
	return r;
}

CAPR_PUBLIC int capr_enter_policy(capr_policy *pol, const char *point, unsigned flags, struct capr_error *err)
{
	struct capr_error local;
	capr_preload_enter_fn fwd;
	long i;

	if (!err)
		err = &local;
	memset(err, 0, sizeof *err);
	if (!pol || !point) {
		capr_seterr(err, EINVAL, "point", "no policy or no point given");
		errno = EINVAL;
		return -1;
	}
	/* The policy capload handed over, in a process capload also gave the
	 * preload object: the preload's copy of the runtime owns its points
	 * (a trigger may fire them too), so the call goes there. */
	if (is_inherited(pol) && (fwd = preload_entry()))
		return fwd(point, flags & (CAPR_RETURN_PARTIAL | CAPR_DRY_RUN), err);
	i = capr_point_lookup(pol, point, err);
	if (i < 0) {
		errno = ENOENT;
		return -1;
	}
	/* A setuid-triggered point entered before the program's own switch
	 * from uid 0, with nothing to apply it at that switch: keep the
	 * stage's capabilities across it (capr_apply.c, CAPR_BEFORE_SWITCH). */
	if (pol->stages[i].trigger == CAPBIN_TRIGGER_SETUID)
		flags |= CAPR_BEFORE_SWITCH;
	return capr_enter_finish(capr_enter_index(pol, (size_t)i, flags, NULL, err), flags, err);
}

/* The policy capload handed over: CAPR_POLICY_FD=<fd>, a memfd sealed
 * against writing, growing and shrinking (anything else could have been
 * changed after capload validated it). Its exec stage, if any, was applied
 * by capload before the exec and counts as entered. */
CAPR_PUBLIC capr_policy *capr_inherited(struct capr_error *err)
{
	const char *env;
	char *end;
	long fd;
	int seals;
	capr_policy *pol;

	pthread_mutex_lock(&inherited_lock);
	if (inherited) {
		pthread_mutex_unlock(&inherited_lock);
		return inherited;
	}
	/* secure_getenv: a set-ID program (AT_SECURE) never takes a policy
	 * from whoever started it. */
	env = secure_getenv("CAPR_POLICY_FD");
	if (!env || !*env) {
		capr_seterr(err, ENOENT, "inherited", "CAPR_POLICY_FD is not set (start the program with capload)");
		goto fail;
	}
	errno = 0;
	fd = strtol(env, &end, 10);
	if (errno || *end || fd < 0 || fd > 0x7fffffff) {
		capr_seterr(err, EINVAL, "inherited", "CAPR_POLICY_FD='%s' is not a file descriptor number", env);
		goto fail;
	}
	seals = fcntl((int)fd, F_GET_SEALS);
	if (seals < 0 || (seals & (F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK)) !=
				 (F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK)) {
		capr_seterr(err, EBADF, "inherited", "CAPR_POLICY_FD=%ld is not a sealed memfd%s%s", fd,
			    seals < 0 ? ": " : "", seals < 0 ? strerror(errno) : "");
		goto fail;
	}
	pol = capr_open_fd_nocheck((int)fd, err);
	if (!pol)
		goto fail;
	if (pol->nstages && pol->stages[0].trigger == CAPBIN_TRIGGER_EXEC)
		pol->entered |= 1;
	inherited = pol;
	pthread_mutex_unlock(&inherited_lock);
	return pol;
fail:
	pthread_mutex_unlock(&inherited_lock);
	if (err)
		errno = err->err;
	return NULL;
}

CAPR_PUBLIC int capr_enter(const char *point)
{
	struct capr_error err;
	capr_preload_enter_fn fwd = preload_entry();
	capr_policy *pol;

	/* Under capload with the preload object: its copy of the policy,
	 * read before main() (the program may have closed CAPR_POLICY_FD). */
	if (fwd) {
		memset(&err, 0, sizeof err);
		int rc = fwd(point, 0, &err);
		if (rc < 0) {
			fprintf(stderr, "%s: %s\n", capr_log_prefix, capr_strerror(&err));
			return -1;
		}
		return rc; /* 0, or CAPR_DEFERRED */
	}
	pol = capr_inherited(&err);
	if (!pol) {
		fprintf(stderr, "%s: %s\n", capr_log_prefix, capr_strerror(&err));
		return -1;
	}
	if (capr_enter_policy(pol, point, 0, &err) < 0) {
		fprintf(stderr, "%s: %s\n", capr_log_prefix, capr_strerror(&err));
		return -1;
	}
	return 0;
}
