/* dump.h - a .capbin as readable text (capc --dump).
 *
 * The text is stable: golden tests diff it, and the runtime tests compare
 * its "program sees" lines with /proc/self/status. Every set is printed as
 * names and as hex; every filter is disassembled.
 */
#ifndef CAPC_DUMP_H
#define CAPC_DUMP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Validates the blob (the runtime's own checks, minus "runs on this
 * machine") and prints it. Returns 0, or -1 after printing why the blob
 * was refused. */
int dump_blob(FILE *out, const uint8_t *blob, size_t len);

#endif /* CAPC_DUMP_H */
