/* dump.c - print a .capbin as text.
 *
 * The blob is first validated by the runtime's own validator (one set of
 * rules for what a valid blob is), then decoded field by field through the
 * little-endian helpers of capbin.h.
 */
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

#include "bpf_dis.h"
#include "capbin.h"
#include "capmodel.h"
#include "capr_internal.h"
#include "dump.h"
#include "tables.h"

#define ALL_CAPS (~(uint64_t)0)
#define BIT(c) ((uint64_t)1 << (c))

struct view {
	const uint8_t *p;
	size_t len;
	struct capbin_header h;
};

static void rd(const struct view *v, size_t off, void *dst, size_t n)
{
	memcpy(dst, v->p + off, n);
}

static const char *str_at(const struct view *v, uint32_t off)
{
	/* Validated: off < str_size and NUL-terminated inside the section. */
	return (const char *)v->p + v->h.str_off + off;
}

static struct capbin_stage stage_at(const struct view *v, size_t i)
{
	struct capbin_stage s;
	rd(v, v->h.stage_off + i * sizeof s, &s, sizeof s);
	s.point = capbin_le32(s.point);
	s.trigger = capbin_le16(s.trigger);
	s.flags = capbin_le32(s.flags);
	s.securebits = capbin_le32(s.securebits);
	s.securebits_mask = capbin_le32(s.securebits_mask);
	s.seccomp_flags = capbin_le32(s.seccomp_flags);
	s.bounding = capbin_le64(s.bounding);
	s.prm_and = capbin_le64(s.prm_and);
	s.prm_or = capbin_le64(s.prm_or);
	s.eff_and = capbin_le64(s.eff_and);
	s.eff_or = capbin_le64(s.eff_or);
	s.inh_and = capbin_le64(s.inh_and);
	s.inh_or = capbin_le64(s.inh_or);
	s.amb_and = capbin_le64(s.amb_and);
	s.amb_or = capbin_le64(s.amb_or);
	s.user.name = capbin_le32(s.user.name);
	s.user.id = capbin_le32(s.user.id);
	s.group.name = capbin_le32(s.group.name);
	s.group.id = capbin_le32(s.group.id);
	s.groups_index = capbin_le32(s.groups_index);
	s.groups_count = capbin_le32(s.groups_count);
	s.filter_index = capbin_le32(s.filter_index);
	return s;
}

static struct capbin_id id_at(const struct view *v, size_t i)
{
	struct capbin_id id;
	rd(v, v->h.id_off + i * sizeof id, &id, sizeof id);
	id.name = capbin_le32(id.name);
	id.id = capbin_le32(id.id);
	return id;
}

static uint64_t known_caps(void)
{
	int last = tbl_cap_last();
	return last >= 63 ? ALL_CAPS : (BIT(last + 1) - 1);
}

/* Names of the capabilities in m: "all", "none", a list, or, when most
 * are in it, "all except ..." (shorter, and what a reviewer wants to see). */
static void print_caps_ex(FILE *out, uint64_t m, bool state)
{
	uint64_t known = known_caps();
	bool newer = !state && (m & ~known) == ~known && known != ALL_CAPS;
	if (m == ALL_CAPS || (state && (m & known) == known)) {
		fputs("all", out);
		return;
	}
	if ((m & known) == 0 && !newer) {
		fputs("none", out);
		return;
	}
	bool except = __builtin_popcountll(m & known) * 2 > __builtin_popcountll(known);
	uint64_t list = except ? (~m & known) : (m & known);
	if (except)
		fputs("all except", out);
	bool first = !except;
	for (int c = 0; c < 64; c++) {
		if (!(list & BIT(c)))
			continue;
		const char *n = tbl_cap_name(c);
		if (n)
			fprintf(out, "%s%s", first ? "" : " ", n);
		else
			fprintf(out, "%scap_%d", first ? "" : " ", c);
		first = false;
	}
	/* Capabilities newer than this compiler: kept only by "all" style
	 * masks; say which way they go when it matters. */
	if (except && !newer && !state && known != ALL_CAPS)
		fprintf(out, ", and none newer than %s", tbl_cap_name(tbl_cap_last()));
	else if (!except && newer)
		fprintf(out, " and every capability newer than %s", tbl_cap_name(tbl_cap_last()));
}

static void print_caps(FILE *out, uint64_t m)
{
	print_caps_ex(out, m, false);
}

/* new = (old & and) | or, in words. */
static void print_set(FILE *out, const char *label, bool applies, uint64_t and_m, uint64_t or_m)
{
	fprintf(out, "  %-12s ", label);
	if (!applies || (and_m == ALL_CAPS && or_m == 0)) {
		fputs("unchanged\n", out);
		return;
	}
	if (and_m == 0) {
		fputs("= ", out);
		print_caps(out, or_m);
	} else if (or_m == 0) {
		uint64_t known = known_caps();
		if (__builtin_popcountll(and_m & known) * 2 > __builtin_popcountll(known)) {
			fputs("drop ", out);
			print_caps(out, ~and_m);
		} else {
			fputs("keep only ", out);
			print_caps(out, and_m);
		}
	} else {
		fputs("keep ", out);
		print_caps(out, and_m);
		fputs(" of the old set, add ", out);
		print_caps(out, or_m);
	}
	fprintf(out, "  [and 0x%016llx or 0x%016llx]\n", (unsigned long long)and_m, (unsigned long long)or_m);
}

static const char *trigger_text(uint16_t t)
{
	switch (t) {
	case CAPBIN_TRIGGER_EXEC:
		return "exec (capload applies it, then runs the program)";
	case CAPBIN_TRIGGER_MANUAL:
		return "manual (the program calls capr_enter)";
	case CAPBIN_TRIGGER_SETUID:
		return "setuid (the process permanently leaves uid 0)";
	case CAPBIN_TRIGGER_SETGID:
		return "setgid (the process permanently leaves gid 0)";
	case CAPBIN_TRIGGER_LISTEN:
		return "listen (the first successful listen())";
	case CAPBIN_TRIGGER_CHROOT:
		return "chroot (a successful chroot())";
	case CAPBIN_TRIGGER_SESSION:
		return "session (pam_capc at session open)";
	}
	return "?";
}

static const char *arch_name(uint32_t audit_arch)
{
	/* libseccomp's arch tokens are the kernel's AUDIT_ARCH values. */
	static const char *const names[] = {
		"x86_64", "x86", "x32", "aarch64", "arm", "mips", "mipsel", "mips64", "mipsel64", "mips64n32",
		"mipsel64n32", "ppc", "ppc64", "ppc64le", "s390", "s390x", "parisc", "parisc64", "riscv64", NULL,
	};
	for (int i = 0; names[i]; i++)
		if (seccomp_arch_resolve_name(names[i]) == audit_arch)
			return names[i];
	return "unknown";
}

static void print_id(FILE *out, const struct view *v, struct capbin_id id, bool is_group)
{
	if (id.name)
		fprintf(out, "%s", str_at(v, id.name));
	else if (is_group && id.id == CAPBIN_ID_USER_PRIMARY)
		fputs("(the user's primary group)", out);
	else
		fprintf(out, "%u", id.id);
}

static void print_securebits(FILE *out, uint32_t val, uint32_t mask)
{
	static const char *const names[8] = {
		"noroot", "noroot_locked", "no_setuid_fixup", "no_setuid_fixup_locked",
		"keep_caps", "keep_caps_locked", "no_cap_ambient_raise", "no_cap_ambient_raise_locked",
	};
	bool first = true;
	for (int b = 0; b < 8; b++) {
		if (!(mask & (1u << b)))
			continue;
		fprintf(out, "%s%s%s", first ? "" : " ", names[b], (val & (1u << b)) ? "" : "=off");
		first = false;
	}
	fprintf(out, "  [mask 0x%02x value 0x%02x]\n", mask, val & mask);
}

static bool user_is_root(const struct view *v, const struct capbin_stage *s)
{
	if (!(s->flags & CAPBIN_STAGE_USER))
		return false;
	return s->user.name ? strcmp(str_at(v, s->user.name), "root") == 0 : s->user.id == 0;
}

static void print_state_line(FILE *out, const char *label, uint64_t m)
{
	fprintf(out, "    %s %016llx  ", label, (unsigned long long)m);
	print_caps_ex(out, m, true);
	fputc('\n', out);
}

static void print_state(FILE *out, const struct cm_state *s)
{
	uint64_t k = known_caps();
	print_state_line(out, "CapInh:", s->inh & k);
	print_state_line(out, "CapPrm:", s->prm & k);
	print_state_line(out, "CapEff:", s->eff & k);
	print_state_line(out, "CapBnd:", s->bnd & k);
	print_state_line(out, "CapAmb:", s->amb & k);
	fprintf(out, "    NoNewPrivs: %d\n", s->nnp ? 1 : 0);
	fprintf(out, "    Seccomp: %d\n", s->filters ? 2 : 0);
	fprintf(out, "    Seccomp_filters: %u\n", s->filters);
	fprintf(out, "    securebits: 0x%02x\n", s->securebits);
}

static void print_stage(FILE *out, const struct view *v, size_t i, const struct capbin_stage *s)
{
	fprintf(out, "\nstage %zu: %s\n", i, str_at(v, s->point));
	fprintf(out, "  trigger      %s\n", trigger_text(s->trigger));
	fprintf(out, "  %-12s ", "bounding");
	if (s->flags & CAPBIN_STAGE_BOUNDING) {
		uint64_t known = known_caps();
		if (__builtin_popcountll(s->bounding & known) * 2 > __builtin_popcountll(known)) {
			fputs("drop ", out);
			print_caps(out, ~s->bounding);
		} else if (s->bounding == 0) {
			fputs("drop all", out);
		} else {
			fputs("keep ", out);
			print_caps(out, s->bounding);
			fputs(", drop every other", out);
		}
		fprintf(out, "  [keep 0x%016llx]\n", (unsigned long long)s->bounding);
	} else {
		fputs("unchanged\n", out);
	}
	bool caps = s->flags & CAPBIN_STAGE_CAPS;
	print_set(out, "permitted", caps, s->prm_and, s->prm_or);
	print_set(out, "effective", caps, s->eff_and, s->eff_or);
	print_set(out, "inheritable", caps, s->inh_and, s->inh_or);
	print_set(out, "ambient", s->flags & CAPBIN_STAGE_AMBIENT, s->amb_and, s->amb_or);
	fprintf(out, "  %-12s ", "securebits");
	if (s->flags & CAPBIN_STAGE_SECUREBITS)
		print_securebits(out, s->securebits, s->securebits_mask);
	else
		fputs("unchanged\n", out);
	fprintf(out, "  %-12s %s\n", "no_new_privs", (s->flags & CAPBIN_STAGE_NNP) ? "set" : "unchanged");
	fprintf(out, "  %-12s ", "user");
	if (s->flags & CAPBIN_STAGE_USER) {
		print_id(out, v, s->user, false);
		fputc('\n', out);
	} else {
		fputs("unchanged\n", out);
	}
	fprintf(out, "  %-12s ", "group");
	if (s->flags & CAPBIN_STAGE_GROUP) {
		print_id(out, v, s->group, true);
		fputc('\n', out);
	} else {
		fputs("unchanged\n", out);
	}
	fprintf(out, "  %-12s ", "groups");
	if (s->flags & CAPBIN_STAGE_GROUPS) {
		if (s->groups_count == 0)
			fputs("none (cleared)", out);
		for (uint32_t g = 0; g < s->groups_count; g++) {
			if (g)
				fputc(' ', out);
			print_id(out, v, id_at(v, s->groups_index + g), true);
		}
		fputc('\n', out);
	} else {
		fputs("unchanged\n", out);
	}
	fprintf(out, "  %-12s ", "seccomp");
	if (!(s->flags & CAPBIN_STAGE_SECCOMP)) {
		fputs("none\n", out);
		return;
	}
	fprintf(out, "%u filter%s%s\n", v->h.arch_count, v->h.arch_count == 1 ? "" : "s",
		(s->seccomp_flags & CAPBIN_SECCOMP_LOG) ? " (log)" : "");
	for (uint16_t a = 0; a < v->h.arch_count; a++) {
		struct capbin_arch ar;
		struct capbin_filter f;
		rd(v, v->h.arch_off + a * sizeof ar, &ar, sizeof ar);
		rd(v, v->h.filter_off + (s->filter_index + a) * sizeof f, &f, sizeof f);
		uint32_t n = capbin_le32(f.insn_count), first = capbin_le32(f.insn_index);
		fprintf(out, "    filter for %s: %u instructions\n", arch_name(capbin_le32(ar.audit_arch)), n);
		struct ir_insn *insns = calloc(n, sizeof *insns);
		if (!insns) {
			fputs("    (out of memory)\n", out);
			continue;
		}
		for (uint32_t k = 0; k < n; k++) {
			struct capbin_insn ci;
			rd(v, v->h.bpf_off + (first + k) * sizeof ci, &ci, sizeof ci);
			insns[k] = (struct ir_insn){capbin_le16(ci.code), ci.jt, ci.jf, capbin_le32(ci.k)};
		}
		bpf_disassemble(out, insns, n, "      ");
		free(insns);
	}
}

static void print_rule(FILE *out, const struct view *v, size_t i)
{
	struct capbin_rule r;
	rd(v, v->h.rule_off + i * sizeof r, &r, sizeof r);
	uint16_t kind = capbin_le16(r.kind);
	struct capbin_id who = {capbin_le32(r.who.name), capbin_le32(r.who.id)};
	fprintf(out, "  %zu. ", i + 1);
	if (kind == CAPBIN_RULE_USER) {
		fputs("user ", out);
		print_id(out, v, who, false);
	} else if (kind == CAPBIN_RULE_GROUP) {
		fputs("group ", out);
		print_id(out, v, who, true);
	} else {
		fputs("default", out);
	}
	fprintf(out, " -> stage %u\n", capbin_le32(r.stage));
}

int dump_blob(FILE *out, const uint8_t *blob, size_t len)
{
	struct capr_error err;
	if (capr_blob_validate(blob, len, CAPR_VALIDATE_ANY_ARCH, &err) < 0) {
		fprintf(stderr, "capc: error: not a valid blob: %s\n", capr_strerror(&err));
		return -1;
	}
	struct view v = {.p = blob, .len = len};
	struct capbin_header h;
	memcpy(&h, blob, sizeof h);
	v.h = h;
	v.h.version_major = capbin_le16(h.version_major);
	v.h.version_minor = capbin_le16(h.version_minor);
	v.h.file_size = capbin_le32(h.file_size);
	v.h.checksum = capbin_le32(h.checksum);
	v.h.kind = capbin_le32(h.kind);
	v.h.name = capbin_le32(h.name);
	v.h.arch_count = capbin_le16(h.arch_count);
	v.h.stage_count = capbin_le16(h.stage_count);
	v.h.rule_count = capbin_le32(h.rule_count);
	v.h.id_off = capbin_le32(h.id_off);
	v.h.arch_off = capbin_le32(h.arch_off);
	v.h.stage_off = capbin_le32(h.stage_off);
	v.h.rule_off = capbin_le32(h.rule_off);
	v.h.filter_off = capbin_le32(h.filter_off);
	v.h.bpf_off = capbin_le32(h.bpf_off);
	v.h.str_off = capbin_le32(h.str_off);

	bool session = v.h.kind == CAPBIN_KIND_SESSION;
	fprintf(out, "capbin %u.%u, %u bytes, crc32 0x%08x\n", v.h.version_major, v.h.version_minor, v.h.file_size,
		v.h.checksum);
	fprintf(out, "%s %s\n", session ? "session" : "service", str_at(&v, v.h.name));
	fputs("arch", out);
	for (uint16_t a = 0; a < v.h.arch_count; a++) {
		struct capbin_arch ar;
		rd(&v, v.h.arch_off + a * sizeof ar, &ar, sizeof ar);
		uint32_t abis = capbin_le32(ar.abis);
		fprintf(out, " %s (audit 0x%08x, abis:%s%s%s)", arch_name(capbin_le32(ar.audit_arch)),
			capbin_le32(ar.audit_arch), (abis & CAPBIN_ABI_NATIVE) ? " native" : "",
			(abis & CAPBIN_ABI_COMPAT) ? " compat" : "", (abis & CAPBIN_ABI_X32) ? " x32" : "");
	}
	fputc('\n', out);

	if (session) {
		fputs("\nrules (the first that matches the user applies):\n", out);
		for (uint32_t i = 0; i < v.h.rule_count; i++)
			print_rule(out, &v, i);
	}

	/* The model starts from "capload run by root with every capability"
	 * and applies the stages in order; the runtime tests compare these
	 * lines with /proc/self/status (masked with the machine's starting
	 * bounding set). */
	struct cm_state st = cm_root_start(known_caps());
	/* Triggered stages: capload installs its backstop filter before the
	 * exec stage (runtime/capr_backstop.c), one more filter from exec on. */
	bool triggered = false, has_exec = false;
	for (uint16_t i = 0; i < v.h.stage_count && !session; i++) {
		uint16_t t = stage_at(&v, i).trigger;
		triggered |= t == CAPBIN_TRIGGER_SETUID || t == CAPBIN_TRIGGER_SETGID || t == CAPBIN_TRIGGER_LISTEN ||
			     t == CAPBIN_TRIGGER_CHROOT;
		has_exec |= t == CAPBIN_TRIGGER_EXEC;
	}
	if (triggered) {
		fputs("\nbackstop: capload installs a seccomp filter before exec: set*id, listen and chroot\n"
		      "  only through the preload object (their sixth argument carries the policy's cookie)\n",
		      out);
		st.filters++;
		if (!has_exec) {
			struct cm_state e = st;
			cm_exec(&e);
			fputs("  the program sees after exec (capload started as root with every capability; no exec stage):\n", out);
			print_state(out, &e);
		}
	}
	for (uint16_t i = 0; i < v.h.stage_count; i++) {
		struct capbin_stage s = stage_at(&v, i);
		print_stage(out, &v, i, &s);
		struct cm_stage cs = CM_STAGE_OF(&s, user_is_root(&v, &s));
		if (session) {
			/* Each rule starts from a root login program; its user
			 * then gets what survives setuid() and execve(). */
			struct cm_state ss = cm_root_start(known_caps());
			cm_apply(&ss, &cs);
			if (!(ss.securebits & CAPBIN_SECBIT_NO_SETUID_FIXUP))
				ss.prm = ss.eff = ss.amb = 0;
			ss.root = false;
			cm_exec(&ss);
			fputs("  the user's programs see (login started as root with every capability):\n", out);
			print_state(out, &ss);
			continue;
		}
		if (s.trigger == CAPBIN_TRIGGER_SETUID)
			cm_leave_root(&st);
		cm_apply(&st, &cs);
		if (s.trigger == CAPBIN_TRIGGER_EXEC) {
			cm_exec(&st);
			fputs("  the program sees after exec (capload started as root with every capability):\n", out);
		} else {
			fprintf(out, "  the process holds after point '%s':\n", str_at(&v, s.point));
		}
		print_state(out, &st);
	}
	return 0;
}
