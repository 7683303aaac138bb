/* capr_nss.c - user and group database lookups (getpwnam_r and friends).
 *
 * The reentrant NSS calls fail with ERANGE when the caller's buffer is too
 * small for the entry's strings; every lookup here grows the buffer and
 * retries. "Not found" is a return of 0 with no entry, or ENOENT from some
 * NSS modules. getpwnam_r(3) also lists ESRCH, EBADF and EPERM as possible
 * "not found", but those are what a failing NSS source reports too; treating
 * a failed lookup as "no such user" could let a session or a stage through
 * less restricted, so they count as errors (fail closed).
 *
 * glibc's "files" source that cannot open its file (/etc/group unreadable:
 * EACCES, or a filter refusing openat) reports "not found" with no error at
 * all. So a "not found" is believed only when the local database it would
 * have read can be opened and read; otherwise that error is the result.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capr_internal.h"

#define NSS_BUF_MAX (16u << 20)

enum nss_what { NSS_PW_NAME, NSS_PW_UID, NSS_GR_NAME };

/* One lookup with a growing buffer; *e gets the errno-style code. */
static int nss_lookup(enum nss_what what, const char *name, uid_t uid, struct capr_pw *pw_out, gid_t *gid_out,
		      int *e)
{
	long hint = sysconf(what == NSS_GR_NAME ? _SC_GETGR_R_SIZE_MAX : _SC_GETPW_R_SIZE_MAX);
	size_t len = hint > 0 ? (size_t)hint : 16384;
	struct passwd pw, *pres = NULL;
	struct group gr, *gres = NULL;
	char *buf = NULL;
	int found = -1;

	for (;;) {
		char *nb = realloc(buf, len);
		if (!nb) {
			*e = ENOMEM;
			goto out;
		}
		buf = nb;
		if (what == NSS_PW_NAME)
			*e = getpwnam_r(name, &pw, buf, len, &pres);
		else if (what == NSS_PW_UID)
			*e = getpwuid_r(uid, &pw, buf, len, &pres);
		else
			*e = getgrnam_r(name, &gr, buf, len, &gres);
		if (*e != ERANGE || len >= NSS_BUF_MAX)
			break;
		len *= 2;
	}
	if (pres) {
		pw_out->uid = pw.pw_uid;
		pw_out->gid = pw.pw_gid;
		pw_out->name = strdup(pw.pw_name);
		if (!pw_out->name) {
			*e = ENOMEM;
			goto out;
		}
		found = 1;
	} else if (gres) {
		*gid_out = gr.gr_gid;
		found = 1;
	} else if (*e == 0 || *e == ENOENT) {
		const char *db = what == NSS_GR_NAME ? "/etc/group" : "/etc/passwd";
		int fd = open(db, O_RDONLY | O_CLOEXEC);
		char c;
		if (fd >= 0) {
			ssize_t r = read(fd, &c, 1);
			if (r >= 0)
				found = 0;
			else
				*e = errno;
			close(fd);
		} else if (errno == ENOENT) {
			found = 0; /* no local file: other sources answered */
		} else {
			*e = errno;
		}
	}
out:
	free(buf);
	return found;
}

int capr_nss_user(const char *name, struct capr_pw *pw, int *e)
{
	memset(pw, 0, sizeof *pw);
	return nss_lookup(NSS_PW_NAME, name, 0, pw, NULL, e);
}

int capr_nss_uid(uid_t uid, struct capr_pw *pw, int *e)
{
	memset(pw, 0, sizeof *pw);
	return nss_lookup(NSS_PW_UID, NULL, uid, pw, NULL, e);
}

int capr_nss_group(const char *name, gid_t *gid, int *e)
{
	return nss_lookup(NSS_GR_NAME, name, 0, NULL, gid, e);
}
