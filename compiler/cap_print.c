/* cap_print.c - a syntax tree written back as canonical .cap text
 * (capc --emit cap, capc import).
 *
 * Canonical: one statement a line, four spaces a level, block form (a
 * one-line service is written out), conditions with the parentheses their
 * precedence needs and no more, numbers in decimal below 10 and hex above.
 * Parsing the output gives the same tree (--ast), so a policy from YAML or
 * from a Docker profile becomes a .cap file that compiles to the same
 * bytes; comments are not in the tree and are not kept.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ast.h"
#include "cap_print.h"

static void ind(FILE *o, int level)
{
	for (int i = 0; i < level; i++)
		fputs("    ", o);
}

static void name(FILE *o, const struct ast_name *n)
{
	fprintf(o, "%s%s", n->is_group ? "@" : "", n->text);
}

static void names(FILE *o, const struct ast_names *ns)
{
	for (size_t i = 0; i < ns->n; i++) {
		if (i)
			fputs(", ", o);
		name(o, &ns->v[i]);
	}
}

static void id(FILE *o, const struct ast_id *x)
{
	if (x->numeric)
		fprintf(o, "%" PRIu64, x->num);
	else
		fputs(x->name, o);
}

/* prec: 0 any, 1 an operand of '|', 2 an operand of '-' or '~' */
static void value(FILE *o, const struct ast_value *v, int prec)
{
	switch (v->kind) {
	case AV_NUM:
		if (v->num < 10)
			fprintf(o, "%" PRIu64, v->num);
		else
			fprintf(o, "0x%" PRIx64, v->num);
		break;
	case AV_IDENT:
		fputs(v->ident, o);
		break;
	case AV_OR:
		if (prec > 1)
			fputc('(', o);
		value(o, v->l, 1);
		fputs(" | ", o);
		value(o, v->r, 1);
		if (prec > 1)
			fputc(')', o);
		break;
	case AV_NEG:
	case AV_COMPL:
		fputc(v->kind == AV_NEG ? '-' : '~', o);
		value(o, v->l, 2);
		break;
	}
}

static const char *relop(enum ast_cmp_op op)
{
	static const char *const t[] = { "==", "!=", "<", "<=", ">", ">=" };
	return (unsigned)op < 6 ? t[op] : "==";
}

/* prec: 0 any, 1 an operand of '||', 2 an operand of '&&', 3 of '!' */
static void cond(FILE *o, const struct ast_cond *c, int prec)
{
	switch (c->kind) {
	case AC_OR:
		if (prec > 1)
			fputc('(', o);
		cond(o, c->l, 1);
		fputs(" || ", o);
		cond(o, c->r, 1);
		if (prec > 1)
			fputc(')', o);
		break;
	case AC_AND:
		if (prec > 2)
			fputc('(', o);
		cond(o, c->l, 2);
		fputs(" && ", o);
		cond(o, c->r, 2);
		if (prec > 2)
			fputc(')', o);
		break;
	case AC_NOT:
		fputc('!', o);
		cond(o, c->l, 3);
		break;
	case AC_CMP:
	case AC_IN:
		if (prec > 2)
			fputc('(', o);
		name(o, &c->arg);
		if (c->mask) {
			fputs(" & ", o);
			value(o, c->mask, 2);
		}
		if (c->kind == AC_CMP) {
			fprintf(o, " %s ", relop(c->op));
			value(o, c->rhs, 1);
		} else {
			fputs(c->negated ? " not in {" : " in {", o);
			for (size_t i = 0; i < c->nset; i++) {
				fputs(i ? ", " : "", o);
				value(o, c->set[i], 1);
			}
			fputc('}', o);
		}
		if (prec > 2)
			fputc(')', o);
		break;
	}
}

static void action(FILE *o, const struct ast_action *a)
{
	switch (a->kind) {
	case AA_ALLOW:
		fputs("allow", o);
		break;
	case AA_ERRNO:
		if (a->errno_val) {
			fputs("errno ", o);
			value(o, a->errno_val, 0);
		} else {
			fputs("deny", o);
		}
		break;
	case AA_KILL_PROCESS:
		fputs("kill", o);
		break;
	case AA_KILL_THREAD:
		fputs("kill thread", o);
		break;
	case AA_TRAP:
		fputs("trap", o);
		break;
	case AA_LOG:
		fputs("log", o);
		break;
	}
}

static void targets(FILE *o, const struct ast_sc_stmt *s)
{
	for (size_t i = 0; i < s->ntargets; i++) {
		fputs(i ? ", " : " ", o);
		name(o, &s->targets[i].name);
		if (s->targets[i].cond) {
			fputc('(', o);
			cond(o, s->targets[i].cond, 0);
			fputc(')', o);
		}
	}
}

static void seccomp(FILE *o, const struct ast_sc_stmt *s, int level)
{
	ind(o, level);
	fputs("seccomp {\n", o);
	for (; s; s = s->next) {
		ind(o, level + 1);
		switch (s->kind) {
		case SC_DEFAULT:
			fputs("default ", o);
			action(o, &s->action);
			break;
		case SC_RULE:
			switch (s->action.kind) {
			case AA_ALLOW: fputs("allow", o); break;
			case AA_ERRNO: fputs("deny", o); break;
			case AA_KILL_PROCESS: fputs("kill", o); break;
			case AA_KILL_THREAD: fputs("kill thread", o); break;
			case AA_TRAP: fputs("trap", o); break;
			case AA_LOG: fputs("log", o); break;
			}
			targets(o, s);
			if (s->action.kind == AA_ERRNO && s->action.errno_val) {
				fputs(" errno ", o);
				value(o, s->action.errno_val, 0);
			}
			break;
		case SC_EXPECT:
			fputs("expect ", o);
			cap_print_expect(o, s);
			break;
		}
		fputc('\n', o);
	}
	ind(o, level);
	fputs("}\n", o);
}

static void stmts(FILE *o, const struct ast_stmt *s, int level)
{
	static const char *const kw[] = {
		[AS_KEEP] = "keep", [AS_DROP] = "drop", [AS_BOUND] = "bound", [AS_AMBIENT] = "ambient",
		[AS_INHERIT] = "inherit", [AS_SECUREBITS] = "securebits", [AS_ARCH] = "arch",
	};
	for (; s; s = s->next) {
		switch (s->kind) {
		case AS_KEEP:
		case AS_DROP:
		case AS_BOUND:
		case AS_AMBIENT:
		case AS_INHERIT:
		case AS_SECUREBITS:
		case AS_ARCH:
			ind(o, level);
			fprintf(o, "%s%s", kw[s->kind], s->names.n ? " " : "");
			names(o, &s->names);
			fputc('\n', o);
			break;
		case AS_USER:
		case AS_GROUP:
			ind(o, level);
			fputs(s->kind == AS_USER ? "user " : "group ", o);
			id(o, &s->id);
			fputc('\n', o);
			break;
		case AS_GROUPS:
			ind(o, level);
			fputs("groups", o);
			for (size_t i = 0; i < s->ids.n; i++) {
				fputs(i ? ", " : " ", o);
				id(o, &s->ids.v[i]);
			}
			fputc('\n', o);
			break;
		case AS_NNP:
			ind(o, level);
			fputs("no_new_privs\n", o);
			break;
		case AS_LOCK:
			ind(o, level);
			fputs("lock\n", o);
			break;
		case AS_SECCOMP:
			seccomp(o, s->seccomp, level);
			break;
		case AS_AFTER:
			ind(o, level);
			fprintf(o, "after %s {\n", s->point.text);
			stmts(o, s->body, level + 1);
			ind(o, level);
			fputs("}\n", o);
			break;
		case AS_POINT:
			ind(o, level);
			fprintf(o, "point %s on %s\n", s->point.text, s->trigger.text);
			break;
		case AS_RULE_USER:
		case AS_RULE_GROUP:
		case AS_RULE_DEFAULT:
			ind(o, level);
			fputs(s->kind == AS_RULE_USER ? "user " : s->kind == AS_RULE_GROUP ? "group " : "default", o);
			if (s->kind != AS_RULE_DEFAULT)
				id(o, &s->id);
			fputs(" {\n", o);
			stmts(o, s->body, level + 1);
			ind(o, level);
			fputs("}\n", o);
			break;
		}
	}
}

void cap_print(const struct ast_unit *u, FILE *o)
{
	bool first = true;
	for (const struct ast_decl *d = u->decls; d; d = d->next) {
		if (!first)
			fputc('\n', o);
		first = false;
		switch (d->kind) {
		case AD_DEFINE:
			fprintf(o, "define %s = ", d->name.text);
			names(o, &d->items);
			fputc('\n', o);
			break;
		case AD_SERVICE:
		case AD_SESSION:
			fprintf(o, "%s %s {\n", d->kind == AD_SERVICE ? "service" : "session", d->name.text);
			stmts(o, d->body, 1);
			fputs("}\n", o);
			break;
		}
	}
}

void cap_print_cond(FILE *out, const struct ast_cond *c)
{
	cond(out, c, 0);
}

void cap_print_action(FILE *out, const struct ast_action *a)
{
	action(out, a);
}

void cap_print_expect(FILE *out, const struct ast_sc_stmt *s)
{
	name(out, &s->targets[0].name);
	if (s->nargs) {
		fputc('(', out);
		for (size_t i = 0; i < s->nargs; i++) {
			fputs(i ? ", " : "", out);
			value(out, s->args[i], 0);
		}
		fputc(')', out);
	}
	fputc(' ', out);
	action(out, &s->action);
}
