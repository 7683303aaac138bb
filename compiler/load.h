/* load.h - a policy file compiled in memory (load.c). */
#ifndef CAPC_LOAD_H
#define CAPC_LOAD_H

#include "ir.h"

#include <stddef.h>
#include <stdint.h>

/* 0 with *ir filled (the caller frees it with ir_free), or -1 after the
 * policy's diagnostics were printed. buf: the .cap text already read
 * (stdin), or NULL to read input. */
int load_policy(const char *input, const uint8_t *buf, size_t buflen, const char *service, struct ir_policy *ir);

#endif /* CAPC_LOAD_H */
