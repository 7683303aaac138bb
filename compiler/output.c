/* output.c - writing capc's outputs: all or nothing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output.h"

/* Write buf to path atomically: temp file in the same directory, then
 * rename(2). */
int write_atomic(const char *path, const uint8_t *buf, size_t len)
{
	if (strcmp(path, "-") == 0) {
		if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0) {
			fprintf(stderr, "capc: error: writing to stdout: %s\n", strerror(errno));
			return -1;
		}
		return 0;
	}
	size_t n = strlen(path);
	char *tmp = malloc(n + 16);
	if (!tmp) {
		fprintf(stderr, "capc: error: out of memory\n");
		return -1;
	}
	snprintf(tmp, n + 16, "%s.tmp.XXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		fprintf(stderr, "capc: error: cannot create '%s': %s\n", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	/* mkstemp makes 0600; a blob is not secret, give it the usual
	 * 0666 & ~umask. */
	mode_t um = umask(0);
	umask(um);
	int rc = -1;
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, buf + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "capc: error: writing '%s': %s\n", tmp, strerror(errno));
			goto out;
		}
		off += (size_t)w;
	}
	if (fchmod(fd, 0666 & ~um) < 0 || fsync(fd) < 0) {
		fprintf(stderr, "capc: error: writing '%s': %s\n", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		fprintf(stderr, "capc: error: writing '%s': %s\n", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		fprintf(stderr, "capc: error: cannot rename '%s' to '%s': %s\n", tmp, path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

