/* capload - apply a compiled policy's exec stage, then exec a command.
 *
 *     capload [--dry-run] [--verbose] [--] BLOB -- CMD [ARG...]
 *
 * Everything that can fail is done before the first privilege change:
 * the blob is loaded and validated, CMD is looked up, a policy with later
 * stages is copied into a sealed memfd for the program (CAPR_POLICY_FD),
 * and a policy with triggered stages gets the preload object into
 * LD_PRELOAD after checking that the loader will honour it for CMD. Then
 * the exec stage is applied and CMD is exec'd. Any failure: a message
 * "capload: STEP: REASON" on stderr, exit status 127, CMD never runs.
 * See man/capload.1.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "capr_internal.h"

#ifndef CAPC_VERSION
#define CAPC_VERSION "1.0.0"
#endif
#ifndef CAPC_LIBDIR
#define CAPC_LIBDIR "/usr/local/lib"
#endif
#define PRELOAD_NAME "capr_preload.so"
#define EXIT_FAIL 127

static bool verbose;

static void usage(FILE *out)
{
	fprintf(out, "usage: capload [--dry-run] [--verbose] [--] BLOB -- CMD [ARG...]\n"
		     "       capload --help | --version\n"
		     "\n"
		     "Apply the exec stage of the compiled policy BLOB (.capbin) to this process,\n"
		     "then execute CMD. Later stages are handed to CMD (CAPR_POLICY_FD, and the\n"
		     "preload object for triggered stages). On any error nothing runs: exit 127.\n"
		     "\n"
		     "  --dry-run   print the steps the exec stage would take, change nothing,\n"
		     "              do not run CMD\n"
		     "  --verbose   print each step as it is applied\n");
}

static void die(const char *step, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
static void die(const char *step, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "capload: %s: ", step);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_FAIL);
}

static void note(const char *step, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(const char *step, const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	fprintf(stderr, "capload: %s: ", step);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---------------------------------------------------------------- command lookup */

static bool is_exec_file(const char *path, int *why)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		*why = errno;
		return false;
	}
	if (!S_ISREG(st.st_mode)) {
		*why = S_ISDIR(st.st_mode) ? EISDIR : EACCES;
		return false;
	}
	if (access(path, X_OK) < 0 || !(st.st_mode & 0111)) {
		*why = EACCES;
		return false;
	}
	return true;
}

/* CMD as execvp(3) would find it: a name with a slash is used as is,
 * anything else is searched in $PATH (default /bin:/usr/bin). */
static char *find_command(const char *cmd)
{
	const char *path = getenv("PATH");
	int why = ENOENT, e;

	if (!*cmd)
		die("exec", "empty command name");
	if (strchr(cmd, '/')) {
		if (!is_exec_file(cmd, &why))
			die("exec", "%s: %s", cmd, strerror(why));
		char *r = strdup(cmd);
		if (!r)
			die("exec", "out of memory");
		return r;
	}
	if (!path)
		path = "/bin:/usr/bin";
	for (const char *p = path;; p++) {
		const char *end = strchrnul(p, ':');
		size_t dl = (size_t)(end - p);
		char *cand;

		if (asprintf(&cand, "%.*s%s%s", (int)dl, p, dl ? "/" : "", cmd) < 0)
			die("exec", "out of memory");
		if (is_exec_file(cand, &e))
			return cand;
		if (e == EACCES)
			why = EACCES; /* found but not executable: execvp reports that */
		free(cand);
		if (!*end)
			break;
		p = end;
	}
	die("exec", "%s: %s (searched PATH=%s)", cmd, why == EACCES ? "permission denied" : "command not found", path);
}

/* CMD, opened once: what is checked (executable, set-ID bits, file
 * capabilities, how it is linked) is what runs, whatever the path names
 * by the time of the exec. An execute-only file is opened O_PATH (it can
 * still be executed; the preload checks then cannot read it and refuse). */
static int open_command(const char *cmd)
{
	struct stat st;
	int fd = open(cmd, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0 && errno == EACCES)
		fd = open(cmd, O_PATH | O_CLOEXEC);
	if (fd < 0)
		die("exec", "%s: %s", cmd, strerror(errno));
	if (fstat(fd, &st) < 0)
		die("exec", "%s: fstat: %s", cmd, strerror(errno));
	if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))
		die("exec", "%s: %s", cmd, strerror(S_ISDIR(st.st_mode) ? EISDIR : EACCES));
	return fd;
}

/* Execute the opened CMD; returns only on failure (errno set).
 * - execveat(AT_EMPTY_PATH) runs exactly the file opened. A #! script is
 *   handed to its interpreter as /dev/fd/N, which must then survive the
 *   exec: its FD_CLOEXEC is cleared (the interpreter inherits it, as with
 *   fexecve(3)).
 * - A filter of the exec stage may allow execve but not execveat, and old
 *   kernels lack execveat: then execve of /proc/self/fd/N, the same file.
 * - As execvp: a file the kernel cannot execute (ENOEXEC) is a shell
 *   script, read by /bin/sh from /dev/fd/N. */
static void exec_command(int fd, char **argv)
{
	char hdr[2], self[64], devfd[64];
	int e;

	snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
	snprintf(devfd, sizeof devfd, "/dev/fd/%d", fd);
	if (pread(fd, hdr, 2, 0) == 2 && hdr[0] == '#' && hdr[1] == '!') {
		int fl = fcntl(fd, F_GETFD);
		if (fl < 0 || fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC) < 0)
			return;
	}
	execveat(fd, "", argv, environ, AT_EMPTY_PATH);
	e = errno;
	if (e == ENOSYS || e == EPERM || e == EACCES) {
		execve(self, argv, environ);
		if (errno != ENOENT) /* no /proc: keep execveat's reason */
			e = errno;
	}
	if (e == ENOEXEC) {
		size_t n = 0;
		int fl = fcntl(fd, F_GETFD);
		while (argv[n])
			n++;
		char **shv = calloc(n + 2, sizeof *shv);
		if (shv && fl >= 0 && fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC) == 0) {
			shv[0] = (char *)"sh";
			shv[1] = devfd;
			for (size_t k = 1; k <= n; k++)
				shv[k + 1] = argv[k];
			execv("/bin/sh", shv);
		}
		free(shv);
	}
	errno = e;
}

/* ---------------------------------------------------------------- preload checks */

/* ELF class and machine of the file at fd, or -1 when it is no ELF file. */
static int elf_kind(int fd, unsigned *cls, unsigned *machine)
{
	unsigned char h[20];

	if (pread(fd, h, sizeof h, 0) != (ssize_t)sizeof h || memcmp(h, ELFMAG, SELFMAG) != 0)
		return -1;
	*cls = h[EI_CLASS];
	/* e_machine, at 18 in both classes, in the file's byte order */
	*machine = h[EI_DATA] == ELFDATA2MSB ? (unsigned)h[18] << 8 | h[19] : (unsigned)h[19] << 8 | h[18];
	return 0;
}

/* The loader preloads an object only into a program of its own class and
 * machine; any other, it skips with "cannot be preloaded ... ignored" and
 * runs the program anyway. Returns why not (static buffer) or NULL. A #!
 * script is judged by its interpreter. */
static const char *elf_mismatch(int pfd, const char *preload, const char *cmd, int cmd_fd)
{
	static char why[2 * PATH_MAX + 200];
	unsigned pc, pm, cc, cm;
	char path[PATH_MAX];
	int fd = cmd_fd, depth = 0;

	if (elf_kind(pfd, &pc, &pm) < 0) {
		snprintf(why, sizeof why, "%s is not an ELF object", preload);
		return why;
	}
	snprintf(path, sizeof path, "%s", cmd);
	for (;;) {
		char hdr[PATH_MAX];
		ssize_t n = pread(fd, hdr, sizeof hdr - 1, 0);
		if (n < 2 || hdr[0] != '#' || hdr[1] != '!' || depth > 4)
			break;
		hdr[n] = '\0';
		char *p = hdr + 2;
		while (*p == ' ' || *p == '\t')
			p++;
		size_t len = strcspn(p, " \t\n");
		p[len] = '\0';
		if (fd != cmd_fd)
			close(fd);
		snprintf(path, sizeof path, "%s", p);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			snprintf(why, sizeof why, "%s: cannot read its interpreter %s: %s", cmd, path, strerror(errno));
			return why;
		}
		depth++;
	}
	int r = elf_kind(fd, &cc, &cm);
	if (fd != cmd_fd)
		close(fd);
	if (r < 0)
		return NULL; /* not_preloadable() has said what it is */
	if (cc != pc || cm != pm) {
		snprintf(why, sizeof why,
			 "%s is a %d-bit program for ELF machine %u and %s a %d-bit object for machine %u: the loader would skip the preload object and run the program without its triggered stages",
			 path, cc == ELFCLASS32 ? 32 : 64, cm, preload, pc == ELFCLASS32 ? 32 : 64, pm);
		return why;
	}
	return NULL;
}

/* One file, through fd: NULL when the loader will honour LD_PRELOAD for it
 * (or it is a #! script, whose first bytes are left in hdr, n), else why
 * not, in why. */
static const char *check_preloadable(const char *cmd, int fd, unsigned char *hdr, size_t hdrlen, ssize_t *np,
				     char *why, size_t whylen)
{
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) < 0) {
		snprintf(why, whylen, "%s: %s", cmd, strerror(errno));
		return why;
	}
	if (st.st_mode & (S_ISUID | S_ISGID)) {
		snprintf(why, whylen,
			 "%s is set-%s-ID: the loader ignores LD_PRELOAD for it (AT_SECURE), so its triggered stages could not be applied",
			 cmd, (st.st_mode & S_ISUID) ? "user" : "group");
		return why;
	}
	/* ENODATA: no file capabilities; ENOTSUP: the filesystem has no
	 * xattrs, so none either. Anything else (EACCES, EIO) leaves it
	 * unknown, and a program with file capabilities would run without
	 * its triggered stages: refuse. */
	if (fgetxattr(fd, "security.capability", NULL, 0) >= 0) {
		snprintf(why, whylen,
			 "%s has file capabilities: the loader ignores LD_PRELOAD for it (AT_SECURE), so its triggered stages could not be applied",
			 cmd);
		return why;
	}
	if (errno != ENODATA && errno != ENOTSUP) {
		snprintf(why, whylen, "%s: cannot read its file capabilities (security.capability): %s", cmd,
			 strerror(errno));
		return why;
	}
	n = pread(fd, hdr, hdrlen, 0);
	*np = n;
	if (n >= 2 && hdr[0] == '#' && hdr[1] == '!')
		return NULL;
	if (n < (ssize_t)sizeof(Elf64_Ehdr) || memcmp(hdr, ELFMAG, SELFMAG) != 0) {
		snprintf(why, whylen, "%s is neither an ELF program nor a #! script: cannot tell whether it is dynamically linked",
			 cmd);
		return why;
	}
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const int native_data = ELFDATA2LSB;
#else
	const int native_data = ELFDATA2MSB;
#endif
	if (hdr[EI_DATA] != native_data) {
		snprintf(why, whylen, "%s is an ELF file for another byte order", cmd);
		return why;
	}
	bool interp_found = false, ok = false;
	if (hdr[EI_CLASS] == ELFCLASS64) {
		Elf64_Ehdr eh;
		memcpy(&eh, hdr, sizeof eh);
		ok = eh.e_phentsize == sizeof(Elf64_Phdr);
		for (unsigned i = 0; ok && i < eh.e_phnum; i++) {
			Elf64_Phdr ph;
			if (pread(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + (uint64_t)i * sizeof ph)) != sizeof ph) {
				ok = false;
				break;
			}
			if (ph.p_type == PT_INTERP)
				interp_found = true;
		}
	} else if (hdr[EI_CLASS] == ELFCLASS32) {
		Elf32_Ehdr eh;
		memcpy(&eh, hdr, sizeof eh);
		ok = eh.e_phentsize == sizeof(Elf32_Phdr);
		for (unsigned i = 0; ok && i < eh.e_phnum; i++) {
			Elf32_Phdr ph;
			if (pread(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + (uint64_t)i * sizeof ph)) != sizeof ph) {
				ok = false;
				break;
			}
			if (ph.p_type == PT_INTERP)
				interp_found = true;
		}
	}
	if (!ok) {
		snprintf(why, whylen, "%s: cannot read its ELF program headers", cmd);
		return why;
	}
	if (!interp_found) {
		snprintf(why, whylen,
			 "%s is statically linked (no PT_INTERP): the preload object cannot be loaded into it, so its triggered stages could not be applied",
			 cmd);
		return why;
	}
	return NULL;
}

/* The loader honours LD_PRELOAD only for a dynamically linked program that
 * does not run with AT_SECURE. Returns NULL when cmd qualifies, else why
 * not (static buffer). Scripts: their interpreter is what gets loaded. */
static const char *not_preloadable(const char *cmd, int cmd_fd, int depth)
{
	static char why[PATH_MAX + 128];
	unsigned char hdr[256];
	ssize_t n = 0;
	int fd;

	if (depth > 4) {
		snprintf(why, sizeof why, "%s: too many levels of #! interpreters", cmd);
		return why;
	}
	/* The command itself is checked through the descriptor it will be
	 * executed from (no swap between check and exec); an interpreter
	 * is opened by name, as the kernel will. */
	fd = cmd_fd >= 0 ? cmd_fd : open(cmd, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, sizeof why, "%s: cannot read it to check how it is linked: %s", cmd, strerror(errno));
		return why;
	}
	const char *r = check_preloadable(cmd, fd, hdr, sizeof hdr, &n, why, sizeof why);
	if (r || !(n >= 2 && hdr[0] == '#' && hdr[1] == '!')) {
		if (fd != cmd_fd)
			close(fd);
		return r;
	}
	if (fd != cmd_fd)
		close(fd);
	{ /* a #! script: its interpreter is what the loader loads */
		char interp[sizeof hdr];
		size_t i = 2, j = 0;
		while (i < (size_t)n && (hdr[i] == ' ' || hdr[i] == '\t'))
			i++;
		while (i < (size_t)n && hdr[i] != ' ' && hdr[i] != '\t' && hdr[i] != '\n' && hdr[i] != '\0')
			interp[j++] = (char)hdr[i++];
		interp[j] = '\0';
		if (!j || interp[0] != '/') {
			snprintf(why, sizeof why, "%s: cannot tell its #! interpreter", cmd);
			return why;
		}
		return not_preloadable(interp, -1, depth + 1);
	}
}

/* capr_preload.so next to capload's own executable (a build tree), else
 * in ../lib/capc from it (an install under any PREFIX, staged with DESTDIR
 * or not, finds its own), else in the $(LIBDIR)/capc it was built for. */
static char *find_preload(void)
{
	char self[PATH_MAX], *path;
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);

	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			static const char *const rel[] = { "", "/../lib/capc" };
			for (size_t k = 0; k < sizeof rel / sizeof rel[0]; k++) {
				if (asprintf(&path, "%s%s/%s", self, rel[k], PRELOAD_NAME) < 0)
					die("preload", "out of memory");
				if (access(path, R_OK) == 0)
					return path;
				free(path);
			}
		}
	}
	if (access(CAPC_LIBDIR "/capc/" PRELOAD_NAME, R_OK) == 0) {
		path = strdup(CAPC_LIBDIR "/capc/" PRELOAD_NAME);
		if (!path)
			die("preload", "out of memory");
		return path;
	}
	return NULL;
}

/* ---------------------------------------------------------------- the backstop */

/* capload's own guarded calls after the backstop is in place (the exec
 * stage's user switch, the exec of CMD) trap like anyone's: this handler
 * makes them again with the cookie. */
static uint64_t bs_cookie;
static volatile sig_atomic_t bs_in_redo;

static void bs_redo(int sig, siginfo_t *si, void *uc)
{
	static const char refused[] = "capload: backstop: its own call was refused with the policy's cookie\n";
	struct capr_trapped t;

	(void)sig;
	if (bs_in_redo || !capr_trapped_get(si, uc, &t) || !capr_trapped_native(&t)) {
		/* The redone call trapped again (cannot happen: the cookie is
		 * capload's own), another filter's trap, or another ABI:
		 * capload makes none of these. */
		if (bs_in_redo) {
			ssize_t w = write(STDERR_FILENO, refused, sizeof refused - 1);
			(void)w;
			_exit(EXIT_FAIL);
		}
		signal(SIGSYS, SIG_DFL);
		raise(SIGSYS);
		return;
	}
	bs_in_redo = 1;
	long r = capr_trapped_redo(&t, bs_cookie);
	bs_in_redo = 0;
	capr_trapped_return(uc, r);
}

/* Install the handler, then the filter: from here on the set*id, listen,
 * and chroot calls of this process and its descendants need the
 * cookie (capr_backstop.c). Before the exec stage, which may give up the
 * cap_sys_admin that installing a filter without no_new_privs needs. */
static void install_backstop(const capr_policy *pol)
{
	struct capr_error err;
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = bs_redo;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	bs_cookie = capr_policy_cookie(pol);
	if (sigaction(SIGSYS, &sa, NULL) < 0)
		die("backstop", "sigaction(SIGSYS): %s", strerror(errno));
	if (capr_backstop_install(capr_backstop_guards(pol), bs_cookie, &err) < 0) {
		/* Without cap_sys_admin (capload run by a user) the kernel wants
		 * no_new_privs first. When the exec stage sets it anyway, set it
		 * now: it only forbids gaining privileges through exec, which
		 * the stage is about to forbid. */
		bool nnp = pol->nstages && pol->stages[0].trigger == CAPBIN_TRIGGER_EXEC &&
			   (pol->stages[0].flags & CAPBIN_STAGE_NNP);
		if (err.err != EACCES || !nnp)
			die(err.step, "%s%s", err.msg,
			    err.err == EACCES ? "; add no_new_privs at service level to run it without cap_sys_admin" : "");
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			die("backstop", "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		if (capr_backstop_install(capr_backstop_guards(pol), bs_cookie, &err) < 0)
			die(err.step, "%s", err.msg);
	}
}

/* ---------------------------------------------------------------- handing the policy over */

static int policy_memfd(const capr_policy *pol)
{
	int fd = memfd_create("capr-policy", MFD_ALLOW_SEALING);
	size_t off = 0;

	if (fd < 0)
		die("policy", "memfd_create: %s", strerror(errno));
	while (off < pol->len) {
		ssize_t n = write(fd, pol->blob + off, pol->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("policy", "writing the memfd: %s", n < 0 ? strerror(errno) : "short write");
		off += (size_t)n;
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
		die("policy", "sealing the memfd: %s", strerror(errno));
	int fl = fcntl(fd, F_GETFD);
	if (fl < 0 || fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC) < 0)
		die("policy", "clearing FD_CLOEXEC: %s", strerror(errno));
	return fd;
}

int main(int argc, char **argv)
{
	bool dry_run = false;
	const char *blob = NULL;
	int i = 1;

	capr_log_prefix = "capload";
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "--version") == 0) {
			printf("capload (capc) %s\n", CAPC_VERSION);
			return 0;
		} else if (strcmp(a, "--dry-run") == 0) {
			dry_run = true;
		} else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
			verbose = true;
		} else if (strcmp(a, "--") == 0) {
			i++;
			break;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "capload: usage: unknown option '%s'\n", a);
			usage(stderr);
			return EXIT_FAIL;
		} else {
			break;
		}
	}
	if (i >= argc) {
		fprintf(stderr, "capload: usage: no policy blob given\n");
		usage(stderr);
		return EXIT_FAIL;
	}
	blob = argv[i++];
	if (i >= argc || strcmp(argv[i], "--") != 0) {
		fprintf(stderr, "capload: usage: expected '--' and a command after the blob\n");
		usage(stderr);
		return EXIT_FAIL;
	}
	i++;
	if (i >= argc) {
		fprintf(stderr, "capload: usage: no command given after '--'\n");
		usage(stderr);
		return EXIT_FAIL;
	}
	char **cmdv = argv + i;

	/* Load and validate everything first. */
	struct capr_error err;
	capr_policy *pol = capr_open(blob, &err);
	if (!pol)
		die(err.step, "%s", err.msg);
	if (pol->kind != CAPBIN_KIND_SERVICE)
		die("blob", "%s is a session policy: pam_capc applies it, not capload", blob);

	bool has_exec = pol->nstages && pol->stages[0].trigger == CAPBIN_TRIGGER_EXEC;
	bool has_later = false, has_trigger = false;
	for (size_t s = 0; s < pol->nstages; s++) {
		unsigned t = pol->stages[s].trigger;
		if (t != CAPBIN_TRIGGER_EXEC)
			has_later = true;
		if (t == CAPBIN_TRIGGER_SETUID || t == CAPBIN_TRIGGER_SETGID || t == CAPBIN_TRIGGER_LISTEN ||
		    t == CAPBIN_TRIGGER_CHROOT)
			has_trigger = true;
	}
	note("blob", "%s: service '%s', %zu stage%s", blob, pol->name, pol->nstages, pol->nstages == 1 ? "" : "s");

	char *cmd = find_command(cmdv[0]);
	note("exec", "command %s", cmd);
	int cmd_fd = open_command(cmd);

	char *preload = NULL;
	if (has_trigger) {
		const char *why = not_preloadable(cmd, cmd_fd, 0);
		if (why)
			die("preload", "%s", why);
		preload = find_preload();
		if (!preload)
			die("preload",
			    "the policy has triggered stages (setuid/setgid/listen/chroot) and %s was found neither next to capload nor in %s/capc",
			    PRELOAD_NAME, CAPC_LIBDIR);
		/* The object runs inside the root service: one a user could
		 * replace is the user's code running as root. */
		int pfd = open(preload, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (pfd < 0)
			die("preload", "%s: %s", preload, strerror(errno));
		if (capr_check_trust(pfd, preload, CAPR_TRUST_ENV_OVERRIDE, &err) < 0)
			die("preload", "%s", err.msg);
		const char *mismatch = elf_mismatch(pfd, preload, cmd, cmd_fd);
		if (mismatch)
			die("preload", "%s", mismatch);
		close(pfd);
		if (!capr_backstop_supported())
			die("backstop",
			    "triggered stages (setuid/setgid/listen/chroot) need the seccomp backstop, which is supported on x86_64 and aarch64 only");
	}

	if (dry_run) {
		capr_set_dry_run_stream(stderr);
		if (has_exec && capr_enter_policy(pol, "exec", CAPR_DRY_RUN | CAPR_FROM_CAPLOAD, &err) < 0)
			die(err.step, "%s", err.msg);
		if (!has_exec)
			fprintf(stderr, "capload: dry-run: stage: the policy has no exec stage\n");
		if (has_later)
			fprintf(stderr, "capload: dry-run: policy: hand the blob to the program as CAPR_POLICY_FD (sealed memfd)\n");
		if (preload) {
			fprintf(stderr, "capload: dry-run: preload: LD_PRELOAD=%s\n", preload);
			fprintf(stderr,
				"capload: dry-run: backstop: seccomp filter: set*id, listen and chroot only through the preload object (cookie 0x%016llx)\n",
				(unsigned long long)capr_policy_cookie(pol));
		}
		fprintf(stderr, "capload: dry-run: exec: %s (not run)\n", cmd);
		free(preload);
		free(cmd);
		capr_close(pol);
		return 0;
	}

	/* Prepare the hand-over while every syscall is still allowed. */
	if (has_later) {
		char num[16];
		int fd = policy_memfd(pol);
		snprintf(num, sizeof num, "%d", fd);
		if (setenv("CAPR_POLICY_FD", num, 1) < 0)
			die("policy", "setenv: %s", strerror(errno));
		note("policy", "handed to the program as CAPR_POLICY_FD=%d (sealed memfd)", fd);
	} else {
		unsetenv("CAPR_POLICY_FD");
	}
	if (preload) {
		const char *old = getenv("LD_PRELOAD");
		char *v;
		if (asprintf(&v, "%s%s%s", preload, old && *old ? ":" : "", old && *old ? old : "") < 0)
			die("preload", "out of memory");
		if (setenv("LD_PRELOAD", v, 1) < 0)
			die("preload", "setenv: %s", strerror(errno));
		note("preload", "LD_PRELOAD=%s", v);
		free(v);
		free(preload);
	}

	if (preload) {
		install_backstop(pol);
		note("backstop", "seccomp filter installed: set*id, listen and chroot only through the preload object");
	}

	if (has_exec) {
		unsigned fl = CAPR_RETURN_PARTIAL | CAPR_FROM_CAPLOAD | (verbose ? CAPR_VERBOSE_INTERNAL : 0);
		if (capr_enter_policy(pol, "exec", fl, &err) < 0)
			die(err.step, "%s", err.msg);
	} else {
		note("stage", "the policy has no exec stage");
	}

	note("exec", "%s", cmd);
	fflush(NULL);
	exec_command(cmd_fd, cmdv);
	die("exec", "%s: %s", cmd, strerror(errno));
}
