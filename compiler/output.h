/* output.h - writing capc's outputs (output.c). */
#ifndef CAPC_OUTPUT_H
#define CAPC_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

/* buf to path ("-": stdout) atomically: a temporary file in the same
 * directory, then rename(2), so a failure never leaves a partial file.
 * 0, or -1 after printing why. */
int write_atomic(const char *path, const uint8_t *buf, size_t len);

#endif /* CAPC_OUTPUT_H */
