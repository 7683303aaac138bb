/* diag.h - source files and diagnostics for capc.
 *
 * Diagnostics look like a C compiler's:
 *
 *   policies/web.cap:4:10: error: unknown capability 'net_bind_servce'; did you mean 'net_bind_service'?
 *       keep net_bind_servce
 *            ^~~~~~~~~~~~~~~
 *
 * Every error is reported and counted; the driver stops after the phase in
 * which errors occurred, so one run shows all of them.
 */
#ifndef CAPC_DIAG_H
#define CAPC_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct src_file {
	char *path;          /* as given (for messages) */
	char *text;          /* contents, NUL-terminated */
	size_t len;
	size_t *line_start;  /* byte offset of each line; line n (1-based) at line_start[n-1] */
	size_t line_count;
	struct loc *included_from; /* NULL for the main file */
};

/* A source range: 1-based line and column (columns count bytes), and the
 * length in bytes of the underlined text (at least 1 when printed). */
struct loc {
	const struct src_file *file;
	int line;
	int col;
	int len;
};

/* Loads a file into the source manager (kept until diag_shutdown).
 * `from` is the include statement's location, or NULL. Returns NULL and
 * reports an error (at `from` if given) when the file cannot be read. */
struct src_file *diag_load_file(const char *path, const struct loc *from);
/* Same for text already in memory (tests, fuzzing, stdin). */
struct src_file *diag_load_text(const char *name, const char *text, size_t len);

void diag_error(const struct loc *at, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void diag_warning(const struct loc *at, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void diag_note(const struct loc *at, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An error without a source location ("capc: error: ..."). */
void diag_fatal_noloc(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void diag_verror(const struct loc *at, const char *fmt, va_list ap);

unsigned diag_error_count(void);
unsigned diag_warning_count(void);

/* Options. */
void diag_set_stream(FILE *out);          /* default stderr */
void diag_set_warnings_are_errors(bool on); /* -Werror */
void diag_set_warnings_enabled(bool on);  /* -w turns them off */

/* "Did you mean": the candidate closest to `word` (case-insensitive
 * Damerau-Levenshtein), or NULL when none is close enough to help.
 * Candidates come from a callback so tables need not be copied:
 * next(ctx, i) returns candidate i or NULL after the last one. */
typedef const char *(*diag_candidate_fn)(void *ctx, size_t i);
const char *diag_suggest(const char *word, diag_candidate_fn next, void *ctx);
/* Convenience for a NULL-terminated array of strings. */
const char *diag_suggest_list(const char *word, const char *const *list);

/* Frees every source file. */
void diag_shutdown(void);

#endif /* CAPC_DIAG_H */
