/* capr_apply.c - applying one stage to the calling process.
 *
 * The order of the steps is forced by the kernel; each step says why it
 * sits where it does. In short:
 *
 *   0. plan      resolve names, read the current state, compute every
 *                target, check it can be reached. Nothing changes before
 *                this step has succeeded, so its errors leave the process
 *                as it was.
 *   1. bounding  PR_CAPBSET_DROP needs CAP_SETPCAP in the effective set,
 *                which the uid switch (3) and capset (4) may remove.
 *   2. securebits / keep_caps   PR_SET_SECUREBITS needs CAP_SETPCAP too,
 *                and keep_caps must be set before setresuid or the kernel
 *                clears the permitted set when the process leaves uid 0.
 *   3. identity  setgroups, setresgid, setresuid in that order: after
 *                setresuid the process could no longer change its groups.
 *                glibc applies each to every thread.
 *   4. capset    after the switch, which cleared the effective set.
 *   5. ambient   after the switch (which clears it) and after capset (a
 *                raised ambient cap must be permitted and inheritable).
 *   6. verify    read everything back: a difference is an error.
 *   7. no_new_privs
 *   8. seccomp   last: the filter may deny the very syscalls used above.
 *                TSYNC puts it on every thread at once.
 *
 * Steps 1-2 and 4-7 run on every thread (capr_threads.c).
 *
 * Two modes change what happens around a uid switch the program makes
 * itself (see capr_internal.h):
 *
 *   CAPR_SWITCHED       the switch has just happened (the preload's setuid
 *                       and setgid triggers, which set keep_caps before it).
 *                       Step 0 raises every thread's effective set from its
 *                       permitted set, because the kernel cleared it when
 *                       the effective uid left 0 and steps 1-2 need
 *                       cap_setpcap. The stage's "old" sets are what the
 *                       switch would have left without the runtime's
 *                       keep_caps, so capset always runs (it also removes
 *                       what keep_caps alone preserved), and keep_caps goes
 *                       back to the program's own value at step 4.
 *   CAPR_BEFORE_SWITCH  the switch is still to come (libcapr alone, a
 *                       setuid-triggered point entered while a uid is 0):
 *                       step 2 also sets SECBIT_NO_SETUID_FIXUP, unlocked,
 *                       or that switch would clear the permitted and
 *                       effective sets the stage keeps.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "capr_internal.h"

#define BIT(c) (UINT64_C(1) << (c))

struct plan {
	const struct capr_stage *st;
	unsigned flags; /* CAPR_* of the call */
	unsigned last_cap;
	uint64_t valid; /* caps 0..last_cap */
	uint64_t unknown; /* or-mask bits above last_cap: ignored */
	/* state at step 0 */
	uint64_t prm0, eff0, inh0, bnd0, amb0;
	unsigned sb0;
	int nnp0;
	int ambient_ok; /* the kernel has ambient capabilities */
	/* Threads of the process when planning (0: unknown). 1 means the
	 * caller is the only one, and as it is busy here no other can appear
	 * before the stage is applied: the thread checks and broadcasts,
	 * which list /proc/self/task, are skipped. */
	unsigned long threads;
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;
	/* identity */
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	size_t ngroups;
	/* what the kernel leaves after setresuid */
	uint64_t prm_sw, eff_sw, amb_sw;
	/* targets */
	uint64_t bnd_t, prm_t, eff_t, inh_t, amb_t;
	unsigned sb_t;
	int nnp_t;
	int tmp_keepcaps; /* set keep_caps for the switch, clear it after */
	/* The stage's "old" sets and securebits: the state at step 0, or with
	 * CAPR_SWITCHED what the program's own switch would have left. */
	uint64_t prm_old, eff_old;
	unsigned sb_base;
	int raise_eff;     /* CAPR_SWITCHED: step 0 raises effective from permitted */
	int fixup_off;     /* CAPR_BEFORE_SWITCH: step 2 adds no_setuid_fixup */
	int set_secbits;   /* step 2 calls PR_SET_SECUREBITS */
	int clear_keepcaps; /* step 4 clears keep_caps */
};

static int read_last_cap(unsigned *last, struct capr_error *err);

/* cap_last_cap + 1, once known: it is fixed for the life of the kernel,
 * and a daemon's master that opens the policy (capr_policy_from_buf calls
 * capr_prime_last_cap) spares every session child the read. */
static unsigned last_cap_cache;

void capr_prime_last_cap(void)
{
	unsigned last;
	struct capr_error err;
	if (!__atomic_load_n(&last_cap_cache, __ATOMIC_RELAXED))
		(void)capr_read_last_cap(&last, &err);
}

int capr_read_last_cap(unsigned *last, struct capr_error *err)
{
	unsigned cached = __atomic_load_n(&last_cap_cache, __ATOMIC_RELAXED);
	if (cached) {
		*last = cached - 1;
		return 0;
	}
	if (read_last_cap(last, err) < 0)
		return -1;
	__atomic_store_n(&last_cap_cache, *last + 1, __ATOMIC_RELAXED);
	return 0;
}

static int read_last_cap(unsigned *last, struct capr_error *err)
{
	char buf[16] = "";
	int fd = capr_proc_open("sys/kernel/cap_last_cap", O_RDONLY);

	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (n > 0) {
			char *end;
			buf[n] = '\0';
			unsigned long v = strtoul(buf, &end, 10);
			/* Believed only when the kernel agrees: v is in the
			 * bounding set's range and v + 1 is not (a bind mount
			 * over the file could say less, and capabilities above
			 * it would stay). */
			if (end != buf && v < 1024 && prctl(PR_CAPBSET_READ, v, 0, 0, 0) >= 0 &&
			    prctl(PR_CAPBSET_READ, v + 1, 0, 0, 0) < 0 && errno == EINVAL) {
				*last = (unsigned)v;
				goto check;
			}
		}
	}
	/* No /proc, or a file the kernel contradicts: probe the bounding set
	 * as libcap does. */
	{
		unsigned c = 0;
		while (c < 1024 && prctl(PR_CAPBSET_READ, c + 1, 0, 0, 0) >= 0)
			c++;
		if (prctl(PR_CAPBSET_READ, 0, 0, 0, 0) < 0) {
			capr_seterr(err, errno, "caps", "cannot read /proc/sys/kernel/cap_last_cap nor the bounding set: %s",
				    strerror(errno));
			return -1;
		}
		*last = c;
	}
check:
	if (*last > 63) {
		capr_seterr(err, EOVERFLOW, "caps",
			    "this kernel has capabilities up to %u; the blob format only describes 0..63", *last);
		return -1;
	}
	return 0;
}

/* A user name to uid and primary gid. */
static int lookup_user(const char *name, uid_t *uid, gid_t *gid, struct capr_error *err)
{
	struct capr_pw pw;
	int e, r = capr_nss_user(name, &pw, &e);

	if (r <= 0) {
		if (r < 0)
			capr_seterr(err, e, "user", "cannot look up user '%s': %s", name, strerror(e));
		else
			capr_seterr(err, ENOENT, "user", "no such user '%s'", name);
		return -1;
	}
	*uid = pw.uid;
	*gid = pw.gid;
	free(pw.name);
	return 0;
}

static int lookup_uid_gid(uid_t uid, gid_t *gid, struct capr_error *err)
{
	struct capr_pw pw;
	int e, r = capr_nss_uid(uid, &pw, &e);

	if (r <= 0) {
		capr_seterr(err, r < 0 ? e : ENOENT, "group",
			    "uid %u has no passwd entry, so it has no primary group to switch to", (unsigned)uid);
		return -1;
	}
	*gid = pw.gid;
	free(pw.name);
	return 0;
}

static int lookup_group(const char *name, gid_t *gid, struct capr_error *err)
{
	int e, r = capr_nss_group(name, gid, &e);

	if (r <= 0) {
		if (r < 0)
			capr_seterr(err, e, "group", "cannot look up group '%s': %s", name, strerror(e));
		else
			capr_seterr(err, ENOENT, "group", "no such group '%s'", name);
		return -1;
	}
	return 0;
}

static int resolve_gid(const struct capr_id *id, gid_t primary, int have_primary, gid_t *out,
		       struct capr_error *err)
{
	if (id->name)
		return lookup_group(id->name, out, err);
	if (id->id == CAPBIN_ID_USER_PRIMARY) {
		if (!have_primary) {
			capr_seterr(err, EINVAL, "group", "the user's primary group without a user");
			return -1;
		}
		*out = primary;
		return 0;
	}
	*out = id->id;
	return 0;
}

/* What setresuid(uid, uid, uid) does to the capability sets: the kernel's
 * cap_emulate_setxuid(), skipped under SECBIT_NO_SETUID_FIXUP. */
static void simulate_setuid(struct plan *p, unsigned secbits)
{
	bool had_root = p->ruid == 0 || p->euid == 0 || p->suid == 0;

	p->prm_sw = p->prm0;
	p->eff_sw = p->eff0;
	p->amb_sw = p->amb0;
	if (!(p->st->flags & CAPBIN_STAGE_USER) || (secbits & CAPBIN_SECBIT_NO_SETUID_FIXUP))
		return;
	if (had_root && p->uid != 0) {
		if (!(secbits & CAPBIN_SECBIT_KEEP_CAPS)) {
			p->prm_sw = 0;
			p->eff_sw = 0;
		}
		p->amb_sw = 0;
	}
	if (p->euid == 0 && p->uid != 0)
		p->eff_sw = 0;
	if (p->euid != 0 && p->uid == 0)
		p->eff_sw = p->prm_sw;
}

static const char *capname(unsigned c)
{
	static __thread char buf[16];
	return capr_cap_name(c, buf, sizeof buf);
}

static int lowest(uint64_t m)
{
	return __builtin_ctzll(m);
}

static int plan_caps_error(struct capr_error *err, const char *step, const char *before, uint64_t bad,
			   const char *after)
{
	char list[200];
	capr_format_caps(bad, list, sizeof list);
	capr_seterr(err, EPERM, step, "%s%s%s", before, list, after);
	return -1;
}

/* Step 0. */
static int plan_stage(struct plan *p, const struct capr_stage *st, unsigned flags, const struct capr_switched *sw,
		      struct capr_error *err)
{
	const unsigned f = st->flags;
	gid_t primary = 0;
	int have_primary = 0;
	long v;

	memset(p, 0, sizeof *p);
	p->st = st;
	p->flags = flags;

	if (capr_read_last_cap(&p->last_cap, err) < 0)
		return -1;
	p->valid = p->last_cap == 63 ? ~UINT64_C(0) : BIT(p->last_cap + 1) - 1;
	if (capr_capget(0, &p->eff0, &p->prm0, &p->inh0) < 0) {
		capr_seterr(err, errno, "caps", "capget: %s", strerror(errno));
		return -1;
	}
	/* EINVAL: a kernel before 4.3, without ambient capabilities. Any
	 * other failure (a filter refusing prctl) says nothing about the
	 * kernel, and the stage could not be verified: stop here. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, 0, 0, 0) >= 0) {
		p->ambient_ok = 1;
	} else if (errno == EINVAL) {
		p->ambient_ok = 0;
	} else {
		capr_seterr(err, errno, "ambient", "cannot query the ambient set (PR_CAP_AMBIENT_IS_SET): %s",
			    strerror(errno));
		return -1;
	}
	if (capr_own_bnd_amb(p->last_cap, &p->bnd0, &p->amb0, &p->threads) < 0) {
		capr_seterr(err, errno, "caps", "cannot read the bounding set: %s", strerror(errno));
		return -1;
	}
	v = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
	if (v < 0) {
		capr_seterr(err, errno, "securebits", "PR_GET_SECUREBITS: %s", strerror(errno));
		return -1;
	}
	p->sb0 = (unsigned)v;
	v = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
	if (v < 0) {
		capr_seterr(err, errno, "no_new_privs", "PR_GET_NO_NEW_PRIVS: %s", strerror(errno));
		return -1;
	}
	p->nnp0 = v == 1;
	/* The plan compares against these ids: uninitialized ones (a filter
	 * of an earlier stage refusing getresuid) would plan from garbage. */
	if (getresuid(&p->ruid, &p->euid, &p->suid) < 0) {
		capr_seterr(err, errno, "identity", "getresuid: %s", strerror(errno));
		return -1;
	}
	if (getresgid(&p->rgid, &p->egid, &p->sgid) < 0) {
		capr_seterr(err, errno, "identity", "getresgid: %s", strerror(errno));
		return -1;
	}

	p->prm_old = p->prm0;
	p->eff_old = p->eff0;
	p->sb_base = p->sb0;
	if ((flags & CAPR_SWITCHED) && sw) {
		/* Without the runtime's keep_caps, leaving uid 0 would have
		 * cleared the permitted set (unless the program kept it with
		 * keep_caps or no_setuid_fixup of its own); the effective set
		 * the kernel left is already the program's. */
		p->sb_base = sw->secbits;
		if (sw->left_root &&
		    !(sw->secbits & (CAPBIN_SECBIT_KEEP_CAPS | CAPBIN_SECBIT_NO_SETUID_FIXUP)))
			p->prm_old = 0;
		p->eff_old = p->eff0 & p->prm_old;
		/* Step 0 gives every thread its permitted set as effective:
		 * plan the later steps from there. */
		if (p->eff0 != p->prm0) {
			p->raise_eff = 1;
			p->eff0 = p->prm0;
		}
	}

	/* Names, resolved here where the blob runs. */
	if (f & CAPBIN_STAGE_USER) {
		if (st->user.name) {
			if (lookup_user(st->user.name, &p->uid, &primary, err) < 0)
				return -1;
			have_primary = 1;
		} else {
			p->uid = st->user.id;
		}
	}
	if (f & CAPBIN_STAGE_GROUP) {
		bool need_primary = st->group.id == CAPBIN_ID_USER_PRIMARY && !st->group.name;
		for (size_t g = 0; (f & CAPBIN_STAGE_GROUPS) && g < st->ngroups; g++)
			if (!st->groups[g].name && st->groups[g].id == CAPBIN_ID_USER_PRIMARY)
				need_primary = true;
		if (need_primary && !have_primary) {
			if (lookup_uid_gid(p->uid, &primary, err) < 0)
				return -1;
			have_primary = 1;
		}
		if (resolve_gid(&st->group, primary, have_primary, &p->gid, err) < 0)
			return -1;
	}
	if ((f & CAPBIN_STAGE_GROUPS) && st->ngroups) {
		p->groups = calloc(st->ngroups, sizeof *p->groups);
		if (!p->groups) {
			capr_seterr(err, ENOMEM, "groups", "out of memory");
			return -1;
		}
		p->ngroups = st->ngroups;
		for (size_t g = 0; g < st->ngroups; g++) {
			if (!st->groups[g].name && st->groups[g].id == CAPBIN_ID_USER_PRIMARY && !have_primary &&
			    (f & CAPBIN_STAGE_USER)) {
				if (lookup_uid_gid(p->uid, &primary, err) < 0)
					return -1;
				have_primary = 1;
			}
			if (resolve_gid(&st->groups[g], primary, have_primary, &p->groups[g], err) < 0)
				return -1;
		}
	}

	/* Targets. Or-mask bits the kernel does not know cannot be raised. */
	p->unknown = ((f & CAPBIN_STAGE_CAPS) ? st->prm_or | st->eff_or | st->inh_or : 0) |
		     ((f & CAPBIN_STAGE_AMBIENT) ? st->amb_or : 0);
	p->unknown &= ~p->valid;
	p->bnd_t = (f & CAPBIN_STAGE_BOUNDING) ? p->bnd0 & st->bounding : p->bnd0;
	p->sb_t = (f & CAPBIN_STAGE_SECUREBITS) ? (p->sb_base & ~st->securebits_mask) | st->securebits : p->sb_base;
	p->nnp_t = (f & CAPBIN_STAGE_NNP) ? 1 : p->nnp0;
	if (f & CAPBIN_STAGE_CAPS) {
		p->prm_t = ((p->prm_old & st->prm_and) | st->prm_or) & p->valid;
		p->eff_t = ((p->eff_old & st->eff_and) | st->eff_or) & p->valid;
		p->inh_t = ((p->inh0 & st->inh_and) | st->inh_or) & p->valid;
	}
	/* Entered before the program's own switch from uid 0 (libcapr
	 * alone): that setuid() would clear the permitted and effective
	 * sets (cap_emulate_setxuid), and keep_caps would only save the
	 * permitted one; no_setuid_fixup keeps both. Not when the stage
	 * switches identity itself, says what no_setuid_fixup must be, keeps
	 * nothing, or the bit is locked (then the kernel's rule stands). */
	if ((flags & CAPR_BEFORE_SWITCH) && st->trigger == CAPBIN_TRIGGER_SETUID && !(f & CAPBIN_STAGE_USER) &&
	    (p->ruid == 0 || p->euid == 0 || p->suid == 0) && p->prm_t &&
	    !((f & CAPBIN_STAGE_SECUREBITS) && (st->securebits_mask & CAPBIN_SECBIT_NO_SETUID_FIXUP)) &&
	    !(p->sb_t & (CAPBIN_SECBIT_NO_SETUID_FIXUP | CAPBIN_SECBIT_NO_SETUID_FIXUP_LOCKED))) {
		p->sb_t |= CAPBIN_SECBIT_NO_SETUID_FIXUP;
		p->fixup_off = 1;
	}
	/* Securebits go through PR_SET_SECUREBITS when the stage sets them;
	 * otherwise only keep_caps can differ (CAPR_SWITCHED: the runtime's
	 * own, for the switch), and PR_SET_KEEPCAPS puts it back at step 4
	 * without needing cap_setpcap. */
	p->set_secbits = (f & CAPBIN_STAGE_SECUREBITS) || p->fixup_off;
	if (!p->set_secbits && ((p->sb0 ^ p->sb_t) & CAPBIN_SECBIT_KEEP_CAPS) && !(p->sb_t & CAPBIN_SECBIT_KEEP_CAPS))
		p->clear_keepcaps = 1;
	/* keep_caps for the switch: needed when the stage leaves uid 0 and
	 * keeps capabilities, unless its securebits already keep them. */
	if ((f & CAPBIN_STAGE_USER) && (f & CAPBIN_STAGE_CAPS) && p->prm_t && p->uid != 0 &&
	    (p->ruid == 0 || p->euid == 0 || p->suid == 0) &&
	    !(p->sb_t & (CAPBIN_SECBIT_NO_SETUID_FIXUP | CAPBIN_SECBIT_KEEP_CAPS))) {
		if (p->sb_t & CAPBIN_SECBIT_KEEP_CAPS_LOCKED)
			return capr_seterr(err, EPERM, "securebits",
					   "keep_caps_locked without keep_caps or no_setuid_fixup: the switch to uid %u would clear the permitted set",
					   (unsigned)p->uid),
			       -1;
		p->tmp_keepcaps = 1;
	}
	simulate_setuid(p, p->sb_t | (p->tmp_keepcaps ? CAPBIN_SECBIT_KEEP_CAPS : 0));
	if (!(f & CAPBIN_STAGE_CAPS)) {
		p->prm_t = p->prm_sw;
		p->eff_t = p->eff_sw;
		p->inh_t = p->inh0;
		/* Unchanged sets after the program's own switch: what that
		 * switch would have left, not what keep_caps and step 0 did. */
		if (flags & CAPR_SWITCHED) {
			p->prm_t &= p->prm_old;
			p->eff_t &= p->eff_old;
		}
	}
	if (f & CAPBIN_STAGE_AMBIENT)
		p->amb_t = ((p->amb0 & st->amb_and) | st->amb_or) & p->valid;
	else
		p->amb_t = p->amb_sw & p->prm_t & p->inh_t;

	/* Feasibility, in step order. */
	if ((p->bnd0 & ~p->bnd_t) && !(p->eff0 & BIT(CAP_SETPCAP)))
		return capr_seterr(err, EPERM, "bounding",
				   "dropping from the bounding set needs cap_setpcap in the effective set"),
		       -1;
	if (p->set_secbits && p->sb_t != p->sb0) {
		unsigned locked = (p->sb0 & 0xaau) >> 1, changed = p->sb0 ^ p->sb_t;
		char a[120], b[120];
		capr_format_secbits(p->sb0, a, sizeof a);
		capr_format_secbits(p->sb_t, b, sizeof b);
		if ((locked & changed) || (p->sb0 & 0xaau & ~p->sb_t))
			return capr_seterr(err, EPERM, "securebits", "cannot change locked securebits: %s -> %s", a, b), -1;
		if (!(p->eff0 & BIT(CAP_SETPCAP)))
			return capr_seterr(err, EPERM, "securebits",
					   "setting securebits (%s) needs cap_setpcap in the effective set", b),
			       -1;
	}
	if ((f & CAPBIN_STAGE_GROUPS) && !(p->eff0 & BIT(CAP_SETGID)))
		return capr_seterr(err, EPERM, "setgroups", "needs cap_setgid in the effective set"), -1;
	if ((f & CAPBIN_STAGE_GROUP) && !(p->eff0 & BIT(CAP_SETGID)) && p->gid != p->rgid && p->gid != p->egid &&
	    p->gid != p->sgid)
		return capr_seterr(err, EPERM, "setresgid", "switching to gid %u needs cap_setgid in the effective set",
				   (unsigned)p->gid),
		       -1;
	if ((f & CAPBIN_STAGE_USER) && !(p->eff0 & BIT(CAP_SETUID)) && p->uid != p->ruid && p->uid != p->euid &&
	    p->uid != p->suid)
		return capr_seterr(err, EPERM, "setresuid", "switching to uid %u needs cap_setuid in the effective set",
				   (unsigned)p->uid),
		       -1;
	if (f & CAPBIN_STAGE_CAPS) {
		uint64_t bad = p->prm_t & ~p->prm0;
		if (bad) {
			capr_seterr(err, EPERM, "capset", "%s is not in the permitted set (%s must start with it)",
				    capname((unsigned)lowest(bad)), (flags & CAPR_FROM_CAPLOAD) ? "capload" : "the process");
			return -1;
		}
		if ((bad = p->prm_t & ~p->prm_sw))
			return plan_caps_error(err, "capset", "the uid switch would clear ", bad, " from the permitted set");
		if ((bad = p->eff_t & ~p->prm_t))
			return plan_caps_error(err, "capset", "", bad, " would be effective but not permitted");
		if ((bad = p->inh_t & ~(p->inh0 | p->bnd_t)))
			return plan_caps_error(err, "capset", "", bad, " cannot become inheritable: not in the bounding set");
		if (!(p->eff_sw & BIT(CAP_SETPCAP)) && (bad = p->inh_t & ~(p->inh0 | p->prm_sw)))
			return plan_caps_error(err, "capset", "", bad, " cannot become inheritable: not in the permitted set");
	}
	if (f & CAPBIN_STAGE_AMBIENT) {
		uint64_t bad = p->amb_t & ~(p->prm_t & p->inh_t);
		uint64_t raise = p->amb_t & ~(p->amb_sw & p->prm_t & p->inh_t);
		if (bad)
			return plan_caps_error(err, "ambient", "", bad, " cannot be ambient: it must be permitted and inheritable");
		if (raise && !p->ambient_ok)
			return capr_seterr(err, EINVAL, "ambient", "this kernel has no ambient capabilities"), -1;
		if (raise && (p->sb_t & CAPBIN_SECBIT_NO_CAP_AMBIENT_RAISE))
			return plan_caps_error(err, "ambient", "securebit no_cap_ambient_raise forbids raising ", raise, "");
	}
	if ((f & CAPBIN_STAGE_SECCOMP) && !st->filter)
		return capr_seterr(err, ENOEXEC, "seccomp", "no filter for this architecture"), -1;
	if ((f & CAPBIN_STAGE_SECCOMP) && !p->nnp_t && !(p->eff_t & BIT(CAP_SYS_ADMIN)))
		return capr_seterr(err, EACCES, "seccomp",
				   "installing a filter needs no_new_privs or cap_sys_admin in the effective set"),
		       -1;

	/* Every other thread must be reachable and able to do the same.
	 * After the program's switch their effective sets are empty until
	 * step 0: what they need effective must then be permitted. */
	uint64_t need_eff = ((p->bnd0 & ~p->bnd_t) || (p->set_secbits && p->sb_t != p->sb0)) ? BIT(CAP_SETPCAP) : 0;
	uint64_t need_prm = (f & CAPBIN_STAGE_CAPS) ? p->prm_t : 0;
	if (p->raise_eff) {
		need_prm |= need_eff;
		need_eff = 0;
	}
	if (p->threads == 1)
		return 0;
	return capr_threads_precheck(need_prm, need_eff, err);
}

/* ---------------------------------------------------------------- narration */

static void say(const struct plan *p, const char *step, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(const struct plan *p, const char *step, const char *fmt, ...)
{
	FILE *out = capr_log_stream();
	va_list ap;

	fprintf(out, "%s: %s%s: ", capr_log_prefix, (p->flags & CAPR_DRY_RUN) ? "dry-run: " : "", step);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
	fflush(out);
}

static const char *id_desc(const struct capr_id *id, unsigned value, char *buf, size_t len)
{
	if (id->name)
		snprintf(buf, len, "%u (%s)", value, id->name);
	else if (id->id == CAPBIN_ID_USER_PRIMARY)
		snprintf(buf, len, "%u (the user's primary group)", value);
	else
		snprintf(buf, len, "%u", value);
	return buf;
}

enum step {
	S_PLAN,
	S_BOUNDING,
	S_SECUREBITS,
	S_SETGROUPS,
	S_SETRESGID,
	S_SETRESUID,
	S_CAPSET,
	S_AMBIENT,
	S_VERIFY,
	S_NNP,
	S_SECCOMP,
};

static void narrate(const struct plan *p, enum step s)
{
	const struct capr_stage *st = p->st;
	const unsigned f = st->flags;
	char a[1024], b[1024], c[256];

	switch (s) {
	case S_PLAN:
		say(p, "stage", "'%s' (trigger %s), pid %d", st->point, capr_trigger_name(st->trigger), (int)getpid());
		if (p->raise_eff) {
			capr_format_caps(p->prm0, a, sizeof a);
			say(p, "capset", "raise the effective set to the permitted set (%s): the program's own switch cleared it",
			    a);
		}
		if (p->unknown) {
			capr_format_caps(p->unknown, a, sizeof a);
			say(p, "caps", "ignoring %s: not known to this kernel (cap_last_cap %u)", a, p->last_cap);
		}
		break;
	case S_BOUNDING:
		if (!(f & CAPBIN_STAGE_BOUNDING))
			return;
		capr_format_caps(p->bnd0 & ~p->bnd_t, a, sizeof a);
		capr_format_caps(p->bnd_t, b, sizeof b);
		say(p, "bounding", "drop %s; keep %s", a, b);
		break;
	case S_SECUREBITS:
		if (p->set_secbits) {
			capr_format_secbits(p->sb0, a, sizeof a);
			capr_format_secbits(p->sb_t, b, sizeof b);
			say(p, "securebits", "%s -> %s%s", a, b,
			    p->fixup_off ? " (no_setuid_fixup: the capabilities survive the program's own switch from uid 0)" : "");
		}
		if (p->tmp_keepcaps)
			say(p, "keep_caps", "set until the switch to uid %u (capabilities are kept)", (unsigned)p->uid);
		break;
	case S_SETGROUPS:
		if (!(f & CAPBIN_STAGE_GROUPS))
			return;
		if (!p->ngroups) {
			say(p, "setgroups", "clear the supplementary groups");
			return;
		}
		a[0] = '\0';
		for (size_t g = 0, used = 0; g < p->ngroups && used < sizeof a; g++) {
			int n = snprintf(a + used, sizeof a - used, "%s%s", g ? ", " : "",
					 id_desc(&st->groups[g], p->groups[g], c, sizeof c));
			if (n > 0)
				used += (size_t)n;
		}
		say(p, "setgroups", "%s", a);
		break;
	case S_SETRESGID:
		if (f & CAPBIN_STAGE_GROUP)
			say(p, "setresgid", "%u -> %s", (unsigned)p->egid, id_desc(&st->group, p->gid, c, sizeof c));
		break;
	case S_SETRESUID:
		if (f & CAPBIN_STAGE_USER)
			say(p, "setresuid", "%u -> %s", (unsigned)p->euid, id_desc(&st->user, p->uid, c, sizeof c));
		break;
	case S_CAPSET:
		if (f & CAPBIN_STAGE_CAPS) {
			capr_format_caps(p->prm_t, a, sizeof a);
			capr_format_caps(p->eff_t, b, sizeof b);
			capr_format_caps(p->inh_t, c, sizeof c);
			say(p, "capset", "permitted %s; effective %s; inheritable %s", a, b, c);
		}
		if ((p->tmp_keepcaps && !(p->sb_t & CAPBIN_SECBIT_KEEP_CAPS)) || p->clear_keepcaps)
			say(p, "keep_caps", "clear");
		break;
	case S_AMBIENT:
		if (!(f & CAPBIN_STAGE_AMBIENT))
			return;
		capr_format_caps(p->amb_t, a, sizeof a);
		say(p, "ambient", "%s%s", p->amb_t ? "raise " : "clear: ", a);
		break;
	case S_VERIFY:
		say(p, "verify", "read back the sets, securebits and no_new_privs of every thread");
		break;
	case S_NNP:
		if (f & CAPBIN_STAGE_NNP)
			say(p, "no_new_privs", "set");
		break;
	case S_SECCOMP:
		if (f & CAPBIN_STAGE_SECCOMP)
			say(p, "seccomp", "install the %s filter (%zu instructions) on every thread (TSYNC%s)",
			    capr_arch_name(capr_native_audit_arch(), c, sizeof c), st->filter_len,
			    (st->seccomp_flags & CAPBIN_SECCOMP_LOG) ? ", LOG" : "");
		break;
	}
}

/* ---------------------------------------------------------------- apply */

static int run_phase(const struct plan *p, const struct capr_twork *w, int *changed, struct capr_error *err)
{
	struct capr_tresult r;

	/* This thread first: its errors are the clearest. */
	capr_twork_run(w, &r);
	if (r.changed)
		*changed = 1;
	if (r.step != CAPR_T_OK) {
		capr_tresult_error(&r, 0, err);
		return -1;
	}
	if (p->threads == 1)
		return 0;
	return capr_threads_broadcast(w, err, changed);
}

static int fail_errno(struct capr_error *err, const char *step, const char *what, unsigned v)
{
	int e = errno;
	capr_seterr(err, e, step, "%s %u: %s", what, v, strerror(e));
	return -1;
}

int capr_apply_stage(capr_policy *pol, size_t i, unsigned flags, struct capr_error *err)
{
	return capr_apply_stage_sw(pol, i, flags & ~CAPR_SWITCHED, NULL, err);
}

int capr_apply_stage_sw(capr_policy *pol, size_t i, unsigned flags, const struct capr_switched *sw,
			struct capr_error *err)
{
	const struct capr_stage *st = &pol->stages[i];
	const unsigned f = st->flags;
	const bool verbose = (flags & (CAPR_VERBOSE_INTERNAL | CAPR_DRY_RUN)) != 0;
	struct capr_twork w;
	struct plan p;
	int changed = 0;
	int rc = -1;

	/* 0. Plan: nothing has changed if this fails. */
	if ((flags & CAPR_SWITCHED) && !sw) {
		capr_seterr(err, EINVAL, "stage", "internal: CAPR_SWITCHED without the switch's description");
		goto out;
	}
	if (plan_stage(&p, st, flags, sw, err) < 0)
		goto out;
	if (flags & CAPR_DRY_RUN) {
		for (enum step s = S_PLAN; s <= S_SECCOMP; s++)
			narrate(&p, s);
		rc = 0;
		goto out;
	}
	if (verbose)
		narrate(&p, S_PLAN);

	/* 0-2. Raise effective after the program's own switch (CAPR_SWITCHED),
	 * bounding set, securebits, keep_caps: while CAP_SETPCAP is effective
	 * and before the uid switch, on every thread. */
	memset(&w, 0, sizeof w);
	w.phase = CAPR_PHASE_PRE;
	w.last_cap = p.last_cap;
	w.raise_eff = p.raise_eff;
	w.bnd_drop = (f & CAPBIN_STAGE_BOUNDING) ? p.valid & ~st->bounding : 0;
	w.drop_above = (f & CAPBIN_STAGE_BOUNDING) != 0;
	w.bnd_above = st->bounding;
	w.set_secbits = p.set_secbits;
	w.secbits = p.sb_t;
	w.set_keepcaps = p.tmp_keepcaps;
	if (w.raise_eff || w.bnd_drop || w.drop_above || w.set_secbits || w.set_keepcaps) {
		if (verbose) {
			narrate(&p, S_BOUNDING);
			narrate(&p, S_SECUREBITS);
		}
		if (run_phase(&p, &w, &changed, err) < 0)
			goto out;
	}

	/* 3. Identity: groups, gid, uid (glibc applies each to all threads). */
	if (f & CAPBIN_STAGE_GROUPS) {
		if (verbose)
			narrate(&p, S_SETGROUPS);
		if (setgroups(p.ngroups, p.groups) < 0) {
			fail_errno(err, "setgroups", "count", (unsigned)p.ngroups);
			goto out;
		}
		changed = 1;
	}
	if (f & CAPBIN_STAGE_GROUP) {
		if (verbose)
			narrate(&p, S_SETRESGID);
		if (setresgid(p.gid, p.gid, p.gid) < 0) {
			fail_errno(err, "setresgid", "to gid", (unsigned)p.gid);
			goto out;
		}
		changed = 1;
	}
	if (f & CAPBIN_STAGE_USER) {
		if (verbose)
			narrate(&p, S_SETRESUID);
		if (setresuid(p.uid, p.uid, p.uid) < 0) {
			fail_errno(err, "setresuid", "to uid", (unsigned)p.uid);
			goto out;
		}
		changed = 1;
	}

	/* 4-7. capset, keep_caps off, ambient, verify, no_new_privs: after
	 * the switch, on every thread. */
	memset(&w, 0, sizeof w);
	w.phase = CAPR_PHASE_POST;
	w.last_cap = p.last_cap;
	/* After the program's own switch capset always runs: keep_caps and
	 * step 0 left sets the stage's targets may not include. */
	w.do_capset = (f & CAPBIN_STAGE_CAPS) || (flags & CAPR_SWITCHED);
	w.prm = p.prm_t;
	w.eff = p.eff_t;
	w.inh = p.inh_t;
	w.clear_keepcaps = (p.tmp_keepcaps && !(p.sb_t & CAPBIN_SECBIT_KEEP_CAPS)) || p.clear_keepcaps;
	w.do_ambient = (f & CAPBIN_STAGE_AMBIENT) != 0;
	w.amb = p.amb_t;
	w.bnd = p.bnd_t;
	w.secbits = p.sb_t;
	w.set_nnp = (f & CAPBIN_STAGE_NNP) != 0;
	w.nnp = p.nnp_t;
	if ((f & (CAPBIN_STAGE_CAPS | CAPBIN_STAGE_USER)) || w.do_capset)
		w.verify |= CAPR_V_CAPS;
	if (f & CAPBIN_STAGE_BOUNDING)
		w.verify |= CAPR_V_BND;
	if (((f & (CAPBIN_STAGE_AMBIENT | CAPBIN_STAGE_CAPS | CAPBIN_STAGE_USER)) || w.do_capset) && p.ambient_ok)
		w.verify |= CAPR_V_AMB;
	if (p.set_secbits || p.tmp_keepcaps || p.clear_keepcaps)
		w.verify |= CAPR_V_SECBITS;
	if (w.do_capset || w.clear_keepcaps || w.do_ambient || w.set_nnp || w.verify) {
		if (verbose) {
			narrate(&p, S_CAPSET);
			narrate(&p, S_AMBIENT);
			narrate(&p, S_VERIFY);
			narrate(&p, S_NNP);
		}
		if (run_phase(&p, &w, &changed, err) < 0)
			goto out;
	}

	/* 8. seccomp, last; TSYNC installs it on every thread or on none. */
	if (f & CAPBIN_STAGE_SECCOMP) {
		struct sock_fprog prog = {.len = (unsigned short)st->filter_len, .filter = st->filter};
		unsigned long sflags = SECCOMP_FILTER_FLAG_TSYNC;
		long r;

		if (st->seccomp_flags & CAPBIN_SECCOMP_LOG)
			sflags |= SECCOMP_FILTER_FLAG_LOG;
		if (verbose)
			narrate(&p, S_SECCOMP);
		r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, sflags, &prog);
		if (r > 0) {
			capr_seterr(err, ESRCH, "seccomp",
				    "thread %ld could not be synchronized (TSYNC): it runs a different seccomp filter",
				    r);
			goto out;
		}
		if (r < 0) {
			int e = errno;
			if (e == EACCES)
				capr_seterr(err, e, "seccomp",
					    "permission denied: no_new_privs is not set and cap_sys_admin is not effective");
			else if (e == ENOMEM)
				/* capr_blob.c checked this policy's own filters
				 * against the limit: the rest were there before */
				capr_seterr(err, e, "seccomp",
					    "the kernel refused the filter: with the filters the process already has, "
					    "it would exceed the kernel's total for one process (MAX_INSNS_PER_PATH)");
			else if (e == EINVAL)
				capr_seterr(err, e, "seccomp", "the kernel refused the filter or its flags: %s",
					    strerror(e));
			else
				capr_seterr(err, e, "seccomp", "%s", strerror(e));
			goto out;
		}
		changed = 1;
	}
	rc = 0;
out:
	if (rc < 0 && err)
		err->partial = changed;
	free(p.groups);
	return rc;
}
