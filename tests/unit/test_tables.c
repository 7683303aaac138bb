/* test_tables.c - the name tables: libcap, systemd's groups, argument
 * names, constants, errno names, and the "did you mean" candidates. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "tables.h"
#include "tables_data.h"
#include "tap.h"


static int streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static int has_member(const struct tbl_group *g, const char *name)
{
	for (size_t i = 0; g && i < g->nmembers; i++)
		if (strcmp(g->members[i], name) == 0)
			return 1;
	return 0;
}

static void test_caps(void)
{
	static const struct {
		const char *name;
		int value;
	} cases[] = {
		{ "net_bind_service", 10 }, { "CAP_NET_RAW", 13 }, { "Net_Raw", 13 },
		{ "cap_net_raw", 13 }, { "Cap_Net_Raw", 13 }, { "NET_RAW", 13 },
		{ "net_raw", 13 }, { "chown", 0 }, { "checkpoint_restore", 40 },
		{ "sys_admin", 21 }, { "bogus", -1 }, { "", -1 }, { "cap_", -1 },
		{ "13", -1 }, { "cap_13", -1 }, { "net raw", -1 }, { "all", -1 },
		{ "net_raw2", -1 }, { "chown0", -1 }, { "net_raw,chown", -1 }, { "cap_cap_chown", -1 },
	};
	int last = tbl_cap_last();
	int round = 1;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		ok(tbl_cap_from_name(cases[i].name) == cases[i].value,
		      "cap '%s' is %d (got %d)", cases[i].name, cases[i].value,
		      tbl_cap_from_name(cases[i].name));
	ok(last == 40, "tbl_cap_last() is 40 with libcap 2.66 (got %d)", last);
	for (int c = 0; c <= last; c++) {
		const char *n = tbl_cap_name(c);
		if (!n || tbl_cap_from_name(n) != c || strncmp(n, "cap_", 4) == 0) {
			printf("# cap %d: name %s\n", c, n ? n : "(null)");
			round = 0;
		}
	}
	ok(round, "tbl_cap_name round-trips every capability 0..%d", last);
	ok(streq(tbl_cap_name(13), "net_raw"), "tbl_cap_name(13) is net_raw");
	ok(tbl_cap_name(last + 1) == NULL, "no name past the last one libcap knows");
	ok(tbl_cap_name(-1) == NULL && tbl_cap_name(64) == NULL, "no name out of range");
	ok(streq(tbl_cap_candidate(NULL, 0), "chown") &&
		      streq(tbl_cap_candidate(NULL, (size_t)last), "checkpoint_restore") &&
		      tbl_cap_candidate(NULL, (size_t)last + 1) == NULL,
	      "capability candidates are the names in numeric order");
}

/* Compares the groups with systemd's own output: the committed data file
 * must say the same. */
static void test_groups_against(FILE *f)
{
	char line[512];
	const struct tbl_group *g = NULL;
	size_t ngroups = 0, member = 0, bad = 0;
	int described = 0;

	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '@') {
			if (g && member != g->nmembers)
				bad++;
			g = tbl_group(line + 1);
			ngroups++;
			member = 0;
			described = 0;
			if (!g) {
				printf("# group %s missing\n", line);
				bad++;
			}
		} else if (line[0] == ' ' && g) {
			const char *s = line + strspn(line, " \t");
			if (s[0] == '#' && !described) {
				described = 1;
				s += strspn(s + 1, " ") + 1;
				if (strcmp(s, g->description) != 0) {
					printf("# @%s: description '%s'\n", g->name, g->description);
					bad++;
				}
			} else if (member >= g->nmembers || strcmp(g->members[member++], s) != 0) {
				printf("# @%s: member %zu is not %s\n", g->name, member, s);
				bad++;
			}
		} else if (line[0] == '\0' && g) {
			if (member != g->nmembers) {
				printf("# @%s: %zu members, systemd lists %zu\n", g->name, g->nmembers, member);
				bad++;
			}
			g = NULL;
		}
	}
	if (g && member != g->nmembers)
		bad++;
	ok(ngroups == tbl_group_count(), "%zu groups, as many as systemd's output lists (%zu)",
	      tbl_group_count(), ngroups);
	ok(bad == 0, "every group has systemd's description and members, in order");
}

static void test_groups(void)
{
	const struct tbl_group *ss = tbl_group("system-service");
	const struct tbl_group *def = tbl_group("default");
	const char *env = getenv("CAPC_SRC");
	char path[4096];
	size_t n = tbl_group_count(), unreachable = 0, dangling = 0;
	FILE *f;

	ok(ss && streq(ss->description, "General system service operations"),
	      "@system-service exists with its description");
	ok(has_member(ss, "@aio") && has_member(ss, "@default") && has_member(ss, "@timer") &&
		      has_member(ss, "ioctl") && has_member(ss, "capset"),
	      "@system-service lists nested groups and syscalls");
	ok(ss && ss->members[ss->nmembers] == NULL, "member arrays are NULL-terminated");
	ok(has_member(def, "execve") && has_member(def, "exit_group"),
	      "@default contains execve and exit_group");
	ok(tbl_group("known") && tbl_group("known")->nmembers > 400, "@known is there, with its %zu members",
	      tbl_group("known") ? tbl_group("known")->nmembers : 0);
	ok(tbl_group("@default") == def, "tbl_group accepts the '@' spelling of members");
	ok(tbl_group("nonexistent") == NULL && tbl_group("") == NULL, "unknown groups are NULL");
	for (size_t i = 0; i < n; i++) {
		const struct tbl_group *g = tbl_group_at(i);
		if (!g || tbl_group(g->name) != g || !streq(tbl_group_candidate(NULL, i), g->name))
			unreachable++;
		for (size_t m = 0; g && m < g->nmembers; m++)
			if (g->members[m][0] == '@' && !tbl_group(g->members[m] + 1))
				dangling++;
	}
	ok(n == 29 && unreachable == 0 && tbl_group_at(n) == NULL && !tbl_group_candidate(NULL, n),
	      "all %zu groups are reachable by index, name and candidate", n);
	ok(dangling == 0, "every nested @group reference names a group");

	/* The shared copy of systemd's output sits beside the source tree
	 * (CI: ../shared; tests/run.sh sets CAPC_SRC and runs from there). */
	snprintf(path, sizeof path, "%s/../shared/data/systemd-252-syscall-filter.txt", env ? env : ".");
	f = fopen(path, "r");
	if (!f)
		f = fopen("/work/shared/data/systemd-252-syscall-filter.txt", "r");
	if (f) {
		test_groups_against(f);
		fclose(f);
	} else {
		printf("ok - # SKIP groups equal systemd's output (%s: %s)\n", path, strerror(errno));
	}
}

static void test_args(void)
{
	static const struct {
		const char *sys, *arg;
		int index;
	} cases[] = {
		{ "socket", "domain", 0 }, { "socket", "type", 1 }, { "socket", "protocol", 2 },
		{ "clone", "flags", 0 }, { "clone", "newsp", 1 }, { "clone", "tls", 4 },
		{ "clone3", "size", 1 }, { "mmap", "prot", 2 }, { "mmap", "offset", 5 },
		{ "mmap2", "pgoffset", 5 }, { "ioctl", "request", 1 }, { "prctl", "option", 0 },
		{ "fcntl", "cmd", 1 }, { "openat", "flags", 2 }, { "openat", "mode", 3 },
		{ "setsockopt", "optname", 2 }, { "kill", "sig", 1 }, { "tgkill", "sig", 2 },
		{ "execve", "pathname", 0 }, { "reboot", "cmd", 2 }, { "chown32", "group", 2 },
		{ "socketcall", "call", 0 }, { "faccessat", "mode", 2 }, { "eventfd2", "flags", 1 },
		{ "signalfd4", "flags", 3 }, { "preadv", "pos_h", 4 }, { "waitid", "rusage", 4 },
		{ "socket", "arg3", 3 }, { "nosuchcall", "arg3", 3 }, { "getpid", "arg0", 0 },
		{ "prctl", "arg2", 2 }, { "socket", "arg5", 5 }, { "socket", "arg6", -1 },
		{ "socket", "arg", -1 }, { "socket", "arg01", -1 }, { "socket", "Domain", -1 },
		{ "socket", "nosuch", -1 }, { "nosuchcall", "domain", -1 }, { "getpid", "pid", -1 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		ok(tbl_syscall_arg(cases[i].sys, cases[i].arg) == cases[i].index, "%s %s is %d (got %d)",
		      cases[i].sys, cases[i].arg, cases[i].index, tbl_syscall_arg(cases[i].sys, cases[i].arg));
	ok(streq(tbl_syscall_arg_name("socket", 1), "type") && tbl_syscall_arg_name("socket", 3) == NULL &&
		      tbl_syscall_arg_name("socket", 99) == NULL && tbl_syscall_arg_name("nosuchcall", 0) == NULL,
	      "tbl_syscall_arg_name gives the i-th name or NULL");
	ok(tbl_syscall_arg_name("getpid", 0) == NULL && tbl_syscall_arg_name("prctl", 1) == NULL,
	      "no names where the table has none");
	ok(streq(tbl_syscall_arg_candidate("socket", 0), "domain") &&
		      streq(tbl_syscall_arg_candidate("socket", 3), "arg0") &&
		      streq(tbl_syscall_arg_candidate("socket", 8), "arg5") &&
		      tbl_syscall_arg_candidate("socket", 9) == NULL &&
		      streq(tbl_syscall_arg_candidate("nosuchcall", 0), "arg0") &&
		      tbl_syscall_arg_candidate(NULL, 6) == NULL,
	      "argument candidates: the syscall's names, then arg0..arg5");

	{
		static const char *const some[] = { "socket", "clone", "mmap2", "chown32", "_llseek",
						    "socketcall", "ipc", "openat2", "futex_waitv" };
		size_t unknown = 0;
		for (size_t i = 0; i < sizeof some / sizeof some[0]; i++)
			if (!tbl_syscall_arg_name(some[i], 0))
				unknown++;
		ok(unknown == 0, "x86_64 and 32-bit x86 syscalls have argument names");
	}
}

static int in_syscall_list(const char *name)
{
	const char *c;

	for (size_t i = 0; (c = tbl_syscall_candidate(NULL, i)) != NULL; i++)
		if (strcmp(c, name) == 0)
			return 1;
	return 0;
}

/* White box: the generated argument table (tables_data.h). */
static void test_args_table(void)
{
	size_t unknown = 0, unsorted = 0, dup = 0;

	for (size_t i = 0; i < tbl_data_nargs; i++) {
		const struct tbl_args *a = &tbl_data_args[i];
		if (i && strcmp(tbl_data_args[i - 1].syscall, a->syscall) >= 0)
			unsorted++;
		if (!in_syscall_list(a->syscall)) {
			printf("# %s: not a syscall libseccomp knows\n", a->syscall);
			unknown++;
		}
		for (int j = 0; j < TBL_MAX_ARGS && a->args[j]; j++)
			for (int k = 0; k < j; k++)
				if (strcmp(a->args[j], a->args[k]) == 0)
					dup++;
	}
	ok(tbl_data_nargs > 400 && unsorted == 0, "%zu syscalls with argument names, sorted", tbl_data_nargs);
	ok(unknown == 0, "every syscall in the argument table is one libseccomp knows");
	ok(dup == 0, "no syscall repeats an argument name");
	ok(tbl_data_args[tbl_data_nargs].syscall == NULL && tbl_data_consts[tbl_data_nconsts].name == NULL &&
		      tbl_data_groups[tbl_data_ngroups].name == NULL,
	      "generated tables end in a NULL entry");
}

static void test_syscalls(void)
{
	const char *first = tbl_syscall_candidate(NULL, 0);
	const char *prev = NULL, *c;
	size_t n = 0;
	int sorted = 1;

	for (size_t i = 0; (c = tbl_syscall_candidate(NULL, i)) != NULL; i++, n++) {
		if (prev && strcmp(prev, c) >= 0)
			sorted = 0;
		prev = c;
	}
	ok(n > 450 && sorted, "%zu syscall names from libseccomp, sorted and unique", n);
	ok(in_syscall_list("ptrace") && in_syscall_list("socketcall") && in_syscall_list("mmap2") &&
		      in_syscall_list("cacheflush") && in_syscall_list("set_tls") &&
		      in_syscall_list("s390_runtime_instr") && in_syscall_list("riscv_flush_icache"),
	      "syscall names cover every architecture (ARM private calls too)");
	ok(!in_syscall_list("nosuchcall"), "no invented names");
	ok(first && tbl_syscall_candidate(NULL, 0) == first && tbl_syscall_candidate(NULL, n) == NULL,
	      "the list is built once and stays put");
}

static void test_consts(void)
{
	static const struct {
		const char *name;
		uint64_t value;
	} cases[] = {
		{ "AF_INET", 2 }, { "AF_INET6", 10 }, { "AF_UNIX", 1 }, { "AF_NETLINK", 16 },
		{ "CLONE_NEWUSER", 0x10000000 }, { "CLONE_NEWNS", 0x00020000 },
		{ "CLONE_NEWTIME", 0x80 }, { "CLONE_INTO_CGROUP", 0x200000000ull },
		{ "O_RDWR", 2 }, { "O_CLOEXEC", 02000000 }, { "AT_FDCWD", (uint64_t)-100 },
		{ "AT_EMPTY_PATH", 0x1000 }, { "PROT_EXEC", 4 }, { "MAP_SHARED", 1 },
		{ "SOCK_STREAM", 1 }, { "SOCK_CLOEXEC", 02000000 }, { "IPPROTO_TCP", 6 },
		{ "PR_SET_NO_NEW_PRIVS", 38 }, { "PR_SET_PTRACER_ANY", (uint64_t)-1 },
		{ "SIGKILL", 9 }, { "SIGSYS", 31 }, { "TIOCSTI", 0x5412 }, { "FIONREAD", 0x541b },
		{ "P_PIDFD", 3 }, { "PER_LINUX", 0 }, { "ADDR_NO_RANDOMIZE", 0x0040000 },
		{ "IOPRIO_CLASS_IDLE", 3 }, { "SECCOMP_SET_MODE_FILTER", 1 }, { "MFD_CLOEXEC", 1 },
		{ "KEYCTL_JOIN_SESSION_KEYRING", 1 }, { "RLIMIT_NOFILE", 7 }, { "__WALL", 0x40000000 },
	};
	const char *prev = NULL, *c;
	int sorted = 1;
	uint64_t v = 12345;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint64_t got = 0;
		int found = tbl_const(cases[i].name, &got);
		ok(found && got == cases[i].value, "%s is %#" PRIx64 " (got %#" PRIx64 ")", cases[i].name,
		      cases[i].value, got);
	}
	ok(!tbl_const("AF_NOPE", &v) && v == 12345, "unknown constants are not found and leave the value");
	ok(!tbl_const("SIGRTMIN", NULL) && !tbl_const("MAP_FAILED", NULL) && !tbl_const("af_inet", NULL),
	      "no runtime values, pointers, or case-folded names");
	ok(tbl_const("AF_INET", NULL), "the value pointer may be NULL");
	for (size_t i = 0; (c = tbl_const_candidate(NULL, i)) != NULL; i++) {
		if (prev && strcmp(prev, c) >= 0)
			sorted = 0;
		prev = c;
	}
	ok(sorted, "constants are sorted and unique (bsearch relies on it)");
}

static void test_errno(void)
{
	ok(tbl_errno_from_name("EPERM") == 1, "EPERM is 1");
	ok(tbl_errno_from_name("EACCES") == 13, "EACCES is 13");
	ok(tbl_errno_from_name("ENOSYS") == 38, "ENOSYS is 38");
	ok(tbl_errno_from_name("EHWPOISON") == EHWPOISON, "the last glibc name is there too");
	ok(streq(tbl_errno_name(13), "EACCES"), "tbl_errno_name(13) is EACCES");
	ok(tbl_errno_from_name("EWOULDBLOCK") == EAGAIN && tbl_errno_from_name("ENOTSUP") == EOPNOTSUPP &&
		      tbl_errno_from_name("EDEADLOCK") == EDEADLK,
	      "aliases glibc does not name are accepted");
	ok(streq(tbl_errno_name(EAGAIN), "EAGAIN") && streq(tbl_errno_name(EOPNOTSUPP), "EOPNOTSUPP"),
	      "numbers get glibc's canonical name");
	ok(tbl_errno_from_name("EBOGUS") == -1 && tbl_errno_from_name("eperm") == -1 &&
		      tbl_errno_from_name("") == -1,
	      "unknown errno names are -1");
	ok(tbl_errno_name(0) == NULL && tbl_errno_name(-1) == NULL && tbl_errno_name(4096) == NULL &&
		      tbl_errno_name(4095) == NULL,
	      "unnamed numbers have no name");
	ok(streq(tbl_errno_candidate(NULL, 0), "EPERM"), "errno candidates start at EPERM");
}

static void test_suggestions(void)
{
	ok(streq(diag_suggest("net_bind_servce", tbl_cap_candidate, NULL), "net_bind_service"),
	      "net_bind_servce -> net_bind_service");
	ok(streq(diag_suggest("ptrce", tbl_syscall_candidate, NULL), "ptrace"), "ptrce -> ptrace");
	ok(streq(diag_suggest("system-servce", tbl_group_candidate, NULL), "system-service"),
	      "system-servce -> system-service");
	ok(streq(diag_suggest("AF_INTE", tbl_const_candidate, NULL), "AF_INET"), "AF_INTE -> AF_INET");
	ok(streq(diag_suggest("EACESS", tbl_errno_candidate, NULL), "EACCES"), "EACESS -> EACCES");
	ok(streq(diag_suggest("domian", tbl_syscall_arg_candidate, (void *)"socket"), "domain"),
	      "domian (socket) -> domain");
	ok(streq(diag_suggest("agr1", tbl_syscall_arg_candidate, (void *)"nosuchcall"), "arg1"),
	      "agr1 -> arg1 for any syscall");
}

int main(void)
{
	test_caps();
	test_groups();
	test_args();
	test_syscalls();
	test_args_table();
	test_consts();
	test_errno();
	test_suggestions();
	return failures ? 1 : 0;
}
