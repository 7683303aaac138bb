/* include.c - see include.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "include.h"
#include "xalloc.h"

/* Relative to the directory of the including file. */
static char *resolve(const char *from, const char *path)
{
	const char *slash = strrchr(from, '/');
	if (path[0] == '/' || !slash)
		return xstrdup(strcmp(path, "-") == 0 ? "./-" : path); /* "-" would be stdin */
	size_t dlen = (size_t)(slash - from) + 1;
	char *p = xcalloc(dlen + strlen(path) + 1, 1);
	memcpy(p, from, dlen);
	strcpy(p + dlen, path);
	return p;
}

char *include_check(const struct include_stack *s, const char *from, const char *path, char **full)
{
	struct stat st;

	*full = NULL;
	if (!*path)
		return xstrdup("empty file name in include");
	/* depth counts the main file: INCLUDE_MAX_DEPTH levels below it. */
	if (s->depth > INCLUDE_MAX_DEPTH) {
		char *m;
		if (asprintf(&m, "includes nested too deeply (more than %d levels)", INCLUDE_MAX_DEPTH) < 0)
			xalloc_die();
		return m;
	}
	char *f = resolve(from, path);
	if (stat(f, &st) == 0) {
		for (int i = 0; i < s->depth; i++) {
			const struct include_frame *fr = &s->v[i];
			if (!fr->has_id || fr->dev != st.st_dev || fr->ino != st.st_ino)
				continue;
			char *chain = NULL;
			size_t size = 0;
			FILE *m = open_memstream(&chain, &size);
			if (!m)
				xalloc_die();
			fputs("include cycle: ", m);
			for (int j = i; j < s->depth; j++)
				fprintf(m, "%s -> ", s->v[j].path);
			fputs(f, m);
			if (fclose(m) != 0)
				xalloc_die();
			free(f);
			return chain;
		}
	}
	*full = f;
	return NULL;
}

void include_push(struct include_stack *s, const char *path)
{
	struct include_frame *fr = &s->v[s->depth++];
	struct stat st;

	*fr = (struct include_frame){ .path = path };
	if (strcmp(path, "-") != 0 && stat(path, &st) == 0) {
		fr->has_id = true;
		fr->dev = st.st_dev;
		fr->ino = st.st_ino;
	}
}

void include_pop(struct include_stack *s)
{
	s->depth--;
}
