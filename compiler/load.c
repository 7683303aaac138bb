/* load.c - a policy file (.cap, YAML, JSON) compiled in memory, for the
 * subcommands that ask a policy questions (query, explain). Its warnings
 * and notes are for capc proper: they are shown only when the policy does
 * not compile. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "diag.h"
#include "load.h"
#include "sema.h"
#include "yaml_input.h"

int load_policy(const char *input, const uint8_t *buf, size_t buflen, const char *service, struct ir_policy *ir)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	struct ast_unit *u;
	int rc = -1;

	memset(ir, 0, sizeof *ir);
	if (mem)
		diag_set_stream(mem);
	if (yaml_is_yaml_path(input)) {
		u = yaml_parse_file(input, NULL);
	} else {
		struct src_file *f = buf ? diag_load_text(input, (const char *)buf, buflen) : diag_load_file(input, NULL);
		u = f ? ast_parse_file(f) : NULL;
	}
	struct sema_opts opts = { .select = service, .generate = true, .host_lookup = false };
	if (u && !diag_error_count() && sema_build(u, &opts, ir) == 0 && !diag_error_count())
		rc = 0;
	if (u)
		ast_free_unit(u);
	if (mem) {
		fclose(mem);
		diag_set_stream(stderr);
		if (rc < 0 && text)
			fputs(text, stderr);
		free(text);
	}
	return rc;
}
