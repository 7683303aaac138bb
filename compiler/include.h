/* include.h - the stack of files being read through `include`, shared by
 * the .cap parser (ast.c) and the YAML reader (yaml_input.c): where an
 * included name points, how deep includes may nest, and cycles. */
#ifndef CAPC_INCLUDE_H
#define CAPC_INCLUDE_H

#include <stdbool.h>
#include <sys/types.h>

#define INCLUDE_MAX_DEPTH 16 /* levels below the main file */

struct include_frame {
	const char *path; /* the src_file's, which outlives the stack */
	bool has_id;      /* dev/ino known (not stdin, stat worked) */
	dev_t dev;
	ino_t ino;
};

struct include_stack {
	struct include_frame v[INCLUDE_MAX_DEPTH + 1];
	int depth;
};

/* Before reading `path`, named in an include in the file `from`: returns
 * NULL and the path to open in *full (malloc'ed: relative to the
 * including file's directory), or a malloc'ed message for the caller to
 * report at the include: an empty name, includes nested too deeply, or a
 * cycle ("include cycle: a.cap -> b.cap -> a.cap"). */
char *include_check(const struct include_stack *s, const char *from, const char *path, char **full);

/* Entering and leaving a file (its identity comes from stat(2)). The
 * caller keeps depth <= INCLUDE_MAX_DEPTH through include_check. */
void include_push(struct include_stack *s, const char *path);
void include_pop(struct include_stack *s);

#endif /* CAPC_INCLUDE_H */
