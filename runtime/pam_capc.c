/* pam_capc.c - PAM session module: per-user capability restrictions from a
 * compiled session policy (capc's `session NAME { user ... group ...
 * default ... }`, blob kind CAPBIN_KIND_SESSION).
 *
 *     session required pam_capc.so policy=/etc/capc/login.capbin [debug] [fail_open]
 *
 * At session open the module loads and validates the blob, resolves the PAM
 * user and the groups initgroups() will give the session, picks the first
 * matching rule (the blob stores them in matching order: users, groups,
 * default) and applies that rule's stage to the calling process, the login
 * program, with the runtime's apply engine. Its later children (the user's
 * shell after the program's setgid/initgroups/setuid/execve) inherit the
 * result. docs/pam.md is the user-facing description.
 *
 * Fail closed: any failure returns an error so that a `required` module
 * stops the session, and is logged naming the step. The module never exits
 * the process (the host may be sshd): a partial apply returns
 * PAM_SYSTEM_ERR and the host must refuse the session.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#define PAM_SM_SESSION
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "capr_internal.h"

/* Errors go to syslog, and the last one of a call is also shown to the
 * user through the application's conversation (pam_error), unless the
 * application asked for PAM_SILENT: with no syslog daemon (or no /dev/log
 * in a container) PAM's generic "Cannot make/remove an entry for the
 * specified session" would otherwise be all anyone sees. */
static __thread char t_last[512];

static void say(pam_handle_t *pamh, int prio, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(pam_handle_t *pamh, int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t_last, sizeof t_last, fmt, ap);
	va_end(ap);
	pam_syslog(pamh, prio, "%s", t_last);
}

/* The refusal, to the user too. */
static int told(pam_handle_t *pamh, int flags, int rc)
{
	if (rc != PAM_SUCCESS && t_last[0] && !(flags & PAM_SILENT))
		pam_error(pamh, "pam_capc: %s", t_last);
	return rc;
}

/* The runtime objects are built with -fvisibility=hidden; only the PAM
 * entry points leave the module. */
#define PAM_CAPC_EXPORT __attribute__((visibility("default")))

/* Largest buffer for one NSS entry (a group of a big directory can be
 * large; beyond this the lookup is an error, not "not found"). */

struct args {
	const char *policy;
	bool debug;
	bool fail_open;
};

/* The PAM user as NSS knows it, with the groups the login program's
 * initgroups() will give the session (primary first). */
struct who {
	const char *pam_user;
	char *name; /* pw_name: NSS's spelling */
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	int ngroups;
};

/* The runtime's thread broadcast keeps its state in globals: one apply at
 * a time (two threads of a host opening sessions at once). */
static pthread_mutex_t apply_lock = PTHREAD_MUTEX_INITIALIZER;

static int parse_args(pam_handle_t *pamh, int argc, const char **argv, struct args *a)
{
	memset(a, 0, sizeof *a);
	for (int i = 0; i < argc; i++) {
		const char *s = argv[i];
		if (strncmp(s, "policy=", 7) == 0) {
			if (a->policy) {
				say(pamh, LOG_ERR, "argument '%s': policy= given twice", s);
				return -1;
			}
			a->policy = s + 7;
			/* A relative path would depend on the host's working directory. */
			if (a->policy[0] != '/') {
				say(pamh, LOG_ERR, "argument '%s': the policy path must be absolute", s);
				return -1;
			}
		} else if (strcmp(s, "debug") == 0) {
			a->debug = true;
		} else if (strcmp(s, "fail_open") == 0) {
			a->fail_open = true;
		} else {
			say(pamh, LOG_ERR, "unknown argument '%s' (known: policy=PATH, debug, fail_open)", s);
			return -1;
		}
	}
	if (!a->policy) {
		say(pamh, LOG_ERR, "no policy=PATH argument");
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- policy */

/* Open, check ownership and mode, validate. The blob decides what the login
 * program does as root, so it must be as trustworthy as the PAM
 * configuration itself: a regular file owned by root, writable by no one
 * else. The stages must be session stages that leave identity to the login
 * program (capc never writes anything else; a blob that does was not made
 * by capc for a session). */
static capr_policy *load_policy(const char *path, struct capr_error *err)
{
	struct stat st;
	capr_policy *pol;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK); /* a FIFO must not hang the login */

	if (fd < 0) {
		capr_seterr(err, errno, "open", "%s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		capr_seterr(err, errno, "open", "fstat: %s", strerror(errno));
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		capr_seterr(err, EINVAL, "open", "not a regular file");
		close(fd);
		return NULL;
	}
	/* The file and every directory above it: root's alone. No override
	 * here, whatever the login program's environment says. */
	if (capr_check_trust(fd, path, 0, err) < 0) {
		close(fd);
		return NULL;
	}
	pol = capr_open_fd_nocheck(fd, err);
	close(fd);
	if (!pol)
		return NULL;
	if (pol->kind != CAPBIN_KIND_SESSION) {
		capr_seterr(err, EINVAL, "kind", "service '%s' is not a session policy (compile a 'session' block)",
			    pol->name);
		capr_close(pol);
		return NULL;
	}
	for (size_t i = 0; i < pol->nstages; i++) {
		const unsigned id_flags = CAPBIN_STAGE_USER | CAPBIN_STAGE_GROUP | CAPBIN_STAGE_GROUPS;
		if (pol->stages[i].flags & id_flags) {
			capr_seterr(err, EINVAL, "stage",
				    "stage %zu switches user or groups: the login program does that itself", i);
			capr_close(pol);
			return NULL;
		}
	}
	return pol;
}

/* ---------------------------------------------------------------- NSS */

static void who_free(struct who *w)
{
	free(w->name);
	free(w->groups);
}

static int resolve_user(pam_handle_t *pamh, const char *user, struct who *w)
{
	struct capr_pw pw;
	int e, r;

	memset(w, 0, sizeof *w);
	w->pam_user = user;
	r = capr_nss_user(user, &pw, &e);
	if (r <= 0) {
		if (r == 0)
			say(pamh, LOG_ERR, "user '%s' is unknown to NSS (getpwnam): session refused", user);
		else
			say(pamh, LOG_ERR, "cannot look up user '%s': %s: session refused", user, strerror(e));
		return -1;
	}
	w->uid = pw.uid;
	w->gid = pw.gid;
	w->name = pw.name;

	/* The groups the session gets: getgrouplist() asks the same NSS
	 * sources as initgroups(), with the primary group first. */
	int n = 64;
	for (;;) {
		gid_t *g = realloc(w->groups, (size_t)n * sizeof *g);
		int want = n;
		if (!g) {
			say(pamh, LOG_ERR, "out of memory");
			return -1;
		}
		w->groups = g;
		if (getgrouplist(w->name, w->gid, w->groups, &want) >= 0) {
			w->ngroups = want;
			break;
		}
		/* -1: the list did not fit; want is the size needed. */
		if (want <= n) {
			if (n >= (1 << 20)) {
				say(pamh, LOG_ERR, "cannot list the groups of '%s'", w->name);
				return -1;
			}
			want = n * 2;
		}
		n = want;
	}
	return 0;
}

static bool in_groups(const struct who *w, gid_t gid)
{
	if (gid == w->gid)
		return true;
	for (int i = 0; i < w->ngroups; i++)
		if (w->groups[i] == gid)
			return true;
	return false;
}

static const char *rule_desc(const struct capr_rule *r, char *buf, size_t len)
{
	const char *kind = r->kind == CAPBIN_RULE_USER ? "user" : "group";

	if (r->kind == CAPBIN_RULE_DEFAULT)
		snprintf(buf, len, "default");
	else if (r->who.name)
		snprintf(buf, len, "%s %s", kind, r->who.name);
	else
		snprintf(buf, len, "%s %u", kind, (unsigned)r->who.id);
	return buf;
}

/* Does rule r match the user? 1 yes, 0 no, -1 a lookup failed (the answer
 * is unknown, so the session must not go on). Names are compared by the
 * number they resolve to where the module runs: the kernel knows only
 * numbers, so a rule for a name covers every account sharing its uid or
 * gid. */
static int rule_matches(pam_handle_t *pamh, const struct args *a, const struct capr_rule *r, const struct who *w)
{
	char d[300];
	int e, found;

	switch (r->kind) {
	case CAPBIN_RULE_DEFAULT:
		return 1;
	case CAPBIN_RULE_USER: {
		struct capr_pw pw;
		bool same;

		if (!r->who.name)
			return r->who.id == w->uid;
		if (strcmp(r->who.name, w->name) == 0 || strcmp(r->who.name, w->pam_user) == 0)
			return 1;
		found = capr_nss_user(r->who.name, &pw, &e);
		same = found > 0 && pw.uid == w->uid;
		free(pw.name);
		if (found < 0) {
			say(pamh, LOG_ERR, "rule '%s': cannot look up the user: %s",
				   rule_desc(r, d, sizeof d), strerror(e));
			return -1;
		}
		if (!found && a->debug)
			pam_syslog(pamh, LOG_DEBUG, "rule '%s': no such user here; it matches no one",
				   rule_desc(r, d, sizeof d));
		return same;
	}
	case CAPBIN_RULE_GROUP: {
		gid_t gid;

		if (!r->who.name)
			return in_groups(w, r->who.id);
		found = capr_nss_group(r->who.name, &gid, &e);
		if (found < 0) {
			say(pamh, LOG_ERR, "rule '%s': cannot look up the group: %s",
				   rule_desc(r, d, sizeof d), strerror(e));
			return -1;
		}
		if (!found) {
			if (a->debug)
				pam_syslog(pamh, LOG_DEBUG, "rule '%s': no such group here; it matches no one",
					   rule_desc(r, d, sizeof d));
			return 0;
		}
		return in_groups(w, gid);
	}
	}
	return 0; /* the validator admits no other kind */
}

/* ---------------------------------------------------------------- apply */

/* What the kernel reports for this thread: the debug log says what a rule
 * changed by comparing two snapshots, not by repeating the blob. */
struct state {
	uint64_t bnd, prm, eff, inh;
	long secbits;
	long nnp;
};

static void snapshot(struct state *s)
{
	memset(s, 0, sizeof *s);
	/* PR_CAPBSET_READ fails (EINVAL) above the kernel's last capability. */
	for (unsigned c = 0; c < 64; c++)
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
			s->bnd |= UINT64_C(1) << c;
	if (capr_capget(0, &s->eff, &s->prm, &s->inh) < 0)
		s->eff = s->prm = s->inh = 0;
	s->secbits = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
	s->nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
}

/* Append "; NAME -dropped +added" when a capability set changed. */
static void diff_caps(char *buf, size_t len, const char *name, uint64_t a, uint64_t b)
{
	char gone[1024], added[1024];
	size_t used = strlen(buf);

	if (a == b || used >= len)
		return;
	capr_format_caps(a & ~b, gone, sizeof gone);
	capr_format_caps(b & ~a, added, sizeof added);
	snprintf(buf + used, len - used, "%s%s%s%s%s%s", used ? "; " : "", name, (a & ~b) ? " -" : "",
		 (a & ~b) ? gone : "", (b & ~a) ? " +" : "", (b & ~a) ? added : "");
}

/* The filter is the stage's last step: it was installed iff the apply
 * succeeded (`done`). */
static void describe_change(const struct state *a, const struct state *b, const struct capr_stage *st, bool done,
			    char *buf, size_t len)
{
	size_t used;

	buf[0] = '\0';
	diff_caps(buf, len, "bounding set", a->bnd, b->bnd);
	diff_caps(buf, len, "inheritable", a->inh, b->inh);
	diff_caps(buf, len, "permitted", a->prm, b->prm);
	diff_caps(buf, len, "effective", a->eff, b->eff);
	if (a->secbits != b->secbits && a->secbits >= 0 && b->secbits >= 0) {
		char x[120], y[120];
		capr_format_secbits((unsigned)a->secbits, x, sizeof x);
		capr_format_secbits((unsigned)b->secbits, y, sizeof y);
		used = strlen(buf);
		snprintf(buf + used, len - used, "%ssecurebits %s -> %s", used ? "; " : "", x, y);
	}
	if (a->nnp != b->nnp) {
		used = strlen(buf);
		snprintf(buf + used, len - used, "%sno_new_privs set", used ? "; " : "");
	}
	if (done && (st->flags & CAPBIN_STAGE_SECCOMP)) {
		used = strlen(buf);
		snprintf(buf + used, len - used, "%sseccomp filter of %zu instructions installed", used ? "; " : "",
			 st->filter_len);
	}
	if (!buf[0])
		snprintf(buf, len, "nothing to change");
}

/* Apply stage i to this process. Returns PAM_SUCCESS, PAM_SESSION_ERR
 * (nothing changed) or PAM_SYSTEM_ERR (partly changed). */
static int apply(pam_handle_t *pamh, const struct args *a, capr_policy *pol, size_t i, const char *desc,
		 const char *user)
{
	struct capr_error err;
	struct state before, after;
	char what[4096];
	int rc;

	memset(&err, 0, sizeof err);
	if (a->debug)
		snapshot(&before);
	pthread_mutex_lock(&apply_lock);
	rc = capr_apply_stage(pol, i, 0, &err);
	pthread_mutex_unlock(&apply_lock);
	if (a->debug) {
		snapshot(&after);
		describe_change(&before, &after, &pol->stages[i], rc == 0, what, sizeof what);
		pam_syslog(pamh, LOG_DEBUG, "rule '%s' for user '%s': %s: %s", desc, user,
			   rc == 0 ? "applied" : "changed before the failure", what);
	}

	if (rc == 0)
		return PAM_SUCCESS;
	if (err.partial) {
		say(pamh, LOG_CRIT,
			   "rule '%s' for user '%s': %s: %s; the process was partly restricted: the session must not start",
			   desc, user, err.step, err.msg);
		return PAM_SYSTEM_ERR;
	}
	say(pamh, LOG_ERR, "rule '%s' for user '%s': %s: %s (nothing was changed): session refused", desc,
		   user, err.step, err.msg);
	return PAM_SESSION_ERR;
}

/* ---------------------------------------------------------------- entry points */

static int open_session(pam_handle_t *pamh, int argc, const char **argv)
{
	struct capr_error err;
	struct args a;
	capr_policy *pol;
	const void *item = NULL;
	const char *user;
	struct who w;
	char desc[300];
	int rc;

	if (parse_args(pamh, argc, argv, &a) < 0)
		return PAM_SERVICE_ERR;

	memset(&err, 0, sizeof err);
	pol = load_policy(a.policy, &err);
	if (!pol) {
		if (a.fail_open) {
			say(pamh, LOG_CRIT,
				   "policy %s: %s: %s; fail_open: the session proceeds WITHOUT capability restrictions",
				   a.policy, err.step, err.msg);
			return PAM_SUCCESS;
		}
		say(pamh, LOG_ERR, "policy %s: %s: %s: session refused", a.policy, err.step, err.msg);
		return PAM_SESSION_ERR;
	}

	if (pam_get_item(pamh, PAM_USER, &item) != PAM_SUCCESS || !item || !*(const char *)item) {
		say(pamh, LOG_ERR, "no user name (PAM_USER is not set): session refused");
		capr_close(pol);
		return PAM_SESSION_ERR;
	}
	user = item;
	if (resolve_user(pamh, user, &w) < 0) {
		who_free(&w);
		capr_close(pol);
		return PAM_SESSION_ERR;
	}

	rc = PAM_SUCCESS;
	size_t r;
	for (r = 0; r < pol->nrules; r++) {
		int m = rule_matches(pamh, &a, &pol->rules[r], &w);
		if (m < 0) {
			say(pamh, LOG_ERR, "user '%s': cannot decide which rule applies: session refused", user);
			rc = PAM_SESSION_ERR;
			break;
		}
		if (m)
			break;
	}
	if (rc == PAM_SUCCESS && r == pol->nrules) {
		/* The policy's answer for this user is "nothing": success,
		 * not PAM_IGNORE, so the result does not depend on the other
		 * modules of the stack (docs/pam.md). */
		if (a.debug)
			pam_syslog(pamh, LOG_DEBUG, "user '%s' (uid %u): no rule of session '%s' matches; nothing applied",
				   user, (unsigned)w.uid, pol->name);
	} else if (rc == PAM_SUCCESS) {
		const struct capr_rule *ru = &pol->rules[r];
		rule_desc(ru, desc, sizeof desc);
		if (a.debug)
			pam_syslog(pamh, LOG_DEBUG, "user '%s' (uid %u, gid %u, %d groups): rule %zu '%s' of session '%s' matches; applying stage %zu",
				   user, (unsigned)w.uid, (unsigned)w.gid, w.ngroups, r + 1, desc, pol->name, ru->stage);
		rc = apply(pamh, &a, pol, ru->stage, desc, user);
	}
	who_free(&w);
	capr_close(pol);
	return rc;
}

PAM_CAPC_EXPORT int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	t_last[0] = '\0';
	return told(pamh, flags, open_session(pamh, argc, argv));
}

PAM_CAPC_EXPORT int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	/* Nothing to undo: the login program's process ends with the session,
	 * and a bounding-set drop cannot be undone anyway. */
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}
