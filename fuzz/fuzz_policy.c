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
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "capr.h"
#include "diag.h"
#include "dump.h"
#include "fuzz.h"
#include "ir.h"
#include "sema.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init_paths();
	diag_set_stream(fuzz_devnull());
	return 0;
}

static void compile(const struct ast_unit *u, const char *select)
{
	struct ir_policy ir;
	struct sema_opts opts = { .select = select, .target = NULL, .generate = true };
	uint8_t *blob = NULL;
	size_t len = 0;
	char why[256];
	unsigned errors = diag_error_count();

	memset(&ir, 0, sizeof ir);
	if (sema_build(u, &opts, &ir) == 0 && diag_error_count() == errors) {
		if (emit_blob(&ir, &blob, &len, why, sizeof why) == 0) {
			struct capr_error err;
			capr_policy *pol = capr_open_mem(blob, len, &err);
			if (!pol && strcmp(err.step, "arch") != 0)
				fuzz_fail("the runtime refuses a blob capc wrote: %s", capr_strerror(&err));
			if (dump_blob(fuzz_devnull(), blob, len) != 0)
				fuzz_fail("capc --dump refuses a blob capc wrote");
			if (pol) {
				fuzz_check_filters(pol);
				fuzz_dry_run_all(pol);
				capr_close(pol);
			}
			free(blob);
		}
	}
	ir_free(&ir);
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
		const char *names[4];
		size_t n = 0;
		for (const struct ast_decl *d = u->decls; d; d = d->next)
			if (d->kind != AD_DEFINE && n < 4 && d->name.text)
				names[n++] = d->name.text;
		compile(u, NULL); /* as `capc FILE`: an error if there are several */
		for (size_t i = 0; n > 1 && i < n; i++)
			compile(u, names[i]);
		ast_free_unit(u);
	}
	diag_shutdown();
	fuzz_sandbox = false;
	return 0;
}
