/* import.c - capc import: a Docker/OCI seccomp profile as a readable
 * .cap policy.
 *
 *   capc import PROFILE.json [-o POLICY.cap] [--arch ABI] [--caps LIST | --cap-add LIST]
 *
 * The profile is read by the YAML/JSON reader (yaml_input.c), which
 * decides Docker's includes/excludes for one container: its capability
 * set (Docker's default, --caps for another one, --cap-add for Docker's
 * plus some) and its architecture (--arch, else this machine's). The
 * choice is written at the top of the output. Then every rule that names
 * all the syscalls of a systemd group (as they exist on that architecture)
 * and shares none of them with another rule gets the group instead, the
 * largest groups first: a few lines instead of a few hundred names. The
 * result is compiled before and after that step; if the two filters are
 * not the same bytes the names are kept (never a different policy).
 */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "cap_print.h"
#include "diag.h"
#include "import.h"
#include "output.h"
#include "sema.h"
#include "tables.h"
#include "xalloc.h"
#include "yaml_input.h"

#define MAX_MEMBERS 1024

struct gset {
	const char *name;
	const char *members[MAX_MEMBERS];
	size_t n;
};

static bool has(const struct gset *g, const char *s)
{
	for (size_t i = 0; i < g->n; i++)
		if (strcmp(g->members[i], s) == 0)
			return true;
	return false;
}

/* A group's syscalls, sub-groups expanded, those the arch lacks left out. */
static void expand(const char *group, uint32_t arch, struct gset *g, int depth)
{
	const struct tbl_group *t = tbl_group(group);
	if (!t || depth > 16)
		return;
	for (size_t i = 0; i < t->nmembers; i++) {
		const char *m = t->members[i];
		if (m[0] == '@') {
			expand(m + 1, arch, g, depth + 1);
		} else if (seccomp_syscall_resolve_name_arch(arch, m) >= 0 && !has(g, m) && g->n < MAX_MEMBERS) {
			g->members[g->n++] = m;
		}
	}
}

static int by_size(const void *a, const void *b)
{
	const struct gset *x = a, *y = b;
	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* How many rules of the block name s (directly). */
static size_t named(const struct ast_sc_stmt *block, const char *s)
{
	size_t n = 0;
	for (const struct ast_sc_stmt *r = block; r; r = r->next)
		for (size_t i = 0; r->kind == SC_RULE && i < r->ntargets; i++)
			n += !r->targets[i].name.is_group && strcmp(r->targets[i].name.text, s) == 0;
	return n;
}

static void compact_rule(const struct ast_sc_stmt *block, struct ast_sc_stmt *r, struct gset *groups, size_t ng)
{
	for (size_t i = 0; i < r->ntargets; i++)
		if (r->targets[i].cond || r->targets[i].name.is_group)
			return; /* only lists of plain names */
	for (size_t k = 0; k < ng; k++) {
		struct gset *g = &groups[k];
		if (g->n < 2)
			continue;
		bool all = true;
		for (size_t m = 0; m < g->n && all; m++) {
			bool in = false;
			for (size_t i = 0; i < r->ntargets && !in; i++)
				in = !r->targets[i].name.is_group && strcmp(r->targets[i].name.text, g->members[m]) == 0;
			all = in && named(block, g->members[m]) == 1;
		}
		if (!all)
			continue;
		/* the group first, the members out */
		size_t w = 1;
		struct ast_target *nt = xcalloc(r->ntargets + 1, sizeof *nt);
		nt[0].name = (struct ast_name){ xstrdup(g->name), true, r->targets[0].name.loc };
		for (size_t i = 0; i < r->ntargets; i++) {
			if (!r->targets[i].name.is_group && has(g, r->targets[i].name.text))
				free(r->targets[i].name.text);
			else
				nt[w++] = r->targets[i];
		}
		/* groups found earlier stay in front */
		size_t lead = 0;
		while (lead + 1 < w && nt[lead + 1].name.is_group)
			lead++;
		if (lead) {
			struct ast_target first = nt[0];
			memmove(nt, nt + 1, lead * sizeof *nt);
			nt[lead] = first;
		}
		free(r->targets);
		r->targets = nt;
		r->ntargets = w;
	}
}

static void compact(struct ast_unit *u, uint32_t arch)
{
	size_t ng = tbl_group_count();
	struct gset *groups = xcalloc(ng ? ng : 1, sizeof *groups);
	for (size_t i = 0; i < ng; i++) {
		groups[i].name = tbl_group_at(i)->name;
		expand(groups[i].name, arch, &groups[i], 0);
	}
	qsort(groups, ng, sizeof *groups, by_size);
	for (struct ast_decl *d = u->decls; d; d = d->next)
		for (struct ast_stmt *s = d->body; s; s = s->next)
			if (s->kind == AS_SECCOMP)
				for (struct ast_sc_stmt *r = s->seccomp; r; r = r->next)
					if (r->kind == SC_RULE)
						compact_rule(s->seccomp, r, groups, ng);
	free(groups);
}

/* Compiled with the same options: the bytes of every filter. */
static bool same_filters(const struct ir_policy *a, const struct ir_policy *b)
{
	if (a->nstages != b->nstages || a->narch != b->narch)
		return false;
	for (size_t i = 0; i < a->nstages; i++)
		for (size_t k = 0; k < a->narch; k++) {
			const struct ir_prog *x = &a->stages[i].progs[k], *y = &b->stages[i].progs[k];
			if (x->n != y->n || (x->n && memcmp(x->insns, y->insns, x->n * sizeof *x->insns) != 0))
				return false;
		}
	return true;
}

static bool parse_caps(const char *list, uint64_t *out)
{
	char *copy = xstrdup(list), *save = NULL;
	bool ok = true;
	for (char *t = strtok_r(copy, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
		int c = tbl_cap_from_name(t);
		if (c < 0) {
			fprintf(stderr, "capc: error: import: unknown capability '%s'\n", t);
			ok = false;
		} else {
			*out |= UINT64_C(1) << c;
		}
	}
	free(copy);
	return ok;
}

static void caps_text(FILE *f, uint64_t m)
{
	for (int c = 0; c < 64; c++) {
		if (!(m & (UINT64_C(1) << c)))
			continue;
		const char *n = tbl_cap_name(c);
		fputc(' ', f);
		if (n)
			fputs(n, f);
		else
			fprintf(f, "%d", c);
	}
}

int import_main(int argc, char **argv)
{
	const char *input = NULL, *output = NULL, *arch = NULL;
	uint64_t caps = yaml_docker_default_caps();
	bool custom = false;
	int rc = 1;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && i + 1 < argc) {
			output = argv[++i];
		} else if (!strcmp(a, "--arch") && i + 1 < argc) {
			arch = argv[++i];
		} else if (!strcmp(a, "--caps") && i + 1 < argc) {
			caps = 0;
			custom = true;
			if (!parse_caps(argv[++i], &caps))
				return 2;
		} else if (!strcmp(a, "--cap-add") && i + 1 < argc) {
			custom = true;
			if (!parse_caps(argv[++i], &caps))
				return 2;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			printf("usage: capc import PROFILE.json [-o POLICY.cap] [--arch ABI] [--caps LIST | --cap-add LIST]\n"
			       "\n"
			       "Write a Docker/OCI seccomp profile as a .cap policy, for one container: Docker's\n"
			       "default capability set (--caps: another, --cap-add: Docker's plus these) on\n"
			       "this machine's architecture (--arch: another).\n");
			return 0;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "capc: error: import: unknown option '%s'\n", a);
			return 2;
		} else if (!input) {
			input = a;
		} else {
			fprintf(stderr, "capc: error: import: one profile only\n");
			return 2;
		}
	}
	if (!input) {
		fprintf(stderr, "usage: capc import PROFILE.json [-o POLICY.cap] [--arch ABI] [--caps LIST | --cap-add LIST]\n");
		return 2;
	}
	const char *const target[] = { arch, NULL };
	const char *const *tg = arch ? target : NULL;
	uint32_t token = arch ? seccomp_arch_resolve_name(arch) : seccomp_arch_native();
	if (!token) {
		fprintf(stderr, "capc: error: import: unknown architecture '%s'\n", arch);
		return 2;
	}
	yaml_docker_caps(caps);

	struct ast_unit *u = yaml_parse_file(input, tg), *v = NULL;
	struct ir_policy before, after;
	struct sema_opts opts = { .target = tg, .generate = true };
	memset(&before, 0, sizeof before);
	memset(&after, 0, sizeof after);
	if (!u || diag_error_count() || sema_build(u, &opts, &before) < 0 || diag_error_count())
		goto out;
	/* Compacted on a second copy of the tree, compiled again (its
	 * warnings are the first copy's: said once). */
	diag_set_warnings_enabled(false);
	v = yaml_parse_file(input, tg);
	if (!v)
		goto out;
	compact(v, token);
	bool kept = sema_build(v, &opts, &after) == 0 && !diag_error_count() && same_filters(&before, &after);
	if (!kept)
		fprintf(stderr, "capc: warning: import: the groups would change the filter; the names are kept\n");

	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	if (!m)
		goto out;
	const char *base = strrchr(input, '/');
	fprintf(m, "# Imported by capc import from %s\n", base ? base + 1 : input);
	fprintf(m, "# for a container with the capabilities%s:", custom ? "" : " Docker gives by default");
	caps_text(m, caps);
	const char *an = arch ? arch : "this machine's architecture";
	fprintf(m, "\n# on %s: entries whose includes/excludes name other capabilities or\n"
		   "# architectures are left out. Rules naming all of a systemd group's syscalls\n"
		   "# use the group%s.\n\n",
		an, kept ? "; the filter is the same bytes as with the names" : "s (not here)");
	cap_print(kept ? v : u, m);
	fclose(m);
	rc = write_atomic(output ? output : "-", (const uint8_t *)text, len) == 0 ? 0 : 2;
	free(text);
out:
	ir_free(&before);
	ir_free(&after);
	if (u)
		ast_free_unit(u);
	if (v)
		ast_free_unit(v);
	return rc;
}
