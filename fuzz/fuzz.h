/* fuzz.h - shared by the fuzz targets and the replay driver.
 *
 * Every target defines LLVMFuzzerTestOneInput (libFuzzer's entry point);
 * fuzz/replay.c calls the same function for each file it is given, so
 * `make check` replays the corpus without libFuzzer.
 *
 * Targets abort() when an oracle fails (a blob capc wrote that the runtime
 * refuses, a dry run that changed the process, ...), so libFuzzer saves
 * the input as a crash and the replay reports it.
 */
#ifndef CAPC_FUZZ_H
#define CAPC_FUZZ_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "capr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Oracle failure: message on stderr, then abort(). */
void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* The directory included files may come from (tests/golden/features, so
 * that `include "include/common.cap"` works); set by fuzz_init_paths. */
extern char fuzz_include_dir[PATH_MAX + 2];
/* While set, fopen() is restricted to fuzz_include_dir (fuzz_common.c). */
extern bool fuzz_sandbox;
/* One more path fopen() may open in the sandbox (the YAML target's input). */
void fuzz_allow_path(const char *path);
void fuzz_init_paths(void);

/* A stream to /dev/null (opened once). */
FILE *fuzz_devnull(void);

/* capr_enter_policy(CAPR_DRY_RUN) of every point of pol; fails the
 * oracle if any of them changed the process (capabilities, bounding and
 * ambient sets, ids, groups, securebits, keep_caps, no_new_privs, seccomp). */
void fuzz_dry_run_all(capr_policy *pol);

/* 1 if seccomp(2) refuses the program (EINVAL), 0 if it loads it; tried
 * in a forked child. */
struct sock_filter;
int fuzz_kernel_refuses(const struct sock_filter *f, size_t n);

/* Every filter an accepted policy holds must load in the kernel: the
 * runtime promises to refuse at load time what seccomp(2) would refuse
 * (docs/capbin.md, Validation 9). And all of them together, stacked in
 * stage order as entering every point does, must fit the kernel's total
 * (MAX_INSNS_PER_PATH). */
void fuzz_check_filters(const capr_policy *pol);

/* What `capc [-t TARGET] FILE` and `capc -s NAME FILE` do for each
 * service or session of the unit (at most 4), without writing a file,
 * with the oracles: every blob capc writes passes the runtime's
 * validation (except a blob for another architecture only) and capc
 * --dump, the kernel loads its filters, dry runs change nothing. */
struct ast_unit;
void fuzz_compile_unit(const struct ast_unit *u, const char *const *target);

#endif /* CAPC_FUZZ_H */
