/* fuzz_blob - blob bytes through the runtime's validator and capc --dump.
 *
 * The checksum (bytes 20..23) is recomputed over the input first, so the
 * fuzzer gets past it to the structural checks (a wrong checksum is one
 * comparison; tests/golden covers it). Oracles:
 *   - capr_open_mem and dump_blob agree: the dump makes the runtime's
 *     checks minus "runs on this machine", so a blob one accepts and the
 *     other refuses (other than for its architecture) is a bug in one of
 *     them;
 *   - every filter of an accepted blob loads in the kernel (seccomp(2) in
 *     a forked child): the runtime must refuse at load time what the
 *     kernel would refuse after the stage's other steps;
 *   - a dry run of every point of an accepted blob leaves the process
 *     unchanged.
 */
#include <stdlib.h>
#include <string.h>

#include "capbin.h"
#include "capr.h"
#include "dump.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init_paths();
	stderr = fuzz_devnull(); /* dump_blob says why it refuses a blob */
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1);
	struct capr_error err;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (size >= sizeof(struct capbin_header)) {
		memset(buf + 20, 0, 4);
		uint32_t crc = capbin_crc32(0, buf, size);
		for (int i = 0; i < 4; i++)
			buf[20 + i] = (uint8_t)(crc >> (8 * i));
	}
	capr_policy *pol = capr_open_mem(buf, size, &err);
	int dumped = dump_blob(fuzz_devnull(), buf, size);
	if (pol && dumped != 0)
		fuzz_fail("capc --dump refuses a blob the runtime accepts");
	if (!pol && dumped == 0 && strcmp(err.step, "arch") != 0)
		fuzz_fail("capc --dump accepts a blob the runtime refuses: %s", capr_strerror(&err));
	if (pol) {
		fuzz_check_filters(pol);
		fuzz_dry_run_all(pol);
		capr_close(pol);
	}
	free(buf);
	return 0;
}
