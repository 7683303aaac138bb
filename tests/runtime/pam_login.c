/* pam_login.c - a minimal login program for the pam_capc tests, driving
 * the real libpam.
 *
 *   pam_login -c CONFDIR [-s SERVICE] [-i INHERITABLE] [-t] [-x] USER [-- CMD ARG...]
 *
 * Does what login(1) and su(1) do around a session: pam_start_confdir()
 * with the service file SERVICE (default "capc-test") of CONFDIR only,
 * pam_open_session(), then fork; the child calls setgid(), initgroups() and
 * setuid() for USER and execs CMD; the parent waits, closes the session and
 * ends PAM.
 *
 *   -i HEX   set the inheritable set to HEX before the session opens (a
 *            login program started with inheritable capabilities)
 *   -t       start a thread with a seccomp filter of its own first: a stage
 *            with a filter then fails at TSYNC, after the bounding set was
 *            changed (the partial-apply path)
 *   -x       after setuid, check like sshd that the old uid cannot be
 *            restored (exit 125 without running CMD if it can)
 *   -n       no copy of syslog messages on stderr (as with no syslog
 *            daemon): only the conversation shows what the module says
 *   -S       open the session with PAM_SILENT
 *
 * Every syslog message (pam_syslog included) is copied to stderr
 * (openlog LOG_PERROR), so tests read what pam_capc logs without a syslog
 * daemon. stdout gets "key=value" lines:
 *   pam_start=PAM_CODE          open_session=PAM_CODE (text)
 *   exec=ERRNO_NAME (child)     setuid0=ok|ERRNO_NAME (with -x)
 *   child=exit N | signal N     close_session=PAM_CODE
 * Exit status: the command's, 3 pam_start failed, 4 pam_open_session
 * failed, 5 other errors, 125 (-x) the uid switch was not permanent,
 * 126 exec failed, 128+N the command died of signal N.
 */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <pwd.h>
#include <security/pam_appl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

static const char *pam_code(int rc)
{
	static const char *const names[] = {
		[PAM_SUCCESS] = "PAM_SUCCESS",
		[PAM_OPEN_ERR] = "PAM_OPEN_ERR",
		[PAM_SYMBOL_ERR] = "PAM_SYMBOL_ERR",
		[PAM_SERVICE_ERR] = "PAM_SERVICE_ERR",
		[PAM_SYSTEM_ERR] = "PAM_SYSTEM_ERR",
		[PAM_BUF_ERR] = "PAM_BUF_ERR",
		[PAM_PERM_DENIED] = "PAM_PERM_DENIED",
		[PAM_AUTH_ERR] = "PAM_AUTH_ERR",
		[PAM_USER_UNKNOWN] = "PAM_USER_UNKNOWN",
		[PAM_SESSION_ERR] = "PAM_SESSION_ERR",
		[PAM_ABORT] = "PAM_ABORT",
		[PAM_IGNORE] = "PAM_IGNORE",
		[PAM_MODULE_UNKNOWN] = "PAM_MODULE_UNKNOWN",
	};
	if (rc >= 0 && (size_t)rc < sizeof names / sizeof names[0] && names[rc])
		return names[rc];
	return "PAM_other";
}

static const char *ename(int e)
{
	const char *n = strerrorname_np(e);
	return n ? n : "E?";
}

/* No prompts in a session; messages go to stderr. */
static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	(void)data;
	for (int i = 0; i < n; i++) {
		if (msg[i]->msg_style != PAM_ERROR_MSG && msg[i]->msg_style != PAM_TEXT_INFO)
			return PAM_CONV_ERR;
	}
	for (int i = 0; i < n; i++)
		fprintf(stderr, "pam_login: conv: %s\n", msg[i]->msg);
	*resp = NULL;
	return PAM_SUCCESS;
}

static int set_inheritable(unsigned long long inh)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) < 0)
		return -1;
	d[0].inheritable = (uint32_t)inh;
	d[1].inheritable = (uint32_t)(inh >> 32);
	return (int)syscall(SYS_capset, &h, d);
}

static void *own_filter(void *arg)
{
	/* Allow everything, but as a filter of this thread alone: TSYNC from
	 * another thread then fails on it. */
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = {.len = 1, .filter = &allow};
	int *ready = arg;

	*ready = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0 ? 1 : -1;
	for (;;)
		pause();
	return NULL;
}

static int start_filtered_thread(void)
{
	static volatile int ready;
	pthread_t t;

	if (pthread_create(&t, NULL, own_filter, (void *)&ready) != 0)
		return -1;
	pthread_detach(t);
	while (!ready)
		usleep(1000);
	return ready > 0 ? 0 : -1;
}

static void usage(void)
{
	fprintf(stderr, "usage: pam_login -c CONFDIR [-s SERVICE] [-i HEX] [-t] [-x] [-n] [-S] USER [-- CMD ARG...]\n");
	exit(5);
}

int main(int argc, char **argv)
{
	const char *confdir = NULL, *service = "capc-test", *user;
	struct pam_conv pc = {conv, NULL};
	pam_handle_t *h = NULL;
	int opt, rc, status, sshd_check = 0, filtered_thread = 0, no_perror = 0, silent = 0;
	char **cmd = NULL;
	long long inh = -1;
	pid_t pid;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "+c:s:i:txnS")) != -1) {
		switch (opt) {
		case 'c':
			confdir = optarg;
			break;
		case 's':
			service = optarg;
			break;
		case 'i':
			inh = (long long)strtoull(optarg, NULL, 16);
			break;
		case 't':
			filtered_thread = 1;
			break;
		case 'x':
			sshd_check = 1;
			break;
		case 'n':
			no_perror = 1;
			break;
		case 'S':
			silent = 1;
			break;
		default:
			usage();
		}
	}
	if (!confdir || optind >= argc)
		usage();
	user = argv[optind++];
	if (optind < argc) {
		if (strcmp(argv[optind], "--") != 0 || optind + 1 >= argc)
			usage();
		cmd = argv + optind + 1;
	}

	/* pam_syslog() calls syslog() without openlog(): our options apply. */
	openlog("pam_login", (no_perror ? 0 : LOG_PERROR) | LOG_PID, LOG_AUTHPRIV);
	if (inh >= 0 && set_inheritable((unsigned long long)inh) < 0) {
		fprintf(stderr, "pam_login: capset inheritable: %s\n", strerror(errno));
		return 5;
	}
	if (filtered_thread && start_filtered_thread() < 0) {
		fprintf(stderr, "pam_login: cannot start the filtered thread\n");
		return 5;
	}

	rc = pam_start_confdir(service, user, &pc, confdir, &h);
	printf("pam_start=%s\n", pam_code(rc));
	if (rc != PAM_SUCCESS)
		return 3;
	rc = pam_open_session(h, silent ? PAM_SILENT : 0);
	printf("open_session=%s (%s)\n", pam_code(rc), pam_strerror(h, rc));
	if (rc != PAM_SUCCESS) {
		/* As login does: no session, no shell. */
		pam_end(h, rc);
		return 4;
	}
	if (!cmd) {
		rc = pam_close_session(h, 0);
		printf("close_session=%s\n", pam_code(rc));
		pam_end(h, rc);
		return 0;
	}

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "pam_login: fork: %s\n", strerror(errno));
		return 5;
	}
	if (pid == 0) {
		/* The child becomes the user exactly as login(1) does. */
		struct passwd *pw = getpwnam(user);
		if (!pw) {
			fprintf(stderr, "pam_login: no such user %s\n", user);
			_exit(5);
		}
		if (setgid(pw->pw_gid) < 0 || initgroups(pw->pw_name, pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0) {
			fprintf(stderr, "pam_login: switching to %s: %s\n", user, strerror(errno));
			_exit(5);
		}
		if (sshd_check && pw->pw_uid != 0) {
			int r = setuid(0);
			printf("setuid0=%s\n", r == 0 ? "ok" : ename(errno));
			if (r == 0) {
				fprintf(stderr, "pam_login: was able to restore the old uid\n");
				fflush(stdout);
				_exit(125);
			}
		}
		fflush(stdout);
		execvp(cmd[0], cmd);
		printf("exec=%s\n", ename(errno));
		fprintf(stderr, "pam_login: exec %s: %s\n", cmd[0], strerror(errno));
		fflush(stdout);
		_exit(126);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "pam_login: waitpid: %s\n", strerror(errno));
			return 5;
		}
	}
	if (WIFEXITED(status))
		printf("child=exit %d\n", WEXITSTATUS(status));
	else
		printf("child=signal %d\n", WTERMSIG(status));
	rc = pam_close_session(h, 0);
	printf("close_session=%s\n", pam_code(rc));
	pam_end(h, rc);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
