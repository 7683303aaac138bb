/* capr_threads.c - apply a step to every thread of the process.
 *
 * Capabilities, the bounding set, securebits, keep_caps, the ambient set and
 * no_new_privs belong to a thread, not to the process. libpsx solves this
 * by wrapping pthread_create at link time, which we cannot ask of every
 * daemon, so this is our own broadcast:
 *
 *   - the calling thread runs the step itself (capr_twork_run);
 *   - it lists /proc/self/task and sends every other thread the signal
 *     SIGRTMAX-3 with tgkill(2); the handler finds the thread's slot, runs
 *     the same capr_twork_run (raw syscalls only: async-signal-safe) and
 *     marks the slot done with its result;
 *   - the caller waits up to CAPR_THREAD_TIMEOUT_MS (5 s) for every slot,
 *     then lists /proc/self/task again, until a listing shows no thread it
 *     has not handled. A thread created meanwhile by a handled thread
 *     inherits the new state from its creator; one created by a thread not
 *     yet handled shows up in the next listing (it is in the task list
 *     before clone() returns, so before its creator can run the handler).
 *
 * The handler is installed for the duration of one broadcast and the
 * previous action restored after it; a signal that is not ours (not a
 * tgkill from this process while a broadcast is running) is passed to the
 * previous handler if it was a function, and ignored otherwise.
 *
 * A thread that blocks the signal cannot be reached. The pre-check (before
 * any change) refuses the stage when a thread's SigBlk has the signal; a
 * thread that blocks it later, or is stopped, makes the broadcast time out:
 * that is an error naming the thread (fail closed), the signal's
 * disposition is set to SIG_IGN for a moment to discard the pending
 * signals, and the slot array is leaked on purpose (a late handler may
 * still write to it).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "capr_internal.h"

int capr_capget(pid_t tid, uint64_t *eff, uint64_t *prm, uint64_t *inh)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = tid};
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof d);
	if (syscall(SYS_capget, &h, d) < 0)
		return -1;
	*eff = (uint64_t)d[1].effective << 32 | d[0].effective;
	*prm = (uint64_t)d[1].permitted << 32 | d[0].permitted;
	*inh = (uint64_t)d[1].inheritable << 32 | d[0].inheritable;
	return 0;
}

int capr_capset(uint64_t eff, uint64_t prm, uint64_t inh)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct d[2] = {
		{.effective = (uint32_t)eff, .permitted = (uint32_t)prm, .inheritable = (uint32_t)inh},
		{.effective = (uint32_t)(eff >> 32), .permitted = (uint32_t)(prm >> 32), .inheritable = (uint32_t)(inh >> 32)},
	};
	return (int)syscall(SYS_capset, &h, d);
}

static long xprctl(long op, long a, long b)
{
	return syscall(SYS_prctl, op, a, b, 0L, 0L);
}

int capr_own_bnd_amb(unsigned last_cap, uint64_t *bnd, uint64_t *amb, unsigned long *threads)
{
	uint64_t valid = last_cap >= 63 ? ~UINT64_C(0) : (UINT64_C(1) << (last_cap + 1)) - 1;
	struct capr_status st;

	if (capr_status_read("thread-self/status", &st) == 0 && (st.have & CAPR_ST_CAPBND)) {
		*bnd = st.capbnd & valid;
		*amb = (st.have & CAPR_ST_CAPAMB) ? st.capamb & valid : 0; /* no line: no ambient set (< 4.3) */
		if (threads)
			*threads = (st.have & CAPR_ST_THREADS) ? st.threads : 0;
		return 0;
	}
	/* No /proc here (a chroot, say): one prctl per capability. */
	*bnd = *amb = 0;
	if (threads)
		*threads = 0;
	for (unsigned c = 0; c <= last_cap; c++) {
		long b = xprctl(PR_CAPBSET_READ, c, 0), a = xprctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c);
		if (b < 0)
			return -1;
		if (b == 1)
			*bnd |= UINT64_C(1) << c;
		if (a == 1)
			*amb |= UINT64_C(1) << c;
	}
	return 0;
}

static void tfail(struct capr_tresult *r, int step, int cap, uint64_t want, uint64_t got)
{
	r->step = step;
	r->err = errno;
	r->cap = cap;
	r->want = want;
	r->got = got;
}

/* Async-signal-safe: raw syscalls, no libc state but errno (which the
 * handler saves and restores). */
void capr_twork_run(const struct capr_twork *w, struct capr_tresult *r)
{
	uint64_t one = 1;

	memset(r, 0, sizeof *r);
	r->cap = -1;
	if (w->phase == CAPR_PHASE_PRE) {
		/* Step 0 (CAPR_SWITCHED): the program's own uid switch cleared
		 * this thread's effective set; raise it to the thread's own
		 * permitted set (kept by keep_caps) so the steps below have
		 * cap_setpcap and the rest. Each thread's own: they need not be
		 * equal, and capset can only set the caller's sets. */
		if (w->raise_eff) {
			uint64_t e, p, i;
			if (capr_capget(0, &e, &p, &i) < 0)
				return tfail(r, CAPR_T_RAISE, -1, 0, 0);
			if (e != p) {
				if (capr_capset(p, p, i) < 0)
					return tfail(r, CAPR_T_RAISE, -1, p, e);
				r->changed = 1;
			}
		}
		/* Step 1: bounding set, while CAP_SETPCAP is still effective.
		 * Drop first, read only on failure: the kernel refuses any drop
		 * without CAP_SETPCAP (EPERM), even of a capability already
		 * gone, and a stage whose bounding set is already in place
		 * needs no CAP_SETPCAP (the plan does not ask for it then). */
		for (unsigned c = 0; c <= w->last_cap && w->bnd_drop; c++) {
			if (!(w->bnd_drop & (one << c)))
				continue;
			if (xprctl(PR_CAPBSET_DROP, c, 0) < 0) {
				if (errno == EPERM && xprctl(PR_CAPBSET_READ, c, 0) == 0)
					continue; /* already gone */
				return tfail(r, CAPR_T_BOUNDING, (int)c, 0, 0);
			}
			r->changed = 1;
		}
		/* Above the last capability we know of: cap_last_cap is only a
		 * file (a bind mount can say less than the kernel has); the
		 * kernel's EINVAL is what ends the set. */
		for (unsigned c = w->last_cap + 1; w->drop_above && c < 64; c++) {
			if (w->bnd_above & (one << c))
				continue;
			if (xprctl(PR_CAPBSET_DROP, c, 0) < 0) {
				if (errno == EINVAL)
					break;
				/* Without cap_setpcap the kernel says EPERM before
				 * it checks the number: ask the set itself. */
				if (errno == EPERM) {
					long rd = xprctl(PR_CAPBSET_READ, c, 0);
					if (rd == 0)
						continue;
					if (rd < 0 && errno == EINVAL)
						break;
					errno = EPERM;
				}
				return tfail(r, CAPR_T_BOUNDING, (int)c, 0, 0);
			}
			r->changed = 1;
		}
		/* Step 2: securebits, then keep_caps for the uid switch. */
		if (w->set_secbits && xprctl(PR_GET_SECUREBITS, 0, 0) != (long)w->secbits) {
			if (xprctl(PR_SET_SECUREBITS, (long)w->secbits, 0) < 0)
				return tfail(r, CAPR_T_SECUREBITS, -1, w->secbits, 0);
			r->changed = 1;
		}
		if (w->set_keepcaps) {
			if (xprctl(PR_SET_KEEPCAPS, 1, 0) < 0)
				return tfail(r, CAPR_T_KEEPCAPS, -1, 1, 0);
			r->changed = 1;
		}
		return;
	}

	/* Step 4: capset (effective was cleared by the uid switch). */
	if (w->do_capset) {
		if (capr_capset(w->eff, w->prm, w->inh) < 0)
			return tfail(r, CAPR_T_CAPSET, -1, 0, 0);
		r->changed = 1;
	}
	if (w->clear_keepcaps) {
		if (xprctl(PR_SET_KEEPCAPS, 0, 0) < 0)
			return tfail(r, CAPR_T_KEEPCAPS, -1, 0, 1);
		r->changed = 1;
	}
	/* Step 5: ambient, after the switch that cleared it. */
	if (w->do_ambient) {
		if (!w->amb) {
			if (xprctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0) < 0)
				return tfail(r, CAPR_T_AMBIENT, -1, 0, 0);
		} else {
			uint64_t bnd, cur;
			if (capr_own_bnd_amb(w->last_cap, &bnd, &cur, NULL) < 0)
				return tfail(r, CAPR_T_AMBIENT, -1, 0, 0);
			for (unsigned c = 0; c <= w->last_cap; c++) {
				int is = (cur & (one << c)) != 0, want = (w->amb & (one << c)) != 0;
				if (is && !want && xprctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, c) < 0)
					return tfail(r, CAPR_T_AMBIENT, (int)c, 0, 1);
				if (!is && want && xprctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c) < 0)
					return tfail(r, CAPR_T_AMBIENT, (int)c, 1, 0);
			}
		}
		r->changed = 1;
	}
	/* Step 6: read everything back; a difference is an error. */
	if (w->verify & CAPR_V_CAPS) {
		uint64_t e, p, i;
		if (capr_capget(0, &e, &p, &i) < 0)
			return tfail(r, CAPR_T_VERIFY_CAPS, -1, 0, 0);
		errno = 0;
		if (p != w->prm)
			return tfail(r, CAPR_T_VERIFY_PRM, -1, w->prm, p);
		if (e != w->eff)
			return tfail(r, CAPR_T_VERIFY_EFF, -1, w->eff, e);
		if (i != w->inh)
			return tfail(r, CAPR_T_VERIFY_INH, -1, w->inh, i);
	}
	if (w->verify & (CAPR_V_BND | CAPR_V_AMB)) {
		uint64_t bnd, amb;
		if (capr_own_bnd_amb(w->last_cap, &bnd, &amb, NULL) < 0)
			return tfail(r, (w->verify & CAPR_V_BND) ? CAPR_T_VERIFY_BND : CAPR_T_VERIFY_AMB, -1, 0, 0);
		errno = 0;
		if ((w->verify & CAPR_V_BND) && bnd != w->bnd)
			return tfail(r, CAPR_T_VERIFY_BND, -1, w->bnd, bnd);
		if ((w->verify & CAPR_V_AMB) && amb != w->amb)
			return tfail(r, CAPR_T_VERIFY_AMB, -1, w->amb, amb);
	}
	if (w->verify & CAPR_V_SECBITS) {
		long sb = xprctl(PR_GET_SECUREBITS, 0, 0);
		if (sb != (long)w->secbits)
			return tfail(r, CAPR_T_VERIFY_SECBITS, -1, w->secbits, (uint64_t)sb);
	}
	/* Step 7: no_new_privs (cannot be undone; verified by reading it back). */
	if (w->set_nnp) {
		if (xprctl(PR_SET_NO_NEW_PRIVS, 1, 0) < 0)
			return tfail(r, CAPR_T_NNP, -1, 1, 0);
		r->changed = 1;
		if (xprctl(PR_GET_NO_NEW_PRIVS, 0, 0) != 1)
			return tfail(r, CAPR_T_NNP, -1, 1, 0);
	}
}

void capr_tresult_error(const struct capr_tresult *r, pid_t tid, struct capr_error *err)
{
	static const char *const steps[] = {
		[CAPR_T_OK] = "ok",
		[CAPR_T_BOUNDING] = "bounding",
		[CAPR_T_SECUREBITS] = "securebits",
		[CAPR_T_KEEPCAPS] = "keep_caps",
		[CAPR_T_CAPSET] = "capset",
		[CAPR_T_AMBIENT] = "ambient",
		[CAPR_T_VERIFY_CAPS] = "verify",
		[CAPR_T_VERIFY_PRM] = "verify",
		[CAPR_T_VERIFY_EFF] = "verify",
		[CAPR_T_VERIFY_INH] = "verify",
		[CAPR_T_VERIFY_BND] = "verify",
		[CAPR_T_VERIFY_AMB] = "verify",
		[CAPR_T_VERIFY_SECBITS] = "verify",
		[CAPR_T_NNP] = "no_new_privs",
		[CAPR_T_RAISE] = "capset",
	};
	static const char *const sets[] = {
		[CAPR_T_VERIFY_PRM] = "permitted set",
		[CAPR_T_VERIFY_EFF] = "effective set",
		[CAPR_T_VERIFY_INH] = "inheritable set",
		[CAPR_T_VERIFY_BND] = "bounding set",
		[CAPR_T_VERIFY_AMB] = "ambient set",
	};
	char who[32] = "", cn[16], diff[160], sb1[120], sb2[120];
	const char *cap = r->cap >= 0 ? capr_cap_name((unsigned)r->cap, cn, sizeof cn) : "";
	const char *es = strerror(r->err);

	if (tid)
		snprintf(who, sizeof who, "thread %d: ", (int)tid);
	switch (r->step) {
	case CAPR_T_BOUNDING:
		capr_seterr(err, r->err, "bounding", "%sPR_CAPBSET_DROP %s: %s", who, cap, es);
		break;
	case CAPR_T_SECUREBITS:
		capr_format_secbits((unsigned)r->want, sb1, sizeof sb1);
		capr_seterr(err, r->err, "securebits", "%sPR_SET_SECUREBITS %s: %s", who, sb1, es);
		break;
	case CAPR_T_KEEPCAPS:
		capr_seterr(err, r->err, "keep_caps", "%sPR_SET_KEEPCAPS %d: %s", who, (int)r->want, es);
		break;
	case CAPR_T_CAPSET:
		capr_seterr(err, r->err, "capset", "%scapset: %s", who, es);
		break;
	case CAPR_T_AMBIENT:
		capr_seterr(err, r->err, "ambient", "%s%s %s: %s", who,
			    r->want ? "PR_CAP_AMBIENT_RAISE" : r->got ? "PR_CAP_AMBIENT_LOWER" : "PR_CAP_AMBIENT",
			    cap, es);
		break;
	case CAPR_T_VERIFY_CAPS:
		capr_seterr(err, r->err, "verify", "%scapget: %s", who, es);
		break;
	case CAPR_T_VERIFY_PRM:
	case CAPR_T_VERIFY_EFF:
	case CAPR_T_VERIFY_INH:
	case CAPR_T_VERIFY_BND:
	case CAPR_T_VERIFY_AMB:
		capr_format_caps(r->want ^ r->got, diff, sizeof diff);
		capr_seterr(err, EPERM, "verify", "%s%s is 0x%llx, expected 0x%llx (differs in %s)", who,
			    sets[r->step], (unsigned long long)r->got, (unsigned long long)r->want, diff);
		break;
	case CAPR_T_VERIFY_SECBITS:
		capr_format_secbits((unsigned)r->got, sb1, sizeof sb1);
		capr_format_secbits((unsigned)r->want, sb2, sizeof sb2);
		capr_seterr(err, EPERM, "verify", "%ssecurebits are %s, expected %s", who, sb1, sb2);
		break;
	case CAPR_T_RAISE:
		capr_seterr(err, r->err, "capset", "%sraising the effective set to the permitted set: %s", who, es);
		break;
	case CAPR_T_NNP:
		capr_seterr(err, r->err ? r->err : EPERM, "no_new_privs", "%sPR_SET_NO_NEW_PRIVS: %s", who,
			    r->err ? es : "not set after setting it");
		break;
	default:
		capr_seterr(err, EINVAL, steps[CAPR_T_OK], "%sunknown step %d", who, r->step);
		break;
	}
}

int capr_thread_signal(void)
{
	return SIGRTMAX - 3;
}

/* ---------------------------------------------------------------- listing */

struct tidlist {
	pid_t *v;
	size_t n, cap;
};

static int tid_push(struct tidlist *l, pid_t t)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		pid_t *v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = t;
	return 0;
}

static int tid_has(const struct tidlist *l, pid_t t)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i] == t)
			return 1;
	return 0;
}

/* Threads in /proc/self/task that are not in `skip`. */
static int list_threads(const struct tidlist *skip, struct tidlist *out, struct capr_error *err)
{
	int fd = capr_proc_open("self/task", O_RDONLY | O_DIRECTORY);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	out->n = 0;
	if (!d) {
		int e = errno;
		struct capr_status st;
		if (fd >= 0)
			close(fd);
		/* In a jail without /proc: the status file the preload kept
		 * (capr_status.c) answers for a process alone with its caller. */
		if (capr_status_read("self/status", &st) == 0 && st.threads == 1)
			return 0;
		capr_seterr(err, e, "threads", "cannot list /proc/self/task: %s (is /proc mounted?)", strerror(e));
		return -1;
	}
	while ((de = readdir(d))) {
		char *end;
		long t = strtol(de->d_name, &end, 10);
		if (de->d_name[0] < '0' || de->d_name[0] > '9' || *end || t <= 0)
			continue;
		if (tid_has(skip, (pid_t)t))
			continue;
		if (tid_push(out, (pid_t)t) < 0) {
			closedir(d);
			capr_seterr(err, ENOMEM, "threads", "out of memory");
			return -1;
		}
	}
	closedir(d);
	return 0;
}

struct tstatus {
	int ok;
	char state;
	uint64_t sigblk, capprm, capeff;
};

static void read_status(pid_t tid, struct tstatus *st)
{
	char path[64];
	struct capr_status s;
	const unsigned need = CAPR_ST_SIGBLK | CAPR_ST_CAPPRM | CAPR_ST_CAPEFF;

	memset(st, 0, sizeof *st);
	snprintf(path, sizeof path, "self/task/%d/status", (int)tid);
	if (capr_status_read(path, &s) < 0 || (s.have & need) != need)
		return; /* exited meanwhile */
	st->state = s.state;
	st->sigblk = s.sigblk;
	st->capprm = s.capprm;
	st->capeff = s.capeff;
	st->ok = 1;
}

static int sig_blocked(const struct tstatus *st)
{
	return st->ok && (st->sigblk & (UINT64_C(1) << (capr_thread_signal() - 1)));
}

int capr_threads_precheck(uint64_t need_prm, uint64_t need_eff, struct capr_error *err)
{
	struct tidlist self = {0}, others = {0};
	pid_t me = (pid_t)syscall(SYS_gettid);
	char list[160];
	int rc = -1;

	if (tid_push(&self, me) < 0) {
		capr_seterr(err, ENOMEM, "threads", "out of memory");
		return -1;
	}
	if (list_threads(&self, &others, err) < 0)
		goto out;
	for (size_t i = 0; i < others.n; i++) {
		struct tstatus st;
		read_status(others.v[i], &st);
		if (!st.ok)
			continue; /* exited meanwhile */
		/* glibc blocks every signal in a new thread until it has set it
		 * up: look again for a while before calling it blocked. */
		for (int k = 0; k < 50 && sig_blocked(&st); k++) {
			struct timespec ts = {0, 2 * 1000 * 1000};
			nanosleep(&ts, NULL);
			read_status(others.v[i], &st);
		}
		if (!st.ok)
			continue;
		if (sig_blocked(&st)) {
			capr_seterr(err, EDEADLK, "threads",
				    "thread %d blocks signal %d (SIGRTMAX-3), which libcapr needs to restrict every thread",
				    (int)others.v[i], capr_thread_signal());
			goto out;
		}
		if (need_prm & ~st.capprm) {
			capr_format_caps(need_prm & ~st.capprm, list, sizeof list);
			capr_seterr(err, EPERM, "capset", "thread %d lacks %s in its permitted set", (int)others.v[i], list);
			goto out;
		}
		if (need_eff & ~st.capeff) {
			capr_format_caps(need_eff & ~st.capeff, list, sizeof list);
			capr_seterr(err, EPERM, "bounding", "thread %d lacks %s in its effective set", (int)others.v[i],
				    list);
			goto out;
		}
	}
	rc = 0;
out:
	free(self.v);
	free(others.v);
	return rc;
}

/* ---------------------------------------------------------------- broadcast */

enum { SLOT_SENT = 1, SLOT_DONE = 2 };

struct slot {
	pid_t tid;
	_Atomic int state;
	struct capr_tresult res;
};

static struct slot *_Atomic g_slots;
static _Atomic size_t g_nslots;
static const struct capr_twork *_Atomic g_work;
static struct capr_twork g_work_copy; /* static: a late handler never reads a dead stack frame */
static struct sigaction g_old;

static void handler(int sig, siginfo_t *si, void *uc)
{
	int saved = errno;
	const struct capr_twork *w = atomic_load(&g_work);
	size_t n = atomic_load(&g_nslots);
	struct slot *slots = atomic_load(&g_slots);

	if (w && slots && si && si->si_code == SI_TKILL && si->si_pid == getpid()) {
		pid_t tid = (pid_t)syscall(SYS_gettid);
		for (size_t i = 0; i < n; i++) {
			if (slots[i].tid != tid || atomic_load(&slots[i].state) != SLOT_SENT)
				continue;
			capr_twork_run(w, &slots[i].res);
			atomic_store(&slots[i].state, SLOT_DONE);
			errno = saved;
			return;
		}
	}
	/* Not ours: the previous handler, if it was one. */
	if ((g_old.sa_flags & SA_SIGINFO) && (void *)g_old.sa_sigaction != (void *)SIG_DFL &&
	    (void *)g_old.sa_sigaction != (void *)SIG_IGN)
		g_old.sa_sigaction(sig, si, uc);
	else if (!(g_old.sa_flags & SA_SIGINFO) && g_old.sa_handler != SIG_DFL && g_old.sa_handler != SIG_IGN)
		g_old.sa_handler(sig);
	errno = saved;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void timeout_error(pid_t tid, struct capr_error *err)
{
	struct tstatus st;

	read_status(tid, &st);
	if (sig_blocked(&st))
		capr_seterr(err, EDEADLK, "threads",
			    "thread %d blocks signal %d (SIGRTMAX-3), which libcapr needs to restrict every thread",
			    (int)tid, capr_thread_signal());
	else if (st.ok && (st.state == 'T' || st.state == 't'))
		capr_seterr(err, ETIMEDOUT, "threads", "thread %d is stopped and cannot be restricted", (int)tid);
	else
		capr_seterr(err, ETIMEDOUT, "threads", "thread %d did not run the step within %d ms", (int)tid,
			    CAPR_THREAD_TIMEOUT_MS);
}

int capr_threads_broadcast(const struct capr_twork *w, struct capr_error *err, int *changed)
{
	struct tidlist seen = {0}, fresh = {0};
	struct sigaction sa;
	int sig = capr_thread_signal();
	pid_t pid = getpid();
	int rc = -1;

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigfillset(&sa.sa_mask);

	if (tid_push(&seen, (pid_t)syscall(SYS_gettid)) < 0) {
		capr_seterr(err, ENOMEM, "threads", "out of memory");
		return -1;
	}
	g_work_copy = *w;
	atomic_store(&g_work, &g_work_copy);
	if (sigaction(sig, &sa, &g_old) < 0) {
		capr_seterr(err, errno, "threads", "sigaction(%d): %s", sig, strerror(errno));
		atomic_store(&g_work, NULL);
		free(seen.v);
		return -1;
	}
	for (;;) {
		struct slot *slots;
		size_t pending;
		long deadline;

		if (list_threads(&seen, &fresh, err) < 0)
			goto out;
		if (!fresh.n)
			break;
		slots = calloc(fresh.n, sizeof *slots);
		if (!slots) {
			capr_seterr(err, ENOMEM, "threads", "out of memory");
			goto out;
		}
		for (size_t i = 0; i < fresh.n; i++) {
			slots[i].tid = fresh.v[i];
			atomic_store(&slots[i].state, SLOT_SENT);
		}
		atomic_store(&g_nslots, 0);
		atomic_store(&g_slots, slots);
		atomic_store(&g_nslots, fresh.n);
		for (size_t i = 0; i < fresh.n; i++) {
			if (syscall(SYS_tgkill, pid, fresh.v[i], sig) == 0)
				continue;
			if (errno == ESRCH) { /* exited since the listing */
				atomic_store(&slots[i].state, SLOT_DONE);
				continue;
			}
			capr_seterr(err, errno, "threads", "tgkill(thread %d): %s", (int)fresh.v[i], strerror(errno));
			/* Threads already signalled may still be running the step. */
			*changed = 1;
			goto timeout;
		}
		deadline = now_ms() + CAPR_THREAD_TIMEOUT_MS;
		for (;;) {
			pending = 0;
			for (size_t i = 0; i < fresh.n; i++) {
				if (atomic_load(&slots[i].state) == SLOT_DONE)
					continue;
				/* A thread that exits with the signal still pending
				 * (e.g. before glibc unblocked it) never answers and
				 * needs nothing. */
				int sent = SLOT_SENT;
				if (syscall(SYS_tgkill, pid, slots[i].tid, 0) < 0 && errno == ESRCH &&
				    atomic_compare_exchange_strong(&slots[i].state, &sent, SLOT_DONE))
					continue;
				pending++;
			}
			if (!pending || now_ms() > deadline)
				break;
			struct timespec ts = {0, 200 * 1000};
			nanosleep(&ts, NULL);
		}
		if (pending) {
			for (size_t i = 0; i < fresh.n; i++)
				if (atomic_load(&slots[i].state) != SLOT_DONE) {
					timeout_error(slots[i].tid, err);
					break;
				}
			*changed = 1;
			goto timeout;
		}
		atomic_store(&g_nslots, 0);
		atomic_store(&g_slots, NULL);
		for (size_t i = 0; i < fresh.n; i++) {
			if (slots[i].res.changed)
				*changed = 1;
			if (slots[i].res.step != CAPR_T_OK) {
				capr_tresult_error(&slots[i].res, slots[i].tid, err);
				free(slots);
				goto out;
			}
			if (tid_push(&seen, slots[i].tid) < 0) {
				free(slots);
				capr_seterr(err, ENOMEM, "threads", "out of memory");
				goto out;
			}
		}
		free(slots);
	}
	rc = 0;
	goto out;
timeout: {
	/* Discard the signals still pending in threads that block it, then
	 * put the old action back. The slots stay allocated (see above). */
	struct sigaction ign;
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigaction(sig, &ign, NULL);
}
out:
	atomic_store(&g_work, NULL);
	sigaction(sig, &g_old, NULL);
	free(seen.v);
	free(fresh.v);
	return rc;
}
