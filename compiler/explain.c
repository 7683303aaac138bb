/* explain.c - capc explain: what a policy leaves a program, in words, and
 * how exposed it is, stage by stage.
 *
 * The sets come from the same model as capc --dump (capmodel.c: capload
 * started by root with every capability), the system calls from the
 * compiled filters run in capc's interpreter (expect.c), stacked as the
 * kernel stacks them. The exposure is a score from 0 (nothing left) to 10
 * (an unrestricted root process), in the spirit of systemd-analyze
 * security: each finding adds its weight, and every finding is listed, so
 * the number is never the only answer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf_dis.h"
#include "capmodel.h"
#include "expect.h"
#include "explain.h"
#include "load.h"
#include "seccomp.h"
#include "sema.h"
#include "tables.h"

struct finding {
	double weight;
	char text[200];
};

struct score {
	struct finding f[40];
	size_t n;
	double total;
};

static void add(struct score *s, double w, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add(struct score *s, double w, const char *fmt, ...)
{
	va_list ap;
	s->total += w;
	if (s->n == sizeof s->f / sizeof s->f[0])
		return;
	s->f[s->n].weight = w;
	va_start(ap, fmt);
	vsnprintf(s->f[s->n].text, sizeof s->f[s->n].text, fmt, ap);
	va_end(ap);
	s->n++;
}

static void caps_words(FILE *o, uint64_t m, uint64_t all)
{
	if (!(m & all)) {
		fputs("none", o);
		return;
	}
	if ((m & all) == all) {
		fputs("all", o);
		return;
	}
	bool first = true;
	for (int c = 0; c < 64; c++) {
		if (!(m & all & (UINT64_C(1) << c)))
			continue;
		const char *n = tbl_cap_name(c);
		fprintf(o, "%s%s", first ? "" : ", ", n ? n : "?");
		first = false;
	}
}

/* System calls that open the kernel wide: a program that can make them
 * holds much more than its capabilities say. */
static const char *const risky[] = {
	"ptrace", "process_vm_writev", "mount", "umount2", "pivot_root", "unshare", "setns", "bpf",
	"perf_event_open", "kexec_load", "init_module", "finit_module", "delete_module", "keyctl",
	"add_key", "userfaultfd", "io_uring_setup", "open_by_handle_at", "swapon", "reboot", "iopl", "ioperm",
	NULL,
};

static const char *rating(double x)
{
	return x < 2.0 ? "OK" : x < 5.0 ? "MEDIUM" : x < 8.0 ? "EXPOSED" : "UNSAFE";
}

static void stage(FILE *o, const struct ir_policy *p, size_t i, const struct cm_state *st, uint64_t all)
{
	const struct ir_stage *s = &p->stages[i];
	struct score sc = { .n = 0 };

	if (s->trigger == CAPBIN_TRIGGER_EXEC)
		fprintf(o, "\nat exec (capload started by root with every capability):\n");
	else
		fprintf(o, "\nafter point '%s':\n", s->point);

	/* who */
	fprintf(o, "  runs as          %s\n", st->root ? "root (a uid 0)" : "a user (no uid 0)");
	if (st->root)
		add(&sc, 2.0, "runs as root: owner access to root's files%s",
		    (st->securebits & CAPBIN_SECBIT_NOROOT) ? "" : ", and uid 0 means capabilities");
	/* capabilities */
	fputs("  can use          ", o);
	caps_words(o, st->eff | st->prm, all);
	fputs("\n  can never regain ", o);
	if ((st->bnd & all) == all) {
		fputs("nothing: the bounding set is whole", o);
		add(&sc, 1.0, "the bounding set is not restricted");
	} else {
		caps_words(o, all & ~st->bnd, all);
	}
	fputc('\n', o);
	double root_eq = 0;
	for (int c = 0; c < 64; c++) {
		if (!((st->prm | st->amb) & all & (UINT64_C(1) << c)))
			continue;
		const char *why = sema_root_equivalent(c);
		if (why && root_eq < 4.5) {
			add(&sc, 1.5, "keeps %s: %s", tbl_cap_name(c), why);
			root_eq += 1.5;
		} else if (!why) {
			add(&sc, 0.1, "keeps %s", tbl_cap_name(c));
		}
	}
	fprintf(o, "  no_new_privs     %s\n", st->nnp ? "yes: set-ID programs and file capabilities grant nothing"
						  : "no: a set-ID or file-capability program gains privileges");
	if (!st->nnp)
		add(&sc, 0.8, "no no_new_privs: executing a set-ID program regains privileges");
	if (st->root && !(st->securebits & CAPBIN_SECBIT_NOROOT_LOCKED))
		add(&sc, 0.5, "securebits not locked ('lock'): uid 0 can mean capabilities again");

	/* system calls: the filters in force, run in the interpreter */
	bool filtered = false;
	for (size_t j = 0; j <= i; j++)
		filtered |= p->stages[j].filter != NULL;
	if (!filtered) {
		fputs("  system calls     all (no seccomp filter)\n", o);
		add(&sc, 1.5, "no seccomp filter: every system call");
	} else {
		uint32_t def = 0;
		for (size_t j = 0; j <= i; j++)
			if (p->stages[j].filter)
				def = p->stages[j].filter->default_action;
		char dt[64];
		bpf_action_name(def, dt, sizeof dt);
		fprintf(o, "  system calls     filtered; unlisted ones get %s\n", dt);
		if (def == 0x7fff0000u)
			add(&sc, 1.0, "the filter allows by default (a denylist)");
		fputs("  still allowed    ", o);
		bool first = true;
		for (const char *const *r = risky; *r; r++) {
			struct expect_result er;
			if (expect_eval(p, i, 0, *r, NULL, &er) != 0 || er.action != 0x7fff0000u)
				continue;
			fprintf(o, "%s%s", first ? "" : ", ", *r);
			add(&sc, 0.3, "%s allowed", *r);
			first = false;
		}
		fputs(first ? "none of the kernel-wide calls (ptrace, mount, bpf, ...)\n" : "\n", o);
	}
	double x = sc.total > 10.0 ? 10.0 : sc.total;
	fprintf(o, "  exposure         %.1f %s\n", x, rating(x));
	for (size_t k = 0; k < sc.n; k++)
		fprintf(o, "    +%.1f %s\n", sc.f[k].weight, sc.f[k].text);
}

int explain_policy(const struct ir_policy *p, const char *source, FILE *o)
{
	int last = tbl_cap_last();
	uint64_t all = last >= 63 ? ~UINT64_C(0) : (UINT64_C(1) << (last + 1)) - 1;

	if (p->kind != CAPBIN_KIND_SERVICE) {
		fprintf(stderr, "capc: error: explain: '%s' is a session policy (pam_capc; see capc --dump)\n", p->name);
		return 1;
	}
	fprintf(o, "service %s (%s), on %s\n", p->name, source, p->arches[0].name);
	struct cm_state st = cm_root_start(all);
	bool exec_stage = p->nstages && p->stages[0].trigger == CAPBIN_TRIGGER_EXEC;
	if (!exec_stage) {
		struct cm_state e = st;
		cm_exec(&e);
		fputs("\nat exec: no exec stage, the program starts with everything capload had\n"
		      "  exposure         10.0 UNSAFE\n"
		      "    +10 root with every capability and every system call until its first point\n",
		      o);
	}
	for (size_t i = 0; i < p->nstages; i++) {
		const struct ir_stage *s = &p->stages[i];
		bool to_root = (s->flags & CAPBIN_STAGE_USER) &&
			       ((!s->user.name && s->user.id == 0) || (s->user.name && strcmp(s->user.name, "root") == 0));
		if (s->trigger == CAPBIN_TRIGGER_SETUID)
			cm_leave_root(&st);
		struct cm_stage cs = CM_STAGE_OF(s, to_root);
		cm_apply(&st, &cs);
		if (s->trigger == CAPBIN_TRIGGER_EXEC)
			cm_exec(&st);
		stage(o, p, i, &st, all);
	}
	return 0;
}

int explain_main(int argc, char **argv)
{
	const char *input = NULL, *service = NULL;
	struct ir_policy ir;

	for (int i = 0; i < argc; i++) {
		if ((!strcmp(argv[i], "-s") || !strcmp(argv[i], "--service")) && i + 1 < argc) {
			service = argv[++i];
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("usage: capc explain POLICY [-s SERVICE]\n\n"
			       "What the policy leaves the program at each stage, in words, and how exposed it is\n"
			       "(0: nothing left, 10: an unrestricted root process), with the findings behind it.\n");
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "capc: error: explain: unknown option '%s'\n", argv[i]);
			return 2;
		} else if (!input) {
			input = argv[i];
		} else {
			fprintf(stderr, "capc: error: explain: one policy only\n");
			return 2;
		}
	}
	if (!input) {
		fprintf(stderr, "usage: capc explain POLICY [-s SERVICE]\n");
		return 2;
	}
	if (load_policy(input, NULL, 0, service, &ir) < 0)
		return 1;
	int rc = explain_policy(&ir, input, stdout);
	ir_free(&ir);
	return rc;
}
