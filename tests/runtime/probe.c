/* probe.c - report what the kernel says about this process, and try
 * privileged actions, for the runtime test suites. Linked with libcapr.
 *
 *   probe CMD [ARG] CMD [ARG] ...     commands run in order, each prints
 *                                     "key=value" lines on stdout
 *
 *   status            CapInh CapPrm CapEff CapBnd CapAmb NoNewPrivs Seccomp
 *                     Seccomp_filters Uid Gid Groups (from /proc/self/status)
 *                     and securebits (PR_GET_SECUREBITS)
 *   bind80            bind a TCP socket to 127.0.0.1:80     bind80=ok|EACCES...
 *   raw               open a raw ICMP socket                raw=ok|EPERM...
 *   chown FILE        chown FILE to 1:1                     chown=ok|EPERM...
 *   setuid0           setuid(0)                             setuid0=ok|EPERM...
 *   getppid           the raw getppid syscall               getppid=ok|EACCES...
 *   touch FILE        create FILE (a marker: "the command ran")
 *   read FILE         open FILE for reading               read=ok|EACCES...
 *   env NAME          env.NAME=value
 *   enter POINT       capr_enter(POINT)                     enter=ok|deferred|fail
 *   enter-partial P   capr_enter_policy(inherited, P, CAPR_RETURN_PARTIAL)
 *                                                           enter=... step=... partial=...
 *   dry POINT         the same with CAPR_DRY_RUN            dry=ok|fail
 *   threads N         start N threads that wait forever
 *   churn             start a thread that keeps creating short-lived threads
 *   blocker           start a thread that blocks every signal
 *   tasks             one "task=TID ..." line per thread with its sets,
 *                     NoNewPrivs, Seccomp, Uid
 *   setcapxattr FILE  give FILE file capabilities (cap_net_raw+ep)
 *   open BLOB         capr_open(BLOB): later enter/enter-partial/dry use it
 *                     instead of the inherited policy
 *   setuid U | seteuid U | setgid G | setegid G
 *   setreuid R E | setresuid R E S | setresgid R E S
 *                     the libc call (-1: unchanged)     setuid=ok|EPERM...
 *                     errno is set to EILSEQ before; after a success
 *                     "setuid.errno=EILSEQ" shows it was left alone
 *   listen            socket, bind 127.0.0.1:0, listen  listen=ok|...
 *   chroot DIR        chroot(DIR)                       chroot=ok|...
 *   pause             paused=1, then wait for a signal (the test reads
 *                     /proc/PID/task/ * /status from outside and kills it)
 *   ptrace            ptrace(PTRACE_PEEKUSER, pid 0): ESRCH unless a
 *                     filter denies it                  ptrace=ESRCH|EACCES...
 *   mount             mount a tmpfs on a path that does not exist: ENOENT
 *                     unless a filter denies it         mount=ENOENT|EACCES...
 *   fork              fork; the parent waits and exits with the child's
 *                     status, the child runs the remaining commands
 *   capr_enter ... these go through the libc wrappers of the preload
 *   object when capload injected it (the trigger tests).
 *
 * Ways around the preload's wrappers (the backstop tests); each prints
 * NAME=ok|ERRNO:
 *   rawsetresuid R E S  the setresuid system call itself (syscall(2))
 *   rawlisten         socket, bind 127.0.0.1:0, the listen system call
 *   x32setuid U       setuid through the x32 ABI's number
 *   sigdfl-raw        SIGSYS back to SIG_DFL with the rt_sigaction system call
 *   sigdfl            the same with signal(3)
 *   exec-clean CMD... execve(CMD...) with an empty environment (libc)
 *   rawexec-clean CMD...  the same with the execve system call itself
 *                     (both take the rest of the command line)
 *   exec-clean-via FN CMD...  the same through libc's FN: execl, execle,
 *                     execlp, execv, execvp, execvpe or fexecve (those that
 *                     take no environment run after clearenv())
 *   spawn CMD         posix_spawn(CMD) (glibc: a vfork()ed child), wait for it
 *                                                           spawn=ok|ERRNO, spawn.status=N
 *   exec-forged BLOB CMD...  execve(CMD...) with CAPR_POLICY_FD naming a
 *                     sealed memfd holding BLOB (a policy of our choosing)
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "capr.h"

static const char *const status_keys[] = {
	"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp", "Seccomp_filters", "Uid", "Gid", "Groups",
};

/* "Key:\tv1\tv2" lines of a status file, as key=v1 v2 (prefix before). */
static void print_status(const char *path, const char *prefix, int oneline)
{
	char line[512];
	FILE *f = fopen(path, "r");

	if (!f) {
		printf("%sstatus=unreadable\n", prefix);
		return;
	}
	if (oneline)
		printf("%s", prefix);
	while (fgets(line, sizeof line, f)) {
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		for (size_t k = 0; k < sizeof status_keys / sizeof status_keys[0]; k++) {
			if (strcmp(line, status_keys[k]) != 0)
				continue;
			char *v = colon + 1;
			v += strspn(v, " \t");
			v[strcspn(v, "\n")] = '\0';
			for (char *t = v; *t; t++)
				if (*t == '\t')
					*t = ' ';
			/* Groups may end with a space. */
			size_t n = strlen(v);
			while (n && v[n - 1] == ' ')
				v[--n] = '\0';
			if (oneline)
				printf(" %s=%s", line, v);
			else
				printf("%s%s=%s\n", prefix, line, v);
		}
	}
	if (oneline)
		putchar('\n');
	fclose(f);
}

static const char *ename(int e)
{
	const char *n = strerrorname_np(e);
	return n ? n : "E?";
}

static void result(const char *key, int rc, int e)
{
	printf("%s=%s\n", key, rc < 0 ? ename(e) : "ok");
}

static void *wait_forever(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static void *short_lived(void *arg)
{
	(void)arg;
	return NULL;
}

static void *churner(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_t t;
		if (pthread_create(&t, NULL, short_lived, NULL) == 0)
			pthread_join(t, NULL);
	}
	return NULL;
}

static void *blocker(void *arg)
{
	sigset_t all;
	(void)arg;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	for (;;)
		pause();
	return NULL;
}

static void start(void *(*fn)(void *))
{
	pthread_t t;
	if (pthread_create(&t, NULL, fn, NULL) != 0) {
		printf("thread=fail\n");
		exit(1);
	}
	pthread_detach(t);
}

static int count_tasks(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	int n = 0;
	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void tasks(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;

	if (!d) {
		printf("tasks=unreadable\n");
		return;
	}
	while ((de = readdir(d))) {
		char path[300], prefix[300];
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "/proc/self/task/%s/status", de->d_name);
		snprintf(prefix, sizeof prefix, "task=%s", de->d_name);
		print_status(path, prefix, 1);
	}
	closedir(d);
}

static int set_cap_xattr(const char *file)
{
	/* struct vfs_cap_data, revision 2: cap_net_raw permitted, effective. */
	uint32_t data[5] = {VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE, 1u << CAP_NET_RAW, 0, 0, 0};
	return setxattr(file, "security.capability", data, sizeof data, 0);
}

/* "-1" or a number, for the set*id commands. */
static unsigned idarg(const char *s)
{
	return (unsigned)strtol(s, NULL, 10);
}

/* A TCP socket bound to 127.0.0.1:0, or -1 (errno set). */
static int bound_socket(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
		return -1;
	return fd;
}

int main(int argc, char **argv)
{
	capr_policy *opened = NULL;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i < argc; i++) {
		const char *c = argv[i];
		const char *arg = i + 1 < argc ? argv[i + 1] : NULL;
		int rc, e;

		if (strcmp(c, "status") == 0) {
			print_status("/proc/self/status", "", 0);
			printf("securebits=0x%02x\n", (unsigned)prctl(PR_GET_SECUREBITS, 0, 0, 0, 0));
		} else if (strcmp(c, "bind80") == 0) {
			struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(80)};
			int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
			e = errno; /* socket()'s error, before anything else can change errno */
			sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			if (fd >= 0) {
				setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
				rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
				e = errno;
			} else {
				rc = -1;
			}
			result("bind80", rc, e);
			if (fd >= 0)
				close(fd);
		} else if (strcmp(c, "raw") == 0) {
			int fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
			result("raw", fd, errno);
			if (fd >= 0)
				close(fd);
		} else if (strcmp(c, "chown") == 0 && arg) {
			rc = chown(arg, 1, 1);
			result("chown", rc, errno);
			i++;
		} else if (strcmp(c, "pause") == 0) {
			printf("paused=1\n");
			for (;;)
				pause();
		} else if (strcmp(c, "setuid0") == 0) {
			rc = setuid(0);
			result("setuid0", rc, errno);
		} else if (strcmp(c, "getppid") == 0) {
			errno = 0;
			rc = (int)syscall(SYS_getppid);
			result("getppid", rc, errno);
		} else if (strcmp(c, "read") == 0 && arg) {
			int fd = open(arg, O_RDONLY | O_CLOEXEC);
			result("read", fd < 0 ? -1 : 0, errno);
			if (fd >= 0)
				close(fd);
			i++;
		} else if (strcmp(c, "touch") == 0 && arg) {
			int fd = open(arg, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			result("touch", fd, errno);
			if (fd >= 0)
				close(fd);
			i++;
		} else if (strcmp(c, "env") == 0 && arg) {
			const char *v = getenv(arg);
			printf("env.%s=%s\n", arg, v ? v : "(unset)");
			i++;
		} else if (strcmp(c, "enter") == 0 && arg) {
			if (opened) {
				struct capr_error err;
				rc = capr_enter_policy(opened, arg, 0, &err);
				if (rc < 0)
					fprintf(stderr, "capr: %s\n", capr_strerror(&err));
			} else {
				rc = capr_enter(arg);
			}
			printf("enter=%s\n", rc == 0 ? "ok" : rc == CAPR_DEFERRED ? "deferred" : "fail");
			i++;
		} else if (strcmp(c, "open") == 0 && arg) {
			struct capr_error err;
			opened = capr_open(arg, &err);
			printf("open=%s\n", opened ? "ok" : capr_strerror(&err));
			i++;
		} else if ((strcmp(c, "enter-partial") == 0 || strcmp(c, "dry") == 0) && arg) {
			struct capr_error err;
			int dry = c[0] == 'd';
			capr_policy *pol = opened ? opened : capr_inherited(&err);
			rc = pol ? capr_enter_policy(pol, arg, dry ? CAPR_DRY_RUN : CAPR_RETURN_PARTIAL, &err) : -1;
			e = errno;
			if (rc == 0)
				printf("%s=ok\n", dry ? "dry" : "enter");
			else if (rc == CAPR_DEFERRED)
				printf("%s=deferred\n", dry ? "dry" : "enter");
			else
				printf("%s=fail\nstep=%s\npartial=%d\nerrno=%s\nmsg=%s\n", dry ? "dry" : "enter", err.step,
				       err.partial, ename(e), err.msg);
			i++;
		} else if (strcmp(c, "threads") == 0 && arg) {
			int n = atoi(arg);
			for (int k = 0; k < n; k++)
				start(wait_forever);
			/* Wait until they all exist. */
			while (count_tasks() < n + 1)
				usleep(1000);
			i++;
		} else if (strcmp(c, "churn") == 0) {
			start(churner);
		} else if (strcmp(c, "blocker") == 0) {
			start(blocker);
			usleep(100 * 1000);
		} else if (strcmp(c, "tasks") == 0) {
			tasks();
		} else if ((strcmp(c, "setuid") == 0 || strcmp(c, "seteuid") == 0 || strcmp(c, "setgid") == 0 ||
			    strcmp(c, "setegid") == 0) &&
			   arg) {
			unsigned v = idarg(arg);
			errno = EILSEQ;
			rc = strcmp(c, "setuid") == 0 ? setuid(v) : strcmp(c, "seteuid") == 0 ? seteuid(v)
				 : strcmp(c, "setgid") == 0 ? setgid(v)
							     : setegid(v);
			e = errno;
			result(c, rc, e);
			if (rc == 0)
				printf("%s.errno=%s\n", c, ename(e));
			i++;
		} else if (strcmp(c, "setreuid") == 0 && i + 2 < argc) {
			errno = EILSEQ;
			rc = setreuid(idarg(argv[i + 1]), idarg(argv[i + 2]));
			e = errno;
			result(c, rc, e);
			if (rc == 0)
				printf("%s.errno=%s\n", c, ename(e));
			i += 2;
		} else if ((strcmp(c, "setresuid") == 0 || strcmp(c, "setresgid") == 0) && i + 3 < argc) {
			unsigned a = idarg(argv[i + 1]), b = idarg(argv[i + 2]), d = idarg(argv[i + 3]);
			errno = EILSEQ;
			rc = c[6] == 'u' ? setresuid(a, b, d) : setresgid(a, b, d);
			e = errno;
			result(c, rc, e);
			if (rc == 0)
				printf("%s.errno=%s\n", c, ename(e));
			i += 3;
		} else if (strcmp(c, "listen") == 0) {
			int fd = bound_socket();
			rc = fd < 0 ? -1 : 0;
			if (rc == 0) {
				errno = EILSEQ;
				rc = listen(fd, 1);
			}
			e = errno;
			result("listen", rc, e);
			if (rc == 0)
				printf("listen.errno=%s\n", ename(e));
		} else if (strcmp(c, "chroot") == 0 && arg) {
			rc = chroot(arg);
			result("chroot", rc, errno);
			i++;
		} else if (strcmp(c, "rawsetresuid") == 0 && i + 3 < argc) {
			rc = (int)syscall(SYS_setresuid, idarg(argv[i + 1]), idarg(argv[i + 2]), idarg(argv[i + 3]));
			result(c, rc, errno);
			i += 3;
		} else if (strcmp(c, "rawlisten") == 0) {
			int fd = bound_socket();
			rc = fd < 0 ? -1 : (int)syscall(SYS_listen, fd, 1);
			result(c, rc, errno);
		} else if (strcmp(c, "x32setuid") == 0 && arg) {
			rc = (int)syscall(0x40000000L | SYS_setuid, idarg(arg));
			result(c, rc, errno);
			i++;
		} else if (strcmp(c, "sigdfl-raw") == 0) {
			/* struct kernel_sigaction with SIG_DFL: all zero */
			unsigned long ksa[4] = { 0, 0, 0, 0 };
			rc = (int)syscall(SYS_rt_sigaction, SIGSYS, ksa, NULL, 8);
			result(c, rc, errno);
		} else if (strcmp(c, "sigdfl") == 0) {
			rc = signal(SIGSYS, SIG_DFL) == SIG_ERR ? -1 : 0;
			result(c, rc, errno);
		} else if (strcmp(c, "spawn") == 0 && arg) {
			pid_t pid;
			char *sv[] = { argv[i + 1], NULL };
			extern char **environ;
			fflush(stdout);
			rc = posix_spawn(&pid, argv[i + 1], NULL, NULL, sv, environ);
			int st = -1;
			if (rc == 0)
				while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
					;
			result("spawn", rc == 0 ? 0 : -1, rc);
			if (rc == 0)
				printf("spawn.status=%d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
			i++;
		} else if (strcmp(c, "exec-forged") == 0 && i + 2 < argc) {
			char buf[65536], var[64];
			int in = open(argv[i + 1], O_RDONLY), fd = memfd_create("forged", MFD_ALLOW_SEALING);
			ssize_t n = in < 0 ? -1 : read(in, buf, sizeof buf);
			if (fd < 0 || n <= 0 || write(fd, buf, (size_t)n) != n ||
			    fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) {
				result(c, -1, errno);
				return 1;
			}
			char pre[4200];
			const char *lp = getenv("LD_PRELOAD");
			snprintf(var, sizeof var, "CAPR_POLICY_FD=%d", fd);
			snprintf(pre, sizeof pre, "LD_PRELOAD=%s", lp ? lp : "");
			char *env[] = { var, pre, NULL };
			fflush(stdout);
			execve(argv[i + 2], argv + i + 2, env);
			result(c, -1, errno);
			return 1;
		} else if ((strcmp(c, "exec-clean") == 0 || strcmp(c, "rawexec-clean") == 0) && arg) {
			char *empty[] = { NULL };
			fflush(stdout);
			if (c[0] == 'r')
				syscall(SYS_execve, argv[i + 1], argv + i + 1, empty);
			else
				execve(argv[i + 1], argv + i + 1, empty);
			result(c, -1, errno);
			return 1;
		} else if (strcmp(c, "exec-clean-via") == 0 && arg && i + 2 < argc) {
			const char *fn = argv[i + 1], *path = argv[i + 2];
			char **av = argv + i + 2, *empty[] = { NULL }, *a[12] = { NULL };
			for (int k = 0; k < 11 && av[k]; k++)
				a[k] = av[k];
			fflush(stdout);
			if (strcmp(fn, "execle") == 0) {
				execle(path, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], (char *)NULL,
				       empty);
			} else if (strcmp(fn, "execvpe") == 0) {
				execvpe(path, av, empty);
			} else if (strcmp(fn, "fexecve") == 0) {
				int fd = open(path, O_RDONLY | O_CLOEXEC);
				if (fd >= 0)
					fexecve(fd, av, empty);
			} else {
				clearenv();
				if (strcmp(fn, "execl") == 0)
					execl(path, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10],
					      (char *)NULL);
				else if (strcmp(fn, "execlp") == 0)
					execlp(path, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10],
					       (char *)NULL);
				else if (strcmp(fn, "execv") == 0)
					execv(path, av);
				else if (strcmp(fn, "execvp") == 0)
					execvp(path, av);
				else
					errno = EINVAL;
			}
			result(c, -1, errno);
			return 1;
		} else if (strcmp(c, "ptrace") == 0) {
			errno = 0;
			long r = ptrace(PTRACE_PEEKUSER, 0, NULL, NULL);
			result("ptrace", r == -1 && errno ? -1 : 0, errno);
		} else if (strcmp(c, "fork") == 0) {
			pid_t pid;
			int st;
			fflush(stdout);
			pid = fork();
			if (pid < 0) {
				result("fork", -1, errno);
			} else if (pid > 0) {
				while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
					;
				_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
			}
		} else if (strcmp(c, "mount") == 0) {
			rc = mount("capc-test", "/nonexistent/capc-test-mount", "tmpfs", MS_NOSUID, NULL);
			result("mount", rc, errno);
		} else if (strcmp(c, "setcapxattr") == 0 && arg) {
			rc = set_cap_xattr(arg);
			result("setcapxattr", rc, errno);
			i++;
		} else {
			fprintf(stderr, "probe: unknown command '%s'\n", c);
			return 2;
		}
	}
	fflush(stdout);
	/* Threads may still run (churn): leave without tearing down. */
	_exit(0);
}
