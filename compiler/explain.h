/* explain.h - capc explain (explain.c). */
#ifndef CAPC_EXPLAIN_H
#define CAPC_EXPLAIN_H

#include <stdio.h>

#include "ir.h"

/* The policy's stages in words, each with its exposure (0 to 10) and the
 * findings behind it. 0, or 1 for a policy it cannot explain. */
int explain_policy(const struct ir_policy *p, const char *source, FILE *out);

/* argv: what follows "explain" on capc's command line; the exit status. */
int explain_main(int argc, char **argv);

#endif /* CAPC_EXPLAIN_H */
