/* parser.y - the policy grammar (pure bison parser, driven by lexer.l).
 *
 * Builds the tree of compiler/ast.h through the constructors in
 * compiler/ast.c; the actions stay small so that the code that matters is
 * compiled with our warnings (this file's output is built with -w).
 *
 * Error recovery: every block and the top level have an `error` rule, so
 * each broken statement is reported and the parse goes on. `ok` (after
 * every statement keyword) calls yyerrok: once a new statement has started,
 * its errors are worth reporting even if the previous one was broken just
 * before. Doing it in the error rules themselves would loop, because those
 * reduce without looking at the token that failed.
 */
%require "3.8"
%define api.pure full
%define api.token.prefix {T_}
%define api.location.type {struct loc}
%define parse.error custom
%define parse.lac full
%locations
%lex-param {yyscan_t scanner}
%parse-param {yyscan_t scanner} {struct parse_ctx *ctx}

%code requires {
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ast.h"

#ifndef YY_TYPEDEF_YY_SCANNER_T
#define YY_TYPEDEF_YY_SCANNER_T
typedef void *yyscan_t;
#endif

/* Semantic values that are still being built. Expressions carry their
 * depth so that no tree gets deeper than PARSE_MAX_DEPTH: everything that
 * walks them later (free, print, sema) may recurse. */
struct pval {
	struct ast_value *v;
	int depth;
};
struct pcond {
	struct ast_cond *c;
	int depth;
};
struct pvals {
	struct ast_value **v;
	size_t n;
	int depth;
};
struct ptargets {
	struct ast_target *v;
	size_t n;
};
struct pstmts {
	struct ast_stmt *head, *tail;
};
struct pscs {
	struct ast_sc_stmt *head, *tail;
};
struct pbody {
	struct ast_stmt *head;
	bool oneliner;
};

struct parse_shared;

#define PARSE_MAX_DEPTH 100  /* expression depth and nesting */
#define PARSE_MAX_BLOCKS 8   /* blocks nest 3 deep at most (service, after, seccomp) */

/* One file being parsed: the scanner's extra data and the parser's
 * context. Included files get their own; what they share is in
 * parse_shared (ast.c). */
struct parse_ctx {
	struct src_file *file;
	struct parse_shared *sh;
	/* Scanner position: 1-based line and byte column of the next byte. */
	int line, col;
	/* Just past the last real token: where "unexpected end of file" points. */
	struct loc end;
	/* The last two real tokens, for "expected X after 'Y'". */
	int prev_tok, cur_tok;
	struct loc prev_loc, cur_loc;
	/* The last keyword that says what a following name means (keep:
	 * a capability, allow: a syscall, ...), for error messages; and the
	 * one before the last token was read. */
	int name_context, prev_name_context;
	/* Open blocks as the parser sees them (lbrace/rbrace). */
	int blocks;
	struct loc block_open[PARSE_MAX_BLOCKS];
	/* A declaration keyword inside a block means a '}' is missing: the
	 * scanner hands out '}' tokens until the parser has closed its blocks,
	 * then the keyword. */
	int pending_tok;
	struct loc pending_loc;
	int injected;
	bool synthetic;         /* the last token handed out is such a '}' */
	bool tok_error;         /* the scanner reported an error on the last token */
	bool missing_reported;  /* the missing '}' has been reported */
	/* Open '(' and unary operators in the expression being parsed. */
	int nest;
	/* ast_parse_cond_text: the scanner hands out start_tok (START_COND)
	 * first, the parser leaves the condition in cond, and messages call
	 * the end of the input end_name instead of "end of file". */
	int start_tok;
	struct ast_cond *cond;
	struct ast_sc_stmt *expect; /* ast_parse_expect_text (START_EXPECT) */
	const char *end_name;
};

struct ast_name parse_name(char *text, bool is_group, const struct loc *at);
struct ast_name parse_name_dup(const char *text, const struct loc *at);
void parse_names_push(struct ast_names *names, struct ast_name name);
void parse_ids_push(struct ast_ids *ids, struct ast_id id);
void parse_targets_push(struct ptargets *t, struct ast_target target);
void parse_vals_push(struct pvals *vals, struct pval v);
void parse_stmts_push(struct pstmts *list, struct ast_stmt *s);
void parse_scs_push(struct pscs *list, struct ast_sc_stmt *s);
struct ast_id parse_id_name(struct ast_name name);
struct ast_id parse_id_num(uint64_t num, const struct loc *at);

struct ast_value *parse_value(enum ast_value_kind kind, const struct loc *at, struct ast_value *l, struct ast_value *r);
struct ast_cond *parse_cond(enum ast_cond_kind kind, const struct loc *at, struct ast_cond *l, struct ast_cond *r);
struct ast_cond *parse_cmp(struct ast_name arg, struct ast_value *mask, enum ast_cmp_op op, struct ast_value *rhs);
struct ast_cond *parse_in(struct ast_name arg, struct ast_value *mask, bool negated, struct pvals set);
struct ast_action parse_action(enum ast_action_kind kind, const struct loc *at, struct ast_value *errno_val);
struct ast_sc_stmt *parse_sc(enum ast_sc_kind kind, const struct loc *at, struct ast_action action, struct ptargets targets);
struct ast_sc_stmt *parse_expect(const struct loc *at, struct ast_name name, struct ast_value **args, size_t nargs,
				 struct ast_action action);
struct ast_stmt *parse_stmt(enum ast_stmt_kind kind, const struct loc *at);
struct ast_stmt *parse_stmt_names(enum ast_stmt_kind kind, const struct loc *at, struct ast_names names);
struct ast_stmt *parse_stmt_id(enum ast_stmt_kind kind, const struct loc *at, struct ast_id id);
struct pbody parse_oneliner(struct ast_stmt *s, const struct loc *after_at, struct ast_name *point);
struct ast_decl *parse_decl(enum ast_decl_kind kind, const struct loc *at, struct ast_name name);

/* Destructors for values the parser throws away. */
void parse_free_name(struct ast_name *n);
void parse_free_names(struct ast_names *n);
void parse_free_id(struct ast_id *id);
void parse_free_ids(struct ast_ids *ids);
void parse_free_value(struct ast_value *v);
void parse_free_vals(struct pvals *vals);
void parse_free_cond(struct ast_cond *c);
void parse_free_targets(struct ptargets *t);
void parse_free_scs(struct ast_sc_stmt *s);
void parse_free_stmts(struct ast_stmt *s);
void parse_free_decls(struct ast_decl *d);

/* Errors from the scanner and the parser (counted against the limit). */
void parse_error(struct parse_ctx *ctx, const struct loc *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Reports and returns true when an expression would get too deep. */
bool parse_too_deep(struct parse_ctx *ctx, int depth, const struct loc *at);
bool parse_nest_in(struct parse_ctx *ctx, const struct loc *at);
void parse_block_open(struct parse_ctx *ctx, const struct loc *at);
void parse_block_close(struct parse_ctx *ctx);
void parse_syntax_error(struct parse_ctx *ctx, int tok, const struct loc *at, const int *expected, int nexpected);
void parse_add_decl(struct parse_ctx *ctx, struct ast_decl *d);
void parse_include(struct parse_ctx *ctx, const char *path, const struct loc *at);
bool parse_stopped(const struct parse_ctx *ctx);
}

%code provides {
int yylex(YYSTYPE *lval, YYLTYPE *lloc, yyscan_t scanner);
int yyparse(yyscan_t scanner, struct parse_ctx *ctx);
}

%code {
/* A node's location is its first token's. */
#define YYLLOC_DEFAULT(Cur, Rhs, N) \
	do { \
		if (N) \
			(Cur) = YYRHSLOC(Rhs, 1); \
		else \
			(Cur) = YYRHSLOC(Rhs, 0); \
	} while (0)

static void yyerror(const YYLTYPE *loc, yyscan_t scanner, struct parse_ctx *ctx, const char *msg);

static int imax(int a, int b)
{
	return a > b ? a : b;
}
}

%initial-action {
	@$ = (struct loc){ .file = ctx->file, .line = 1, .col = 1, .len = 0 };
}

%union {
	char *str;
	uint64_t num;
	int op;
	struct ast_name name;
	struct ast_names names;
	struct ast_id id;
	struct ast_ids ids;
	struct pval val;
	struct pvals vals;
	struct pcond cond;
	struct ast_target target;
	struct ptargets targets;
	struct ast_action action;
	struct ast_sc_stmt *sc;
	struct pscs scs;
	struct ast_stmt *stmt;
	struct pstmts stmts;
	struct pbody body;
	struct ast_decl *decl;
}

%token <str> NAME "name" GROUPREF "@group" STRING "string"
%token <num> NUMBER "number"
/* Keywords: SERVICE .. NOT in one run (lexer.l and ast.c rely on it). */
%token SERVICE "service" SESSION "session" DEFINE "define" INCLUDE "include"
%token AFTER "after" POINT "point" ON "on"
%token KEEP "keep" DROP "drop" BOUND "bound" AMBIENT "ambient" INHERIT "inherit"
%token USER "user" GROUP "group" GROUPS "groups"
%token NNP "no_new_privs" LOCK "lock" SECUREBITS "securebits" SECCOMP "seccomp" ARCH "arch"
%token DEFAULT "default" ALLOW "allow" DENY "deny" ERRNO "errno" KILL "kill" TRAP "trap" LOG "log"
%token PROCESS "process" THREAD "thread" IN "in" NOT "not" EXPECT "expect"
%token EQ "==" NE "!=" LE "<=" GE ">=" ANDAND "&&" OROR "||"
/* Never in a file: the scanner returns it first when asked for a lone
 * condition (ast_parse_cond_text, for YAML `if:`), selecting the second
 * start of the grammar. */
%token START_COND START_EXPECT

%type <name> name item
%type <names> names items
%type <id> id
%type <ids> ids
%type <val> value vunary errval
%type <vals> vlist
%type <cond> cond and unary cmp
%type <op> relop
%type <target> target
%type <targets> targets
%type <action> action0
%type <sc> sc_stmt expect_tail
%type <scs> sc_stmts
%type <stmt> stmt service_item session_item
%type <stmts> stmts service_items session_items rule_body
%type <body> service_body
%type <decl> decl

%destructor { free($$); } <str>
%destructor { parse_free_name(&$$); } <name>
%destructor { parse_free_names(&$$); } <names>
%destructor { parse_free_id(&$$); } <id>
%destructor { parse_free_ids(&$$); } <ids>
%destructor { parse_free_value($$.v); } <val>
%destructor { parse_free_vals(&$$); } <vals>
%destructor { parse_free_cond($$.c); } <cond>
%destructor { parse_free_name(&$$.name); parse_free_cond($$.cond); } <target>
%destructor { parse_free_targets(&$$); } <targets>
%destructor { parse_free_value($$.errno_val); } <action>
%destructor { parse_free_scs($$); } <sc>
%destructor { parse_free_scs($$.head); } <scs>
%destructor { parse_free_stmts($$); } <stmt>
%destructor { parse_free_stmts($$.head); } <stmts> <body>
%destructor { parse_free_decls($$); } <decl>

%start start

%%

start:
	  file
	| START_COND ok cond		{ ctx->cond = $3.c; }
	| START_EXPECT ok expect_tail	{ ctx->expect = $3; }
	;

file:
	  %empty
	| file decl			{ parse_add_decl(ctx, $2); }
	| file "include" ok STRING	{ parse_include(ctx, $4, &@4); free($4); }
	| file ';'
	| file error
	;

decl:
	  "service" ok name service_body {
		$$ = parse_decl(AD_SERVICE, &@1, $3);
		$$->body = $4.head;
		$$->oneliner = $4.oneliner;
	}
	| "session" ok name lbrace session_items rbrace {
		$$ = parse_decl(AD_SESSION, &@1, $3);
		$$->body = $5.head;
	}
	| "define" ok name '=' items {
		$$ = parse_decl(AD_DEFINE, &@1, $3);
		$$->items = $5;
	}
	;

item:
	  name
	| GROUPREF			{ $$ = parse_name($1, true, &@1); }
	;

items:
	  item				{ $$ = (struct ast_names){ 0 }; parse_names_push(&$$, $1); }
	| items ',' item		{ $$ = $1; parse_names_push(&$$, $3); }
	;

/* The one-line form: `service ping keep net_raw [after POINT]`. */
service_body:
	  lbrace service_items rbrace	{ $$ = (struct pbody){ $2.head, false }; }
	| stmt				{ $$ = parse_oneliner($1, NULL, NULL); }
	| stmt "after" name		{ $$ = parse_oneliner($1, &@2, &$3); }
	;

service_items:
	  %empty			{ $$ = (struct pstmts){ 0 }; }
	| service_items service_item	{ $$ = $1; parse_stmts_push(&$$, $2); }
	| service_items ';'
	| service_items error		{ $$ = $1; }
	;

service_item:
	  stmt
	| "after" ok name lbrace stmts rbrace {
		$$ = parse_stmt(AS_AFTER, &@1);
		$$->point = $3;
		$$->body = $5.head;
	}
	| "point" ok name "on" name {
		$$ = parse_stmt(AS_POINT, &@1);
		$$->point = $3;
		$$->trigger = $5;
	}
	| "arch" ok names		{ $$ = parse_stmt_names(AS_ARCH, &@1, $3); }
	;

stmts:
	  %empty			{ $$ = (struct pstmts){ 0 }; }
	| stmts stmt			{ $$ = $1; parse_stmts_push(&$$, $2); }
	| stmts ';'
	| stmts error			{ $$ = $1; }
	;

stmt:
	  "keep" ok names		{ $$ = parse_stmt_names(AS_KEEP, &@1, $3); }
	| "drop" ok names		{ $$ = parse_stmt_names(AS_DROP, &@1, $3); }
	| "bound" ok names		{ $$ = parse_stmt_names(AS_BOUND, &@1, $3); }
	| "ambient" ok names		{ $$ = parse_stmt_names(AS_AMBIENT, &@1, $3); }
	| "inherit" ok names		{ $$ = parse_stmt_names(AS_INHERIT, &@1, $3); }
	| "user" ok id			{ $$ = parse_stmt_id(AS_USER, &@1, $3); }
	| "group" ok id			{ $$ = parse_stmt_id(AS_GROUP, &@1, $3); }
	| "groups" ok ids		{ $$ = parse_stmt(AS_GROUPS, &@1); $$->ids = $3; }
	| "no_new_privs" ok		{ $$ = parse_stmt(AS_NNP, &@1); }
	| "lock" ok			{ $$ = parse_stmt(AS_LOCK, &@1); }
	| "securebits" ok names		{ $$ = parse_stmt_names(AS_SECUREBITS, &@1, $3); }
	| "seccomp" ok lbrace sc_stmts rbrace {
		$$ = parse_stmt(AS_SECCOMP, &@1);
		$$->seccomp = $4.head;
	}
	;

session_items:
	  %empty			{ $$ = (struct pstmts){ 0 }; }
	| session_items session_item	{ $$ = $1; parse_stmts_push(&$$, $2); }
	| session_items ';'
	| session_items error		{ $$ = $1; }
	;

session_item:
	  "user" ok id rule_body {
		$$ = parse_stmt_id(AS_RULE_USER, &@1, $3);
		$$->body = $4.head;
	}
	| "group" ok id rule_body {
		$$ = parse_stmt_id(AS_RULE_GROUP, &@1, $3);
		$$->body = $4.head;
	}
	| "default" ok rule_body {
		$$ = parse_stmt(AS_RULE_DEFAULT, &@1);
		$$->body = $3.head;
	}
	;

rule_body:
	  lbrace stmts rbrace		{ $$ = $2; }
	| stmt				{ $$ = (struct pstmts){ 0 }; parse_stmts_push(&$$, $1); }
	;

sc_stmts:
	  %empty			{ $$ = (struct pscs){ 0 }; }
	| sc_stmts sc_stmt		{ $$ = $1; parse_scs_push(&$$, $2); }
	| sc_stmts ';'
	| sc_stmts error		{ $$ = $1; }
	;

sc_stmt:
	  "default" ok action0 {
		$$ = parse_sc(SC_DEFAULT, &@1, $3, (struct ptargets){ 0 });
	}
	| "allow" ok targets {
		$$ = parse_sc(SC_RULE, &@1, parse_action(AA_ALLOW, &@1, NULL), $3);
	}
	| "deny" ok targets {
		$$ = parse_sc(SC_RULE, &@1, parse_action(AA_ERRNO, &@1, NULL), $3);
	}
	| "deny" ok targets "errno" errval {
		$$ = parse_sc(SC_RULE, &@1, parse_action(AA_ERRNO, &@1, $5.v), $3);
	}
	| "kill" ok targets {
		$$ = parse_sc(SC_RULE, &@1, parse_action(AA_KILL_PROCESS, &@1, NULL), $3);
	}
	| "kill" ok "process" targets {
		$$ = parse_sc(SC_RULE, &@1, parse_action(AA_KILL_PROCESS, &@1, NULL), $4);
	}
	| "kill" ok "thread" targets {
		$$ = parse_sc(SC_RULE, &@1, parse_action(AA_KILL_THREAD, &@1, NULL), $4);
	}
	| "trap" ok targets {
		$$ = parse_sc(SC_RULE, &@1, parse_action(AA_TRAP, &@1, NULL), $3);
	}
	| "log" ok targets {
		$$ = parse_sc(SC_RULE, &@1, parse_action(AA_LOG, &@1, NULL), $3);
	}
	/* expect NAME[(ARGS)] ACTION: checked against the compiled filter */
	| "expect" ok expect_tail	{ $$ = $3; $$->loc = @1; }
	;

expect_tail:
	  name action0			{ $$ = parse_expect(&@1, $1, NULL, 0, $2); }
	| name '(' ')' action0		{ $$ = parse_expect(&@1, $1, NULL, 0, $4); }
	| name '(' vlist ')' action0	{ $$ = parse_expect(&@1, $1, $3.v, $3.n, $5); }
	;

action0:
	  "allow"			{ $$ = parse_action(AA_ALLOW, &@1, NULL); }
	| "deny"			{ $$ = parse_action(AA_ERRNO, &@1, NULL); }
	| "deny" "errno" errval		{ $$ = parse_action(AA_ERRNO, &@1, $3.v); }
	| "errno" errval		{ $$ = parse_action(AA_ERRNO, &@1, $2.v); }
	| "kill"			{ $$ = parse_action(AA_KILL_PROCESS, &@1, NULL); }
	| "kill" "process"		{ $$ = parse_action(AA_KILL_PROCESS, &@1, NULL); }
	| "kill" "thread"		{ $$ = parse_action(AA_KILL_THREAD, &@1, NULL); }
	| "trap"			{ $$ = parse_action(AA_TRAP, &@1, NULL); }
	| "log"				{ $$ = parse_action(AA_LOG, &@1, NULL); }
	;

errval:
	  NAME				{ $$ = (struct pval){ parse_value(AV_IDENT, &@1, NULL, NULL), 1 }; $$.v->ident = $1; }
	| NUMBER			{ $$ = (struct pval){ parse_value(AV_NUM, &@1, NULL, NULL), 1 }; $$.v->num = $1; }
	;

targets:
	  target			{ $$ = (struct ptargets){ 0 }; parse_targets_push(&$$, $1); }
	| targets ',' target		{ $$ = $1; parse_targets_push(&$$, $3); }
	;

target:
	  name				{ $$ = (struct ast_target){ $1, NULL }; }
	| name '(' cond ')'		{ $$ = (struct ast_target){ $1, $3.c }; }
	| GROUPREF			{ $$ = (struct ast_target){ parse_name($1, true, &@1), NULL }; }
	/* refused by sema with its own message ("'@x' is a group") */
	| GROUPREF '(' cond ')'		{ $$ = (struct ast_target){ parse_name($1, true, &@1), $3.c }; }
	;

cond:
	  and
	| cond "||" and {
		int d = imax($1.depth, $3.depth) + 1;
		if (parse_too_deep(ctx, d, &@2)) {
			parse_free_cond($1.c);
			parse_free_cond($3.c);
			YYERROR;
		}
		$$ = (struct pcond){ parse_cond(AC_OR, &$1.c->loc, $1.c, $3.c), d };
	}
	;

and:
	  unary
	| and "&&" unary {
		int d = imax($1.depth, $3.depth) + 1;
		if (parse_too_deep(ctx, d, &@2)) {
			parse_free_cond($1.c);
			parse_free_cond($3.c);
			YYERROR;
		}
		$$ = (struct pcond){ parse_cond(AC_AND, &$1.c->loc, $1.c, $3.c), d };
	}
	;

unary:
	  '!' nest unary {
		ctx->nest--;
		if (parse_too_deep(ctx, $3.depth + 1, &@1)) {
			parse_free_cond($3.c);
			YYERROR;
		}
		$$ = (struct pcond){ parse_cond(AC_NOT, &@1, $3.c, NULL), $3.depth + 1 };
	}
	| '(' nest cond ')'		{ ctx->nest--; $$ = $3; }
	| cmp
	;

cmp:
	  name relop value {
		if (parse_too_deep(ctx, $3.depth + 1, &@1)) {
			parse_free_name(&$1);
			parse_free_value($3.v);
			YYERROR;
		}
		$$ = (struct pcond){ parse_cmp($1, NULL, $2, $3.v), $3.depth + 1 };
	}
	| name '&' value relop value {
		int d = imax($3.depth, $5.depth) + 1;
		if (parse_too_deep(ctx, d, &@1)) {
			parse_free_name(&$1);
			parse_free_value($3.v);
			parse_free_value($5.v);
			YYERROR;
		}
		$$ = (struct pcond){ parse_cmp($1, $3.v, $4, $5.v), d };
	}
	| name "in" '{' vlist '}' {
		if (parse_too_deep(ctx, $4.depth + 1, &@1)) {
			parse_free_name(&$1);
			parse_free_vals(&$4);
			YYERROR;
		}
		$$ = (struct pcond){ parse_in($1, NULL, false, $4), $4.depth + 1 };
	}
	| name "not" "in" '{' vlist '}' {
		if (parse_too_deep(ctx, $5.depth + 1, &@1)) {
			parse_free_name(&$1);
			parse_free_vals(&$5);
			YYERROR;
		}
		$$ = (struct pcond){ parse_in($1, NULL, true, $5), $5.depth + 1 };
	}
	| name '&' value "in" '{' vlist '}' {
		int d = imax($3.depth, $6.depth) + 1;
		if (parse_too_deep(ctx, d, &@1)) {
			parse_free_name(&$1);
			parse_free_value($3.v);
			parse_free_vals(&$6);
			YYERROR;
		}
		$$ = (struct pcond){ parse_in($1, $3.v, false, $6), d };
	}
	| name '&' value "not" "in" '{' vlist '}' {
		int d = imax($3.depth, $7.depth) + 1;
		if (parse_too_deep(ctx, d, &@1)) {
			parse_free_name(&$1);
			parse_free_value($3.v);
			parse_free_vals(&$7);
			YYERROR;
		}
		$$ = (struct pcond){ parse_in($1, $3.v, true, $7), d };
	}
	;

relop:
	  "=="				{ $$ = OP_EQ; }
	| "!="				{ $$ = OP_NE; }
	| '<'				{ $$ = OP_LT; }
	| "<="				{ $$ = OP_LE; }
	| '>'				{ $$ = OP_GT; }
	| ">="				{ $$ = OP_GE; }
	;

vlist:
	  value				{ $$ = (struct pvals){ 0 }; parse_vals_push(&$$, $1); }
	| vlist ',' value		{ $$ = $1; parse_vals_push(&$$, $3); }
	;

value:
	  vunary
	| value '|' vunary {
		int d = imax($1.depth, $3.depth) + 1;
		if (parse_too_deep(ctx, d, &@2)) {
			parse_free_value($1.v);
			parse_free_value($3.v);
			YYERROR;
		}
		$$ = (struct pval){ parse_value(AV_OR, &$1.v->loc, $1.v, $3.v), d };
	}
	;

vunary:
	  '-' nest vunary {
		ctx->nest--;
		if (parse_too_deep(ctx, $3.depth + 1, &@1)) {
			parse_free_value($3.v);
			YYERROR;
		}
		$$ = (struct pval){ parse_value(AV_NEG, &@1, $3.v, NULL), $3.depth + 1 };
	}
	| '~' nest vunary {
		ctx->nest--;
		if (parse_too_deep(ctx, $3.depth + 1, &@1)) {
			parse_free_value($3.v);
			YYERROR;
		}
		$$ = (struct pval){ parse_value(AV_COMPL, &@1, $3.v, NULL), $3.depth + 1 };
	}
	| NUMBER			{ $$ = (struct pval){ parse_value(AV_NUM, &@1, NULL, NULL), 1 }; $$.v->num = $1; }
	| NAME				{ $$ = (struct pval){ parse_value(AV_IDENT, &@1, NULL, NULL), 1 }; $$.v->ident = $1; }
	| '(' nest value ')'		{ ctx->nest--; $$ = $3; }
	;

/* `kill` and `seccomp` are keywords and names (cap_kill, the kill and
 * seccomp syscalls). */
name:
	  NAME				{ $$ = parse_name($1, false, &@1); }
	| "kill"			{ $$ = parse_name_dup("kill", &@1); }
	| "seccomp"			{ $$ = parse_name_dup("seccomp", &@1); }
	;

names:
	  name				{ $$ = (struct ast_names){ 0 }; parse_names_push(&$$, $1); }
	| names ',' name		{ $$ = $1; parse_names_push(&$$, $3); }
	;

id:
	  name				{ $$ = parse_id_name($1); }
	| NUMBER			{ $$ = parse_id_num($1, &@1); }
	;

ids:
	  id				{ $$ = (struct ast_ids){ 0 }; parse_ids_push(&$$, $1); }
	| ids ',' id			{ $$ = $1; parse_ids_push(&$$, $3); }
	;

/* Braces of blocks; the parser's count of open blocks tells the scanner
 * how many '}' are missing when a declaration keyword shows up inside one. */
lbrace:
	  '{'				{ parse_block_open(ctx, &@1); }
	;

rbrace:
	  '}'				{ parse_block_close(ctx); }
	;

/* After a statement keyword has been shifted: see the top of the file. */
ok:
	  %empty			{ yyerrok; ctx->nest = 0; }
	;

/* After '(' and unary operators: limits nesting before the parser's stack
 * grows with it. */
nest:
	  %empty			{ if (!parse_nest_in(ctx, &@$)) YYERROR; }
	;

%%

static void yyerror(const YYLTYPE *loc, yyscan_t scanner, struct parse_ctx *ctx, const char *msg)
{
	(void)scanner;
	parse_error(ctx, loc, "%s", msg);
}

/* bison numbers symbols its own way; the message code in ast.c works
 * with token kinds (the T_* enum and character literals). */
static int symbol_token(yysymbol_kind_t sym)
{
	if (sym == YYSYMBOL_YYEOF)
		return 0;
	if (sym == YYSYMBOL_YYerror || sym == YYSYMBOL_YYUNDEF)
		return -1;
	for (int t = 1; t <= YYMAXUTOK; t++)
		if (YYTRANSLATE(t) == sym)
			return t;
	return -1;
}

static int yyreport_syntax_error(const yypcontext_t *yyctx, yyscan_t scanner, struct parse_ctx *ctx)
{
	yysymbol_kind_t syms[YYNTOKENS];
	int expected[YYNTOKENS];
	int n = yypcontext_expected_tokens(yyctx, syms, YYNTOKENS);
	int m = 0;
	(void)scanner;
	for (int i = 0; i < n; i++) {
		int t = symbol_token(syms[i]);
		if (t >= 0)
			expected[m++] = t;
	}
	parse_syntax_error(ctx, symbol_token(yypcontext_token(yyctx)), yypcontext_location(yyctx), expected, m);
	return 0;
}
