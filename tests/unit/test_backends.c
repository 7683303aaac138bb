/* test_backends.c - capc's own BPF generator against libseccomp's, on
 * every golden policy and on Docker's default profile.
 *
 * Each policy is compiled twice in memory (sema_build with --backend capc
 * and with --backend libseccomp); for every stage and target arch, both
 * programs run in capc's BPF interpreter (compiler/bpf_run.c) on:
 *
 *   - every syscall number of the target's ABIs (0..1199, the MIPS bases
 *     4000/5000/6000, the x32 numbers, the edges up to 0xffffffff), with
 *     all arguments 0, all ones, 0xffffffff and 1 << 32;
 *   - for the numbers whose rules test arguments (and socketcall/ipc),
 *     each argument set in turn to every value the policy names, its
 *     neighbours and its high-word variants, and 256 seeded random
 *     combinations of those values;
 *   - every other kernel arch, where both must kill the process.
 *
 * Any difference fails, with the call. Then, for the build host's arch,
 * a sample of the calls is made for real under capc's filter, in a child:
 * a second filter installed on top answers SECCOMP_RET_TRACE (no tracer:
 * ENOSYS, the call is not executed) for calls marked by a magic sixth
 * argument, so nothing is ever executed, and the kernel's precedence
 * (kill, trap, errno over trace over allow) shows capc's decision as the
 * errno or the signal seen.
 */
#include <errno.h>
#include <glob.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ast.h"
#include "bpf_run.h"
#include "diag.h"
#include "ir.h"
#include "sema.h"
#include "seccomp.h"
#include "tap.h"
#include "yaml_input.h"

#define X32_BIT 0x40000000u
#define MAXC 256
#define MAGIC 0x5afe7ace1dull /* arg5 of the calls made for real */

static const char *src_dir(void)
{
	const char *s = getenv("CAPC_SRC");
	return s ? s : ".";
}

static struct ast_unit *parse(const char *path, const char *const *target)
{
	size_t n = strlen(path);
	if (n > 5 && (strcmp(path + n - 5, ".json") == 0 || strcmp(path + n - 5, ".yaml") == 0))
		return yaml_parse_file(path, target);
	struct src_file *f = diag_load_file(path, NULL);
	return f ? ast_parse_file(f) : NULL;
}

static bool compile(const char *path, const char *const *target, enum sc_backend be, struct ir_policy *ir)
{
	unsigned e0 = diag_error_count();
	struct ast_unit *u = parse(path, target);
	struct sema_opts opts = { .target = target, .generate = true, .host_lookup = false, .backend = be };
	memset(ir, 0, sizeof *ir);
	bool okay = u && diag_error_count() == e0 && sema_build(u, &opts, ir) == 0 && diag_error_count() == e0;
	if (u)
		ast_free_unit(u);
	return okay;
}

/* ---------------------------------------------------------------- what to probe */

struct vals {
	uint64_t v[MAXC];
	size_t n;
};

static void add(struct vals *c, uint64_t x)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i] == x)
			return;
	if (c->n < MAXC)
		c->v[c->n++] = x;
}

static void add_around(struct vals *c, uint64_t x)
{
	add(c, x);
	add(c, x - 1);
	add(c, x + 1);
	add(c, x ^ 0xffffffff00000000ull);
	add(c, x + (1ull << 32));
	add(c, x & 0xffffffffull);
	add(c, (x & 0xffffffffull) | 0xffffffff00000000ull);
}

/* Values of every comparison in e; whether it tests argument 5. */
static bool walk(const struct sc_expr *e, struct vals *c)
{
	bool a5 = false;
	if (!e)
		return false;
	if (e->kind == SE_CMP) {
		add_around(c, e->cmp.value);
		if (e->cmp.op == SC_MASKED_EQ) {
			add_around(c, e->cmp.mask);
			add(c, ~e->cmp.mask);
			add(c, e->cmp.mask & (~e->cmp.mask + 1));
			add(c, e->cmp.value | ~e->cmp.mask);
		}
		return e->cmp.arg == 5;
	}
	a5 |= walk(e->l, c);
	a5 |= walk(e->r, c);
	return a5;
}

static const uint32_t other_arches[] = {
	AUDIT_ARCH_X86_64, AUDIT_ARCH_I386,   AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM,	AUDIT_ARCH_S390X,
	AUDIT_ARCH_S390,   AUDIT_ARCH_PPC64,  AUDIT_ARCH_PPC64LE, AUDIT_ARCH_PPC,	AUDIT_ARCH_MIPS,
	AUDIT_ARCH_MIPSEL, AUDIT_ARCH_MIPS64, AUDIT_ARCH_MIPSEL64, 0xc00000f3u /* riscv64 */, 0,
};

static bool in_list(const uint32_t *v, size_t n, uint32_t x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

static uint64_t rng_state;
static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

/* ---------------------------------------------------------------- comparing */

struct cmp_state {
	const struct ir_prog *a, *b;
	bool le;
	size_t probes, diffs;
	char listed[2048];
	/* a sample of native calls to make for real */
	struct bpf_input sample[96];
	uint32_t expect[96];
	size_t nsample, stride, seen;
	uint32_t native; /* the host's AUDIT_ARCH: the sample is of its calls */
	/* allowed whatever the arguments, and of those, what the kernel's
	 * action cache would mark (capc's, libseccomp's program) */
	size_t uncond, cached_a, cached_b;
};

static void probe(struct cmp_state *s, const struct bpf_input *in)
{
	struct bpf_result ra, rb;
	bool oka = bpf_run(s->a->insns, s->a->n, in, s->le, &ra);
	bool okb = bpf_run(s->b->insns, s->b->n, in, s->le, &rb);
	s->probes++;
	if (!oka || !okb || ra.action != rb.action) {
		if (s->diffs++ < 4) {
			size_t l = strlen(s->listed);
			snprintf(s->listed + l, sizeof s->listed - l,
				 " [arch %#x nr %#x args %#llx %#llx %#llx: capc %#x%s, libseccomp %#x%s]", in->arch,
				 (unsigned)in->nr, (unsigned long long)in->args[0], (unsigned long long)in->args[1],
				 (unsigned long long)in->args[2], ra.action, oka ? "" : " (invalid)", rb.action,
				 okb ? "" : " (invalid)");
		}
		return;
	}
	/* every stride-th call of the host's arch goes to the sample */
	if (s->stride && in->arch == s->native && (uint32_t)in->nr < 1200 && s->nsample < sizeof s->sample / sizeof s->sample[0] &&
	    s->seen++ % s->stride == 0) {
		s->sample[s->nsample] = *in;
		s->expect[s->nsample++] = ra.action;
	}
}

static void probe_nr(struct cmp_state *s, uint32_t arch, uint32_t nr, bool conditional, const struct vals *c)
{
	static const uint64_t fixed[] = { 0, ~0ull, 0xffffffffull, 1ull << 32 };
	struct bpf_input in = { .nr = (int32_t)nr, .arch = arch };
	bool allowed = true;
	for (size_t f = 0; f < 4; f++) {
		for (int k = 0; k < 6; k++)
			in.args[k] = fixed[f];
		struct bpf_result r;
		allowed &= bpf_run(s->a->insns, s->a->n, &in, s->le, &r) && r.action == SECCOMP_RET_ALLOW;
		probe(s, &in);
	}
	if (!conditional && allowed && nr < 1200) {
		s->uncond++;
		s->cached_a += bpf_const_allow(s->a->insns, s->a->n, arch, nr);
		s->cached_b += bpf_const_allow(s->b->insns, s->b->n, arch, nr);
	}
	if (!conditional)
		return;
	for (int k = 0; k < 6; k++) {
		for (size_t i = 0; i < c->n; i++) {
			memset(in.args, 0, sizeof in.args);
			in.args[k] = c->v[i];
			probe(s, &in);
		}
	}
	for (int r = 0; r < 256; r++) {
		for (int k = 0; k < 6; k++)
			in.args[k] = c->v[rng() % c->n];
		probe(s, &in);
	}
}

/* ---------------------------------------------------------------- for real */

static long *shm;

static int install(const struct ir_prog *p)
{
	struct sock_fprog fp = { .len = (unsigned short)p->n, .filter = (struct sock_filter *)p->insns };
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) == 0 ? 0 : -1;
}

/* Trace (not executed, ENOSYS) every call whose arg5 is MAGIC. */
static int install_tracer(bool le)
{
	uint32_t lo = 16 + 8 * 5 + (le ? 0 : 4), hi = 16 + 8 * 5 + (le ? 4 : 0);
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, lo),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)MAGIC, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, hi),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(MAGIC >> 32), 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog fp = { .len = sizeof f / sizeof f[0], .filter = f };
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) == 0 ? 0 : -1;
}

/* Expected errno (>0), or -SIGSYS for a kill or a trap. */
static long expected(uint32_t action)
{
	uint32_t act = action & SECCOMP_RET_ACTION_FULL;
	if (act == SECCOMP_RET_ERRNO)
		return action & SECCOMP_RET_DATA;
	if (act == SECCOMP_RET_ALLOW || act == SECCOMP_RET_LOG)
		return ENOSYS; /* the tracer filter's answer */
	return -SIGSYS;
}

/* The calls in one child; results in shm (no syscall needed to report,
 * whatever capc's filter refuses); the child ends by a trap instruction. */
static size_t run_real(const struct ir_prog *p, bool le, struct bpf_input *in, const uint32_t *want, size_t n,
		       char *why, size_t whylen)
{
	size_t bad = 0;
	memset(shm, 0xff, 4096);
	pid_t pid = fork();
	if (pid == 0) {
		/* the tracer first: capc's filter may refuse seccomp() */
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || install_tracer(le) < 0 || install(p) < 0) {
			shm[0] = -2;
			__builtin_trap();
		}
		size_t j = 1;
		for (size_t i = 0; i < n; i++) {
			if (expected(want[i]) <= 0)
				continue;
			const uint64_t *a = in[i].args;
			long r = syscall(in[i].nr, a[0], a[1], a[2], a[3], a[4], MAGIC);
			shm[j++] = r == -1 ? errno : -1000 - r;
		}
		shm[0] = (long)j;
		__builtin_trap();
	}
	int st;
	waitpid(pid, &st, 0);
	if (shm[0] == -2) {
		snprintf(why, whylen, " (cannot install the filters)");
		return n;
	}
	size_t j = 1;
	for (size_t i = 0; i < n; i++) {
		long e = expected(want[i]);
		if (e <= 0)
			continue;
		if (shm[j] != e) {
			if (!bad++)
				snprintf(why, whylen, " (nr %d: errno %ld, expected %ld)", in[i].nr, shm[j], e);
		}
		j++;
	}
	/* kill and trap: one child each, which must die of SIGSYS */
	size_t kills = 0;
	for (size_t i = 0; i < n && kills < 3; i++) {
		if (expected(want[i]) > 0)
			continue;
		kills++;
		pid = fork();
		if (pid == 0) {
			if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || install_tracer(le) < 0 || install(p) < 0)
				_exit(2);
			const uint64_t *a = in[i].args;
			syscall(in[i].nr, a[0], a[1], a[2], a[3], a[4], MAGIC);
			__builtin_trap(); /* SIGILL: not killed by the filter */
		}
		waitpid(pid, &st, 0);
		if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSYS) {
			if (!bad++)
				snprintf(why, whylen, " (nr %d: not killed by SIGSYS, status %#x)", in[i].nr, st);
		}
	}
	return bad;
}

/* ---------------------------------------------------------------- one policy */

static void compare_policy(const char *path, const char *const *target)
{
	struct ir_policy c, l;
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	bool okc = compile(path, target, SC_BACKEND_CAPC, &c);
	bool okl = compile(path, target, SC_BACKEND_LIBSECCOMP, &l);
	ok(okc && okl && c.nstages == l.nstages && c.narch == l.narch, "%s: compiles with both back ends", name);
	if (!okc || !okl || c.nstages != l.nstages || c.narch != l.narch) {
		if (okc)
			ir_free(&c);
		if (okl)
			ir_free(&l);
		return;
	}
	for (size_t i = 0; i < c.nstages; i++) {
		const struct sc_filter *f = c.stages[i].filter;
		if (!f)
			continue;
		struct vals cv = { .n = 0 };
		static const uint64_t base[] = { 0, 1, 2, 0xffffffffull, 1ull << 32, ~0ull, 0x7fffffffull, 0x80000000ull,
						 0xffffffff80000000ull };
		for (size_t k = 0; k < sizeof base / sizeof base[0]; k++)
			add(&cv, base[k]);
		bool arg5 = false;
		for (size_t r = 0; r < f->nrules; r++)
			arg5 |= walk(f->rules[r].cond, &cv);
		for (size_t a = 0; a < c.narch; a++) {
			const struct ir_arch *ar = &c.arches[a];
			struct cmp_state s = { .a = &c.stages[i].progs[a], .b = &l.stages[i].progs[a] };
			s.le = (ar->audit_arch & __AUDIT_ARCH_LE) != 0;
			bool native = ar->scmp_arch[0] == seccomp_arch_native();
			s.stride = native && !arg5 ? 97 : 0;
			s.native = ar->audit_arch;
			rng_state = 0x9e3779b97f4a7c15ull;
			/* the numbers whose calls depend on arguments */
			uint32_t cond[512], arches[3];
			size_t ncond = 0, narches = 0;
			for (size_t t = 0; t < ar->nscmp; t++) {
				uint32_t tok = ar->scmp_arch[t];
				uint32_t aa = tok == SCMP_ARCH_X32 ? (uint32_t)AUDIT_ARCH_X86_64 : 0;
				if (!aa) {
					/* the ABI's own AUDIT_ARCH: the native one of its token */
					aa = ar->audit_arch;
					if (t > 0 && tok == SCMP_ARCH_X86)
						aa = AUDIT_ARCH_I386;
					if (t > 0 && tok == SCMP_ARCH_ARM)
						aa = AUDIT_ARCH_ARM;
				}
				if (!in_list(arches, narches, aa))
					arches[narches++] = aa;
				static const char *const mux[] = { "socketcall", "ipc" };
				for (int m = 0; m < 2; m++) {
					int nr = seccomp_syscall_resolve_name_arch(tok, mux[m]);
					if (nr >= 0 && ncond < 512)
						cond[ncond++] = (uint32_t)nr;
				}
				for (size_t r = 0; r < f->nrules; r++) {
					if (!f->rules[r].cond)
						continue;
					int nr = seccomp_syscall_resolve_name_arch(tok, f->rules[r].syscall);
					if (nr >= 0 && ncond < 512 && !in_list(cond, ncond, (uint32_t)nr))
						cond[ncond++] = (uint32_t)nr;
				}
			}
			static const uint32_t bases[] = { 0, 4000, 5000, 6000, X32_BIT };
			static const uint32_t edges[] = { 0x3fffffffu, 0x7fffffffu, 0x80000000u, 0xfffffffeu, 0xffffffffu };
			for (size_t g = 0; g < narches; g++) {
				for (size_t b = 0; b < 5; b++)
					for (uint32_t nr = bases[b]; nr < bases[b] + (b == 0 || b == 4 ? 1200u : 600u); nr++)
						probe_nr(&s, arches[g], nr, in_list(cond, ncond, nr), &cv);
				for (size_t e = 0; e < 5; e++)
					probe_nr(&s, arches[g], edges[e], false, &cv);
			}
			for (const uint32_t *o = other_arches; *o; o++) {
				if (in_list(arches, narches, *o))
					continue;
				static const uint32_t few[] = { 0, 1, 59, X32_BIT, 0xffffffffu };
				for (size_t k = 0; k < 5; k++)
					probe_nr(&s, *o, few[k], false, &cv);
			}
			ok(s.diffs == 0, "%s, point '%s', %s: capc's filter (%zu instructions) and libseccomp's (%zu) decide alike on %zu calls%s",
			   name, c.stages[i].point, ar->name ? ar->name : "?", s.a->n, s.b->n, s.probes, s.listed);
			ok(s.cached_a == s.uncond, "%s, point '%s', %s: the kernel's action cache takes %zu of the %zu syscalls allowed whatever their arguments (libseccomp's filter: %zu)",
			   name, c.stages[i].point, ar->name ? ar->name : "?", s.cached_a, s.uncond, s.cached_b);
			if (s.nsample) {
				char why[160] = "";
				size_t bad = run_real(s.a, s.le, s.sample, s.expect, s.nsample, why, sizeof why);
				ok(bad == 0, "%s, point '%s': %zu of those calls made for real under capc's filter get what the interpreter says%s",
				   name, c.stages[i].point, s.nsample, why);
			}
		}
	}
	ir_free(&c);
	ir_free(&l);
}

int main(void)
{
	char pat[4096];
	FILE *devnull = fopen("/dev/null", "w");
	diag_set_stream(devnull);
	shm = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm == MAP_FAILED) {
		ok(0, "mmap");
		return 1;
	}
	static const char *const globs[] = { "policies/examples/*.cap", "tests/golden/features/*.cap" };
	size_t files = 0;
	for (size_t g = 0; g < 2; g++) {
		glob_t gl;
		snprintf(pat, sizeof pat, "%s/%s", src_dir(), globs[g]);
		if (glob(pat, 0, NULL, &gl) != 0)
			continue;
		for (size_t i = 0; i < gl.gl_pathc; i++, files++)
			compare_policy(gl.gl_pathv[i], NULL);
		globfree(&gl);
	}
	ok(files >= 20, "%zu golden policies compared", files);
	snprintf(pat, sizeof pat, "%s/../shared/data/docker-default-seccomp.json", src_dir());
	if (access(pat, R_OK) == 0) {
		static const char *const x86_64[] = { "x86_64", NULL };
		static const char *const aarch64[] = { "aarch64", NULL };
		compare_policy(pat, x86_64);
		compare_policy(pat, aarch64);
	} else {
		ok(1, "# SKIP no ../shared/data/docker-default-seccomp.json");
	}
	munmap(shm, 4096);
	diag_shutdown();
	fclose(devnull);
	return failures != 0;
}
