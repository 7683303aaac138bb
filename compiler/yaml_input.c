/* yaml_input.c - placeholder until the YAML reader (branch 'yaml') lands:
 * YAML and JSON inputs are refused with a clear error. */
#include "yaml_input.h"

struct ast_unit *yaml_parse_file(const char *path)
{
	diag_fatal_noloc("'%s': YAML/JSON input is not built into this capc yet", path);
	return NULL;
}
