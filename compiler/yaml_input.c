/* yaml_input.c - policies written as YAML or JSON (docs/yaml.md).
 *
 * libyaml loads one document at a time into a node graph; this file walks
 * it along the schema and builds the syntax tree with the parser's own
 * constructors (grammar/parser.y), so a YAML policy and the equivalent
 * .cap file give the same tree, hence the same blob. Conditions (`if:`)
 * are parsed by the .cap grammar itself (ast_parse_cond_text), at their
 * place in the YAML file.
 *
 * A document with Docker's top-level keys (defaultAction, syscalls, ...)
 * is a Docker/OCI seccomp profile. It is imported as
 *
 *   service NAME { no_new_privs  [arch ...]  seccomp { default ...  rules } }
 *
 * with the choices Docker makes at container start (includes/excludes)
 * made for Docker's default capability set and the target architecture.
 *
 * Hostile input: aliases are refused (so "billion laughs" documents cannot
 * blow up) and nesting is bounded before a document is loaded; the walk
 * visits every node at most once and follows the schema, so its depth is
 * fixed; duplicate keys are found by sorting; reporting stops after
 * MAX_ERRORS errors.
 */
#include <ctype.h>
#include <linux/capability.h>
#include <limits.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>

#include "ast.h"
#include "capbin.h"
#include "diag.h"
#include "include.h"
#include "parser.h"
#include "seccomp.h"
#include "tables.h"
#include "xalloc.h"
#include "yaml_input.h"

#define MAX_ERRORS 100       /* as for .cap files */
#define MAX_DOCKER_ARGS 64   /* comparisons in one Docker syscall entry */
#define MAX_NESTING 64       /* mappings and lists in each other (a policy needs 7) */
#define CKPT 4096            /* characters between offset checkpoints */

/* What a file and the YAML files it includes share. */
struct yshared {
	struct ast_decl *head, **tail;
	struct include_stack inc; /* as for .cap files */
	const char *const *target;
	unsigned errors;
	bool stop;
};

/* One YAML file, and the document of it being walked. */
struct yfile {
	struct yshared *sh;
	struct src_file *file;
	size_t base;     /* bytes before what libyaml reads (a UTF-8 byte order mark) */
	bool ascii;      /* then libyaml's character index is a byte offset */
	size_t *ckpt;    /* else: byte offset of every CKPT-th character */
	size_t nckpt;
	yaml_document_t *doc;
	unsigned char *seen; /* per node: already walked */
};

/* ---------------------------------------------------------------- locations */

static void offsets_init(struct yfile *y)
{
	const unsigned char *t = (const unsigned char *)y->file->text;
	size_t n = y->file->len, chars = 0;

	y->ascii = true;
	for (size_t i = y->base; i < n; i++) {
		if (t[i] >= 0x80) {
			y->ascii = false;
			break;
		}
	}
	if (y->ascii)
		return;
	/* libyaml counts characters; diagnostics count bytes. */
	y->ckpt = xcalloc(n / CKPT + 2, sizeof *y->ckpt);
	for (size_t i = y->base; i < n; i++) {
		if ((t[i] & 0xc0) == 0x80)
			continue;
		if (chars % CKPT == 0)
			y->ckpt[y->nckpt++] = i;
		chars++;
	}
	if (y->nckpt == 0)
		y->ckpt[y->nckpt++] = y->base;
}

/* The byte offset of libyaml's character index. */
static size_t mark_offset(const struct yfile *y, size_t index)
{
	const unsigned char *t = (const unsigned char *)y->file->text;
	size_t len = y->file->len;

	if (y->ascii)
		return index > len - y->base ? len : y->base + index;
	size_t k = index / CKPT;
	if (k >= y->nckpt)
		k = y->nckpt - 1;
	size_t off = y->ckpt[k];
	for (size_t c = k * CKPT; c < index && off < len; c++) {
		off++;
		while (off < len && (t[off] & 0xc0) == 0x80)
			off++;
	}
	return off;
}

static struct loc loc_at(const struct yfile *y, size_t off, size_t len)
{
	const struct src_file *f = y->file;
	size_t lo = 0, hi = f->line_count;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->line_start[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	if (len > 4096)
		len = 4096;
	return (struct loc){ .file = f, .line = (int)lo + 1, .col = (int)(off - f->line_start[lo]) + 1,
			     .len = len ? (int)len : 1 };
}

static struct loc mark_loc(const struct yfile *y, const yaml_mark_t *m)
{
	return loc_at(y, mark_offset(y, m->index), 1);
}

/* A scalar is underlined up to its end or the end of its first line. */
static struct loc node_loc(const struct yfile *y, const yaml_node_t *n)
{
	size_t a = mark_offset(y, n->start_mark.index);
	if (n->type != YAML_SCALAR_NODE)
		return loc_at(y, a, 1);
	size_t b = mark_offset(y, n->end_mark.index);
	const char *nl = a < y->file->len ? memchr(y->file->text + a, '\n', y->file->len - a) : NULL;
	size_t eol = nl ? (size_t)(nl - y->file->text) : y->file->len;
	if (b > eol)
		b = eol;
	return loc_at(y, a, b > a ? b - a : 1);
}

/* ---------------------------------------------------------------- diagnostics */

static void yerror(struct yfile *y, const struct loc *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void ynote(struct yfile *y, const struct loc *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void ywarn(struct yfile *y, const struct loc *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void yerror(struct yfile *y, const struct loc *at, const char *fmt, ...)
{
	va_list ap;

	if (y->sh->stop)
		return;
	va_start(ap, fmt);
	diag_verror(at, fmt, ap);
	va_end(ap);
	if (++y->sh->errors >= MAX_ERRORS) {
		diag_note(NULL, "too many errors (%d); stopping", MAX_ERRORS);
		y->sh->stop = true;
	}
}

static void ynote(struct yfile *y, const struct loc *at, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (y->sh->stop)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	diag_note(at, "%s", buf);
}

static void ywarn(struct yfile *y, const struct loc *at, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (y->sh->stop)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	diag_warning(at, "%s", buf);
}

/* Text from the input, fit for a message: at most 40 bytes, control
 * characters escaped. */
static const char *show(const char *s, size_t len, char *buf, size_t size)
{
	size_t n = 0;
	for (size_t i = 0; i < len && n + 8 < size; i++) {
		unsigned char c = (unsigned char)s[i];
		if (i == 40) {
			n += (size_t)snprintf(buf + n, size - n, "...");
			break;
		}
		if (c < 0x20 || c == 0x7f)
			n += (size_t)snprintf(buf + n, size - n, "\\x%02x", c);
		else
			buf[n++] = (char)c;
	}
	buf[n] = '\0';
	return buf;
}

/* "a capability name" -> "capability name" */
static const char *bare(const char *what)
{
	if (!strncmp(what, "an ", 3))
		return what + 3;
	return !strncmp(what, "a ", 2) ? what + 2 : what;
}

/* ---------------------------------------------------------------- nodes */

static const char *sval(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static size_t slen(const yaml_node_t *n)
{
	return n->data.scalar.length;
}

static bool is_null(const yaml_node_t *n)
{
	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	const char *v = sval(n);
	return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") || !strcmp(v, "NULL");
}

/* "a mapping", "a list", "nothing", "'text'". */
static const char *describe(const yaml_node_t *n, char *buf, size_t size)
{
	char tmp[200];
	if (n->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (n->type == YAML_SEQUENCE_NODE)
		return "a list";
	if (is_null(n))
		return "nothing";
	snprintf(buf, size, "'%s'", show(sval(n), slen(n), tmp, sizeof tmp));
	return buf;
}

/* Each node is walked once; meeting one again would mean an alias (the
 * first pass refuses them: this is a second line of defence). */
static yaml_node_t *get(struct yfile *y, int id)
{
	yaml_node_t *n = yaml_document_get_node(y->doc, id);
	if (!n)
		return NULL;
	size_t i = (size_t)(n - y->doc->nodes.start);
	if (y->seen[i]) {
		struct loc at = node_loc(y, n);
		yerror(y, &at, "this value is used a second time through an alias; YAML aliases (*name) are not supported");
		return NULL;
	}
	y->seen[i] = 1;
	return n;
}

/* A scalar's text as a C string, or NULL after an error. */
static const char *scalar_text(struct yfile *y, const yaml_node_t *n, const char *what)
{
	char buf[200];
	if (n->type != YAML_SCALAR_NODE || is_null(n)) {
		struct loc at = node_loc(y, n);
		yerror(y, &at, "expected %s, found %s", what, describe(n, buf, sizeof buf));
		return NULL;
	}
	if (strlen(sval(n)) != slen(n)) {
		struct loc at = node_loc(y, n);
		yerror(y, &at, "NUL byte in a string");
		return NULL;
	}
	return sval(n);
}

static const char *key_text(struct yfile *y, const yaml_node_t *k)
{
	return scalar_text(y, k, "a key (a string)");
}

static bool expect_mapping(struct yfile *y, const yaml_node_t *n, const char *what)
{
	char buf[200];
	if (n->type == YAML_MAPPING_NODE)
		return true;
	struct loc at = node_loc(y, n);
	yerror(y, &at, "expected %s, found %s", what, describe(n, buf, sizeof buf));
	return false;
}

static bool expect_sequence(struct yfile *y, const yaml_node_t *n, const char *what)
{
	char buf[200];
	if (n->type == YAML_SEQUENCE_NODE)
		return true;
	struct loc at = node_loc(y, n);
	yerror(y, &at, "expected %s, found %s", what, describe(n, buf, sizeof buf));
	return false;
}

struct key_ref {
	const char *s;
	size_t len;
	size_t idx;
};

static int key_cmp(const void *a, const void *b)
{
	const struct key_ref *x = a, *z = b;
	if (x->len != z->len)
		return x->len < z->len ? -1 : 1;
	int c = memcmp(x->s, z->s, x->len);
	if (c)
		return c;
	return x->idx < z->idx ? -1 : x->idx > z->idx;
}

/* Reports repeated keys of a mapping; returns which pairs to skip (the
 * repetitions), or NULL when there are none. */
static bool *dup_keys(struct yfile *y, const yaml_node_t *map)
{
	const yaml_node_pair_t *p0 = map->data.mapping.pairs.start;
	size_t n = (size_t)(map->data.mapping.pairs.top - p0), m = 0;
	bool *dup = NULL;

	if (n < 2)
		return NULL;
	struct key_ref *v = xcalloc(n, sizeof *v);
	for (size_t i = 0; i < n; i++) {
		const yaml_node_t *k = yaml_document_get_node(y->doc, p0[i].key);
		if (k && k->type == YAML_SCALAR_NODE)
			v[m++] = (struct key_ref){ sval(k), slen(k), i };
	}
	qsort(v, m, sizeof *v, key_cmp);
	for (size_t i = 1; i < m; i++) {
		if (v[i].len != v[i - 1].len || memcmp(v[i].s, v[i - 1].s, v[i].len) != 0)
			continue;
		size_t first = i - 1;
		while (first > 0 && v[first - 1].len == v[i].len && !memcmp(v[first - 1].s, v[i].s, v[i].len))
			first--;
		if (!dup)
			dup = xcalloc(n, sizeof *dup);
		dup[v[i].idx] = true;
		char buf[200];
		struct loc at = node_loc(y, yaml_document_get_node(y->doc, p0[v[i].idx].key));
		struct loc prev = node_loc(y, yaml_document_get_node(y->doc, p0[v[first].idx].key));
		yerror(y, &at, "duplicate key '%s'", show(v[i].s, v[i].len, buf, sizeof buf));
		ynote(y, &prev, "first given here");
	}
	free(v);
	return dup;
}

/* Iterating over a mapping: for (MAP_EACH(...)) skips repeated keys and
 * fetches key and value (each once). */
struct map_iter {
	const yaml_node_pair_t *p, *end, *start;
	bool *dup;
	yaml_node_t *k, *v;
	const char *key;
	struct loc kl;
};

static void map_begin(struct yfile *y, const yaml_node_t *map, struct map_iter *it)
{
	it->start = it->p = map->data.mapping.pairs.start;
	it->end = map->data.mapping.pairs.top;
	it->dup = dup_keys(y, map);
	it->p--;
}

static bool map_next(struct yfile *y, struct map_iter *it)
{
	while (++it->p < it->end && !y->sh->stop) {
		if (it->dup && it->dup[it->p - it->start])
			continue;
		it->k = get(y, it->p->key);
		it->v = get(y, it->p->value);
		if (!it->k || !it->v)
			continue;
		it->key = key_text(y, it->k);
		if (!it->key)
			continue;
		it->kl = node_loc(y, it->k);
		return true;
	}
	free(it->dup);
	it->dup = NULL;
	return false;
}

static void unknown_key(struct yfile *y, const struct map_iter *it, const char *where, const char *const *keys)
{
	char buf[200];
	const char *s = diag_suggest_list(it->key, keys);
	show(it->key, strlen(it->key), buf, sizeof buf);
	if (s)
		yerror(y, &it->kl, "unknown key '%s' in %s; did you mean '%s'?", buf, where, s);
	else
		yerror(y, &it->kl, "unknown key '%s' in %s", buf, where);
}

/* Where a scalar's text is in the file. True when scanning those bytes
 * gives the same words as scanning the value: plain and block scalars
 * (only white space differs), quoted ones without escape sequences. */
static bool scalar_slice(const struct yfile *y, const yaml_node_t *n, size_t *off, size_t *len)
{
	const char *t = y->file->text;
	size_t a = mark_offset(y, n->start_mark.index), b = mark_offset(y, n->end_mark.index);

	switch (n->data.scalar.style) {
	case YAML_SINGLE_QUOTED_SCALAR_STYLE:
	case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
		if (b < a + 2)
			return false;
		a++;
		b--;
		break;
	case YAML_LITERAL_SCALAR_STYLE:
	case YAML_FOLDED_SCALAR_STYLE: {
		/* The header line (| or > with indicators and a comment). */
		const char *nl = b > a ? memchr(t + a, '\n', b - a) : NULL;
		a = nl ? (size_t)(nl - t) + 1 : b;
		break;
	}
	default:
		break;
	}
	if (b < a)
		return false;
	*off = a;
	*len = b - a;

	/* Same words in the same order? */
	const char *s = t + a, *se = t + b, *v = sval(n), *ve = v + slen(n);
	for (;;) {
		while (s < se && isspace((unsigned char)*s))
			s++;
		while (v < ve && isspace((unsigned char)*v))
			v++;
		if (s == se || v == ve)
			return s == se && v == ve;
		while (s < se && v < ve && !isspace((unsigned char)*s) && *s == *v) {
			s++;
			v++;
		}
		bool s_end = s == se || isspace((unsigned char)*s);
		bool v_end = v == ve || isspace((unsigned char)*v);
		if (!s_end || !v_end)
			return false;
	}
}

/* True (and the offset) when the value is byte for byte on one line of
 * the file, so that a position in the value is a column. */
static bool scalar_exact(const struct yfile *y, const yaml_node_t *n, size_t *off)
{
	size_t len;
	if (!scalar_slice(y, n, off, &len))
		return false;
	return len == slen(n) && !memchr(sval(n), '\n', len) && !memcmp(y->file->text + *off, sval(n), len);
}

/* ---------------------------------------------------------------- names and numbers */

static const char *const keywords[] = {
	"service", "session", "define", "include", "after", "point", "on", "keep", "drop", "bound", "ambient",
	"inherit", "user", "group", "groups", "no_new_privs", "lock", "securebits", "seccomp", "arch",
	"default", "allow", "deny", "errno", "kill", "trap", "log", "process", "thread", "in", "not", NULL,
};

/* A piece of a list: one name, with its own location when known. */
struct piece {
	const char *text;
	size_t len;
	struct loc loc;
};

struct pieces {
	struct piece *v;
	size_t n;
};

static void pieces_push(struct pieces *p, const char *text, size_t len, const struct loc *at)
{
	if ((p->n & (p->n - 1)) == 0) {
		struct piece *nv = reallocarray(p->v, p->n ? 2 * p->n : 1, sizeof *nv);
		if (!nv)
			xalloc_die();
		p->v = nv;
	}
	p->v[p->n++] = (struct piece){ text, len, *at };
}

/* A list written as a YAML list of strings, or as one string "a, b, c"
 * (split at commas when `split`). `what` names one item ("a capability
 * name"). Returns false after reporting a malformed list; the pieces found
 * are in *out either way (the caller frees out->v). */
static bool list_items(struct yfile *y, yaml_node_t *n, const char *what, bool split, struct pieces *out)
{
	char buf[200];

	if (n->type == YAML_SCALAR_NODE && !is_null(n)) {
		const char *v = scalar_text(y, n, what);
		size_t vlen = slen(n), off = 0, i = 0;
		bool ok = true;
		if (!v)
			return false;
		bool exact = scalar_exact(y, n, &off);
		struct loc whole = node_loc(y, n);
		if (!split) {
			pieces_push(out, v, vlen, &whole);
			return true;
		}
		for (;;) {
			size_t j = i;
			while (j < vlen && v[j] != ',')
				j++;
			size_t a = i, b = j;
			while (a < b && isspace((unsigned char)v[a]))
				a++;
			while (b > a && isspace((unsigned char)v[b - 1]))
				b--;
			struct loc at = exact ? loc_at(y, off + a, b - a) : whole;
			if (a == b) {
				yerror(y, &at, "expected %s %s", what, j < vlen ? "before ','" : "after ','");
				ok = false;
			} else {
				pieces_push(out, v + a, b - a, &at);
			}
			if (j == vlen)
				break;
			i = j + 1;
		}
		return ok;
	}
	if (n->type != YAML_SEQUENCE_NODE) {
		struct loc at = node_loc(y, n);
		yerror(y, &at, "expected %s or a list of them, found %s", what, describe(n, buf, sizeof buf));
		return false;
	}
	bool ok = true;
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		yaml_node_t *item = get(y, *it);
		if (!item) {
			ok = false;
			continue;
		}
		const char *v = scalar_text(y, item, what);
		if (!v) {
			ok = false;
			continue;
		}
		struct loc at = node_loc(y, item);
		pieces_push(out, v, slen(item), &at);
	}
	if (n->data.sequence.items.start == n->data.sequence.items.top) {
		struct loc at = node_loc(y, n);
		yerror(y, &at, "expected at least one %s", bare(what));
		return false;
	}
	return ok;
}

/* The .cap scanner's IDENT: [A-Za-z_][A-Za-z0-9_]*([-.][A-Za-z0-9_]+)*,
 * so that www-data and john.doe are names in YAML as in .cap. */
static bool is_ident(const char *s, size_t len)
{
	if (len == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < len; i++) {
		if (isalnum((unsigned char)s[i]) || s[i] == '_')
			continue;
		if ((s[i] == '-' || s[i] == '.') && i + 1 < len &&
		    (isalnum((unsigned char)s[i + 1]) || s[i + 1] == '_'))
			continue;
		return false;
	}
	return true;
}

static bool is_keyword(const char *s, size_t len)
{
	for (const char *const *k = keywords; *k; k++)
		if (strlen(*k) == len && !memcmp(*k, s, len))
			return true;
	return false;
}

/* One name, checked as the .cap scanner checks it: `kill` and `seccomp`
 * are names, other keywords are not. `what` is "a capability name". */
static bool make_name(struct yfile *y, const struct piece *p, const char *what, bool groups, struct ast_name *out)
{
	char buf[200];
	const char *s = p->text;
	size_t len = p->len;

	show(s, len, buf, sizeof buf);
	if (len > 0 && s[0] == '@') {
		bool lower = len > 1, word = len > 1;
		for (size_t i = 1; i < len; i++) {
			unsigned char c = (unsigned char)s[i];
			if (!(islower(c) || isdigit(c) || (c == '-' && i > 1)))
				lower = false;
			if (!(isalnum(c) || c == '_' || c == '-'))
				word = false;
		}
		if (!groups) {
			yerror(y, &p->loc, "expected %s, not the syscall group '%s'", what, buf);
			return false;
		}
		if (!lower) {
			if (word)
				yerror(y, &p->loc, "invalid group name '%s' (groups are written in lowercase letters, digits and '-')", buf);
			else
				yerror(y, &p->loc, "invalid group name '%s'", buf);
			return false;
		}
		*out = parse_name(xstrndup(s + 1, len - 1), true, &p->loc);
		return true;
	}
	/* '-' and '.' belong in user and group names only (www-data): no
	 * capability or syscall has them, so say so where it is written */
	bool id = strstr(what, "name or number") != NULL;
	if (!is_ident(s, len) || (!id && (memchr(s, '-', len) || memchr(s, '.', len)))) {
		if (len > 0 && (s[0] == '"' || s[0] == '\''))
			yerror(y, &p->loc, "invalid %s '%s' (quotes inside a value are part of it: quote the whole "
			       "value, or write a list)", bare(what), buf);
		else
			yerror(y, &p->loc, id ? "invalid %s '%s' (names are letters, digits and '_', with '-' or '.' between them, not starting with a digit)"
					      : "invalid %s '%s' (names are letters, digits and '_', not starting with a digit)",
			       bare(what), buf);
		return false;
	}
	if (is_keyword(s, len) && strcmp(buf, "kill") != 0 && strcmp(buf, "seccomp") != 0) {
		yerror(y, &p->loc, "'%s' is a keyword of the policy language, not %s", buf, what);
		return false;
	}
	*out = parse_name(xstrndup(s, len), false, &p->loc);
	return true;
}

/* The .cap scanner's numbers: decimal, 0x hex, 0o or C-style leading-zero
 * octal. 0: ok; -1: malformed; -2: more than 64 bits. */
static int parse_number(const char *t, size_t len, uint64_t *out)
{
	unsigned base = 10;
	size_t i = 0;
	uint64_t v = 0;

	if (len == 0 || !isdigit((unsigned char)t[0]))
		return -1;
	if (len > 1 && t[0] == '0') {
		if (t[1] == 'x' || t[1] == 'X') {
			base = 16;
			i = 2;
		} else if (t[1] == 'o' || t[1] == 'O') {
			base = 8;
			i = 2;
		} else {
			base = 8;
			i = 1;
		}
		if (i == len)
			return -1;
	}
	for (; i < len; i++) {
		int c = (unsigned char)t[i];
		unsigned d;
		if (isdigit(c))
			d = (unsigned)(c - '0');
		else if (isxdigit(c))
			d = (unsigned)(tolower(c) - 'a' + 10);
		else
			return -1;
		if (d >= base)
			return -1;
		if (v > (UINT64_MAX - d) / base)
			return -2;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

static bool number_piece(struct yfile *y, const struct piece *p, uint64_t *out)
{
	char buf[200];
	int rc = parse_number(p->text, p->len, out);
	if (rc == -2)
		yerror(y, &p->loc, "number too large: '%s' does not fit in 64 bits", show(p->text, p->len, buf, sizeof buf));
	else if (rc < 0)
		yerror(y, &p->loc, "invalid number '%s'", show(p->text, p->len, buf, sizeof buf));
	return rc == 0;
}

/* A user or group: a number, or a name. */
static bool make_id(struct yfile *y, const struct piece *p, const char *what, struct ast_id *out)
{
	if (p->len > 0 && isdigit((unsigned char)p->text[0])) {
		uint64_t v;
		if (!number_piece(y, p, &v))
			return false;
		*out = parse_id_num(v, &p->loc);
		return true;
	}
	struct ast_name name;
	if (!make_name(y, p, what, false, &name))
		return false;
	*out = parse_id_name(name);
	return true;
}

static bool names_from(struct yfile *y, yaml_node_t *n, const char *what, bool groups, struct ast_names *out)
{
	struct pieces ps = { 0 };
	bool ok = list_items(y, n, what, true, &ps);
	for (size_t i = 0; i < ps.n; i++) {
		struct ast_name name;
		if (make_name(y, &ps.v[i], what, groups, &name))
			parse_names_push(out, name);
		else
			ok = false;
	}
	free(ps.v);
	return ok;
}

/* A single value (one name, one number): not a list. */
static bool single_piece(struct yfile *y, yaml_node_t *n, const char *what, struct piece *out)
{
	size_t off;
	const char *v = scalar_text(y, n, what);
	if (!v)
		return false;
	out->text = v;
	out->len = slen(n);
	out->loc = node_loc(y, n);
	if (scalar_exact(y, n, &off))
		out->loc = loc_at(y, off, out->len);
	return true;
}

/* An errno: a name (EACCES) or a number. */
static struct ast_value *errno_value(struct yfile *y, const struct piece *p)
{
	struct ast_value *v;
	if (p->len > 0 && isdigit((unsigned char)p->text[0])) {
		uint64_t num;
		if (!number_piece(y, p, &num))
			return NULL;
		v = parse_value(AV_NUM, &p->loc, NULL, NULL);
		v->num = num;
		return v;
	}
	struct ast_name name;
	if (!make_name(y, p, "an errno name", false, &name))
		return NULL;
	v = parse_value(AV_IDENT, &p->loc, NULL, NULL);
	v->ident = name.text;
	return v;
}

/* ---------------------------------------------------------------- conditions */

/* An expect line, "socket(AF_INET6) allow", parsed by the .cap grammar. */
static struct ast_sc_stmt *expect_from(struct yfile *y, yaml_node_t *n)
{
	size_t off, len;
	const char *v = scalar_text(y, n, "an expectation (a string such as \"socket(AF_INET6) allow\")");
	if (!v)
		return NULL;
	struct loc at = node_loc(y, n);
	if (!scalar_slice(y, n, &off, &len)) {
		yerror(y, &at, "write the expectation without escape sequences");
		return NULL;
	}
	at = loc_at(y, off, 1);
	return ast_parse_expect_text(y->file, y->file->text + off, len, at.line, at.col);
}

static struct ast_cond *cond_from(struct yfile *y, yaml_node_t *n)
{
	size_t off, len;
	const char *v = scalar_text(y, n, "a condition (a string such as \"domain == AF_INET\")");
	if (!v)
		return NULL;
	struct loc at = node_loc(y, n);
	if (!scalar_slice(y, n, &off, &len)) {
		yerror(y, &at, "write the condition without escape sequences");
		return NULL;
	}
	/* A '#' comment ends at the end of its line in the file but would run
	 * to the end of a folded value: only literal blocks keep the lines. */
	if (strchr(v, '#') && memchr(y->file->text + off, '\n', len) &&
	    n->data.scalar.style != YAML_LITERAL_SCALAR_STYLE) {
		yerror(y, &at, "a '#' comment in a condition over several lines needs a literal block ('if: |')");
		return NULL;
	}
	at = loc_at(y, off, 1);
	return ast_parse_cond_text(y->file, y->file->text + off, len, at.line, at.col);
}

/* ---------------------------------------------------------------- seccomp */

static const char *const seccomp_keys[] = { "default", "rules", "expect", NULL };
static const char *const rule_keys[] = { "allow", "deny", "kill", "kill process", "kill thread", "trap", "log",
					 "errno", "if", NULL };
static const char *const action_words[] = { "allow", "deny", "errno", "kill", "trap", "log", NULL };

struct word {
	const char *s;
	size_t len;
	struct loc loc;
};

static bool word_is(const struct word *w, const char *s)
{
	return w->len == strlen(s) && !memcmp(w->s, s, w->len);
}

/* `default:` takes an action as in .cap: allow, deny [[errno] E],
 * errno E, kill [process|thread], trap or log. */
static bool default_action(struct yfile *y, yaml_node_t *n, struct ast_action *out)
{
	struct word w[4];
	size_t nw = 0, off, i = 0;
	char buf[200];
	const char *v = scalar_text(y, n, "an action (allow, deny, errno E, kill, trap or log)");
	if (!v)
		return false;
	size_t len = slen(n);
	bool exact = scalar_exact(y, n, &off);
	struct loc whole = node_loc(y, n);
	while (i < len) {
		while (i < len && isspace((unsigned char)v[i]))
			i++;
		size_t a = i;
		while (i < len && !isspace((unsigned char)v[i]))
			i++;
		if (a == i)
			break;
		struct loc at = exact ? loc_at(y, off + a, i - a) : whole;
		if (nw == 4) {
			yerror(y, &at, "unexpected '%s' after the action", show(v + a, i - a, buf, sizeof buf));
			return false;
		}
		w[nw++] = (struct word){ v + a, i - a, at };
	}
	if (nw == 0) {
		yerror(y, &whole, "expected an action (allow, deny, errno E, kill, trap or log)");
		return false;
	}
	size_t used = 1;
	struct ast_value *e = NULL;
	enum ast_action_kind kind;
	if (word_is(&w[0], "allow") || word_is(&w[0], "trap") || word_is(&w[0], "log")) {
		kind = word_is(&w[0], "allow") ? AA_ALLOW : word_is(&w[0], "trap") ? AA_TRAP : AA_LOG;
	} else if (word_is(&w[0], "kill")) {
		kind = AA_KILL_PROCESS;
		if (nw > 1 && (word_is(&w[1], "process") || word_is(&w[1], "thread"))) {
			kind = word_is(&w[1], "thread") ? AA_KILL_THREAD : AA_KILL_PROCESS;
			used = 2;
		}
	} else if (word_is(&w[0], "deny") || word_is(&w[0], "errno")) {
		kind = AA_ERRNO;
		bool need = word_is(&w[0], "errno");
		if (nw > 1 && word_is(&w[1], "errno") && !need) {
			need = true;
			used = 2;
		}
		if (nw > used) {
			struct piece p = { w[used].s, w[used].len, w[used].loc };
			e = errno_value(y, &p);
			if (!e)
				return false;
			used++;
		} else if (need) {
			const struct loc *at = &w[used - 1].loc;
			yerror(y, at, "expected an errno name or number after '%s'", show(w[used - 1].s, w[used - 1].len, buf, sizeof buf));
			return false;
		}
	} else {
		char word[64];
		show(w[0].s, w[0].len, word, sizeof word);
		const char *s = diag_suggest_list(word, action_words);
		if (s)
			yerror(y, &w[0].loc, "unknown action '%s'; did you mean '%s'?", word, s);
		else
			yerror(y, &w[0].loc, "unknown action '%s' (allow, deny, errno E, kill, trap or log)", word);
		return false;
	}
	if (nw > used) {
		yerror(y, &w[used].loc, "unexpected '%s' after the action", show(w[used].s, w[used].len, buf, sizeof buf));
		parse_free_value(e);
		return false;
	}
	*out = parse_action(kind, &w[0].loc, e);
	return true;
}

static struct ast_sc_stmt *seccomp_rule(struct yfile *y, yaml_node_t *n)
{
	static const struct {
		const char *key;
		enum ast_action_kind kind;
	} acts[] = {
		{ "allow", AA_ALLOW }, { "deny", AA_ERRNO }, { "kill", AA_KILL_PROCESS },
		{ "kill process", AA_KILL_PROCESS }, { "kill thread", AA_KILL_THREAD }, { "trap", AA_TRAP },
		{ "log", AA_LOG },
	};
	struct map_iter it;
	yaml_node_t *targets = NULL, *errno_node = NULL, *if_node = NULL;
	struct loc act_loc = { 0 }, errno_loc = { 0 }, if_loc = { 0 };
	const char *act_key = NULL;
	enum ast_action_kind kind = AA_ALLOW;
	bool ok = true;

	if (!expect_mapping(y, n, "a rule (allow: NAMES, deny: NAMES, ...)"))
		return NULL;
	map_begin(y, n, &it);
	while (map_next(y, &it)) {
		size_t a;
		for (a = 0; a < sizeof acts / sizeof acts[0]; a++)
			if (!strcmp(it.key, acts[a].key))
				break;
		if (a < sizeof acts / sizeof acts[0]) {
			if (act_key) {
				yerror(y, &it.kl, "a rule has one action; this one already has '%s'", act_key);
				ynote(y, &act_loc, "'%s' is here", act_key);
				ok = false;
				continue;
			}
			act_key = acts[a].key;
			kind = acts[a].kind;
			act_loc = it.kl;
			targets = it.v;
		} else if (!strcmp(it.key, "errno")) {
			errno_node = it.v;
			errno_loc = it.kl;
		} else if (!strcmp(it.key, "if")) {
			if_node = it.v;
			if_loc = it.kl;
		} else {
			unknown_key(y, &it, "a seccomp rule", rule_keys);
			ok = false;
		}
	}
	if (!act_key) {
		struct loc at = node_loc(y, n);
		if (ok)
			yerror(y, &at, "a rule needs an action: allow, deny, kill, kill process, kill thread, trap or log");
		return NULL;
	}
	struct ast_value *e = NULL;
	if (errno_node) {
		struct piece p;
		if (kind != AA_ERRNO) {
			yerror(y, &errno_loc, "'errno' goes with 'deny', not with '%s'", act_key);
			ok = false;
		} else if (!single_piece(y, errno_node, "an errno name or number", &p) || !(e = errno_value(y, &p))) {
			ok = false;
		}
	}
	struct pieces ps = { 0 };
	struct ptargets t = { 0 };
	if (!list_items(y, targets, "a syscall name or @group", true, &ps))
		ok = false;
	for (size_t i = 0; i < ps.n; i++) {
		struct ast_name name;
		if (make_name(y, &ps.v[i], "a syscall name or @group", true, &name))
			parse_targets_push(&t, (struct ast_target){ name, NULL });
		else
			ok = false;
	}
	free(ps.v);
	if (if_node) {
		if (ok && t.n != 1) {
			yerror(y, &if_loc, "'if' needs a rule with exactly one syscall (this one has %zu)", t.n);
			ok = false;
		} else if (ok) {
			t.v[0].cond = cond_from(y, if_node);
			if (!t.v[0].cond)
				ok = false;
		}
	}
	if (!ok) {
		parse_free_targets(&t);
		parse_free_value(e);
		return NULL;
	}
	return parse_sc(SC_RULE, &act_loc, parse_action(kind, &act_loc, e), t);
}

static struct ast_stmt *seccomp_stmt(struct yfile *y, const struct loc *kl, yaml_node_t *n)
{
	struct pscs list = { 0 };
	struct map_iter it;

	if (!is_null(n)) {
		if (!expect_mapping(y, n, "a mapping with 'default:' and 'rules:'"))
			return NULL;
		map_begin(y, n, &it);
		while (map_next(y, &it)) {
			if (!strcmp(it.key, "default")) {
				struct ast_action a;
				if (default_action(y, it.v, &a))
					parse_scs_push(&list, parse_sc(SC_DEFAULT, &it.kl, a, (struct ptargets){ 0 }));
			} else if (!strcmp(it.key, "expect")) {
				/* one string, or a list of them */
				if (it.v->type == YAML_SCALAR_NODE) {
					struct ast_sc_stmt *s = expect_from(y, it.v);
					if (s)
						parse_scs_push(&list, s);
					continue;
				}
				if (!expect_sequence(y, it.v, "an expectation or a list of them"))
					continue;
				for (yaml_node_item_t *i = it.v->data.sequence.items.start;
				     i < it.v->data.sequence.items.top && !y->sh->stop; i++) {
					yaml_node_t *e = get(y, *i);
					struct ast_sc_stmt *s = e ? expect_from(y, e) : NULL;
					if (s)
						parse_scs_push(&list, s);
				}
			} else if (!strcmp(it.key, "rules")) {
				if (is_null(it.v) || !expect_sequence(y, it.v, "a list of rules"))
					continue;
				for (yaml_node_item_t *i = it.v->data.sequence.items.start;
				     i < it.v->data.sequence.items.top && !y->sh->stop; i++) {
					yaml_node_t *r = get(y, *i);
					struct ast_sc_stmt *s = r ? seccomp_rule(y, r) : NULL;
					if (s)
						parse_scs_push(&list, s);
				}
			} else {
				unknown_key(y, &it, "'seccomp'", seccomp_keys);
			}
		}
	}
	struct ast_stmt *s = parse_stmt(AS_SECCOMP, kl);
	s->seccomp = list.head;
	return s;
}

/* ---------------------------------------------------------------- statements */

enum where {
	W_SERVICE, /* service level */
	W_AFTER,   /* an after block */
	W_RULE,    /* a session rule */
};

static const char *const stage_keys[] = { "keep", "drop", "bound", "ambient", "inherit", "user", "group", "groups",
					  "no_new_privs", "lock", "securebits", "seccomp", NULL };
static const char *const service_keys[] = { "service", "include", "define", "keep", "drop", "bound", "ambient",
					    "inherit", "user", "group", "groups", "no_new_privs", "lock",
					    "securebits", "seccomp", "arch", "points", "after", NULL };
static const char *const session_keys[] = { "session", "include", "define", "rules", NULL };
static const char *const any_keys[] = { "service", "session", "include", "define", "rules", "keep", "drop", "bound",
					"ambient", "inherit", "user", "group", "groups", "no_new_privs", "lock",
					"securebits", "seccomp", "arch", "points", "after", NULL };

static bool in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

static struct ast_stmt *stage_body(struct yfile *y, yaml_node_t *n, enum where w, const char *where);

static void point_stmts(struct yfile *y, yaml_node_t *n, struct pstmts *list)
{
	struct map_iter it;
	if (!expect_mapping(y, n, "a mapping of point names to triggers (listen: listen)"))
		return;
	map_begin(y, n, &it);
	while (map_next(y, &it)) {
		struct piece p = { it.key, strlen(it.key), it.kl }, q;
		struct ast_name point, trigger;
		if (!make_name(y, &p, "a point name", false, &point))
			continue;
		if (!single_piece(y, it.v, "a trigger name", &q) || !make_name(y, &q, "a trigger name", false, &trigger)) {
			parse_free_name(&point);
			continue;
		}
		struct ast_stmt *s = parse_stmt(AS_POINT, &it.kl);
		s->point = point;
		s->trigger = trigger;
		parse_stmts_push(list, s);
	}
}

static void after_stmts(struct yfile *y, yaml_node_t *n, struct pstmts *list)
{
	struct map_iter it;
	if (!expect_mapping(y, n, "a mapping of point names to their statements"))
		return;
	map_begin(y, n, &it);
	while (map_next(y, &it)) {
		struct piece p = { it.key, strlen(it.key), it.kl };
		struct ast_name point;
		if (!make_name(y, &p, "a point name", false, &point))
			continue;
		struct ast_stmt *s = parse_stmt(AS_AFTER, &it.kl);
		s->point = point;
		s->body = stage_body(y, it.v, W_AFTER, "an 'after' block");
		parse_stmts_push(list, s);
	}
}

/* One statement key (keep:, user:, seccomp:, ...). Returns false when the
 * key is none of those allowed at `w`. */
static bool stmt_key(struct yfile *y, enum where w, const struct map_iter *it, struct pstmts *list)
{
	static const struct {
		const char *key;
		enum ast_stmt_kind kind;
		const char *what;
	} name_stmts[] = {
		{ "keep", AS_KEEP, "a capability name" },     { "drop", AS_DROP, "a capability name" },
		{ "bound", AS_BOUND, "a capability name" },   { "ambient", AS_AMBIENT, "a capability name" },
		{ "inherit", AS_INHERIT, "a capability name" }, { "securebits", AS_SECUREBITS, "a securebit name" },
		{ "arch", AS_ARCH, "an architecture name" },
	};
	const char *key = it->key;
	yaml_node_t *v = it->v;
	char buf[200];

	for (size_t i = 0; i < sizeof name_stmts / sizeof name_stmts[0]; i++) {
		if (strcmp(key, name_stmts[i].key) != 0)
			continue;
		if (name_stmts[i].kind == AS_ARCH && w != W_SERVICE)
			return false;
		struct ast_names names = { 0 };
		if (names_from(y, v, name_stmts[i].what, false, &names))
			parse_stmts_push(list, parse_stmt_names(name_stmts[i].kind, &it->kl, names));
		else
			parse_free_names(&names);
		return true;
	}
	if ((!strcmp(key, "user") || !strcmp(key, "group")) && w != W_RULE) {
		bool user = key[0] == 'u';
		const char *what = user ? "a user name or number" : "a group name or number";
		struct piece p;
		struct ast_id id;
		if (single_piece(y, v, what, &p) && make_id(y, &p, what, &id))
			parse_stmts_push(list, parse_stmt_id(user ? AS_USER : AS_GROUP, &it->kl, id));
		return true;
	}
	if (!strcmp(key, "groups")) {
		struct pieces ps = { 0 };
		struct ast_ids ids = { 0 };
		bool ok = list_items(y, v, "a group name or number", true, &ps);
		for (size_t i = 0; i < ps.n; i++) {
			struct ast_id id;
			if (make_id(y, &ps.v[i], "a group name or number", &id))
				parse_ids_push(&ids, id);
			else
				ok = false;
		}
		free(ps.v);
		if (ok) {
			struct ast_stmt *s = parse_stmt(AS_GROUPS, &it->kl);
			s->ids = ids;
			parse_stmts_push(list, s);
		} else {
			parse_free_ids(&ids);
		}
		return true;
	}
	if (!strcmp(key, "no_new_privs") || !strcmp(key, "lock")) {
		if (v->type == YAML_SCALAR_NODE && v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		    (!strcmp(sval(v), "true") || !strcmp(sval(v), "false"))) {
			if (sval(v)[0] == 't')
				parse_stmts_push(list, parse_stmt(key[0] == 'n' ? AS_NNP : AS_LOCK, &it->kl));
		} else {
			struct loc at = node_loc(y, v);
			yerror(y, &at, "'%s' takes true or false, found %s", key, describe(v, buf, sizeof buf));
		}
		return true;
	}
	if (!strcmp(key, "seccomp")) {
		struct ast_stmt *s = seccomp_stmt(y, &it->kl, v);
		if (s)
			parse_stmts_push(list, s);
		return true;
	}
	if (w == W_SERVICE && !strcmp(key, "points")) {
		point_stmts(y, v, list);
		return true;
	}
	if (w == W_SERVICE && !strcmp(key, "after")) {
		after_stmts(y, v, list);
		return true;
	}
	return false;
}

/* The statements of an after block or of a session's default rule: a
 * mapping, or nothing for an empty block. */
static struct ast_stmt *stage_body(struct yfile *y, yaml_node_t *n, enum where w, const char *where)
{
	struct pstmts list = { 0 };
	struct map_iter it;

	if (is_null(n) || !expect_mapping(y, n, "a mapping of statements (keep:, drop:, user:, ...)"))
		return NULL;
	map_begin(y, n, &it);
	while (map_next(y, &it)) {
		if (stmt_key(y, w, &it, &list))
			continue;
		if (in_list(it.key, service_keys) && strcmp(it.key, "service") != 0)
			yerror(y, &it.kl, "'%s' is not allowed in %s", it.key, where);
		else
			unknown_key(y, &it, where, stage_keys);
	}
	return list.head;
}

/* ---------------------------------------------------------------- sessions */

static void session_rules(struct yfile *y, yaml_node_t *n, struct pstmts *list)
{
	static const char *const rule_item_keys[] = { "user", "group", "default", "keep", "drop", "bound", "ambient",
						      "inherit", "groups", "no_new_privs", "lock", "securebits",
						      "seccomp", NULL };
	if (!expect_sequence(y, n, "a list of session rules (- user: NAME ..., - group: NAME ..., - default: ...)"))
		return;
	for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top && !y->sh->stop; i++) {
		yaml_node_t *item = get(y, *i);
		struct map_iter it;
		struct ast_stmt *rule = NULL;
		struct pstmts body = { 0 };
		struct loc sel_loc = { 0 };
		const char *sel = NULL;
		bool bad = false;

		if (!item || !expect_mapping(y, item, "a session rule (a mapping starting with user:, group: or default:)"))
			continue;
		/* The selector (a raw look: nothing is marked as walked yet). */
		for (yaml_node_pair_t *p = item->data.mapping.pairs.start; p < item->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(y->doc, p->key);
			if (k && k->type == YAML_SCALAR_NODE &&
			    (!strcmp(sval(k), "user") || !strcmp(sval(k), "group") || !strcmp(sval(k), "default"))) {
				sel = sval(k);
				break;
			}
		}
		if (!sel) {
			struct loc at = node_loc(y, item);
			yerror(y, &at, "a session rule starts with 'user:', 'group:' or 'default:'");
		}
		bool is_default = sel && !strcmp(sel, "default");
		map_begin(y, item, &it);
		while (map_next(y, &it)) {
			if (!strcmp(it.key, "user") || !strcmp(it.key, "group") || !strcmp(it.key, "default")) {
				if (rule || bad) {
					yerror(y, &it.kl, "a session rule has one of 'user:', 'group:' and 'default:' "
					       "(the login program sets the identity itself)");
					ynote(y, &sel_loc, "the rule's '%s:' is here", sel);
					continue;
				}
				sel_loc = it.kl;
				if (is_default) {
					rule = parse_stmt(AS_RULE_DEFAULT, &it.kl);
					rule->body = stage_body(y, it.v, W_RULE, "a session rule");
					continue;
				}
				const char *what = it.key[0] == 'u' ? "a user name or number" : "a group name or number";
				struct piece p;
				struct ast_id id;
				if (single_piece(y, it.v, what, &p) && make_id(y, &p, what, &id))
					rule = parse_stmt_id(it.key[0] == 'u' ? AS_RULE_USER : AS_RULE_GROUP, &it.kl, id);
				else
					bad = true;
				continue;
			}
			if (is_default && in_list(it.key, stage_keys)) {
				yerror(y, &it.kl, "the statements of a default rule go inside 'default:'");
				continue;
			}
			if (!stmt_key(y, W_RULE, &it, &body))
				unknown_key(y, &it, "a session rule", rule_item_keys);
		}
		if (!rule || is_default) {
			parse_free_stmts(body.head);
			if (!rule)
				continue;
		} else {
			rule->body = body.head;
		}
		parse_stmts_push(list, rule);
	}
}

/* ---------------------------------------------------------------- documents */

static void add_decl(struct yshared *sh, struct ast_decl *d)
{
	*sh->tail = d;
	sh->tail = &d->next;
	while (*sh->tail)
		sh->tail = &(*sh->tail)->next;
}

static void defines(struct yfile *y, yaml_node_t *n)
{
	struct map_iter it;
	if (!expect_mapping(y, n, "a mapping of names to lists (web_caps: [net_bind_service, setuid])"))
		return;
	map_begin(y, n, &it);
	while (map_next(y, &it)) {
		struct piece p = { it.key, strlen(it.key), it.kl };
		struct ast_name name;
		struct ast_names items = { 0 };
		if (!make_name(y, &p, "a name to define", false, &name))
			continue;
		if (!names_from(y, it.v, "a name or @group", true, &items)) {
			parse_free_name(&name);
			parse_free_names(&items);
			continue;
		}
		struct ast_decl *d = parse_decl(AD_DEFINE, &it.kl, name);
		d->items = items;
		add_decl(y->sh, d);
	}
}

static void parse_yaml_source(struct yshared *sh, struct src_file *f);

static bool has_suffix(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

bool yaml_is_yaml_path(const char *path)
{
	return has_suffix(path, ".yaml") || has_suffix(path, ".yml") || has_suffix(path, ".json");
}

/* Relative to the including file's directory, as for .cap includes. */
static void include_one(struct yfile *y, const char *path, const struct loc *at)
{
	struct yshared *sh = y->sh;
	char *full, *why = include_check(&sh->inc, y->file->path, path, &full);

	if (why) {
		yerror(y, at, "%s", why);
		free(why);
		return;
	}
	struct src_file *f = diag_load_file(full, at);
	bool yaml = yaml_is_yaml_path(full);
	free(full);
	if (!f)
		return;
	if (yaml) {
		parse_yaml_source(sh, f);
		return;
	}
	struct ast_unit *u = ast_parse_file(f);
	if (u) {
		if (u->decls)
			add_decl(sh, u->decls);
		free(u);
	}
}

static void includes(struct yfile *y, yaml_node_t *n)
{
	struct pieces ps = { 0 };
	list_items(y, n, "a file name", false, &ps);
	for (size_t i = 0; i < ps.n && !y->sh->stop; i++) {
		/* Texts point into the document, which outlives the include. */
		include_one(y, ps.v[i].text, &ps.v[i].loc);
	}
	free(ps.v);
}

static void capc_document(struct yfile *y, yaml_node_t *root)
{
	const char *kind = NULL;
	struct ast_decl *decl = NULL;
	struct pstmts body = { 0 };
	struct map_iter it;
	struct loc decl_loc = { 0 };
	bool decl_seen = false, told = false;

	/* Which declaration the document is (the first of service:/session:). */
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(y->doc, p->key);
		if (k && k->type == YAML_SCALAR_NODE && (!strcmp(sval(k), "service") || !strcmp(sval(k), "session"))) {
			kind = sval(k);
			break;
		}
	}
	bool session = kind && !strcmp(kind, "session");
	map_begin(y, root, &it);
	while (map_next(y, &it)) {
		if (!strcmp(it.key, "include")) {
			includes(y, it.v);
		} else if (!strcmp(it.key, "define")) {
			defines(y, it.v);
		} else if (!strcmp(it.key, "service") || !strcmp(it.key, "session")) {
			if (decl_seen) {
				yerror(y, &it.kl, "one service or session per document; start another document with '---'");
				ynote(y, &decl_loc, "this document's declaration is here");
				continue;
			}
			decl_seen = true;
			decl_loc = it.kl;
			struct piece p;
			struct ast_name name;
			const char *what = session ? "a session name" : "a service name";
			if (!single_piece(y, it.v, what, &p) || !make_name(y, &p, what, false, &name))
				continue;
			decl = parse_decl(session ? AD_SESSION : AD_SERVICE, &it.kl, name);
			add_decl(y->sh, decl);
		} else if (!kind) {
			if (in_list(it.key, any_keys)) {
				if (!told)
					yerror(y, &it.kl, "'%s' needs 'service: NAME' or 'session: NAME' in the same document",
					       it.key);
				told = true;
			} else {
				unknown_key(y, &it, "a policy document", any_keys);
			}
		} else if (session) {
			if (!strcmp(it.key, "rules"))
				session_rules(y, it.v, &body);
			else if (in_list(it.key, service_keys))
				yerror(y, &it.kl, "'%s' is not a key of a session: statements go into its rules "
				       "(rules: [{user: NAME, %s: ...}])", it.key, it.key);
			else
				unknown_key(y, &it, "a session", session_keys);
		} else if (!stmt_key(y, W_SERVICE, &it, &body)) {
			if (!strcmp(it.key, "rules"))
				yerror(y, &it.kl, "'rules' belongs to a session, not to a service");
			else
				unknown_key(y, &it, "a service", service_keys);
		}
	}
	if (decl)
		decl->body = body.head;
	else
		parse_free_stmts(body.head);
}

/* ---------------------------------------------------------------- Docker profiles */

/* libseccomp's ABI names and what Docker calls the same architecture in
 * includes/excludes.arches (moby profiles/seccomp: goToNative values;
 * "mips3l64n32" is Docker's own spelling). */
static const struct {
	const char *abi;
	const char *docker;
	const char *docker_alt;
} arch_names[] = {
	{ "x86_64", "amd64", NULL },       { "x86", "x86", NULL },        { "x32", "x32", NULL },
	{ "aarch64", "arm64", NULL },      { "arm", "arm", NULL },        { "mips", "mips", NULL },
	{ "mipsel", "mipsel", "mipsle" },  { "mips64", "mips64", NULL },  { "mips64n32", "mips64n32", NULL },
	{ "mipsel64", "mipsel64", NULL },  { "mipsel64n32", "mips3l64n32", "mipsel64n32" },
	{ "ppc", "ppc", NULL },            { "ppc64", "ppc64", NULL },    { "ppc64le", "ppc64le", NULL },
	{ "s390", "s390", NULL },          { "s390x", "s390x", NULL },    { "parisc", "parisc", NULL },
	{ "parisc64", "parisc64", NULL },  { "riscv64", "riscv64", NULL }, { "loongarch64", "loong64", NULL },
};

#define NARCH_NAMES (sizeof arch_names / sizeof arch_names[0])

static const struct {
	const char *name;
	int kind; /* enum ast_action_kind, or -1: no capc equivalent */
	const char *why;
} docker_actions[] = {
	{ "SCMP_ACT_ALLOW", AA_ALLOW, NULL },
	{ "SCMP_ACT_ERRNO", AA_ERRNO, NULL },
	/* libseccomp's SCMP_ACT_KILL is SECCOMP_RET_KILL_THREAD */
	{ "SCMP_ACT_KILL", AA_KILL_THREAD, NULL },
	{ "SCMP_ACT_KILL_THREAD", AA_KILL_THREAD, NULL },
	{ "SCMP_ACT_KILL_PROCESS", AA_KILL_PROCESS, NULL },
	{ "SCMP_ACT_TRAP", AA_TRAP, NULL },
	{ "SCMP_ACT_LOG", AA_LOG, NULL },
	{ "SCMP_ACT_TRACE", -1, "a ptrace(2) tracer decides the call" },
	{ "SCMP_ACT_NOTIFY", -1, "a supervisor process decides the call through a seccomp notification fd" },
};

static const char *const docker_action_names[] = { "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL",
						   "SCMP_ACT_KILL_THREAD", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_TRAP",
						   "SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_NOTIFY", NULL };
static const char *const docker_keys[] = { "defaultAction", "defaultErrnoRet", "architectures", "archMap",
					   "syscalls", "flags", "listenerPath", "listenerMetadata", NULL };
static const char *const docker_entry_keys[] = { "names", "name", "action", "errnoRet", "args", "includes",
						 "excludes", "comment", NULL };
static const char *const docker_arg_keys[] = { "index", "value", "valueTwo", "op", NULL };
static const char *const docker_filter_keys[] = { "caps", "arches", "minKernel", NULL };
static const char *const docker_ops[] = { "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
					  "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ", NULL };

/* Docker's default capability set (moby oci/caps/defaults.go). */
uint64_t yaml_docker_default_caps(void)
{
	static const int caps[] = { CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FSETID, CAP_FOWNER, CAP_MKNOD,
				    CAP_NET_RAW, CAP_SETGID, CAP_SETUID, CAP_SETFCAP, CAP_SETPCAP,
				    CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT, CAP_KILL, CAP_AUDIT_WRITE };
	uint64_t m = 0;
	for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++)
		m |= UINT64_C(1) << caps[i];
	return m;
}

/* capc import --caps: the set includes/excludes.caps are evaluated
 * against instead of Docker's default. */
static bool caps_override_set;
static uint64_t caps_override;

void yaml_docker_caps(uint64_t caps)
{
	caps_override_set = true;
	caps_override = caps;
}

struct docker {
	struct yfile *y;
	int arch;           /* index in arch_names of the target's first ABI, or -1 */
	uint64_t caps;      /* the capabilities includes/excludes are evaluated against */
	unsigned unknown;   /* syscall names libseccomp does not know */
};

static bool docker_is(const struct yfile *y, const yaml_node_t *root)
{
	static const char *const keys[] = { "defaultAction", "defaultErrnoRet", "architectures", "archMap",
					    "syscalls", NULL };
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(y->doc, p->key);
		if (k && k->type == YAML_SCALAR_NODE && in_list(sval(k), keys))
			return true;
	}
	return false;
}

static void docker_unknown_key(struct docker *k, const struct map_iter *it, const char *where, const char *const *keys)
{
	char buf[200];
	const char *s = diag_suggest_list(it->key, keys);
	show(it->key, strlen(it->key), buf, sizeof buf);
	if (s)
		ywarn(k->y, &it->kl, "unknown key '%s' in %s (ignored, as Docker does); did you mean '%s'?", buf, where, s);
	else
		ywarn(k->y, &it->kl, "unknown key '%s' in %s (ignored, as Docker does)", buf, where);
}

/* JSON numbers: decimal only (a JSON number has no other form). */
static bool docker_number(struct docker *k, yaml_node_t *n, const char *what, uint64_t *out, struct loc *at)
{
	char buf[200];
	const char *v = scalar_text(k->y, n, what);
	if (!v)
		return false;
	*at = node_loc(k->y, n);
	size_t len = slen(n);
	bool digits = len > 0;
	for (size_t i = 0; i < len; i++)
		digits = digits && isdigit((unsigned char)v[i]);
	int rc = digits ? parse_number(v, len, out) : -1;
	if (digits && len > 1 && v[0] == '0')
		rc = -1; /* not JSON, and not octal here */
	if (rc == -2)
		yerror(k->y, at, "number too large: '%s' does not fit in 64 bits", show(v, len, buf, sizeof buf));
	else if (rc < 0)
		yerror(k->y, at, "expected %s (a decimal number), found '%s'", what, show(v, len, buf, sizeof buf));
	return rc == 0;
}

/* "SCMP_ARCH_X86_64" -> the arch_names index, or -1. */
static int docker_arch_index(const char *s)
{
	if (strncmp(s, "SCMP_ARCH_", 10) != 0)
		return -1;
	for (size_t i = 0; i < NARCH_NAMES; i++)
		if (!strcasecmp(s + 10, arch_names[i].abi))
			return (int)i;
	return -1;
}

static bool docker_arch_name(struct docker *k, yaml_node_t *n, struct ast_names *out)
{
	char buf[200];
	const char *v = scalar_text(k->y, n, "an architecture (SCMP_ARCH_...)");
	if (!v)
		return false;
	struct loc at = node_loc(k->y, n);
	int i = docker_arch_index(v);
	if (i < 0 || seccomp_arch_resolve_name(arch_names[i].abi) == 0) {
		yerror(k->y, &at, "unknown architecture '%s'", show(v, slen(n), buf, sizeof buf));
		return false;
	}
	parse_names_push(out, parse_name_dup(arch_names[i].abi, &at));
	return true;
}

/* architectures: [SCMP_ARCH_X86_64, ...] */
static void docker_architectures(struct docker *k, yaml_node_t *n, struct ast_names *out)
{
	if (!expect_sequence(k->y, n, "a list of architectures"))
		return;
	for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++) {
		yaml_node_t *a = get(k->y, *i);
		if (a)
			docker_arch_name(k, a, out);
	}
}

/* archMap: the entry for the target's architecture gives it and its
 * sub-architectures (32-bit and x32 ABIs of the same kernel). */
static void docker_archmap(struct docker *k, yaml_node_t *n, struct ast_names *out)
{
	struct yfile *y = k->y;
	bool found = false;

	if (!expect_sequence(y, n, "a list of {architecture, subArchitectures}"))
		return;
	for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top && !y->sh->stop; i++) {
		yaml_node_t *e = get(y, *i), *arch = NULL, *subs = NULL;
		struct map_iter it;
		if (!e || !expect_mapping(y, e, "an archMap entry {architecture, subArchitectures}"))
			continue;
		map_begin(y, e, &it);
		while (map_next(y, &it)) {
			if (!strcmp(it.key, "architecture"))
				arch = it.v;
			else if (!strcmp(it.key, "subArchitectures"))
				subs = it.v;
			else
				docker_unknown_key(k, &it, "an archMap entry",
						   (const char *const[]){ "architecture", "subArchitectures", NULL });
		}
		if (!arch) {
			struct loc at = node_loc(y, e);
			yerror(y, &at, "archMap entry without 'architecture'");
			continue;
		}
		const char *v = scalar_text(y, arch, "an architecture (SCMP_ARCH_...)");
		if (!v)
			continue;
		bool mine = !found && k->arch >= 0 && docker_arch_index(v) == k->arch;
		if (mine) {
			found = true;
			docker_arch_name(k, arch, out);
		}
		if (!subs || is_null(subs))
			continue;
		if (!expect_sequence(y, subs, "a list of architectures"))
			continue;
		for (yaml_node_item_t *j = subs->data.sequence.items.start; j < subs->data.sequence.items.top; j++) {
			yaml_node_t *s = get(y, *j);
			if (!s)
				continue;
			if (mine)
				docker_arch_name(k, s, out);
			else
				scalar_text(y, s, "an architecture (SCMP_ARCH_...)");
		}
	}
}

/* An action; `errno_node` is errnoRet (defaultErrnoRet for the default).
 * `used`: the entry applies, so an action capc cannot express is an
 * error (for one that does not apply it does not matter). */
static bool docker_action(struct docker *k, yaml_node_t *n, yaml_node_t *errno_node, bool used, struct ast_action *out)
{
	char buf[200];
	const char *v = scalar_text(k->y, n, "an action (SCMP_ACT_...)");
	if (!v)
		return false;
	struct loc at = node_loc(k->y, n);
	size_t i;
	for (i = 0; i < sizeof docker_actions / sizeof docker_actions[0]; i++)
		if (!strcmp(v, docker_actions[i].name))
			break;
	if (i == sizeof docker_actions / sizeof docker_actions[0]) {
		show(v, slen(n), buf, sizeof buf);
		const char *s = diag_suggest_list(buf, docker_action_names);
		if (s)
			yerror(k->y, &at, "unknown action '%s'; did you mean '%s'?", buf, s);
		else
			yerror(k->y, &at, "unknown action '%s'", buf);
		return false;
	}
	if (docker_actions[i].kind < 0) {
		if (used) {
			yerror(k->y, &at, "%s has no capc equivalent: %s, and capc runs no such process",
			       docker_actions[i].name, docker_actions[i].why);
			ynote(k->y, &at, "replace it with SCMP_ACT_ERRNO (the call fails) or SCMP_ACT_ALLOW");
		}
		return false;
	}
	struct ast_value *e = NULL;
	if (errno_node) {
		uint64_t num;
		struct loc eat;
		if (!docker_number(k, errno_node, "an errno number", &num, &eat))
			return false;
		if (docker_actions[i].kind == AA_ERRNO) {
			e = parse_value(AV_NUM, &eat, NULL, NULL);
			e->num = num;
		} else if (used) {
			ywarn(k->y, &eat, "errno number ignored: the action is %s", docker_actions[i].name);
		}
	}
	*out = parse_action((enum ast_action_kind)docker_actions[i].kind, &at, e);
	return true;
}

/* minKernel: "4.8" or "5.10.2". */
static bool docker_min_kernel(struct docker *k, yaml_node_t *n)
{
	char buf[200];
	const char *v = scalar_text(k->y, n, "a kernel version (\"4.8\")");
	if (!v)
		return false;
	size_t i = 0, parts = 0, len = slen(n);
	while (i < len) {
		size_t a = i;
		while (i < len && isdigit((unsigned char)v[i]))
			i++;
		if (i == a)
			break;
		parts++;
		if (i < len && v[i] == '.' && parts < 3)
			i++;
		else
			break;
	}
	if (parts < 2 || i != len) {
		struct loc at = node_loc(k->y, n);
		yerror(k->y, &at, "invalid kernel version '%s' (expected MAJOR.MINOR)", show(v, len, buf, sizeof buf));
		return false;
	}
	return true;
}

/* includes or excludes: whether the entry passes it. Docker evaluates
 * them when the container starts, against the container's bounding set,
 * the machine's arch and its kernel; capc evaluates them at compile time
 * against k->caps, the target arch, and a kernel new enough for every
 * minKernel (the compilation must not depend on the build host). */
static bool docker_filter(struct docker *k, yaml_node_t *n, bool include, bool *ok)
{
	struct yfile *y = k->y;
	struct map_iter it;
	bool arch_listed = false, arch_match = false, all_caps = true, any_cap = false, kernel = false;
	char buf[200];

	if (!n || is_null(n))
		return true;
	if (!expect_mapping(y, n, "a mapping with caps, arches or minKernel")) {
		*ok = false;
		return false;
	}
	map_begin(y, n, &it);
	while (map_next(y, &it)) {
		if (!strcmp(it.key, "minKernel")) {
			if (is_null(it.v))
				continue;
			kernel = true;
			if (!docker_min_kernel(k, it.v))
				*ok = false;
			continue;
		}
		bool caps = !strcmp(it.key, "caps");
		if (!caps && strcmp(it.key, "arches") != 0) {
			docker_unknown_key(k, &it, include ? "'includes'" : "'excludes'", docker_filter_keys);
			continue;
		}
		if (is_null(it.v))
			continue;
		if (!expect_sequence(y, it.v, caps ? "a list of capabilities" : "a list of architectures")) {
			*ok = false;
			continue;
		}
		for (yaml_node_item_t *i = it.v->data.sequence.items.start; i < it.v->data.sequence.items.top; i++) {
			yaml_node_t *e = get(y, *i);
			const char *v = e ? scalar_text(y, e, caps ? "a capability (CAP_...)" : "an architecture") : NULL;
			if (!v) {
				*ok = false;
				continue;
			}
			if (!caps) {
				arch_listed = true;
				if (k->arch >= 0 && (!strcmp(v, arch_names[k->arch].docker) ||
						     (arch_names[k->arch].docker_alt && !strcmp(v, arch_names[k->arch].docker_alt))))
					arch_match = true;
				continue;
			}
			int c = tbl_cap_from_name(v);
			bool held = c >= 0 && (k->caps >> c & 1);
			if (c < 0) {
				struct loc at = node_loc(y, e);
				ywarn(y, &at, "unknown capability '%s' (taken as not held)", show(v, slen(e), buf, sizeof buf));
			}
			all_caps = all_caps && held;
			any_cap = any_cap || held;
		}
	}
	if (include)
		return (!arch_listed || arch_match) && all_caps;
	return !arch_match && !any_cap && !kernel;
}

struct docker_arg {
	unsigned index;
	enum ast_cmp_op op;
	bool masked;
	uint64_t value, value2;
	struct loc loc;
};

static bool docker_args(struct docker *k, yaml_node_t *n, struct docker_arg *out, size_t *nout)
{
	struct yfile *y = k->y;
	bool ok = true;
	char buf[200];

	*nout = 0;
	if (!n || is_null(n))
		return true;
	if (!expect_sequence(y, n, "a list of {index, value, valueTwo, op}"))
		return false;
	if (n->data.sequence.items.top - n->data.sequence.items.start > MAX_DOCKER_ARGS) {
		struct loc at = node_loc(y, n);
		yerror(y, &at, "too many args in one entry (at most %d)", MAX_DOCKER_ARGS);
		return false;
	}
	for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++) {
		yaml_node_t *a = get(y, *i);
		struct map_iter it;
		struct docker_arg d = { .op = OP_EQ };
		bool has_index = false, has_op = false;
		if (!a || !expect_mapping(y, a, "an arg {index, value, valueTwo, op}")) {
			ok = false;
			continue;
		}
		d.loc = node_loc(y, a);
		map_begin(y, a, &it);
		while (map_next(y, &it)) {
			struct loc at;
			uint64_t v;
			if (!strcmp(it.key, "index")) {
				has_index = true;
				if (!docker_number(k, it.v, "an argument index", &v, &at)) {
					ok = false;
				} else if (v > 5) {
					yerror(y, &at, "argument index %llu out of range (0..5)", (unsigned long long)v);
					ok = false;
				} else {
					d.index = (unsigned)v;
				}
			} else if (!strcmp(it.key, "value")) {
				ok = docker_number(k, it.v, "a value", &d.value, &at) && ok;
			} else if (!strcmp(it.key, "valueTwo")) {
				ok = docker_number(k, it.v, "a value", &d.value2, &at) && ok;
			} else if (!strcmp(it.key, "op")) {
				static const enum ast_cmp_op ops[] = { OP_NE, OP_LT, OP_LE, OP_EQ, OP_GE, OP_GT, OP_EQ };
				const char *v2 = scalar_text(y, it.v, "a comparison (SCMP_CMP_...)");
				size_t o = 0;
				has_op = true;
				if (!v2) {
					ok = false;
					continue;
				}
				while (docker_ops[o] && strcmp(v2, docker_ops[o]) != 0)
					o++;
				if (!docker_ops[o]) {
					struct loc oat = node_loc(y, it.v);
					show(v2, slen(it.v), buf, sizeof buf);
					const char *s = diag_suggest_list(buf, docker_ops);
					if (s)
						yerror(y, &oat, "unknown comparison '%s'; did you mean '%s'?", buf, s);
					else
						yerror(y, &oat, "unknown comparison '%s'", buf);
					ok = false;
					continue;
				}
				d.op = ops[o];
				d.masked = !strcmp(docker_ops[o], "SCMP_CMP_MASKED_EQ");
			} else {
				docker_unknown_key(k, &it, "an arg", docker_arg_keys);
			}
		}
		if (!has_index || !has_op) {
			yerror(y, &d.loc, "an arg needs 'index' and 'op'");
			ok = false;
		}
		if (!ok)
			continue;
		out[(*nout)++] = d;
	}
	return ok;
}

static struct ast_value *num_value(uint64_t v, const struct loc *at)
{
	struct ast_value *x = parse_value(AV_NUM, at, NULL, NULL);
	x->num = v;
	return x;
}

/* Docker ANDs the args of an entry, except that runc turns an entry in
 * which one index appears twice into one rule per arg: an OR of all. */
static struct ast_cond *docker_cond(const struct docker_arg *a, size_t n)
{
	bool any_twice = false;
	struct ast_cond *c = NULL;

	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			any_twice = any_twice || a[i].index == a[j].index;
	for (size_t i = 0; i < n; i++) {
		char arg[8];
		snprintf(arg, sizeof arg, "arg%u", a[i].index);
		struct ast_name name = parse_name_dup(arg, &a[i].loc);
		struct ast_cond *cmp;
		if (a[i].masked)
			cmp = parse_cmp(name, num_value(a[i].value, &a[i].loc), OP_EQ, num_value(a[i].value2, &a[i].loc));
		else
			cmp = parse_cmp(name, NULL, a[i].op, num_value(a[i].value, &a[i].loc));
		c = c ? parse_cond(any_twice ? AC_OR : AC_AND, &c->loc, c, cmp) : cmp;
	}
	return c;
}

static struct ast_sc_stmt *docker_entry(struct docker *k, yaml_node_t *e)
{
	struct yfile *y = k->y;
	struct map_iter it;
	yaml_node_t *names = NULL, *name = NULL, *action = NULL, *errno_node = NULL, *args = NULL;
	yaml_node_t *inc = NULL, *exc = NULL;
	struct loc name_loc = { 0 };
	bool ok = true;

	if (!expect_mapping(y, e, "a syscall entry {names, action, ...}"))
		return NULL;
	struct loc at = node_loc(y, e);
	map_begin(y, e, &it);
	while (map_next(y, &it)) {
		if (!strcmp(it.key, "names")) {
			names = it.v;
		} else if (!strcmp(it.key, "name")) {
			name = it.v;
			name_loc = it.kl;
		} else if (!strcmp(it.key, "action")) {
			action = it.v;
		} else if (!strcmp(it.key, "errnoRet")) {
			errno_node = it.v;
		} else if (!strcmp(it.key, "args")) {
			args = it.v;
		} else if (!strcmp(it.key, "includes")) {
			inc = it.v;
		} else if (!strcmp(it.key, "excludes")) {
			exc = it.v;
		} else if (!strcmp(it.key, "comment")) {
			if (!is_null(it.v) && !scalar_text(y, it.v, "a comment (a string)"))
				ok = false;
		} else {
			docker_unknown_key(k, &it, "a syscall entry", docker_entry_keys);
		}
	}
	if (names && name) {
		yerror(y, &name_loc, "'name' and 'names' exclude each other");
		ok = false;
	}
	if (!names && !name) {
		yerror(y, &at, "syscall entry without 'names'");
		ok = false;
	}
	if (!action) {
		yerror(y, &at, "syscall entry without 'action'");
		ok = false;
	}
	bool used_inc = docker_filter(k, inc, true, &ok);
	bool used_exc = docker_filter(k, exc, false, &ok);
	bool used = used_inc && used_exc;
	struct docker_arg argv[MAX_DOCKER_ARGS];
	size_t nargs = 0;
	if (!docker_args(k, args, argv, &nargs))
		ok = false;
	struct ast_action act = { .errno_val = NULL };
	if (action && !docker_action(k, action, errno_node, used && ok, &act))
		ok = false;

	struct pieces ps = { 0 };
	if (names || name) {
		if (names && names->type == YAML_SCALAR_NODE && !is_null(names)) {
			struct loc nat = node_loc(y, names);
			yerror(y, &nat, "'names' takes a list of syscall names");
			ok = false;
		} else if (!list_items(y, names ? names : name, "a syscall name", false, &ps)) {
			ok = false;
		}
	}
	struct ptargets t = { 0 };
	for (size_t i = 0; i < ps.n && ok && used; i++) {
		char buf[200];
		char *s = xstrndup(ps.v[i].text, ps.v[i].len);
		if (!sc_syscall_known(s)) {
			/* Docker's list runs ahead of libseccomp releases; runc
			 * skips such names too. */
			if (k->unknown++ < MAX_ERRORS)
				ywarn(y, &ps.v[i].loc, "syscall '%s' is unknown to libseccomp %u.%u.%u: skipped",
				      show(s, strlen(s), buf, sizeof buf), seccomp_version()->major,
				      seccomp_version()->minor, seccomp_version()->micro);
			free(s);
			continue;
		}
		parse_targets_push(&t, (struct ast_target){ parse_name(s, false, &ps.v[i].loc), docker_cond(argv, nargs) });
	}
	free(ps.v);
	if (!ok || !used || t.n == 0) {
		parse_free_targets(&t);
		parse_free_value(act.errno_val);
		return NULL;
	}
	return parse_sc(SC_RULE, &at, act, t);
}

/* An ABI where a conditional rule's syscall is also reached through
 * socketcall() or ipc() (socket on x86): seccomp cannot read the
 * multiplexed arguments, so capc refuses such a filter (seccomp.c,
 * "Multiplexed calls"). Docker's libseccomp drops the condition there
 * instead, unchecked. Such an ABI is left out of the import with a warning
 * (its programs are killed: stricter than Docker, never looser), unless it
 * is the target's own, where the error stands. */
static void docker_drop_muxed_abis(struct docker *k, struct ast_names *arches, const struct ast_sc_stmt *rules)
{
	size_t n = 0;
	for (size_t i = 0; i < arches->n; i++) {
		const char *abi = arches->v[i].text;
		uint32_t token = seccomp_arch_resolve_name(abi);
		bool socketcall = seccomp_syscall_resolve_name_arch(token, "socketcall") >= 0;
		bool ipc = seccomp_syscall_resolve_name_arch(token, "ipc") >= 0;
		const struct ast_target *why = NULL;
		bool own = k->arch >= 0 && !strcmp(abi, arch_names[k->arch].abi);
		for (const struct ast_sc_stmt *r = rules; r && !why && !own && (socketcall || ipc); r = r->next) {
			for (size_t j = 0; j < r->ntargets && !why; j++) {
				if (!r->targets[j].cond)
					continue;
				int nr = seccomp_syscall_resolve_name_arch(token, r->targets[j].name.text);
				if ((socketcall && nr <= -101 && nr >= -120) || (ipc && nr <= -201 && nr >= -224))
					why = &r->targets[j];
			}
		}
		if (!why) {
			arches->v[n++] = arches->v[i];
			continue;
		}
		ywarn(k->y, &why->name.loc, "ABI %s left out of the filter, so its programs are killed: there '%s' is "
		      "also reached through %s(), whose arguments seccomp cannot read, and this condition could not "
		      "be checked (Docker leaves it unchecked)", abi, why->name.text,
		      seccomp_syscall_resolve_name_arch(token, why->name.text) <= -201 ? "ipc" : "socketcall");
		free(arches->v[i].text);
	}
	arches->n = n;
}

/* Whether `name` is a syscall of the ABI (directly, or through
 * socketcall()/ipc() where those multiplex it), as seccomp_gen.c decides. */
static bool abi_has(uint32_t token, const char *name)
{
	int nr = seccomp_syscall_resolve_name_arch(token, name);
	if (nr >= 0)
		return true;
	if (nr <= -101 && nr >= -120)
		return seccomp_syscall_resolve_name_arch(token, "socketcall") >= 0;
	if (nr <= -201 && nr >= -224)
		return seccomp_syscall_resolve_name_arch(token, "ipc") >= 0;
	return false;
}

/* Docker lists the syscalls of every architecture in one profile and runc
 * skips those the machine lacks: so does the import, silently, for the
 * ABIs the filter is built for. Rules left without a syscall go. */
static void docker_prune(struct docker *k, struct pscs *list, const struct ast_names *arches)
{
	uint32_t tokens[CAPBIN_MAX_ARCHES * 3];
	size_t nt = 0;

	if (k->y->sh->target) {
		for (const char *const *t = k->y->sh->target; *t && nt < sizeof tokens / sizeof tokens[0]; t++)
			if (seccomp_arch_resolve_name(*t))
				tokens[nt++] = seccomp_arch_resolve_name(*t);
	} else {
		for (size_t i = 0; i < arches->n && nt < sizeof tokens / sizeof tokens[0]; i++)
			tokens[nt++] = seccomp_arch_resolve_name(arches->v[i].text);
		if (nt == 0)
			tokens[nt++] = seccomp_arch_native();
	}
	if (nt == 0)
		return; /* a bad --target: sema says so */
	struct ast_sc_stmt **link = &list->head;
	list->tail = NULL;
	while (*link) {
		struct ast_sc_stmt *r = *link;
		size_t n = 0;
		for (size_t i = 0; i < r->ntargets; i++) {
			bool some = false;
			for (size_t t = 0; t < nt && !some; t++)
				some = abi_has(tokens[t], r->targets[i].name.text);
			if (some || r->kind == SC_DEFAULT) {
				r->targets[n++] = r->targets[i];
			} else {
				free(r->targets[i].name.text);
				parse_free_cond(r->targets[i].cond);
			}
		}
		r->ntargets = n;
		if (n == 0 && r->kind == SC_RULE) {
			*link = r->next;
			r->next = NULL;
			parse_free_scs(r);
			continue;
		}
		list->tail = r;
		link = &r->next;
	}
}

/* The service's name: the file's base name without its extension, every
 * character that cannot be in a name replaced by '_'. */
static char *docker_service_name(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t len = strlen(base);
	const char *dot = strrchr(base, '.');
	if (dot && dot != base)
		len = (size_t)(dot - base);
	char *s = xcalloc(len + 2, 1);
	size_t n = 0;
	if (len == 0 || isdigit((unsigned char)base[0]))
		s[n++] = '_';
	for (size_t i = 0; i < len; i++)
		s[n++] = isalnum((unsigned char)base[i]) || base[i] == '_' ? base[i] : '_';
	return s;
}

/* The target's first ABI (--target), else this machine's. */
static int docker_target_arch(const struct yshared *sh)
{
	if (sh->target && sh->target[0]) {
		for (size_t i = 0; i < NARCH_NAMES; i++)
			if (!strcmp(sh->target[0], arch_names[i].abi))
				return (int)i;
		return -1;
	}
	uint32_t native = seccomp_arch_native();
	for (size_t i = 0; i < NARCH_NAMES; i++)
		if (seccomp_arch_resolve_name(arch_names[i].abi) == native)
			return (int)i;
	return -1;
}

static void docker_document(struct yfile *y, yaml_node_t *root)
{
	struct docker k = { .y = y, .arch = docker_target_arch(y->sh),
			    .caps = caps_override_set ? caps_override : yaml_docker_default_caps() };
	yaml_node_t *def = NULL, *def_errno = NULL, *architectures = NULL, *archmap = NULL, *syscalls = NULL;
	struct loc arch_key = { 0 }, map_key = { 0 };
	struct map_iter it;

	map_begin(y, root, &it);
	while (map_next(y, &it)) {
		if (!strcmp(it.key, "defaultAction")) {
			def = it.v;
		} else if (!strcmp(it.key, "defaultErrnoRet")) {
			def_errno = it.v;
		} else if (!strcmp(it.key, "architectures")) {
			architectures = it.v;
			arch_key = it.kl;
		} else if (!strcmp(it.key, "archMap")) {
			archmap = it.v;
			map_key = it.kl;
		} else if (!strcmp(it.key, "syscalls")) {
			syscalls = it.v;
		} else if (!strcmp(it.key, "flags") || !strcmp(it.key, "listenerPath") ||
			   !strcmp(it.key, "listenerMetadata")) {
			if (!is_null(it.v) && !(it.v->type == YAML_SEQUENCE_NODE && it.v->data.sequence.items.start ==
										     it.v->data.sequence.items.top))
				ywarn(y, &it.kl, "'%s' is not supported and is ignored (capc loads every filter with "
				      "SECCOMP_FILTER_FLAG_TSYNC only)", it.key);
		} else {
			docker_unknown_key(&k, &it, "a Docker profile", docker_keys);
		}
	}
	struct loc at = node_loc(y, root);
	struct ast_names arches = { 0 };
	if (architectures && archmap && !is_null(architectures) && !is_null(archmap)) {
		yerror(y, &map_key, "'architectures' and 'archMap' exclude each other");
		ynote(y, &arch_key, "'architectures' is here");
	} else if (architectures && !is_null(architectures)) {
		docker_architectures(&k, architectures, &arches);
	} else if (archmap && !is_null(archmap)) {
		docker_archmap(&k, archmap, &arches);
	}

	struct pscs list = { 0 };
	struct ast_action a;
	if (!def)
		yerror(y, &at, "a Docker profile needs 'defaultAction'");
	else if (docker_action(&k, def, def_errno, true, &a))
		parse_scs_push(&list, parse_sc(SC_DEFAULT, &a.loc, a, (struct ptargets){ 0 }));
	if (syscalls && !is_null(syscalls) && expect_sequence(y, syscalls, "a list of syscall entries")) {
		for (yaml_node_item_t *i = syscalls->data.sequence.items.start;
		     i < syscalls->data.sequence.items.top && !y->sh->stop; i++) {
			yaml_node_t *e = get(y, *i);
			struct ast_sc_stmt *s = e ? docker_entry(&k, e) : NULL;
			if (s)
				parse_scs_push(&list, s);
		}
	}
	if (k.unknown > MAX_ERRORS)
		ynote(y, &at, "%u more unknown syscall names skipped", k.unknown - MAX_ERRORS);

	if (!y->sh->target)
		docker_drop_muxed_abis(&k, &arches, list.head);
	docker_prune(&k, &list, &arches);

	struct ast_decl *d = parse_decl(AD_SERVICE, &at, parse_name(docker_service_name(y->file->path), false, &at));
	struct pstmts body = { 0 };
	parse_stmts_push(&body, parse_stmt(AS_NNP, &at));
	if (arches.n)
		parse_stmts_push(&body, parse_stmt_names(AS_ARCH, &at, arches));
	struct ast_stmt *sc = parse_stmt(AS_SECCOMP, &at);
	sc->seccomp = list.head;
	parse_stmts_push(&body, sc);
	d->body = body.head;
	add_decl(y->sh, d);
}

/* ---------------------------------------------------------------- files */

static void document(struct yfile *y, yaml_node_t *root)
{
	char buf[200];
	if (is_null(root))
		return; /* an empty document */
	if (root->type != YAML_MAPPING_NODE) {
		struct loc at = node_loc(y, root);
		yerror(y, &at, "expected a policy (a mapping with 'service:' or 'session:') or a Docker profile, found %s",
		       describe(root, buf, sizeof buf));
		return;
	}
	if (docker_is(y, root))
		docker_document(y, root);
	else
		capc_document(y, root);
}

static void yaml_failed(struct yfile *y, const yaml_parser_t *p)
{
	struct loc at;
	if (p->error == YAML_MEMORY_ERROR)
		xalloc_die();
	if (p->error == YAML_READER_ERROR) {
		size_t off = y->base + p->problem_offset;
		at = loc_at(y, off < y->file->len ? off : y->file->len, 1);
		if (p->problem_value >= 0)
			yerror(y, &at, "invalid YAML: %s (byte 0x%02x)", p->problem ? p->problem : "unreadable input",
			       (unsigned)p->problem_value & 0xff);
		else
			yerror(y, &at, "invalid YAML: %s", p->problem ? p->problem : "unreadable input");
		return;
	}
	at = mark_loc(y, &p->problem_mark);
	yerror(y, &at, "invalid YAML: %s", p->problem ? p->problem : "syntax error");
	if (p->context) {
		struct loc c = mark_loc(y, &p->context_mark);
		ynote(y, &c, "%s", p->context);
	}
}

/* A first pass over the events: aliases are refused where they are
 * written, and nesting is bounded (libyaml's scanner takes time linear in
 * the flow nesting depth for every token: quadratic for hostile input).
 * Syntax errors are left to the second pass, which reports them in
 * order with the documents before them. */
static bool prescan(struct yfile *y)
{
	yaml_parser_t p;
	yaml_event_t ev;
	int depth = 0;
	bool ok = true, done = false;

	if (!yaml_parser_initialize(&p))
		xalloc_die();
	yaml_parser_set_input_string(&p, (const unsigned char *)y->file->text + y->base, y->file->len - y->base);
	yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);
	while (!done && !y->sh->stop) {
		if (!yaml_parser_parse(&p, &ev)) {
			if (p.error == YAML_MEMORY_ERROR)
				xalloc_die();
			break;
		}
		struct loc at = mark_loc(y, &ev.start_mark);
		switch (ev.type) {
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > MAX_NESTING) {
				yerror(y, &at, "nested more than %d levels deep", MAX_NESTING);
				ok = false;
				done = true;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_ALIAS_EVENT:
			yerror(y, &at, "YAML aliases are not supported (write the value again)");
			ok = false;
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	return ok;
}

static void parse_yaml_source(struct yshared *sh, struct src_file *f)
{
	struct yfile y = { .sh = sh, .file = f };
	yaml_parser_t parser;

	if (f->len > INT_MAX / 2) {
		struct loc at = { .file = f, .line = 1, .col = 1, .len = 1 };
		diag_error(&at, "file too large");
		return;
	}
	/* libyaml reads UTF-8 only here (so that its positions can be mapped
	 * to bytes); it would take a byte order mark for a character. */
	if (f->len >= 3 && !memcmp(f->text, "\xef\xbb\xbf", 3))
		y.base = 3;
	include_push(&sh->inc, f->path);
	offsets_init(&y);
	if (!prescan(&y)) {
		free(y.ckpt);
		include_pop(&sh->inc);
		return;
	}
	if (!yaml_parser_initialize(&parser))
		xalloc_die();
	yaml_parser_set_input_string(&parser, (const unsigned char *)f->text + y.base, f->len - y.base);
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
	while (!sh->stop) {
		yaml_document_t doc;
		if (!yaml_parser_load(&parser, &doc)) {
			yaml_failed(&y, &parser);
			break;
		}
		if (!yaml_document_get_root_node(&doc)) {
			yaml_document_delete(&doc);
			break;
		}
		y.doc = &doc;
		y.seen = xcalloc((size_t)(doc.nodes.top - doc.nodes.start), 1);
		yaml_node_t *root = get(&y, 1);
		if (root)
			document(&y, root);
		free(y.seen);
		y.seen = NULL;
		y.doc = NULL;
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
	free(y.ckpt);
	include_pop(&sh->inc);
}

struct ast_unit *yaml_parse_file(const char *path, const char *const *target)
{
	struct yshared sh = { .head = NULL, .target = target };
	unsigned errors = diag_error_count();

	sh.tail = &sh.head;
	struct src_file *f = diag_load_file(path, NULL);
	if (!f)
		return NULL;
	parse_yaml_source(&sh, f);
	if (!sh.head && diag_error_count() != errors)
		return NULL;
	struct ast_unit *u = xcalloc(1, sizeof *u);
	u->decls = sh.head;
	return u;
}
