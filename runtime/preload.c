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
 * The backstop. A raw syscall(SYS_setuid, ...) or an inline system call is
 * not seen by the wrappers, but capload's seccomp backstop traps it
 * (capr_backstop.c) and the SIGSYS handler below applies the trigger.
 * The exec family and posix_spawn are wrapped so that a new program keeps
 * LD_PRELOAD and CAPR_POLICY_FD whatever environment it is given.
 *
 * Limits. A statically linked program cannot be preloaded, and the loader
 * ignores LD_PRELOAD for set-user-ID and file-capability programs: capload
 * refuses to run them with such a policy, and one started later dies at
 * its first guarded call.
 *
 * This object is never built with sanitizers (their runtime must be the
 * first object in the process); a sanitized program it is injected into
 * needs ASAN_OPTIONS=verify_asan_link_order=0.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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
	int (*sigaction)(int, const struct sigaction *, struct sigaction *);
	int (*execve)(const char *, char *const[], char *const[]);
	int (*execveat)(int, const char *, char *const[], char *const[], int);
	int (*fexecve)(int, char *const[], char *const[]);
	int (*execvpe)(const char *, char *const[], char *const[]);
	int (*posix_spawn)(pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *,
			   char *const[], char *const[]);
	int (*posix_spawnp)(pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *,
			    char *const[], char *const[]);
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

/* The backstop (capr_backstop.c). g_redo counts calls this object is making
 * or applying right now, on any thread: a guarded call that traps then is
 * ours (or glibc's broadcast of ours to the other threads) and is only made
 * again with the cookie. t_in_redo: this thread is inside that remake, so a
 * trap now means the kernel refused our cookie. */
static uint64_t g_cookie;
static _Atomic int g_redo;
static __thread int t_in_redo __attribute__((tls_model("initial-exec")));
/* What exec puts back into the new program's environment. */
static char g_self[PATH_MAX];  /* this object's path, for LD_PRELOAD */
static int g_policy_fd = -1;   /* capload's memfd, while it is still open */
static dev_t g_policy_dev;
static ino_t g_policy_ino;
/* The program's own SIGSYS disposition (its sigaction()s are recorded
 * here, ours stays installed): traps of other filters are passed to it. */
static struct sigaction g_prog_sigsys;

static void redo_begin(void)
{
	atomic_fetch_add(&g_redo, 1);
}

static void redo_end(void)
{
	atomic_fetch_sub(&g_redo, 1);
}

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
	if (!m)
		capr_proc_release_status();
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

static void on_sigsys(int sig, siginfo_t *si, void *uc);

/* This object's path (for the LD_PRELOAD of programs it execs) and its
 * SIGSYS handler, before main() runs. */
static void backstop_init(void)
{
	struct sigaction sa;
	Dl_info info;

	if (dladdr((void *)backstop_init, &info) && info.dli_fname && info.dli_fname[0] == '/')
		snprintf(g_self, sizeof g_self, "%s", info.dli_fname);
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_sigsys;
	/* SA_NODEFER: a stage applied from the handler makes guarded calls
	 * itself, which trap again, on this thread. */
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	if (real.sigaction(SIGSYS, &sa, &g_prog_sigsys) < 0)
		die_preload("backstop", "cannot install the SIGSYS handler");
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
	RESOLVE(sigaction);
	RESOLVE(execve);
	RESOLVE(execveat);
	RESOLVE(fexecve);
	RESOLVE(execvpe);
	RESOLVE(posix_spawn);
	RESOLVE(posix_spawnp);
	g_pid = getpid();
	if (pthread_atfork(fork_prepare, fork_parent, fork_child) != 0)
		die_preload("pthread_atfork", "cannot register the fork handlers");

	/* No CAPR_POLICY_FD: no policy for this program (e.g. a nested
	 * capload whose policy has no later stages). One that cannot be read
	 * is a program started to be restricted at its triggers that could
	 * no longer be: refuse to run it. */
	env = secure_getenv("CAPR_POLICY_FD");
	if (env && *env) {
		capr_policy *pol = capr_inherited(&err);
		struct stat st;
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
		/* capr_inherited() checked the descriptor (a sealed memfd);
		 * remember which file it is, to pass it on at exec. */
		g_policy_fd = atoi(env);
		if (fstat(g_policy_fd, &st) == 0) {
			g_policy_dev = st.st_dev;
			g_policy_ino = st.st_ino;
		} else {
			g_policy_fd = -1;
		}
		g_cookie = capr_policy_cookie(pol);
	}
	backstop_init();
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
	redo_begin();
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
	redo_end();
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
	redo_begin(); /* glibc makes it on every thread: each traps, each is ours */
	rc = tr == TR_SETUID ? call_uid(call, a, b, d) : call_gid(call, a, b, d);
	redo_end();
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
	redo_begin();
	rc = real.listen(fd, backlog);
	redo_end();
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
	/* Later stages fire inside the jail too (vsftpd: chroot, then
	 * setuid): keep the status file until none is left. */
	if (!t_busy && atomic_load(&g_pending))
		capr_proc_hold_status();
	redo_begin();
	rc = real.chroot(path);
	redo_end();
	if (rc == 0)
		after_success(TR_CHROOT);
	if (pending)
		capr_proc_release();
	return rc;
}

/* ---------------------------------------------------------------- the backstop's traps */

/* capload's backstop filter (capr_backstop.c) traps every set*id, listen,
 * and chroot that does not carry the policy's cookie: the program's
 * raw system calls, and the calls glibc makes for the wrappers above. Here
 * each one goes through what the wrappers would have done and is made
 * again with the cookie; the result goes back into the trapped call's
 * return register. */

/* Make the trapped call again with the cookie, marked as ours. */
static long redo(const struct capr_trapped *t)
{
	long r;

	t_in_redo = 1;
	redo_begin();
	r = capr_trapped_redo(t, g_cookie);
	redo_end();
	t_in_redo = 0;
	return r;
}

/* The trigger logic for a set*id the wrappers did not see (a raw call). */
static long trapped_id(const struct capr_trapped *t)
{
	unsigned a = (unsigned)t->args[0], b = (unsigned)t->args[1], d = (unsigned)t->args[2];
	int tr = TR_SETGID;
	enum idcall call = C_SETRES;
	struct idctx c;
	long r;

	switch (t->nr) {
	case SYS_setuid:
		tr = TR_SETUID, call = C_SET;
		break;
	case SYS_setreuid:
		tr = TR_SETUID, call = C_SETRE;
		break;
	case SYS_setresuid:
		tr = TR_SETUID, call = C_SETRES;
		break;
	case SYS_setgid:
		call = C_SET;
		break;
	case SYS_setregid:
		call = C_SETRE;
		break;
	default: /* SYS_setresgid */
		break;
	}
	bool armed = id_before(&c, tr, call, a, b, d);
	r = redo(t);
	if (armed)
		id_after(&c, r == 0 ? 0 : -1);
	return r;
}

/* ---------------------------------------------------------------- exec keeps the policy */

/* A descriptor of the policy for the new program, without FD_CLOEXEC:
 * capload's memfd while this process still has it, else a new sealed
 * memfd (a daemon may close every descriptor at start-up), kept for the
 * next exec. -errno. */
static int exec_policy_fd(void)
{
	struct stat st;
	int fd = g_policy_fd;

	if (fd >= 0 && fstat(fd, &st) == 0 && st.st_dev == g_policy_dev && st.st_ino == g_policy_ino) {
		int fl = fcntl(fd, F_GETFD);
		if (fl >= 0 && (!(fl & FD_CLOEXEC) || fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC) == 0))
			return fd;
	}
	fd = (int)syscall(SYS_memfd_create, "capr-policy", MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	for (size_t off = 0; off < g_pol->len;) {
		ssize_t w = write(fd, g_pol->blob + off, g_pol->len - off);
		if (w <= 0) {
			int e = w < 0 ? errno : EIO;
			close(fd);
			return -e;
		}
		off += (size_t)w;
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0 ||
	    fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	g_policy_fd = fd;
	g_policy_dev = st.st_dev;
	g_policy_ino = st.st_ino;
	return fd;
}

/* envp for a program this one executes, with this object first in
 * LD_PRELOAD and the policy in CAPR_POLICY_FD, whatever the caller passed:
 * a program started with an empty or edited environment still gets its
 * triggered stages. In one mmap()ed block (posix_spawn's child may share
 * the heap); NULL with errno. */
struct xenv {
	char **env;
	size_t len;
};

static bool exec_env(char *const *envp, struct xenv *x)
{
	const char *old = NULL;
	size_t n = 0;

	for (; envp && envp[n]; n++) {
		if (n > (1u << 20)) {
			errno = E2BIG;
			return false;
		}
		if (strncmp(envp[n], "LD_PRELOAD=", 11) == 0)
			old = envp[n] + 11;
	}
	int pfd = exec_policy_fd();
	if (pfd < 0) {
		errno = -pfd;
		return false;
	}
	size_t oldlen = old ? strlen(old) : 0, selflen = strlen(g_self);
	size_t lplen = 11 + selflen + 1 + oldlen + 1;
	x->len = (n + 3) * sizeof(char *) + lplen + 32;
	void *m = mmap(NULL, x->len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return false;
	x->env = m;
	char *lp = (char *)(x->env + n + 3), *fdv = lp + lplen;
	/* Ours first, then the program's own preloads; ours not twice. */
	bool have = selflen && old && strncmp(old, g_self, selflen) == 0 &&
		    (old[selflen] == '\0' || old[selflen] == ':' || old[selflen] == ' ');
	if (have || !selflen)
		snprintf(lp, lplen, "LD_PRELOAD=%s", old ? old : "");
	else
		snprintf(lp, lplen, "LD_PRELOAD=%s%s%s", g_self, oldlen ? ":" : "", oldlen ? old : "");
	snprintf(fdv, 32, "CAPR_POLICY_FD=%d", pfd);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(envp[i], "LD_PRELOAD=", 11) != 0 && strncmp(envp[i], "CAPR_POLICY_FD=", 15) != 0)
			x->env[k++] = envp[i];
	if (selflen || old)
		x->env[k++] = lp;
	x->env[k++] = fdv;
	x->env[k] = NULL;
	return true;
}

static void exec_env_free(struct xenv *x)
{
	int e = errno;
	munmap(x->env, x->len);
	errno = e;
}

/* The exec family and posix_spawn: the real call with exec_env()'s
 * environment. Without a policy they pass through. */
#define WITH_ENV(envp, call)                                                   \
	do {                                                                   \
		struct xenv x_;                                                \
		ensure_init();                                                 \
		if (!g_pol)                                                    \
			return call(envp);                                     \
		if (!exec_env(envp, &x_))                                      \
			return -1;                                             \
		int r_ = call(x_.env);                                         \
		exec_env_free(&x_);                                            \
		return r_;                                                     \
	} while (0)

EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
#define CALL(e) real.execve(path, argv, e)
	WITH_ENV(envp, CALL);
#undef CALL
}

EXPORT int execveat(int dirfd, const char *path, char *const argv[], char *const envp[], int flags)
{
#define CALL(e) real.execveat(dirfd, path, argv, e, flags)
	WITH_ENV(envp, CALL);
#undef CALL
}

EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
#define CALL(e) real.fexecve(fd, argv, e)
	WITH_ENV(envp, CALL);
#undef CALL
}

EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
#define CALL(e) real.execvpe(file, argv, e)
	WITH_ENV(envp, CALL);
#undef CALL
}

EXPORT int execv(const char *path, char *const argv[])
{
	return execve(path, argv, environ);
}

EXPORT int execvp(const char *file, char *const argv[])
{
	return execvpe(file, argv, environ);
}

/* execl, execle, execlp: the arguments into an array (up to the NULL, and
 * for execle the environment after it). */
static char **list_args(const char *arg0, va_list ap, char *const **envp)
{
	va_list aq;
	size_t n = 1;

	va_copy(aq, ap);
	while (va_arg(aq, char *))
		n++;
	va_end(aq);
	char **v = malloc((n + 1) * sizeof *v);
	if (!v)
		return NULL;
	v[0] = (char *)arg0;
	for (size_t i = 1; i <= n; i++)
		v[i] = i < n ? va_arg(ap, char *) : NULL;
	if (envp) {
		(void)va_arg(ap, char *); /* the NULL */
		*envp = va_arg(ap, char *const *);
	}
	return v;
}

/* Runs ex on the array list_args built, then frees it, keeping errno. */
static int exec_list(int (*ex)(const char *, char *const[], char *const[]), const char *file, char **v,
		     char *const envp[])
{
	if (!v)
		return -1;
	int r = ex(file, v, envp);
	int e = errno;
	free(v);
	errno = e;
	return r;
}

EXPORT int execl(const char *path, const char *arg0, ...)
{
	va_list ap;
	va_start(ap, arg0);
	char **v = list_args(arg0, ap, NULL);
	va_end(ap);
	return exec_list(execve, path, v, environ);
}

EXPORT int execlp(const char *file, const char *arg0, ...)
{
	va_list ap;
	va_start(ap, arg0);
	char **v = list_args(arg0, ap, NULL);
	va_end(ap);
	return exec_list(execvpe, file, v, environ);
}

EXPORT int execle(const char *path, const char *arg0, ...)
{
	va_list ap;
	char *const *envp = NULL;
	va_start(ap, arg0);
	char **v = list_args(arg0, ap, &envp);
	va_end(ap);
	return exec_list(execve, path, v, envp);
}

/* posix_spawn returns an error number, not -1 and errno. */
#define SPAWN_WITH_ENV(envp, call)                                             \
	do {                                                                   \
		struct xenv x_;                                                \
		ensure_init();                                                 \
		if (!g_pol)                                                    \
			return call(envp);                                     \
		if (!exec_env(envp, &x_))                                      \
			return errno;                                          \
		int r_ = call(x_.env);                                         \
		exec_env_free(&x_);                                            \
		return r_;                                                     \
	} while (0)

EXPORT int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
		       const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
#define CALL(e) real.posix_spawn(pid, path, fa, attr, argv, e)
	SPAWN_WITH_ENV(envp, CALL);
#undef CALL
}

EXPORT int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
			const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
#define CALL(e) real.posix_spawnp(pid, file, fa, attr, argv, e)
	SPAWN_WITH_ENV(envp, CALL);
#undef CALL
}

/* Another filter's SECCOMP_RET_TRAP: the program's own handler, or what
 * SIGSYS does by default. */
static void pass_on(int sig, siginfo_t *si, void *uc)
{
	struct sigaction *p = &g_prog_sigsys;

	if ((p->sa_flags & SA_SIGINFO) && p->sa_sigaction) {
		p->sa_sigaction(sig, si, uc);
	} else if (!(p->sa_flags & SA_SIGINFO) && p->sa_handler != SIG_IGN && p->sa_handler != SIG_DFL) {
		p->sa_handler(sig);
	} else if (p->sa_handler == SIG_DFL) {
		struct sigaction dfl;
		sigset_t set;
		memset(&dfl, 0, sizeof dfl);
		dfl.sa_handler = SIG_DFL;
		real.sigaction(SIGSYS, &dfl, NULL);
		sigemptyset(&set);
		sigaddset(&set, SIGSYS);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		raise(SIGSYS);
	}
}

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	struct capr_trapped t;
	int saved = errno;
	long r;

	if (!capr_trapped_get(si, uc, &t)) {
		pass_on(sig, si, uc);
		errno = saved;
		return;
	}
	if (t_in_redo)
		die_preload("backstop",
			    "the kernel refused this process's own call with the policy's cookie: the policy in CAPR_POLICY_FD is not the one capload started the program with");
	if (!capr_trapped_native(&t)) {
		char why[128];
		snprintf(why, sizeof why,
			 "system call %ld through another ABI (int 0x80 or x32): refused under a policy with triggered stages",
			 t.nr);
		die_preload("backstop", why);
	}
	if (!g_pol)
		die_preload("backstop",
			    "a set*id, listen or chroot call under capload's backstop, but no policy: CAPR_POLICY_FD was not passed on");
	if (t_busy || atomic_load(&g_redo) > 0) {
		r = redo(&t); /* ours, or glibc's broadcast of ours */
	} else if (t.nr == SYS_listen) {
		r = redo(&t);
		if (r == 0)
			after_success(TR_LISTEN);
	} else if (t.nr == SYS_chroot) {
		bool pending = atomic_load(&g_pending) & (1u << TR_CHROOT);
		if (pending)
			capr_proc_hold();
		if (atomic_load(&g_pending))
			capr_proc_hold_status();
		r = redo(&t);
		if (r == 0)
			after_success(TR_CHROOT);
		if (pending)
			capr_proc_release();
	} else {
		r = trapped_id(&t);
	}
	capr_trapped_return(uc, r);
	errno = saved;
}

/* The program's sigaction() for SIGSYS is recorded, and the backstop's
 * handler stays: it passes the program's own traps on (pass_on). */
EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	ensure_init();
	if (sig != SIGSYS)
		return real.sigaction(sig, act, old);
	if (old)
		*old = g_prog_sigsys;
	if (act)
		g_prog_sigsys = *act;
	return 0;
}

EXPORT sighandler_t signal(int sig, sighandler_t handler)
{
	struct sigaction sa, old;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, &old) < 0)
		return SIG_ERR;
	return old.sa_handler;
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
			/* Not applied now: say so (CAPR_DEFERRED), never 0,
			 * which would tell a program that stays root it is
			 * restricted. The backstop makes the switch apply it. */
			g_requested |= BIT(i);
			pthread_mutex_unlock(&g_lock);
			return CAPR_DEFERRED;
		}
	}
	t_busy = 1;
	redo_begin();
	rc = capr_enter_index(pol, (size_t)i, flags, NULL, err);
	redo_end();
	t_busy = 0;
	if (pol == g_pol)
		update_pending();
	pthread_mutex_unlock(&g_lock);
	return capr_enter_finish(rc, flags, err);
}
