/* capr_trust.c - refuse a file that someone other than root could have
 * written, before a root process acts on it.
 *
 * capload, libcapr's capr_open() and pam_capc run as root in front of
 * services and logins. A policy blob (or capload's preload object) that an
 * unprivileged user could have replaced decides what a root service keeps,
 * so, like sshd's StrictModes, such a file is refused when the process runs
 * with euid 0:
 *
 *   - the file: a regular file owned by root (or the caller's euid, which
 *     here is root too), writable by neither its group nor others;
 *   - every directory on its path, from the file's own up to "/": owned by
 *     root (or the caller), writable by neither group nor others, except a
 *     root-owned sticky directory such as /tmp (others cannot rename or
 *     remove a file they do not own there).
 *
 * The file is checked through the descriptor that will be read (fstat), so
 * it cannot be swapped between the check and the read; its directories are
 * found from the descriptor (/proc/self/fd), falling back on the path the
 * caller opened when /proc is not mounted. A file without a name (a memfd,
 * an O_TMPFILE: st_nlink 0) has no directory anyone could write through.
 *
 * A non-root process is not checked: it can only hand itself privileges
 * it already has.
 *
 * Override (tests, and setups that knowingly keep policies elsewhere):
 * CAPR_TRUST_ANY_FILE=1 in the environment, read with secure_getenv (so a
 * set-user-ID or file-capability program never honours it), for capload
 * and capr_open(); pam_capc never honours it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capr_internal.h"

static bool trusted_owner(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

static int check_dirs(char *path, const char *what, struct capr_error *err)
{
	char *slash;

	/* path is canonical (no "..", no symlinks): walk up by cutting at
	 * each '/'. */
	while ((slash = strrchr(path, '/')) != NULL) {
		struct stat st;

		if (slash == path)
			slash[1] = '\0'; /* "/" itself */
		else
			*slash = '\0';
		if (lstat(path, &st) < 0) {
			capr_seterr(err, errno, "trust", "%s: directory %s: %s", what, path, strerror(errno));
			return -1;
		}
		if (!S_ISDIR(st.st_mode)) {
			capr_seterr(err, ENOTDIR, "trust", "%s: %s is not a directory", what, path);
			return -1;
		}
		if (!trusted_owner(st.st_uid)) {
			capr_seterr(err, EPERM, "trust",
				    "%s: directory %s is owned by uid %u: a root process only trusts files in directories owned by root",
				    what, path, (unsigned)st.st_uid);
			return -1;
		}
		if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !((st.st_mode & S_ISVTX) && st.st_uid == 0)) {
			capr_seterr(err, EPERM, "trust",
				    "%s: directory %s has mode %04o: others could replace the file (make it writable by root only, or sticky)",
				    what, path, (unsigned)(st.st_mode & 07777));
			return -1;
		}
		if (path[1] == '\0')
			return 0;
	}
	return 0;
}

static int check_trust(int fd, const char *path, unsigned flags, struct capr_error *err)
{
	char link[64], where[PATH_MAX], *canon = NULL;
	const char *what = path ? path : "policy";
	struct stat st;
	ssize_t n;
	int rc;

	if (geteuid() != 0)
		return 0;
	if ((flags & CAPR_TRUST_ENV_OVERRIDE)) {
		const char *o = secure_getenv("CAPR_TRUST_ANY_FILE");
		if (o && strcmp(o, "1") == 0)
			return 0;
	}
	if (fstat(fd, &st) < 0) {
		capr_seterr(err, errno, "trust", "%s: fstat: %s", what, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		capr_seterr(err, EINVAL, "trust", "%s: not a regular file", what);
		return -1;
	}
	if (!trusted_owner(st.st_uid) || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		capr_seterr(err, EPERM, "trust",
			    "%s is owned by uid %u with mode %04o: a root process only uses files owned by root and writable by no one else",
			    what, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
		return -1;
	}
	if (st.st_nlink == 0)
		return 0;
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	n = readlink(link, where, sizeof where - 1);
	if (n > 0 && where[0] == '/') {
		where[n] = '\0';
		canon = strdup(where);
	} else if (path) {
		canon = realpath(path, NULL); /* no /proc: the name opened */
	} else {
		capr_seterr(err, errno ? errno : ENOENT, "trust",
			    "cannot tell which directory the policy descriptor is in (/proc not mounted?)");
		return -1;
	}
	if (!canon) {
		capr_seterr(err, errno ? errno : ENOMEM, "trust", "%s: cannot resolve its directory: %s", what,
			    strerror(errno ? errno : ENOMEM));
		return -1;
	}
	rc = check_dirs(canon, what, err);
	free(canon);
	return rc;
}

int capr_check_trust(int fd, const char *path, unsigned flags, struct capr_error *err)
{
	struct capr_error local;
	int rc;

	if (!err)
		err = &local;
	rc = check_trust(fd, path, flags, err);
	if (rc < 0)
		errno = err->err;
	return rc;
}
