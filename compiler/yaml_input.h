/* yaml_input.h - policies written as YAML or JSON (libyaml).
 *
 * Two inputs produce the same syntax tree the .cap grammar produces, so
 * everything after parsing (names, checks, dump) is shared:
 *   - capc's own YAML form of the language (docs/yaml.md);
 *   - a Docker/OCI seccomp profile (JSON is YAML), imported as a service
 *     whose exec stage is that filter.
 * Locations point into the YAML file (libyaml marks), so diagnostics look
 * the same as for .cap files.
 */
#ifndef CAPC_YAML_INPUT_H
#define CAPC_YAML_INPUT_H

#include <stdbool.h>

#include "ast.h"

/* True for the names read as YAML or JSON (.yaml, .yml, .json), by the
 * command line and by includes alike. */
bool yaml_is_yaml_path(const char *path);

/* Reports errors through diag; returns NULL when nothing usable was read.
 * `target` is --target's ABI list (NULL-terminated) or NULL for this
 * machine: a Docker profile's arch-dependent entries are chosen for its
 * first ABI, as Docker chooses them for the machine it runs on. */
struct ast_unit *yaml_parse_file(const char *path, const char *const *target);

/* The capabilities a Docker profile's includes/excludes.caps are evaluated
 * against: Docker's default container set, unless yaml_docker_caps() gave
 * another (capc import --caps, --cap-add). */
uint64_t yaml_docker_default_caps(void);
void yaml_docker_caps(uint64_t caps);

#endif /* CAPC_YAML_INPUT_H */
