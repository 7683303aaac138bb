/* capr_status.c - libcapr's access to /proc, and the few fields it reads
 * from /proc/.../status.
 *
 * A triggered point can be entered right after the program has chrooted
 * into a directory without /proc (an FTP server's jail: the chroot
 * trigger fires exactly then), and libcapr still has to list the threads
 * and read their sets. So the preload's chroot() wrapper holds a
 * descriptor of /proc across the call and the stage (capr_proc_hold,
 * capr_proc_release), and names under /proc are opened relative to it;
 * "self" and "thread-self" are relative links in procfs, so they resolve
 * for whichever thread asks. It is closed right after: a directory
 * descriptor outside the new root would let the jailed program walk out
 * of it with "..". The descriptor is checked to still be a procfs
 * directory before each use; otherwise (and when none is held) the
 * absolute path is used.
 *
 * A later point can fire inside that jail too: vsftpd chroots, then
 * leaves root (the setuid trigger). For that the preload keeps
 * /proc/self/status open from the chroot until no triggered stage is left
 * (capr_proc_hold_status): a file, not a directory, so no way out of the
 * jail. It tells a single-threaded process its sets and that it is alone
 * (Threads: 1), which is all a stage needs then; a process with more
 * threads still needs /proc/self/task, and is refused at the threads step.
 * It belongs to the process that opened it: a forked child does not use
 * its parent's.
 *
 * Async-signal-safe (the thread broadcast's handler calls it): raw
 * open/read/close, no stdio, no allocation, no locale. The file is
 * scanned as a stream in small chunks, so a long line (Groups: of a
 * process in thousands of groups) neither overflows a buffer nor hides
 * the lines after it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdbool.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "capr_internal.h"

static const struct {
	const char *key; /* with the colon */
	unsigned bit;
} fields[] = {
	{"State:", CAPR_ST_STATE},   {"SigBlk:", CAPR_ST_SIGBLK}, {"CapPrm:", CAPR_ST_CAPPRM},
	{"CapEff:", CAPR_ST_CAPEFF}, {"CapBnd:", CAPR_ST_CAPBND}, {"CapAmb:", CAPR_ST_CAPAMB},
	{"Threads:", CAPR_ST_THREADS},
};

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One line's start (up to sizeof line - 1 characters are kept: enough for
 * every field read here, whose values are 16 hex digits or a state). */
static void parse_line(const char *line, size_t len, struct capr_status *st)
{
	if (!len || (line[0] != 'S' && line[0] != 'C' && line[0] != 'T'))
		return; /* most of the file: no field read here starts otherwise */
	for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
		size_t kl = strlen(fields[f].key);
		if (len < kl || memcmp(line, fields[f].key, kl) != 0)
			continue;
		size_t i = kl;
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i >= len)
			return;
		if (fields[f].bit == CAPR_ST_STATE) {
			st->state = line[i];
		} else if (fields[f].bit == CAPR_ST_THREADS) {
			unsigned long v = 0;
			size_t start = i;
			while (i < len && line[i] >= '0' && line[i] <= '9' && v < 100000000)
				v = v * 10 + (unsigned long)(line[i++] - '0');
			if (i == start)
				return;
			st->threads = v;
		} else {
			uint64_t v = 0;
			int d, nd = 0;
			while (i < len && nd < 16 && (d = hexval(line[i])) >= 0) {
				v = v << 4 | (uint64_t)d;
				i++;
				nd++;
			}
			if (!nd)
				return;
			switch (fields[f].bit) {
			case CAPR_ST_SIGBLK: st->sigblk = v; break;
			case CAPR_ST_CAPPRM: st->capprm = v; break;
			case CAPR_ST_CAPEFF: st->capeff = v; break;
			case CAPR_ST_CAPBND: st->capbnd = v; break;
			case CAPR_ST_CAPAMB: st->capamb = v; break;
			}
		}
		st->have |= fields[f].bit;
		return;
	}
}

static int proc_dir = -1;

void capr_proc_hold(void)
{
	int none = -1, fd;

	if (__atomic_load_n(&proc_dir, __ATOMIC_ACQUIRE) >= 0)
		return;
	fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return; /* no /proc now: the paths are tried at each use */
	if (!__atomic_compare_exchange_n(&proc_dir, &none, fd, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		syscall(SYS_close, fd); /* another thread was first */
}

void capr_proc_release(void)
{
	int fd = __atomic_exchange_n(&proc_dir, -1, __ATOMIC_ACQ_REL);
	if (fd >= 0)
		syscall(SYS_close, fd);
}

static int held_status = -1;
static pid_t held_pid;

void capr_proc_hold_status(void)
{
	int none = -1, fd;
	pid_t me = (pid_t)syscall(SYS_getpid);

	if (__atomic_load_n(&held_status, __ATOMIC_ACQUIRE) >= 0 && held_pid == me)
		return;
	fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	/* An older one is a fork's inherited copy, about the parent. */
	int old = __atomic_exchange_n(&held_status, none, __ATOMIC_ACQ_REL);
	if (old >= 0)
		syscall(SYS_close, old);
	held_pid = me;
	__atomic_store_n(&held_status, fd, __ATOMIC_RELEASE);
}

void capr_proc_release_status(void)
{
	int fd = __atomic_exchange_n(&held_status, -1, __ATOMIC_ACQ_REL);
	if (fd >= 0)
		syscall(SYS_close, fd);
}

int capr_proc_open(const char *rel, int flags)
{
	int dir = __atomic_load_n(&proc_dir, __ATOMIC_ACQUIRE);
	struct statfs sf;
	char path[96] = "/proc/";
	size_t n = strlen(path), rl = strlen(rel);

	if (rel[0] == '/') /* a path of its own (the unit tests' files) */
		return (int)syscall(SYS_openat, AT_FDCWD, rel, flags | O_CLOEXEC);
	if (dir >= 0 && syscall(SYS_fstatfs, dir, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC)
		return (int)syscall(SYS_openat, dir, rel, flags | O_CLOEXEC);
	if (n + rl >= sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(path + n, rel, rl + 1);
	return (int)syscall(SYS_openat, AT_FDCWD, path, flags | O_CLOEXEC);
}

int capr_status_read(const char *rel, struct capr_status *st)
{
	char chunk[1024], line[64]; /* on the stack of a signal handler too: small */
	size_t ll = 0;
	off_t off = 0;
	int fd, held = -1;

	memset(st, 0, sizeof *st);
	fd = capr_proc_open(rel, O_RDONLY);
	if (fd < 0 && (strcmp(rel, "thread-self/status") == 0 || strcmp(rel, "self/status") == 0)) {
		held = __atomic_load_n(&held_status, __ATOMIC_ACQUIRE);
		if (held < 0 || held_pid != (pid_t)syscall(SYS_getpid))
			return -1;
		fd = held; /* read with pread: other threads may share it */
	}
	if (fd < 0)
		return -1;
	for (;;) {
		ssize_t n = held >= 0 ? syscall(SYS_pread64, fd, chunk, sizeof chunk, off)
				      : syscall(SYS_read, fd, chunk, sizeof chunk);
		if (n > 0)
			off += n;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			if (held < 0)
				syscall(SYS_close, fd);
			errno = e;
			return -1;
		}
		if (n == 0)
			break;
		for (size_t i = 0; i < (size_t)n;) {
			const char *nl = memchr(chunk + i, '\n', (size_t)n - i);
			size_t seg = nl ? (size_t)(nl - chunk) - i : (size_t)n - i;
			size_t take = sizeof line - 1 - ll; /* the rest of a long line is not needed */
			if (take > seg)
				take = seg;
			memcpy(line + ll, chunk + i, take);
			ll += take;
			i += seg;
			if (nl) {
				parse_line(line, ll, st);
				ll = 0;
				i++;
			}
		}
	}
	if (ll)
		parse_line(line, ll, st);
	if (held >= 0) {
		/* The process's status is the calling thread's only when it
		 * is the only one. */
		if (!(st->have & CAPR_ST_THREADS) || st->threads != 1) {
			memset(st, 0, sizeof *st);
			errno = ENOENT;
			return -1;
		}
		return 0;
	}
	syscall(SYS_close, fd);
	return 0;
}
