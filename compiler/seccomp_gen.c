/* seccomp_gen.c - sc_generate: one target's BPF program.
 *
 * Each ABI of the target gets its syscalls' rules lowered for its own
 * argument width and its own idea of which syscalls exist (libseccomp's
 * tables), with the diagnostics both back ends share (plan_syscall).
 * capc's back end then takes the decisions per syscall number
 * (fill_abi_own, seccomp_bpf.c). libseccomp's takes one context per ABI,
 * merged into one and exported. libseccomp quirks handled here:
 *
 *   - The API level is fixed (seccomp_api_set) so the output does not
 *     depend on what the build host's kernel supports; level 3 is the
 *     lowest that accepts the LOG and KILL_PROCESS actions.
 *   - seccomp_rule_add takes syscall numbers of the *build host*; it maps
 *     them to each ABI in the context by name. Every name has a host
 *     number (real or pseudo), so this works for any target.
 *   - Given a pseudo number for a syscall the ABI lacks (chown32 on
 *     x86_64), libseccomp emits a dead `jeq #0xffffd8ec`; such syscalls
 *     are skipped instead.
 *   - For a socket or IPC call on an ABI that multiplexes it (socket on
 *     x86 is -101: socketcall(SYS_SOCKET) and the direct syscall 359),
 *     libseccomp adds a socketcall rule with the call number as arg0 in
 *     place of the caller's arg0 test, keeping the other argument tests
 *     on socketcall's own arguments. Conditions on such calls are refused.
 *     And an unconditional socketcall rule silently swallows that
 *     rewritten rule, so socketcall's own rules get `arg0 != SYS_SOCKET`
 *     excluded (seccomp.c, "Multiplexed calls").
 *   - Its output is in the target's byte order; struct ir_prog is in the
 *     host's.
 *   - The x86_64 filter kills x32 calls (nr >= 0x40000000, except -1)
 *     unless x32 is listed, and the bad-arch action covers every other
 *     ABI: tests/unit/test_seccomp.c makes an x32 call in the kernel, and
 *     an int $0x80 call where the kernel has IA32 emulation (else it runs
 *     the filter on i386 data in the kernel's BPF engine).
 *   - Rules with range tests that libseccomp miscompiles or hangs on are
 *     never handed to it: see sc_lower in seccomp_cond.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capr_internal.h"
#include "seccomp_int.h"
#include "tables.h"

/* First and last pseudo numbers libseccomp gives multiplexed calls
 * (seccomp-syscalls.h): __PNR_socket..__PNR_sendmmsg, __PNR_semop..__PNR_shmctl.
 * The call number is the distance from -100 or -200. */
#define PNR_SOCKET_FIRST (-101)
#define PNR_SOCKET_LAST (-120)
#define PNR_IPC_FIRST (-201)
#define PNR_IPC_LAST (-224)

enum presence { ABSENT, DIRECT, VIA_SOCKETCALL, VIA_IPC };

struct abi_ctx {
	const struct sc_abi *abi;
	int socketcall_nr, ipc_nr; /* -1: the ABI has none */
};

static enum presence presence_of(const struct abi_ctx *a, const char *name, int *call)
{
	int nr = seccomp_syscall_resolve_name_arch(a->abi->token, name);
	*call = 0;
	if (nr >= 0)
		return DIRECT;
	if (nr <= PNR_SOCKET_FIRST && nr >= PNR_SOCKET_LAST && a->socketcall_nr >= 0) {
		*call = -nr - 100;
		return VIA_SOCKETCALL;
	}
	if (nr <= PNR_IPC_FIRST && nr >= PNR_IPC_LAST && a->ipc_nr >= 0) {
		*call = -nr - 200;
		return VIA_IPC;
	}
	return ABSENT;
}

static const char *arch_name(const struct ir_arch *arch)
{
	if (arch->name)
		return arch->name;
	const struct sc_abi *a = arch->nscmp ? sc_abi_by_token(arch->scmp_arch[0]) : NULL;
	return a ? a->name : "?";
}

static scmp_filter_ctx make_ctx(uint32_t def, uint32_t token, int *rc)
{
	scmp_filter_ctx ctx = seccomp_init(def);
	*rc = -EINVAL;
	if (!ctx)
		return NULL;
	/* NNP off: the compiler never loads the filter, and the runtime
	 * decides about no_new_privs from the policy. */
	if ((*rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS)) < 0 ||
	    (*rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)) < 0 ||
	    (*rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2)) < 0 ||
	    (*rc = seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE)) < 0 || (*rc = seccomp_arch_add(ctx, token)) < 0) {
		seccomp_release(ctx);
		return NULL;
	}
	return ctx;
}

struct plan {
	int nr;          /* on the ABI (pseudo for multiplexed calls): the order */
	size_t entry;    /* in the index */
	struct sc_lout rules; /* libseccomp back end */
	struct sc_sets sets;  /* capc's back end */
};

static int plan_cmp(const void *a, const void *b)
{
	const struct plan *x = a, *y = b;
	if (x->nr != y->nr)
		return x->nr < y->nr ? -1 : 1;
	return x->entry < y->entry ? -1 : x->entry > y->entry;
}

static void plan_free(struct plan *p)
{
	sc_lout_free(&p->rules);
	sc_sets_free(&p->sets);
}

static void action_name(uint32_t a, char *buf, size_t len)
{
	if (SC_ACT_IS_ERRNO(a)) {
		const char *n = strerrorname_np((int)(a & 0xffff));
		snprintf(buf, len, "errno %s", n ? n : "?");
	} else {
		snprintf(buf, len, "%s",
			 a == SC_ACT_ALLOW ? "allow" : a == SC_ACT_LOG ? "log" : a == SC_ACT_TRAP ? "trap"
			 : a == SC_ACT_KILL_PROCESS ? "kill process" : a == SC_ACT_KILL_THREAD ? "kill thread" : "?");
	}
}

/* Does the lowered decision depend on the arguments? */
static bool plan_conditional(const struct plan *p, enum sc_backend be, uint32_t def)
{
	uint32_t act;
	if (be == SC_BACKEND_CAPC)
		return !sc_sets_constant(&p->sets, def, &act);
	for (size_t i = 0; i < p->rules.n; i++)
		if (p->rules.v[i].ncmp)
			return true;
	return false;
}

/* The rules of one syscall on one ABI, lowered for back end `be`. e is
 * the syscall's index entry, or NULL for a multiplexer (socketcall, ipc)
 * that no rule names; `name` its name either way. For a multiplexer, the
 * calls it carries for syscalls that have rules are decided by those
 * rules: libseccomp adds them itself, so they are only hidden from the
 * multiplexer's own rules (excluded); capc's back end gets them as the
 * lines `extra` (arg0 == call, that syscall's action), after all others.
 * Returns 0, or -1 after reporting. */
static int plan_syscall(const struct sc_filter *f, const struct abi_ctx *a, const struct sc_index *ix,
			const struct sc_sysent *e, const char *name, enum presence pres, enum sc_backend be,
			const struct sc_lin *extra, size_t nextra, struct plan *p)
{
	bool is_mux = (a->socketcall_nr >= 0 && strcmp(name, "socketcall") == 0) ||
		      (a->ipc_nr >= 0 && strcmp(name, "ipc") == 0);
	enum presence muxed = strcmp(name, "socketcall") == 0 ? VIA_SOCKETCALL : VIA_IPC;
	size_t nexcl = 0, nrules = e ? e->nrules : 0;
	if (is_mux && be == SC_BACKEND_LIBSECCOMP) {
		for (size_t j = 0; j < ix->n; j++) {
			int call;
			if (presence_of(a, ix->v[j].name, &call) == muxed)
				nexcl++;
		}
	}
	if (be == SC_BACKEND_CAPC)
		nexcl = nextra;
	struct sc_lin *in = calloc(nrules + nexcl + 1, sizeof *in);
	struct sc_expr *excl = calloc(nexcl + 1, sizeof *excl);
	size_t *src = calloc(nrules + nexcl + 1, sizeof *src);
	if (!in || !excl || !src) {
		free(in);
		free(excl);
		free(src);
		diag_fatal_noloc("out of memory");
		return -1;
	}
	size_t n = 0;
	for (size_t i = 0; i < nrules; i++) {
		size_t r = e->rules[i];
		if (!sc_rule_applies(f, e, r))
			continue;
		src[n] = r;
		in[n++] = (struct sc_lin){ f->rules[r].cond, f->rules[r].action, false };
	}
	size_t nlast = n ? src[n - 1] : e ? e->rules[0] : 0;
	if (is_mux && be == SC_BACKEND_LIBSECCOMP) {
		/* socketcall(SYS_SOCKET, ...) belongs to socket's rules when the
		 * filter has any: hide those call numbers from socketcall's own
		 * rules, after all of them (last match wins). */
		size_t x = 0;
		for (size_t j = 0; j < ix->n; j++) {
			int call;
			if (presence_of(a, ix->v[j].name, &call) != muxed)
				continue;
			excl[x].kind = SE_CMP;
			excl[x].cmp = (struct sc_cmp){ .arg = 0, .op = SC_EQ, .value = (uint64_t)call };
			src[n] = nlast;
			in[n++] = (struct sc_lin){ &excl[x], 0, true };
			x++;
		}
	}
	for (size_t x = 0; be == SC_BACKEND_CAPC && x < nextra; x++) {
		src[n] = nlast;
		in[n++] = extra[x];
	}
	/* What the kernel reads of each argument: x32 runs the x86_64 kernel's
	 * entry points (their types, at most the 32 bits libseccomp compares
	 * there); the other 32-bit ABIs have i386's (chown there is chown16). */
	unsigned bits[SC_NARGS];
	unsigned table = a->abi->width == 64 || a->abi->role == CAPBIN_ABI_X32 ? 64 : 32;
	tbl_syscall_arg_widths(name, table, bits);
	size_t culprit = 0, count = 0;
	enum sc_lower_status st = be == SC_BACKEND_CAPC
		? sc_lower_sets(in, n, f->default_action, a->abi->width, bits, &p->sets, &culprit)
		: sc_lower(in, n, f->default_action, a->abi->width, bits, &p->rules, &culprit, &count);
	const struct loc *at = n && culprit < n && src[culprit] < f->nrules ? &f->rules[src[culprit]].loc
			       : n && src[0] < f->nrules ? &f->rules[src[0]].loc : &f->default_loc;
	int ret = 0;
	switch (st) {
	case SC_LOWER_OK:
		break;
	case SC_LOWER_TOO_MANY:
		diag_error(at, "the conditions on '%s' need %zu libseccomp rules on %s, more than the %d allowed per syscall",
			   name, count, a->abi->name, SC_MAX_LRULES_PER_SYSCALL);
		diag_note(at, "libseccomp compares each argument once per rule, so a range bounded on both sides is split into blocks, and alternatives on several arguments multiply");
		ret = -1;
		break;
	case SC_LOWER_COMPLEX:
		diag_error(at, "the conditions on '%s' are too complex to compile for %s (their normal form is too big)",
			   name, a->abi->name);
		ret = -1;
		break;
	case SC_LOWER_INVALID:
		diag_error(at, "internal error: malformed condition on '%s' (argument index or operator out of range)",
			   name);
		ret = -1;
		break;
	case SC_LOWER_NOMEM:
		diag_fatal_noloc("out of memory");
		ret = -1;
		break;
	}
	if (ret == 0 && (pres == VIA_SOCKETCALL || pres == VIA_IPC) && plan_conditional(p, be, f->default_action)) {
		/* blame the first conditional rule */
		size_t r = src[0];
		for (size_t j = 0; j < n; j++) {
			if (in[j].cond) {
				r = src[j];
				break;
			}
		}
		const char *mux = pres == VIA_SOCKETCALL ? "socketcall" : "ipc";
		diag_error(&f->rules[r].loc,
			   "on %s, '%s' is also reached through %s(), whose arguments seccomp cannot read: its condition cannot be checked there",
			   a->abi->name, name, mux);
		if (a->abi->host)
			diag_note(&f->rules[r].loc, "drop the condition, or leave the %s ABI out of the target",
				  a->abi->name);
		else
			diag_note(&f->rules[r].loc, "drop the condition: a filter for %s cannot restrict the arguments of '%s'",
				  a->abi->name, name);
		ret = -1;
	}
	free(in);
	free(excl);
	free(src);
	if (ret < 0)
		plan_free(p);
	return ret;
}

/* Add one ABI's rules to ctx. Returns 0 or -1 after reporting. */
static int fill_abi(const struct sc_filter *f, const struct abi_ctx *a, const struct sc_index *ix, bool *exists,
		    scmp_filter_ctx ctx)
{
	struct plan *plans = calloc(ix->n + 1, sizeof *plans);
	size_t np = 0;
	int ret = 0;
	if (!plans) {
		diag_fatal_noloc("out of memory");
		return -1;
	}
	for (size_t k = 0; k < ix->n; k++) {
		int call;
		enum presence pres = presence_of(a, ix->v[k].name, &call);
		if (pres == ABSENT)
			continue;
		exists[k] = true;
		struct plan *p = &plans[np];
		p->entry = k;
		p->nr = seccomp_syscall_resolve_name_arch(a->abi->token, ix->v[k].name);
		if (plan_syscall(f, a, ix, &ix->v[k], ix->v[k].name, pres, SC_BACKEND_LIBSECCOMP, NULL, 0, p) < 0) {
			ret = -1;
			continue;
		}
		np++;
	}
	/* canonical order: by number on the ABI, then as lowered */
	qsort(plans, np, sizeof *plans, plan_cmp);
	for (size_t i = 0; i < np && ret == 0; i++) {
		const struct sc_sysent *e = &ix->v[plans[i].entry];
		int host_nr = seccomp_syscall_resolve_name(e->name);
		for (size_t j = 0; j < plans[i].rules.n; j++) {
			const struct sc_lrule *r = &plans[i].rules.v[j];
			int rc = seccomp_rule_add_array(ctx, r->action, host_nr, r->ncmp, r->cmp);
			if (rc == 0)
				continue;
			/* blame the last rule naming it with this action */
			const struct loc *at = &f->default_loc;
			for (size_t t = 0; t < e->nrules; t++)
				if (sc_rule_applies(f, e, e->rules[t]) && f->rules[e->rules[t]].action == r->action)
					at = &f->rules[e->rules[t]].loc;
			char act[64];
			action_name(r->action, act, sizeof act);
			diag_error(at, "libseccomp refused the rule '%s' %s with %u comparisons on %s: %s", e->name, act,
				   r->ncmp, a->abi->name, strerror(-rc));
			ret = -1;
			break;
		}
	}
	for (size_t i = 0; i < np; i++)
		plan_free(&plans[i]);
	free(plans);
	return ret;
}

/* The direct number of a multiplexed call on an ABI that also has it as
 * a syscall of its own (socket is 359 on x86, and socketcall(SYS_SOCKET)),
 * or -1. libseccomp resolves such a name to its pseudo number and adds
 * the direct rule itself, without a way to ask for that number; its
 * number-to-name lookup knows it, so the ABI's numbers are scanned once
 * (the socket and IPC calls of every ABI with a multiplexer lie in
 * 0..1023, MIPS o32's in 4000..5023). */
static int direct_number(const struct sc_abi *abi, const char *name)
{
	static uint32_t token;
	static struct direct {
		int nr;
		char *name;
	} *tbl;
	static size_t ntbl;
	if (token != abi->token) {
		for (size_t i = 0; i < ntbl; i++)
			free(tbl[i].name);
		free(tbl);
		tbl = NULL;
		ntbl = 0;
		token = abi->token;
		static const int from[] = { 0, 4000 };
		for (size_t r = 0; r < 2; r++) {
			for (int nr = from[r]; nr < from[r] + 1024; nr++) {
				char *n = seccomp_syscall_resolve_num_arch(abi->token, nr);
				if (!n)
					continue;
				/* only the names libseccomp multiplexes */
				int pseudo = seccomp_syscall_resolve_name_arch(abi->token, n);
				struct direct *t = pseudo < 0 ? realloc(tbl, (ntbl + 1) * sizeof *tbl) : NULL;
				if (!t) {
					free(n);
					continue;
				}
				tbl = t;
				tbl[ntbl++] = (struct direct){ nr, n };
			}
		}
	}
	for (size_t i = 0; i < ntbl; i++)
		if (strcmp(tbl[i].name, name) == 0)
			return tbl[i].nr;
	return -1;
}

/* One ABI's calls for capc's back end. */
struct own_abi {
	struct plan *plans;
	size_t np;
	struct sc_call *calls;
	size_t nc;
	struct sc_expr *muxexpr; /* arg0 == call, for the lines below */
	struct sc_lin *muxline[2]; /* socketcall's, ipc's */
	size_t nmux[2];
};

static void own_abi_free(struct own_abi *o)
{
	for (size_t i = 0; i < o->np; i++)
		plan_free(&o->plans[i]);
	free(o->plans);
	free(o->calls);
	free(o->muxexpr);
	free(o->muxline[0]);
	free(o->muxline[1]);
	memset(o, 0, sizeof *o);
}

static int call_cmp(const void *a, const void *b)
{
	const struct sc_call *x = a, *y = b;
	return x->nr < y->nr ? -1 : x->nr > y->nr;
}

/* Plan every syscall of ABI a for capc's back end (seccomp_bpf.c): one
 * decision per syscall number. A socket or IPC call that the ABI
 * multiplexes is decided at its direct number, if it has one, and inside
 * socketcall()/ipc() by a line `arg0 == call` with its action after the
 * multiplexer's own rules, the way libseccomp rewrites it. Returns 0 or -1
 * after reporting. */
static int fill_abi_own(const struct sc_filter *f, const struct abi_ctx *a, const struct sc_index *ix, bool *exists,
			struct own_abi *o)
{
	static const char *const muxname[2] = { "socketcall", "ipc" };
	const int muxnr[2] = { a->socketcall_nr, a->ipc_nr };
	const struct sc_sysent *muxent[2] = { NULL, NULL };
	int ret = 0;
	memset(o, 0, sizeof *o);
	o->plans = calloc(ix->n + 2, sizeof *o->plans);
	o->calls = calloc(2 * ix->n + 2, sizeof *o->calls);
	o->muxexpr = calloc(ix->n + 1, sizeof *o->muxexpr);
	o->muxline[0] = calloc(ix->n + 1, sizeof *o->muxline[0]);
	o->muxline[1] = calloc(ix->n + 1, sizeof *o->muxline[1]);
	if (!o->plans || !o->calls || !o->muxexpr || !o->muxline[0] || !o->muxline[1]) {
		diag_fatal_noloc("out of memory");
		return -1;
	}
	for (size_t k = 0; k < ix->n; k++) {
		const struct sc_sysent *e = &ix->v[k];
		int call;
		enum presence pres = presence_of(a, e->name, &call);
		if (pres == ABSENT)
			continue;
		exists[k] = true;
		bool mux = false;
		for (int m = 0; m < 2; m++) {
			if (muxnr[m] >= 0 && strcmp(e->name, muxname[m]) == 0) {
				muxent[m] = e;
				mux = true;
			}
		}
		if (mux)
			continue; /* after the calls it carries */
		struct plan *p = &o->plans[o->np];
		if (plan_syscall(f, a, ix, e, e->name, pres, SC_BACKEND_CAPC, NULL, 0, p) < 0) {
			ret = -1;
			continue;
		}
		o->np++;
		if (pres == DIRECT) {
			o->calls[o->nc++] = (struct sc_call){ (uint32_t)seccomp_syscall_resolve_name_arch(a->abi->token, e->name),
							      &p->sets };
			continue;
		}
		uint32_t act = f->default_action;
		sc_sets_constant(&p->sets, f->default_action, &act); /* constant: plan_syscall checked */
		int m = pres == VIA_SOCKETCALL ? 0 : 1;
		struct sc_expr *x = &o->muxexpr[k];
		x->kind = SE_CMP;
		x->cmp = (struct sc_cmp){ .arg = 0, .op = SC_EQ, .value = (uint64_t)call };
		o->muxline[m][o->nmux[m]++] = (struct sc_lin){ x, act, false };
		int direct = direct_number(a->abi, e->name);
		if (direct >= 0)
			o->calls[o->nc++] = (struct sc_call){ (uint32_t)direct, &p->sets };
	}
	for (int m = 0; m < 2; m++) {
		if (muxnr[m] < 0 || (!muxent[m] && !o->nmux[m]))
			continue;
		struct plan *p = &o->plans[o->np];
		if (plan_syscall(f, a, ix, muxent[m], muxname[m], DIRECT, SC_BACKEND_CAPC, o->muxline[m], o->nmux[m], p) <
		    0) {
			ret = -1;
			continue;
		}
		o->np++;
		o->calls[o->nc++] = (struct sc_call){ (uint32_t)muxnr[m], &p->sets };
	}
	qsort(o->calls, o->nc, sizeof *o->calls, call_cmp);
	for (size_t i = 1; i < o->nc && ret == 0; i++) {
		if (o->calls[i].nr == o->calls[i - 1].nr) {
			diag_error(&f->default_loc, "internal error: two syscalls with number %u on %s", o->calls[i].nr,
				   a->abi->name);
			ret = -1;
		}
	}
	return ret;
}

static int export_prog(scmp_filter_ctx ctx, const struct ir_arch *arch, const struct loc *at, struct ir_prog *out)
{
	int fd = memfd_create("capc-bpf", MFD_CLOEXEC);
	if (fd < 0) {
		diag_error(at, "cannot create a memory file for the %s filter: %s", arch_name(arch), strerror(errno));
		return -1;
	}
	int rc = seccomp_export_bpf(ctx, fd);
	struct stat st;
	if (rc < 0 || fstat(fd, &st) < 0) {
		diag_error(at, "libseccomp could not generate the %s filter: %s", arch_name(arch),
			   strerror(rc < 0 ? -rc : errno));
		close(fd);
		return -1;
	}
	size_t size = (size_t)st.st_size;
	if (size == 0 || size % 8) {
		diag_error(at, "libseccomp generated a %zu-byte %s filter, not whole instructions", size,
			   arch_name(arch));
		close(fd);
		return -1;
	}
	uint8_t *buf = malloc(size);
	size_t got = 0;
	while (buf && got < size) {
		ssize_t r = pread(fd, buf + got, size - got, (off_t)got);
		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			break;
		}
		got += (size_t)r;
	}
	close(fd);
	if (!buf || got != size) {
		free(buf);
		diag_error(at, "cannot read back the %s filter", arch_name(arch));
		return -1;
	}
	size_t n = size / 8;
	if (n > CAPBIN_MAX_BPF_INSNS) {
		diag_error(at, "the seccomp filter for %s has %zu instructions; the kernel accepts at most %d",
			   arch_name(arch), n, CAPBIN_MAX_BPF_INSNS);
		free(buf);
		return -1;
	}
	out->insns = calloc(n, sizeof *out->insns);
	if (!out->insns) {
		free(buf);
		diag_fatal_noloc("out of memory");
		return -1;
	}
	/* libseccomp writes the target's byte order */
	bool swap = sc_audit_arch_le(arch->audit_arch) != (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__);
	for (size_t i = 0; i < n; i++) {
		const uint8_t *p = buf + i * 8;
		struct ir_insn *d = &out->insns[i];
		memcpy(&d->code, p, 2);
		d->jt = p[2];
		d->jf = p[3];
		memcpy(&d->k, p + 4, 4);
		if (swap) {
			d->code = __builtin_bswap16(d->code);
			d->k = __builtin_bswap32(d->k);
		}
	}
	out->n = n;
	free(buf);
	return 0;
}

int sc_generate(const struct sc_filter *f, const struct ir_arch *arch, enum sc_backend be, struct ir_prog *out)
{
	struct abi_ctx abis[3];
	scmp_filter_ctx ctx[3] = { NULL, NULL, NULL };
	struct own_abi own[3];
	memset(own, 0, sizeof own);
	const struct sc_index *ix = NULL;
	bool *exists = NULL;
	int ret = -1;
	out->insns = NULL;
	out->n = 0;

	if (!f || !arch) {
		diag_fatal_noloc("internal error: no filter or architecture");
		return -1;
	}
	if (arch->nscmp < 1 || arch->nscmp > 3) {
		diag_error(&f->default_loc, "internal error: %zu ABIs for architecture %s", arch->nscmp, arch_name(arch));
		return -1;
	}
	if (!sc_action_valid(f->default_action)) {
		diag_error(&f->default_loc, "unsupported default seccomp action 0x%08x", f->default_action);
		return -1;
	}
	for (size_t i = 0; i < f->nrules; i++) {
		if (!f->rules[i].syscall || !sc_action_valid(f->rules[i].action)) {
			diag_error(&f->rules[i].loc, "internal error: rule without a syscall or with action 0x%08x",
				   f->rules[i].action);
			return -1;
		}
	}
	for (size_t i = 0; i < arch->nscmp; i++) {
		abis[i].abi = sc_abi_by_token(arch->scmp_arch[i]);
		if (!abis[i].abi) {
			diag_error(&f->default_loc, "internal error: unknown libseccomp arch token 0x%08x",
				   arch->scmp_arch[i]);
			return -1;
		}
		abis[i].socketcall_nr = seccomp_syscall_resolve_name_arch(abis[i].abi->token, "socketcall");
		abis[i].ipc_nr = seccomp_syscall_resolve_name_arch(abis[i].abi->token, "ipc");
		if (abis[i].socketcall_nr < 0)
			abis[i].socketcall_nr = -1;
		if (abis[i].ipc_nr < 0)
			abis[i].ipc_nr = -1;
	}
	/* the output must not depend on the build host's kernel */
	int rc = seccomp_api_set(3);
	if (rc < 0) {
		diag_error(&f->default_loc, "libseccomp refused API level 3: %s", strerror(-rc));
		return -1;
	}
	if (!(ix = sc_index_of(f)) || !(exists = calloc(ix->n + 1, sizeof *exists))) {
		diag_fatal_noloc("out of memory");
		goto out;
	}

	int failed = 0;
	for (size_t i = 0; i < arch->nscmp && be == SC_BACKEND_CAPC; i++)
		if (fill_abi_own(f, &abis[i], ix, exists, &own[i]) < 0)
			failed = 1;
	for (size_t i = 0; i < arch->nscmp && be == SC_BACKEND_LIBSECCOMP; i++) {
		ctx[i] = make_ctx(f->default_action, abis[i].abi->token, &rc);
		if (!ctx[i]) {
			char act[64];
			action_name(f->default_action, act, sizeof act);
			diag_error(&f->default_loc, "libseccomp refused a %s filter with default action %s: %s",
				   abis[i].abi->name, act, strerror(-rc));
			goto out;
		}
		if (fill_abi(f, &abis[i], ix, exists, ctx[i]) < 0)
			failed = 1;
	}

	/* Direct names that exist on none of the ABIs: in source order, once. */
	bool *warned = calloc(ix->n + 1, sizeof *warned);
	if (!warned) {
		diag_fatal_noloc("out of memory");
		goto out;
	}
	for (size_t r = 0; r < f->nrules; r++) {
		const struct sc_rule *rule = &f->rules[r];
		const struct sc_sysent *e = rule->group ? NULL : sc_index_find(ix, rule->syscall);
		size_t k = e ? (size_t)(e - ix->v) : 0;
		if (!e || exists[k] || warned[k])
			continue;
		warned[k] = true;
		diag_warning(&rule->loc, "syscall '%s' does not exist on %s; rule ignored for it", rule->syscall,
			     arch_name(arch));
	}
	free(warned);
	if (failed)
		goto out;

	if (be == SC_BACKEND_CAPC) {
		struct sc_abi_calls calls[3];
		for (size_t i = 0; i < arch->nscmp; i++)
			calls[i] = (struct sc_abi_calls){ abis[i].abi, own[i].calls, own[i].nc };
		sc_bpf_generate(calls, arch->nscmp, f->default_action, out);
		if (out->n > CAPBIN_MAX_BPF_INSNS) {
			diag_error(&f->default_loc, "the seccomp filter for %s has %zu instructions; the kernel accepts at most %d",
				   arch_name(arch), out->n, CAPBIN_MAX_BPF_INSNS);
			free(out->insns);
			out->insns = NULL;
			out->n = 0;
			goto out;
		}
		ret = 0;
		goto out;
	}
	for (size_t i = 1; i < arch->nscmp; i++) {
		rc = seccomp_merge(ctx[0], ctx[i]);
		if (rc < 0) {
			diag_error(&f->default_loc, "libseccomp could not merge the %s and %s filters: %s",
				   abis[0].abi->name, abis[i].abi->name, strerror(-rc));
			goto out;
		}
		ctx[i] = NULL; /* released by the merge */
	}
	ret = export_prog(ctx[0], arch, &f->default_loc, out);
out:
	for (size_t i = 0; i < 3; i++) {
		if (ctx[i])
			seccomp_release(ctx[i]);
		own_abi_free(&own[i]);
	}
	free(exists);
	return ret;
}

int sc_check_stack(const struct ir_policy *p)
{
	if (p->kind != CAPBIN_KIND_SERVICE)
		return 0; /* session rules are alternatives: one stage per process */
	for (size_t a = 0; a < p->narch; a++) {
		size_t total = 0;
		unsigned nfilters = 0;
		for (size_t i = 0; i < p->nstages; i++) {
			const struct ir_prog *prog = &p->stages[i].progs[a];
			if (!p->stages[i].filter || !prog->n)
				continue;
			struct sock_filter *f = calloc(prog->n, sizeof *f);
			if (!f) {
				diag_fatal_noloc("out of memory");
				return -1;
			}
			for (size_t k = 0; k < prog->n; k++)
				f[k] = (struct sock_filter){prog->insns[k].code, prog->insns[k].jt, prog->insns[k].jf,
							    prog->insns[k].k};
			size_t klen = capr_bpf_kernel_len(f, prog->n);
			free(f);
			if (!capr_path_add(&total, &nfilters, klen)) {
				diag_error(&p->stages[i].loc,
					   "the seccomp filters installed up to point '%s' come to %zu instructions in the "
					   "kernel for %s; it refuses more than %d in one process (filters of earlier "
					   "points stay installed)",
					   p->stages[i].point, total, arch_name(&p->arches[a]), CAPBIN_MAX_PATH_INSNS);
				return -1;
			}
		}
	}
	return 0;
}
