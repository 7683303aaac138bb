/* cap_print.h - a syntax tree as canonical .cap text (cap_print.c). */
#ifndef CAPC_CAP_PRINT_H
#define CAPC_CAP_PRINT_H

#include <stdio.h>

#include "ast.h"

void cap_print(const struct ast_unit *u, FILE *out);
/* Pieces, for the YAML printer: a condition, an action as written after
 * `default`, an expect line without its keyword. */
void cap_print_cond(FILE *out, const struct ast_cond *c);
void cap_print_action(FILE *out, const struct ast_action *a);
void cap_print_expect(FILE *out, const struct ast_sc_stmt *s);

#endif /* CAPC_CAP_PRINT_H */
