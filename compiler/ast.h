/* ast.h - the syntax tree the parser (grammar/) builds and sema consumes.
 *
 * The tree is close to the source: names are not resolved, numbers are not
 * range-checked beyond what the lexer can do. The only lowering the parser
 * does is the one-line form:
 *
 *   service ftp keep net_bind_service, chown after auth
 *
 * becomes the same tree as
 *
 *   service ftp { after auth { keep net_bind_service, chown  no_new_privs } }
 *
 * with decl.oneliner set (docs/language.md, "The one-line form").
 * Every node carries the location of its first token for diagnostics.
 * All nodes are allocated with the ast_* constructors and freed by
 * ast_free_unit().
 */
#ifndef CAPC_AST_H
#define CAPC_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

/* An identifier as written, or a syscall group (@name, is_group). */
struct ast_name {
	char *text; /* without the '@' for groups */
	bool is_group;
	struct loc loc;
};

struct ast_names {
	struct ast_name *v;
	size_t n;
};

/* A user or group: a name or a number. */
struct ast_id {
	bool numeric;
	uint64_t num;
	char *name;
	struct loc loc;
};

struct ast_ids {
	struct ast_id *v;
	size_t n;
};

/* A constant expression in a seccomp condition. */
enum ast_value_kind {
	AV_NUM,   /* num */
	AV_IDENT, /* ident: a predefined constant such as AF_INET or EPERM */
	AV_OR,    /* l | r */
	AV_NEG,   /* -l (two's complement, 64 bits) */
	AV_COMPL, /* ~l */
};
struct ast_value {
	enum ast_value_kind kind;
	uint64_t num;
	char *ident;
	struct ast_value *l, *r;
	struct loc loc;
};

enum ast_cmp_op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };

/* A condition on a syscall's arguments. */
enum ast_cond_kind {
	AC_OR,  /* l || r */
	AC_AND, /* l && r */
	AC_NOT, /* !l */
	AC_CMP, /* arg [& mask] op rhs */
	AC_IN,  /* arg [& mask] in { set } ; negated: not in */
};
struct ast_cond {
	enum ast_cond_kind kind;
	struct loc loc;
	struct ast_cond *l, *r;
	struct ast_name arg;     /* argument name: "domain", "arg0".."arg5" */
	struct ast_value *mask;  /* NULL unless "arg & mask" */
	enum ast_cmp_op op;
	struct ast_value *rhs;
	struct ast_value **set;
	size_t nset;
	bool negated;
};

/* A seccomp action. */
enum ast_action_kind {
	AA_ALLOW,
	AA_ERRNO, /* deny [errno E] / errno E: errno_val NULL means EPERM */
	AA_KILL_PROCESS,
	AA_KILL_THREAD,
	AA_TRAP,
	AA_LOG,
};
struct ast_action {
	enum ast_action_kind kind;
	struct ast_value *errno_val;
	struct loc loc;
};

/* One syscall (or @group) in a rule, with an optional condition. */
struct ast_target {
	struct ast_name name;
	struct ast_cond *cond; /* NULL: unconditional */
};

enum ast_sc_kind {
	SC_DEFAULT, /* default ACTION */
	SC_RULE,    /* ACTION target, target, ... */
	SC_EXPECT,  /* expect NAME(ARGS) ACTION: targets[0] is NAME */
};
struct ast_sc_stmt {
	enum ast_sc_kind kind;
	struct loc loc;
	struct ast_action action;
	struct ast_target *targets;
	size_t ntargets;
	struct ast_value **args; /* SC_EXPECT: the call's arguments */
	size_t nargs;
	struct ast_sc_stmt *next;
};

enum ast_stmt_kind {
	AS_KEEP,       /* names: capabilities */
	AS_DROP,       /* names */
	AS_BOUND,      /* names */
	AS_AMBIENT,    /* names */
	AS_INHERIT,    /* names */
	AS_USER,       /* id: identity switch (in a service) */
	AS_GROUP,      /* id */
	AS_GROUPS,     /* ids: supplementary groups */
	AS_NNP,        /* no_new_privs */
	AS_LOCK,       /* lock */
	AS_SECUREBITS, /* names: securebit names */
	AS_SECCOMP,    /* seccomp: list of seccomp statements */
	AS_AFTER,      /* after POINT { body } */
	AS_POINT,      /* point POINT on TRIGGER */
	AS_ARCH,       /* names: target ABIs */
	AS_RULE_USER,  /* session: user ID { body } */
	AS_RULE_GROUP, /* session: group ID { body } */
	AS_RULE_DEFAULT, /* session: default { body } */
};
struct ast_stmt {
	enum ast_stmt_kind kind;
	struct loc loc; /* the keyword */
	struct ast_names names;
	struct ast_id id;
	struct ast_ids ids;
	struct ast_name point;   /* AS_AFTER, AS_POINT */
	struct ast_name trigger; /* AS_POINT */
	struct ast_sc_stmt *seccomp;
	struct ast_stmt *body; /* AS_AFTER, AS_RULE_*: list */
	struct ast_stmt *next;
};

enum ast_decl_kind {
	AD_SERVICE,
	AD_SESSION,
	AD_DEFINE, /* define NAME = items */
};
struct ast_decl {
	enum ast_decl_kind kind;
	struct loc loc;
	struct ast_name name;
	struct ast_stmt *body;  /* service, session */
	struct ast_names items; /* define */
	bool oneliner;          /* service written in the one-line form */
	struct ast_decl *next;
};

/* A parsed file with its includes already spliced in (in order). */
struct ast_unit {
	struct ast_decl *decls;
};

/* Parse `file` (and the files it includes, relative to the including
 * file's directory). Reports every syntax error through diag; returns the
 * unit (possibly partial) or NULL when nothing could be parsed. */
struct ast_unit *ast_parse_file(struct src_file *file);

/* Parse a lone seccomp condition (what `NAME( ... )` holds) written
 * somewhere else than a .cap file, such as a YAML `if:`. `text` is
 * scanned as if it began at line:col of `file`, so diagnostics point into
 * that file. Returns NULL after reporting errors; else the caller owns
 * the tree. */
struct ast_cond *ast_parse_cond_text(struct src_file *file, const char *text, size_t len, int line, int col);
/* The same for "NAME(ARGS) ACTION", an expect line's text (YAML's expect:). */
struct ast_sc_stmt *ast_parse_expect_text(struct src_file *file, const char *text, size_t len, int line, int col);

void ast_free_unit(struct ast_unit *u);

/* Debug printer (capc --ast). */
void ast_print(const struct ast_unit *u, FILE *out);

#endif /* CAPC_AST_H */
