/* yaml_print.h - a syntax tree as a YAML policy (yaml_print.c). */
#ifndef CAPC_YAML_PRINT_H
#define CAPC_YAML_PRINT_H

#include <stdio.h>

#include "ast.h"

void yaml_print(const struct ast_unit *u, FILE *out);

#endif /* CAPC_YAML_PRINT_H */
