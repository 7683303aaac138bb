/* ast.c - the syntax tree: parse driver, includes, constructors used by
 * grammar/parser.y, syntax error messages, the printer and the destructor.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "diag.h"
#include "include.h"
#include "parser.h"
#include "lexer.h"
#include "xalloc.h"

/* Like a C compiler's error limit: past it, more messages only bury the
 * first ones (and hostile input could print without end). */
#define MAX_ERRORS 100

/* What the main file and the files it includes share. */
struct parse_shared {
	struct ast_decl *head, **tail;
	struct include_stack inc;
	unsigned errors;
	bool stop;
};

/* ---------------------------------------------------------------- memory */

/* Arrays that only grow: full exactly when n is 0 or a power of two. */
static void *grow(void *v, size_t n, size_t size)
{
	if (n & (n - 1))
		return v;
	return xreallocarray(v, n ? 2 * n : 1, size);
}

/* ---------------------------------------------------------------- constructors */

struct ast_name parse_name(char *text, bool is_group, const struct loc *at)
{
	return (struct ast_name){ .text = text, .is_group = is_group, .loc = *at };
}

struct ast_name parse_name_dup(const char *text, const struct loc *at)
{
	return parse_name(xstrdup(text), false, at);
}

void parse_names_push(struct ast_names *names, struct ast_name name)
{
	names->v = grow(names->v, names->n, sizeof *names->v);
	names->v[names->n++] = name;
}

void parse_ids_push(struct ast_ids *ids, struct ast_id id)
{
	ids->v = grow(ids->v, ids->n, sizeof *ids->v);
	ids->v[ids->n++] = id;
}

void parse_targets_push(struct ptargets *t, struct ast_target target)
{
	t->v = grow(t->v, t->n, sizeof *t->v);
	t->v[t->n++] = target;
}

void parse_vals_push(struct pvals *vals, struct pval v)
{
	vals->v = grow(vals->v, vals->n, sizeof *vals->v);
	vals->v[vals->n++] = v.v;
	if (v.depth > vals->depth)
		vals->depth = v.depth;
}

void parse_stmts_push(struct pstmts *list, struct ast_stmt *s)
{
	if (list->tail)
		list->tail->next = s;
	else
		list->head = s;
	list->tail = s;
}

void parse_scs_push(struct pscs *list, struct ast_sc_stmt *s)
{
	if (list->tail)
		list->tail->next = s;
	else
		list->head = s;
	list->tail = s;
}

struct ast_id parse_id_name(struct ast_name name)
{
	return (struct ast_id){ .numeric = false, .name = name.text, .loc = name.loc };
}

struct ast_id parse_id_num(uint64_t num, const struct loc *at)
{
	return (struct ast_id){ .numeric = true, .num = num, .loc = *at };
}

struct ast_value *parse_value(enum ast_value_kind kind, const struct loc *at, struct ast_value *l, struct ast_value *r)
{
	struct ast_value *v = xcalloc(1, sizeof *v);
	v->kind = kind;
	v->loc = *at;
	v->l = l;
	v->r = r;
	return v;
}

struct ast_cond *parse_cond(enum ast_cond_kind kind, const struct loc *at, struct ast_cond *l, struct ast_cond *r)
{
	struct ast_cond *c = xcalloc(1, sizeof *c);
	c->kind = kind;
	c->loc = *at;
	c->l = l;
	c->r = r;
	return c;
}

struct ast_cond *parse_cmp(struct ast_name arg, struct ast_value *mask, enum ast_cmp_op op, struct ast_value *rhs)
{
	struct ast_cond *c = parse_cond(AC_CMP, &arg.loc, NULL, NULL);
	c->arg = arg;
	c->mask = mask;
	c->op = op;
	c->rhs = rhs;
	return c;
}

struct ast_cond *parse_in(struct ast_name arg, struct ast_value *mask, bool negated, struct pvals set)
{
	struct ast_cond *c = parse_cond(AC_IN, &arg.loc, NULL, NULL);
	c->arg = arg;
	c->mask = mask;
	c->negated = negated;
	c->set = set.v;
	c->nset = set.n;
	return c;
}

struct ast_action parse_action(enum ast_action_kind kind, const struct loc *at, struct ast_value *errno_val)
{
	return (struct ast_action){ .kind = kind, .errno_val = errno_val, .loc = *at };
}

struct ast_sc_stmt *parse_sc(enum ast_sc_kind kind, const struct loc *at, struct ast_action action, struct ptargets targets)
{
	struct ast_sc_stmt *s = xcalloc(1, sizeof *s);
	s->kind = kind;
	s->loc = *at;
	s->action = action;
	s->targets = targets.v;
	s->ntargets = targets.n;
	return s;
}

struct ast_sc_stmt *parse_expect(const struct loc *at, struct ast_name name, struct ast_value **args, size_t nargs,
				 struct ast_action action)
{
	struct ast_sc_stmt *s = xcalloc(1, sizeof *s);
	s->kind = SC_EXPECT;
	s->loc = *at;
	s->action = action;
	s->targets = xcalloc(1, sizeof *s->targets);
	s->targets[0].name = name;
	s->ntargets = 1;
	s->args = args;
	s->nargs = nargs;
	return s;
}

struct ast_stmt *parse_stmt(enum ast_stmt_kind kind, const struct loc *at)
{
	struct ast_stmt *s = xcalloc(1, sizeof *s);
	s->kind = kind;
	s->loc = *at;
	return s;
}

struct ast_stmt *parse_stmt_names(enum ast_stmt_kind kind, const struct loc *at, struct ast_names names)
{
	struct ast_stmt *s = parse_stmt(kind, at);
	s->names = names;
	return s;
}

struct ast_stmt *parse_stmt_id(enum ast_stmt_kind kind, const struct loc *at, struct ast_id id)
{
	struct ast_stmt *s = parse_stmt(kind, at);
	s->id = id;
	return s;
}

/* `service NAME STMT [after POINT]` is `service NAME { [after POINT {]
 * STMT no_new_privs [}] }`: a one-line policy promises that the program
 * never gains privileges again. The implicit no_new_privs points at STMT
 * (and is not doubled when STMT is no_new_privs itself). */
struct pbody parse_oneliner(struct ast_stmt *s, const struct loc *after_at, struct ast_name *point)
{
	struct pbody b = { .head = s, .oneliner = true };
	if (s->kind != AS_NNP)
		s->next = parse_stmt(AS_NNP, &s->loc);
	if (point) {
		struct ast_stmt *a = parse_stmt(AS_AFTER, after_at);
		a->point = *point;
		a->body = s;
		b.head = a;
	}
	return b;
}

struct ast_decl *parse_decl(enum ast_decl_kind kind, const struct loc *at, struct ast_name name)
{
	struct ast_decl *d = xcalloc(1, sizeof *d);
	d->kind = kind;
	d->loc = *at;
	d->name = name;
	return d;
}

/* ---------------------------------------------------------------- destructors */

void parse_free_name(struct ast_name *n)
{
	free(n->text);
	n->text = NULL;
}

void parse_free_names(struct ast_names *n)
{
	for (size_t i = 0; i < n->n; i++)
		free(n->v[i].text);
	free(n->v);
	*n = (struct ast_names){ 0 };
}

void parse_free_id(struct ast_id *id)
{
	free(id->name);
	id->name = NULL;
}

void parse_free_ids(struct ast_ids *ids)
{
	for (size_t i = 0; i < ids->n; i++)
		free(ids->v[i].name);
	free(ids->v);
	*ids = (struct ast_ids){ 0 };
}

/* Recursive, but trees are at most PARSE_MAX_DEPTH deep. */
void parse_free_value(struct ast_value *v)
{
	if (!v)
		return;
	free(v->ident);
	parse_free_value(v->l);
	parse_free_value(v->r);
	free(v);
}

void parse_free_vals(struct pvals *vals)
{
	for (size_t i = 0; i < vals->n; i++)
		parse_free_value(vals->v[i]);
	free(vals->v);
	*vals = (struct pvals){ 0 };
}

void parse_free_cond(struct ast_cond *c)
{
	if (!c)
		return;
	free(c->arg.text);
	parse_free_value(c->mask);
	parse_free_value(c->rhs);
	for (size_t i = 0; i < c->nset; i++)
		parse_free_value(c->set[i]);
	free(c->set);
	parse_free_cond(c->l);
	parse_free_cond(c->r);
	free(c);
}

void parse_free_targets(struct ptargets *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].name.text);
		parse_free_cond(t->v[i].cond);
	}
	free(t->v);
	*t = (struct ptargets){ 0 };
}

void parse_free_scs(struct ast_sc_stmt *s)
{
	while (s) {
		struct ast_sc_stmt *next = s->next;
		struct ptargets t = { s->targets, s->ntargets };
		parse_free_targets(&t);
		parse_free_value(s->action.errno_val);
		for (size_t i = 0; i < s->nargs; i++)
			parse_free_value(s->args[i]);
		free(s->args);
		free(s);
		s = next;
	}
}

void parse_free_stmts(struct ast_stmt *s)
{
	while (s) {
		struct ast_stmt *next = s->next;
		parse_free_names(&s->names);
		free(s->id.name);
		parse_free_ids(&s->ids);
		free(s->point.text);
		free(s->trigger.text);
		parse_free_scs(s->seccomp);
		parse_free_stmts(s->body); /* bodies hold no bodies: depth 2 */
		free(s);
		s = next;
	}
}

void parse_free_decls(struct ast_decl *d)
{
	while (d) {
		struct ast_decl *next = d->next;
		free(d->name.text);
		parse_free_stmts(d->body);
		parse_free_names(&d->items);
		free(d);
		d = next;
	}
}

void ast_free_unit(struct ast_unit *u)
{
	if (!u)
		return;
	parse_free_decls(u->decls);
	free(u);
}

/* ---------------------------------------------------------------- errors */

bool parse_stopped(const struct parse_ctx *ctx)
{
	return ctx->sh->stop;
}

void parse_error(struct parse_ctx *ctx, const struct loc *at, const char *fmt, ...)
{
	struct parse_shared *sh = ctx->sh;
	va_list ap;

	if (sh->stop)
		return;
	va_start(ap, fmt);
	diag_verror(at, fmt, ap);
	va_end(ap);
	if (++sh->errors >= MAX_ERRORS) {
		diag_note(NULL, "too many errors (%d); stopping", MAX_ERRORS);
		sh->stop = true;
	}
}

bool parse_too_deep(struct parse_ctx *ctx, int depth, const struct loc *at)
{
	if (depth <= PARSE_MAX_DEPTH)
		return false;
	parse_error(ctx, at, "expression too complex: more than %d operators deep", PARSE_MAX_DEPTH);
	return true;
}

bool parse_nest_in(struct parse_ctx *ctx, const struct loc *at)
{
	if (++ctx->nest <= PARSE_MAX_DEPTH)
		return true;
	parse_error(ctx, at, "expression nested too deeply: more than %d levels of parentheses and unary operators",
		    PARSE_MAX_DEPTH);
	return false;
}

void parse_block_open(struct parse_ctx *ctx, const struct loc *at)
{
	if (ctx->blocks < PARSE_MAX_BLOCKS)
		ctx->block_open[ctx->blocks] = *at;
	ctx->blocks++;
}

static void note_open_block(const struct parse_ctx *ctx)
{
	if (ctx->blocks > 0 && ctx->blocks <= PARSE_MAX_BLOCKS)
		diag_note(&ctx->block_open[ctx->blocks - 1], "to match this '{'");
}

static const char *tok_text(int tok);

void parse_block_close(struct parse_ctx *ctx)
{
	/* A '}' made up by the scanner in front of a declaration keyword: the
	 * block was not closed. One message per missing run of '}'. */
	if (ctx->synthetic && !ctx->missing_reported && !ctx->sh->stop) {
		parse_error(ctx, &ctx->pending_loc, "expected '}' before '%s'", tok_text(ctx->pending_tok));
		note_open_block(ctx);
		ctx->missing_reported = true;
	}
	if (ctx->blocks > 0)
		ctx->blocks--;
}

/* ---------------------------------------------------------------- syntax error messages */

static const struct {
	int tok;
	const char *text;
} tokens[] = {
	{ T_SERVICE, "service" }, { T_SESSION, "session" }, { T_DEFINE, "define" }, { T_INCLUDE, "include" },
	{ T_AFTER, "after" }, { T_POINT, "point" }, { T_ON, "on" },
	{ T_KEEP, "keep" }, { T_DROP, "drop" }, { T_BOUND, "bound" }, { T_AMBIENT, "ambient" },
	{ T_INHERIT, "inherit" }, { T_USER, "user" }, { T_GROUP, "group" }, { T_GROUPS, "groups" },
	{ T_NNP, "no_new_privs" }, { T_LOCK, "lock" }, { T_SECUREBITS, "securebits" },
	{ T_SECCOMP, "seccomp" }, { T_ARCH, "arch" }, { T_DEFAULT, "default" }, { T_ALLOW, "allow" },
	{ T_DENY, "deny" }, { T_ERRNO, "errno" }, { T_KILL, "kill" }, { T_TRAP, "trap" }, { T_LOG, "log" },
	{ T_PROCESS, "process" }, { T_THREAD, "thread" }, { T_IN, "in" }, { T_NOT, "not" },
	{ T_EQ, "==" }, { T_NE, "!=" }, { T_LE, "<=" }, { T_GE, ">=" }, { T_ANDAND, "&&" }, { T_OROR, "||" },
	{ '-', "-" }, { '(', "(" }, { ')', ")" }, { '{', "{" }, { '}', "}" }, { ',', "," }, { '=', "=" },
	{ ';', ";" }, { '<', "<" }, { '>', ">" }, { '!', "!" }, { '&', "&" }, { '|', "|" }, { '~', "~" },
};

static const char *tok_text(int tok)
{
	for (size_t i = 0; i < sizeof tokens / sizeof tokens[0]; i++)
		if (tokens[i].tok == tok)
			return tokens[i].text;
	return NULL;
}

static bool is_keyword(int tok)
{
	return tok >= T_SERVICE && tok <= T_NOT;
}

/* The source text of a token (at most `max` bytes of it). */
static int loc_text(const struct loc *at, const char **text, int max)
{
	const struct src_file *f = at->file;
	if (!f || at->line < 1 || (size_t)at->line > f->line_count || at->col < 1 || at->len < 1)
		return 0;
	size_t off = f->line_start[at->line - 1] + (size_t)at->col - 1;
	if (off >= f->len)
		return 0;
	size_t len = (size_t)at->len;
	if (len > f->len - off)
		len = f->len - off;
	*text = f->text + off;
	return (int)(len < (size_t)max ? len : (size_t)max);
}

/* "name 'foo'", "number '5'", "'keep'", "end of file". */
static void describe_token(const struct parse_ctx *ctx, int tok, const struct loc *at, char *buf, size_t size)
{
	const char *kind = NULL;
	const char *text = "";
	int len;

	if (tok == 0) {
		snprintf(buf, size, "%s", ctx->end_name ? ctx->end_name : "end of file");
		return;
	}
	if (tok == '}' && ctx->synthetic)
		tok = ctx->pending_tok;
	if (tok_text(tok)) {
		snprintf(buf, size, "'%s'", tok_text(tok));
		return;
	}
	switch (tok) {
	case T_NAME: kind = "name"; break;
	case T_NUMBER: kind = "number"; break;
	case T_STRING: kind = "string"; break;
	case T_GROUPREF: kind = "group"; break;
	default: kind = "token"; break;
	}
	len = loc_text(at, &text, 40);
	if (tok == T_STRING)
		snprintf(buf, size, "%s %.*s%s", kind, len, text, len < at->len ? "..." : "");
	else
		snprintf(buf, size, "%s '%.*s%s'", kind, len, text, len < at->len ? "..." : "");
}

/* The lookahead is the last token the scanner read, unless it is a '}'
 * made up for a missing one (those are not recorded): then the token
 * before it is the last one recorded. */
static int before_lookahead(const struct parse_ctx *ctx, const struct loc **at)
{
	*at = ctx->synthetic ? &ctx->cur_loc : &ctx->prev_loc;
	return ctx->synthetic ? ctx->cur_tok : ctx->prev_tok;
}

/* What a name means after the keyword that introduced it. */
static const char *name_meaning(const struct parse_ctx *ctx, bool group, bool number)
{
	switch (ctx->synthetic ? ctx->name_context : ctx->prev_name_context) {
	case T_KEEP: case T_DROP: case T_BOUND: case T_AMBIENT: case T_INHERIT:
		return "a capability name";
	case T_SECUREBITS:
		return "a securebit name";
	case T_ARCH:
		return "an architecture name";
	case T_USER:
		return number ? "a user name or number" : "a user name";
	case T_GROUP: case T_GROUPS:
		return number ? "a group name or number" : "a group name";
	case T_ALLOW: case T_DENY: case T_KILL: case T_TRAP: case T_LOG: case T_PROCESS: case T_THREAD:
		return group ? "a syscall name or @group" : "a syscall name";
	case T_ERRNO:
		return number ? "an errno name or number" : "an errno name";
	case T_SERVICE:
		return "a service name";
	case T_SESSION:
		return "a session name";
	case T_DEFINE:
		return "a name to define";
	case '=':
		return group ? "a name or @group" : "a name";
	case T_AFTER: case T_POINT:
		return "a point name";
	case T_ON:
		return "a trigger name";
	default:
		if (group)
			return "a name or @group";
		return number ? "a name or number" : "a name";
	}
}

#define TOKEN_SLOTS 512
_Static_assert(T_OROR < TOKEN_SLOTS && T_NOT < TOKEN_SLOTS, "token kinds must fit in TOKEN_SLOTS");
#define MAX_LISTED 6

struct expect_list {
	const char *item[MAX_LISTED];
	bool quote[MAX_LISTED];
	int n;
	bool overflow;
};

static void expect_add(struct expect_list *l, const char *text, bool quote)
{
	if (l->n == MAX_LISTED) {
		l->overflow = true;
		return;
	}
	l->item[l->n] = text;
	l->quote[l->n] = quote;
	l->n++;
}

/* Fold the expected tokens into what a reader thinks of ("a statement",
 * "a capability name") and list the rest. */
static void describe_expected(const struct parse_ctx *ctx, bool *has, struct expect_list *l)
{
	static const int stmt_kw[] = { T_KEEP, T_DROP, T_BOUND, T_AMBIENT, T_INHERIT, T_USER, T_GROUP, T_GROUPS,
				       T_NNP, T_LOCK, T_SECUREBITS, T_SECCOMP, T_AFTER, T_POINT, T_ARCH };
	static const int relops[] = { T_EQ, T_NE, '<', T_LE, '>', T_GE };

	has[';'] = false; /* always allowed between statements: noise */
	if (has['~']) {
		expect_add(l, "a value", false);
		has['-'] = has['~'] = has['('] = has[T_NUMBER] = has[T_NAME] = false;
	}
	if (has['!']) {
		expect_add(l, "a condition", false);
		has['!'] = has['('] = has[T_NAME] = has[T_KILL] = has[T_SECCOMP] = false;
	}
	if (has[T_NAME]) {
		bool group = has[T_GROUPREF], number = has[T_NUMBER];
		expect_add(l, name_meaning(ctx, group, number), false);
		has[T_NAME] = has[T_KILL] = has[T_SECCOMP] = has[T_GROUPREF] = has[T_NUMBER] = false;
	}
	if (has[T_SERVICE]) {
		expect_add(l, "a declaration (service, session, define or include)", false);
		has[T_SERVICE] = has[T_SESSION] = has[T_DEFINE] = has[T_INCLUDE] = false;
	}
	if (has[T_USER] && has[T_DEFAULT] && !has[T_KEEP]) {
		expect_add(l, "a session rule (user, group or default)", false);
		has[T_USER] = has[T_GROUP] = has[T_DEFAULT] = false;
	}
	if (has[T_KEEP]) {
		expect_add(l, "a statement", false);
		for (size_t i = 0; i < sizeof stmt_kw / sizeof stmt_kw[0]; i++)
			has[stmt_kw[i]] = false;
	}
	if (has[T_TRAP] && has[T_DEFAULT]) {
		expect_add(l, "a seccomp rule (allow, deny, kill, trap, log or default)", false);
		has[T_DEFAULT] = has[T_ALLOW] = has[T_DENY] = has[T_KILL] = has[T_TRAP] = has[T_LOG] = false;
	} else if (has[T_TRAP] && has[T_ERRNO]) {
		expect_add(l, "an action (allow, deny, errno, kill, trap or log)", false);
		has[T_ALLOW] = has[T_DENY] = has[T_ERRNO] = has[T_KILL] = has[T_TRAP] = has[T_LOG] = false;
	}
	if (has[T_EQ]) {
		expect_add(l, "a comparison operator", false);
		for (size_t i = 0; i < sizeof relops / sizeof relops[0]; i++)
			has[relops[i]] = false;
	}
	for (int t = 1; t < TOKEN_SLOTS; t++) {
		if (!has[t])
			continue;
		if (tok_text(t))
			expect_add(l, tok_text(t), true);
		else if (t == T_NUMBER)
			expect_add(l, "a number", false);
		else if (t == T_STRING)
			expect_add(l, "a file name in quotes", false);
		else if (t == T_GROUPREF)
			expect_add(l, "a @group", false);
		else if (t == T_NAME)
			expect_add(l, "a name", false);
	}
	if (has[0])
		expect_add(l, ctx->end_name ? ctx->end_name : "end of file", false);
}

static void print_expected(char *buf, size_t size, const struct expect_list *l)
{
	size_t n = strlen(buf);
	for (int i = 0; i < l->n && n < size; i++) {
		const char *sep = i == 0 ? "" : i == l->n - 1 ? " or " : ", ";
		const char *q = l->quote[i] ? "'" : "";
		n += (size_t)snprintf(buf + n, size - n, "%s%s%s%s", sep, q, l->item[i], q);
	}
}

void parse_syntax_error(struct parse_ctx *ctx, int tok, const struct loc *at, const int *expected, int nexpected)
{
	bool has[TOKEN_SLOTS] = { false };
	const char *kw[64];
	size_t nkw = 0;
	struct expect_list l = { .n = 0 };
	char what[96], msg[512];

	/* The scanner has already complained about this token. */
	if (ctx->tok_error && !ctx->synthetic)
		return;
	/* The run of '}' for a missing one is reported once. */
	if (tok == '}' && ctx->synthetic) {
		if (ctx->missing_reported)
			return;
		ctx->missing_reported = true;
	}
	for (int i = 0; i < nexpected; i++) {
		if (expected[i] < 0 || expected[i] >= TOKEN_SLOTS)
			continue;
		has[expected[i]] = true;
		if (is_keyword(expected[i]) && nkw < sizeof kw / sizeof kw[0] - 1)
			kw[nkw++] = tok_text(expected[i]);
	}
	kw[nkw] = NULL;
	describe_expected(ctx, has, &l);
	describe_token(ctx, tok, at, what, sizeof what);

	const struct loc *prev_at;
	if (tok != 0 && l.n == 1 && l.quote[0] && before_lookahead(ctx, &prev_at) > 0) {
		/* One possible token: say where it belongs. */
		const char *prev = "";
		int len = loc_text(prev_at, &prev, 40);
		snprintf(msg, sizeof msg, "expected '%s' after '%.*s'", l.item[0], len, prev);
	} else {
		snprintf(msg, sizeof msg, "unexpected %s", what);
		if (l.n > 0 && !l.overflow) {
			strncat(msg, ", expecting ", sizeof msg - strlen(msg) - 1);
			print_expected(msg, sizeof msg, &l);
		}
	}
	if (tok == T_NAME && nkw > 0) {
		char word[65];
		const char *text = "";
		int len = loc_text(at, &text, 64);
		snprintf(word, sizeof word, "%.*s", len, text);
		const char *s = diag_suggest_list(word, kw);
		if (s) {
			size_t n = strlen(msg);
			snprintf(msg + n, sizeof msg - n, "; did you mean '%s'?", s);
		}
	}
	parse_error(ctx, at, "%s", msg);
	if (tok == 0 && !ctx->sh->stop)
		note_open_block(ctx);
}

/* ---------------------------------------------------------------- files and includes */

static void parse_source(struct parse_shared *sh, struct src_file *file);

void parse_add_decl(struct parse_ctx *ctx, struct ast_decl *d)
{
	*ctx->sh->tail = d;
	ctx->sh->tail = &d->next;
}

void parse_include(struct parse_ctx *ctx, const char *path, const struct loc *at)
{
	char *full, *why;

	if (!path)
		return; /* malformed string, already reported */
	why = include_check(&ctx->sh->inc, ctx->file->path, path, &full);
	if (why) {
		parse_error(ctx, at, "%s", why);
		free(why);
		return;
	}
	/* diag reports an unreadable file at the include. */
	struct src_file *f = diag_load_file(full, at);
	free(full);
	if (f)
		parse_source(ctx->sh, f);
}

static void parse_source(struct parse_shared *sh, struct src_file *file)
{
	struct parse_ctx ctx = { .file = file, .sh = sh, .line = 1, .col = 1 };
	yyscan_t scanner;

	ctx.end = (struct loc){ .file = file, .line = 1, .col = 1, .len = 1 };
	if (file->len > INT_MAX / 2) {
		diag_error(&ctx.end, "file too large");
		return;
	}
	include_push(&sh->inc, file->path);
	if (yylex_init_extra(&ctx, &scanner) != 0)
		xalloc_die();
	yy_scan_bytes(file->text, (int)file->len, scanner);
	yyparse(scanner, &ctx);
	yylex_destroy(scanner);
	include_pop(&sh->inc);
}

struct ast_unit *ast_parse_file(struct src_file *file)
{
	struct parse_shared sh = { .head = NULL };
	unsigned errors = diag_error_count();

	if (!file)
		return NULL;
	sh.tail = &sh.head;
	parse_source(&sh, file);
	if (!sh.head && diag_error_count() != errors)
		return NULL;
	struct ast_unit *u = xcalloc(1, sizeof *u);
	u->decls = sh.head;
	return u;
}

/* A fragment of .cap text that lives in another file (a YAML value): the
 * grammar's second and third start symbols, scanned as if the text began
 * at line:col of `file`. The parser leaves its result in the context. */
static bool parse_fragment(struct parse_ctx *ctx, const char *text, size_t len)
{
	struct parse_shared sh = { .head = NULL };
	yyscan_t scanner;
	int rc;

	sh.tail = &sh.head;
	ctx->sh = &sh;
	ctx->end = (struct loc){ .file = ctx->file, .line = ctx->line, .col = ctx->col, .len = 1 };
	if (len > INT_MAX / 2) {
		diag_error(&ctx->end, "%s too long", ctx->start_tok == T_START_COND ? "condition" : "expectation");
		return false;
	}
	if (yylex_init_extra(ctx, &scanner) != 0)
		xalloc_die();
	yy_scan_bytes(text, (int)len, scanner);
	rc = yyparse(scanner, ctx);
	yylex_destroy(scanner);
	/* The scanner may have reported a bad token the parser could use. */
	return rc == 0 && !sh.errors;
}

struct ast_cond *ast_parse_cond_text(struct src_file *file, const char *text, size_t len, int line, int col)
{
	struct parse_ctx ctx = { .file = file, .line = line, .col = col, .start_tok = T_START_COND,
				 .end_name = "end of the condition" };

	if (!parse_fragment(&ctx, text, len)) {
		parse_free_cond(ctx.cond);
		return NULL;
	}
	return ctx.cond;
}

struct ast_sc_stmt *ast_parse_expect_text(struct src_file *file, const char *text, size_t len, int line, int col)
{
	struct parse_ctx ctx = { .file = file, .line = line, .col = col, .start_tok = T_START_EXPECT,
				 .end_name = "end of the expectation" };

	if (!parse_fragment(&ctx, text, len)) {
		parse_free_scs(ctx.expect);
		return NULL;
	}
	return ctx.expect;
}

/* ---------------------------------------------------------------- printer */

/* Stable S-expressions for tests and `capc --ast`: one declaration or
 * statement per line, children indented by two spaces, closing parentheses
 * on the last line. Numbers are printed in decimal, groups with '@'.
 *
 *   (service NAME [:oneliner] STMT...)   (session NAME RULE...)   (define NAME ITEM...)
 *   (keep|drop|bound|ambient|inherit|securebits|arch NAME...)   (user ID)   (group ID)
 *   (groups ID...)   (no_new_privs)   (lock)   (after POINT STMT...)   (point POINT on TRIGGER)
 *   (rule-user ID STMT...)   (rule-group ID STMT...)   (rule-default STMT...)
 *   (seccomp (default ACTION) (rule ACTION TARGET...) (expect ACTION NAME (VALUE...)) ...)
 *   ACTION: allow | deny | (deny VALUE) | kill-process | kill-thread | trap | log
 *   TARGET: NAME | @GROUP | (NAME COND)
 *   COND:   (|| C C) (&& C C) (! C) (OP ARG VALUE) (in ARG VALUE...) (not-in ARG VALUE...)
 *           with ARG = NAME or (& NAME VALUE), OP one of == != < <= > >=
 *   VALUE:  NUMBER | NAME | (| V V) | (- V) | (~ V)
 */

static void indent(FILE *o, int level)
{
	fputc('\n', o);
	for (int i = 0; i < level; i++)
		fputs("  ", o);
}

static void print_value(FILE *o, const struct ast_value *v)
{
	switch (v->kind) {
	case AV_NUM:
		fprintf(o, "%" PRIu64, v->num);
		break;
	case AV_IDENT:
		fputs(v->ident, o);
		break;
	case AV_OR:
		fputs("(| ", o);
		print_value(o, v->l);
		fputc(' ', o);
		print_value(o, v->r);
		fputc(')', o);
		break;
	case AV_NEG:
	case AV_COMPL:
		fputs(v->kind == AV_NEG ? "(- " : "(~ ", o);
		print_value(o, v->l);
		fputc(')', o);
		break;
	}
}

static const char *const cmp_ops[] = {
	[OP_EQ] = "==", [OP_NE] = "!=", [OP_LT] = "<", [OP_LE] = "<=", [OP_GT] = ">", [OP_GE] = ">=",
};

static void print_arg(FILE *o, const struct ast_cond *c)
{
	if (!c->mask) {
		fputs(c->arg.text, o);
		return;
	}
	fprintf(o, "(& %s ", c->arg.text);
	print_value(o, c->mask);
	fputc(')', o);
}

static void print_cond(FILE *o, const struct ast_cond *c)
{
	switch (c->kind) {
	case AC_OR:
	case AC_AND:
		fputs(c->kind == AC_OR ? "(|| " : "(&& ", o);
		print_cond(o, c->l);
		fputc(' ', o);
		print_cond(o, c->r);
		fputc(')', o);
		break;
	case AC_NOT:
		fputs("(! ", o);
		print_cond(o, c->l);
		fputc(')', o);
		break;
	case AC_CMP:
		fprintf(o, "(%s ", cmp_ops[c->op]);
		print_arg(o, c);
		fputc(' ', o);
		print_value(o, c->rhs);
		fputc(')', o);
		break;
	case AC_IN:
		fputs(c->negated ? "(not-in " : "(in ", o);
		print_arg(o, c);
		for (size_t i = 0; i < c->nset; i++) {
			fputc(' ', o);
			print_value(o, c->set[i]);
		}
		fputc(')', o);
		break;
	}
}

static void print_action(FILE *o, const struct ast_action *a)
{
	switch (a->kind) {
	case AA_ALLOW:
		fputs("allow", o);
		break;
	case AA_ERRNO:
		if (!a->errno_val) {
			fputs("deny", o);
			break;
		}
		fputs("(deny ", o);
		print_value(o, a->errno_val);
		fputc(')', o);
		break;
	case AA_KILL_PROCESS:
		fputs("kill-process", o);
		break;
	case AA_KILL_THREAD:
		fputs("kill-thread", o);
		break;
	case AA_TRAP:
		fputs("trap", o);
		break;
	case AA_LOG:
		fputs("log", o);
		break;
	}
}

static void print_name(FILE *o, const struct ast_name *n)
{
	fprintf(o, "%s%s", n->is_group ? "@" : "", n->text);
}

static void print_names(FILE *o, const struct ast_names *names)
{
	for (size_t i = 0; i < names->n; i++) {
		fputc(' ', o);
		print_name(o, &names->v[i]);
	}
}

static void print_id(FILE *o, const struct ast_id *id)
{
	if (id->numeric)
		fprintf(o, " %" PRIu64, id->num);
	else
		fprintf(o, " %s", id->name);
}

static void print_seccomp(FILE *o, const struct ast_sc_stmt *s, int level)
{
	for (; s; s = s->next) {
		indent(o, level);
		fputs(s->kind == SC_DEFAULT ? "(default " : s->kind == SC_EXPECT ? "(expect " : "(rule ", o);
		print_action(o, &s->action);
		if (s->kind == SC_EXPECT) {
			fputc(' ', o);
			print_name(o, &s->targets[0].name);
			fputs(" (", o);
			for (size_t i = 0; i < s->nargs; i++) {
				if (i)
					fputc(' ', o);
				print_value(o, s->args[i]);
			}
			fputs("))", o);
			continue;
		}
		for (size_t i = 0; i < s->ntargets; i++) {
			const struct ast_target *t = &s->targets[i];
			fputc(' ', o);
			if (!t->cond) {
				print_name(o, &t->name);
				continue;
			}
			fputc('(', o);
			print_name(o, &t->name);
			fputc(' ', o);
			print_cond(o, t->cond);
			fputc(')', o);
		}
		fputc(')', o);
	}
}

static const char *const stmt_names[] = {
	[AS_KEEP] = "keep", [AS_DROP] = "drop", [AS_BOUND] = "bound", [AS_AMBIENT] = "ambient",
	[AS_INHERIT] = "inherit", [AS_USER] = "user", [AS_GROUP] = "group", [AS_GROUPS] = "groups",
	[AS_NNP] = "no_new_privs", [AS_LOCK] = "lock", [AS_SECUREBITS] = "securebits",
	[AS_SECCOMP] = "seccomp", [AS_AFTER] = "after", [AS_POINT] = "point", [AS_ARCH] = "arch",
	[AS_RULE_USER] = "rule-user", [AS_RULE_GROUP] = "rule-group", [AS_RULE_DEFAULT] = "rule-default",
};

static void print_stmts(FILE *o, const struct ast_stmt *s, int level)
{
	for (; s; s = s->next) {
		indent(o, level);
		fprintf(o, "(%s", stmt_names[s->kind]);
		switch (s->kind) {
		case AS_USER:
		case AS_GROUP:
		case AS_RULE_USER:
		case AS_RULE_GROUP:
			print_id(o, &s->id);
			break;
		case AS_GROUPS:
			for (size_t i = 0; i < s->ids.n; i++)
				print_id(o, &s->ids.v[i]);
			break;
		case AS_AFTER:
			fprintf(o, " %s", s->point.text);
			break;
		case AS_POINT:
			fprintf(o, " %s on %s", s->point.text, s->trigger.text);
			break;
		case AS_SECCOMP:
			print_seccomp(o, s->seccomp, level + 1);
			break;
		default:
			print_names(o, &s->names);
			break;
		}
		print_stmts(o, s->body, level + 1);
		fputc(')', o);
	}
}

void ast_print(const struct ast_unit *u, FILE *out)
{
	if (!u)
		return;
	for (const struct ast_decl *d = u->decls; d; d = d->next) {
		switch (d->kind) {
		case AD_SERVICE:
			fprintf(out, "(service %s%s", d->name.text, d->oneliner ? " :oneliner" : "");
			break;
		case AD_SESSION:
			fprintf(out, "(session %s", d->name.text);
			break;
		case AD_DEFINE:
			fprintf(out, "(define %s", d->name.text);
			print_names(out, &d->items);
			break;
		}
		print_stmts(out, d->body, 1);
		fputs(")\n", out);
	}
}
