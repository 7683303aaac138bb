/* export_systemd.c - capc --emit systemd: the exec stage as a unit drop-in.
 *
 * systemd's [Service] settings cover part of what a stage says: the
 * identity, the bounding and ambient sets, securebits, no_new_privs and a
 * seccomp filter of whole syscalls with one errno. Everything else
 * (argument conditions, a second errno or a kill beside the errno
 * default, later points, permitted and effective sets of their own) is
 * written as a comment saying what systemd does instead, and counted as a
 * warning: nothing is dropped silently. Where a conditional rule cannot be
 * written, the stricter of the two readings is chosen and said.
 */
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf_dis.h"
#include "export.h"
#include "seccomp.h"
#include "seccomp_int.h"
#include "tables.h"

struct out {
	FILE *f;
	unsigned warnings;
};

static void gap(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void gap(struct out *o, const char *fmt, ...)
{
	va_list ap;
	fputs("# not expressible in systemd: ", o->f);
	va_start(ap, fmt);
	vfprintf(o->f, fmt, ap);
	va_end(ap);
	fputc('\n', o->f);
	o->warnings++;
}

static void caps_line(FILE *f, const char *key, uint64_t m)
{
	fprintf(f, "%s=", key);
	bool first = true;
	for (int c = 0; c < 64; c++) {
		if (!(m & (UINT64_C(1) << c)))
			continue;
		const char *n = tbl_cap_name(c);
		char up[64];
		size_t i = 0;
		for (; n && n[i] && i < sizeof up - 1; i++)
			up[i] = (char)(n[i] >= 'a' && n[i] <= 'z' ? n[i] - 32 : n[i]);
		up[i] = '\0';
		if (n)
			fprintf(f, "%sCAP_%s", first ? "" : " ", up);
		else
			fprintf(f, "%s%d", first ? "" : " ", c);
		first = false;
	}
	fputc('\n', f);
}

static void id_value(FILE *f, const struct ir_id *id)
{
	if (id->name)
		fputs(id->name, f);
	else
		fprintf(f, "%u", id->id);
}

/* systemd's names for libseccomp's ABIs (seccomp-util.c). */
static const char *sd_arch(const char *scmp)
{
	static const char *const map[][2] = {
		{ "x86_64", "x86-64" }, { "x86", "x86" }, { "x32", "x32" }, { "aarch64", "arm64" }, { "arm", "arm" },
		{ "mips", "mips" }, { "mipsel", "mips-le" }, { "mips64", "mips64" }, { "mipsel64", "mips64-le" },
		{ "mips64n32", "mips64-n32" }, { "mipsel64n32", "mips64-le-n32" }, { "ppc", "ppc" }, { "ppc64", "ppc64" },
		{ "ppc64le", "ppc64-le" }, { "s390", "s390" }, { "s390x", "s390x" }, { "parisc", "parisc" },
		{ "parisc64", "parisc64" }, { "riscv64", "riscv64" },
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(map[i][0], scmp) == 0)
			return map[i][1];
	return scmp;
}

static void action_text(uint32_t a, char *buf, size_t len)
{
	bpf_action_name(a, buf, len);
}

static void seccomp(struct out *o, const struct ir_policy *p, const struct ir_stage *s)
{
	const struct sc_filter *f = s->filter;
	uint32_t def = f->default_action;
	struct sc_index ix;
	char act[64];

	if (sc_index_build(f, &ix) < 0) {
		gap(o, "the seccomp filter (out of memory)");
		return;
	}
	bool allowlist = def != SC_ACT_ALLOW;
	if (def != SC_ACT_ALLOW && !SC_ACT_IS_ERRNO(def) && def != SC_ACT_KILL_PROCESS && def != SC_ACT_KILL_THREAD) {
		action_text(def, act, sizeof act);
		gap(o, "the filter's default %s: systemd's filters deny with an errno or kill; written as a kill", act);
	}
	fputs("SystemCallArchitectures=", o->f);
	for (size_t a = 0; a < p->narch; a++)
		for (size_t t = 0; t < p->arches[a].nscmp; t++) {
			const char *nm = sc_abi_by_token(p->arches[a].scmp_arch[t]) ?
						 sc_abi_by_token(p->arches[a].scmp_arch[t])->name : "native";
			fprintf(o->f, "%s%s", a || t ? " " : "", sd_arch(nm));
		}
	fputc('\n', o->f);

	/* Per syscall: the action of its last unconditional rule, unless a
	 * conditional one follows (then it depends on the arguments). The
	 * filter lines are gathered apart, so that the comments never split
	 * one (and an empty SystemCallFilter= would reset the list). */
	char *lines = NULL;
	size_t nlines = 0;
	FILE *fl = open_memstream(&lines, &nlines);
	if (!fl) {
		sc_index_free(&ix);
		gap(o, "the seccomp filter (out of memory)");
		return;
	}
	char allow[8192] = "";
	size_t al = 0;
	bool any = false;
	for (size_t i = 0; i < ix.n; i++) {
		const struct sc_sysent *e = &ix.v[i];
		uint32_t action = def;
		bool cond = false, exists = false;
		/* group members the targets lack: capc's filter skips them too */
		for (size_t a = 0; a < p->narch && !exists; a++)
			for (size_t t = 0; t < p->arches[a].nscmp && !exists; t++)
				exists = seccomp_syscall_resolve_name_arch(p->arches[a].scmp_arch[t], e->name) >= 0;
		if (!exists)
			continue;
		for (size_t k = 0; k < e->nrules; k++) {
			size_t r = e->rules[k];
			if (!sc_rule_applies(f, e, r))
				continue;
			if (f->rules[r].cond && f->rules[r].cond->kind != SE_TRUE)
				cond = true;
			else
				action = f->rules[r].action, cond = false;
		}
		if (cond) {
			/* the stricter reading: out of an allowlist, in a denylist */
			if (!allowlist)
				fprintf(fl, "SystemCallFilter=~%s\n", e->name);
			gap(o, "the conditions on '%s': it is denied whatever its arguments under systemd", e->name);
			continue;
		}
		if (allowlist) {
			if (action == SC_ACT_LOG)
				gap(o, "'%s' is logged as well as allowed in the policy; allowed only under systemd", e->name);
			if (action == SC_ACT_ALLOW || action == SC_ACT_LOG) {
				int w = snprintf(allow + al, sizeof allow - al, "%s%s", any ? " " : "", e->name);
				if (w > 0 && (size_t)w < sizeof allow - al)
					al += (size_t)w;
				else
					fprintf(fl, "SystemCallFilter=%s\n", e->name); /* lists add up */
				any = true;
			} else if (action != def) {
				action_text(action, act, sizeof act);
				gap(o, "'%s' gets %s in the policy, the filter's default under systemd", e->name, act);
			}
		} else if (action != SC_ACT_ALLOW) {
			if (SC_ACT_IS_ERRNO(action)) {
				const char *en = tbl_errno_name((int)(action & 0xffff));
				fprintf(fl, "SystemCallFilter=~%s:%s\n", e->name, en ? en : "EPERM");
			} else {
				if (action != SC_ACT_KILL_PROCESS && action != SC_ACT_KILL_THREAD) {
					action_text(action, act, sizeof act);
					gap(o, "'%s' gets %s: written as a kill", e->name, act);
				}
				fprintf(fl, "SystemCallFilter=~%s\n", e->name);
			}
		}
	}
	if (allowlist && any && al)
		fprintf(fl, "SystemCallFilter=%s\n", allow);
	if (allowlist && !any)
		gap(o, "a filter that allows no system call at all");
	fclose(fl);
	fputs(lines, o->f);
	free(lines);
	if (SC_ACT_IS_ERRNO(def)) {
		const char *en = tbl_errno_name((int)(def & 0xffff));
		fprintf(o->f, "SystemCallErrorNumber=%s\n", en ? en : "EPERM");
	}
	sc_index_free(&ix);
}

int export_systemd(const struct ir_policy *p, const char *source, uint8_t **bytes, size_t *len, unsigned *warnings,
		   char *why, size_t whylen)
{
	char *buf = NULL;
	size_t n = 0;
	struct out o = { open_memstream(&buf, &n), 0 };

	if (!o.f) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	if (p->kind != CAPBIN_KIND_SERVICE) {
		fclose(o.f);
		free(buf);
		snprintf(why, whylen, "'%s' is a session policy: pam_capc applies it, not systemd", p->name);
		return -1;
	}
	fprintf(o.f, "# capc --emit systemd: the exec stage of service '%s' (%s)\n", p->name, source);
	fprintf(o.f, "# as a drop-in: /etc/systemd/system/%s.service.d/capc.conf\n", p->name);
	fputs("[Service]\n", o.f);
	const struct ir_stage *s = p->nstages && p->stages[0].trigger == CAPBIN_TRIGGER_EXEC ? &p->stages[0] : NULL;
	if (!s)
		fputs("# the policy has no exec stage: nothing applies at start\n", o.f);
	if (s) {
		if (s->flags & CAPBIN_STAGE_USER) {
			fputs("User=", o.f);
			id_value(o.f, &s->user);
			fputc('\n', o.f);
		}
		/* the user's primary group is what User= gives anyway */
		if ((s->flags & CAPBIN_STAGE_GROUP) && !(s->group.id == CAPBIN_ID_USER_PRIMARY && !s->group.name)) {
			fputs("Group=", o.f);
			id_value(o.f, &s->group);
			fputc('\n', o.f);
		}
		if (s->flags & CAPBIN_STAGE_GROUPS) {
			if (s->ngroups) {
				fputs("SupplementaryGroups=", o.f);
				for (size_t g = 0; g < s->ngroups; g++) {
					if (g)
						fputc(' ', o.f);
					id_value(o.f, &s->groups[g]);
				}
				fputc('\n', o.f);
			} else if (s->flags & CAPBIN_STAGE_USER) {
				gap(&o, "no supplementary groups at all: systemd gives the user its own (initgroups)");
			}
		}
		if (s->flags & CAPBIN_STAGE_BOUNDING) {
			if (s->bounding)
				caps_line(o.f, "CapabilityBoundingSet", s->bounding);
			else
				fputs("CapabilityBoundingSet=~\n", o.f); /* "all but none": empty */
		}
		if (s->flags & CAPBIN_STAGE_AMBIENT)
			caps_line(o.f, "AmbientCapabilities", s->amb_or);
		if (s->flags & CAPBIN_STAGE_CAPS) {
			/* systemd: a root service holds its bounding set, any other
			 * user its ambient set; say so where the policy differs */
			uint64_t all = ~UINT64_C(0), bnd = (s->flags & CAPBIN_STAGE_BOUNDING) ? s->bounding : all;
			uint64_t want = ((all & s->prm_and) | s->prm_or) & bnd;
			bool user = (s->flags & CAPBIN_STAGE_USER) && !(s->user.name == NULL && s->user.id == 0) &&
				    !(s->user.name && strcmp(s->user.name, "root") == 0);
			uint64_t sd = user ? ((s->flags & CAPBIN_STAGE_AMBIENT) ? s->amb_or : 0) : bnd;
			if (want != sd)
				gap(&o, "the permitted set of 'keep'/'drop' (0x%llx): systemd gives %s (0x%llx)",
				    (unsigned long long)(want & ((UINT64_C(1) << (tbl_cap_last() + 1)) - 1)),
				    user ? "the user its AmbientCapabilities=" : "a root service its CapabilityBoundingSet=",
				    (unsigned long long)(sd & ((UINT64_C(1) << (tbl_cap_last() + 1)) - 1)));
		}
		if (s->flags & CAPBIN_STAGE_SECUREBITS) {
			static const struct {
				uint32_t bit;
				const char *name;
			} sb[] = {
				{ CAPBIN_SECBIT_KEEP_CAPS, "keep-caps" }, { CAPBIN_SECBIT_KEEP_CAPS_LOCKED, "keep-caps-locked" },
				{ CAPBIN_SECBIT_NO_SETUID_FIXUP, "no-setuid-fixup" },
				{ CAPBIN_SECBIT_NO_SETUID_FIXUP_LOCKED, "no-setuid-fixup-locked" },
				{ CAPBIN_SECBIT_NOROOT, "noroot" }, { CAPBIN_SECBIT_NOROOT_LOCKED, "noroot-locked" },
			};
			uint32_t on = s->securebits & s->securebits_mask;
			fputs("SecureBits=", o.f);
			bool first = true;
			for (size_t i = 0; i < sizeof sb / sizeof sb[0]; i++) {
				if (on & sb[i].bit) {
					fprintf(o.f, "%s%s", first ? "" : " ", sb[i].name);
					first = false;
				}
			}
			fputc('\n', o.f);
			if (on & (CAPBIN_SECBIT_NO_CAP_AMBIENT_RAISE | CAPBIN_SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED))
				gap(&o, "securebit no_cap_ambient_raise");
		}
		if (s->flags & CAPBIN_STAGE_NNP)
			fputs("NoNewPrivileges=yes\n", o.f);
		if (s->filter)
			seccomp(&o, p, s);
	}
	for (size_t i = s ? 1 : 0; i < p->nstages; i++)
		gap(&o, "point '%s' and its stage: systemd applies settings at start only (use capload or libcapr)",
		    p->stages[i].point);
	fclose(o.f);
	*bytes = (uint8_t *)buf;
	*len = n;
	*warnings = o.warnings;
	return 0;
}
