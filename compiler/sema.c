/* sema.c - resolve names, fold statements into stages, check feasibility.
 *
 * A service has an "exec" stage (its service-level statements, applied by
 * capload before exec) and one stage per `after POINT` block, in source
 * order, which is the order the program reaches them. A session has one
 * stage per rule. Each stage is lowered into the masks of struct
 * capbin_stage; the tables in docs/language.md say what each statement
 * means in terms of /proc/self/status, and the code below implements
 * exactly those tables (lower_stage()).
 *
 * Feasibility is checked with the kernel model of capmodel.c run on
 * "may hold" sets: a capability is certainly gone when no path through the
 * earlier stages keeps it, and a stage that needs it (cap_setpcap for the
 * bounding set and securebits, cap_setuid/cap_setgid for an identity
 * switch, cap_sys_admin for a filter without no_new_privs) is an error that
 * names the statement that removed it.
 */
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "capbin.h"
#include "capmodel.h"
#include "seccomp.h"
#include "expect.h"
#include "sema.h"
#include "tables.h"
#include "xalloc.h"

#define ALL_CAPS (~(uint64_t)0)
#define BIT(c) ((uint64_t)1 << (c))
#define MAX_DEPTH 32

/* Capabilities that amount to root when a program holds them. */
static const struct {
	const char *name;
	const char *why;
} root_equivalent[] = {
	{"sys_admin", "mounts, namespaces and most admin interfaces: effectively root"},
	{"sys_module", "it loads code into the kernel"},
	{"sys_rawio", "raw I/O and /dev/mem reach kernel memory"},
	{"sys_ptrace", "it can inject code into root's processes"},
	{"dac_override", "it can write any file, /etc/shadow included"},
	{"dac_read_search", "it can read any file and open files by handle"},
	{"setuid", "it can switch to uid 0"},
	{"setfcap", "it can give any program any capability"},
	{"mknod", "device nodes give raw access to disks and memory"},
	{"bpf", "BPF programs can read kernel memory"},
	{NULL, NULL},
};

/* Securebit names (linux/securebits.h, without SECBIT_). */
static const struct {
	const char *name;
	uint32_t bit;
} securebit_names[] = {
	{"noroot", CAPBIN_SECBIT_NOROOT},
	{"noroot_locked", CAPBIN_SECBIT_NOROOT_LOCKED},
	{"no_setuid_fixup", CAPBIN_SECBIT_NO_SETUID_FIXUP},
	{"no_setuid_fixup_locked", CAPBIN_SECBIT_NO_SETUID_FIXUP_LOCKED},
	{"keep_caps", CAPBIN_SECBIT_KEEP_CAPS},
	{"keep_caps_locked", CAPBIN_SECBIT_KEEP_CAPS_LOCKED},
	{"no_cap_ambient_raise", CAPBIN_SECBIT_NO_CAP_AMBIENT_RAISE},
	{"no_cap_ambient_raise_locked", CAPBIN_SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED},
	{NULL, 0},
};

/* `lock`: noroot, no_setuid_fixup and keep_caps off, each locked. */
#define LOCK_MASK                                                                                          \
	(CAPBIN_SECBIT_NOROOT | CAPBIN_SECBIT_NOROOT_LOCKED | CAPBIN_SECBIT_NO_SETUID_FIXUP |                \
	 CAPBIN_SECBIT_NO_SETUID_FIXUP_LOCKED | CAPBIN_SECBIT_KEEP_CAPS | CAPBIN_SECBIT_KEEP_CAPS_LOCKED)
#define LOCK_VALUE (LOCK_MASK & ~CAPBIN_SECBIT_KEEP_CAPS)

/* Triggers a point can be reached by (docs/language.md, "Points"). */
static const struct {
	const char *name;
	uint16_t trigger;
} trigger_names[] = {
	{"setuid", CAPBIN_TRIGGER_SETUID}, {"setgid", CAPBIN_TRIGGER_SETGID}, {"listen", CAPBIN_TRIGGER_LISTEN},
	{"chroot", CAPBIN_TRIGGER_CHROOT}, {"manual", CAPBIN_TRIGGER_MANUAL}, {NULL, 0},
};

static const char *trigger_name(uint16_t t)
{
	for (int k = 0; trigger_names[k].name; k++)
		if (trigger_names[k].trigger == t)
			return trigger_names[k].name;
	return "?";
}

/* A point named like a trigger is reached by it unless `point` says
 * otherwise; `auth` is the moment an FTP-style daemon leaves root for the
 * authenticated user (ProFTPD's mod_cap drops there). */
static const struct {
	const char *point;
	uint16_t trigger;
} default_triggers[] = {
	{"auth", CAPBIN_TRIGGER_SETUID}, {"setuid", CAPBIN_TRIGGER_SETUID}, {"setgid", CAPBIN_TRIGGER_SETGID},
	{"listen", CAPBIN_TRIGGER_LISTEN}, {"chroot", CAPBIN_TRIGGER_CHROOT}, {NULL, 0},
};

enum stage_kind { SK_EXEC, SK_POINT, SK_SESSION };

/* What one stage's statements say, before lowering. */
struct sb {
	enum stage_kind kind;
	const char *point;
	struct loc loc;
	unsigned nstmts;
	uint16_t trigger;
	bool trigger_given;
	bool has_keep, has_bound, has_amb, has_inh;
	uint64_t keep, bound, drop, amb, inh;
	struct loc keep_loc, bound_loc, drop_loc, amb_loc, inh_loc;
	const struct ast_stmt *user, *group, *groups;
	bool nnp;
	struct loc nnp_loc;
	bool has_secbits;
	uint32_t sb_val, sb_mask;
	struct loc sb_loc;
	struct sc_filter *filter;
	bool has_default;
	struct loc seccomp_loc;
	size_t rule_cap, stmt_cap;
	uint64_t carried; /* capabilities held for later stages (exec stage only) */
	uint64_t release; /* carried capabilities this stage is the last to need: it drops them */
	struct ir_stage ir;
	struct ir_expect *expects; /* until lower_stage moves them into ir */
	size_t nexpects;
};

struct sema {
	const struct ast_unit *u;
	const struct sema_opts *opts;
	const struct ast_decl **defs;
	size_t ndefs;
	int *def_state;
	size_t ncap_cands;
};

/* "Where did this capability go": for error messages. */
struct prov {
	const char *stage;
	struct loc loc;
	bool set;
};

struct may {
	struct cm_state s;
	struct prov bnd_gone[64];
	struct prov prm_gone[64];
};

static const char *cap_str(int c, char *buf, size_t len)
{
	const char *n = tbl_cap_name(c);
	if (n)
		return n;
	snprintf(buf, len, "cap_%d", c);
	return buf;
}

/* "a, b and c" for a mask (bounded). */
static void caps_list(uint64_t m, char *buf, size_t len)
{
	size_t off = 0;
	int n = 0, total = __builtin_popcountll(m);
	buf[0] = '\0';
	for (int c = 0; c < 64 && off < len; c++) {
		if (!(m & BIT(c)))
			continue;
		char tmp[16];
		const char *sep = n == 0 ? "" : (n == total - 1 ? " and " : ", ");
		int w = snprintf(buf + off, len - off, "%s%s", sep, cap_str(c, tmp, sizeof tmp));
		if (w < 0)
			break;
		off += (size_t)w;
		n++;
	}
}

const char *sema_root_equivalent(int cap)
{
	const char *name = tbl_cap_name(cap);
	if (!name)
		return NULL;
	for (int i = 0; root_equivalent[i].name; i++)
		if (strcmp(root_equivalent[i].name, name) == 0)
			return root_equivalent[i].why;
	return NULL;
}

/* ------------------------------------------------------------------ defines */

static const struct ast_decl *find_define(struct sema *S, const char *name, size_t *idx)
{
	for (size_t i = 0; i < S->ndefs; i++) {
		if (strcmp(S->defs[i]->name.text, name) == 0) {
			if (idx)
				*idx = i;
			return S->defs[i];
		}
	}
	return NULL;
}

static size_t cap_candidate_count(struct sema *S)
{
	if (!S->ncap_cands)
		while (tbl_cap_candidate(NULL, S->ncap_cands))
			S->ncap_cands++;
	return S->ncap_cands;
}

/* Capabilities, then "all"/"none", then define names. */
static const char *cap_word_candidate(void *ctx, size_t i)
{
	struct sema *S = ctx;
	size_t n = cap_candidate_count(S);
	if (i < n)
		return tbl_cap_candidate(NULL, i);
	i -= n;
	if (i == 0)
		return "all";
	if (i == 1)
		return "none";
	i -= 2;
	return i < S->ndefs ? S->defs[i]->name.text : NULL;
}

/* Syscall names, then define names. */
struct sys_cand {
	struct sema *S;
	size_t nsys;
};

static const char *sys_word_candidate(void *ctx, size_t i)
{
	struct sys_cand *c = ctx;
	if (!c->nsys)
		while (tbl_syscall_candidate(NULL, c->nsys))
			c->nsys++;
	if (i < c->nsys)
		return tbl_syscall_candidate(NULL, i);
	i -= c->nsys;
	return i < c->S->ndefs ? c->S->defs[i]->name.text : NULL;
}

static void collect_defines(struct sema *S)
{
	size_t n = 0;
	for (const struct ast_decl *d = S->u->decls; d; d = d->next)
		if (d->kind == AD_DEFINE)
			n++;
	S->defs = calloc(n ? n : 1, sizeof *S->defs);
	S->def_state = calloc(n ? n : 1, sizeof *S->def_state);
	if (!S->defs || !S->def_state) {
		diag_fatal_noloc("out of memory");
		return;
	}
	for (const struct ast_decl *d = S->u->decls; d; d = d->next) {
		if (d->kind != AD_DEFINE)
			continue;
		const char *name = d->name.text;
		const struct ast_decl *prev = find_define(S, name, NULL);
		if (prev) {
			diag_error(&d->name.loc, "'%s' is already defined", name);
			diag_note(&prev->name.loc, "previous definition is here");
			continue;
		}
		if (strcasecmp(name, "all") == 0 || strcasecmp(name, "none") == 0 || tbl_cap_from_name(name) >= 0) {
			diag_error(&d->name.loc, "'%s' is a capability name; a define cannot reuse it", name);
			continue;
		}
		if (sc_syscall_known(name)) {
			diag_error(&d->name.loc, "'%s' is a syscall name; a define cannot reuse it", name);
			continue;
		}
		S->defs[S->ndefs++] = d;
	}
}

/* ------------------------------------------------------------ capabilities */

static bool caps_name(struct sema *S, const struct ast_name *n, uint64_t *mask, int depth);

static bool caps_define(struct sema *S, const struct ast_decl *d, size_t idx, const struct ast_name *use,
			uint64_t *mask, int depth)
{
	if (S->def_state[idx] == 1 || depth > MAX_DEPTH) {
		diag_error(&use->loc, "define '%s' refers to itself", d->name.text);
		return false;
	}
	S->def_state[idx] = 1;
	bool ok = true;
	for (size_t i = 0; i < d->items.n; i++) {
		const struct ast_name *it = &d->items.v[i];
		if (it->is_group) {
			diag_error(&use->loc, "'%s' is used as a capability list but contains the syscall group '@%s'",
				   d->name.text, it->text);
			diag_note(&it->loc, "'@%s' is here", it->text);
			ok = false;
			continue;
		}
		if (!caps_name(S, it, mask, depth + 1))
			ok = false;
	}
	S->def_state[idx] = 0;
	return ok;
}

static bool caps_name(struct sema *S, const struct ast_name *n, uint64_t *mask, int depth)
{
	if (n->is_group) {
		diag_error(&n->loc, "'@%s' is a syscall group, not a capability", n->text);
		return false;
	}
	if (strcasecmp(n->text, "all") == 0) {
		/* Every capability, including ones newer than this compiler:
		 * the runtime reads cap_last_cap. */
		*mask |= ALL_CAPS;
		return true;
	}
	if (strcasecmp(n->text, "none") == 0)
		return true;
	int c = tbl_cap_from_name(n->text);
	if (c >= 0) {
		*mask |= BIT(c);
		return true;
	}
	size_t idx;
	const struct ast_decl *d = find_define(S, n->text, &idx);
	if (d)
		return caps_define(S, d, idx, n, mask, depth);
	const char *hint = diag_suggest(n->text, cap_word_candidate, S);
	if (hint)
		diag_error(&n->loc, "unknown capability '%s'; did you mean '%s'?", n->text, hint);
	else
		diag_error(&n->loc, "unknown capability '%s'", n->text);
	return false;
}

static bool caps_resolve(struct sema *S, const struct ast_names *names, uint64_t *mask)
{
	bool ok = true;
	*mask = 0;
	for (size_t i = 0; i < names->n; i++)
		if (!caps_name(S, &names->v[i], mask, 0))
			ok = false;
	return ok;
}

/* ----------------------------------------------------------------- seccomp */

static bool value_eval(const struct ast_value *v, uint64_t *out, int depth)
{
	uint64_t a, b;
	if (depth > MAX_DEPTH * 4) {
		diag_error(&v->loc, "expression nested too deeply");
		return false;
	}
	switch (v->kind) {
	case AV_NUM:
		*out = v->num;
		return true;
	case AV_IDENT: {
		if (tbl_const(v->ident, out))
			return true;
		int e = tbl_errno_from_name(v->ident);
		if (e >= 0) {
			*out = (uint64_t)e;
			return true;
		}
		const char *hint = diag_suggest(v->ident, tbl_const_candidate, NULL);
		if (!hint)
			hint = diag_suggest(v->ident, tbl_errno_candidate, NULL);
		if (hint)
			diag_error(&v->loc, "unknown constant '%s'; did you mean '%s'?", v->ident, hint);
		else
			diag_error(&v->loc, "unknown constant '%s'", v->ident);
		return false;
	}
	case AV_OR:
		if (!value_eval(v->l, &a, depth + 1) | !value_eval(v->r, &b, depth + 1))
			return false;
		*out = a | b;
		return true;
	case AV_NEG:
		if (!value_eval(v->l, &a, depth + 1))
			return false;
		*out = (uint64_t)0 - a;
		return true;
	case AV_COMPL:
		if (!value_eval(v->l, &a, depth + 1))
			return false;
		*out = ~a;
		return true;
	}
	return false;
}

struct arg_cand {
	const char *syscall;
};

static const char *arg_candidate(void *ctx, size_t i)
{
	const struct arg_cand *c = ctx;
	if (i < 6)
		return tbl_syscall_arg_name(c->syscall, (unsigned)i);
	return NULL;
}

static int arg_index(const char *syscall, const struct ast_name *arg)
{
	int idx = tbl_syscall_arg(syscall, arg->text);
	if (idx >= 0)
		return idx;
	char list[256] = "";
	size_t off = 0;
	for (unsigned i = 0; i < 6; i++) {
		const char *n = tbl_syscall_arg_name(syscall, i);
		if (!n)
			break;
		int w = snprintf(list + off, sizeof list - off, "%s%s", i ? ", " : "", n);
		if (w < 0 || (size_t)w >= sizeof list - off)
			break;
		off += (size_t)w;
	}
	struct arg_cand c = {syscall};
	/* Only suggest among the syscall's own arguments: "domian" for
	 * socket() is "domain", never another syscall's argument. */
	const char *hint = diag_suggest(arg->text, arg_candidate, &c);
	if (hint)
		diag_error(&arg->loc, "'%s' is not an argument of %s(); did you mean '%s'?", arg->text, syscall, hint);
	else if (*list)
		diag_error(&arg->loc, "'%s' is not an argument of %s() (its arguments: %s; or use arg0..arg5)",
			   arg->text, syscall, list);
	else
		diag_error(&arg->loc, "'%s' is not an argument of %s() (name arguments arg0..arg5)", arg->text,
			   syscall);
	return -1;
}

static enum sc_op cmp_op(enum ast_cmp_op op)
{
	switch (op) {
	case OP_EQ:
		return SC_EQ;
	case OP_NE:
		return SC_NE;
	case OP_LT:
		return SC_LT;
	case OP_LE:
		return SC_LE;
	case OP_GT:
		return SC_GT;
	case OP_GE:
		return SC_GE;
	}
	return SC_EQ;
}

/* A constant wider than what the kernel reads of the argument: only its
 * low bits are compared (seccomp_cond.c), so say so. A negative constant
 * that fits sign-extended (AT_FDCWD for an int) is fine. */
static void check_width(const struct ast_cond *c, const char *syscall, int arg, uint64_t v, const char *what)
{
	unsigned bits = tbl_syscall_arg_bits(syscall, (unsigned)arg, 64);
	if (bits >= 64)
		return;
	uint64_t max = ((uint64_t)1 << bits) - 1;
	if (v <= max || v >= ~(max >> 1))
		return;
	diag_warning(&c->loc, "%s 0x%llx does not fit %s()'s %u-bit '%s': the kernel reads only its low bits, so 0x%llx is compared",
		     what, (unsigned long long)v, syscall, bits, c->arg.text, (unsigned long long)(v & max));
}

/* One comparison "arg [& mask] op value" as an expression. */
static struct sc_expr *cmp_expr(const struct ast_cond *c, int arg, bool has_mask, uint64_t mask, enum ast_cmp_op op,
				uint64_t value)
{
	if (!has_mask)
		return sc_expr_cmp((unsigned)arg, cmp_op(op), 0, value);
	if ((value & ~mask) != 0)
		diag_warning(&c->loc, "this comparison is %s: 0x%llx has bits outside the mask 0x%llx",
			     op == OP_EQ ? "never true" : "always true", (unsigned long long)value,
			     (unsigned long long)mask);
	struct sc_expr *e = sc_expr_cmp((unsigned)arg, SC_MASKED_EQ, mask, value & mask);
	if (op == OP_EQ && (value & ~mask))
		return sc_expr_bin(SE_AND, e, sc_expr_not(sc_expr_copy(e))); /* false */
	return op == OP_EQ ? e : sc_expr_not(e);
}

static struct sc_expr *cond_lower(const char *syscall, const struct ast_cond *c, int depth)
{
	if (depth > MAX_DEPTH * 4) {
		diag_error(&c->loc, "condition nested too deeply");
		return NULL;
	}
	switch (c->kind) {
	case AC_OR:
	case AC_AND: {
		struct sc_expr *l = cond_lower(syscall, c->l, depth + 1);
		struct sc_expr *r = cond_lower(syscall, c->r, depth + 1);
		if (!l || !r) {
			sc_expr_free(l);
			sc_expr_free(r);
			return NULL;
		}
		return sc_expr_bin(c->kind == AC_OR ? SE_OR : SE_AND, l, r);
	}
	case AC_NOT: {
		struct sc_expr *l = cond_lower(syscall, c->l, depth + 1);
		return l ? sc_expr_not(l) : NULL;
	}
	case AC_CMP:
	case AC_IN: {
		int arg = arg_index(syscall, &c->arg);
		uint64_t mask = 0;
		bool ok = arg >= 0;
		if (c->mask && !value_eval(c->mask, &mask, 0))
			ok = false;
		if (c->kind == AC_CMP) {
			uint64_t v = 0;
			if (!value_eval(c->rhs, &v, 0))
				ok = false;
			if (c->mask && c->op != OP_EQ && c->op != OP_NE) {
				diag_error(&c->loc, "a masked comparison must use == or != (got an ordering)");
				ok = false;
			}
			if (!ok)
				return NULL;
			if (c->mask)
				check_width(c, syscall, arg, mask, "mask");
			check_width(c, syscall, arg, v, "value");
			return cmp_expr(c, arg, c->mask != NULL, mask, c->op, v);
		}
		struct sc_expr *any = NULL;
		for (size_t i = 0; i < c->nset; i++) {
			uint64_t v = 0;
			if (!value_eval(c->set[i], &v, 0)) {
				ok = false;
				continue;
			}
			if (!ok)
				continue;
			check_width(c, syscall, arg, v, "value");
			struct sc_expr *e = cmp_expr(c, arg, c->mask != NULL, mask, OP_EQ, v);
			any = any ? sc_expr_bin(SE_OR, any, e) : e;
		}
		if (!ok || !any) {
			sc_expr_free(any);
			return NULL;
		}
		return c->negated ? sc_expr_not(any) : any;
	}
	}
	return NULL;
}

static bool filter_push_rule(struct sb *b, char *syscall, char *group, struct sc_expr *cond, uint32_t action,
			     unsigned stmt, const struct loc *loc)
{
	struct sc_filter *f = b->filter;
	if (f->nrules == b->rule_cap) {
		size_t cap = b->rule_cap ? b->rule_cap * 2 : 64;
		struct sc_rule *r = realloc(f->rules, cap * sizeof *r);
		if (!r)
			goto oom;
		f->rules = r;
		b->rule_cap = cap;
	}
	if (!syscall)
		goto oom;
	f->rules[f->nrules++] = (struct sc_rule){
		.syscall = syscall,
		.group = group,
		.cond = cond,
		.action = action,
		.stmt = stmt,
		.loc = *loc,
	};
	return true;
oom:
	free(syscall);
	free(group);
	sc_expr_free(cond);
	diag_fatal_noloc("out of memory");
	return false;
}

static void expand_group(struct sema *S, struct sb *b, const char *top, const char *name, const struct loc *loc,
			 uint32_t action, unsigned stmt, int depth)
{
	const struct tbl_group *g = tbl_group(name);
	if (!g || depth > MAX_DEPTH)
		return;
	for (size_t i = 0; i < g->nmembers; i++) {
		const char *m = g->members[i];
		if (m[0] == '@') {
			expand_group(S, b, top, m + 1, loc, action, stmt, depth + 1);
			continue;
		}
		char *g_copy = strdup(top);
		if (!g_copy) {
			diag_fatal_noloc("out of memory");
			return;
		}
		if (!filter_push_rule(b, strdup(m), g_copy, NULL, action, stmt, loc))
			return;
	}
}

static bool group_known(const struct ast_name *n)
{
	if (tbl_group(n->text))
		return true;
	const char *hint = diag_suggest(n->text, tbl_group_candidate, NULL);
	if (hint)
		diag_error(&n->loc, "unknown syscall group '@%s'; did you mean '@%s'?", n->text, hint);
	else
		diag_error(&n->loc, "unknown syscall group '@%s' (groups are systemd's: @system-service, @network-io, ...)",
			   n->text);
	return false;
}

static void add_syscall_name(struct sema *S, struct sb *b, const struct ast_name *n, const struct ast_cond *cond,
			     uint32_t action, unsigned stmt, int depth);

static void add_define_items(struct sema *S, struct sb *b, const struct ast_decl *d, size_t idx,
			     const struct ast_name *use, uint32_t action, unsigned stmt, int depth)
{
	if (S->def_state[idx] == 1 || depth > MAX_DEPTH) {
		diag_error(&use->loc, "define '%s' refers to itself", d->name.text);
		return;
	}
	S->def_state[idx] = 1;
	for (size_t i = 0; i < d->items.n; i++) {
		const struct ast_name *it = &d->items.v[i];
		if (it->is_group) {
			if (group_known(it))
				expand_group(S, b, it->text, it->text, &use->loc, action, stmt, 0);
		} else {
			add_syscall_name(S, b, it, NULL, action, stmt, depth + 1);
		}
	}
	S->def_state[idx] = 0;
}

static void add_syscall_name(struct sema *S, struct sb *b, const struct ast_name *n, const struct ast_cond *cond,
			     uint32_t action, unsigned stmt, int depth)
{
	size_t idx;
	const struct ast_decl *d = find_define(S, n->text, &idx);
	if (d) {
		if (cond) {
			diag_error(&n->loc, "a condition needs a single syscall; '%s' is a define", n->text);
			return;
		}
		add_define_items(S, b, d, idx, n, action, stmt, depth);
		return;
	}
	if (!sc_syscall_known(n->text)) {
		struct sys_cand c = {S, 0};
		const char *hint = diag_suggest(n->text, sys_word_candidate, &c);
		if (tbl_cap_from_name(n->text) >= 0 && !hint)
			diag_error(&n->loc, "unknown syscall '%s' (it is a capability name)", n->text);
		else if (hint)
			diag_error(&n->loc, "unknown syscall '%s'; did you mean '%s'?", n->text, hint);
		else
			diag_error(&n->loc, "unknown syscall '%s'", n->text);
		return;
	}
	struct sc_expr *e = NULL;
	if (cond) {
		e = cond_lower(n->text, cond, 0);
		if (!e)
			return;
	}
	filter_push_rule(b, strdup(n->text), NULL, e, action, stmt, &n->loc);
}

static bool errno_value(const struct ast_value *v, uint32_t *out)
{
	if (!v) {
		*out = 1; /* EPERM */
		return true;
	}
	if (v->kind == AV_NUM) {
		if (v->num > 4095) {
			diag_error(&v->loc, "errno %llu is out of range (0..4095)", (unsigned long long)v->num);
			return false;
		}
		*out = (uint32_t)v->num;
		return true;
	}
	if (v->kind == AV_IDENT) {
		int e = tbl_errno_from_name(v->ident);
		if (e >= 0) {
			*out = (uint32_t)e;
			return true;
		}
		const char *hint = diag_suggest(v->ident, tbl_errno_candidate, NULL);
		if (hint)
			diag_error(&v->loc, "unknown errno name '%s'; did you mean '%s'?", v->ident, hint);
		else
			diag_error(&v->loc, "unknown errno name '%s'", v->ident);
		return false;
	}
	diag_error(&v->loc, "expected an errno name or number");
	return false;
}

static bool action_value(const struct ast_action *a, uint32_t *out)
{
	uint32_t e;
	switch (a->kind) {
	case AA_ALLOW:
		*out = SC_ACT_ALLOW;
		return true;
	case AA_ERRNO:
		if (!errno_value(a->errno_val, &e))
			return false;
		*out = SC_ACT_ERRNO(e);
		return true;
	case AA_KILL_PROCESS:
		*out = SC_ACT_KILL_PROCESS;
		return true;
	case AA_KILL_THREAD:
		*out = SC_ACT_KILL_THREAD;
		return true;
	case AA_TRAP:
		*out = SC_ACT_TRAP;
		return true;
	case AA_LOG:
		*out = SC_ACT_LOG;
		return true;
	}
	return false;
}

/* `expect NAME(ARGS) ACTION`: kept for expect_check, after generation. */
static void collect_expect(struct sema *S, struct sb *b, const struct ast_sc_stmt *s)
{
	const struct ast_name *n = &s->targets[0].name;
	struct ir_expect e = { .loc = s->loc };
	bool ok = action_value(&s->action, &e.action);

	if (!sc_syscall_known(n->text)) {
		struct sys_cand c = {S, 0};
		const char *hint = diag_suggest(n->text, sys_word_candidate, &c);
		if (hint)
			diag_error(&n->loc, "unknown syscall '%s'; did you mean '%s'?", n->text, hint);
		else
			diag_error(&n->loc, "unknown syscall '%s'", n->text);
		ok = false;
	}
	if (s->nargs > 6) {
		diag_error(&s->args[6]->loc, "a system call has at most 6 arguments");
		ok = false;
	}
	for (size_t i = 0; i < s->nargs && i < 6; i++)
		ok &= value_eval(s->args[i], &e.args[i], 0);
	if (!ok)
		return;
	e.nargs = (unsigned)s->nargs;
	e.syscall = xstrdup(n->text);
	struct ir_expect *nv = realloc(b->expects, (b->nexpects + 1) * sizeof *nv);
	if (!nv) {
		free(e.syscall);
		diag_fatal_noloc("out of memory");
		return;
	}
	b->expects = nv;
	b->expects[b->nexpects++] = e;
}

static void collect_seccomp(struct sema *S, struct sb *b, const struct ast_stmt *st)
{
	if (!b->filter) {
		b->filter = calloc(1, sizeof *b->filter);
		if (!b->filter) {
			diag_fatal_noloc("out of memory");
			return;
		}
		b->seccomp_loc = st->loc;
	}
	struct sc_filter *f = b->filter;
	for (const struct ast_sc_stmt *s = st->seccomp; s; s = s->next) {
		uint32_t action;
		if (s->kind == SC_EXPECT) {
			collect_expect(S, b, s);
			continue;
		}
		if (!action_value(&s->action, &action)) {
			/* reported; a default it was all the same, so no "has
			 * no default" on top of it */
			if (s->kind == SC_DEFAULT)
				b->has_default = true;
			continue;
		}
		if (s->kind == SC_DEFAULT) {
			if (b->has_default) {
				diag_error(&s->loc, "a second 'default' for the filter of stage '%s'", b->point);
				diag_note(&f->default_loc, "the first one is here");
				continue;
			}
			b->has_default = true;
			f->default_action = action;
			f->default_loc = s->loc;
			continue;
		}
		if (f->nstmts == b->stmt_cap) {
			size_t cap = b->stmt_cap ? b->stmt_cap * 2 : 16;
			struct sc_stmt_info *ns = realloc(f->stmts, cap * sizeof *ns);
			if (!ns) {
				diag_fatal_noloc("out of memory");
				return;
			}
			f->stmts = ns;
			b->stmt_cap = cap;
		}
		unsigned idx = (unsigned)f->nstmts;
		f->stmts[f->nstmts++] = (struct sc_stmt_info){.loc = s->loc, .action = action};
		for (size_t i = 0; i < s->ntargets; i++) {
			const struct ast_target *t = &s->targets[i];
			if (t->name.is_group) {
				if (t->cond) {
					diag_error(&t->name.loc, "a condition needs a single syscall; '@%s' is a group",
						   t->name.text);
					continue;
				}
				if (group_known(&t->name))
					expand_group(S, b, t->name.text, t->name.text, &t->name.loc, action, idx, 0);
				continue;
			}
			add_syscall_name(S, b, &t->name, t->cond, action, idx, 0);
		}
	}
}

/* -------------------------------------------------------------- statements */

static bool id_is_root(const struct ast_id *id)
{
	return id->numeric ? id->num == 0 : strcmp(id->name, "root") == 0;
}

/* sema_opts.host_lookup and .after_syntax_error for the build in progress. */
static bool host_lookup, after_syntax_error;

static void check_id_exists(const struct ast_id *id, bool is_user)
{
	if (id->numeric) {
		if (id->num >= 0xfffffffeu)
			diag_error(&id->loc, "%s id %llu is out of range", is_user ? "user" : "group",
				   (unsigned long long)id->num);
		return;
	}
	/* Policies are often compiled on another machine than the one they
	 * run on: an unknown name is a warning here and resolved (or
	 * refused) where the policy runs. */
	if (host_lookup && (is_user ? getpwnam(id->name) == NULL : getgrnam(id->name) == NULL))
		diag_warning(&id->loc, "%s '%s' does not exist on this machine (it is resolved where the policy runs)",
			     is_user ? "user" : "group", id->name);
}

static void merge_securebits(struct sb *b, uint32_t val, uint32_t mask, const struct loc *loc)
{
	uint32_t clash = b->sb_mask & mask & (b->sb_val ^ val);
	if (clash) {
		diag_error(loc, "securebits conflict with an earlier statement of this stage (bits 0x%x)", clash);
		diag_note(&b->sb_loc, "the earlier statement is here");
		return;
	}
	if (!b->has_secbits)
		b->sb_loc = *loc;
	b->has_secbits = true;
	b->sb_val |= val & mask;
	b->sb_mask |= mask;
}

static void dup_error(const struct ast_stmt *st, const struct ast_stmt *prev, const char *what)
{
	diag_error(&st->loc, "'%s' given twice in one stage", what);
	diag_note(&prev->loc, "the first one is here");
}

static void collect_stmt(struct sema *S, struct sb *b, const struct ast_stmt *st)
{
	uint64_t m;
	b->nstmts++;
	switch (st->kind) {
	case AS_KEEP:
		if (caps_resolve(S, &st->names, &m)) {
			if (!b->has_keep)
				b->keep_loc = st->loc;
			b->has_keep = true;
			b->keep |= m;
		}
		break;
	case AS_DROP:
		if (caps_resolve(S, &st->names, &m)) {
			b->drop |= m;
			b->drop_loc = st->loc;
		}
		break;
	case AS_BOUND:
		if (caps_resolve(S, &st->names, &m)) {
			/* Several bound statements: the bounding set is what
			 * all of them allow. */
			b->bound = b->has_bound ? (b->bound & m) : m;
			if (!b->has_bound)
				b->bound_loc = st->loc;
			b->has_bound = true;
		}
		break;
	case AS_AMBIENT:
		if (caps_resolve(S, &st->names, &m)) {
			if (!b->has_amb)
				b->amb_loc = st->loc;
			b->has_amb = true;
			b->amb |= m;
		}
		break;
	case AS_INHERIT:
		if (caps_resolve(S, &st->names, &m)) {
			if (!b->has_inh)
				b->inh_loc = st->loc;
			b->has_inh = true;
			b->inh |= m;
		}
		break;
	case AS_USER:
	case AS_GROUP:
	case AS_GROUPS: {
		const char *what = st->kind == AS_USER ? "user" : st->kind == AS_GROUP ? "group" : "groups";
		if (b->kind == SK_SESSION) {
			diag_error(&st->loc,
				   "'%s' cannot be used in a session rule: the login program switches to the user itself",
				   what);
			break;
		}
		const struct ast_stmt **slot = st->kind == AS_USER ? &b->user : st->kind == AS_GROUP ? &b->group : &b->groups;
		if (*slot) {
			dup_error(st, *slot, what);
			break;
		}
		*slot = st;
		if (st->kind == AS_GROUPS) {
			for (size_t i = 0; i < st->ids.n; i++)
				check_id_exists(&st->ids.v[i], false);
			if (st->ids.n > CAPBIN_MAX_GROUPS)
				diag_error(&st->loc, "too many supplementary groups");
		} else {
			check_id_exists(&st->id, st->kind == AS_USER);
		}
		break;
	}
	case AS_NNP:
		if (!b->nnp)
			b->nnp_loc = st->loc;
		b->nnp = true;
		break;
	case AS_LOCK:
		/* lock implies no_new_privs: with noroot alone a set-user-ID
		 * root program still becomes euid 0 on exec (no capabilities,
		 * but owner access to root's files, /etc/shadow included). */
		if (!b->nnp)
			b->nnp_loc = st->loc;
		b->nnp = true;
		if (b->kind == SK_SESSION) {
			/* In a session the login program still has to drop root
			 * for the user after pam_capc ran; with no_setuid_fixup it
			 * would keep root's capabilities across that setuid()
			 * (sshd then refuses the session, and it could take uid 0
			 * back). So `lock` there locks noroot and keep_caps only. */
			const uint32_t lock_mask =
				LOCK_MASK & ~(CAPBIN_SECBIT_NO_SETUID_FIXUP | CAPBIN_SECBIT_NO_SETUID_FIXUP_LOCKED);
			merge_securebits(b, LOCK_VALUE & lock_mask, lock_mask, &st->loc);
		} else {
			merge_securebits(b, LOCK_VALUE, LOCK_MASK, &st->loc);
		}
		break;
	case AS_SECUREBITS: {
		uint32_t val = 0;
		bool ok = true;
		for (size_t i = 0; i < st->names.n; i++) {
			const struct ast_name *n = &st->names.v[i];
			int k;
			for (k = 0; securebit_names[k].name; k++)
				if (strcasecmp(securebit_names[k].name, n->text) == 0)
					break;
			if (!securebit_names[k].name) {
				static const char *const cands[] = {
					"noroot", "noroot_locked", "no_setuid_fixup", "no_setuid_fixup_locked",
					"keep_caps", "keep_caps_locked", "no_cap_ambient_raise",
					"no_cap_ambient_raise_locked", NULL,
				};
				const char *hint = diag_suggest_list(n->text, cands);
				if (hint)
					diag_error(&n->loc, "unknown securebit '%s'; did you mean '%s'?", n->text, hint);
				else
					diag_error(&n->loc, "unknown securebit '%s'", n->text);
				ok = false;
				continue;
			}
			val |= securebit_names[k].bit;
		}
		/* A listed bit is set; a listed lock also fixes its bit, so
		 * "keep_caps_locked" alone locks keep_caps off. */
		uint32_t mask = val | ((val & 0xaa) >> 1);
		if (ok && (val & CAPBIN_SECBIT_KEEP_CAPS) && b->kind != SK_POINT)
			diag_warning(&st->loc, "keep_caps is cleared by execve(): the %s never sees it",
				     b->kind == SK_EXEC ? "program" : "user's shell");
		if (ok && b->kind == SK_SESSION && (val & CAPBIN_SECBIT_NO_SETUID_FIXUP))
			diag_warning(&st->loc, "no_setuid_fixup in a session rule keeps root's capabilities across the "
					       "login program's switch to the user (sshd refuses such sessions)");
		if (ok)
			merge_securebits(b, val, mask, &st->loc);
		break;
	}
	case AS_SECCOMP:
		collect_seccomp(S, b, st);
		break;
	case AS_AFTER:
	case AS_POINT:
	case AS_ARCH:
	case AS_RULE_USER:
	case AS_RULE_GROUP:
	case AS_RULE_DEFAULT:
		diag_error(&st->loc, "this statement is not allowed here");
		break;
	}
}

/* --------------------------------------------------------------- lowering */

/* Capabilities the runtime needs to apply stage b itself. */
static uint64_t stage_needs(const struct sb *b, int setpcap, int setuid_c, int setgid_c)
{
	uint64_t need = 0;
	bool bnd_change = b->has_bound || b->has_keep || b->drop;
	if ((bnd_change || b->has_secbits) && setpcap >= 0)
		need |= BIT(setpcap);
	if (b->user && setuid_c >= 0)
		need |= BIT(setuid_c);
	if ((b->user || b->group || b->groups) && setgid_c >= 0)
		need |= BIT(setgid_c);
	return need;
}

static void set_id(struct ir_id *out, const struct ast_id *id)
{
	if (id->numeric) {
		out->name = NULL;
		out->id = (uint32_t)id->num;
	} else {
		out->name = xstrdup(id->name);
		out->id = CAPBIN_ID_NONE;
	}
}

/* Fold the statements of a stage into the masks of struct capbin_stage.
 * These are the tables of docs/language.md. */
static void lower_stage(struct sb *b)
{
	struct ir_stage *s = &b->ir;
	uint64_t drop = b->drop;
	bool user_nonroot = b->user && !id_is_root(&b->user->id);

	memset(s, 0, sizeof *s);
	s->point = xstrdup(b->point);
	s->loc = b->loc;
	s->trigger = b->trigger;

	/* Contradictions inside one stage. */
	if (b->has_keep && (b->keep & drop)) {
		char l[512];
		caps_list(b->keep & drop, l, sizeof l);
		diag_error(&b->drop_loc, "%s is both kept and dropped in this stage", l);
		diag_note(&b->keep_loc, "kept here");
	}
	if (b->has_keep && b->has_bound && (b->keep & ~b->bound)) {
		char l[512];
		caps_list(b->keep & ~b->bound, l, sizeof l);
		diag_error(&b->keep_loc, "keep: %s is outside this stage's bounding set", l);
		diag_note(&b->bound_loc, "bounding set given here");
	}
	{
		/* inherit/ambient outside the stage's own bounding set: the
		 * kernel refuses to make such a capability inheritable. */
		uint64_t bnd = (b->has_bound ? b->bound : b->has_keep && b->kind != SK_SESSION ? b->keep : ALL_CAPS) &
			       ~drop;
		if (b->has_inh && (b->inh & ~bnd & ~b->carried)) {
			char l[512];
			caps_list(b->inh & ~bnd & ~b->carried, l, sizeof l);
			diag_error(&b->inh_loc, "inherit: %s is outside this stage's bounding set", l);
		}
		if (b->has_amb && b->kind != SK_SESSION && (b->amb & ~bnd & ~b->carried)) {
			char l[512];
			caps_list(b->amb & ~bnd & ~b->carried, l, sizeof l);
			diag_error(&b->amb_loc, "ambient: %s is outside this stage's bounding set", l);
		}
	}
	if (b->has_amb && b->has_keep && (b->amb & ~b->keep)) {
		char l[512];
		caps_list(b->amb & ~b->keep, l, sizeof l);
		diag_error(&b->amb_loc, "ambient: %s is not kept (an ambient capability must be permitted)", l);
		diag_note(&b->keep_loc, "kept here");
	}

	if (b->kind == SK_SESSION) {
		/* From PAM only what survives the login program's own
		 * setuid()+execve() is worth applying: the bounding set and
		 * the inheritable set (docs/pam.md). Permitted and effective
		 * stay as they are: the login program still needs them. */
		uint64_t bnd = ALL_CAPS;
		if (b->has_bound)
			bnd &= b->bound;
		if (b->has_keep) {
			diag_warning(&b->keep_loc,
				     "in a session rule 'keep' only limits the bounding and inheritable sets: the "
				     "login program's switch to the user clears permitted and effective (write "
				     "'bound' to say so)");
			bnd &= b->keep;
		}
		bnd &= ~drop;
		s->bounding = bnd;
		s->prm_and = s->eff_and = ALL_CAPS;
		/* The inheritable set is not limited by the bounding set at
		 * execve() (pI & fI), so what the bounding set excludes must
		 * leave the inheritable set too. */
		if (b->has_inh) {
			s->inh_and = 0;
			s->inh_or = b->inh & bnd;
		} else {
			s->inh_and = bnd;
		}
		s->amb_and = ALL_CAPS;
		if (b->has_amb)
			diag_warning(&b->amb_loc,
				     "ambient capabilities do not survive the login program's switch to the user; "
				     "this statement is not compiled");
		if (b->filter)
			diag_warning(&b->seccomp_loc,
				     "a session filter also restricts the login program from session open on "
				     "(e.g. sshd's session process); make sure it allows what that program does");
	} else {
		bool exec = b->kind == SK_EXEC;
		uint64_t bnd = ALL_CAPS;
		if (b->has_bound)
			bnd &= b->bound;
		else if (b->has_keep)
			bnd &= b->keep;
		bnd &= ~drop;
		bnd |= b->carried;
		s->bounding = bnd;

		/* Permitted and effective. `keep` sets them exactly. A
		 * switch to a non-root user without `keep` empties them, as
		 * the kernel itself does. */
		if (b->has_keep) {
			s->prm_and = s->eff_and = 0;
			s->prm_or = s->eff_or = b->keep & ~drop;
		} else if (user_nonroot) {
			s->prm_and = s->eff_and = s->prm_or = s->eff_or = 0;
		} else {
			s->prm_and = s->eff_and = ~drop;
		}

		/* Inheritable and ambient. At exec, `keep` puts the caps in
		 * both so the program holds them after execve() whatever its
		 * uid (root would get them from the bounding set anyway, a
		 * non-root program only through ambient). At a later point
		 * the process keeps running, so nothing is needed there. */
		if (b->has_inh) {
			s->inh_and = 0;
			s->inh_or = b->inh;
		} else if (b->has_keep) {
			s->inh_and = 0;
			s->inh_or = exec ? b->keep : 0;
		} else {
			s->inh_and = ALL_CAPS;
		}
		if (b->has_amb) {
			s->amb_and = 0;
			s->amb_or = b->amb;
			s->inh_or |= b->amb; /* the kernel wants ambient caps inheritable */
		} else if (b->has_keep) {
			s->amb_and = 0;
			s->amb_or = exec ? b->keep : 0;
		} else if (user_nonroot) {
			s->amb_and = s->amb_or = 0;
		} else {
			s->amb_and = ALL_CAPS;
		}
		if (exec && b->has_keep && b->has_inh)
			s->inh_or |= b->keep;
		/* A capability outside the bounding set must not stay
		 * inheritable either: execve() grants pI & fI without looking
		 * at the bounding set (a root program gets all of pI). */
		s->inh_and &= bnd;
		s->inh_or &= bnd;
		s->inh_and &= ~drop;
		s->inh_or &= ~drop;
		s->amb_and &= ~drop;
		s->amb_or &= ~drop;

		/* Capabilities later stages need to apply themselves are
		 * held through exec (docs/language.md, "Capabilities held
		 * for later points"). */
		if (b->carried && s->prm_and == 0) {
			s->prm_or |= b->carried;
			s->eff_or |= b->carried;
			s->inh_or |= b->carried;
			s->amb_or |= b->carried;
		}
	}

	/* The last point that needs a capability held for it drops it
	 * (unless the point keeps it on purpose). The runtime drops it from
	 * the bounding set first and from the other sets at capset, after
	 * the steps that use it. */
	if (b->release) {
		uint64_t r = b->release & ~(b->has_keep ? b->keep : 0) & ~(b->has_amb ? b->amb : 0) &
			     ~(b->has_inh ? b->inh : 0);
		s->bounding &= ~r;
		s->prm_and &= ~r;
		s->prm_or &= ~r;
		s->eff_and &= ~r;
		s->eff_or &= ~r;
		s->inh_and &= ~r;
		s->inh_or &= ~r;
		s->amb_and &= ~r;
		s->amb_or &= ~r;
	}

	if (s->bounding != ALL_CAPS)
		s->flags |= CAPBIN_STAGE_BOUNDING;
	if (s->prm_and != ALL_CAPS || s->prm_or || s->eff_and != ALL_CAPS || s->eff_or || s->inh_and != ALL_CAPS ||
	    s->inh_or)
		s->flags |= CAPBIN_STAGE_CAPS;
	else
		s->prm_and = s->eff_and = s->inh_and = ALL_CAPS;
	if (s->amb_and != ALL_CAPS || s->amb_or)
		s->flags |= CAPBIN_STAGE_AMBIENT;
	else
		s->amb_and = ALL_CAPS;
	/* Sets a stage does not touch are stored as the identity. */
	if (!(s->flags & CAPBIN_STAGE_CAPS)) {
		s->prm_or = s->eff_or = s->inh_or = 0;
	}
	if (b->has_secbits) {
		s->flags |= CAPBIN_STAGE_SECUREBITS;
		s->securebits = b->sb_val;
		s->securebits_mask = b->sb_mask;
	}
	if (b->nnp)
		s->flags |= CAPBIN_STAGE_NNP;
	if (b->user) {
		s->flags |= CAPBIN_STAGE_USER;
		set_id(&s->user, &b->user->id);
	}
	if (b->group) {
		s->flags |= CAPBIN_STAGE_GROUP;
		set_id(&s->group, &b->group->id);
	} else if (b->user) {
		/* `user NAME` alone also switches to the user's primary group. */
		s->flags |= CAPBIN_STAGE_GROUP;
		s->group.name = NULL;
		s->group.id = CAPBIN_ID_USER_PRIMARY;
	}
	if (b->groups) {
		s->flags |= CAPBIN_STAGE_GROUPS;
		s->ngroups = b->groups->ids.n;
		s->groups = calloc(s->ngroups ? s->ngroups : 1, sizeof *s->groups);
		if (!s->groups) {
			diag_fatal_noloc("out of memory");
			s->ngroups = 0;
		}
		for (size_t i = 0; i < s->ngroups; i++)
			set_id(&s->groups[i], &b->groups->ids.v[i]);
	} else if (b->user || b->group) {
		/* An identity switch clears the supplementary groups (root's
		 * groups must not follow the process) unless `groups` says. */
		s->flags |= CAPBIN_STAGE_GROUPS;
	}
	if (b->filter) {
		s->flags |= CAPBIN_STAGE_SECCOMP;
		s->filter = b->filter;
		b->filter = NULL;
		s->expects = b->expects;
		s->nexpects = b->nexpects;
		b->expects = NULL;
		b->nexpects = 0;
	}
}

/* ------------------------------------------------------------------ checks */

/* The statement that removed capability c in stage b (for notes). */
static struct loc removal_loc(const struct sb *b, int c)
{
	/* At exec the kernel recomputes the sets: a root program under
	 * noroot, or a non-root program, keeps only its ambient set. */
	if (b->kind == SK_EXEC && !(b->drop & BIT(c)) && (!b->has_bound || (b->bound & BIT(c))) &&
	    (!b->has_keep || (b->keep & BIT(c)))) {
		if (b->has_secbits && (b->sb_val & CAPBIN_SECBIT_NOROOT))
			return b->sb_loc;
		if (b->user)
			return b->user->loc;
	}
	if (b->drop & BIT(c))
		return b->drop_loc;
	if (b->has_bound && !(b->bound & BIT(c)))
		return b->bound_loc;
	if (b->has_keep && !(b->keep & BIT(c)))
		return b->keep_loc;
	if (b->user)
		return b->user->loc;
	return b->loc;
}

static void report_missing(const char *what, const struct loc *at, const struct sb *b, const struct may *m, int c,
			   bool from_bounding)
{
	char tmp[16];
	const struct prov *p = from_bounding ? &m->bnd_gone[c] : &m->prm_gone[c];
	const char *name = cap_str(c, tmp, sizeof tmp);
	if (p->set) {
		diag_error(at, "%s at point '%s' needs %s, which stage '%s' already removed%s", what, b->point, name,
			   p->stage, from_bounding ? " from the bounding set" : "");
		diag_note(&p->loc, "removed here");
	} else {
		diag_error(at, "%s at point '%s' needs %s, which the process no longer holds", what, b->point, name);
	}
}

/* Check stage b against what the process may hold before it, then
 * advance the state. */
static void check_stage(struct sb *b, struct may *m, bool check_needs)
{
	const struct ir_stage *s = &b->ir;
	int setpcap = tbl_cap_from_name("setpcap");
	int setuid_c = tbl_cap_from_name("setuid");
	int setgid_c = tbl_cap_from_name("setgid");
	int sys_admin = tbl_cap_from_name("sys_admin");
	struct cm_state before = m->s;

	if (check_needs) {
		/* The runtime drops from the bounding set and sets securebits
		 * while it still holds cap_setpcap, then switches identity,
		 * then sets the capability sets (runtime/capr_apply.c). */
		if ((s->flags & CAPBIN_STAGE_BOUNDING) && (before.bnd & ~s->bounding) && !(before.prm & BIT(setpcap))) {
			struct loc at = b->has_keep ? b->keep_loc : b->has_bound ? b->bound_loc : b->drop_loc;
			report_missing("changing the bounding set", &at, b, m, setpcap, false);
		}
		if ((s->flags & CAPBIN_STAGE_SECUREBITS) && !(before.prm & BIT(setpcap)))
			report_missing("setting securebits ('lock')", &b->sb_loc, b, m, setpcap, false);
		if (b->user && !(before.prm & BIT(setuid_c)))
			report_missing("switching user", &b->user->loc, b, m, setuid_c, false);
		if ((b->user || b->group || b->groups) && !(before.prm & BIT(setgid_c))) {
			const struct ast_stmt *st = b->user ? b->user : b->group ? b->group : b->groups;
			report_missing("switching group", &st->loc, b, m, setgid_c, false);
		}
		/* keep: permitted can only shrink. */
		if (b->has_keep && b->kind != SK_SESSION) {
			uint64_t missing = b->keep & ~before.prm;
			for (int c = 0; c < 64 && missing; c++) {
				if (!(missing & BIT(c)))
					continue;
				missing &= ~BIT(c);
				bool bnd = !(before.bnd & BIT(c));
				report_missing("keep", &b->keep_loc, b, m, c, bnd);
			}
		}
	}
	/* inherit/ambient: the kernel only adds inheritable caps that
	 * are in the bounding set, and the runtime has already applied
	 * this stage's own bounding drops by then. */
	uint64_t new_inh = s->inh_or & ~before.inh;
	uint64_t bnd_then = before.bnd & ((s->flags & CAPBIN_STAGE_BOUNDING) ? s->bounding : ALL_CAPS);
	for (int c = 0; c < 64; c++) {
		if ((new_inh & BIT(c)) && !(bnd_then & BIT(c))) {
			struct loc at = b->has_inh ? b->inh_loc : b->has_amb ? b->amb_loc : b->keep_loc;
			report_missing("an inheritable capability", &at, b, m, c, true);
		}
	}
	if (s->amb_or && (s->securebits & s->securebits_mask & CAPBIN_SECBIT_NO_CAP_AMBIENT_RAISE)) {
		const struct loc *at = b->has_amb ? &b->amb_loc : &b->keep_loc;
		diag_error(at, "ambient capabilities cannot be raised: this stage sets no_cap_ambient_raise%s",
			   b->has_amb ? "" : " (keep at exec raises them so they survive execve())");
		diag_note(&b->sb_loc, "set here");
	}
	/* keep at exec promises the program holds the capabilities; a
	 * non-root program (or root under noroot) only gets its ambient set
	 * from execve(). */
	if (b->kind == SK_EXEC && b->has_keep && b->has_amb) {
		bool nonroot = (b->user && !id_is_root(&b->user->id)) ||
			       (b->has_secbits && (b->sb_val & CAPBIN_SECBIT_NOROOT));
		uint64_t lost = b->keep & ~b->amb & ~b->drop;
		if (nonroot && lost) {
			char l[256];
			caps_list(lost, l, sizeof l);
			diag_warning(&b->amb_loc,
				     "the program will not hold %s after exec: a non-root program keeps only its "
				     "ambient capabilities, and this 'ambient' leaves %s out",
				     l, __builtin_popcountll(lost) > 1 ? "them" : "it");
		}
	}
	if ((s->securebits_mask & CAPBIN_SECBIT_KEEP_CAPS_LOCKED) && !(s->securebits & CAPBIN_SECBIT_KEEP_CAPS) &&
	    b->user && !id_is_root(&b->user->id) && (s->prm_or || s->prm_and) &&
	    !(s->securebits & CAPBIN_SECBIT_NO_SETUID_FIXUP))
		diag_error(&b->sb_loc, "keep_caps is locked off, so no capability survives the switch to '%s'; add "
				       "no_setuid_fixup (or use 'lock')",
			   b->user->id.numeric ? "uid" : b->user->id.name);

	/* Root-equivalent capabilities kept by a service stage. */
	if (b->kind != SK_SESSION) {
		uint64_t held = (b->has_keep ? b->keep : 0) | (b->has_amb ? b->amb : 0) | (b->has_inh ? b->inh : 0);
		held &= ~b->drop;
		for (int c = 0; c < 64 && held != ALL_CAPS; c++) {
			const char *why = (held & BIT(c)) ? sema_root_equivalent(c) : NULL;
			if (why) {
				char tmp[16];
				struct loc at = b->has_keep && (b->keep & BIT(c)) ? b->keep_loc
						: b->has_amb && (b->amb & BIT(c)) ? b->amb_loc
										     : b->inh_loc;
				diag_warning(&at, "keeping %s amounts to root: %s", cap_str(c, tmp, sizeof tmp), why);
			}
		}
	}

	struct cm_stage cs = CM_STAGE_OF(&b->ir, b->user && id_is_root(&b->user->id));
	/* In the may-analysis the process may still be root unless this
	 * stage switched to a non-root user. */
	/* A setuid-triggered point is reached by the program's own switch
	 * away from root, which needs cap_setuid; what the stage does not
	 * keep ends as that switch leaves it. */
	if (b->trigger == CAPBIN_TRIGGER_SETUID) {
		int setuid_cap = tbl_cap_from_name("setuid");
		if (check_needs && !(before.prm & BIT(setuid_cap)))
			diag_warning(&b->loc,
				     "point '%s' is reached when the program switches away from root, which needs "
				     "setuid; the program no longer holds it here, so its setuid() will fail",
				     b->point);
		cm_leave_root(&m->s);
	}
	cm_apply(&m->s, &cs);
	if (!b->user)
		m->s.root = before.root;

	/* Seccomp needs no_new_privs or cap_sys_admin at load time, which
	 * is after this stage's capset. */
	if ((s->flags & CAPBIN_STAGE_SECCOMP) && !m->s.nnp) {
		if (!(m->s.eff & BIT(sys_admin)))
			diag_error(&b->seccomp_loc,
				   "this filter cannot be loaded: without no_new_privs the kernel requires cap_sys_admin, "
				   "which the process no longer holds at point '%s'; add no_new_privs",
				   b->point);
		else
			diag_warning(&b->seccomp_loc,
				     "seccomp filter without no_new_privs: loading it needs cap_sys_admin; add "
				     "no_new_privs");
	}

	if (b->kind == SK_EXEC)
		cm_exec(&m->s);

	for (int c = 0; c < 64; c++) {
		if ((before.bnd & BIT(c)) && !(m->s.bnd & BIT(c))) {
			m->bnd_gone[c] = (struct prov){b->point, removal_loc(b, c), true};
		}
		if ((before.prm & BIT(c)) && !(m->s.prm & BIT(c))) {
			if (m->bnd_gone[c].set && !(m->s.bnd & BIT(c)))
				m->prm_gone[c] = m->bnd_gone[c];
			else
				m->prm_gone[c] = (struct prov){b->point, removal_loc(b, c), true};
		}
	}
}

/* ----------------------------------------------------------------- arches */

static int resolve_arches(struct sema *S, const struct ast_stmt *arch_stmt, struct ir_policy *p)
{
	const char *const *names = S->opts ? S->opts->target : NULL;
	char err[256];
	const char *list[CAPBIN_MAX_ARCHES * 3];
	size_t n = 0;

	if (names) {
		for (; *names && n < sizeof list / sizeof list[0]; names++)
			list[n++] = *names;
	} else if (arch_stmt) {
		for (size_t i = 0; i < arch_stmt->names.n && n < sizeof list / sizeof list[0]; i++)
			list[n++] = arch_stmt->names.v[i].text;
	}
	if (n == 0) {
		if (sc_arch_native(&p->arches[0]) < 0) {
			diag_fatal_noloc("libseccomp does not know this machine's architecture");
			return -1;
		}
		p->narch = 1;
		return 0;
	}
	/* Group ABIs by kernel arch: x86_64 + x86 + x32 are one kernel,
	 * aarch64 + arm another. */
	bool used[CAPBIN_MAX_ARCHES * 3] = {false};
	for (size_t i = 0; i < n; i++) {
		if (used[i])
			continue;
		const char *group[CAPBIN_MAX_ARCHES * 3];
		size_t g = 0;
		group[g++] = list[i];
		used[i] = true;
		struct ir_arch a;
		if (sc_arch_from_names(group, g, &a, err, sizeof err) < 0) {
			const struct loc *at = arch_stmt && !names ? &arch_stmt->names.v[i].loc : NULL;
			if (at)
				diag_error(at, "%s", err);
			else
				diag_fatal_noloc("--target: %s", err);
			return -1;
		}
		for (size_t j = i + 1; j < n; j++) {
			if (used[j])
				continue;
			group[g] = list[j];
			struct ir_arch t;
			if (sc_arch_from_names(group, g + 1, &t, err, sizeof err) == 0) {
				a = t;
				g++;
				used[j] = true;
			}
		}
		for (size_t k = 0; k < p->narch; k++) {
			if (p->arches[k].audit_arch == a.audit_arch) {
				diag_fatal_noloc("architecture '%s' listed twice", list[i]);
				return -1;
			}
		}
		if (p->narch == CAPBIN_MAX_ARCHES) {
			diag_fatal_noloc("too many architectures (at most %d)", CAPBIN_MAX_ARCHES);
			return -1;
		}
		p->arches[p->narch++] = a;
	}
	return 0;
}

/* ---------------------------------------------------------------- services */

static struct sb *new_sb(struct sb **v, size_t *n, enum stage_kind kind, const char *point, const struct loc *loc)
{
	struct sb *nv = realloc(*v, (*n + 1) * sizeof **v);
	if (!nv) {
		diag_fatal_noloc("out of memory");
		return NULL;
	}
	*v = nv;
	struct sb *b = &nv[(*n)++];
	memset(b, 0, sizeof *b);
	b->kind = kind;
	b->point = point;
	b->loc = *loc;
	b->trigger = kind == SK_EXEC ? CAPBIN_TRIGGER_EXEC : kind == SK_SESSION ? CAPBIN_TRIGGER_SESSION
										  : CAPBIN_TRIGGER_MANUAL;
	return b;
}

static void free_sbs(struct sb *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		sc_filter_free(v[i].filter);
		for (size_t e = 0; e < v[i].nexpects; e++)
			free(v[i].expects[e].syscall);
		free(v[i].expects);
		ir_stage_free(&v[i].ir);
	}
	free(v);
}

static void check_filter_default(struct sb *b)
{
	/* After a syntax error the missing default may be the statement the
	 * parser dropped: not worth a second error. */
	if (b->ir.filter && !b->has_default && !after_syntax_error)
		diag_error(&b->seccomp_loc, "the filter of stage '%s' has no 'default' action", b->point);
	if (b->ir.filter)
		sc_check(b->ir.filter);
}

/* Move the lowered stages into the policy. */
static int take_stages(struct ir_policy *p, struct sb *v, size_t n)
{
	p->stages = calloc(n ? n : 1, sizeof *p->stages);
	if (!p->stages) {
		diag_fatal_noloc("out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		p->stages[i] = v[i].ir;
		memset(&v[i].ir, 0, sizeof v[i].ir);
	}
	p->nstages = n;
	return 0;
}

static int build_service(struct sema *S, const struct ast_decl *d, struct ir_policy *out)
{
	struct sb *v = NULL;
	size_t n = 0;
	const struct ast_stmt *arch_stmt = NULL;
	int rc = -1;
	unsigned errors_before = diag_error_count();

	if (!new_sb(&v, &n, SK_EXEC, "exec", &d->loc))
		return -1;
	for (const struct ast_stmt *st = d->body; st; st = st->next) {
		if (st->kind == AS_AFTER) {
			const char *pt = st->point.text;
			if (strcmp(pt, "exec") == 0 || strcmp(pt, "session") == 0) {
				diag_error(&st->point.loc, "'%s' is not a point name%s", pt,
					   strcmp(pt, "exec") == 0 ? ": statements at service level apply at exec" : "");
				continue;
			}
			bool dup = false;
			for (size_t i = 1; i < n; i++) {
				if (strcmp(v[i].point, pt) == 0) {
					diag_error(&st->point.loc, "point '%s' has two 'after' blocks", pt);
					diag_note(&v[i].loc, "the first one is here");
					dup = true;
				}
			}
			if (dup)
				continue;
			if (n > CAPBIN_MAX_STAGES - 1) {
				diag_error(&st->loc, "too many points (at most %d)", CAPBIN_MAX_STAGES - 1);
				continue;
			}
			struct sb *b = new_sb(&v, &n, SK_POINT, pt, &st->loc);
			if (!b)
				goto out;
			for (int k = 0; default_triggers[k].point; k++)
				if (strcmp(default_triggers[k].point, pt) == 0)
					b->trigger = default_triggers[k].trigger;
			for (const struct ast_stmt *in = st->body; in; in = in->next)
				collect_stmt(S, b, in);
		} else if (st->kind == AS_ARCH) {
			if (arch_stmt) {
				dup_error(st, arch_stmt, "arch");
				continue;
			}
			arch_stmt = st;
		} else if (st->kind != AS_POINT) {
			collect_stmt(S, &v[0], st);
		}
	}
	/* `point NAME on TRIGGER` after all blocks are known. */
	for (const struct ast_stmt *st = d->body; st; st = st->next) {
		if (st->kind != AS_POINT)
			continue;
		struct sb *b = NULL;
		for (size_t i = 1; i < n; i++)
			if (strcmp(v[i].point, st->point.text) == 0)
				b = &v[i];
		if (!b) {
			diag_error(&st->point.loc, "point '%s' has no 'after %s' block", st->point.text, st->point.text);
			continue;
		}
		int k;
		for (k = 0; trigger_names[k].name; k++)
			if (strcmp(trigger_names[k].name, st->trigger.text) == 0)
				break;
		if (!trigger_names[k].name) {
			static const char *const cands[] = {"setuid", "setgid", "listen", "chroot", "manual", NULL};
			const char *hint = diag_suggest_list(st->trigger.text, cands);
			if (hint)
				diag_error(&st->trigger.loc, "unknown trigger '%s'; did you mean '%s'?", st->trigger.text,
					   hint);
			else
				diag_error(&st->trigger.loc,
					   "unknown trigger '%s' (triggers: setuid, setgid, listen, chroot, manual)",
					   st->trigger.text);
			continue;
		}
		if (b->trigger_given) {
			diag_error(&st->loc, "point '%s' already has a trigger", st->point.text);
			continue;
		}
		b->trigger_given = true;
		b->trigger = trigger_names[k].trigger;
	}

	/* A triggered point applies when the program gets there; until then
	 * (and if it never does) the program holds what the exec stage left
	 * it. capload's backstop makes the trigger itself unavoidable, but
	 * only `bound` and `no_new_privs` at exec are a ceiling from the
	 * first instruction on. Said once, at the first such point. */
	for (size_t i = 1; i < n; i++) {
		uint16_t t = v[i].trigger;
		if (t != CAPBIN_TRIGGER_SETUID && t != CAPBIN_TRIGGER_SETGID && t != CAPBIN_TRIGGER_LISTEN &&
		    t != CAPBIN_TRIGGER_CHROOT)
			continue;
		bool bound = v[0].has_bound, nnp = v[0].nnp;
		if (!bound || !nnp) {
			diag_warning(&v[i].loc,
				     "point '%s' is applied at the program's own %s(); until then the program keeps all it started with: add %s at service level as a ceiling",
				     v[i].point, trigger_name(t),
				     !bound && !nnp ? "'bound' and 'no_new_privs'" : !bound ? "'bound'" : "'no_new_privs'");
		}
		break;
	}

	/* Capabilities later points need to apply themselves are held
	 * through the exec stage's bound/keep, unless it drops them
	 * explicitly (then the later point reports the conflict). */
	int setpcap = tbl_cap_from_name("setpcap"), setuid_c = tbl_cap_from_name("setuid"),
	    setgid_c = tbl_cap_from_name("setgid");
	uint64_t later = 0;
	for (size_t i = 1; i < n; i++)
		later |= stage_needs(&v[i], setpcap, setuid_c, setgid_c);
	if (v[0].nstmts && (v[0].has_bound || v[0].has_keep)) {
		uint64_t limit = v[0].has_bound ? v[0].bound : v[0].keep;
		v[0].carried = later & ~limit & ~v[0].drop;
		for (int c = 0; c < 64; c++) {
			if (!(v[0].carried & BIT(c)))
				continue;
			for (size_t i = n - 1; i >= 1; i--) {
				if (stage_needs(&v[i], setpcap, setuid_c, setgid_c) & BIT(c)) {
					v[i].release |= BIT(c);
					break;
				}
			}
		}
		if (v[0].carried) {
			char l[256];
			caps_list(v[0].carried, l, sizeof l);
			const struct loc *at = v[0].has_bound ? &v[0].bound_loc : &v[0].keep_loc;
			diag_note(at, "the program also holds %s until the last point that needs %s to apply itself",
				  l, __builtin_popcountll(v[0].carried) > 1 ? "them" : "it");
		}
	}
	/* Contradictions inside a stage are reported even when some of its
	 * statements had errors (every error in one run); the checks across
	 * stages need every statement, so they wait for a clean stage list. */
	bool collected = diag_error_count() == errors_before;
	struct may m;
	memset(&m, 0, sizeof m);
	m.s = cm_root_start(ALL_CAPS);
	for (size_t i = 0; i < n; i++) {
		if (i == 0 && v[0].nstmts == 0)
			continue;
		lower_stage(&v[i]);
		check_filter_default(&v[i]);
		if (collected)
			check_stage(&v[i], &m, i > 0);
	}
	if (diag_error_count() != errors_before)
		goto out;

	if (out) {
		out->kind = CAPBIN_KIND_SERVICE;
		out->name = xstrdup(d->name.text);
		if (resolve_arches(S, arch_stmt, out) < 0)
			goto out;
		/* The exec stage exists only if the service says something
		 * at service level. */
		size_t first = v[0].nstmts ? 0 : 1;
		if (take_stages(out, v + first, n - first) < 0)
			goto out;
	}
	rc = 0;
out:
	free_sbs(v, n);
	return rc;
}

/* ---------------------------------------------------------------- sessions */

static int build_session(struct sema *S, const struct ast_decl *d, struct ir_policy *out)
{
	struct sb *v = NULL;
	size_t n = 0;
	struct ir_rule *rules = NULL;
	size_t nrules = 0;
	const struct ast_stmt *deflt = NULL;
	int rc = -1;
	unsigned errors_before = diag_error_count();

	size_t count = 0;
	for (const struct ast_stmt *st = d->body; st; st = st->next)
		count++;
	rules = calloc(count ? count : 1, sizeof *rules);
	const struct ast_stmt **order = calloc(count ? count : 1, sizeof *order);
	if (!rules || !order) {
		free(rules);
		free(order);
		diag_fatal_noloc("out of memory");
		return -1;
	}
	/* Matching order: user rules, then group rules, each in source
	 * order, then the default (docs/pam.md). */
	size_t no = 0;
	for (int pass = 0; pass < 3; pass++) {
		enum ast_stmt_kind want = pass == 0 ? AS_RULE_USER : pass == 1 ? AS_RULE_GROUP : AS_RULE_DEFAULT;
		for (const struct ast_stmt *st = d->body; st; st = st->next)
			if (st->kind == want)
				order[no++] = st;
	}
	for (const struct ast_stmt *st = d->body; st; st = st->next)
		if (st->kind != AS_RULE_USER && st->kind != AS_RULE_GROUP && st->kind != AS_RULE_DEFAULT)
			diag_error(&st->loc, "a session contains only 'user', 'group' and 'default' rules");

	for (size_t i = 0; i < no; i++) {
		const struct ast_stmt *st = order[i];
		if (st->kind == AS_RULE_DEFAULT) {
			if (deflt) {
				diag_error(&st->loc, "a second 'default' rule");
				diag_note(&deflt->loc, "the first one is here");
				continue;
			}
			deflt = st;
		} else {
			for (size_t j = 0; j < i; j++) {
				const struct ast_stmt *p = order[j];
				if (p->kind != st->kind)
					continue;
				bool same = p->id.numeric == st->id.numeric &&
					    (p->id.numeric ? p->id.num == st->id.num : strcmp(p->id.name, st->id.name) == 0);
				if (same) {
					diag_error(&st->id.loc, "a second rule for this %s",
						   st->kind == AS_RULE_USER ? "user" : "group");
					diag_note(&p->loc, "the first one is here");
				}
			}
			check_id_exists(&st->id, st->kind == AS_RULE_USER);
		}
		struct sb *b = new_sb(&v, &n, SK_SESSION, "session", &st->loc);
		if (!b)
			goto out;
		for (const struct ast_stmt *in = st->body; in; in = in->next)
			collect_stmt(S, b, in);
		struct ir_rule *r = &rules[nrules++];
		r->kind = st->kind == AS_RULE_USER ? CAPBIN_RULE_USER
			  : st->kind == AS_RULE_GROUP ? CAPBIN_RULE_GROUP
						      : CAPBIN_RULE_DEFAULT;
		r->stage = n - 1;
		if (r->kind != CAPBIN_RULE_DEFAULT)
			set_id(&r->who, &st->id);
		else
			r->who.id = CAPBIN_ID_NONE;
	}
	if (no == 0)
		diag_warning(&d->loc, "session '%s' has no rules: it changes nothing", d->name.text);
	bool collected = diag_error_count() == errors_before;
	for (size_t i = 0; i < n; i++) {
		struct may m;
		memset(&m, 0, sizeof m);
		m.s = cm_root_start(ALL_CAPS);
		lower_stage(&v[i]);
		check_filter_default(&v[i]);
		if (collected)
			check_stage(&v[i], &m, false);
	}
	if (diag_error_count() != errors_before)
		goto out;
	if (out) {
		out->kind = CAPBIN_KIND_SESSION;
		out->name = xstrdup(d->name.text);
		if (resolve_arches(S, NULL, out) < 0 || take_stages(out, v, n) < 0)
			goto out;
		out->rules = rules;
		out->nrules = nrules;
		rules = NULL;
		nrules = 0;
	}
	rc = 0;
out:
	for (size_t i = 0; i < nrules; i++)
		free(rules[i].who.name);
	free(rules);
	free(order);
	free_sbs(v, n);
	return rc;
}

/* ------------------------------------------------------------------- entry */

static const char *decl_candidate(void *ctx, size_t i)
{
	const struct ast_unit *u = ctx;
	size_t k = 0;
	for (const struct ast_decl *d = u->decls; d; d = d->next) {
		if (d->kind == AD_DEFINE)
			continue;
		if (k++ == i)
			return d->name.text;
	}
	return NULL;
}

/* dst's programs, one per arch, as copies of src's. */
static int copy_progs(const struct ir_policy *p, const struct ir_stage *src, struct ir_stage *dst)
{
	for (size_t a = 0; a < p->narch; a++) {
		const struct ir_prog *f = &src->progs[a];
		struct ir_insn *v = malloc((f->n ? f->n : 1) * sizeof *v);
		if (!v)
			diag_fatal_noloc("out of memory");
		if (f->n)
			memcpy(v, f->insns, f->n * sizeof *v);
		free(dst->progs[a].insns);
		dst->progs[a].insns = v;
		dst->progs[a].n = f->n;
	}
	return 0;
}

int sema_build(const struct ast_unit *u, const struct sema_opts *opts, struct ir_policy *out)
{
	struct sema S = {.u = u, .opts = opts};
	host_lookup = !opts || opts->host_lookup;
	after_syntax_error = opts && opts->after_syntax_error;
	const struct ast_decl *chosen = NULL;
	size_t ndecl = 0;
	unsigned errors_before = diag_error_count();

	memset(out, 0, sizeof *out);
	collect_defines(&S);

	/* Names are unique across services and sessions. */
	for (const struct ast_decl *d = u->decls; d; d = d->next) {
		if (d->kind == AD_DEFINE)
			continue;
		ndecl++;
		for (const struct ast_decl *p = u->decls; p != d; p = p->next) {
			if (p->kind != AD_DEFINE && strcmp(p->name.text, d->name.text) == 0) {
				diag_error(&d->name.loc, "'%s' is declared twice", d->name.text);
				diag_note(&p->name.loc, "the first declaration is here");
				break;
			}
		}
		if (opts && opts->select && strcmp(opts->select, d->name.text) == 0 && !chosen)
			chosen = d;
	}
	if (opts && opts->select && !chosen) {
		const char *hint = diag_suggest(opts->select, decl_candidate, (void *)u);
		if (hint)
			diag_fatal_noloc("no service or session named '%s'; did you mean '%s'?", opts->select, hint);
		else
			diag_fatal_noloc("no service or session named '%s'", opts->select);
	} else if (!chosen && after_syntax_error) {
		/* only checking what parsed: every declaration, none chosen */
	} else if (!chosen) {
		if (ndecl == 1) {
			for (const struct ast_decl *d = u->decls; d; d = d->next)
				if (d->kind != AD_DEFINE)
					chosen = d;
		} else if (ndecl == 0) {
			diag_fatal_noloc("the policy declares no service and no session");
		} else {
			diag_fatal_noloc("the policy declares %zu services and sessions; choose one with --service NAME",
					 ndecl);
		}
	}

	/* Check every declaration (all errors in one run); build the IR of
	 * the chosen one. */
	for (const struct ast_decl *d = u->decls; d; d = d->next) {
		if (d->kind == AD_DEFINE)
			continue;
		struct ir_policy *target = d == chosen ? out : NULL;
		if (d->kind == AD_SERVICE)
			build_service(&S, d, target);
		else
			build_session(&S, d, target);
	}

	if (diag_error_count() == errors_before && chosen && (!opts || opts->generate)) {
		/* A filter identical to an earlier stage's is the same program:
		 * copy it. libseccomp's export is superlinear in the rules (ten
		 * points with one 3,600-instruction filter took 32 s, all of it
		 * there). Only when that compile reported nothing: its warnings
		 * would name the earlier stage's lines, so a filter with any is
		 * compiled again and reports at its own. */
		bool *quiet = calloc(out->nstages ? out->nstages : 1, sizeof *quiet);
		if (!quiet)
			diag_fatal_noloc("out of memory");
		for (size_t i = 0; quiet && i < out->nstages; i++) {
			struct ir_stage *s = &out->stages[i];
			if (!s->filter)
				continue;
			size_t j = 0;
			while (j < i && !(quiet[j] && sc_filter_same(out->stages[j].filter, s->filter)))
				j++;
			if (j < i) {
				if (copy_progs(out, &out->stages[j], s) == 0) {
					quiet[i] = true;
					continue;
				}
			}
			unsigned e0 = diag_error_count(), w0 = diag_warning_count();
			bool ok = true;
			for (size_t a = 0; a < out->narch; a++)
				ok &= sc_generate(s->filter, &out->arches[a], opts ? opts->backend : SC_BACKEND_CAPC, &s->progs[a]) == 0;
			quiet[i] = ok && diag_error_count() == e0 && diag_warning_count() == w0;
		}
		free(quiet);
		if (diag_error_count() == errors_before)
			sc_check_stack(out);
		if (diag_error_count() == errors_before)
			expect_check(out);
	}
	free(S.defs);
	free(S.def_state);
	if (diag_error_count() != errors_before) {
		ir_free(out);
		return -1;
	}
	return 0;
}
