/* export_oci.c - capc --emit oci: the exec stage as an OCI runtime-spec
 * fragment (config.json's process and linux.seccomp).
 *
 *   process.capabilities  the five sets the program holds after exec, as
 *                         capc --dump models them (capload started by
 *                         root with every capability)
 *   process.noNewPrivileges
 *   process.user          uid and gid, when the policy gives numbers
 *   linux.seccomp         defaultAction (+ defaultErrnoRet), architectures,
 *                         syscalls[]: the rules as capc lowers them for
 *                         libseccomp (seccomp_cond.c: pairwise disjoint,
 *                         at most one comparison per argument, each an
 *                         args[] entry), so runc's libseccomp builds the
 *                         same decisions from them
 *
 * What OCI cannot say (later points, names for uid and gid, securebits) is
 * listed in annotations["org.capc.not-expressible"] and counted as a
 * warning: JSON has no comments, and nothing is dropped silently.
 */
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capmodel.h"
#include "export.h"
#include "seccomp.h"
#include "seccomp_int.h"
#include "tables.h"

struct gaps {
	char text[4096];
	size_t len;
	unsigned n;
};

static void gap(struct gaps *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void gap(struct gaps *g, const char *fmt, ...)
{
	va_list ap;
	if (g->len < sizeof g->text - 2) {
		if (g->n)
			g->len += (size_t)snprintf(g->text + g->len, sizeof g->text - g->len, "; ");
		va_start(ap, fmt);
		int w = vsnprintf(g->text + g->len, sizeof g->text - g->len, fmt, ap);
		va_end(ap);
		if (w > 0)
			g->len += (size_t)w;
		if (g->len >= sizeof g->text)
			g->len = sizeof g->text - 1;
	}
	g->n++;
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void caps_array(FILE *f, const char *key, uint64_t m, bool last)
{
	fprintf(f, "      \"%s\": [", key);
	bool first = true;
	for (int c = 0; c <= tbl_cap_last(); c++) {
		if (!(m & (UINT64_C(1) << c)))
			continue;
		const char *n = tbl_cap_name(c);
		if (!n)
			continue;
		fprintf(f, "%s\"CAP_", first ? "" : ", ");
		for (const char *p = n; *p; p++)
			fputc(*p >= 'a' && *p <= 'z' ? *p - 32 : *p, f);
		fputc('"', f);
		first = false;
	}
	fprintf(f, "]%s\n", last ? "" : ",");
}

static const char *scmp_action(uint32_t a, int *errno_ret)
{
	*errno_ret = -1;
	if (SC_ACT_IS_ERRNO(a)) {
		*errno_ret = (int)(a & 0xffff);
		return "SCMP_ACT_ERRNO";
	}
	switch (a) {
	case SC_ACT_ALLOW: return "SCMP_ACT_ALLOW";
	case SC_ACT_LOG: return "SCMP_ACT_LOG";
	case SC_ACT_TRAP: return "SCMP_ACT_TRAP";
	case SC_ACT_KILL_THREAD: return "SCMP_ACT_KILL_THREAD";
	default: return "SCMP_ACT_KILL_PROCESS";
	}
}

static const char *scmp_op(enum scmp_compare op)
{
	switch (op) {
	case SCMP_CMP_NE: return "SCMP_CMP_NE";
	case SCMP_CMP_LT: return "SCMP_CMP_LT";
	case SCMP_CMP_LE: return "SCMP_CMP_LE";
	case SCMP_CMP_EQ: return "SCMP_CMP_EQ";
	case SCMP_CMP_GE: return "SCMP_CMP_GE";
	case SCMP_CMP_GT: return "SCMP_CMP_GT";
	case SCMP_CMP_MASKED_EQ: return "SCMP_CMP_MASKED_EQ";
	default: return "SCMP_CMP_EQ";
	}
}

/* libseccomp's SCMP_ARCH_ names, upper case of its own. */
static void arch_name(FILE *f, const char *scmp)
{
	fputs("\"SCMP_ARCH_", f);
	for (const char *p = scmp; *p; p++)
		fputc(*p >= 'a' && *p <= 'z' ? *p - 32 : *p, f);
	fputc('"', f);
}

static int seccomp_json(FILE *f, const struct ir_policy *p, const struct ir_stage *s, struct gaps *g, char *why,
			size_t whylen)
{
	const struct sc_filter *flt = s->filter;
	const struct sc_abi *abi = sc_abi_by_token(p->arches[0].scmp_arch[0]);
	struct sc_index ix;
	int er;

	if (!abi || sc_index_build(flt, &ix) < 0) {
		snprintf(why, whylen, "internal error: no ABI or index for the filter");
		return -1;
	}
	fprintf(f, "  \"linux\": {\n    \"seccomp\": {\n      \"defaultAction\": \"%s\"", scmp_action(flt->default_action, &er));
	if (er >= 0)
		fprintf(f, ",\n      \"defaultErrnoRet\": %d", er);
	fputs(",\n      \"architectures\": [", f);
	bool first = true;
	for (size_t a = 0; a < p->narch; a++)
		for (size_t t = 0; t < p->arches[a].nscmp; t++) {
			const struct sc_abi *x = sc_abi_by_token(p->arches[a].scmp_arch[t]);
			fputs(first ? "" : ", ", f);
			arch_name(f, x ? x->name : "native");
			first = false;
		}
	fputs("],\n      \"syscalls\": [", f);
	first = true;
	int rc = 0;
	for (size_t i = 0; i < ix.n && rc == 0; i++) {
		const struct sc_sysent *e = &ix.v[i];
		if (seccomp_syscall_resolve_name_arch(abi->token, e->name) < 0)
			continue; /* a group member this ABI lacks */
		/* The rules of this syscall, lowered as for libseccomp. */
		struct sc_lin *in = calloc(e->nrules ? e->nrules : 1, sizeof *in);
		size_t n = 0;
		if (!in) {
			snprintf(why, whylen, "out of memory");
			rc = -1;
			break;
		}
		for (size_t k = 0; k < e->nrules; k++) {
			size_t r = e->rules[k];
			if (sc_rule_applies(flt, e, r))
				in[n++] = (struct sc_lin){ flt->rules[r].cond, flt->rules[r].action, false };
		}
		unsigned bits[SC_NARGS];
		for (unsigned k = 0; k < SC_NARGS; k++)
			bits[k] = tbl_syscall_arg_bits(e->name, k, abi->width == 64 ? 64 : 32);
		struct sc_lout lo;
		size_t culprit, count;
		if (sc_lower(in, n, flt->default_action, abi->width, bits, &lo, &culprit, &count) != SC_LOWER_OK) {
			free(in);
			snprintf(why, whylen, "the conditions on '%s' cannot be lowered", e->name);
			rc = -1;
			break;
		}
		for (size_t r = 0; r < lo.n; r++) {
			const struct sc_lrule *lr = &lo.v[r];
			fprintf(f, "%s\n        {\"names\": [", first ? "" : ",");
			json_str(f, e->name);
			fprintf(f, "], \"action\": \"%s\"", scmp_action(lr->action, &er));
			if (er >= 0)
				fprintf(f, ", \"errnoRet\": %d", er);
			if (lr->ncmp) {
				fputs(", \"args\": [", f);
				for (unsigned c = 0; c < lr->ncmp; c++)
					fprintf(f, "%s{\"index\": %u, \"value\": %llu, \"valueTwo\": %llu, \"op\": \"%s\"}",
						c ? ", " : "", lr->cmp[c].arg, (unsigned long long)lr->cmp[c].datum_a,
						(unsigned long long)lr->cmp[c].datum_b, scmp_op(lr->cmp[c].op));
				fputc(']', f);
			}
			fputc('}', f);
			first = false;
		}
		sc_lout_free(&lo);
		free(in);
	}
	fputs("\n      ]\n    }\n  }", f);
	sc_index_free(&ix);
	if (p->narch > 1 || p->arches[0].nscmp > 1)
		gap(g, "the rules are lowered for %s; the other architectures get the same rules from runc", abi->name);
	return rc;
}

int export_oci(const struct ir_policy *p, uint8_t **bytes, size_t *len, unsigned *warnings, char *why, size_t whylen)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f;
	struct gaps g = { .len = 0 };

	if (p->kind != CAPBIN_KIND_SERVICE) {
		snprintf(why, whylen, "'%s' is a session policy: pam_capc applies it, not a container runtime", p->name);
		return -1;
	}
	f = open_memstream(&buf, &n);
	if (!f) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	const struct ir_stage *s = p->nstages && p->stages[0].trigger == CAPBIN_TRIGGER_EXEC ? &p->stages[0] : NULL;
	uint64_t all = tbl_cap_last() >= 63 ? ~UINT64_C(0) : (UINT64_C(1) << (tbl_cap_last() + 1)) - 1;
	struct cm_state st = cm_root_start(all);
	bool user_root = true;
	if (s) {
		user_root = !(s->flags & CAPBIN_STAGE_USER) || (!s->user.name && s->user.id == 0) ||
			    (s->user.name && strcmp(s->user.name, "root") == 0);
		struct cm_stage cs = CM_STAGE_OF(s, user_root);
		cm_apply(&st, &cs);
	}
	cm_exec(&st);

	fputs("{\n  \"process\": {\n", f);
	if (s && (s->flags & (CAPBIN_STAGE_USER | CAPBIN_STAGE_GROUP))) {
		bool nu = (s->flags & CAPBIN_STAGE_USER) && !s->user.name;
		bool ng = (s->flags & CAPBIN_STAGE_GROUP) && !s->group.name && s->group.id != CAPBIN_ID_USER_PRIMARY;
		if (nu || ng) {
			fputs("    \"user\": {", f);
			if (nu)
				fprintf(f, "\"uid\": %u", s->user.id);
			if (ng)
				fprintf(f, "%s\"gid\": %u", nu ? ", " : "", s->group.id);
			fputs("},\n", f);
		}
		if ((s->flags & CAPBIN_STAGE_USER) && s->user.name)
			gap(&g, "user '%s': OCI names the uid and gid by number (set process.user for the image)",
			    s->user.name);
		if ((s->flags & CAPBIN_STAGE_GROUP) && s->group.name)
			gap(&g, "group '%s' by name", s->group.name);
	}
	fputs("    \"capabilities\": {\n", f);
	caps_array(f, "bounding", st.bnd, false);
	caps_array(f, "effective", st.eff, false);
	caps_array(f, "inheritable", st.inh, false);
	caps_array(f, "permitted", st.prm, false);
	caps_array(f, "ambient", st.amb, true);
	fprintf(f, "    },\n    \"noNewPrivileges\": %s\n  }", st.nnp ? "true" : "false");
	if (s && (s->flags & CAPBIN_STAGE_SECUREBITS))
		gap(&g, "securebits 0x%x", s->securebits & s->securebits_mask);
	int rc = 0;
	if (s && s->filter) {
		fputs(",\n", f);
		rc = seccomp_json(f, p, s, &g, why, whylen);
	}
	for (size_t i = s ? 1 : 0; i < p->nstages; i++)
		gap(&g, "point '%s' and its stage (OCI applies settings at start only: use capload or libcapr)",
		    p->stages[i].point);
	if (g.n) {
		fputs(",\n  \"annotations\": {\n    \"org.capc.not-expressible\": ", f);
		json_str(f, g.text);
		fputs("\n  }", f);
	}
	fputs("\n}\n", f);
	fclose(f);
	if (rc < 0) {
		free(buf);
		return -1;
	}
	*bytes = (uint8_t *)buf;
	*len = n;
	*warnings = g.n;
	return 0;
}
