/* capr_backstop.c - the kernel-enforced backstop of triggered stages.
 *
 * A stage triggered by setuid, setgid, listen or chroot is applied by the
 * preload object at the program's own libc call. Without more, that is
 * cooperative: a raw syscall(SYS_setresuid), a program the loader did not
 * preload (LD_PRELOAD ignored, unset, or an exec with an empty
 * environment), a static helper, or a forged CAPR_POLICY_FD would leave
 * root with the whole bounding set and nothing applied.
 *
 * So capload installs, before its exec stage, one more seccomp filter that
 * the program and all its descendants keep:
 *
 *   - the guarded system calls (set{,re,res}{uid,gid} for setuid/setgid
 *     triggers, listen for listen, chroot for chroot) are allowed only
 *     when their unused sixth argument (args[5])
 *     holds the policy's cookie: the first 64 bits of the SHA-256 of the
 *     blob capload validated (capr_sha256.c);
 *   - any other such call returns SECCOMP_RET_TRAP with data
 *     CAPR_BACKSTOP_DATA: SIGSYS.
 *
 * The preload object handles that SIGSYS (preload.c): it runs the trigger's
 * logic (keep_caps, the stage when the program left root, the first
 * listen...) and makes the call again, from its handler, with the cookie it
 * computes from the policy it was handed. So every path to a guarded call
 * goes through the runtime:
 *
 *   raw syscall       trapped, the handler applies the stage
 *   no preload        nothing handles SIGSYS: the kernel kills the process
 *                     at its first guarded call, before it could leave root
 *   forged policy     another cookie: the redone call traps again, inside
 *                     the handler, which ends the process
 *   exec              not guarded (a vfork()ed posix_spawn child runs with
 *                     every handler reset to SIG_DFL, so a trapped exec
 *                     would kill it): the preload's exec and posix_spawn
 *                     wrappers put LD_PRELOAD and CAPR_POLICY_FD back into
 *                     the new program's environment; a raw execve that
 *                     drops them starts a program without the preload,
 *                     which dies at its first guarded call
 *
 * Other ABIs of the same process (x86_64: int 0x80 and x32 calls) cannot
 * carry the cookie the same way; their guarded calls always trap, and the
 * handler ends the process.
 *
 * The handler needs the trapped call's registers: x86_64 and aarch64 only.
 * On other architectures capload refuses a policy with triggered stages
 * (capr_backstop_supported).
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "capr_internal.h"

#if defined(__x86_64__)
#define BS_NATIVE_ARCH AUDIT_ARCH_X86_64
#define BS_SUPPORTED 1
#elif defined(__aarch64__)
#define BS_NATIVE_ARCH AUDIT_ARCH_AARCH64
#define BS_SUPPORTED 1
#else
#define BS_SUPPORTED 0
#endif

#define X32_BIT 0x40000000u

bool capr_backstop_supported(void)
{
	return BS_SUPPORTED;
}

uint64_t capr_policy_cookie(const capr_policy *pol)
{
	uint8_t d[32];
	uint64_t c = 0;

	capr_sha256(pol->blob, pol->len, d);
	for (unsigned i = 0; i < 8; i++)
		c |= (uint64_t)d[i] << (8 * i);
	/* 0 and small values are what an unused register often holds. */
	return c > 0xffff ? c : c | (UINT64_C(1) << 63);
}

unsigned capr_backstop_guards(const capr_policy *pol)
{
	unsigned g = 0;

	for (size_t i = 0; i < pol->nstages; i++) {
		switch (pol->stages[i].trigger) {
		case CAPBIN_TRIGGER_SETUID:
		case CAPBIN_TRIGGER_SETGID:
			g |= CAPR_BS_IDS;
			break;
		case CAPBIN_TRIGGER_LISTEN:
			g |= CAPR_BS_LISTEN;
			break;
		case CAPBIN_TRIGGER_CHROOT:
			g |= CAPR_BS_CHROOT;
			break;
		default:
			break;
		}
	}
	return g;
}

#if BS_SUPPORTED

/* The guarded calls of the native ABI, by what guards them. */
static size_t native_list(unsigned guards, uint32_t *v)
{
	size_t n = 0;

	if (guards & CAPR_BS_IDS) {
		v[n++] = SYS_setuid;
		v[n++] = SYS_setgid;
		v[n++] = SYS_setreuid;
		v[n++] = SYS_setregid;
		v[n++] = SYS_setresuid;
		v[n++] = SYS_setresgid;
	}
	if (guards & CAPR_BS_LISTEN)
		v[n++] = SYS_listen;
	if (guards & CAPR_BS_CHROOT)
		v[n++] = SYS_chroot;
	return n;
}

#ifdef __x86_64__
/* i386 numbers (arch/x86/entry/syscalls/syscall_32.tbl): int 0x80 from an
 * x86_64 process. listen also goes through socketcall (102, call 4). */
static size_t i386_list(unsigned guards, uint32_t *v)
{
	size_t n = 0;

	if (guards & CAPR_BS_IDS) {
		static const uint32_t ids[] = { 23, 46, 70, 71, 164, 170, 203, 204, 208, 210, 213, 214 };
		memcpy(v, ids, sizeof ids);
		n = sizeof ids / sizeof ids[0];
	}
	if (guards & CAPR_BS_LISTEN)
		v[n++] = 363;
	if (guards & CAPR_BS_CHROOT)
		v[n++] = 61;
	return n;
}
#endif

/* A tiny assembler: conditional jumps name labels, resolved at the end. */
enum { L_NEXT = -1, L_CHECK, L_TRAP, L_ALLOW, L_X32, L_COMPAT, L_COUNT };
struct asm_ {
	struct sock_filter v[96];
	int jt[96], jf[96];
	int label[L_COUNT];
	size_t n;
	bool over;
};

static void emit(struct asm_ *a, uint16_t code, uint32_t k, int jt, int jf)
{
	if (a->n == sizeof a->v / sizeof a->v[0]) {
		a->over = true;
		return;
	}
	a->v[a->n] = (struct sock_filter){ code, 0, 0, k };
	a->jt[a->n] = jt;
	a->jf[a->n] = jf;
	a->n++;
}

static void here(struct asm_ *a, int label)
{
	a->label[label] = (int)a->n;
}

static bool resolve(struct asm_ *a)
{
	for (size_t i = 0; i < a->n; i++) {
		if (BPF_CLASS(a->v[i].code) != BPF_JMP || BPF_OP(a->v[i].code) == BPF_JA)
			continue;
		int t[2] = { a->jt[i], a->jf[i] };
		uint8_t off[2];
		for (int k = 0; k < 2; k++) {
			int to = t[k] == L_NEXT ? (int)i + 1 : a->label[t[k]];
			int d = to - (int)i - 1;
			if (d < 0 || d > 255)
				return false;
			off[k] = (uint8_t)d;
		}
		a->v[i].jt = off[0];
		a->v[i].jf = off[1];
	}
	return !a->over;
}

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i))
#define ARG_HI(i) (offsetof(struct seccomp_data, args) + 8 * (i) + 4)
#else
#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i) + 4)
#define ARG_HI(i) (offsetof(struct seccomp_data, args) + 8 * (i))
#endif

size_t capr_backstop_build(unsigned guards, uint64_t cookie, struct sock_filter *out, size_t cap)
{
	struct asm_ a;
	uint32_t nat[16];
	size_t nn = native_list(guards, nat);

	memset(&a, 0, sizeof a);
	for (int l = 0; l < L_COUNT; l++)
		a.label[l] = -1;
	/* The arch first: numbers mean nothing without it. */
	emit(&a, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch), 0, 0);
	emit(&a, BPF_JMP | BPF_JEQ | BPF_K, BS_NATIVE_ARCH, L_NEXT, L_COMPAT);
	emit(&a, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr), 0, 0);
#ifdef __x86_64__
	/* x32 shares AUDIT_ARCH_X86_64 and marks its numbers with a bit. */
	emit(&a, BPF_JMP | BPF_JSET | BPF_K, X32_BIT, L_X32, L_NEXT);
#endif
	for (size_t i = 0; i < nn; i++)
		emit(&a, BPF_JMP | BPF_JEQ | BPF_K, nat[i], L_CHECK, L_NEXT);
	emit(&a, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);

	/* A guarded call: the cookie in args[5], both halves. */
	here(&a, L_CHECK);
	emit(&a, BPF_LD | BPF_W | BPF_ABS, ARG_LO(5), 0, 0);
	emit(&a, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)cookie, L_NEXT, L_TRAP);
	emit(&a, BPF_LD | BPF_W | BPF_ABS, ARG_HI(5), 0, 0);
	emit(&a, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(cookie >> 32), L_ALLOW, L_TRAP);

#ifdef __x86_64__
	here(&a, L_X32);
	emit(&a, BPF_ALU | BPF_AND | BPF_K, ~X32_BIT, 0, 0);
	for (size_t i = 0; i < nn; i++)
		emit(&a, BPF_JMP | BPF_JEQ | BPF_K, nat[i], L_TRAP, L_NEXT);
	emit(&a, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);

	here(&a, L_COMPAT);
	uint32_t c32[24];
	size_t nc = i386_list(guards, c32);
	emit(&a, BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, L_NEXT, L_ALLOW);
	emit(&a, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr), 0, 0);
	for (size_t i = 0; i < nc; i++)
		emit(&a, BPF_JMP | BPF_JEQ | BPF_K, c32[i], L_TRAP, L_NEXT);
	if (guards & CAPR_BS_LISTEN) {
		emit(&a, BPF_JMP | BPF_JEQ | BPF_K, 102, L_NEXT, L_ALLOW); /* socketcall */
		emit(&a, BPF_LD | BPF_W | BPF_ABS, ARG_LO(0), 0, 0);
		emit(&a, BPF_JMP | BPF_JEQ | BPF_K, 4, L_TRAP, L_ALLOW); /* SYS_LISTEN */
	}
#else
	/* aarch64: a 64-bit process makes no AArch32 calls. */
	here(&a, L_COMPAT);
	here(&a, L_X32);
#endif
	here(&a, L_ALLOW);
	emit(&a, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
	here(&a, L_TRAP);
	emit(&a, BPF_RET | BPF_K, SECCOMP_RET_TRAP | CAPR_BACKSTOP_DATA, 0, 0);

	if (!resolve(&a) || a.n > cap)
		return 0;
	memcpy(out, a.v, a.n * sizeof *out);
	return a.n;
}

int capr_backstop_install(unsigned guards, uint64_t cookie, struct capr_error *err)
{
	struct sock_filter insns[96];
	size_t n = capr_backstop_build(guards, cookie, insns, sizeof insns / sizeof insns[0]);
	struct sock_fprog prog = { (unsigned short)n, insns };

	if (!n) {
		capr_seterr(err, EINVAL, "backstop", "internal error: the backstop filter does not assemble");
		return -1;
	}
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) {
		int e = errno;
		capr_seterr(err, e, "backstop", "installing the triggered stages' seccomp backstop: %s%s", strerror(e),
			    e == EACCES ? " (needs cap_sys_admin or no_new_privs)" : "");
		return -1;
	}
	return 0;
}

#else /* !BS_SUPPORTED */

size_t capr_backstop_build(unsigned guards, uint64_t cookie, struct sock_filter *out, size_t cap)
{
	(void)guards, (void)cookie, (void)out, (void)cap;
	return 0;
}

int capr_backstop_install(unsigned guards, uint64_t cookie, struct capr_error *err)
{
	(void)guards, (void)cookie;
	capr_seterr(err, ENOSYS, "backstop",
		    "triggered stages need the seccomp backstop, which capc supports on x86_64 and aarch64 only");
	return -1;
}

#endif

/* ---------------------------------------------------------------- the trapped call */

#include <signal.h>
#include <ucontext.h>

bool capr_trapped_get(const void *siginfo, const void *ucontext, struct capr_trapped *t)
{
	const siginfo_t *si = siginfo;

	if (!BS_SUPPORTED || si->si_signo != SIGSYS || si->si_code != 1 /* SYS_SECCOMP */ ||
	    (unsigned)si->si_errno != CAPR_BACKSTOP_DATA)
		return false;
	memset(t, 0, sizeof *t);
	t->nr = si->si_syscall;
	t->arch = si->si_arch;
#if defined(__x86_64__)
	const greg_t *g = ((const ucontext_t *)ucontext)->uc_mcontext.gregs;
	t->args[0] = (unsigned long)g[REG_RDI];
	t->args[1] = (unsigned long)g[REG_RSI];
	t->args[2] = (unsigned long)g[REG_RDX];
	t->args[3] = (unsigned long)g[REG_R10];
	t->args[4] = (unsigned long)g[REG_R8];
	t->args[5] = (unsigned long)g[REG_R9];
#elif defined(__aarch64__)
	const unsigned long long *r = ((const ucontext_t *)ucontext)->uc_mcontext.regs;
	for (unsigned i = 0; i < 6; i++)
		t->args[i] = (unsigned long)r[i];
#else
	(void)ucontext;
#endif
	return true;
}

bool capr_trapped_native(const struct capr_trapped *t)
{
#if BS_SUPPORTED
	if (t->arch != BS_NATIVE_ARCH)
		return false;
#ifdef __x86_64__
	if ((unsigned long)t->nr & X32_BIT)
		return false;
#endif
	return true;
#else
	(void)t;
	return false;
#endif
}

long capr_trapped_redo(const struct capr_trapped *t, uint64_t cookie)
{
	int saved = errno;
	long r = syscall(t->nr, t->args[0], t->args[1], t->args[2], t->args[3], t->args[4], (unsigned long)cookie);

	if (r == -1)
		r = -errno;
	errno = saved;
	return r;
}

void capr_trapped_return(void *ucontext, long ret)
{
#if defined(__x86_64__)
	((ucontext_t *)ucontext)->uc_mcontext.gregs[REG_RAX] = (greg_t)ret;
#elif defined(__aarch64__)
	((ucontext_t *)ucontext)->uc_mcontext.regs[0] = (unsigned long long)ret;
#else
	(void)ucontext, (void)ret;
#endif
}
