/* test_backstop.c - the backstop's parts: SHA-256 (the cookie) against the
 * FIPS 180-4 examples, and the filter capload installs, run by the kernel
 * in a child: a guarded call passes with the cookie only, anything else
 * traps with the backstop's data, other calls pass, x32 numbers trap. */
#include <errno.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capr_internal.h"
#include "tap.h"

static void hex(const uint8_t *d, char *out)
{
	for (int i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static void test_sha256(void)
{
	static const struct {
		const char *in;
		const char *want;
	} v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	};
	uint8_t d[32];
	char h[65];
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		capr_sha256(v[i].in, strlen(v[i].in), d);
		hex(d, h);
		ok(strcmp(h, v[i].want) == 0, "sha256(\"%.10s...\", %zu bytes) = %.16s...", v[i].in, strlen(v[i].in), h);
	}
	/* a million 'a': many blocks, a length over 2^16 bits */
	size_t n = 1000000;
	char *m = malloc(n);
	memset(m, 'a', n);
	capr_sha256(m, n, d);
	hex(d, h);
	ok(strcmp(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0") == 0,
	   "sha256(one million 'a') = %.16s...", h);
	free(m);
}

/* Shared with the child: what each probe returned and what trapped. */
struct shared {
	long ret[16];
	int trapped_nr[16];
	int trap_data[16];
};
static struct shared *sh;
static volatile int cur;

static void on_sys(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	sh->trapped_nr[cur] = si->si_syscall;
	sh->trap_data[cur] = si->si_errno;
}

#define COOKIE UINT64_C(0x1122334455667788)

static void child(unsigned guards)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_sys;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGSYS, &sa, NULL);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	struct capr_error err;
	if (capr_backstop_install(guards, COOKIE, &err) < 0)
		_exit(3);
	const unsigned long keep = (unsigned long)-1;
	long r[8];
	cur = 0, r[0] = syscall(SYS_setresuid, keep, keep, keep, 0, 0, COOKIE);
	cur = 1, r[1] = syscall(SYS_setresuid, keep, keep, keep, 0, 0, COOKIE ^ 1);
	cur = 2, r[2] = syscall(SYS_setresuid, keep, keep, keep, 0, 0, COOKIE ^ (UINT64_C(1) << 40));
	cur = 3, r[3] = syscall(SYS_getppid);
	cur = 4, r[4] = syscall(0x40000000L | SYS_setresuid, keep, keep, keep, 0, 0, COOKIE);
	cur = 5, r[5] = syscall(SYS_chroot, "/nonexistent", 0, 0, 0, 0, 0);
	cur = 6, r[6] = syscall(SYS_listen, -1, 0, 0, 0, 0, 0);
	for (int i = 0; i < 7; i++)
		sh->ret[i] = r[i];
	_exit(0);
}

static int run(unsigned guards)
{
	memset(sh, 0, sizeof *sh);
	pid_t pid = fork();
	if (pid == 0)
		child(guards);
	int st;
	waitpid(pid, &st, 0);
	return st;
}

static void test_filter(void)
{
	struct sock_filter f[96];
	char why[256];
	size_t n = capr_backstop_build(CAPR_BS_IDS | CAPR_BS_LISTEN | CAPR_BS_CHROOT, COOKIE, f, 96);
	ok(n > 0 && capr_bpf_check(f, n, why, sizeof why) == 0, "the backstop filter assembles (%zu instructions) and passes the kernel's checks", n);

	sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int st = run(CAPR_BS_IDS);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "set*id guards: the child ran (status 0x%x)", st);
	ok(sh->ret[0] == 0 && sh->trapped_nr[0] == 0, "setresuid with the cookie passes");
	ok(sh->trapped_nr[1] == SYS_setresuid && sh->trap_data[1] == CAPR_BACKSTOP_DATA,
	   "setresuid with the cookie's low word changed traps, with the backstop's data (%d, 0x%x)", sh->trapped_nr[1],
	   sh->trap_data[1]);
	ok(sh->trapped_nr[2] == SYS_setresuid, "setresuid with the cookie's high word changed traps");
	ok(sh->ret[3] > 0 && sh->trapped_nr[3] == 0, "getppid passes");
	ok(sh->trapped_nr[4] == (0x40000000 | SYS_setresuid), "setresuid through x32's number traps, cookie or not");
	ok(sh->trapped_nr[5] == 0 && sh->ret[5] == -1, "chroot is not guarded without a chroot trigger");
	ok(sh->trapped_nr[6] == 0, "listen is not guarded without a listen trigger");

	st = run(CAPR_BS_LISTEN | CAPR_BS_CHROOT);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "listen and chroot guards: the child ran");
	ok(sh->trapped_nr[0] == 0 && sh->trapped_nr[1] == 0, "set*id is not guarded without a setuid/setgid trigger");
	ok(sh->trapped_nr[5] == SYS_chroot && sh->trapped_nr[6] == SYS_listen, "chroot and listen without the cookie trap");
	munmap(sh, sizeof *sh);
}

int main(void)
{
	test_sha256();
	if (capr_backstop_supported())
		test_filter();
	else
		ok(1, "# SKIP the backstop filter: not supported on this architecture");
	return failures != 0;
}
