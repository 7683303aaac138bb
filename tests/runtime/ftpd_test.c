/* ftpd_test.c - a forking daemon shaped like an FTP server, for
 * tests/runtime/triggers.sh. Not a mock: it makes the calls a real server
 * makes (listen, fork per connection, log the user in, switch to the
 * user's uid) and reports what the kernel then allows.
 *
 *   ftpd_test [-p PORT] [-n SESSIONS] [-r ROUNDS] [-s MODE]
 *
 * The master listens on 127.0.0.1:PORT (default 0: an ephemeral port),
 * prints "port=N" and "master=PID" on stdout, accepts SESSIONS connections
 * (default 1), forking a session child for each, and prints
 * "session=K pid=P exit=S" (or "signal=N") as each child ends, then "done".
 *
 * A session child reads "USER name", looks the user up and logs it in:
 *   -r ROUNDS  first ROUNDS temporary switches seteuid(uid) / seteuid(0), as
 *              ProFTPD makes constantly, each state reported as
 *              "round=I euid=E CapPrm=.. CapEff=.. CapBnd=.. NoNewPrivs=.."
 *   (built with -DUSE_CAPR: capr_enter("auth") here, before the switch)
 *   setgroups(1, {gid}), setgid(gid), then the switch, by -s MODE:
 *     setuid     setuid(uid) (default)
 *     setresuid  setresuid(uid, 0, uid), then seteuid(uid) completes it
 *     setreuid   setreuid(uid, uid)
 *   and answers "login=ok" (or "login=STEP:ERRNO" and ends). Then one
 *   command per line until QUIT or end of input:
 *     STATUS          Uid, Gid, Cap*, NoNewPrivs, Seccomp as key=value
 *                     lines, and securebits
 *     BIND PORT       bind a TCP socket to 127.0.0.1:PORT  bind=ok|EACCES...
 *     CHOWN FILE UID  chown FILE to UID:-1                 chown=ok|EPERM...
 *     SETUID0         setuid(0)                            setuid0=ok|EPERM...
 *     EXEC PATH ARG.. run PATH (as the session), its output lines prefixed
 *                     with "exec.", then "exec=exit S"
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef USE_CAPR
#include "capr.h"
#endif

static const char *ename(int e)
{
	const char *n = strerrorname_np(e);
	return n ? n : "E?";
}

static void result(FILE *out, const char *key, int rc, int e)
{
	fprintf(out, "%s=%s\n", key, rc < 0 ? ename(e) : "ok");
}

/* The /proc/self/status lines the tests compare, as key=value. */
static void status(FILE *out, const char *prefix, int oneline)
{
	static const char *const keys[] = {"Uid",    "Gid",    "Groups",     "CapInh",  "CapPrm",
					   "CapEff", "CapBnd", "CapAmb",     "NoNewPrivs", "Seccomp"};
	char line[512];
	FILE *f = fopen("/proc/self/status", "r");

	if (!f) {
		fprintf(out, "%sstatus=unreadable\n", prefix);
		return;
	}
	fputs(prefix, out);
	while (fgets(line, sizeof line, f)) {
		char *colon = strchr(line, ':'), *v;
		if (!colon)
			continue;
		*colon = '\0';
		for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
			if (strcmp(line, keys[k]) != 0)
				continue;
			v = colon + 1 + strspn(colon + 1, " \t");
			v[strcspn(v, "\n")] = '\0';
			for (char *t = v; *t; t++)
				if (*t == '\t')
					*t = ' ';
			for (size_t n = strlen(v); n && v[n - 1] == ' '; n--)
				v[n - 1] = '\0';
			fprintf(out, oneline ? " %s=%s" : "%s=%s\n", line, v);
		}
	}
	fclose(f);
	if (oneline)
		fputc('\n', out);
	else
		fprintf(out, "securebits=0x%02x\n", (unsigned)prctl(PR_GET_SECUREBITS, 0, 0, 0, 0));
}

static int do_bind(int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1, rc, e;

	if (fd < 0)
		return -1;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
	e = errno;
	close(fd);
	errno = e;
	return rc;
}

/* EXEC: run argv as this session, stdout and stderr through a pipe, each
 * line prefixed. */
static void do_exec(FILE *out, char **argv)
{
	int p[2];
	pid_t pid;
	int st;

	fflush(out);
	if (pipe2(p, O_CLOEXEC) < 0) {
		result(out, "exec", -1, errno);
		return;
	}
	pid = fork();
	if (pid < 0) {
		result(out, "exec", -1, errno);
		close(p[0]);
		close(p[1]);
		return;
	}
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		execv(argv[0], argv);
		dprintf(1, "execv=%s\n", ename(errno));
		_exit(126);
	}
	close(p[1]);
	FILE *in = fdopen(p[0], "r");
	char line[1024];
	while (in && fgets(line, sizeof line, in))
		fprintf(out, "exec.%s", line);
	if (in)
		fclose(in);
	else
		close(p[0]);
	waitpid(pid, &st, 0);
	fprintf(out, "exec=exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

static void rounds(FILE *out, int n, uid_t uid)
{
	for (int i = 1; i <= n; i++) {
		char prefix[64];
		if (seteuid(uid) < 0) {
			result(out, "round.seteuid", -1, errno);
			return;
		}
		snprintf(prefix, sizeof prefix, "round=%d euid=%u", i, (unsigned)geteuid());
		status(out, prefix, 1);
		if (seteuid(0) < 0) {
			result(out, "round.seteuid0", -1, errno);
			return;
		}
		snprintf(prefix, sizeof prefix, "round=%d euid=%u", i, (unsigned)geteuid());
		status(out, prefix, 1);
	}
}

/* Log the user in. Returns 0, or -1 after reporting the failing step. */
static int login(FILE *out, const char *name, int nrounds, const char *mode)
{
	struct passwd *pw = getpwnam(name);
	uid_t uid;
	gid_t gid;

	if (!pw) {
		fprintf(out, "login=user:ENOENT\n");
		return -1;
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	rounds(out, nrounds, uid);
#ifdef USE_CAPR
	/* The daemon's one call: before it gives up root itself. */
	if (capr_enter("auth") < 0) {
		fprintf(out, "login=capr_enter:%s\n", ename(errno));
		return -1;
	}
#endif
	if (setgroups(1, &gid) < 0) {
		fprintf(out, "login=setgroups:%s\n", ename(errno));
		return -1;
	}
	if (setgid(gid) < 0) {
		fprintf(out, "login=setgid:%s\n", ename(errno));
		return -1;
	}
	if (strcmp(mode, "setresuid") == 0) {
		if (setresuid(uid, 0, uid) < 0 || seteuid(uid) < 0) {
			fprintf(out, "login=setresuid:%s\n", ename(errno));
			return -1;
		}
	} else if (strcmp(mode, "setreuid") == 0) {
		if (setreuid(uid, uid) < 0) {
			fprintf(out, "login=setreuid:%s\n", ename(errno));
			return -1;
		}
	} else if (setuid(uid) < 0) {
		fprintf(out, "login=setuid:%s\n", ename(errno));
		return -1;
	}
	fprintf(out, "login=ok\n");
	return 0;
}

static int session(int conn, int nrounds, const char *mode)
{
	FILE *in = fdopen(conn, "r"), *out = fdopen(dup(conn), "w");
	char line[1024];

	if (!in || !out)
		return 1;
	setvbuf(out, NULL, _IOLBF, 0);
	if (!fgets(line, sizeof line, in) || strncmp(line, "USER ", 5) != 0) {
		fprintf(out, "login=expected USER\n");
		return 1;
	}
	line[strcspn(line, "\r\n")] = '\0';
	if (login(out, line + 5, nrounds, mode) < 0)
		return 1;
	while (fgets(line, sizeof line, in)) {
		char *argv[16];
		int argc = 0, rc;
		line[strcspn(line, "\r\n")] = '\0';
		for (char *t = strtok(line, " "); t && argc < 15; t = strtok(NULL, " "))
			argv[argc++] = t;
		argv[argc] = NULL;
		if (!argc)
			continue;
		if (strcmp(argv[0], "QUIT") == 0) {
			break;
		} else if (strcmp(argv[0], "STATUS") == 0) {
			status(out, "", 0);
		} else if (strcmp(argv[0], "BIND") == 0 && argc == 2) {
			rc = do_bind(atoi(argv[1]));
			result(out, "bind", rc, errno);
		} else if (strcmp(argv[0], "CHOWN") == 0 && argc == 3) {
			rc = chown(argv[1], (uid_t)atol(argv[2]), (gid_t)-1);
			result(out, "chown", rc, errno);
		} else if (strcmp(argv[0], "SETUID0") == 0) {
			rc = setuid(0);
			result(out, "setuid0", rc, errno);
		} else if (strcmp(argv[0], "EXEC") == 0 && argc >= 2) {
			do_exec(out, argv + 1);
		} else {
			fprintf(out, "error=unknown command %s\n", argv[0]);
		}
	}
	fclose(out);
	fclose(in);
	return 0;
}

static void reap(int block, const pid_t *pids, int n)
{
	int st;
	pid_t pid;

	while ((pid = waitpid(-1, &st, block ? 0 : WNOHANG)) > 0) {
		int k = 0;
		while (k < n && pids[k] != pid)
			k++;
		if (WIFEXITED(st))
			printf("session=%d pid=%d exit=%d\n", k + 1, (int)pid, WEXITSTATUS(st));
		else
			printf("session=%d pid=%d signal=%d\n", k + 1, (int)pid, WTERMSIG(st));
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t sl = sizeof sa;
	int port = 0, nsessions = 1, nrounds = 0, opt, fd, one = 1;
	const char *mode = "setuid";
	pid_t pids[64];

	while ((opt = getopt(argc, argv, "p:n:r:s:")) != -1) {
		switch (opt) {
		case 'p':
			port = atoi(optarg);
			break;
		case 'n':
			nsessions = atoi(optarg);
			break;
		case 'r':
			nrounds = atoi(optarg);
			break;
		case 's':
			mode = optarg;
			break;
		default:
			fprintf(stderr, "usage: ftpd_test [-p PORT] [-n SESSIONS] [-r ROUNDS] [-s setuid|setresuid|setreuid]\n");
			return 2;
		}
	}
	if (nsessions < 1 || nsessions > 64)
		nsessions = 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((unsigned short)port);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 8) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) < 0) {
		printf("master=%s\n", ename(errno));
		return 1;
	}
	printf("port=%d\nmaster=%d\n", ntohs(sa.sin_port), (int)getpid());

	for (int k = 0; k < nsessions; k++) {
		int conn = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
		if (conn < 0) {
			if (errno == EINTR) {
				k--;
				continue;
			}
			printf("accept=%s\n", ename(errno));
			return 1;
		}
		fflush(stdout);
		pids[k] = fork();
		if (pids[k] == 0) {
			close(fd);
			_exit(session(conn, nrounds, mode));
		}
		close(conn);
		if (pids[k] < 0) {
			printf("fork=%s\n", ename(errno));
			return 1;
		}
		reap(0, pids, k + 1);
	}
	reap(1, pids, nsessions);
	printf("done\n");
	return 0;
}
