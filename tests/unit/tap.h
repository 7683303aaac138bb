/* tap.h - the "ok - ..." / "not ok - ..." lines unit tests print, which
 * tests/run.sh counts. One copy per test program (static). */
#ifndef CAPC_TEST_TAP_H
#define CAPC_TEST_TAP_H

#include <stdarg.h>
#include <stdio.h>

static int failures, count;

static void ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ok(int cond, const char *fmt, ...)
{
	va_list ap;

	count++;
	printf("%s - ", cond ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!cond)
		failures++;
	fflush(stdout); /* in order with diagnostics on stderr */
}

#endif /* CAPC_TEST_TAP_H */
