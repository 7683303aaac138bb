/* query.c - capc query: what the compiled filters do with one call.
 *
 *   capc query POLICY|BLOB 'socket(AF_PACKET, SOCK_RAW, 0)' [--point P] [--arch A]
 *
 * The action comes from running the compiled BPF in capc's interpreter
 * (bpf_run.c), every filter in force after point P stacked as the kernel
 * stacks them; never from re-reading the policy. For a policy, the rule
 * that decides is then named from the deciding stage's rules (sc_decide),
 * and a disagreement between the two is reported as the compiler bug it
 * would be. A blob carries no source: it is queried for this machine's
 * architecture (the one its filter is converted for), without rules.
 */
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ast.h"
#include "bpf_dis.h"
#include "bpf_run.h"
#include "capr_internal.h"
#include "diag.h"
#include "expect.h"
#include "load.h"
#include "query.h"
#include "seccomp.h"
#include "sema.h"
#include "tables.h"
#include "seccomp_int.h"
#include "yaml_input.h"

struct call {
	char name[64];
	uint64_t args[6];
	unsigned nargs;
};

static void usage(FILE *out)
{
	fprintf(out, "usage: capc query POLICY|BLOB 'NAME(ARG, ...)' [--point POINT] [--arch ABI]\n"
		     "\n"
		     "Run the call through the filters in force after POINT (default: the exec\n"
		     "stage, else the first point) and print the action the kernel would take and\n"
		     "the rule that decides it. ARGs are numbers or constants (AF_INET, O_CREAT|O_RDWR,\n"
		     "-1); missing ones are 0. ABI: one of the policy's targets (default: the first).\n");
}

/* One argument: constants and numbers joined by '|', each may start with
 * '-' or '~'. */
static bool parse_arg(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	while (i < len) {
		while (i < len && (s[i] == ' ' || s[i] == '\t'))
			i++;
		bool neg = false, inv = false;
		if (i < len && (s[i] == '-' || s[i] == '~')) {
			neg = s[i] == '-';
			inv = s[i] == '~';
			i++;
		}
		size_t j = i;
		while (j < len && s[j] != '|' && s[j] != ' ' && s[j] != '\t')
			j++;
		if (j == i || j - i >= 64)
			return false;
		char tok[64];
		memcpy(tok, s + i, j - i);
		tok[j - i] = '\0';
		uint64_t t;
		char *end;
		errno = 0;
		t = strtoull(tok, &end, 0);
		if (errno || *end) {
			int e = tbl_errno_from_name(tok);
			if (tbl_const(tok, &t))
				;
			else if (e >= 0)
				t = (uint64_t)e;
			else
				return false;
		}
		v |= neg ? (uint64_t)0 - t : inv ? ~t : t;
		i = j;
		while (i < len && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i < len && s[i] != '|')
			return false;
		if (i < len)
			i++;
	}
	*out = v;
	return true;
}

static bool parse_call(const char *text, struct call *c, char *why, size_t whylen)
{
	const char *p = text, *open;
	size_t n;

	memset(c, 0, sizeof *c);
	while (*p == ' ')
		p++;
	open = strchr(p, '(');
	n = open ? (size_t)(open - p) : strlen(p);
	while (n && p[n - 1] == ' ')
		n--;
	if (!n || n >= sizeof c->name) {
		snprintf(why, whylen, "expected NAME or NAME(ARG, ...)");
		return false;
	}
	memcpy(c->name, p, n);
	if (!open)
		return true;
	const char *close = strrchr(open, ')');
	if (!close || close[strspn(close + 1, " ") + 1]) {
		snprintf(why, whylen, "missing ')' at the end of the call");
		return false;
	}
	for (const char *a = open + 1; a < close;) {
		const char *comma = memchr(a, ',', (size_t)(close - a));
		const char *end = comma ? comma : close;
		if (c->nargs == 6) {
			snprintf(why, whylen, "a system call has at most 6 arguments");
			return false;
		}
		if (!parse_arg(a, (size_t)(end - a), &c->args[c->nargs])) {
			snprintf(why, whylen, "argument %u: '%.*s' is neither a number nor a known constant", c->nargs + 1,
				 (int)(end - a), a);
			return false;
		}
		c->nargs++;
		a = comma ? comma + 1 : close;
	}
	return true;
}

static void print_call(const struct call *c)
{
	printf("%s(", c->name);
	for (unsigned i = 0; i < c->nargs; i++)
		printf("%s%#llx", i ? ", " : "", (unsigned long long)c->args[i]);
	printf(")");
}

static int query_blob(const uint8_t *buf, size_t len, const struct call *c, const char *point, const char *arch)
{
	struct capr_error err;
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy)
		return 2;
	memcpy(copy, buf, len);
	capr_policy *pol = capr_policy_from_buf(copy, len, &err);
	if (!pol) {
		fprintf(stderr, "capc: error: %s\n", capr_strerror(&err));
		return 1;
	}
	int rc = 1;
	size_t stage = 0;
	if (point) {
		long i = capr_stage_index(pol, point);
		if (i < 0) {
			fprintf(stderr, "capc: error: the blob has no point '%s'\n", point);
			goto out;
		}
		stage = (size_t)i;
	}
	if (arch && seccomp_arch_resolve_name(arch) != seccomp_arch_native()) {
		fprintf(stderr, "capc: error: a blob is queried for this machine's architecture only; query the policy source for %s\n",
			arch);
		goto out;
	}
	int nr = seccomp_syscall_resolve_name(c->name);
	if (nr < 0) {
		fprintf(stderr, "capc: error: unknown syscall '%s' on this architecture\n", c->name);
		goto out;
	}
	struct ir_prog progs[CAPBIN_MAX_STAGES];
	const struct ir_prog *stack[CAPBIN_MAX_STAGES];
	size_t owner[CAPBIN_MAX_STAGES], n = 0, d = 0;
	for (size_t j = 0; j <= stage && j < pol->nstages; j++) {
		if (!pol->stages[j].filter)
			continue;
		/* struct sock_filter and struct ir_insn have the same layout */
		progs[n].insns = (struct ir_insn *)pol->stages[j].filter;
		progs[n].n = pol->stages[j].filter_len;
		stack[n] = &progs[n];
		owner[n++] = j;
	}
	struct bpf_input in = { .nr = nr, .arch = (uint32_t)seccomp_arch_native() };
	memcpy(in.args, c->args, sizeof in.args);
	uint32_t action;
	if (!bpf_run_stack(stack, n, &in, __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, &action, &d)) {
		fprintf(stderr, "capc: error: the blob's filter cannot be run\n");
		goto out;
	}
	char act[64];
	bpf_action_name(action, act, sizeof act);
	print_call(c);
	printf(" after point '%s': %s\n", pol->stages[stage].point, act);
	if (n)
		printf("decided by the filter of point '%s' (a blob names no rules: query the policy for them)\n",
		       pol->stages[owner[d]].point);
	else
		printf("no filter is in force at that point\n");
	rc = 0;
out:
	capr_close(pol);
	return rc;
}

static int query_policy(const char *input, const uint8_t *buf, size_t len, const struct call *c, const char *service,
			const char *point, const char *arch)
{
	struct ir_policy ir;
	int rc = 1;

	if (load_policy(input, buf, len, service, &ir) < 0)
		return 1;
	size_t stage = 0, a = 0, abi = 0;
	if (point) {
		while (stage < ir.nstages && strcmp(ir.stages[stage].point, point) != 0)
			stage++;
		if (stage == ir.nstages) {
			fprintf(stderr, "capc: error: the policy has no point '%s'\n", point);
			goto out;
		}
	}
	if (arch) {
		/* a kernel arch of the target, or one of its ABIs (x86, x32) */
		bool found = false;
		for (a = 0; a < ir.narch && !found; a++)
			for (abi = 0; abi < ir.arches[a].nscmp && !found; abi++) {
				const struct sc_abi *x = sc_abi_by_token(ir.arches[a].scmp_arch[abi]);
				found = x && strcmp(x->name, arch) == 0;
			}
		if (found) {
			a--;
			abi--;
		} else {
			a = ir.narch;
		}
		if (a == ir.narch) {
			fprintf(stderr, "capc: error: '%s' is not a target of this policy (its arch statement or --target)\n",
				arch);
			goto out;
		}
	}
	if (!sc_syscall_known(c->name)) {
		const char *hint = diag_suggest(c->name, tbl_syscall_candidate, NULL);
		if (hint)
			fprintf(stderr, "capc: error: unknown syscall '%s'; did you mean '%s'?\n", c->name, hint);
		else
			fprintf(stderr, "capc: error: unknown syscall '%s'\n", c->name);
		goto out;
	}
	struct expect_result r;
	int e = expect_eval_abi(&ir, stage, a, abi, c->name, c->args, &r);
	if (e > 0) {
		fprintf(stderr, "capc: error: '%s' does not exist on %s\n", c->name, ir.arches[a].name);
		goto out;
	}
	if (e < 0) {
		fprintf(stderr, "capc: error: internal error: the filter cannot be run\n");
		goto out;
	}
	char act[64];
	bpf_action_name(r.action, act, sizeof act);
	print_call(c);
	const struct sc_abi *qa = sc_abi_by_token(ir.arches[a].scmp_arch[abi]);
	printf(" on %s (nr %d) after point '%s': %s\n", qa ? qa->name : ir.arches[a].name, r.nr, ir.stages[stage].point,
	       act);
	if (!r.filtered) {
		printf("no filter is in force at that point\n");
		rc = 0;
		goto out;
	}
	/* The rule, from the deciding stage's own rules; the two must agree. */
	const struct ir_stage *ds = &ir.stages[r.decider];
	unsigned bits[6];
	unsigned width = qa ? (qa->width == 64 ? 64 : 32) : 64;
	for (unsigned k = 0; k < 6; k++)
		bits[k] = tbl_syscall_arg_bits(c->name, k, width);
	size_t rule;
	uint32_t says = sc_decide(ds->filter, c->name, c->args, bits, &rule);
	const struct loc *at = rule == SIZE_MAX ? &ds->filter->default_loc : &ds->filter->rules[rule].loc;
	printf("decided by the filter of point '%s': %s:%d:%d (%s)\n", ds->point, at->file ? at->file->path : "?",
	       at->line, at->col, rule == SIZE_MAX ? "its default" : "the last rule that matches");
	if (says != r.action) {
		char s2[64];
		bpf_action_name(says, s2, sizeof s2);
		fprintf(stderr, "capc: error: internal error: the rules say %s, the compiled filter %s\n", s2, act);
		goto out;
	}
	rc = 0;
out:
	ir_free(&ir);
	return rc;
}

int query_main(int argc, char **argv)
{
	const char *input = NULL, *calltext = NULL, *point = NULL, *arch = NULL, *service = NULL;
	struct call c;
	char why[160];

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		} else if ((strcmp(a, "--point") == 0 || strcmp(a, "-p") == 0) && i + 1 < argc) {
			point = argv[++i];
		} else if ((strcmp(a, "--arch") == 0 || strcmp(a, "-a") == 0) && i + 1 < argc) {
			arch = argv[++i];
		} else if ((strcmp(a, "--service") == 0 || strcmp(a, "-s") == 0) && i + 1 < argc) {
			service = argv[++i];
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "capc: error: query: unknown option '%s'\n", a);
			usage(stderr);
			return 2;
		} else if (!input) {
			input = a;
		} else if (!calltext) {
			calltext = a;
		} else {
			fprintf(stderr, "capc: error: query: one policy and one call\n");
			usage(stderr);
			return 2;
		}
	}
	if (!input || !calltext) {
		usage(stderr);
		return 2;
	}
	if (!parse_call(calltext, &c, why, sizeof why)) {
		fprintf(stderr, "capc: error: query: '%s': %s\n", calltext, why);
		return 2;
	}

	struct capr_error rerr;
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;
	if (!yaml_is_yaml_path(input)) {
		int fd = strcmp(input, "-") == 0 ? STDIN_FILENO : open(input, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0 || capr_read_blob_fd(fd, &buf, &len, &rerr) < 0) {
			fprintf(stderr, "capc: error: cannot read '%s': %s\n", input, fd < 0 ? strerror(errno) : rerr.msg);
			if (fd > STDIN_FILENO)
				close(fd);
			return 2;
		}
		if (fd != STDIN_FILENO)
			close(fd);
		if (len >= CAPBIN_MAGIC_LEN && memcmp(buf, CAPBIN_MAGIC, CAPBIN_MAGIC_LEN) == 0) {
			rc = query_blob(buf, len, &c, point, arch);
			free(buf);
			return rc;
		}
	}
	rc = query_policy(input, buf, len, &c, service, point, arch);
	free(buf);
	return rc;
}
