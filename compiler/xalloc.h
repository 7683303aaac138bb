/* xalloc.h - allocation for the compiler's front end: out of memory is
 * reported through diag ("capc: error: out of memory") and ends the
 * process, so callers never see NULL. Zero sizes allocate one byte. */
#ifndef CAPC_XALLOC_H
#define CAPC_XALLOC_H

#include <stddef.h>

__attribute__((noreturn)) void xalloc_die(void);
void *xcalloc(size_t n, size_t size);
void *xreallocarray(void *ptr, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t len);

#endif /* CAPC_XALLOC_H */
