/* export.h - a compiled policy in other tools' formats (export.c). */
#ifndef CAPC_EXPORT_H
#define CAPC_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "capr_internal.h"
#include "ir.h"

/* The raw filter of one stage (struct sock_filter[], 8 bytes each, in the
 * target's byte order), as bwrap --seccomp FD and other loaders take it.
 * point NULL: the first stage with a filter; arch NULL: the first target.
 * 0, or -1 with why. */
int export_bpf(const struct ir_policy *p, const char *point, const char *arch, uint8_t **out, size_t *len,
	       char *why, size_t whylen);
/* The same from a blob, for this machine's architecture. */
int export_bpf_blob(const capr_policy *pol, const char *point, uint8_t **out, size_t *len, char *why, size_t whylen);

/* The exec stage as a systemd unit drop-in ([Service] settings); what
 * systemd cannot express is a "# not expressible" comment, counted in
 * *warnings. source names the input in the header comment. */
int export_systemd(const struct ir_policy *p, const char *source, uint8_t **out, size_t *len, unsigned *warnings,
		   char *why, size_t whylen);

/* The exec stage as an OCI runtime-spec fragment (process.capabilities,
 * noNewPrivileges, user; linux.seccomp); what OCI cannot say is listed in
 * annotations["org.capc.not-expressible"], counted in *warnings. */
int export_oci(const struct ir_policy *p, uint8_t **out, size_t *len, unsigned *warnings, char *why, size_t whylen);

#endif /* CAPC_EXPORT_H */
