/* fuzz_bpf - the runtime's BPF checker against the kernel's.
 *
 * docs/capbin.md promises that libcapr's structural check of a filter
 * (capr_bpf_check) equals the kernel's (bpf_check_classic +
 * seccomp_check_filter), so that a filter seccomp(2) would refuse is
 * refused when the blob is loaded, before a stage has changed anything.
 * The input is a sequence of struct sock_filter (8 bytes each, host
 * order). A forked child loads it with seccomp(SECCOMP_SET_MODE_FILTER)
 * after no_new_privs; the oracle is that both accept or both refuse.
 *
 * The kernel is the reference here, so this target needs Linux with
 * seccomp, and forks once per input (a few hundred inputs a second).
 */
#include <linux/filter.h>
#include <stdlib.h>
#include <string.h>

#include "capr_internal.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init_paths();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = size / sizeof(struct sock_filter);
	char why[256] = "";

	if (n < 1 || n > 4096)
		return 0; /* both refuse by length; nothing to compare */
	struct sock_filter *f = malloc(n * sizeof *f);
	if (!f)
		return 0;
	memcpy(f, data, n * sizeof *f);
	int capr_refuses = capr_bpf_check(f, n, why, sizeof why) != 0;
	int kernel_refuses = fuzz_kernel_refuses(f, n);
	if (capr_refuses != kernel_refuses)
		fuzz_fail("%zu instructions: libcapr %s (%s), the kernel %s", n, capr_refuses ? "refuses" : "accepts",
			  capr_refuses ? why : "-", kernel_refuses ? "refuses" : "accepts");
	free(f);
	return 0;
}
