/* test_seccomp.c - seccomp semantics, lowering and BPF, checked by the kernel.
 *
 * Filters are built by hand as struct sc_filter, compiled with
 * sc_generate for the build host, and installed in a forked child
 * (no_new_privs + seccomp(SECCOMP_SET_MODE_FILTER)) which makes real
 * system calls; results come back through a shared page or the exit
 * status. Nothing is mocked.
 *
 * One exception, labelled where used: an ABI this kernel cannot run (i386
 * without IA32 emulation, as on many CI kernels) is checked by running the
 * exact same instructions in the kernel's classic-BPF engine as a socket
 * filter (SO_ATTACH_FILTER) over a hand-made struct seccomp_data; only the
 * `ret` constants are renumbered, so the packet length tells which action
 * the program chose.
 *
 * The child after installing a filter only makes raw system calls and
 * leaves with exit_group, so it also works under ASan (no atexit, no
 * allocation).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bpf_dis.h"
#include "bpf_run.h"
#include "diag.h"
#include "seccomp.h"
#include "tap.h"

_Static_assert(sizeof(struct ir_insn) == sizeof(struct sock_filter), "ir_insn is struct sock_filter");


static void skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void skip(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("ok - # SKIP ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
}

/* ---------------------------------------------------------------- building filters */

static struct src_file *src;

static struct loc at(int line)
{
	return (struct loc){ src, line, 3, 5 };
}

static int next_line = 2;

static struct sc_filter *filter(uint32_t def)
{
	struct sc_filter *f = calloc(1, sizeof *f);
	f->default_action = def;
	f->default_loc = at(1);
	next_line = 2;
	return f;
}

static unsigned stmt(struct sc_filter *f, uint32_t action)
{
	f->stmts = realloc(f->stmts, (f->nstmts + 1) * sizeof *f->stmts);
	f->stmts[f->nstmts] = (struct sc_stmt_info){ at(next_line++), action };
	return (unsigned)f->nstmts++;
}

static void rule_in(struct sc_filter *f, unsigned s, const char *sys, const char *group, struct sc_expr *cond)
{
	f->rules = realloc(f->rules, (f->nrules + 1) * sizeof *f->rules);
	f->rules[f->nrules++] = (struct sc_rule){
		.syscall = strdup(sys),
		.group = group ? strdup(group) : NULL,
		.cond = cond,
		.action = f->stmts[s].action,
		.stmt = s,
		.loc = f->stmts[s].loc,
	};
}

/* `action sys(cond)`: one statement, one direct rule. */
static void rule(struct sc_filter *f, uint32_t action, const char *sys, struct sc_expr *cond)
{
	rule_in(f, stmt(f, action), sys, NULL, cond);
}

/* `action @group`: one statement, a rule per member. */
static void group(struct sc_filter *f, uint32_t action, const char *name, const char *const *members)
{
	unsigned s = stmt(f, action);
	for (; *members; members++)
		rule_in(f, s, *members, name, NULL);
}

/* What every child needs to report and leave. */
static void basics(struct sc_filter *f)
{
	unsigned s = stmt(f, SC_ACT_ALLOW);
	rule_in(f, s, "write", NULL, NULL);
	rule_in(f, s, "exit_group", NULL, NULL);
	rule_in(f, s, "exit", NULL, NULL);
	rule_in(f, s, "rt_sigreturn", NULL, NULL);
}

#define CMP(a, op, v) sc_expr_cmp((a), (op), 0, (v))
#define MEQ(a, m, v) sc_expr_cmp((a), SC_MASKED_EQ, (m), (v))
#define AND(x, y) sc_expr_bin(SE_AND, (x), (y))
#define OR(x, y) sc_expr_bin(SE_OR, (x), (y))
#define NOT(x) sc_expr_not(x)

static struct sc_expr *in_set(unsigned arg, const uint64_t *v, size_t n)
{
	struct sc_expr *e = CMP(arg, SC_EQ, v[0]);
	for (size_t i = 1; i < n; i++)
		e = OR(e, CMP(arg, SC_EQ, v[i]));
	return e;
}

/* ---------------------------------------------------------------- diagnostics */

static FILE *cap_stream;
static char *cap_buf;
static size_t cap_len;

static void capture(void)
{
	cap_stream = open_memstream(&cap_buf, &cap_len);
	diag_set_stream(cap_stream);
}

/* The captured text; free it. */
static char *captured(void)
{
	fclose(cap_stream);
	diag_set_stream(NULL);
	return cap_buf;
}

/* The build host's arch name, as messages give it. */
static const char *native_name(void)
{
	struct ir_arch a;
	return sc_arch_native(&a) == 0 ? a.name : "?";
}

/* strstr with a printf-formatted needle. */
static bool contains(const char *hay, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool contains(const char *hay, const char *fmt, ...)
{
	char needle[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(needle, sizeof needle, fmt, ap);
	va_end(ap);
	return hay && strstr(hay, needle) != NULL;
}

/* Every test runs once per back end (main). */
static enum sc_backend backend = SC_BACKEND_CAPC;

static int gen(const struct sc_filter *f, const char *const *abis, struct ir_prog *p, char **diag_text)
{
	struct ir_arch a;
	char err[256];
	size_t n = 0;
	while (abis && abis[n])
		n++;
	if (abis ? sc_arch_from_names(abis, n, &a, err, sizeof err) : sc_arch_native(&a)) {
		printf("# arch: %s\n", err);
		return -1;
	}
	capture();
	unsigned e0 = diag_error_count();
	int r = sc_generate(f, &a, backend, p);
	char *text = captured();
	if (r == 0 && diag_error_count() != e0)
		r = -2; /* an error reported but success returned: a bug */
	if (diag_text)
		*diag_text = text;
	else {
		if (*text)
			printf("# %s", text);
		free(text);
	}
	return r;
}

/* ---------------------------------------------------------------- running filters */

static long *shm; /* results from children */
#define SHM_SLOTS 65536

static int install(const struct ir_prog *p)
{
	struct sock_fprog fp = { .len = (unsigned short)p->n, .filter = (struct sock_filter *)p->insns };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp);
}

/* A system call's raw result: the value, or -errno. */
static long call(long nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	long r = syscall(nr, a0, a1, a2, a3, 0, 0);
	return r == -1 ? -errno : r;
}

/* Fork; the child installs p (if any) and runs fn; returns the wait status. */
static int run(const struct ir_prog *p, void (*fn)(void *), void *ctx)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		struct rlimit nocore = { 0, 0 };
		setrlimit(RLIMIT_CORE, &nocore);
		if (p && install(p) < 0)
			syscall(SYS_exit_group, 99);
		fn(ctx);
		syscall(SYS_exit_group, 0);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	return st;
}

struct probe {
	long nr;
	uint64_t a[4];
	long expect; /* -errno, or EXPECT_OK for any result >= 0 */
	const char *what;
};
#define EXPECT_OK 1000000

static void do_probes(void *ctx)
{
	const struct probe *p = ctx;
	for (size_t i = 0; p[i].what; i++)
		shm[i] = call(p[i].nr, p[i].a[0], p[i].a[1], p[i].a[2], p[i].a[3]);
}

static const char *err_name(long r)
{
	static char buf[64];
	if (r >= 0)
		snprintf(buf, sizeof buf, "%ld", r);
	else
		snprintf(buf, sizeof buf, "-%s", strerrorname_np((int)-r) ? strerrorname_np((int)-r) : "?");
	return buf;
}

/* Generate f natively, run the probes in a filtered child, check each. */
static void probe_filter(const char *name, const struct sc_filter *f, const struct probe *probes)
{
	struct ir_prog p = { 0 };
	if (gen(f, NULL, &p, NULL) != 0) {
		ok(false, "%s: filter compiles", name);
		return;
	}
	size_t n = 0;
	while (probes[n].what)
		n++;
	for (size_t i = 0; i < n; i++)
		shm[i] = 0x7eadbeef;
	int st = run(&p, do_probes, (void *)probes);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: child ran (%u instructions)", name, (unsigned)p.n);
	for (size_t i = 0; i < n; i++) {
		long want = probes[i].expect, got = shm[i];
		bool as_expected = want == EXPECT_OK ? got >= 0 : got == want;
		char wbuf[64];
		snprintf(wbuf, sizeof wbuf, "%s", want == EXPECT_OK ? "success" : err_name(want));
		ok(as_expected, "%s: %s -> %s (expected %s)", name, probes[i].what, err_name(got), wbuf);
	}
	free(p.insns);
}

/* ---------------------------------------------------------------- the kernel's BPF engine, for ABIs it cannot run */

struct sfilter {
	int sv[2];
	uint32_t acts[256];
	size_t nacts;
};

static int sf_open(struct sfilter *s, const struct ir_prog *p)
{
	struct sock_filter *copy = calloc(p->n, sizeof *copy);
	memcpy(copy, p->insns, p->n * sizeof *copy);
	s->nacts = 0;
	for (size_t i = 0; i < p->n; i++) {
		if (copy[i].code != (BPF_RET | BPF_K))
			continue;
		size_t k = 0;
		while (k < s->nacts && s->acts[k] != copy[i].k)
			k++;
		if (k == s->nacts && s->nacts < 256)
			s->acts[s->nacts++] = copy[i].k;
		copy[i].k = (uint32_t)(64 + k + 1); /* the packet length that comes through */
	}
	struct sock_fprog fp = { .len = (unsigned short)p->n, .filter = copy };
	int r = socketpair(AF_UNIX, SOCK_DGRAM, 0, s->sv);
	if (r == 0)
		r = setsockopt(s->sv[1], SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof fp);
	free(copy);
	return r;
}

/* The action p returns for this seccomp_data, or 0xffffffff. */
static uint32_t sf_eval(struct sfilter *s, uint32_t nr, uint32_t arch, const uint64_t *args)
{
	static uint8_t pkt[4096], back[4096];
	struct seccomp_data d = { .nr = (int)nr, .arch = arch };
	for (int i = 0; i < 6; i++)
		d.args[i] = args ? args[i] : 0;
	/* BPF loads from packets are big-endian; from seccomp_data host order. */
	memset(pkt, 0, sizeof pkt);
	for (size_t o = 0; o < sizeof d; o += 4) {
		uint32_t w;
		memcpy(&w, (uint8_t *)&d + o, 4);
		w = htonl(w);
		memcpy(pkt + o, &w, 4);
	}
	if (send(s->sv[0], pkt, sizeof pkt, 0) < 0)
		return 0xffffffff;
	ssize_t n = recv(s->sv[1], back, sizeof back, 0);
	if (n <= 64 || (size_t)(n - 65) >= s->nacts)
		return 0xffffffff;
	return s->acts[n - 65];
}

static void sf_close(struct sfilter *s)
{
	close(s->sv[0]);
	close(s->sv[1]);
}

/* ---------------------------------------------------------------- reference semantics */

static bool ev(const struct sc_expr *e, const uint64_t *args, uint64_t max)
{
	switch (e->kind) {
	case SE_TRUE:
		return true;
	case SE_FALSE:
		return false;
	case SE_NOT:
		return !ev(e->l, args, max);
	case SE_AND:
		return ev(e->l, args, max) && ev(e->r, args, max);
	case SE_OR:
		return ev(e->l, args, max) || ev(e->r, args, max);
	case SE_CMP: {
		uint64_t a = args[e->cmp.arg] & max, v = e->cmp.value & max;
		switch (e->cmp.op) {
		case SC_EQ:
			return a == v;
		case SC_NE:
			return a != v;
		case SC_LT:
			return a < v;
		case SC_LE:
			return a <= v;
		case SC_GT:
			return a > v;
		case SC_GE:
			return a >= v;
		case SC_MASKED_EQ:
			return (a & e->cmp.mask & max) == v;
		}
	}
	}
	return false;
}

/* What the language says happens to a call of sys with these arguments. */
static uint32_t decide(const struct sc_filter *f, const char *sys, const uint64_t *args, uint64_t max)
{
	bool direct = false;
	for (size_t i = 0; i < f->nrules; i++)
		direct |= strcmp(f->rules[i].syscall, sys) == 0 && !f->rules[i].group;
	uint32_t act = f->default_action;
	for (size_t i = 0; i < f->nrules; i++) {
		const struct sc_rule *r = &f->rules[i];
		if (strcmp(r->syscall, sys) || (direct && r->group))
			continue;
		if (!r->cond || ev(r->cond, args, max))
			act = r->action;
	}
	return act;
}

static void print_expr(const struct sc_expr *e)
{
	static const char *const ops[] = { "==", "!=", "<", "<=", ">", ">=", "&" };
	switch (e->kind) {
	case SE_TRUE:
		printf("true");
		break;
	case SE_FALSE:
		printf("false");
		break;
	case SE_NOT:
		printf("!(");
		print_expr(e->l);
		printf(")");
		break;
	case SE_AND:
	case SE_OR:
		printf("(");
		print_expr(e->l);
		printf(e->kind == SE_AND ? " && " : " || ");
		print_expr(e->r);
		printf(")");
		break;
	case SE_CMP:
		if (e->cmp.op == SC_MASKED_EQ)
			printf("arg%u & %#llx == %#llx", e->cmp.arg, (unsigned long long)e->cmp.mask,
			       (unsigned long long)e->cmp.value);
		else
			printf("arg%u %s %#llx", e->cmp.arg, ops[e->cmp.op], (unsigned long long)e->cmp.value);
		break;
	}
}

/* The filter as text, for failure reports. */
static void print_filter(const struct sc_filter *f)
{
	printf("#   default %#x\n", f->default_action);
	for (size_t i = 0; i < f->nrules; i++) {
		const struct sc_rule *r = &f->rules[i];
		printf("#   %#x %s%s%s", r->action, r->group ? "@" : "", r->group ? r->group : "", r->group ? ":" : "");
		printf("%s", r->syscall);
		if (r->cond) {
			printf("(");
			print_expr(r->cond);
			printf(")");
		}
		printf("\n");
	}
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	/* xorshift64*: deterministic, so a failure reproduces */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static const uint64_t dom[] = {
	0, 1, 2, 3, 0xff, 0x100, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000, 0x100000001,
	0x7fffffffffffffff, 0x8000000000000000, 0xffffffffffffffff,
};
#define NDOM (sizeof dom / sizeof dom[0])

static const uint64_t masks[] = {
	1, 2, 3, 0xff, 0xf0, 0xffffffff, 0xffffffff00000000, 0x100000001, 0x8000000000000001, 0x80000000,
};

static struct sc_expr *rexpr(int depth)
{
	unsigned k = (unsigned)(rnd() % (depth > 0 ? 10 : 6));
	if (k < 6) {
		unsigned arg = (unsigned)(rnd() % 3);
		enum sc_op op = (enum sc_op)(rnd() % 7);
		uint64_t v = dom[rnd() % NDOM];
		if (rnd() % 4 == 0)
			v += rnd() % 3 - 1; /* neighbours of the probed values */
		if (op == SC_MASKED_EQ) {
			uint64_t m = masks[rnd() % (sizeof masks / sizeof masks[0])];
			return MEQ(arg, m, v & m);
		}
		return CMP(arg, op, v);
	}
	if (k < 8)
		return sc_expr_bin(k == 6 ? SE_AND : SE_OR, rexpr(depth - 1), rexpr(depth - 1));
	return NOT(rexpr(depth - 1));
}

static const uint32_t racts[] = { SC_ACT_ALLOW, SC_ACT_ERRNO(10), SC_ACT_ERRNO(11), SC_ACT_ERRNO(12), SC_ACT_ERRNO(9) };

static struct sc_filter *random_filter(const char *sys)
{
	struct sc_filter *f = filter(rnd() % 3 == 0 ? SC_ACT_ALLOW : SC_ACT_ERRNO(9));
	basics(f);
	unsigned n = 1 + (unsigned)(rnd() % 6);
	bool any_direct = rnd() % 2;
	for (unsigned i = 0; i < n; i++) {
		uint32_t act = racts[rnd() % 5];
		struct sc_expr *c = rnd() % 5 == 0 ? NULL : rexpr((int)(rnd() % 3));
		unsigned s = stmt(f, act);
		rule_in(f, s, sys, any_direct && rnd() % 2 ? NULL : "g", c);
	}
	return f;
}

static void do_random_probes(void *ctx)
{
	(void)ctx;
	size_t i = 0;
	for (size_t x = 0; x < NDOM; x++)
		for (size_t y = 0; y < NDOM; y++)
			for (size_t z = 0; z < NDOM; z++)
				shm[i++] = call(SYS_getppid, dom[x], dom[y], dom[z], 0);
}

static bool result_is(long r, uint32_t act)
{
	if (act == SC_ACT_ALLOW)
		return r >= 0;
	return SC_ACT_IS_ERRNO(act) && r == -(long)(act & 0xffff);
}

/* ---------------------------------------------------------------- tests */

static void test_default_and_allow(void)
{
	struct sc_filter *f = filter(SC_ACT_ERRNO(EPERM));
	basics(f);
	rule(f, SC_ACT_ALLOW, "getpid", NULL);
	struct probe p[] = {
		{ SYS_getpid, { 0 }, EXPECT_OK, "getpid (allowed)" },
		{ SYS_getppid, { 0 }, -EPERM, "getppid (default)" },
		{ SYS_getuid, { 0 }, -EPERM, "getuid (default)" },
		{ 0 },
	};
	probe_filter("default errno EPERM", f, p);
	sc_filter_free(f);

	/* Every rule has the default's action: libseccomp gets no rule at
	 * all, where its binary tree once ignored the default (libseccomp
	 * issue #370, fixed in 2.5.4). */
	f = filter(SC_ACT_ALLOW);
	basics(f);
	rule(f, SC_ACT_ALLOW, "getppid", CMP(0, SC_EQ, 1));
	struct probe q[] = {
		{ SYS_getppid, { 0 }, EXPECT_OK, "getppid" },
		{ SYS_getuid, { 0 }, EXPECT_OK, "getuid" },
		{ 0 },
	};
	probe_filter("no libseccomp rules: the default applies", f, q);
	sc_filter_free(f);
}

static void test_deny_mkdir(void)
{
	struct sc_filter *f = filter(SC_ACT_ALLOW);
	unsigned s = stmt(f, SC_ACT_ERRNO(EACCES));
	rule_in(f, s, "mkdir", NULL, NULL);
	rule_in(f, s, "mkdirat", NULL, NULL);
	/* EACCES and not ENOENT: the kernel never looked at the path */
	struct probe p[] = {
		{ SYS_mkdir, { (uint64_t)(uintptr_t) "/nonexistent/capc", 0700 }, -EACCES, "mkdir" },
		{ SYS_mkdirat, { (uint64_t)AT_FDCWD, (uint64_t)(uintptr_t) "/nonexistent/capc", 0700 }, -EACCES, "mkdirat" },
		{ SYS_rmdir, { (uint64_t)(uintptr_t) "/nonexistent/capc" }, -ENOENT, "rmdir (default allow)" },
		{ 0 },
	};
	probe_filter("deny mkdir, mkdirat errno EACCES", f, p);
	sc_filter_free(f);
}

static void test_socket_domains(void)
{
	struct sc_filter *f = filter(SC_ACT_ERRNO(EPERM));
	basics(f);
	static const char *const svc[] = { "socket", "close", "getpid", NULL };
	group(f, SC_ACT_ALLOW, "system-service", svc);
	uint64_t doms[] = { AF_INET, AF_INET6, AF_UNIX };
	rule(f, SC_ACT_ALLOW, "socket", in_set(0, doms, 3));
	struct probe p[] = {
		{ SYS_socket, { AF_UNIX, SOCK_STREAM }, EXPECT_OK, "socket(AF_UNIX)" },
		{ SYS_socket, { AF_INET, SOCK_DGRAM }, EXPECT_OK, "socket(AF_INET)" },
		{ SYS_socket, { AF_NETLINK, SOCK_RAW }, -EPERM, "socket(AF_NETLINK) gets the default" },
		{ SYS_socket, { AF_PACKET, SOCK_RAW }, -EPERM, "socket(AF_PACKET) gets the default" },
		/* domain is an int: the kernel reads its low 32 bits, so this
		 * is socket(AF_UNIX) to it and to the filter alike */
		{ SYS_socket, { 0x100000000ull | AF_UNIX, SOCK_STREAM }, EXPECT_OK, "socket(1<<32 | AF_UNIX) is socket(AF_UNIX)" },
		{ SYS_socket, { 0x100000000ull | AF_PACKET, SOCK_RAW }, -EPERM, "socket(1<<32 | AF_PACKET) gets the default" },
		{ SYS_close, { 1000 }, -EBADF, "close (from the group)" },
		{ 0 },
	};
	probe_filter("allow @system-service; allow socket(domain in {INET, INET6, UNIX})", f, p);
	sc_filter_free(f);
}

static void test_unshare_mask(void)
{
	struct sc_filter *f = filter(SC_ACT_ERRNO(EPERM));
	basics(f);
	rule(f, SC_ACT_ALLOW, "unshare", MEQ(0, CLONE_NEWUSER, 0));
	struct probe p[] = {
		{ SYS_unshare, { 0 }, EXPECT_OK, "unshare(0)" },
		{ SYS_unshare, { CLONE_FILES }, EXPECT_OK, "unshare(CLONE_FILES)" },
		{ SYS_unshare, { CLONE_NEWUSER }, -EPERM, "unshare(CLONE_NEWUSER)" },
		{ SYS_unshare, { CLONE_NEWUSER | CLONE_FILES }, -EPERM, "unshare(CLONE_NEWUSER|CLONE_FILES)" },
		{ 0 },
	};
	probe_filter("allow unshare(flags & CLONE_NEWUSER == 0)", f, p);
	sc_filter_free(f);

	/* The negation of a multi-bit mask test is a disjunction over its bits. */
	f = filter(SC_ACT_ERRNO(EPERM));
	basics(f);
	rule(f, SC_ACT_ALLOW, "unshare", NULL);
	rule(f, SC_ACT_ERRNO(EACCES), "unshare", NOT(MEQ(0, CLONE_NEWUSER | CLONE_NEWNET, 0)));
	struct probe q[] = {
		{ SYS_unshare, { 0 }, EXPECT_OK, "unshare(0)" },
		{ SYS_unshare, { CLONE_FILES }, EXPECT_OK, "unshare(CLONE_FILES)" },
		{ SYS_unshare, { CLONE_NEWUSER }, -EACCES, "unshare(CLONE_NEWUSER)" },
		{ SYS_unshare, { CLONE_NEWNET | CLONE_FILES }, -EACCES, "unshare(CLONE_NEWNET|CLONE_FILES)" },
		{ 0 },
	};
	probe_filter("allow unshare; deny unshare(!(flags & (NEWUSER|NEWNET) == 0)) errno EACCES", f, q);
	sc_filter_free(f);
}

static void test_in_sets(void)
{
	struct sc_filter *f = filter(SC_ACT_ERRNO(EPERM));
	basics(f);
	uint64_t v[] = { 1, 5, 0x100000000ull };
	rule(f, SC_ACT_ALLOW, "getppid", in_set(0, v, 3));
	uint64_t w[] = { 0, 1 };
	rule(f, SC_ACT_ALLOW, "getuid", NOT(in_set(0, w, 2)));
	struct probe p[] = {
		{ SYS_getppid, { 1 }, EXPECT_OK, "getppid(1): in {1, 5, 1<<32}" },
		{ SYS_getppid, { 5 }, EXPECT_OK, "getppid(5): in" },
		{ SYS_getppid, { 0x100000000ull }, EXPECT_OK, "getppid(1<<32): in" },
		{ SYS_getppid, { 0 }, -EPERM, "getppid(0): not in" },
		{ SYS_getppid, { 0x100000001ull }, -EPERM, "getppid(1<<32 | 1): not in" },
		{ SYS_getuid, { 0 }, -EPERM, "getuid(0): not in {0, 1} fails" },
		{ SYS_getuid, { 1 }, -EPERM, "getuid(1): not in {0, 1} fails" },
		{ SYS_getuid, { 2 }, EXPECT_OK, "getuid(2): passes" },
		{ SYS_getuid, { 0x100000000ull }, EXPECT_OK, "getuid(1<<32): passes" },
		{ 0 },
	};
	probe_filter("in {} / not in {}", f, p);
	sc_filter_free(f);
}

static void test_last_match_and_groups(void)
{
	struct sc_filter *f = filter(SC_ACT_ERRNO(EPERM));
	basics(f);
	rule(f, SC_ACT_ALLOW, "getppid", NULL);
	rule(f, SC_ACT_ERRNO(EACCES), "getppid", CMP(0, SC_EQ, 1));
	rule(f, SC_ACT_ALLOW, "getppid", AND(CMP(0, SC_EQ, 1), CMP(1, SC_EQ, 2)));
	rule(f, SC_ACT_ERRNO(EPERM), "getppid", CMP(2, SC_GT, 100));
	struct probe p[] = {
		{ SYS_getppid, { 0, 0 }, EXPECT_OK, "getppid(0, 0): first rule" },
		{ SYS_getppid, { 1, 0 }, -EACCES, "getppid(1, 0): second rule" },
		{ SYS_getppid, { 1, 2 }, EXPECT_OK, "getppid(1, 2): third rule" },
		{ SYS_getppid, { 1, 2, 101 }, -EPERM, "getppid(1, 2, 101): the last rule, with the default's action" },
		{ SYS_getppid, { 0, 0, 100 }, EXPECT_OK, "getppid(0, 0, 100)" },
		{ 0 },
	};
	probe_filter("last match wins", f, p);
	sc_filter_free(f);

	f = filter(SC_ACT_ERRNO(EPERM));
	basics(f);
	rule(f, SC_ACT_ALLOW, "getppid", CMP(0, SC_EQ, 7));
	static const char *const g[] = { "getppid", "getpgid", NULL };
	group(f, SC_ACT_ERRNO(EACCES), "grp", g);
	struct probe q[] = {
		{ SYS_getppid, { 7 }, EXPECT_OK, "getppid(7): the direct rule" },
		{ SYS_getppid, { 0 }, -EPERM, "getppid(0): default, not the later group rule" },
		{ SYS_getpgid, { 0 }, -EACCES, "getpgid: the group rule" },
		{ 0 },
	};
	probe_filter("direct beats group", f, q);
	sc_filter_free(f);
}

static void test_64bit(void)
{
	struct sc_filter *f = filter(SC_ACT_ERRNO(EPERM));
	basics(f);
	rule(f, SC_ACT_ALLOW, "getppid", CMP(0, SC_EQ, 1));
	rule(f, SC_ACT_ALLOW, "getuid", CMP(0, SC_GT, 0xffffffffull));
	rule(f, SC_ACT_ALLOW, "getgid", CMP(0, SC_NE, 0x100000001ull));
	rule(f, SC_ACT_ALLOW, "getpriority", CMP(0, SC_EQ, (uint64_t)-1));
	/* lseek's offset is an off_t: 64 bits on x86_64 (arg0, fd, is not) */
	rule(f, SC_ACT_ALLOW, "lseek", CMP(1, SC_EQ, (uint64_t)-1));
	struct probe p[] = {
		{ SYS_getppid, { 1 }, EXPECT_OK, "getppid(1) == 1" },
		{ SYS_getppid, { 0x100000001ull }, -EPERM, "getppid(0x100000001) != 1" },
		{ SYS_getuid, { 0xffffffffull }, -EPERM, "getuid(0xffffffff) not > 0xffffffff" },
		{ SYS_getuid, { 0x100000000ull }, EXPECT_OK, "getuid(1<<32) > 0xffffffff" },
		{ SYS_getgid, { 0x100000001ull }, -EPERM, "getgid(0x100000001) fails != 0x100000001" },
		{ SYS_getgid, { 1 }, EXPECT_OK, "getgid(1) != 0x100000001 (low words equal)" },
		{ SYS_getgid, { 0x100000000ull }, EXPECT_OK, "getgid(1<<32) != 0x100000001 (high words equal)" },
		{ SYS_getpriority, { 0xffffffffffffffffull, 0 }, -EINVAL, "getpriority(-1)" },
		{ SYS_getpriority, { 0xffffffffull, 0 }, -EINVAL, "getpriority(0xffffffff): which is an int, so this is -1 too" },
		{ SYS_lseek, { (uint64_t)-1, 0xffffffffffffffffull, SEEK_SET }, -EBADF, "lseek(-1, -1): offset -1 is 64 bits" },
		{ SYS_lseek, { (uint64_t)-1, 0xffffffffull, SEEK_SET }, -EPERM, "lseek(-1, 0xffffffff): an off_t is not -1 there" },
		{ 0 },
	};
	probe_filter("64-bit comparisons", f, p);
	sc_filter_free(f);
}

/* Arguments the kernel reads as int or unsigned int (or umode_t) are
 * compared on their low bits: the kernel's SYSCALL_DEFINE wrapper casts
 * the register, so ioctl(fd, TIOCSTI | 1UL << 32) is TIOCSTI to it. A
 * filter comparing all 64 bits let each of these calls through a deny
 * rule (the class of Flatpak's CVE-2019-10063). */
static void test_32bit_args(void)
{
	struct sc_filter *f = filter(SC_ACT_ALLOW);
	const uint64_t hi = 1ull << 32;
	uint64_t tty[] = { TIOCSTI, TIOCLINUX };
	rule(f, SC_ACT_ERRNO(EACCES), "ioctl", in_set(1, tty, 2));
	rule(f, SC_ACT_ERRNO(EACCES), "socket", CMP(0, SC_EQ, AF_PACKET));
	rule(f, SC_ACT_ERRNO(EACCES), "prctl", CMP(0, SC_EQ, PR_SET_NAME));
	rule(f, SC_ACT_ERRNO(EACCES), "kill", CMP(1, SC_EQ, 0));
	rule(f, SC_ACT_ERRNO(EACCES), "fcntl", CMP(0, SC_EQ, 1));
	rule(f, SC_ACT_ERRNO(EACCES), "chmod", CMP(1, SC_EQ, 04755));
	/* ranges and != on an int: no range test may look at the high word */
	rule(f, SC_ACT_ERRNO(EACCES), "setpgid", CMP(1, SC_GE, 100));
	rule(f, SC_ACT_ERRNO(EACCES), "getsid", CMP(0, SC_NE, 0));
	struct probe p[] = {
		{ SYS_ioctl, { (uint64_t)-1, TIOCSTI }, -EACCES, "ioctl(TIOCSTI)" },
		{ SYS_ioctl, { (uint64_t)-1, hi | TIOCSTI }, -EACCES, "ioctl(1<<32 | TIOCSTI)" },
		{ SYS_ioctl, { (uint64_t)-1, (0xdeadull << 32) | TIOCLINUX }, -EACCES, "ioctl(0xdead<<32 | TIOCLINUX)" },
		{ SYS_ioctl, { (uint64_t)-1, hi | TCGETS }, -EBADF, "ioctl(1<<32 | TCGETS) reaches the kernel" },
		{ SYS_socket, { hi | AF_PACKET, SOCK_RAW, 0 }, -EACCES, "socket(1<<32 | AF_PACKET)" },
		{ SYS_prctl, { hi | PR_SET_NAME, (uint64_t)(uintptr_t) "x" }, -EACCES, "prctl(1<<32 | PR_SET_NAME)" },
		{ SYS_kill, { 1, hi }, -EACCES, "kill(1, 1<<32 | 0)" },
		{ SYS_kill, { 1, 0xffffffff00000000ull }, -EACCES, "kill(1, 0xffffffff<<32 | 0)" },
		{ SYS_fcntl, { hi | 1, F_GETFD }, -EACCES, "fcntl(1<<32 | 1, F_GETFD)" },
		{ SYS_fcntl, { hi | 2, F_GETFD }, EXPECT_OK, "fcntl(1<<32 | 2, F_GETFD) is allowed" },
		{ SYS_chmod, { (uint64_t)(uintptr_t) "/nonexistent/capc", 0x10000 | 04755 }, -EACCES,
		  "chmod(path, 0x10000 | 04755): mode is a 16-bit umode_t" },
		{ SYS_chmod, { (uint64_t)(uintptr_t) "/nonexistent/capc", 0755 }, -ENOENT, "chmod(path, 0755) is allowed" },
		{ SYS_setpgid, { (uint64_t)-1, hi | 5 }, -ESRCH, "setpgid(-1, 1<<32 | 5): 5 < 100" },
		{ SYS_setpgid, { (uint64_t)-1, hi | 100 }, -EACCES, "setpgid(-1, 1<<32 | 100): 100 >= 100" },
		{ SYS_getsid, { hi }, EXPECT_OK, "getsid(1<<32): 0 to the kernel, != 0 does not hold" },
		{ SYS_getsid, { (uint64_t)-1 }, -EACCES, "getsid(-1) != 0" },
		{ 0 },
	};
	probe_filter("32-bit arguments", f, p);
	sc_filter_free(f);
}

static void test_ranges(void)
{
	/* fd >= 3 && fd <= 100000: two comparisons, split into aligned blocks */
	struct sc_filter *f = filter(SC_ACT_ERRNO(EPERM));
	basics(f);
	rule(f, SC_ACT_ALLOW, "getppid", AND(CMP(0, SC_GE, 3), CMP(0, SC_LE, 100000)));
	rule(f, SC_ACT_ALLOW, "getuid", AND(CMP(0, SC_GT, 10), AND(CMP(0, SC_LT, 20), MEQ(0, 1, 1))));
	struct probe p[] = {
		{ SYS_getppid, { 2 }, -EPERM, "2" },           { SYS_getppid, { 3 }, EXPECT_OK, "3" },
		{ SYS_getppid, { 4 }, EXPECT_OK, "4" },        { SYS_getppid, { 65535 }, EXPECT_OK, "65535" },
		{ SYS_getppid, { 65536 }, EXPECT_OK, "65536" }, { SYS_getppid, { 98303 }, EXPECT_OK, "98303" },
		{ SYS_getppid, { 98304 }, EXPECT_OK, "98304" }, { SYS_getppid, { 100000 }, EXPECT_OK, "100000" },
		{ SYS_getppid, { 100001 }, -EPERM, "100001" },  { SYS_getppid, { 131072 }, -EPERM, "131072" },
		{ SYS_getppid, { 0x100000003ull }, -EPERM, "0x100000003" },
		{ SYS_getuid, { 11 }, EXPECT_OK, "getuid(11): odd in 11..19" },
		{ SYS_getuid, { 19 }, EXPECT_OK, "getuid(19): odd in 11..19" },
		{ SYS_getuid, { 12 }, -EPERM, "getuid(12): even" },
		{ SYS_getuid, { 21 }, -EPERM, "getuid(21): out of range" },
		{ 0 },
	};
	probe_filter("fd >= 3 && fd <= 100000", f, p);
	sc_filter_free(f);
}

static void kill_child(void *ctx)
{
	(void)ctx;
	call(SYS_getppid, 0, 0, 0, 0);
	syscall(SYS_exit_group, 7); /* not reached */
}

struct thread_ctx {
	const struct ir_prog *p;
};

static void *filtered_thread(void *arg)
{
	struct thread_ctx *t = arg;
	if (install(t->p) < 0)
		syscall(SYS_exit_group, 99);
	call(SYS_getppid, 0, 0, 0, 0);
	return NULL;
}

/* The main thread stays unfiltered and exits 42 after the filtered
 * thread ended: only if the kill took the thread alone. */
static void thread_child(void *ctx)
{
	struct thread_ctx t = { ctx };
	pthread_t th;
	if (pthread_create(&th, NULL, filtered_thread, &t) != 0)
		syscall(SYS_exit_group, 98);
	pthread_join(th, NULL);
	syscall(SYS_exit_group, 42);
}

static void test_kill(void)
{
	struct ir_prog p = { 0 };
	struct sc_filter *f = filter(SC_ACT_ALLOW);
	rule(f, SC_ACT_KILL_PROCESS, "getppid", NULL);
	ok(gen(f, NULL, &p, NULL) == 0, "kill process: compiles");
	int st = run(&p, kill_child, NULL);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "kill process: the child dies of SIGSYS (status 0x%x)", st);
	st = run(NULL, thread_child, &p);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS,
	      "kill process from a second thread: the whole process dies of SIGSYS (status 0x%x)", st);
	free(p.insns);
	sc_filter_free(f);

	f = filter(SC_ACT_ALLOW);
	rule(f, SC_ACT_KILL_THREAD, "getppid", NULL);
	ok(gen(f, NULL, &p, NULL) == 0, "kill thread: compiles");
	st = run(NULL, thread_child, &p);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 42,
	      "kill thread: only the calling thread dies, the main thread exits 42 (status 0x%x)", st);
	free(p.insns);
	sc_filter_free(f);
}

static volatile sig_atomic_t trapped_nr = -1, trapped_code = -1;

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	trapped_nr = si->si_syscall;
	trapped_code = si->si_code;
}

static void trap_child(void *ctx)
{
	(void)ctx;
	long r = call(SYS_getppid, 0, 0, 0, 0);
	shm[0] = trapped_nr;
	shm[1] = trapped_code;
	shm[2] = r;
}

static void test_trap_log(void)
{
	struct ir_prog p = { 0 };
	struct sc_filter *f = filter(SC_ACT_ALLOW);
	rule(f, SC_ACT_TRAP, "getppid", NULL);
	ok(gen(f, NULL, &p, NULL) == 0, "trap: compiles");
	struct sigaction sa = { 0 }, old;
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSYS, &sa, &old);
	shm[0] = shm[1] = -1;
	int st = run(&p, trap_child, NULL);
	sigaction(SIGSYS, &old, NULL);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "trap: the child survives (status 0x%x)", st);
	ok(shm[0] == SYS_getppid && shm[1] == 1 /* SYS_SECCOMP */,
	      "trap: SIGSYS delivered for getppid with si_code SYS_SECCOMP (nr %ld, code %ld)", shm[0], shm[1]);
	free(p.insns);
	sc_filter_free(f);

	f = filter(SC_ACT_ERRNO(EPERM));
	basics(f);
	rule(f, SC_ACT_LOG, "getppid", NULL);
	struct probe q[] = { { SYS_getppid, { 0 }, EXPECT_OK, "getppid is logged and allowed" },
			     { SYS_getpgid, { 0 }, -EPERM, "getpgid gets the default" },
			     { 0 } };
	probe_filter("log", f, q);
	sc_filter_free(f);
}

#if defined(__x86_64__)
static long int80(long nr)
{
	long r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr) : "memory", "r8", "r9", "r10", "r11");
	return r;
}

static void i386_child(void *ctx)
{
	(void)ctx;
	/* without IA32 emulation int $0x80 faults: die of it quietly (ASan
	 * would report it as a crash of ours) */
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigaction(SIGSEGV, &dfl, NULL);
	shm[0] = (int)int80(20); /* getpid on i386 */
}

static void x32_child(void *ctx)
{
	(void)ctx;
	shm[0] = call(0x40000000 | SYS_getpid, 0, 0, 0, 0);
}

static void test_other_abis(void)
{
	struct ir_prog p = { 0 }, pc = { 0 };
	struct sc_filter *f = filter(SC_ACT_ALLOW);
	rule(f, SC_ACT_ERRNO(EACCES), "mkdir", NULL);
	ok(gen(f, NULL, &p, NULL) == 0, "x86_64-only filter compiles");

	/* x32: the kernel runs the filter before it looks at the number, so
	 * this works whether or not the kernel has x32 enabled. */
	shm[0] = 0;
	int st = run(&p, x32_child, NULL);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS,
	      "x32: syscall(0x40000000 | __NR_getpid) under an x86_64-only filter dies of SIGSYS (status 0x%x)", st);
	static const char *const with_x32[] = { "x86_64", "x32", NULL };
	ok(gen(f, with_x32, &pc, NULL) == 0, "x86_64 + x32 filter compiles");
	st = run(&pc, x32_child, NULL);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0 && (shm[0] > 0 || shm[0] == -ENOSYS),
	      "x32 listed: the x32 call passes the filter (result %s)", err_name(shm[0]));
	free(pc.insns);

	/* i386 through int $0x80, if this kernel has IA32 emulation. */
	shm[0] = 0;
	st = run(NULL, i386_child, NULL);
	if (WIFEXITED(st) && shm[0] > 0) {
		st = run(&p, i386_child, NULL);
		ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS,
		      "i386: int $0x80 getpid under an x86_64-only filter dies of SIGSYS (status 0x%x)", st);
		static const char *const with_x86[] = { "x86_64", "x86", NULL };
		ok(gen(f, with_x86, &pc, NULL) == 0, "x86_64 + x86 filter compiles");
		st = run(&pc, i386_child, NULL);
		ok(WIFEXITED(st) && shm[0] > 0, "i386 listed: int $0x80 getpid passes (status 0x%x)", st);
		free(pc.insns);
	} else {
		skip("i386: int $0x80 does not work on this kernel (no IA32 emulation); checked in the BPF engine below");
	}

	/* Same program in the kernel's BPF engine, for any arch value. */
	struct sfilter s;
	ok(sf_open(&s, &p) == 0, "the filter loads as a socket filter");
	uint32_t a = sf_eval(&s, 20, AUDIT_ARCH_I386, NULL);
	ok(a == SC_ACT_KILL_PROCESS, "BPF engine: i386 getpid under the x86_64-only filter: KILL_PROCESS (0x%x)", a);
	a = sf_eval(&s, 0x40000000 | 39, AUDIT_ARCH_X86_64, NULL);
	ok(a == SC_ACT_KILL_PROCESS, "BPF engine: x32 getpid: KILL_PROCESS (0x%x)", a);
	a = sf_eval(&s, 83, AUDIT_ARCH_X86_64, NULL);
	ok(a == SC_ACT_ERRNO(EACCES), "BPF engine: x86_64 mkdir: ERRNO(EACCES) (0x%x)", a);
	a = sf_eval(&s, 0xffffffff, AUDIT_ARCH_X86_64, NULL);
	ok(a == SC_ACT_ALLOW, "BPF engine: nr -1 (a tracer's skip) is not taken for x32 (0x%x)", a);
	a = sf_eval(&s, 39, AUDIT_ARCH_AARCH64, NULL);
	ok(a == SC_ACT_KILL_PROCESS, "BPF engine: an aarch64 call: KILL_PROCESS (0x%x)", a);
	sf_close(&s);
	free(p.insns);
	sc_filter_free(f);
}
#endif

/* socketcall on x86: the multiplexed socket calls. */
static void test_socketcall(void)
{
	static const char *const x86[] = { "x86_64", "x86", NULL };
	struct ir_prog p = { 0 };
	char *text = NULL;

	struct sc_filter *f = filter(SC_ACT_ERRNO(EPERM));
	rule(f, SC_ACT_ALLOW, "socket", CMP(0, SC_EQ, AF_UNIX));
	int r = gen(f, x86, &p, &text);
	ok(r == -1 && strstr(text, "'socket' is also reached through socketcall()"),
	      "x86: a condition on socket is refused (socketcall's arguments are in memory)");
	printf("#   %s", text);
	free(text);
	free(p.insns);
	p = (struct ir_prog){ 0 };
	sc_filter_free(f);

	/* allow socketcall; deny socket: socketcall(SYS_SOCKET) must be denied,
	 * though libseccomp alone would let socketcall's rule swallow it */
	f = filter(SC_ACT_ERRNO(EPERM));
	rule(f, SC_ACT_ALLOW, "socketcall", NULL);
	rule(f, SC_ACT_ERRNO(EACCES), "socket", NULL);
	static const char *const g[] = { "bind", "socketcall", NULL };
	group(f, SC_ACT_ERRNO(ENOTSUP), "grp", g);
	r = gen(f, x86, &p, NULL);
	ok(r == 0, "x86: allow socketcall; deny socket compiles");
	struct sfilter s;
	if (r == 0 && sf_open(&s, &p) == 0) {
		uint64_t args[6] = { 1 /* SYS_SOCKET */ };
		uint32_t a = sf_eval(&s, 102, AUDIT_ARCH_I386, args);
		ok(a == SC_ACT_ERRNO(EACCES), "BPF engine: i386 socketcall(SYS_SOCKET): socket's rule (0x%x)", a);
		args[0] = 8; /* SYS_SOCKETPAIR */
		a = sf_eval(&s, 102, AUDIT_ARCH_I386, args);
		ok(a == SC_ACT_ALLOW, "BPF engine: i386 socketcall(SYS_SOCKETPAIR): socketcall's rule (0x%x)", a);
		args[0] = 2; /* SYS_BIND: bind has (group) rules of its own */
		a = sf_eval(&s, 102, AUDIT_ARCH_I386, args);
		ok(a == SC_ACT_ERRNO(ENOTSUP), "BPF engine: i386 socketcall(SYS_BIND): bind's group rule (0x%x)", a);
		a = sf_eval(&s, 359, AUDIT_ARCH_I386, NULL);
		ok(a == SC_ACT_ERRNO(EACCES), "BPF engine: i386 direct socket (359): socket's rule (0x%x)", a);
		a = sf_eval(&s, 41, AUDIT_ARCH_X86_64, NULL);
		ok(a == SC_ACT_ERRNO(EACCES), "BPF engine: x86_64 socket: socket's rule (0x%x)", a);
		sf_close(&s);
	} else {
		ok(false, "x86 filter loads as a socket filter");
	}
	free(p.insns);
	sc_filter_free(f);
}

/* This machine's AUDIT_ARCH (libseccomp's token is the same value) and
 * byte order, for the interpreter. */
static uint32_t native_audit(void)
{
	return seccomp_arch_native();
}
#define NATIVE_LE (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)

/* Random filters against the reference semantics, in the kernel. */
static void test_random(void)
{
	const size_t ncalls = NDOM * NDOM * NDOM;
	int rounds = 250, bad = 0, skipped = 0, done = 0, interp_bad = 0;
	for (int round = 0; round < rounds; round++) {
		struct sc_filter *f = random_filter("getppid");
		struct ir_prog p = { 0 };
		char *text = NULL;
		if (gen(f, NULL, &p, &text) != 0) {
			/* only the documented size limits may refuse */
			if (!strstr(text, "libseccomp rules") && !strstr(text, "instructions") &&
			    !strstr(text, "too complex")) {
				printf("# round %d: %s", round, text);
				bad++;
			}
			skipped++;
			free(text);
			sc_filter_free(f);
			continue;
		}
		free(text);
		int st = run(&p, do_random_probes, NULL);
		bool agree = WIFEXITED(st) && WEXITSTATUS(st) == 0;
		size_t i = 0;
		for (size_t x = 0; x < NDOM && agree; x++)
			for (size_t y = 0; y < NDOM && agree; y++)
				for (size_t z = 0; z < NDOM && agree; z++, i++) {
					uint64_t args[6] = { dom[x], dom[y], dom[z] };
					uint32_t want = decide(f, "getppid", args, UINT64_MAX);
					/* capc's own BPF interpreter (capc query, expect) */
					struct bpf_input in = { .nr = SYS_getppid, .arch = native_audit() };
					struct bpf_result br;
					memcpy(in.args, args, sizeof in.args);
					if (!bpf_run(p.insns, p.n, &in, NATIVE_LE, &br) || br.action != want) {
						printf("# round %d: interpreter 0x%x, semantics 0x%x\n", round, br.action, want);
						interp_bad++;
					}
					if (!result_is(shm[i], want)) {
						printf("# round %d: getppid(%#llx, %#llx, %#llx): kernel %s, semantics 0x%x\n",
						       round, (unsigned long long)dom[x], (unsigned long long)dom[y],
						       (unsigned long long)dom[z], err_name(shm[i]), want);
						agree = false;
					}
				}
		if (!agree) {
			bad++;
			print_filter(f);
			if (getenv("CAPC_TEST_DUMP"))
				bpf_disassemble(stdout, p.insns, p.n, "#   ");
		}
		done++;
		free(p.insns);
		sc_filter_free(f);
	}
	ok(bad == 0, "random filters: %d of %d agree with the semantics on all %zu argument triples in the kernel (%d refused for size)",
	      done - bad, rounds, ncalls, skipped);
	ok(interp_bad == 0, "random filters: capc's BPF interpreter gives the kernel's action on every call (%d differ)",
	   interp_bad);
}

/* The same on the x86 ABI (32-bit arguments), in the BPF engine. */
static void test_random_x86(void)
{
	static const char *const x86[] = { "x86_64", "x86", NULL };
	static const uint64_t d32[] = { 0, 1, 2, 3, 0xff, 0x100, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff };
	const size_t nd = sizeof d32 / sizeof d32[0];
	int rounds = 150, bad = 0, done = 0;
	for (int round = 0; round < rounds; round++) {
		struct sc_filter *f = random_filter("getppid");
		struct ir_prog p = { 0 };
		char *text = NULL;
		if (gen(f, x86, &p, &text) != 0) {
			free(text);
			sc_filter_free(f);
			continue;
		}
		free(text);
		struct sfilter s;
		bool agree = sf_open(&s, &p) == 0;
		for (size_t x = 0; x < nd && agree; x++)
			for (size_t y = 0; y < nd && agree; y++)
				for (size_t z = 0; z < nd && agree; z++) {
					uint64_t args[6] = { d32[x], d32[y], d32[z] };
					uint32_t want = decide(f, "getppid", args, UINT32_MAX);
					uint32_t got = sf_eval(&s, 64, AUDIT_ARCH_I386, args);
					struct bpf_input in = { .nr = 64, .arch = AUDIT_ARCH_I386 };
					struct bpf_result br;
					memcpy(in.args, args, sizeof in.args);
					if (!bpf_run(p.insns, p.n, &in, true, &br) || br.action != got) {
						printf("# x86 round %d: interpreter 0x%x, the kernel's BPF engine 0x%x\n", round,
						       br.action, got);
						agree = false;
					}
					if (got != want) {
						printf("# x86 round %d: getppid(%#llx, %#llx, %#llx): BPF 0x%x, semantics 0x%x\n",
						       round, (unsigned long long)d32[x], (unsigned long long)d32[y],
						       (unsigned long long)d32[z], got, want);
						agree = false;
					}
				}
		sf_close(&s);
		if (!agree) {
			bad++;
			print_filter(f);
		}
		done++;
		free(p.insns);
		sc_filter_free(f);
	}
	ok(bad == 0 && done > rounds / 2,
	      "random filters on x86 (32-bit arguments, constants cut to 32 bits): %d of %d agree (BPF engine)", done - bad,
	      done);
}

static void test_determinism(void)
{
	struct ir_prog a = { 0 }, b = { 0 }, c = { 0 };
	for (int round = 0; round < 2; round++) {
		rng_state = 12345;
		struct sc_filter *f = random_filter("getppid");
		static const char *const svc[] = { "read", "write", "openat", "close", "mmap", "socket", NULL };
		group(f, SC_ACT_ALLOW, "svc", svc);
		rule(f, SC_ACT_ERRNO(EACCES), "openat", MEQ(2, 3, 1));
		gen(f, NULL, round ? &b : &a, NULL);
		if (round) {
			static const char *const x86[] = { "x86_64", "x86", NULL };
			gen(f, x86, &c, NULL);
		}
		sc_filter_free(f);
	}
	ok(a.n > 0 && a.n == b.n && memcmp(a.insns, b.insns, a.n * sizeof *a.insns) == 0,
	      "determinism: the same filter built twice gives the same %zu instructions", a.n);
	struct ir_prog d = { 0 };
	rng_state = 12345;
	struct sc_filter *f = random_filter("getppid");
	static const char *const svc[] = { "read", "write", "openat", "close", "mmap", "socket", NULL };
	group(f, SC_ACT_ALLOW, "svc", svc);
	rule(f, SC_ACT_ERRNO(EACCES), "openat", MEQ(2, 3, 1));
	static const char *const x86r[] = { "x86", "x86_64", NULL };
	gen(f, x86r, &d, NULL);
	ok(c.n > 0 && c.n == d.n && memcmp(c.insns, d.insns, c.n * sizeof *c.insns) == 0,
	      "determinism: ABIs listed in another order give the same %zu instructions", c.n);
	sc_filter_free(f);
	free(a.insns);
	free(b.insns);
	free(c.insns);
	free(d.insns);
}

static void test_limits(void)
{
	/* thousands of distinct conditional rules: over 4096 instructions
	 * (distinct per syscall, in the low 32 bits that an int argument keeps,
	 * with no bit pattern that would merge them into a mask test;
	 * libseccomp shares identical rule trees;
	 * spread over 300 syscalls: libseccomp is slow with many per syscall) */
	struct sc_filter *f = filter(SC_ACT_ERRNO(EPERM));
	unsigned s = stmt(f, SC_ACT_ALLOW);
	for (int nr = 0, n = 0; n < 300 && nr < 2000; nr++) {
		char *name = seccomp_syscall_resolve_num_arch(seccomp_arch_native(), nr);
		if (!name)
			continue;
		for (uint64_t v = 1; v <= 12; v++)
			rule_in(f, s, name, NULL, CMP(0, SC_EQ, (v * 0x9e3779b1ull + (uint64_t)nr) & 0xffffffffull));
		free(name);
		n++;
	}
	struct ir_prog p = { 0 };
	char *text = NULL;
	int r = gen(f, NULL, &p, &text);
	ok(r == -1 && contains(text, "t.cap:1:3: error: the seccomp filter for %s has", native_name()) &&
		      strstr(text, "instructions; the kernel accepts at most 4096"),
	      "more than 4096 instructions is an error at the default's location naming arch and count");
	printf("#   %.*s (%u instructions)\n", (int)strcspn(text ? text : "", "\n"), text ? text : "", (unsigned)p.n);
	free(text);
	free(p.insns);
	sc_filter_free(f);

	/* A range bounded on both sides on three arguments: 21^3 rules. */
	f = filter(SC_ACT_ERRNO(EPERM));
	struct sc_expr *c = NULL;
	for (unsigned a = 0; a < 3; a++) {
		struct sc_expr *e = AND(CMP(a, SC_GE, 3), CMP(a, SC_LE, 100000));
		c = c ? AND(c, e) : e;
	}
	rule(f, SC_ACT_ALLOW, "openat", c);
	p = (struct ir_prog){ 0 };
	r = gen(f, NULL, &p, &text);
	if (backend == SC_BACKEND_LIBSECCOMP) {
		ok(r == -1 &&
			   contains(text, "t.cap:2:3: error: the conditions on 'openat' need 9261 libseccomp rules on %s",
				    native_name()),
		   "a condition needing more than 1024 libseccomp rules is an error at its rule");
		printf("#   %.*s\n", (int)strcspn(text, "\n"), text);
	} else {
		/* capc's back end tests a range with two comparisons */
		ok(r == 0 && p.n < 40, "three ranges bounded on both sides: %zu instructions", p.n);
	}
	free(text);
	free(p.insns);
	sc_filter_free(f);

	/* a long `in { }`: deep chains must not recurse */
	f = filter(SC_ACT_ERRNO(EPERM));
	uint64_t *v = malloc(200000 * sizeof *v);
	for (size_t i = 0; i < 200000; i++)
		v[i] = i * 2;
	struct sc_expr *big = in_set(0, v, 200000);
	struct sc_expr *copy = sc_expr_copy(big);
	ok(copy != NULL, "a 200000-deep condition copies");
	sc_expr_free(copy);
	rule(f, SC_ACT_ALLOW, "getppid", big);
	r = gen(f, NULL, &p, &text);
	ok(r == -1 && (backend == SC_BACKEND_LIBSECCOMP ? strstr(text, "need 200000 libseccomp rules") != NULL
							: strstr(text, "too complex") || strstr(text, "at most 4096")),
	   "in { 200000 values } is refused, no crash");
	printf("#   %.*s\n", (int)strcspn(text ? text : "", "\n"), text ? text : "");
	free(text);
	free(v);
	sc_filter_free(f);

	/* malformed input: no crash, an error */
	f = filter(SC_ACT_ERRNO(EPERM));
	rule(f, SC_ACT_ALLOW, "getppid", CMP(9, SC_EQ, 1));
	rule(f, SC_ACT_ALLOW, "getpgid", CMP(0, (enum sc_op)77, 1));
	r = gen(f, NULL, &p, &text);
	ok(r == -1 && strstr(text, "malformed condition"), "an argument index or operator out of range is an error");
	free(text);
	sc_filter_free(f);
	f = filter(0x12345678);
	r = gen(f, NULL, &p, &text);
	ok(r == -1, "an unknown action is an error");
	free(text);
	sc_filter_free(f);
}

static void test_missing_syscalls(void)
{
	struct sc_filter *f = filter(SC_ACT_ERRNO(EPERM));
	basics(f);
	rule(f, SC_ACT_ALLOW, "chown32", NULL);
	static const char *const g[] = { "fchown32", "getpid", NULL };
	group(f, SC_ACT_ALLOW, "grp", g);
	struct ir_prog p = { 0 };
	char *text = NULL;
	int r = gen(f, NULL, &p, &text);
	ok(r == 0 && contains(text, "warning: syscall 'chown32' does not exist on %s; rule ignored for it", native_name()) &&
		      !strstr(text, "fchown32"),
	      "a direct name missing on the arch warns, a group member does not");
	printf("#   %.*s\n", (int)strcspn(text, "\n"), text);
	free(text);
	free(p.insns);
	static const char *const x86[] = { "x86_64", "x86", NULL };
	p = (struct ir_prog){ 0 };
	r = gen(f, x86, &p, &text);
	ok(r == 0 && !strstr(text, "chown32"), "no warning when another listed ABI has it");
	free(text);
	free(p.insns);
	sc_filter_free(f);
}

static char *check_text(const struct sc_filter *f)
{
	capture();
	sc_check(f);
	return captured();
}

static void test_check(void)
{
	struct sc_filter *f = filter(SC_ACT_ERRNO(EPERM));
	rule(f, SC_ACT_ALLOW, "getpid", NULL);                         /* line 2: overridden */
	rule(f, SC_ACT_ERRNO(EACCES), "getpid", NULL);                 /* line 3 */
	rule(f, SC_ACT_ERRNO(EPERM), "mkdir", NULL);                   /* line 4: the default */
	rule(f, SC_ACT_ALLOW, "getppid", NULL);                        /* line 5 */
	rule(f, SC_ACT_ERRNO(EPERM), "getppid", CMP(0, SC_EQ, 1));     /* line 6: overrides line 5 */
	static const char *const rw[] = { "read", "write", NULL };
	group(f, SC_ACT_ALLOW, "rw", rw);                              /* line 7: every member direct */
	rule(f, SC_ACT_ALLOW, "read", CMP(0, SC_EQ, 0));               /* line 8 */
	rule(f, SC_ACT_ALLOW, "write", NULL);                          /* line 9 */
	static const char *const io[] = { "read", "pread64", NULL };
	group(f, SC_ACT_ALLOW, "io", io);                              /* line 10: partly direct: fine */
	char *t = check_text(f);
	ok(strstr(t, "t.cap:2:3: warning: rule has no effect: a later rule decides every call to 'getpid'") &&
		      strstr(t, "t.cap:3:3: note: 'getpid' is decided by this later rule"),
	      "sc_check: a rule hidden by a later unconditional rule, with a note there");
	ok(strstr(t, "t.cap:4:3: warning: rule has no effect: 'deny' with errno EPERM is the default action") != NULL,
	      "sc_check: a rule with the default action overriding nothing");
	ok(!strstr(t, "t.cap:5:") && !strstr(t, "t.cap:6:"), "sc_check: no warning for a conditional override");
	ok(strstr(t, "t.cap:7:3: warning: rule has no effect: other rules decide every syscall it names") &&
		      strstr(t, "t.cap:8:3: note: 'read' is named directly here"),
	      "sc_check: a group whose every member is named directly");
	ok(!strstr(t, "t.cap:10:"), "sc_check: no warning for a group only partly overridden");
	printf("%s", t);
	free(t);
	sc_filter_free(f);

	f = filter(SC_ACT_ERRNO(EPERM));
	rule(f, SC_ACT_ALLOW, "getpid", CMP(0, SC_EQ, 1));
	rule(f, SC_ACT_ALLOW, "getpid", NULL);
	rule(f, SC_ACT_ERRNO(EPERM), "getpid", CMP(0, SC_EQ, 2));
	t = check_text(f);
	ok(strstr(t, "t.cap:2:3: warning") && !strstr(t, "t.cap:3:3: warning") && !strstr(t, "t.cap:4:3: warning"),
	      "sc_check: the default's action still overrides an earlier unconditional rule");
	free(t);
	sc_filter_free(f);
}

static void test_arch(void)
{
	struct ir_arch a;
	char err[256];
	static const char *const n1[] = { "x86", "x86_64" };
	ok(sc_arch_from_names(n1, 2, &a, err, sizeof err) == 0 && a.audit_arch == AUDIT_ARCH_X86_64 &&
		      a.abis == (CAPBIN_ABI_NATIVE | CAPBIN_ABI_COMPAT) && a.nscmp == 2 &&
		      a.scmp_arch[0] == SCMP_ARCH_X86_64 && a.scmp_arch[1] == SCMP_ARCH_X86 && strcmp(a.name, "x86_64") == 0,
	      "arch {x86, x86_64}: x86_64 kernel, native + compat, native first");
	static const char *const n2[] = { "x86" };
	ok(sc_arch_from_names(n2, 1, &a, err, sizeof err) == 0 && a.audit_arch == AUDIT_ARCH_I386 &&
		      a.abis == CAPBIN_ABI_NATIVE,
	      "arch {x86}: the i386 kernel");
	static const char *const n3[] = { "x32" };
	ok(sc_arch_from_names(n3, 1, &a, err, sizeof err) == 0 && a.audit_arch == AUDIT_ARCH_X86_64 &&
		      a.abis == CAPBIN_ABI_X32,
	      "arch {x32}: x86_64 kernel, x32 only");
	static const char *const n4[] = { "aarch64", "arm" };
	ok(sc_arch_from_names(n4, 2, &a, err, sizeof err) == 0 && a.audit_arch == AUDIT_ARCH_AARCH64 &&
		      a.abis == (CAPBIN_ABI_NATIVE | CAPBIN_ABI_COMPAT),
	      "arch {aarch64, arm}");
	static const char *const n5[] = { "x86_64", "aarch64" };
	ok(sc_arch_from_names(n5, 2, &a, err, sizeof err) == -1 && strstr(err, "cannot run on"),
	      "arch {x86_64, aarch64}: refused (%s)", err);
	static const char *const n6[] = { "x68_64" };
	ok(sc_arch_from_names(n6, 1, &a, err, sizeof err) == -1 && strstr(err, "did you mean 'x86_64'"),
	      "arch {x68_64}: unknown, with a suggestion (%s)", err);
	static const char *const n7[] = { "s390x" };
	ok(sc_arch_from_names(n7, 1, &a, err, sizeof err) == 0 && a.audit_arch == AUDIT_ARCH_S390X, "arch {s390x}");
	ok(sc_arch_native(&a) == 0 && a.abis == CAPBIN_ABI_NATIVE && a.nscmp == 1, "native arch (%s, 0x%x)",
	      a.name, a.audit_arch);
	ok(sc_syscall_known("chown32") && sc_syscall_known("openat") && sc_syscall_known("socketcall") &&
		      !sc_syscall_known("no_such_call") && !sc_syscall_known(""),
	      "sc_syscall_known");
}

/* Other targets: generated, byte order converted, readable. */
static void test_cross(void)
{
	static const char *const targets[][3] = { { "aarch64", "arm", NULL }, { "s390x", NULL }, { "ppc64", NULL },
						  { "riscv64", NULL }, { "x32", NULL } };
	struct sc_filter *f = filter(SC_ACT_ERRNO(EPERM));
	rule(f, SC_ACT_ALLOW, "getppid", CMP(1, SC_EQ, 0x100000002ull));
	rule(f, SC_ACT_ALLOW, "read", NULL);
	for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
		struct ir_prog p = { 0 };
		int r = gen(f, targets[i], &p, NULL);
		char *buf = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&buf, &len);
		if (r == 0)
			bpf_disassemble(m, p.insns, p.n, "");
		fclose(m);
		/* a search tree may reach read by a split (">= read"; on x32,
		 * read is the first x32 number: the "x32 syscall bit" split) */
		bool x32 = strcmp(targets[i][0], "x32") == 0;
		ok(r == 0 && strncmp(buf, "   0: ld   [4]", 14) == 0 &&
			      (strstr(buf, "; getppid") || strstr(buf, "; >= getppid") || strstr(buf, "; > getppid")) &&
			      (strstr(buf, "; read") || strstr(buf, "; >= read") || strstr(buf, "; > read") ||
			       (x32 && strstr(buf, "; x32 syscall bit"))),
		      "cross target %s: host byte order, syscalls named (%zu instructions)", targets[i][0], p.n);
		free(buf);
		free(p.insns);
	}
	sc_filter_free(f);
}

int main(void)
{
	static const char text[] =
		"default deny\n"
		"rule 2\nrule 3\nrule 4\nrule 5\nrule 6\nrule 7\nrule 8\nrule 9\nrule 10\nrule 11\nrule 12\n";
	src = diag_load_text("t.cap", text, sizeof text - 1);
	shm = mmap(NULL, SHM_SLOTS * sizeof *shm, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm == MAP_FAILED) {
		printf("not ok - mmap shared page\n");
		return 1;
	}
	/* a hang (libseccomp has had them) must fail, not stall the suite */
	alarm(600);
	if (geteuid() != 0)
		printf("# not root: fine, seccomp needs no_new_privs only\n");

	static const enum sc_backend backends[] = { SC_BACKEND_CAPC, SC_BACKEND_LIBSECCOMP };
	for (size_t b = 0; b < 2; b++) {
		backend = backends[b];
		printf("# back end: %s\n", backend == SC_BACKEND_CAPC ? "capc" : "libseccomp");
		test_arch();
		test_default_and_allow();
		test_deny_mkdir();
		test_socket_domains();
		test_unshare_mask();
		test_in_sets();
		test_last_match_and_groups();
		test_64bit();
		test_32bit_args();
		test_ranges();
		test_kill();
		test_trap_log();
#if defined(__x86_64__)
		test_other_abis();
		test_socketcall();
		test_random_x86();
#endif
		test_random();
		test_determinism();
		test_limits();
		test_missing_syscalls();
		test_check();
		test_cross();
	}

	munmap(shm, SHM_SLOTS * sizeof *shm);
	diag_shutdown();
	printf("# %d failure(s)\n", failures);
	return failures ? 1 : 0;
}
