/* tables.h - name tables the language resolves against.
 *
 * Each table is data, not code: syscall groups come from systemd 252's
 * list (compiler/data/syscall-groups.txt), argument names from
 * compiler/data/syscall-args.txt, constants from compiler/data/constants.txt
 * (values taken from the build host's kernel and libc headers), errno names
 * from glibc (strerrorname_np), capability names from libcap.
 * All lookups are case-sensitive unless noted.
 */
#ifndef CAPC_TABLES_H
#define CAPC_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Capabilities (libcap). Accepts "net_raw", "cap_net_raw", "NET_RAW", ...
 * (any case, with or without "cap_"). Returns 0..63 or -1. */
int tbl_cap_from_name(const char *name);
/* Canonical name without the prefix ("net_raw"), or NULL if libcap has no
 * name for it (a capability newer than this libcap). */
const char *tbl_cap_name(int cap);
/* The highest capability number libcap has a name for (40 with libcap 2.66:
 * checkpoint_restore). */
int tbl_cap_last(void);
/* Candidates for "did you mean": i-th known name or NULL. */
const char *tbl_cap_candidate(void *ctx, size_t i);

/* Syscall groups (systemd 252 names, without the '@'). */
struct tbl_group {
	const char *name;        /* "system-service" */
	const char *description; /* systemd's one-line comment */
	const char *const *members; /* syscall names and "@group" references */
	size_t nmembers;
};
const struct tbl_group *tbl_group(const char *name);
size_t tbl_group_count(void);
const struct tbl_group *tbl_group_at(size_t i);
const char *tbl_group_candidate(void *ctx, size_t i);

/* Syscall argument names: the index (0..5) of `arg` for `syscall`, or -1.
 * "arg0".."arg5" are accepted for every syscall. */
int tbl_syscall_arg(const char *syscall, const char *arg);
/* i-th argument name of `syscall` (NULL if the table has none). */
const char *tbl_syscall_arg_name(const char *syscall, unsigned i);
/* Candidates: ctx is the syscall name. */
const char *tbl_syscall_arg_candidate(void *ctx, size_t i);

/* How many low bits of argument `arg` (0..5) of `syscall` the kernel reads
 * on an ABI with `abi_bits`-bit registers (64 or 32): what the syscall's
 * SYSCALL_DEFINE casts the register to (an int is 32, a umode_t 16).
 * abi_bits for syscalls and arguments the table does not narrow. */
unsigned tbl_syscall_arg_bits(const char *syscall, unsigned arg, unsigned abi_bits);
/* The same for all six arguments at once (one lookup). */
void tbl_syscall_arg_widths(const char *syscall, unsigned abi_bits, unsigned bits[6]);

/* Every syscall name libseccomp knows on any arch (for "did you mean"). */
const char *tbl_syscall_candidate(void *ctx, size_t i);

/* Predefined constants (AF_*, PROT_*, O_*, CLONE_*, ...). */
bool tbl_const(const char *name, uint64_t *value);
const char *tbl_const_candidate(void *ctx, size_t i);

/* errno names ("EPERM" -> 1), from glibc. -1 when unknown. */
int tbl_errno_from_name(const char *name);
const char *tbl_errno_name(int value); /* NULL when unknown */
const char *tbl_errno_candidate(void *ctx, size_t i);

#endif /* CAPC_TABLES_H */
