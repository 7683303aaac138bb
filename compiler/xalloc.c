/* xalloc.c - see xalloc.h. */
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "xalloc.h"

void xalloc_die(void)
{
	diag_fatal_noloc("out of memory");
	exit(EXIT_FAILURE);
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		xalloc_die();
	return p;
}

void *xreallocarray(void *ptr, size_t n, size_t size)
{
	void *p = reallocarray(ptr, n ? n : 1, size ? size : 1);
	if (!p)
		xalloc_die();
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		xalloc_die();
	return p;
}

char *xstrndup(const char *s, size_t len)
{
	char *p = strndup(s, len);
	if (!p)
		xalloc_die();
	return p;
}
