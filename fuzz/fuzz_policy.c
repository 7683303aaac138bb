/* fuzz_policy - policy text through the whole compiler.
 *
 * The input is a .cap file (named tests/golden/features/fuzz.cap, so the
 * golden include/ files can be included). Parse, semantic checks and, for
 * each service or session the file declares (at most 4), code generation
 * and the blob writer, exactly as `capc -s NAME` does. Oracles:
 *   - every blob capc writes passes the runtime's validation
 *     (capr_open_mem), except a blob for another architecture only;
 *   - capc --dump prints it (dump_blob returns 0);
 *   - the kernel loads each of its filters (seccomp(2) in a forked child);
 *   - a dry run of every point leaves the process unchanged.
 * Crashes, sanitizer reports, leaks and timeouts are libFuzzer's.
 */
#include <stdio.h>

#include "ast.h"
#include "diag.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init_paths();
	diag_set_stream(fuzz_devnull());
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char name[sizeof fuzz_include_dir + 16];
	if (!name[0])
		snprintf(name, sizeof name, "%sfuzz.cap", fuzz_include_dir);
	fuzz_sandbox = true;
	struct src_file *f = diag_load_text(name, (const char *)data, size);
	struct ast_unit *u = f ? ast_parse_file(f) : NULL;
	if (u) {
		fuzz_compile_unit(u, NULL);
		ast_free_unit(u);
	}
	diag_shutdown();
	fuzz_sandbox = false;
	return 0;
}
