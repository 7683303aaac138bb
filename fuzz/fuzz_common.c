/* fuzz_common.c - oracle failures and the file-system sandbox of the
 * fuzz targets.
 *
 * A policy may `include` any path. Fuzzed text must not read arbitrary
 * files (/dev/zero takes 64 MiB before capc gives up, a FIFO blocks
 * forever: costs of the fuzzing, not bugs), so the targets are linked with
 * -Wl,--wrap=fopen: while fuzz_sandbox is set (the targets set it around
 * the code under test), fopen() for reading of anything but a regular
 * file inside fuzz_include_dir fails with ENOENT, as a missing include
 * would.
 * libFuzzer's own fopen() calls (it writes the corpus and crash files with
 * it) happen outside and pass through.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ast.h"
#include "capr_internal.h"
#include "diag.h"
#include "dump.h"
#include "fuzz.h"
#include "ir.h"
#include "sema.h"

char fuzz_include_dir[PATH_MAX + 2];

FILE *__real_fopen(const char *path, const char *mode);
FILE *__wrap_fopen(const char *path, const char *mode);

bool fuzz_sandbox;
static char allowed[64];

void fuzz_allow_path(const char *path)
{
	snprintf(allowed, sizeof allowed, "%s", path);
}

/* To fd 2 itself: the targets may point the stderr stream at /dev/null. */
void fuzz_fail(const char *fmt, ...)
{
	va_list ap;
	dprintf(2, "fuzz oracle failed: ");
	va_start(ap, fmt);
	vdprintf(2, fmt, ap);
	va_end(ap);
	dprintf(2, "\n");
	abort();
}

/* The source tree is $CAPC_SRC, else the current directory (make fuzz
 * and the tests run from the tree). */
void fuzz_init_paths(void)
{
	const char *src = getenv("CAPC_SRC");
	char dir[2048], real[PATH_MAX];
	snprintf(dir, sizeof dir, "%s/tests/golden/features", src && *src ? src : ".");
	if (!realpath(dir, real)) {
		fprintf(stderr, "fuzz: %s: %s (run from the source tree or set CAPC_SRC)\n", dir, strerror(errno));
		exit(2);
	}
	snprintf(fuzz_include_dir, sizeof fuzz_include_dir, "%s/", real);
}

FILE *fuzz_devnull(void)
{
	static FILE *null;
	if (!null) {
		int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (fd < 0 || !(null = fdopen(fd, "w")))
			fuzz_fail("cannot open /dev/null");
	}
	return null;
}

/* What a dry run must leave alone. */
struct fuzz_state {
	struct __user_cap_data_struct caps[2];
	uid_t uid[3];
	gid_t gid[3];
	int ngroups;
	int secbits, nnp, seccomp, keepcaps;
	unsigned long bnd, amb;
};

static void snapshot(struct fuzz_state *s)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	memset(s, 0, sizeof *s);
	syscall(SYS_capget, &h, s->caps);
	getresuid(&s->uid[0], &s->uid[1], &s->uid[2]);
	getresgid(&s->gid[0], &s->gid[1], &s->gid[2]);
	s->ngroups = getgroups(0, NULL);
	s->secbits = prctl(PR_GET_SECUREBITS);
	s->nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
	s->seccomp = prctl(PR_GET_SECCOMP);
	s->keepcaps = prctl(PR_GET_KEEPCAPS);
	for (int c = 0; c < 64; c++) {
		if (prctl(PR_CAPBSET_READ, c) == 1)
			s->bnd |= 1ul << c;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c, 0, 0) == 1)
			s->amb |= 1ul << c;
	}
}

void fuzz_dry_run_all(capr_policy *pol)
{
	struct fuzz_state before, after;
	snapshot(&before);
	capr_set_dry_run_stream(fuzz_devnull());
	for (size_t i = 0; i < capr_point_count(pol); i++) {
		struct capr_error err;
		const char *point = capr_point_name(pol, i);
		if (!point)
			fuzz_fail("point %zu of %zu has no name", i, capr_point_count(pol));
		capr_enter_policy(pol, point, CAPR_DRY_RUN | CAPR_RETURN_PARTIAL, &err);
		snapshot(&after);
		if (memcmp(&before, &after, sizeof before) != 0)
			fuzz_fail("a dry run of point '%s' changed the process", point);
	}
}

FILE *__wrap_fopen(const char *path, const char *mode)
{
	char real[PATH_MAX];
	struct stat st;
	size_t n = strlen(fuzz_include_dir);
	/* Writes pass: the code under test never writes with fopen(), and
	 * libFuzzer writes its crash and timeout files from inside the
	 * input's run (signal handlers), with the sandbox still on. */
	if (!fuzz_sandbox || mode[0] != 'r' || strchr(mode, '+') || (allowed[0] && strcmp(path, allowed) == 0))
		return __real_fopen(path, mode);
	if (realpath(path, real) && strncmp(real, fuzz_include_dir, n) == 0 && stat(real, &st) == 0 &&
	    S_ISREG(st.st_mode) && st.st_size < (1 << 20))
		return __real_fopen(real, mode);
	errno = ENOENT;
	return NULL;
}

/* The kernel's struct sigaction (rt_sigaction(2)); SIG_DFL needs no
 * restorer. */
struct kernel_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	unsigned long mask;
};

static void default_action(int sig)
{
	struct kernel_sigaction act = { SIG_DFL, 0, NULL, 0 };
	syscall(SYS_rt_sigaction, sig, &act, NULL, sizeof act.mask);
}

/* A child that loads filters: once one is loaded it decides about every
 * system call, exit_group included (RET_ERRNO(0) turns it into a no-op),
 * so the child ends without one: an illegal instruction, with the default
 * action for SIGILL (the sanitizers' handlers would make system calls, and
 * their signal() interceptor keeps them: so rt_sigaction directly) and no
 * core file. */
static void probe_child_setup(void)
{
	struct rlimit nocore = { 0, 0 };
	sigset_t all;
	for (int sig = 1; sig < NSIG; sig++)
		default_action(sig);
	sigfillset(&all);
	sigprocmask(SIG_UNBLOCK, &all, NULL);
	setrlimit(RLIMIT_CORE, &nocore);
}

/* An illegal instruction, inline: not __builtin_trap() nor a function
 * call, since ASan precedes a call of a noreturn function with
 * __asan_handle_no_return, which makes system calls (sigaltstack) the
 * filter may refuse. */
#if defined(__x86_64__)
#define PROBE_CHILD_END() __asm__ volatile("ud2")
#elif defined(__aarch64__)
#define PROBE_CHILD_END() __asm__ volatile("udf #0")
#else
#error "fuzz: an illegal instruction for this arch"
#endif

/* 1 if seccomp(2) refuses the program with EINVAL, 0 if it loads it: in
 * a forked child, after no_new_privs. */
int fuzz_kernel_refuses(const struct sock_filter *f, size_t n)
{
	int status;
	pid_t pid = fork();
	if (pid < 0)
		fuzz_fail("fork: %s", strerror(errno));
	if (pid == 0) {
		struct sock_fprog prog = { (unsigned short)n, (struct sock_filter *)f };
		probe_child_setup();
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(3);
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
			_exit(errno == EINVAL ? 1 : 2);
		PROBE_CHILD_END();
		for (;;)
			;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			fuzz_fail("waitpid: %s", strerror(errno));
	if (WIFEXITED(status) && (WEXITSTATUS(status) == 2 || WEXITSTATUS(status) == 3))
		fuzz_fail("seccomp(2) failed for another reason than the program (status %d)", WEXITSTATUS(status));
	return WIFEXITED(status) && WEXITSTATUS(status) == 1;
}

/* Loads the filters of every stage, in stage order, into one forked
 * child, as entering every point in order would stack them. Returns the
 * index of the stage whose filter the kernel refused with ENOMEM (the
 * total of the stacked filters, MAX_INSNS_PER_PATH), or -1. A refusal
 * for another reason (an earlier filter that denies seccomp(2) itself)
 * ends the test there: that is the policy's business. The child reports
 * through shared memory: once a filter is loaded, it may deny every
 * system call, exit_group and write included. */
static long stack_filters(const capr_policy *pol)
{
	volatile long *result = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int status;
	if (result == MAP_FAILED)
		fuzz_fail("mmap: %s", strerror(errno));
	*result = -1;
	pid_t pid = fork();
	if (pid < 0)
		fuzz_fail("fork: %s", strerror(errno));
	if (pid == 0) {
		probe_child_setup();
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0) {
			for (size_t i = 0; i < pol->nstages; i++) {
				const struct capr_stage *st = &pol->stages[i];
				struct sock_fprog prog = { (unsigned short)st->filter_len, st->filter };
				if (!st->filter)
					continue;
				if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) {
					if (errno == ENOMEM)
						*result = (long)i;
					break;
				}
			}
		}
		PROBE_CHILD_END();
		for (;;)
			;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			fuzz_fail("waitpid: %s", strerror(errno));
	long k = *result;
	munmap((void *)result, 4096);
	return k;
}

void fuzz_check_filters(const capr_policy *pol)
{
	size_t total = 0;
	for (size_t i = 0; i < pol->nstages; i++) {
		const struct capr_stage *st = &pol->stages[i];
		if (st->filter && fuzz_kernel_refuses(st->filter, st->filter_len))
			fuzz_fail("stage '%s': the runtime accepted a %zu-instruction filter that seccomp(2) refuses",
				  st->point, st->filter_len);
		if (st->filter)
			total += st->filter_len;
	}
	/* The kernel's total counts eBPF instructions, a small multiple of
	 * the classic ones: below 8192 classic ones it cannot be reached. */
	if (total >= 8192) {
		long k = stack_filters(pol);
		if (k >= 0)
			fuzz_fail("entering every point in order stacks %zu filter instructions: the kernel refuses the "
				  "filter of stage '%s' (ENOMEM, over MAX_INSNS_PER_PATH)",
				  total, pol->stages[k].point);
	}
}

static void compile(const struct ast_unit *u, const char *select, const char *const *target)
{
	struct ir_policy ir;
	struct sema_opts opts = { .select = select, .target = target, .generate = true };
	uint8_t *blob = NULL;
	size_t len = 0;
	char why[256];
	unsigned errors = diag_error_count();

	memset(&ir, 0, sizeof ir);
	if (sema_build(u, &opts, &ir) == 0 && diag_error_count() == errors &&
	    emit_blob(&ir, &blob, &len, why, sizeof why) == 0) {
		struct capr_error err;
		capr_policy *pol = capr_open_mem(blob, len, &err);
		if (!pol && strcmp(err.step, "arch") != 0)
			fuzz_fail("the runtime refuses a blob capc wrote: %s", capr_strerror(&err));
		if (dump_blob(fuzz_devnull(), blob, len) != 0)
			fuzz_fail("capc --dump refuses a blob capc wrote");
		if (pol) {
			fuzz_check_filters(pol);
			fuzz_dry_run_all(pol);
			capr_close(pol);
		}
		free(blob);
	}
	ir_free(&ir);
}

void fuzz_compile_unit(const struct ast_unit *u, const char *const *target)
{
	const char *names[4];
	size_t n = 0;
	for (const struct ast_decl *d = u->decls; d; d = d->next)
		if (d->kind != AD_DEFINE && n < 4 && d->name.text)
			names[n++] = d->name.text;
	compile(u, NULL, target); /* as `capc FILE`: an error if there are several */
	for (size_t i = 0; n > 1 && i < n; i++)
		compile(u, names[i], target);
}
