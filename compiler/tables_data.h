/* tables_data.h - layout of the C data that tools/gen-tables.sh generates
 * from compiler/data/ (build/gen/tables_data.c). Private to tables.c.
 */
#ifndef CAPC_TABLES_DATA_H
#define CAPC_TABLES_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "tables.h"

/* Syscall groups, in the data file's (systemd's) order. */
extern const struct tbl_group tbl_data_groups[];
extern const size_t tbl_data_ngroups;

/* Raw argument names of one syscall; args[] is NULL past the last one. */
#define TBL_MAX_ARGS 6
struct tbl_args {
	const char *syscall;
	const char *args[TBL_MAX_ARGS];
};
/* Sorted by syscall name (strcmp order), unique. */
extern const struct tbl_args tbl_data_args[];
extern const size_t tbl_data_nargs;

/* How many low bits of each argument the kernel reads (syscall-widths.txt);
 * 0 past the listed ones means the full register. Sorted by name, unique.
 * One table for 64-bit ABIs, one for 32-bit ones. */
struct tbl_widths {
	const char *syscall;
	uint8_t bits[TBL_MAX_ARGS];
};
extern const struct tbl_widths tbl_data_widths64[];
extern const size_t tbl_data_nwidths64;
extern const struct tbl_widths tbl_data_widths32[];
extern const size_t tbl_data_nwidths32;

/* A named value; the generated file lets the C compiler compute it from the
 * build host's headers. */
struct tbl_constant {
	const char *name;
	uint64_t value;
};
/* Predefined constants, sorted by name (strcmp order), unique. */
extern const struct tbl_constant tbl_data_consts[];
extern const size_t tbl_data_nconsts;

/* errno names that glibc's strerrorname_np never returns because another
 * name owns the number (EWOULDBLOCK is EAGAIN's); sorted, unique. */
extern const struct tbl_constant tbl_data_errno_aliases[];
extern const size_t tbl_data_nerrno_aliases;

#endif /* CAPC_TABLES_DATA_H */
