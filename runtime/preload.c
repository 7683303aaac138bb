/* preload.c - capr_preload.so: a policy's triggered stages, applied in
 * programs that know nothing of capc.
 *
 * capload prepends this object to LD_PRELOAD when the policy has points
 * triggered by setuid, setgid, listen or chroot (docs/language.md, section
 * 3). Its constructor reads the inherited policy (CAPR_POLICY_FD) before
 * main() runs, so a daemon that closes its descriptors at start-up does not
 * lose it; when no stage has one of these triggers it stays out of the way.
 * It defines the libc functions below: the dynamic linker binds the
 * program's calls to the first definition, this one, and the real function
 * is found with dlsym(RTLD_NEXT). A stage is applied at the exact moment
 * its trigger fires, in the process that fired it (a session child, never
 * its master):
 *
 *   setuid   setuid, seteuid, setreuid, setresuid succeeded and the process
 *            left uid 0 for good: real, effective and saved uid all non-zero
 *            after the call, at least one of them 0 before. Temporary
 *            seteuid() switches and switching back do not fire it; a
 *            seteuid() that completes a leave does (setresuid(u, 0, u) then
 *            seteuid(u)).
 *   setgid   setgid, setegid, setregid, setresgid: the same for gid 0.
 *   listen   the first successful listen().
 *   chroot   a successful chroot().
 *
 * The setuid trigger and capabilities. When the effective uid leaves 0 the
 * kernel clears the effective set, and when no uid is 0 any more it clears
 * the permitted set too, unless keep_caps is set (cap_emulate_setxuid). So
 * before a call that can complete the leave, while the stage is pending,
 * keep_caps is set on every thread: glibc makes every thread run the
 * set*id syscall, and each thread's sets are fixed up with its own
 * keep_caps. After the call the ids are read back. A permanent leave
 * applies the stage with CAPR_SWITCHED (capr_apply.c: raise effective from
 * permitted on every thread, then the usual order, and keep_caps back to
 * the program's own value); anything else puts keep_caps back as it was.
 * Gid changes do not touch capabilities, so the setgid trigger needs no
 * keep_caps.
 *
 * Failures close: a stage that cannot be applied prints
 * "capr: point 'NAME' (TRIGGER trigger): STEP: REASON" and the process
 * exits with status 127 (_exit: no atexit handlers of a half-restricted
 * program run). A wrapped call that fails itself returns its result and
 * errno untouched and applies nothing. errno is otherwise preserved.
 *
 * Concurrency. Each trigger has an atomic "pending" bit; while it is clear
 * (no stage left for that trigger, or no policy) a wrapper is one atomic
 * load and the real call, as async-signal-safe as the call itself. The
 * call that fires a stage takes a mutex (held across the real set*id call,
 * so two threads cannot interleave keep_caps) and is not async-signal-safe.
 * fork() takes the mutex too (pthread_atfork), so a child never inherits
 * it locked; a forked child inherits the pending/fired state, so a point
 * fires once per process. A vfork() child shares its parent's memory: a
 * stage it fires is applied to it alone and not recorded. After execve()
 * the new program starts over from the policy (points are per process, as
 * in libcapr), which re-arms the triggers of a daemon that re-executes
 * itself per connection.
 *
 * libcapr in the same program. This object exports capr_preload_enter_v1
 * (CAPR_PRELOAD_ENTER); libcapr hands capr_enter() of the inherited policy
 * to it, so this copy of the runtime owns every point of the process. A
 * setuid (setgid) point entered while the process still has a uid (gid) 0
 * is applied by its trigger, at the program's own switch that follows:
 * applied at once, it would take away the cap_setuid that switch needs.
 *
 * Limits. A raw syscall(SYS_setuid, ...) or an inline system call is not
 * seen. A statically linked program cannot be preloaded, and the loader
 * ignores LD_PRELOAD for set-user-ID and file-capability programs: capload
 * refuses to run them with such a policy.
 *
 * This object is never built with sanitizers (their runtime must be the
 * first object in the process); a sanitized program it is injected into
 * needs ASAN_OPTIONS=verify_asan_link_order=0.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "capr_internal.h"

#define EXPORT __attribute__((visibility("default")))
#define BIT(i) (UINT64_C(1) << (i))

_Static_assert(sizeof(uid_t) == sizeof(unsigned) && sizeof(gid_t) == sizeof(unsigned), "ids are unsigned int");

enum trig { TR_SETUID, TR_SETGID, TR_LISTEN, TR_CHROOT, TR_COUNT };
static const char *const trig_names[TR_COUNT] = {"setuid", "setgid", "listen", "chroot"};

static int trig_of(unsigned trigger)
{
	switch (trigger) {
	case CAPBIN_TRIGGER_SETUID:
		return TR_SETUID;
	case CAPBIN_TRIGGER_SETGID:
		return TR_SETGID;
	case CAPBIN_TRIGGER_LISTEN:
		return TR_LISTEN;
	case CAPBIN_TRIGGER_CHROOT:
		return TR_CHROOT;
	default:
		return -1;
	}
}

/* The four forms of a set*id call, for uids and gids alike. */
enum idcall { C_SET, C_SETE, C_SETRE, C_SETRES };

static struct {
	int (*setuid)(uid_t);
	int (*seteuid)(uid_t);
	int (*setreuid)(uid_t, uid_t);
	int (*setresuid)(uid_t, uid_t, uid_t);
	int (*setgid)(gid_t);
	int (*setegid)(gid_t);
	int (*setregid)(gid_t, gid_t);
	int (*setresgid)(gid_t, gid_t, gid_t);
	int (*listen)(int, int);
	int (*chroot)(const char *);
} real;

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static _Atomic int g_ready;
static capr_policy *g_pol;         /* the inherited policy, NULL: none (every wrapper passes through) */
static _Atomic unsigned g_pending; /* bit per enum trig: a stage with that trigger is still to be applied */
static uint64_t g_requested;       /* stages capr_enter() left to their setuid/setgid trigger */
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pid_t g_pid; /* this process as fork() reported it; vfork() does not */
/* Set while this object applies a stage: the runtime's own setresuid()
 * and setresgid() resolve to the wrappers above and must pass through.
 * initial-exec: no allocation on first access (this object is loaded at
 * start-up, never by dlopen). */
static __thread int t_busy __attribute__((tls_model("initial-exec")));

static void write_all(const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(STDERR_FILENO, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* Fail closed: the message, then _exit(127) in this process only. */
static void die_point(const char *point, int tr, const struct capr_error *err) __attribute__((noreturn));
static void die_point(const char *point, int tr, const struct capr_error *err)
{
	char buf[sizeof err->step + sizeof err->msg + 128];
	int n = snprintf(buf, sizeof buf, "capr: point '%s' (%s trigger): %s: %s\n", point, trig_names[tr], err->step,
			 err->msg);

	if (n > 0)
		write_all(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
	_exit(127);
}

static void die_preload(const char *what, const char *why) __attribute__((noreturn));
static void die_preload(const char *what, const char *why)
{
	char buf[512];
	int n = snprintf(buf, sizeof buf, "capr: preload: %s: %s\n", what, why);

	if (n > 0)
		write_all(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
	_exit(127);
}

static void *next_fn(const char *name)
{
	void *p = dlsym(RTLD_NEXT, name);

	if (!p) {
		const char *e = dlerror();
		die_preload(name, e ? e : "not found after the preload object (dlsym RTLD_NEXT)");
	}
	return p;
}

/* real.NAME = the next definition of NAME (object to function pointer
 * through memcpy: ISO C has no cast between them). */
#define RESOLVE(name)                                                  \
	do {                                                           \
		void *sym_ = next_fn(#name);                           \
		memcpy(&real.name, &sym_, sizeof real.name);           \
	} while (0)

/* The first stage still pending for tr (for messages). */
static const char *pending_point(int tr)
{
	for (size_t i = 0; g_pol && i < g_pol->nstages; i++)
		if (trig_of(g_pol->stages[i].trigger) == tr && !(g_pol->entered & BIT(i)))
			return g_pol->stages[i].point;
	return "?";
}

/* Under g_lock. */
static void update_pending(void)
{
	unsigned m = 0;

	for (size_t i = 0; g_pol && i < g_pol->nstages; i++) {
		int t = trig_of(g_pol->stages[i].trigger);
		if (t >= 0 && !(g_pol->entered & BIT(i)))
			m |= 1u << t;
	}
	atomic_store(&g_pending, m);
}

static void fork_prepare(void)
{
	pthread_mutex_lock(&g_lock);
}

static void fork_parent(void)
{
	pthread_mutex_unlock(&g_lock);
}

static void fork_child(void)
{
	g_pid = getpid();
	pthread_mutex_unlock(&g_lock);
}

static void init(void)
{
	struct capr_error err;
	const char *env;

	RESOLVE(setuid);
	RESOLVE(seteuid);
	RESOLVE(setreuid);
	RESOLVE(setresuid);
	RESOLVE(setgid);
	RESOLVE(setegid);
	RESOLVE(setregid);
	RESOLVE(setresgid);
	RESOLVE(listen);
	RESOLVE(chroot);
	g_pid = getpid();
	if (pthread_atfork(fork_prepare, fork_parent, fork_child) != 0)
		die_preload("pthread_atfork", "cannot register the fork handlers");

	/* No CAPR_POLICY_FD: no policy for this program (e.g. a nested
	 * capload whose policy has no later stages). One that cannot be read
	 * is a program started to be restricted at its triggers that could
	 * no longer be: refuse to run it. */
	env = getenv("CAPR_POLICY_FD");
	if (env && *env) {
		capr_policy *pol = capr_inherited(&err);
		if (!pol) {
			char why[sizeof err.step + sizeof err.msg + 80];
			snprintf(why, sizeof why, "%s: %s (the policy's triggered stages could not be applied; terminating)",
				 err.step, err.msg);
			die_preload("policy", why);
		}
		pthread_mutex_lock(&g_lock);
		g_pol = pol;
		update_pending();
		pthread_mutex_unlock(&g_lock);
	}
	atomic_store_explicit(&g_ready, 1, memory_order_release);
}

static inline void ensure_init(void)
{
	if (!atomic_load_explicit(&g_ready, memory_order_acquire))
		pthread_once(&g_once, init);
}

/* Library constructors of other objects may run before this one and call
 * a wrapper: every wrapper also initializes on first use. */
__attribute__((constructor)) static void preload_ctor(void)
{
	ensure_init();
}

/* Apply every pending stage triggered by tr, in stage order. Under g_lock.
 * sw: the program's own switch (setuid/setgid triggers), for the first one;
 * a second stage with the same trigger starts from what the first left. */
static void fire(int tr, const struct capr_switched *sw)
{
	bool own = getpid() == g_pid;
	uint64_t entered0 = g_pol->entered, requested0 = g_requested;
	bool first = true;

	t_busy = 1;
	for (size_t i = 0; i < g_pol->nstages; i++) {
		const struct capr_stage *st = &g_pol->stages[i];
		struct capr_error err;

		if (trig_of(st->trigger) != tr || (g_pol->entered & BIT(i)))
			continue;
		memset(&err, 0, sizeof err);
		if (capr_enter_index(g_pol, i, first && sw ? CAPR_SWITCHED : 0, first ? sw : NULL, &err) < 0)
			die_point(st->point, tr, &err);
		first = false;
	}
	t_busy = 0;
	if (own) {
		update_pending();
	} else {
		/* A vfork() child (or a raw clone()): the memory may be the
		 * parent's, which has not reached the point. */
		g_pol->entered = entered0;
		g_requested = requested0;
	}
}

/* ---------------------------------------------------------------- set*id */

struct idctx {
	int tr;
	unsigned r0, e0, s0;
	unsigned secbits0; /* the program's securebits before keep_caps */
	int keepcaps_set;
};

/* The ids a trigger is about. They decide whether a stage fires and
 * whether keep_caps must be undone, so a failure (a filter of an earlier
 * stage refusing getresuid, say) ends the process: going on would guess,
 * and a wrong guess leaves a non-root process with root's permitted set. */
static void get_ids(int tr, unsigned *r, unsigned *e, unsigned *s)
{
	int rc = tr == TR_SETUID ? getresuid(r, e, s) : getresgid(r, e, s);

	if (rc < 0) {
		struct capr_error err;
		memset(&err, 0, sizeof err);
		capr_seterr(&err, errno, "identity", "%s: %s", tr == TR_SETUID ? "getresuid" : "getresgid",
			    strerror(errno));
		die_point(pending_point(tr), tr, &err);
	}
}

/* Whether the call, if it succeeds, can leave no id 0: the kernel's rules
 * for each form (-1 leaves an id unchanged; setreuid also sets the saved
 * id to the new effective one when the real id is given or the effective
 * one changes to something other than the old real id). setuid() sets all
 * three with cap_setuid, only the effective id without: either may leave
 * root, so any non-zero id counts. */
static bool may_leave(const struct idctx *c, enum idcall call, unsigned a, unsigned b, unsigned d)
{
	const unsigned none = (unsigned)-1;
	unsigned r = c->r0, e = c->e0, s = c->s0;

	switch (call) {
	case C_SET:
		return a != 0 && a != none;
	case C_SETE:
		if (a != none)
			e = a;
		break;
	case C_SETRE:
		if (a != none)
			r = a;
		if (b != none)
			e = b;
		if (a != none || (b != none && b != c->r0))
			s = e;
		break;
	case C_SETRES:
		if (a != none)
			r = a;
		if (b != none)
			e = b;
		if (d != none)
			s = d;
		break;
	}
	return r && e && s;
}

/* Run one keep_caps step (PRE: set, POST: clear) on every thread. */
static void keepcaps_all(int tr, int set)
{
	struct capr_twork w;
	struct capr_tresult r;
	struct capr_error err;
	int changed = 0;

	memset(&w, 0, sizeof w);
	memset(&err, 0, sizeof err);
	w.phase = set ? CAPR_PHASE_PRE : CAPR_PHASE_POST;
	w.set_keepcaps = set;
	w.clear_keepcaps = !set;
	/* Before anything: a thread that cannot be reached is named now. */
	if (set && capr_threads_precheck(0, 0, &err) < 0)
		die_point(pending_point(tr), tr, &err);
	capr_twork_run(&w, &r);
	if (r.step != CAPR_T_OK) {
		capr_tresult_error(&r, 0, &err);
		die_point(pending_point(tr), tr, &err);
	}
	if (capr_threads_broadcast(&w, &err, &changed) < 0)
		die_point(pending_point(tr), tr, &err);
}

/* Before a set*id call. false: nothing to do, no lock taken. true: g_lock
 * is held and id_after() must follow the call. */
static bool id_before(struct idctx *c, int tr, enum idcall call, unsigned a, unsigned b, unsigned d)
{
	long sb;

	if (t_busy || !(atomic_load(&g_pending) & (1u << tr)))
		return false;
	pthread_mutex_lock(&g_lock);
	if (!(atomic_load(&g_pending) & (1u << tr)))
		goto no;
	memset(c, 0, sizeof *c);
	c->tr = tr;
	get_ids(tr, &c->r0, &c->e0, &c->s0);
	if (c->r0 && c->e0 && c->s0)
		goto no; /* no id 0 to leave */
	sb = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
	if (sb < 0) {
		struct capr_error err;
		memset(&err, 0, sizeof err);
		capr_seterr(&err, errno, "securebits", "PR_GET_SECUREBITS: %s", strerror(errno));
		die_point(pending_point(tr), tr, &err);
	}
	c->secbits0 = (unsigned)sb;
	if (tr == TR_SETUID && may_leave(c, call, a, b, d)) {
		uint64_t e, p, i;
		/* Nothing to lose, or the program keeps its sets itself
		 * (keep_caps, no_setuid_fixup): the kernel's rule is fine. */
		if (capr_capget(0, &e, &p, &i) < 0) {
			struct capr_error err;
			memset(&err, 0, sizeof err);
			capr_seterr(&err, errno, "caps", "capget: %s", strerror(errno));
			die_point(pending_point(tr), tr, &err);
		}
		if (p && !(c->secbits0 & (CAPBIN_SECBIT_KEEP_CAPS | CAPBIN_SECBIT_NO_SETUID_FIXUP))) {
			keepcaps_all(tr, 1);
			c->keepcaps_set = 1;
		}
	}
	return true;
no:
	pthread_mutex_unlock(&g_lock);
	return false;
}

static void id_after(struct idctx *c, int rc)
{
	unsigned r, e, s;
	bool leave = false;

	if (rc == 0) {
		get_ids(c->tr, &r, &e, &s);
		leave = r && e && s;
	}
	if (leave) {
		struct capr_switched sw = {.secbits = c->secbits0, .left_root = c->tr == TR_SETUID};
		fire(c->tr, &sw);
	} else if (c->keepcaps_set) {
		keepcaps_all(c->tr, 0);
	}
	pthread_mutex_unlock(&g_lock);
}

static int call_uid(enum idcall call, unsigned a, unsigned b, unsigned d)
{
	switch (call) {
	case C_SET:
		return real.setuid(a);
	case C_SETE:
		return real.seteuid(a);
	case C_SETRE:
		return real.setreuid(a, b);
	case C_SETRES:
		return real.setresuid(a, b, d);
	}
	errno = EINVAL;
	return -1;
}

static int call_gid(enum idcall call, unsigned a, unsigned b, unsigned d)
{
	switch (call) {
	case C_SET:
		return real.setgid(a);
	case C_SETE:
		return real.setegid(a);
	case C_SETRE:
		return real.setregid(a, b);
	case C_SETRES:
		return real.setresgid(a, b, d);
	}
	errno = EINVAL;
	return -1;
}

static int id_wrap(int tr, enum idcall call, unsigned a, unsigned b, unsigned d)
{
	struct idctx c;
	int saved, rc, e;
	bool armed;

	ensure_init();
	saved = errno;
	armed = id_before(&c, tr, call, a, b, d);
	errno = saved; /* the call sees the caller's errno; a success leaves it */
	rc = tr == TR_SETUID ? call_uid(call, a, b, d) : call_gid(call, a, b, d);
	if (!armed)
		return rc;
	e = errno;
	id_after(&c, rc);
	errno = e;
	return rc;
}

EXPORT int setuid(uid_t uid)
{
	return id_wrap(TR_SETUID, C_SET, uid, 0, 0);
}

EXPORT int seteuid(uid_t euid)
{
	return id_wrap(TR_SETUID, C_SETE, euid, 0, 0);
}

EXPORT int setreuid(uid_t ruid, uid_t euid)
{
	return id_wrap(TR_SETUID, C_SETRE, ruid, euid, 0);
}

EXPORT int setresuid(uid_t ruid, uid_t euid, uid_t suid)
{
	return id_wrap(TR_SETUID, C_SETRES, ruid, euid, suid);
}

EXPORT int setgid(gid_t gid)
{
	return id_wrap(TR_SETGID, C_SET, gid, 0, 0);
}

EXPORT int setegid(gid_t egid)
{
	return id_wrap(TR_SETGID, C_SETE, egid, 0, 0);
}

EXPORT int setregid(gid_t rgid, gid_t egid)
{
	return id_wrap(TR_SETGID, C_SETRE, rgid, egid, 0);
}

EXPORT int setresgid(gid_t rgid, gid_t egid, gid_t sgid)
{
	return id_wrap(TR_SETGID, C_SETRES, rgid, egid, sgid);
}

/* ---------------------------------------------------------------- listen, chroot */

/* After a successful call: fire tr if a stage waits for it. */
static void after_success(int tr)
{
	int e;

	if (t_busy || !(atomic_load(&g_pending) & (1u << tr)))
		return;
	e = errno;
	pthread_mutex_lock(&g_lock);
	if (atomic_load(&g_pending) & (1u << tr))
		fire(tr, NULL);
	pthread_mutex_unlock(&g_lock);
	errno = e;
}

EXPORT int listen(int fd, int backlog)
{
	int rc;

	ensure_init();
	rc = real.listen(fd, backlog);
	if (rc == 0)
		after_success(TR_LISTEN);
	return rc;
}

EXPORT int chroot(const char *path)
{
	int rc;
	bool pending;

	ensure_init();
	/* The stage runs inside the new root, which seldom has /proc: hold a
	 * descriptor of it across the call, for the stage only (capr_status.c
	 * says why it must not outlive it). */
	pending = !t_busy && (atomic_load(&g_pending) & (1u << TR_CHROOT));
	if (pending)
		capr_proc_hold();
	rc = real.chroot(path);
	if (rc == 0)
		after_success(TR_CHROOT);
	if (pending)
		capr_proc_release();
	return rc;
}

/* ---------------------------------------------------------------- capr_enter from the program */

/* 1: the program still has the id 0 its setuid (setgid) trigger is
 * about; 0: it has not; -1: the ids cannot be read (err says why). */
static int before_switch(unsigned trigger, struct capr_error *err)
{
	unsigned r, e, s;
	int rc;

	if (trigger == CAPBIN_TRIGGER_SETUID)
		rc = getresuid(&r, &e, &s);
	else if (trigger == CAPBIN_TRIGGER_SETGID)
		rc = getresgid(&r, &e, &s);
	else
		return 0;
	if (rc < 0) {
		capr_seterr(err, errno, "identity", "%s: %s",
			    trigger == CAPBIN_TRIGGER_SETUID ? "getresuid" : "getresgid", strerror(errno));
		return -1;
	}
	return !r || !e || !s;
}

/* libcapr's capr_enter() and capr_enter_policy() of the inherited policy,
 * handed over (capr_internal.h). Same contract as capr_enter_policy().
 * The name is CAPR_PRELOAD_ENTER; the type capr_preload_enter_fn. */
EXPORT int capr_preload_enter_v1(const char *point, unsigned flags, struct capr_error *err);
EXPORT int capr_preload_enter_v1(const char *point, unsigned flags, struct capr_error *err)
{
	struct capr_error local;
	capr_policy *pol;
	long i;
	int rc;

	if (!err)
		err = &local;
	memset(err, 0, sizeof *err);
	ensure_init();
	if (!point) {
		capr_seterr(err, EINVAL, "point", "no point given");
		errno = EINVAL;
		return -1;
	}
	pol = capr_inherited(err);
	if (!pol)
		return -1;
	i = capr_point_lookup(pol, point, err);
	if (i < 0) {
		errno = ENOENT;
		return -1;
	}
	flags &= CAPR_RETURN_PARTIAL | CAPR_DRY_RUN;

	pthread_mutex_lock(&g_lock);
	const struct capr_stage *st = &pol->stages[i];
	if (!(flags & CAPR_DRY_RUN) && (g_requested & BIT(i))) {
		pthread_mutex_unlock(&g_lock);
		capr_seterr(err, EALREADY, "point",
			    "'%s' was already entered by this process (its stage is applied when the process leaves %s 0)",
			    point, st->trigger == CAPBIN_TRIGGER_SETUID ? "uid" : "gid");
		errno = EALREADY;
		return -1;
	}
	/* Before the program's own switch: its trigger applies it then. Now
	 * it would take away the capability that switch needs. */
	if (!(flags & CAPR_DRY_RUN) && pol == g_pol && !(pol->entered & BIT(i))) {
		int before = before_switch(st->trigger, err);
		if (before < 0) {
			pthread_mutex_unlock(&g_lock);
			errno = err->err ? err->err : EIO;
			return -1;
		}
		if (before) {
			g_requested |= BIT(i);
			pthread_mutex_unlock(&g_lock);
			return 0;
		}
	}
	t_busy = 1;
	rc = capr_enter_index(pol, (size_t)i, flags, NULL, err);
	t_busy = 0;
	if (pol == g_pol)
		update_pending();
	pthread_mutex_unlock(&g_lock);
	return capr_enter_finish(rc, flags, err);
}
