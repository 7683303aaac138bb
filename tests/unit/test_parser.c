/* test_parser.c - the grammar: trees, the one-line form, includes and
 * diagnostics (text, line:col and recovery).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ast.h"
#include "diag.h"
#include "tap.h"


static void show(const char *label, const char *text)
{
	printf("#   %s:\n", label);
	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		int n = nl ? (int)(nl - p) : (int)strlen(p);
		printf("#   | %.*s\n", n, p);
		p += n + (nl ? 1 : 0);
	}
}

struct result {
	struct ast_unit *u;
	char *ast;     /* ast_print output */
	char *diags;   /* everything diag printed */
	unsigned errors;
};

static char *print_unit(const struct ast_unit *u)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *m = open_memstream(&buf, &size);
	ast_print(u, m);
	fclose(m);
	return buf;
}

static struct result parse_src(struct src_file *(*load)(const char *, const char *, size_t), const char *name,
			       const char *text, size_t len)
{
	struct result r = { 0 };
	size_t size = 0;
	FILE *m = open_memstream(&r.diags, &size);
	unsigned before = diag_error_count();

	diag_set_stream(m);
	r.u = ast_parse_file(load(name, text, len));
	diag_set_stream(NULL);
	fclose(m);
	r.errors = diag_error_count() - before;
	r.ast = print_unit(r.u);
	return r;
}

static struct result parse_len(const char *text, size_t len)
{
	return parse_src(diag_load_text, "t.cap", text, len);
}

static struct result parse(const char *text)
{
	return parse_len(text, strlen(text));
}

static struct src_file *load_path(const char *path, const char *text, size_t len)
{
	(void)text;
	(void)len;
	return diag_load_file(path, NULL);
}

static struct result parse_path(const char *path)
{
	return parse_src(load_path, path, NULL, 0);
}

static void result_free(struct result *r)
{
	ast_free_unit(r->u);
	free(r->ast);
	free(r->diags);
}

/* Parses without errors to exactly `tree`. */
static void expect_tree(const char *desc, const char *text, const char *tree)
{
	struct result r = parse(text);
	bool good = r.errors == 0 && strcmp(r.ast, tree) == 0;
	ok(good, "%s", desc);
	if (!good) {
		show("expected", tree);
		show("got", r.ast);
		show("diagnostics", r.diags);
	}
	result_free(&r);
}

/* Diagnostics are exactly `diags` (file t.cap). */
static void expect_diags(const char *desc, const char *text, const char *diags)
{
	struct result r = parse(text);
	bool good = strcmp(r.diags, diags) == 0 && r.errors > 0;
	ok(good, "%s", desc);
	if (!good) {
		show("expected", diags);
		show("got", r.diags);
	}
	result_free(&r);
}

/* Exactly `nerrors` errors, the diagnostics contain `needle`. */
static void expect_error(const char *desc, const char *text, unsigned nerrors, const char *needle)
{
	struct result r = parse(text);
	bool good = r.errors == nerrors && strstr(r.diags, needle) != NULL;
	ok(good, "%s", desc);
	if (!good) {
		printf("#   expected %u error(s) containing: %s\n", nerrors, needle);
		show("got", r.diags);
	}
	result_free(&r);
}

/* The tree with the " :oneliner" marks taken out. */
static char *strip_oneliner(char *s)
{
	const char *mark = " :oneliner";
	char *p;
	while ((p = strstr(s, mark)) != NULL)
		memmove(p, p + strlen(mark), strlen(p + strlen(mark)) + 1);
	return s;
}

static bool same_tree(const char *a, const char *b)
{
	struct result ra = parse(a), rb = parse(b);
	bool same = ra.errors == 0 && rb.errors == 0 &&
		    strcmp(strip_oneliner(ra.ast), strip_oneliner(rb.ast)) == 0;
	if (!same) {
		show(a, ra.ast);
		show(b, rb.ast);
	}
	result_free(&ra);
	result_free(&rb);
	return same;
}

static bool at(const struct loc *l, int line, int col, int len)
{
	return l->line == line && l->col == col && l->len == len;
}

/* ---------------------------------------------------------------- normative forms */

static void test_normative(void)
{
	expect_tree("one-liner with after", "service ftp keep net_bind_service, chown after auth",
		    "(service ftp :oneliner\n"
		    "  (after auth\n"
		    "    (keep net_bind_service chown)\n"
		    "    (no_new_privs)))\n");
	expect_tree("one-liner", "service ping keep net_raw",
		    "(service ping :oneliner\n"
		    "  (keep net_raw)\n"
		    "  (no_new_privs))\n");
	expect_tree("service block with identity switch",
		    "service web {\n"
		    "    user nobody            # switch identity (also: group NAME, uid/gid numbers)\n"
		    "    keep net_bind_service  # the exec'd program, running as nobody, holds it (via ambient)\n"
		    "    no_new_privs\n"
		    "}\n",
		    "(service web\n"
		    "  (user nobody)\n"
		    "  (keep net_bind_service)\n"
		    "  (no_new_privs))\n");
	expect_tree("service with after block and seccomp",
		    "service webd {\n"
		    "    bound net_bind_service, setuid, setgid, chown   # the most it may ever hold\n"
		    "    no_new_privs\n"
		    "    after listen {\n"
		    "        user nobody\n"
		    "        keep none\n"
		    "        lock               # securebits noroot + no_setuid_fixup + keep_caps off, all locked\n"
		    "        seccomp {\n"
		    "            default errno EPERM\n"
		    "            allow @system-service\n"
		    "            deny ptrace, mount errno EACCES\n"
		    "            kill kexec_load\n"
		    "            allow socket(domain == AF_INET || domain == AF_INET6 || domain == AF_UNIX)\n"
		    "        }\n"
		    "    }\n"
		    "}\n",
		    "(service webd\n"
		    "  (bound net_bind_service setuid setgid chown)\n"
		    "  (no_new_privs)\n"
		    "  (after listen\n"
		    "    (user nobody)\n"
		    "    (keep none)\n"
		    "    (lock)\n"
		    "    (seccomp\n"
		    "      (default (deny EPERM))\n"
		    "      (rule allow @system-service)\n"
		    "      (rule (deny EACCES) ptrace mount)\n"
		    "      (rule kill-process kexec_load)\n"
		    "      (rule allow (socket (|| (|| (== domain AF_INET) (== domain AF_INET6)) (== domain AF_UNIX)))))))\n");
	expect_tree("seccomp on one line", "service files { seccomp { default allow  deny mkdir, mkdirat errno EACCES } }",
		    "(service files\n"
		    "  (seccomp\n"
		    "    (default allow)\n"
		    "    (rule (deny EACCES) mkdir mkdirat)))\n");
}

/* ---------------------------------------------------------------- the one-line form */

static void test_oneliner(void)
{
	ok(same_tree("service ftp keep net_bind_service, chown after auth",
			"service ftp { after auth { keep net_bind_service, chown  no_new_privs } }"),
	      "one-liner with after is the block form with no_new_privs");
	ok(same_tree("service ping keep net_raw", "service ping { keep net_raw  no_new_privs }"),
	      "one-liner is the block form with no_new_privs");
	ok(same_tree("service s seccomp { allow read }", "service s { seccomp { allow read } no_new_privs }"),
	      "one-liner seccomp block");
	ok(same_tree("service s user 0", "service s { user 0 no_new_privs }"), "one-liner identity switch");
	ok(same_tree("service s no_new_privs", "service s { no_new_privs }"),
	      "one-liner no_new_privs is not doubled");

	struct result r = parse("service ftp keep net_bind_service, chown after auth\nservice x { keep y }");
	const struct ast_decl *d = r.u ? r.u->decls : NULL;
	ok(d && d->oneliner && d->next && !d->next->oneliner, "decl.oneliner set for the one-line form only");
	if (d) {
		const struct ast_stmt *a = d->body;
		ok(a && a->kind == AS_AFTER && at(&a->loc, 1, 42, 5) && at(&a->point.loc, 1, 48, 4),
		      "one-liner: after node at 'after', point at its name");
		const struct ast_stmt *k = a ? a->body : NULL;
		ok(k && k->kind == AS_KEEP && k->next && k->next->kind == AS_NNP && at(&k->next->loc, 1, 13, 4) &&
			      !k->next->next,
		      "one-liner: implicit no_new_privs at the statement it follows");
	}
	result_free(&r);

	expect_error("one-liner: after is not a statement", "service s after x { keep y }", 1,
		     "t.cap:1:11: error: unexpected 'after', expecting a statement or '{'");
	expect_error("one-liner: point is not a statement", "service s point p on q", 1,
		     "t.cap:1:11: error: unexpected 'point'");
	expect_error("one-liner: arch is not a statement", "service s arch x86_64", 1,
		     "t.cap:1:11: error: unexpected 'arch'");
}

/* ---------------------------------------------------------------- sessions, defines, statements */

static void test_sessions(void)
{
	expect_tree("session rules: single statement, block, default",
		    "session login {\n"
		    "  user tak drop net_raw\n"
		    "  group wheel { keep sys_admin  seccomp { default log } }\n"
		    "  user 1000 { drop all }\n"
		    "  default drop all\n"
		    "}\n",
		    "(session login\n"
		    "  (rule-user tak\n"
		    "    (drop net_raw))\n"
		    "  (rule-group wheel\n"
		    "    (keep sys_admin)\n"
		    "    (seccomp\n"
		    "      (default log)))\n"
		    "  (rule-user 1000\n"
		    "    (drop all))\n"
		    "  (rule-default\n"
		    "    (drop all)))\n");
	expect_tree("session rule body may switch identity", "session s { user tak user nobody }",
		    "(session s\n"
		    "  (rule-user tak\n"
		    "    (user nobody)))\n");
	expect_error("session: keep outside a rule", "session s { keep x }", 1,
		     "unexpected 'keep', expecting a session rule (user, group or default) or '}'");
}

static void test_define(void)
{
	expect_tree("define and use",
		    "define web_caps = net_bind_service, setuid\n"
		    "define io = @basic-io, read\n"
		    "service w { keep web_caps  seccomp { allow io } }\n",
		    "(define web_caps net_bind_service setuid)\n"
		    "(define io @basic-io read)\n"
		    "(service w\n"
		    "  (keep web_caps)\n"
		    "  (seccomp\n"
		    "    (rule allow io)))\n");
	struct result r = parse("define io = @basic-io, read");
	const struct ast_decl *d = r.u ? r.u->decls : NULL;
	ok(d && d->kind == AD_DEFINE && at(&d->loc, 1, 1, 6) && at(&d->name.loc, 1, 8, 2) && d->items.n == 2 &&
		      d->items.v[0].is_group && strcmp(d->items.v[0].text, "basic-io") == 0 &&
		      at(&d->items.v[0].loc, 1, 13, 9) && !d->items.v[1].is_group,
	      "define: items, groups without '@', locations");
	result_free(&r);
	expect_error("define needs '='", "define x y", 1, "t.cap:1:10: error: expected '=' after 'x'");
}

static void test_statements(void)
{
	expect_tree("every statement",
		    "service s {\n"
		    "  point listen on bind\n"
		    "  arch x86_64, i386\n"
		    "  keep a drop b bound c ambient d inherit e\n"
		    "  user 0 group nogroup groups adm, 4, wheel\n"
		    "  securebits noroot, keep_caps_locked\n"
		    "  after listen { lock no_new_privs }\n"
		    "}\n",
		    "(service s\n"
		    "  (point listen on bind)\n"
		    "  (arch x86_64 i386)\n"
		    "  (keep a)\n"
		    "  (drop b)\n"
		    "  (bound c)\n"
		    "  (ambient d)\n"
		    "  (inherit e)\n"
		    "  (user 0)\n"
		    "  (group nogroup)\n"
		    "  (groups adm 4 wheel)\n"
		    "  (securebits noroot keep_caps_locked)\n"
		    "  (after listen\n"
		    "    (lock)\n"
		    "    (no_new_privs)))\n");
	expect_tree("';' between statements and declarations is ignored",
		    ";service s { keep a; ; drop b; } ; service t keep c;",
		    "(service s\n"
		    "  (keep a)\n"
		    "  (drop b))\n"
		    "(service t :oneliner\n"
		    "  (keep c)\n"
		    "  (no_new_privs))\n");
	expect_tree("empty input", "  # only a comment\n\n", "");
	expect_tree("empty blocks", "service s { } session t { } service u { seccomp { } after p { } }",
		    "(service s)\n"
		    "(session t)\n"
		    "(service u\n"
		    "  (seccomp)\n"
		    "  (after p))\n");

	struct result r = parse("service web {\n  user nobody\n  groups adm, 4\n  keep net_raw, chown\n}");
	const struct ast_decl *d = r.u ? r.u->decls : NULL;
	const struct ast_stmt *u = d ? d->body : NULL;
	const struct ast_stmt *g = u ? u->next : NULL;
	const struct ast_stmt *k = g ? g->next : NULL;
	ok(d && at(&d->loc, 1, 1, 7) && at(&d->name.loc, 1, 9, 3) && strcmp(d->name.text, "web") == 0,
	      "locations: declaration keyword and name");
	ok(u && u->kind == AS_USER && at(&u->loc, 2, 3, 4) && !u->id.numeric && strcmp(u->id.name, "nobody") == 0 &&
		      at(&u->id.loc, 2, 8, 6),
	      "locations: user statement and its id");
	ok(g && g->kind == AS_GROUPS && g->ids.n == 2 && !g->ids.v[0].numeric && g->ids.v[1].numeric &&
		      g->ids.v[1].num == 4 && at(&g->ids.v[1].loc, 3, 15, 1),
	      "groups: names and numbers");
	ok(k && k->kind == AS_KEEP && k->names.n == 2 && at(&k->names.v[0].loc, 4, 8, 7) &&
		      at(&k->names.v[1].loc, 4, 17, 5) && !k->names.v[1].is_group,
	      "locations: each name records its own token");
	result_free(&r);
}

/* ---------------------------------------------------------------- names that are keywords */

static void test_keyword_names(void)
{
	expect_tree("kill and seccomp as names",
		    "service seccomp { keep kill, setuid  seccomp { allow kill, seccomp  kill kill  kill thread seccomp "
		    "default kill  kill process kill } }\n"
		    "service kill keep kill\n",
		    "(service seccomp\n"
		    "  (keep kill setuid)\n"
		    "  (seccomp\n"
		    "    (rule allow kill seccomp)\n"
		    "    (rule kill-process kill)\n"
		    "    (rule kill-thread seccomp)\n"
		    "    (default kill-process)\n"
		    "    (rule kill-process kill)))\n"
		    "(service kill :oneliner\n"
		    "  (keep kill)\n"
		    "  (no_new_privs))\n");
	expect_tree("kill and seccomp as ids, points and define names",
		    "define kill = seccomp, kill\n"
		    "service s { user kill after seccomp { group seccomp } point kill on seccomp }",
		    "(define kill seccomp kill)\n"
		    "(service s\n"
		    "  (user kill)\n"
		    "  (after seccomp\n"
		    "    (group seccomp))\n"
		    "  (point kill on seccomp))\n");
}

/* ---------------------------------------------------------------- seccomp */

static void test_seccomp(void)
{
	expect_tree("actions",
		    "service s { seccomp {\n"
		    "  default deny\n"
		    "  default deny errno EACCES\n"
		    "  default errno 13\n"
		    "  default kill process  default kill thread  default trap  default log\n"
		    "  deny a  deny b errno 1  kill process c  trap d  log e, @f\n"
		    "} }",
		    "(service s\n"
		    "  (seccomp\n"
		    "    (default deny)\n"
		    "    (default (deny EACCES))\n"
		    "    (default (deny 13))\n"
		    "    (default kill-process)\n"
		    "    (default kill-thread)\n"
		    "    (default trap)\n"
		    "    (default log)\n"
		    "    (rule deny a)\n"
		    "    (rule (deny 1) b)\n"
		    "    (rule kill-process c)\n"
		    "    (rule trap d)\n"
		    "    (rule log e @f)))\n");
	expect_tree("conditions: && || ! parentheses masks in and not in",
		    "service s { seccomp {\n"
		    "  allow clone(flags & CLONE_NEWUSER == 0 && !(flags & (CLONE_NEWNS | CLONE_NEWPID) != 0))\n"
		    "  allow a(x == 1 || y != 2 && z < 3), b(x <= 4 || (y > 5 || z >= 6))\n"
		    "  allow socket(domain in {AF_UNIX, AF_INET}), c(arg0 not in {1}), d(arg1 & 0x3 not in {1, 2})\n"
		    "  allow e(arg2 & 0xff in {0o17, 0755})\n"
		    "} }",
		    "(service s\n"
		    "  (seccomp\n"
		    "    (rule allow (clone (&& (== (& flags CLONE_NEWUSER) 0) (! (!= (& flags (| CLONE_NEWNS CLONE_NEWPID)) 0)))))\n"
		    "    (rule allow (a (|| (== x 1) (&& (!= y 2) (< z 3)))) (b (|| (<= x 4) (|| (> y 5) (>= z 6)))))\n"
		    "    (rule allow (socket (in domain AF_UNIX AF_INET)) (c (not-in arg0 1)) (d (not-in (& arg1 3) 1 2)))\n"
		    "    (rule allow (e (in (& arg2 255) 15 493)))))\n");
	expect_tree("values: | chains, negation, complement, parentheses",
		    "service s { seccomp { allow a(x == -1), b(x == ~0 | 8), c(x == -(1 | 2) | ~-~3), d(x in {-1, (A|B)|C}) } }",
		    "(service s\n"
		    "  (seccomp\n"
		    "    (rule allow (a (== x (- 1))) (b (== x (| (~ 0) 8))) (c (== x (| (- (| 1 2)) (~ (- (~ 3)))))) "
		    "(d (in x (- 1) (| (| A B) C))))))\n");

	struct result r = parse("service s { seccomp {\n  deny mkdir(mode & 0777 != 0) errno EACCES\n} }");
	const struct ast_sc_stmt *sc = r.u && r.u->decls && r.u->decls->body ? r.u->decls->body->seccomp : NULL;
	ok(sc && sc->kind == SC_RULE && at(&sc->loc, 2, 3, 4) && sc->action.kind == AA_ERRNO &&
		      at(&sc->action.loc, 2, 3, 4) && sc->action.errno_val && sc->action.errno_val->kind == AV_IDENT &&
		      at(&sc->action.errno_val->loc, 2, 38, 6),
	      "seccomp rule: action and errno value locations");
	const struct ast_target *t = sc && sc->ntargets == 1 ? &sc->targets[0] : NULL;
	const struct ast_cond *c = t ? t->cond : NULL;
	ok(t && at(&t->name.loc, 2, 8, 5) && c && c->kind == AC_CMP && at(&c->loc, 2, 14, 4) &&
		      at(&c->arg.loc, 2, 14, 4) && c->op == OP_NE && c->mask && c->mask->kind == AV_NUM &&
		      c->mask->num == 0777 && at(&c->mask->loc, 2, 21, 4) && c->rhs->num == 0,
	      "condition: argument, mask and value with locations");
	result_free(&r);

	r = parse("service s { seccomp { allow a(!x == 1 || y == 2) } }");
	sc = r.u && r.u->decls && r.u->decls->body ? r.u->decls->body->seccomp : NULL;
	c = sc ? sc->targets[0].cond : NULL;
	ok(c && c->kind == AC_OR && at(&c->loc, 1, 31, 1) && c->l->kind == AC_NOT && at(&c->l->loc, 1, 31, 1) &&
		      c->r->kind == AC_CMP && at(&c->r->loc, 1, 42, 1),
	      "condition: operator nodes at their first token");
	result_free(&r);

	expect_error("no 'errno E targets' rule form", "service s { seccomp { errno EPERM read } }", 1,
		     "unexpected 'errno', expecting a seccomp rule (allow, deny, kill, trap, log or default) or '}'");
}

/* ---------------------------------------------------------------- numbers and lexical errors */

static void test_numbers(void)
{
	expect_tree("numbers: decimal, hex, 0o and leading-0 octal, limits",
		    "service s { groups 0, 10, 0x1F, 0XfF, 0o17, 0755, 18446744073709551615, 0xffffffffffffffff, "
		    "0o1777777777777777777777 }",
		    "(service s\n"
		    "  (groups 0 10 31 255 15 493 18446744073709551615 18446744073709551615 18446744073709551615))\n");
	expect_diags("number too large", "service s user 18446744073709551616",
		     "t.cap:1:16: error: number too large: '18446744073709551616' does not fit in 64 bits\n"
		     "    service s user 18446744073709551616\n"
		     "                   ^~~~~~~~~~~~~~~~~~~~\n");
	expect_error("hex number too large", "service s user 0x10000000000000000", 1, "error: number too large");
	expect_error("octal number too large", "service s user 02000000000000000000000", 1, "error: number too large");
	expect_error("digits followed by letters", "service s user 12ab", 1,
		     "t.cap:1:16: error: invalid number '12ab': 'a' cannot follow a number");
	expect_error("8 in an octal number", "service s user 089", 1,
		     "t.cap:1:16: error: invalid digit '8' in octal number '089'");
	expect_error("0x without digits", "service s user 0x", 1, "t.cap:1:16: error: missing digits after '0x'");
	expect_error("0o with a bad digit", "service s user 0o8", 1, "invalid digit '8' in octal number '0o8'");
}

static void test_lexical(void)
{
	expect_diags("stray characters are reported and skipped",
		     "service s $ keep\x01 a`\n",
		     "t.cap:1:11: error: stray '$' in policy\n"
		     "    service s $ keep\x01 a`\n"
		     "              ^\n"
		     "t.cap:1:17: error: stray '\\x01' in policy\n"
		     "    service s $ keep\x01 a`\n"
		     "                    ^\n"
		     "t.cap:1:20: error: stray '`' in policy\n"
		     "    service s $ keep\x01 a`\n"
		     "                       ^\n");
	expect_error("a UTF-8 character is one stray character", "service s keep \xe2\x80\x9c" "a", 1,
		     "t.cap:1:16: error: stray '\\xe2\\x80\\x9c' in policy");
	struct result r = parse_len("service s keep a\0, b", 20);
	ok(r.errors == 1 && strstr(r.diags, "t.cap:1:17: error: stray '\\x00' in policy"), "NUL byte is a stray character");
	result_free(&r);
	expect_error("group names are lowercase", "service s { seccomp { allow @System } }", 1,
		     "t.cap:1:29: error: invalid group name '@System'");
	expect_error("lone '@'", "service s { seccomp { allow @ } }", 2, "stray '@' in policy");
	expect_error("unterminated string", "include \"a.cap\nservice s keep a", 1,
		     "t.cap:1:9: error: missing terminating '\"' character");
	expect_error("unknown escape in a string", "include \"a\\n.cap\"", 1,
		     "t.cap:1:11: error: unknown escape sequence '\\n'");
	expect_error("strings are only for include", "service \"s\" keep a", 1,
		     "t.cap:1:9: error: unexpected string \"s\", expecting a service name");
}

/* ---------------------------------------------------------------- syntax errors */

static void test_syntax_errors(void)
{
	expect_diags("several errors reported together, with line:col",
		     "service a {\n"
		     "    keep 5\n"
		     "    drop net_raw\n"
		     "}\n"
		     "service b { seccomp allow read }\n"
		     "service c {\n"
		     "    user\n"
		     "}\n",
		     "t.cap:2:10: error: unexpected number '5', expecting a capability name\n"
		     "        keep 5\n"
		     "             ^\n"
		     "t.cap:5:21: error: expected '{' after 'seccomp'\n"
		     "    service b { seccomp allow read }\n"
		     "                        ^~~~~\n"
		     "t.cap:8:1: error: unexpected '}', expecting a user name or number\n"
		     "    }\n"
		     "    ^\n");

	struct result r = parse("service a {\n  keep 5\n  drop 6; bound 7\n}\nservice b { kep x }\nsession c { foo }\n");
	bool all = r.errors == 5 && strstr(r.diags, "t.cap:2:8: error: unexpected number '5'") &&
		   strstr(r.diags, "t.cap:3:8: error: unexpected number '6'") &&
		   strstr(r.diags, "t.cap:3:17: error: unexpected number '7'") &&
		   strstr(r.diags, "t.cap:5:13: error: unexpected name 'kep', expecting a statement or '}'; did you mean 'keep'?") &&
		   strstr(r.diags, "t.cap:6:13: error: unexpected name 'foo'");
	ok(all, "consecutive broken statements are each reported");
	if (!all)
		show("got", r.diags);
	ok(r.u && strcmp(r.ast, "(service a)\n(service b)\n(session c)\n") == 0,
	      "recovery keeps the declarations around broken statements");
	result_free(&r);

	expect_diags("missing '}' before the next declaration: one error, next one parsed",
		     "service a {\n  keep x\n  seccomp { allow read }\nservice b { drop y }\n",
		     "t.cap:4:1: error: expected '}' before 'service'\n"
		     "    service b { drop y }\n"
		     "    ^~~~~~~\n"
		     "t.cap:1:11: note: to match this '{'\n"
		     "    service a {\n"
		     "              ^\n");
	r = parse("service a {\n  keep x\n  seccomp { allow read \nservice b { drop y }\ndefine z = q\n");
	ok(r.errors == 1 && strcmp(r.ast,
				      "(service a\n  (keep x)\n  (seccomp\n    (rule allow read)))\n"
				      "(service b\n  (drop y))\n(define z q)\n") == 0,
	      "two missing '}': one error, the following declarations intact");
	if (r.errors != 1)
		show("got", r.diags);
	result_free(&r);
	expect_error("missing '}' in the middle of a statement", "service a { seccomp { allow s(a ==\nservice b keep x",
		     1, "t.cap:2:1: error: unexpected 'service', expecting a value");

	expect_diags("unexpected end of file points at the last line",
		     "service a {\n  keep x,\n\n",
		     "t.cap:2:10: error: unexpected end of file, expecting a capability name\n"
		     "      keep x,\n"
		     "             ^\n"
		     "t.cap:1:11: note: to match this '{'\n"
		     "    service a {\n"
		     "              ^\n");
	expect_error("end of file after a keyword", "service", 1,
		     "t.cap:1:8: error: unexpected end of file, expecting a service name");
	expect_error("stray '}' at the top level", "service a { keep x } }", 1,
		     "t.cap:1:22: error: unexpected '}', expecting a declaration (service, session, define or include)");
	expect_error("expected operator after argument", "service s { seccomp { allow a(x 1) } }", 1,
		     "t.cap:1:33: error: unexpected number '1', expecting a comparison operator, '&', 'in' or 'not'");
	expect_error("'not' must be followed by 'in'", "service s { seccomp { allow a(x not 1) } }", 1,
		     "t.cap:1:37: error: expected 'in' after 'not'");
	expect_error("errno needs a value", "service s { seccomp { deny a errno } }", 1,
		     "t.cap:1:36: error: unexpected '}', expecting an errno name or number");
	expect_error("point needs 'on'", "service s { point a b }", 1, "t.cap:1:21: error: expected 'on' after 'a'");
	expect_error("keep does not take @groups", "service s { keep @x }", 1,
		     "unexpected group '@x', expecting a capability name");
	expect_error("what a name means comes from the token before the error", "session s { user keep x }", 1,
		     "t.cap:1:18: error: unexpected 'keep', expecting a user name or number");
	expect_error("missing '{' right before the next declaration", "service a { seccomp\nservice b keep x", 1,
		     "t.cap:2:1: error: expected '{' after 'seccomp'");
	expect_error("define without a name", "define = x", 1, "unexpected '=', expecting a name to define");
	expect_error("include needs a string", "include x", 1,
		     "t.cap:1:9: error: unexpected name 'x', expecting a file name in quotes");
}

/* ---------------------------------------------------------------- limits */

static char *repeat(const char *head, const char *unit, size_t n, const char *mid, const char *unit2, size_t n2,
		    const char *tail)
{
	size_t len = strlen(head) + strlen(unit) * n + strlen(mid) + strlen(unit2) * n2 + strlen(tail) + 1;
	char *s = malloc(len), *p = s;
	if (!s)
		abort();
	p = stpcpy(p, head);
	for (size_t i = 0; i < n; i++)
		p = stpcpy(p, unit);
	p = stpcpy(p, mid);
	for (size_t i = 0; i < n2; i++)
		p = stpcpy(p, unit2);
	stpcpy(p, tail);
	return s;
}

static void expect_limited(const char *desc, char *text, const char *needle)
{
	struct result r = parse(text);
	bool good = r.errors == 1 && strstr(r.diags, needle) &&
		    strcmp(r.ast, "(service a\n  (seccomp)\n  (keep y))\n") == 0;
	ok(good, "%s", desc);
	if (!good) {
		printf("#   errors: %u\n", r.errors);
		show("got", r.ast);
	}
	result_free(&r);
	free(text);
}

static void test_limits(void)
{
	expect_limited("100000 nested parentheses: one error, no crash",
		       repeat("service a { seccomp { allow x(", "(", 100000, "a == 1", ")", 100000, ") } keep y }"),
		       "error: expression nested too deeply");
	expect_limited("100000 '!': one error",
		       repeat("service a { seccomp { allow x(", "!", 100000, "a == 1", "", 0, ") } keep y }"),
		       "error: expression nested too deeply");
	expect_limited("100000 '-' in a value: one error",
		       repeat("service a { seccomp { allow x(a == ", "-", 100000, "1", "", 0, ") } keep y }"),
		       "error: expression nested too deeply");
	expect_limited("100000 values in a '|' chain: one error",
		       repeat("service a { seccomp { allow x(a == 1", " | 1", 100000, "", "", 0, ") } keep y }"),
		       "error: expression too complex");
	expect_limited("100000 comparisons in a '||' chain: one error",
		       repeat("service a { seccomp { allow x(a == 1", " || a == 1", 100000, "", "", 0, ") } keep y }"),
		       "error: expression too complex");
	char *ok100 = repeat("service a { seccomp { allow x(", "(", 99, "a == 1", ")", 99, ") } }");
	struct result r = parse(ok100);
	ok(r.errors == 0, "99 nested parentheses are fine");
	result_free(&r);
	free(ok100);

	char *many = repeat("service a {", " keep 1", 1000, "", "", 0, "}");
	r = parse(many);
	ok(r.errors == 100 && strstr(r.diags, "note: too many errors (100); stopping"),
	      "error limit: stops after 100 errors");
	result_free(&r);
	free(many);
}

/* ---------------------------------------------------------------- includes */

static char tmpdir[64];

static void write_file(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		printf("not ok - cannot write %s\n", path);
		exit(1);
	}
}

static void test_includes(void)
{
	char path[256];
	strcpy(tmpdir, "/tmp/capc-test-parser.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		ok(false, "mkdtemp");
		return;
	}
	snprintf(path, sizeof path, "%s/sub", tmpdir);
	mkdir(path, 0755);
	write_file("main.cap", "define d = x\ninclude \"sub/a.cap\"\nservice m keep y\n");
	write_file("sub/a.cap", "service a1 keep a\ninclude \"b.cap\"\nservice a2 keep a\n");
	write_file("sub/b.cap", "service b keep b\n");

	snprintf(path, sizeof path, "%s/main.cap", tmpdir);
	struct result r = parse_path(path);
	const char *want = "(define d x)\n(service a1 :oneliner\n  (keep a)\n  (no_new_privs))\n"
			   "(service b :oneliner\n  (keep b)\n  (no_new_privs))\n"
			   "(service a2 :oneliner\n  (keep a)\n  (no_new_privs))\n"
			   "(service m :oneliner\n  (keep y)\n  (no_new_privs))\n";
	ok(r.errors == 0 && strcmp(r.ast, want) == 0, "include: relative to the including file, spliced in order");
	if (r.errors || strcmp(r.ast, want) != 0) {
		show("got", r.ast);
		show("diagnostics", r.diags);
	}
	const struct ast_decl *d = r.u ? r.u->decls : NULL;
	d = d ? d->next : NULL;
	ok(d && d->loc.file && strstr(d->loc.file->path, "sub/a.cap") && at(&d->loc, 1, 1, 7),
	      "include: locations point into the included file");
	result_free(&r);

	write_file("sub/b.cap", "service b keep b\ninclude \"../main.cap\"\n");
	r = parse_path(path);
	ok(r.errors == 1 && strstr(r.diags, "sub/b.cap:2:9: error: include cycle: ") &&
		      strstr(r.diags, "main.cap -> ") && strstr(r.diags, "sub/a.cap -> ") &&
		      strstr(r.diags, "sub/b.cap -> ") && strstr(r.diags, "sub/../main.cap\n") &&
		      strstr(r.diags, "In file included from "),
	      "include cycle: error naming the chain");
	if (r.errors != 1)
		show("got", r.diags);
	result_free(&r);

	write_file("self.cap", "include \"self.cap\"\nservice s keep x\n");
	snprintf(path, sizeof path, "%s/self.cap", tmpdir);
	r = parse_path(path);
	ok(r.errors == 1 && strstr(r.diags, "self.cap:1:9: error: include cycle: ") && r.u && r.u->decls,
	      "a file including itself");
	result_free(&r);

	write_file("missing.cap", "service s keep x\ninclude \"nope.cap\"\n");
	snprintf(path, sizeof path, "%s/missing.cap", tmpdir);
	r = parse_path(path);
	ok(r.errors == 1 && strstr(r.diags, "missing.cap:2:9: error: cannot open '") &&
		      strstr(r.diags, "/nope.cap': No such file or directory"),
	      "include of a missing file: error at the include");
	result_free(&r);

	write_file("broken.cap", "include \"sub/bad.cap\"\n");
	write_file("sub/bad.cap", "service s { keep 5 }\n");
	snprintf(path, sizeof path, "%s/broken.cap", tmpdir);
	r = parse_path(path);
	ok(r.errors == 1 && strstr(r.diags, "In file included from ") &&
		      strstr(r.diags, "sub/bad.cap:1:18: error: unexpected number '5'"),
	      "errors in an included file name it");
	result_free(&r);

	for (int i = 0; i < 20; i++) {
		char name[32], text[64];
		snprintf(name, sizeof name, "n%d.cap", i);
		snprintf(text, sizeof text, "include \"n%d.cap\"\n", i + 1);
		write_file(name, text);
	}
	write_file("n20.cap", "service deep keep x\n");
	snprintf(path, sizeof path, "%s/n0.cap", tmpdir);
	r = parse_path(path);
	/* n0 is the main file; n1 .. n16 are the 16 allowed levels. */
	ok(r.errors == 1 && strstr(r.diags, "/n16.cap:1:9: error: includes nested too deeply (more than 16 levels)"),
	      "include depth is limited to 16");
	if (r.errors != 1)
		show("got", r.diags);
	result_free(&r);

	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
}

/* ---------------------------------------------------------------- robustness */

/* Mutations of valid policies must never crash or leak (run under ASan). */
static void test_mutations(void)
{
	static const char *const seeds[] = {
		"service webd {\n bound net_bind_service, setuid\n no_new_privs\n after listen {\n user nobody\n"
		" seccomp {\n default errno EPERM\n allow @system-service\n deny ptrace, mount errno EACCES\n"
		" allow socket(domain == AF_INET || !(flags & 0x80 not in {1, -2, ~3|4}))\n }\n }\n}\n",
		"session s { user tak drop net_raw group 10 { keep a } default drop all }\n"
		"define x = a, @b\nservice ftp keep net_bind_service, chown after auth\n",
	};
	static const char *const pieces[] = { "{", "}", "(", ")", ",", "==", "&", "|", "!", "-", "keep ", "seccomp ",
					      "kill ", "in ", "not ", "service ", "\"", "@", "0x", "9", "\n", "#",
					      "after ", "user ", "errno " };
	unsigned seed = 12345;
	FILE *null = fopen("/dev/null", "w");
	bool fine = null != NULL;
	char buf[1024];

	for (int iter = 0; fine && iter < 3000; iter++) {
		const char *src = seeds[iter % 2];
		size_t len = strlen(src);
		memcpy(buf, src, len + 1);
		for (int k = 0; k < 4; k++) {
			seed = seed * 1103515245u + 12345u;
			size_t pos = (seed >> 8) % len;
			seed = seed * 1103515245u + 12345u;
			switch ((seed >> 16) % 3) {
			case 0: /* delete a run */
				memmove(buf + pos, buf + pos + (pos + 4 < len ? 4 : 0), len - pos + 1 - (pos + 4 < len ? 4 : 0));
				break;
			case 1: { /* insert a piece */
				const char *p = pieces[(seed >> 4) % (sizeof pieces / sizeof pieces[0])];
				size_t pl = strlen(p);
				if (len + pl + 1 < sizeof buf) {
					memmove(buf + pos + pl, buf + pos, len - pos + 1);
					memcpy(buf + pos, p, pl);
				}
				break;
			}
			default: /* flip a byte */
				buf[pos] = (char)(seed >> 3);
				break;
			}
			len = strlen(buf);
			if (len == 0)
				break;
		}
		diag_set_stream(null);
		struct ast_unit *u = ast_parse_file(diag_load_text("m.cap", buf, len));
		ast_print(u, null);
		ast_free_unit(u);
		diag_set_stream(NULL);
	}
	if (null)
		fclose(null);
	ok(fine, "3000 mutated policies parse without crashing");
}

int main(void)
{
	test_normative();
	test_oneliner();
	test_sessions();
	test_define();
	test_statements();
	test_keyword_names();
	test_seccomp();
	test_numbers();
	test_lexical();
	test_syntax_errors();
	test_limits();
	test_includes();
	test_mutations();
	diag_shutdown();
	return failures ? 1 : 0;
}
