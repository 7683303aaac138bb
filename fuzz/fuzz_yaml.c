/* fuzz_yaml - YAML and JSON input (capc's YAML form and Docker/OCI
 * seccomp profiles) through the whole compiler.
 *
 * yaml_parse_file reads a path, so the input goes into a memfd read as
 * /proc/self/fd/N (its includes resolve under /proc/self/fd/ and are
 * refused by the sandbox, as missing files). Compiled for this machine's
 * native ABI, as `capc -t ABI FILE` (a Docker profile's archMap lists
 * compat ABIs whose socketcall() cannot take its socket() conditions).
 * Oracles: those of fuzz_compile_unit (fuzz.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ast.h"
#include "diag.h"
#include "fuzz.h"
#include "yaml_input.h"

static int fd = -1;
static char path[64];

#if defined(__x86_64__)
static const char *const native[] = { "x86_64", NULL };
#elif defined(__aarch64__)
static const char *const native[] = { "aarch64", NULL };
#else
#error "fuzz_yaml: name this machine's ABI"
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init_paths();
	diag_set_stream(fuzz_devnull());
	fd = memfd_create("fuzz.yaml", MFD_CLOEXEC);
	if (fd < 0)
		fuzz_fail("memfd_create: %s", strerror(errno));
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	fuzz_allow_path(path);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		fuzz_fail("writing the memfd: %s", strerror(errno));
	fuzz_sandbox = true;
	struct ast_unit *u = yaml_parse_file(path, native);
	if (u) {
		fuzz_compile_unit(u, native);
		ast_free_unit(u);
	}
	diag_shutdown();
	fuzz_sandbox = false;
	return 0;
}
