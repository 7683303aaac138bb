/* diag.c - source manager and compiler-style diagnostics. */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

static FILE *diag_out;
static bool werror;
static bool warnings_on = true;
static unsigned n_errors, n_warnings;

static struct src_file **files;
static size_t nfiles;

void diag_set_stream(FILE *out)
{
	diag_out = out;
}

void diag_set_warnings_are_errors(bool on)
{
	werror = on;
}

void diag_set_warnings_enabled(bool on)
{
	warnings_on = on;
}

unsigned diag_error_count(void)
{
	return n_errors;
}

unsigned diag_warning_count(void)
{
	return n_warnings;
}

static FILE *out(void)
{
	return diag_out ? diag_out : stderr;
}

static struct src_file *add_file(const char *name, char *text, size_t len, const struct loc *from)
{
	struct src_file *f = calloc(1, sizeof *f);
	struct src_file **nf = realloc(files, (nfiles + 1) * sizeof *files);
	if (!f || !nf) {
		free(f);
		free(text);
		if (nf)
			files = nf;
		diag_fatal_noloc("out of memory");
		return NULL;
	}
	files = nf;
	f->path = strdup(name);
	f->text = text;
	f->len = len;
	size_t lines = 1;
	for (size_t i = 0; i < len; i++)
		if (text[i] == '\n')
			lines++;
	f->line_start = malloc(lines * sizeof *f->line_start);
	if (from) {
		f->included_from = malloc(sizeof *f->included_from);
		if (f->included_from)
			*f->included_from = *from;
	}
	if (!f->path || !f->line_start || (from && !f->included_from)) {
		free(f->path);
		free(f->line_start);
		free(f->included_from);
		free(f);
		free(text);
		diag_fatal_noloc("out of memory");
		return NULL;
	}
	f->line_start[0] = 0;
	f->line_count = 1;
	for (size_t i = 0; i < len; i++)
		if (text[i] == '\n')
			f->line_start[f->line_count++] = i + 1;
	files[nfiles++] = f;
	return f;
}

struct src_file *diag_load_text(const char *name, const char *text, size_t len)
{
	char *copy = malloc(len + 1);
	if (!copy) {
		diag_fatal_noloc("out of memory");
		return NULL;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	return add_file(name, copy, len, NULL);
}

struct src_file *diag_load_file(const char *path, const struct loc *from)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!fp) {
		int e = errno;
		if (from)
			diag_error(from, "cannot open '%s': %s", path, strerror(e));
		else
			diag_fatal_noloc("cannot open '%s': %s", path, strerror(e));
		return NULL;
	}
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	while (buf) {
		if (len + 1 >= cap) {
			char *nb = cap > (64u << 20) ? NULL : realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		size_t n = fread(buf + len, 1, cap - len - 1, fp);
		len += n;
		if (n == 0)
			break;
	}
	int rerr = ferror(fp);
	if (fp != stdin)
		fclose(fp);
	if (!buf || rerr) {
		free(buf);
		if (from)
			diag_error(from, "cannot read '%s'%s", path, rerr ? "" : ": file too large");
		else
			diag_fatal_noloc("cannot read '%s'%s", path, rerr ? "" : ": file too large");
		return NULL;
	}
	if (memchr(buf, '\0', len)) {
		free(buf);
		if (from)
			diag_error(from, "'%s' is not a text file (contains NUL bytes)", path);
		else
			diag_fatal_noloc("'%s' is not a text file (contains NUL bytes)", path);
		return NULL;
	}
	buf[len] = '\0';
	return add_file(path, buf, len, from);
}

/* Print the source line and a caret under [col, col+len). Tabs in the
 * prefix are kept so the caret lines up in any tab width. */
static void show_line(const struct loc *at)
{
	const struct src_file *f = at->file;
	if (!f || at->line < 1 || (size_t)at->line > f->line_count)
		return;
	size_t start = f->line_start[at->line - 1];
	size_t end = start;
	while (end < f->len && f->text[end] != '\n' && f->text[end] != '\r')
		end++;
	FILE *o = out();
	fprintf(o, "    %.*s\n    ", (int)(end - start), f->text + start);
	int col = at->col < 1 ? 1 : at->col;
	for (int i = 1; i < col && start + (size_t)i - 1 < end; i++)
		fputc(f->text[start + i - 1] == '\t' ? '\t' : ' ', o);
	fputc('^', o);
	int len = at->len;
	/* Never underline past the end of the line. */
	if ((size_t)(col - 1 + len) > end - start)
		len = (int)(end - start) - (col - 1);
	for (int i = 1; i < len; i++)
		fputc('~', o);
	fputc('\n', o);
}

static void include_trail(const struct src_file *f)
{
	/* "In file included from a.cap:3:" lines, outermost last. */
	const struct loc *from = f ? f->included_from : NULL;
	while (from && from->file) {
		fprintf(out(), "In file included from %s:%d:\n", from->file->path, from->line);
		from = from->file->included_from;
	}
}

static void emit(const struct loc *at, const char *kind, const char *fmt, va_list ap)
{
	FILE *o = out();
	if (at && at->file) {
		include_trail(at->file);
		fprintf(o, "%s:%d:%d: %s: ", at->file->path, at->line, at->col, kind);
	} else {
		fprintf(o, "capc: %s: ", kind);
	}
	vfprintf(o, fmt, ap);
	fputc('\n', o);
	if (at && at->file)
		show_line(at);
}

/* A note belongs to the error or warning before it: with that warning
 * suppressed (-w), its notes are too. */
static bool notes_muted;

void diag_verror(const struct loc *at, const char *fmt, va_list ap)
{
	n_errors++;
	notes_muted = false;
	emit(at, "error", fmt, ap);
}

void diag_error(const struct loc *at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_verror(at, fmt, ap);
	va_end(ap);
}

void diag_warning(const struct loc *at, const char *fmt, ...)
{
	va_list ap;
	notes_muted = !warnings_on && !werror;
	if (notes_muted)
		return;
	va_start(ap, fmt);
	if (werror) {
		n_errors++;
		emit(at, "error", fmt, ap);
	} else {
		n_warnings++;
		emit(at, "warning", fmt, ap);
	}
	va_end(ap);
}

void diag_note(const struct loc *at, const char *fmt, ...)
{
	va_list ap;
	if (notes_muted)
		return;
	va_start(ap, fmt);
	emit(at, "note", fmt, ap);
	va_end(ap);
}

void diag_fatal_noloc(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	n_errors++;
	notes_muted = false;
	emit(NULL, "error", fmt, ap);
	va_end(ap);
}

/* Optimal string alignment distance (Damerau-Levenshtein with adjacent
 * transpositions), case-insensitive, '-' and '_' treated alike. */
static int fold(int c)
{
	c = tolower((unsigned char)c);
	return c == '-' ? '_' : c;
}

static size_t edit_distance(const char *a, const char *b, size_t limit)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return SIZE_MAX;
	if ((la > lb ? la - lb : lb - la) > limit)
		return SIZE_MAX;
	size_t d[65][65];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = fold(a[i - 1]) == fold(b[j - 1]) ? 0 : 1;
			size_t v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && fold(a[i - 1]) == fold(b[j - 2]) && fold(a[i - 2]) == fold(b[j - 1]) &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

const char *diag_suggest(const char *word, diag_candidate_fn next, void *ctx)
{
	if (!word || !*word)
		return NULL;
	/* Close enough to be a typo: up to a third of the word, at least 1,
	 * at most 3 edits. Ties go to the first candidate, so tables decide
	 * the order. */
	size_t len = strlen(word);
	size_t limit = len / 3;
	if (limit < 1)
		limit = 1;
	if (limit > 3)
		limit = 3;
	const char *best = NULL;
	size_t best_d = limit + 1;
	const char *c;
	for (size_t i = 0; (c = next(ctx, i)) != NULL; i++) {
		size_t d = edit_distance(word, c, limit);
		if (d < best_d && d > 0) {
			best = c;
			best_d = d;
		}
	}
	return best;
}

static const char *list_next(void *ctx, size_t i)
{
	/* diag_suggest stops at the first NULL, so list[i] is always valid. */
	const char *const *list = ctx;
	return list[i];
}

const char *diag_suggest_list(const char *word, const char *const *list)
{
	return diag_suggest(word, list_next, (void *)list);
}

void diag_shutdown(void)
{
	for (size_t i = 0; i < nfiles; i++) {
		free(files[i]->path);
		free(files[i]->text);
		free(files[i]->line_start);
		free(files[i]->included_from);
		free(files[i]);
	}
	free(files);
	files = NULL;
	nfiles = 0;
}
