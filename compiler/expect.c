/* expect.c - what a policy's compiled filters decide for one call.
 *
 * `expect socket(AF_INET6) allow` in a seccomp block is checked here, after
 * code generation, and capc query uses the same evaluation: the call is run
 * through the BPF the blob will carry (bpf_run.c), every filter in force at
 * that point stacked as the kernel stacks them, never through the policy's
 * own rules. So an expectation tests the compiler too.
 */
#include <seccomp.h>
#include <stdio.h>
#include <string.h>

#include "bpf_dis.h"
#include "bpf_run.h"
#include "diag.h"
#include "expect.h"
#include "seccomp_int.h"

int expect_eval(const struct ir_policy *p, size_t stage, size_t arch, const char *syscall, const uint64_t *args,
		struct expect_result *out)
{
	return expect_eval_abi(p, stage, arch, 0, syscall, args, out);
}

int expect_eval_abi(const struct ir_policy *p, size_t stage, size_t arch, size_t abi, const char *syscall,
		    const uint64_t *args, struct expect_result *out)
{
	const struct ir_arch *a = &p->arches[arch];
	const struct ir_prog *progs[CAPBIN_MAX_STAGES];
	size_t owner[CAPBIN_MAX_STAGES], n = 0, d = 0;
	const struct sc_abi *ab = sc_abi_by_token(a->scmp_arch[abi]);
	/* the ABI's own AUDIT_ARCH; x32 reports x86_64's, with its number bit */
	struct bpf_input in = { .arch = ab ? ab->audit_arch : a->audit_arch };

	memset(out, 0, sizeof *out);
	out->nr = seccomp_syscall_resolve_name_arch(a->scmp_arch[abi], syscall);
	if (out->nr < 0)
		return 1; /* __NR_SCMP_ERROR, or a pseudo number: not on this ABI */
	in.nr = out->nr;
	for (int i = 0; i < 6; i++)
		in.args[i] = args ? args[i] : 0;
	for (size_t j = 0; j <= stage && j < p->nstages; j++) {
		if (!p->stages[j].filter || !p->stages[j].progs[arch].n)
			continue;
		owner[n] = j;
		progs[n++] = &p->stages[j].progs[arch];
	}
	out->filtered = n > 0;
	if (!bpf_run_stack(progs, n, &in, sc_audit_arch_le(a->audit_arch), &out->action, &d))
		return -1;
	out->decider = n ? owner[d] : 0;
	return 0;
}

static void call_text(const struct ir_expect *e, char *buf, size_t len)
{
	int w = snprintf(buf, len, "%s(", e->syscall);
	for (unsigned i = 0; i < e->nargs && w > 0 && (size_t)w < len; i++)
		w += snprintf(buf + w, len - (size_t)w, "%s%#llx", i ? ", " : "", (unsigned long long)e->args[i]);
	if (w > 0 && (size_t)w < len)
		snprintf(buf + w, len - (size_t)w, ")");
}

void expect_check(const struct ir_policy *p)
{
	for (size_t i = 0; i < p->nstages; i++) {
		const struct ir_stage *s = &p->stages[i];
		for (size_t k = 0; k < s->nexpects; k++) {
			const struct ir_expect *e = &s->expects[k];
			char call[256], got[64], want[64];
			call_text(e, call, sizeof call);
			bpf_action_name(e->action, want, sizeof want);
			for (size_t a = 0; a < p->narch; a++) {
				struct expect_result r;
				int rc = expect_eval(p, i, a, e->syscall, e->args, &r);
				if (rc > 0) {
					diag_error(&e->loc, "expectation for %s on %s: the syscall does not exist there",
						   call, p->arches[a].name);
					continue;
				}
				if (rc < 0) {
					diag_error(&e->loc, "internal error: the filter for %s cannot be run", p->arches[a].name);
					continue;
				}
				if (r.action == e->action)
					continue;
				bpf_action_name(r.action, got, sizeof got);
				if (r.filtered)
					diag_error(&e->loc, "expectation failed: %s on %s after point '%s' gets %s (the filter of '%s' decides), expected %s",
						   call, p->arches[a].name, s->point, got, p->stages[r.decider].point, want);
				else
					diag_error(&e->loc, "expectation failed: %s on %s after point '%s' gets %s (no filter), expected %s",
						   call, p->arches[a].name, s->point, got, want);
			}
		}
	}
}
