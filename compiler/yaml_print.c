/* yaml_print.c - a syntax tree as a YAML policy (capc --emit yaml), in the
 * schema of docs/yaml.md, so that .cap -> YAML -> .cap compiles to the same
 * bytes.
 *
 * YAML keys are unique in a mapping, so statements of one kind are
 * gathered under their key in the order of first appearance (two `keep`
 * lines become one list, two `seccomp` blocks of a stage one mapping);
 * what a stage means does not depend on that order. A rule naming several
 * syscalls with conditions becomes one rule per condition (`if:` takes a
 * single syscall). Names and conditions are quoted where YAML would read
 * them otherwise (a leading '@' or '!', ': ', ' #').
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "cap_print.h"
#include "yaml_print.h"

static void ind(FILE *o, int level)
{
	for (int i = 0; i < level; i++)
		fputs("  ", o);
}

/* A scalar, double-quoted when YAML would not take it as a plain string. */
static void scalar(FILE *o, const char *s)
{
	bool quote = !*s || strchr("@!&*%|>'\"#{}[],?:-`", s[0]) || strstr(s, ": ") || strstr(s, " #") ||
		     s[strlen(s) - 1] == ':' || s[strlen(s) - 1] == ' ';
	if (!quote) {
		fputs(s, o);
		return;
	}
	fputc('"', o);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', o);
		fputc(*s, o);
	}
	fputc('"', o);
}

static void name_list(FILE *o, const struct ast_name *v, size_t n)
{
	fputc('[', o);
	for (size_t i = 0; i < n; i++) {
		char buf[256];
		snprintf(buf, sizeof buf, "%s%s", v[i].is_group ? "@" : "", v[i].text);
		fputs(i ? ", " : "", o);
		scalar(o, buf);
	}
	fputc(']', o);
}

static void id(FILE *o, const struct ast_id *x)
{
	if (x->numeric)
		fprintf(o, "%" PRIu64, x->num);
	else
		scalar(o, x->name);
}

/* Text pieces of the .cap printer, through a memory stream. */
static void text_of(void (*fn)(FILE *, const void *), const void *arg, FILE *o)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&buf, &n);
	if (!m)
		return;
	fn(m, arg);
	fclose(m);
	scalar(o, buf);
	free(buf);
}

static void cond_fn(FILE *m, const void *c)
{
	cap_print_cond(m, c);
}

static void action_fn(FILE *m, const void *a)
{
	cap_print_action(m, a);
}

static void expect_fn(FILE *m, const void *s)
{
	cap_print_expect(m, s);
}

static const char *rule_key(const struct ast_action *a)
{
	switch (a->kind) {
	case AA_ALLOW: return "allow";
	case AA_ERRNO: return "deny";
	case AA_KILL_PROCESS: return "kill";
	case AA_KILL_THREAD: return "kill thread";
	case AA_TRAP: return "trap";
	case AA_LOG: return "log";
	}
	return "allow";
}

static void rule_item(FILE *o, int level, const struct ast_sc_stmt *s, const struct ast_name *names, size_t n,
		      const struct ast_cond *c)
{
	ind(o, level);
	fprintf(o, "- %s: ", rule_key(&s->action));
	name_list(o, names, n);
	fputc('\n', o);
	if (s->action.kind == AA_ERRNO && s->action.errno_val) {
		ind(o, level + 1);
		fputs("errno: ", o);
		if (s->action.errno_val->kind == AV_NUM)
			fprintf(o, "%" PRIu64, s->action.errno_val->num);
		else
			scalar(o, s->action.errno_val->ident ? s->action.errno_val->ident : "EPERM");
		fputc('\n', o);
	}
	if (c) {
		ind(o, level + 1);
		fputs("if: ", o);
		text_of(cond_fn, c, o);
		fputc('\n', o);
	}
}

/* Every seccomp block of a stage, as one mapping. */
static void seccomp(FILE *o, const struct ast_stmt *first, int level)
{
	ind(o, level);
	fputs("seccomp:\n", o);
	for (const struct ast_stmt *st = first; st; st = st->next) {
		if (st->kind != AS_SECCOMP)
			continue;
		for (const struct ast_sc_stmt *s = st->seccomp; s; s = s->next)
			if (s->kind == SC_DEFAULT) {
				ind(o, level + 1);
				fputs("default: ", o);
				text_of(action_fn, &s->action, o);
				fputc('\n', o);
			}
	}
	bool rules = false, expects = false;
	for (const struct ast_stmt *st = first; st; st = st->next) {
		if (st->kind != AS_SECCOMP)
			continue;
		for (const struct ast_sc_stmt *s = st->seccomp; s; s = s->next) {
			if (s->kind != SC_RULE)
				continue;
			if (!rules) {
				ind(o, level + 1);
				fputs("rules:\n", o);
				rules = true;
			}
			/* the unconditional targets together, each condition alone,
			 * in order */
			size_t i = 0;
			while (i < s->ntargets) {
				if (s->targets[i].cond) {
					rule_item(o, level + 2, s, &s->targets[i].name, 1, s->targets[i].cond);
					i++;
					continue;
				}
				size_t j = i;
				while (j < s->ntargets && !s->targets[j].cond)
					j++;
				struct ast_name run[64];
				while (i < j) {
					size_t k = 0;
					for (; i < j && k < 64; i++, k++)
						run[k] = s->targets[i].name;
					rule_item(o, level + 2, s, run, k, NULL);
				}
			}
		}
	}
	for (const struct ast_stmt *st = first; st; st = st->next) {
		if (st->kind != AS_SECCOMP)
			continue;
		for (const struct ast_sc_stmt *s = st->seccomp; s; s = s->next) {
			if (s->kind != SC_EXPECT)
				continue;
			if (!expects) {
				ind(o, level + 1);
				fputs("expect:\n", o);
				expects = true;
			}
			ind(o, level + 2);
			fputs("- ", o);
			text_of(expect_fn, s, o);
			fputc('\n', o);
		}
	}
}

static const char *const kw[] = {
	[AS_KEEP] = "keep", [AS_DROP] = "drop", [AS_BOUND] = "bound", [AS_AMBIENT] = "ambient",
	[AS_INHERIT] = "inherit", [AS_SECUREBITS] = "securebits", [AS_ARCH] = "arch",
};

static void stmts(FILE *o, const struct ast_stmt *body, int level)
{
	bool done[AS_RULE_DEFAULT + 1] = { false };

	for (const struct ast_stmt *s = body; s; s = s->next) {
		if (done[s->kind])
			continue;
		done[s->kind] = true;
		switch (s->kind) {
		case AS_KEEP:
		case AS_DROP:
		case AS_BOUND:
		case AS_AMBIENT:
		case AS_INHERIT:
		case AS_SECUREBITS:
		case AS_ARCH: {
			/* every statement of this kind, as one list */
			ind(o, level);
			fprintf(o, "%s: [", kw[s->kind]);
			bool first = true;
			for (const struct ast_stmt *t = s; t; t = t->next) {
				if (t->kind != s->kind)
					continue;
				for (size_t i = 0; i < t->names.n; i++) {
					char buf[256];
					snprintf(buf, sizeof buf, "%s%s", t->names.v[i].is_group ? "@" : "", t->names.v[i].text);
					fputs(first ? "" : ", ", o);
					scalar(o, buf);
					first = false;
				}
			}
			fputs("]\n", o);
			break;
		}
		case AS_USER:
		case AS_GROUP:
			ind(o, level);
			fputs(s->kind == AS_USER ? "user: " : "group: ", o);
			id(o, &s->id);
			fputc('\n', o);
			break;
		case AS_GROUPS:
			ind(o, level);
			fputs("groups: [", o);
			for (size_t i = 0; i < s->ids.n; i++) {
				fputs(i ? ", " : "", o);
				id(o, &s->ids.v[i]);
			}
			fputs("]\n", o);
			break;
		case AS_NNP:
			ind(o, level);
			fputs("no_new_privs: true\n", o);
			break;
		case AS_LOCK:
			ind(o, level);
			fputs("lock: true\n", o);
			break;
		case AS_SECCOMP:
			seccomp(o, s, level);
			break;
		case AS_POINT:
			ind(o, level);
			fputs("points:\n", o);
			for (const struct ast_stmt *t = s; t; t = t->next)
				if (t->kind == AS_POINT) {
					ind(o, level + 1);
					fprintf(o, "%s: %s\n", t->point.text, t->trigger.text);
				}
			break;
		case AS_AFTER:
			ind(o, level);
			fputs("after:\n", o);
			for (const struct ast_stmt *t = s; t; t = t->next)
				if (t->kind == AS_AFTER) {
					ind(o, level + 1);
					fprintf(o, "%s:\n", t->point.text);
					stmts(o, t->body, level + 2);
				}
			break;
		case AS_RULE_USER:
		case AS_RULE_GROUP:
		case AS_RULE_DEFAULT:
			done[AS_RULE_USER] = done[AS_RULE_GROUP] = done[AS_RULE_DEFAULT] = true;
			ind(o, level);
			fputs("rules:\n", o);
			for (const struct ast_stmt *t = s; t; t = t->next) {
				if (t->kind != AS_RULE_USER && t->kind != AS_RULE_GROUP && t->kind != AS_RULE_DEFAULT)
					continue;
				ind(o, level + 1);
				if (t->kind == AS_RULE_DEFAULT) {
					fputs("- default:\n", o);
					stmts(o, t->body, level + 3);
				} else {
					fputs(t->kind == AS_RULE_USER ? "- user: " : "- group: ", o);
					id(o, &t->id);
					fputc('\n', o);
					stmts(o, t->body, level + 2);
				}
			}
			break;
		}
	}
}

void yaml_print(const struct ast_unit *u, FILE *o)
{
	bool first = true;
	for (const struct ast_decl *d = u->decls; d; d = d->next) {
		if (!first)
			fputs("---\n", o);
		first = false;
		if (d->kind == AD_DEFINE) {
			fputs("define:\n  ", o);
			fprintf(o, "%s: ", d->name.text);
			name_list(o, d->items.v, d->items.n);
			fputc('\n', o);
			continue;
		}
		fprintf(o, "%s: %s\n", d->kind == AD_SERVICE ? "service" : "session", d->name.text);
		stmts(o, d->body, 0);
	}
}
