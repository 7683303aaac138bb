/* main.c - the capc command line.
 *
 *   capc [options] POLICY [-o OUT]    compile (default OUT: POLICY's name with .capbin)
 *   capc --check [options] POLICY     diagnostics only
 *   capc --dump [options] FILE        a blob, or a policy compiled in memory, as text
 *
 * Exit status: 0 success, 1 errors in the input, 2 usage or I/O errors.
 * The output file is written to a temporary file beside it and renamed
 * into place only when everything succeeded, so a failed run never leaves
 * a partial or stale-looking blob.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ast.h"
#include "capbin.h"
#include "capr_internal.h"
#include "diag.h"
#include "cap_print.h"
#include "dump.h"
#include "explain.h"
#include "export.h"
#include "import.h"
#include "ir.h"
#include "output.h"
#include "query.h"
#include "sema.h"
#include "tables.h"
#include "yaml_input.h"
#include "yaml_print.h"

#define CAPC_VERSION "1.0.0"

/* One screen (24 lines); capc(1) has the rest. */
static void usage(FILE *out)
{
	fprintf(out,
		"usage: capc [options] POLICY [-o OUT]      compile to a .capbin blob\n"
		"       capc --check|--dump|--ast [options] POLICY|BLOB\n"
		"       capc --emit FORMAT [--point P] [--arch ABI] POLICY|BLOB [-o OUT]\n"
		"       capc query POLICY|BLOB 'NAME(ARG, ...)' [--point P] [--arch ABI]\n"
		"       capc explain POLICY [-s SERVICE]\n"
		"       capc import PROFILE.json [-o OUT.cap] [--arch ABI] [--caps|--cap-add L]\n"
		"POLICY: .cap, YAML or JSON (Docker/OCI profiles too); '-': stdin (stdout for -o)\n"
		"\n"
		"  -o, --output FILE    the output (default: POLICY's name + .capbin, here)\n"
		"  -s, --service NAME   the service or session, when the file has several\n"
		"  -t, --target ABIS    target ABIs, e.g. x86_64,x86 (default: 'arch' or here)\n"
		"      --check          report errors and warnings, write nothing\n"
		"      --dump           a blob (or a policy compiled in memory) as text\n"
		"      --emit FORMAT    bpf (one stage's raw filter), systemd (a unit drop-in),\n"
		"                       oci (config.json parts), cap or yaml (the policy itself)\n"
		"      --no-host-lookup no 'user does not exist on this machine' warnings\n"
		"      --backend NAME   who writes the BPF: capc (default) or libseccomp\n"
		"  -W error, -w         warnings as errors; no warnings\n"
		"  -h, --help           this text; --version: the version and the blob format\n"
		"\n"
		"Exit: 0 done, 1 the input has errors, 2 usage or I/O. See capc(1), capc.cap(5).\n");
}

static char *default_output(const char *policy)
{
	char *copy = strdup(policy);
	if (!copy)
		return NULL;
	char *base = basename(copy);
	char *dot = strrchr(base, '.');
	if (dot && dot != base)
		*dot = '\0';
	size_t n = strlen(base) + sizeof ".capbin";
	char *out = malloc(n);
	if (out)
		snprintf(out, n, "%s.capbin", base);
	free(copy);
	return out;
}

/* --dump reads its input once (a file, or stdin for "-"), then decides
 * what it is: a blob by its magic, policy text otherwise. Binary data
 * without the magic is a damaged or foreign blob: say so, not "not a
 * text file". Returns 0 with *buf, or prints why and returns -1. */
static int read_dump_input(const char *input, uint8_t **buf, size_t *len)
{
	struct capr_error rerr;
	int fd = strcmp(input, "-") == 0 ? STDIN_FILENO : open(input, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		fprintf(stderr, "capc: error: cannot read '%s': %s\n", input, strerror(errno));
		return -1;
	}
	int rc = capr_read_blob_fd(fd, buf, len, &rerr);
	if (fd != STDIN_FILENO)
		close(fd);
	if (rc < 0) {
		fprintf(stderr, "capc: error: cannot read '%s': %s\n", input, rerr.msg);
		return -1;
	}
	return 0;
}

static bool has_magic(const uint8_t *buf, size_t len)
{
	return len >= CAPBIN_MAGIC_LEN && memcmp(buf, CAPBIN_MAGIC, CAPBIN_MAGIC_LEN) == 0;
}

static char **split_commas(const char *s)
{
	size_t n = 1;
	for (const char *p = s; *p; p++)
		n += *p == ',';
	char **v = calloc(n + 1, sizeof *v);
	char *copy = strdup(s);
	if (!v || !copy) {
		free(v);
		free(copy);
		return NULL;
	}
	size_t i = 0;
	for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		v[i++] = strdup(tok);
	free(copy);
	return v;
}

static void free_strv(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

int main(int argc, char **argv)
{
	enum { OPT_CHECK = 256, OPT_DUMP, OPT_AST, OPT_VERSION, OPT_NO_HOST, OPT_EMIT, OPT_POINT, OPT_ARCH,
	       OPT_BACKEND };
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'}, {"service", required_argument, NULL, 's'},
		{"target", required_argument, NULL, 't'}, {"check", no_argument, NULL, OPT_CHECK},
		{"dump", no_argument, NULL, OPT_DUMP},     {"ast", no_argument, NULL, OPT_AST},
		{"help", no_argument, NULL, 'h'},          {"version", no_argument, NULL, OPT_VERSION},
		{"no-host-lookup", no_argument, NULL, OPT_NO_HOST}, {"emit", required_argument, NULL, OPT_EMIT},
		{"point", required_argument, NULL, OPT_POINT},     {"arch", required_argument, NULL, OPT_ARCH},
		{"backend", required_argument, NULL, OPT_BACKEND}, {NULL, 0, NULL, 0},
	};
	const char *output = NULL, *service = NULL, *emit = NULL, *point = NULL, *arch = NULL;
	char **target = NULL;

	/* Names for shell completion: capc --list caps|syscalls|groups. */
	if (argc == 3 && strcmp(argv[1], "--list") == 0) {
		const char *(*next)(void *, size_t) = strcmp(argv[2], "caps") == 0	  ? tbl_cap_candidate
						      : strcmp(argv[2], "syscalls") == 0 ? tbl_syscall_candidate
						      : strcmp(argv[2], "groups") == 0	  ? tbl_group_candidate
											  : NULL;
		if (!next) {
			fprintf(stderr, "capc: error: --list caps|syscalls|groups\n");
			return 2;
		}
		const char *n;
		for (size_t i = 0; (n = next(NULL, i)) != NULL; i++)
			printf("%s%s\n", next == tbl_group_candidate ? "@" : "", n);
		return 0;
	}
	if (argc > 1 && (strcmp(argv[1], "query") == 0 || strcmp(argv[1], "import") == 0 ||
			 strcmp(argv[1], "explain") == 0)) {
		int rc = argv[1][0] == 'q'   ? query_main(argc - 2, argv + 2)
			 : argv[1][0] == 'i' ? import_main(argc - 2, argv + 2)
					     : explain_main(argc - 2, argv + 2);
		diag_shutdown();
		return rc;
	}
	bool check = false, dump = false, ast = false, host_lookup = true;
	enum sc_backend backend = SC_BACKEND_CAPC;
	int c, status = 2;

	while ((c = getopt_long(argc, argv, "o:s:t:W:wh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 's':
			service = optarg;
			break;
		case 't':
			free_strv(target);
			target = split_commas(optarg);
			if (!target || !target[0]) {
				fprintf(stderr, "capc: error: --target needs a comma-separated list of ABIs\n");
				free_strv(target);
				return 2;
			}
			break;
		case OPT_CHECK:
			check = true;
			break;
		case OPT_DUMP:
			dump = true;
			break;
		case OPT_AST:
			ast = true;
			break;
		case OPT_NO_HOST:
			host_lookup = false;
			break;
		case OPT_BACKEND:
			if (strcmp(optarg, "capc") == 0) {
				backend = SC_BACKEND_CAPC;
			} else if (strcmp(optarg, "libseccomp") == 0) {
				backend = SC_BACKEND_LIBSECCOMP;
			} else {
				fprintf(stderr, "capc: error: --backend %s: unknown BPF generator (capc, libseccomp)\n", optarg);
				free_strv(target);
				return 2;
			}
			break;
		case OPT_EMIT:
			if (strcmp(optarg, "bpf") != 0 && strcmp(optarg, "systemd") != 0 && strcmp(optarg, "oci") != 0 &&
			    strcmp(optarg, "cap") != 0 && strcmp(optarg, "yaml") != 0) {
				fprintf(stderr, "capc: error: --emit %s: unknown format (bpf, systemd, oci, cap, yaml)\n",
					optarg);
				free_strv(target);
				return 2;
			}
			emit = optarg;
			break;
		case OPT_POINT:
			point = optarg;
			break;
		case OPT_ARCH:
			arch = optarg;
			break;
		case 'W':
			if (strcmp(optarg, "error") != 0) {
				fprintf(stderr, "capc: error: unknown option '-W%s' (only -Werror)\n", optarg);
				free_strv(target);
				return 2;
			}
			diag_set_warnings_are_errors(true);
			break;
		case 'w':
			diag_set_warnings_enabled(false);
			break;
		case 'h':
			usage(stdout);
			free_strv(target);
			return 0;
		case OPT_VERSION:
			printf("capc %s (blob format %d.%d)\n", CAPC_VERSION, CAPBIN_VERSION_MAJOR,
			       CAPBIN_VERSION_MINOR);
			free_strv(target);
			return 0;
		default:
			usage(stderr);
			free_strv(target);
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, optind == argc ? "capc: error: no input file\n" : "capc: error: one input file only\n");
		usage(stderr);
		free_strv(target);
		return 2;
	}
	if ((check && dump) || (output && (check || dump || ast)) || (emit && (check || dump || ast))) {
		fprintf(stderr, "capc: error: --check, --dump, --ast, --emit and -o exclude each other\n");
		free_strv(target);
		return 2;
	}
	if ((point || arch) && !emit) {
		fprintf(stderr, "capc: error: --point and --arch go with --emit\n");
		free_strv(target);
		return 2;
	}
	const char *input = argv[optind];
	uint8_t *blob = NULL;
	size_t blob_len = 0;
	char *default_out = NULL;
	struct ast_unit *unit = NULL;
	struct ir_policy ir;
	memset(&ir, 0, sizeof ir);

	if (emit && strcmp(emit, "bpf") == 0 && !yaml_is_yaml_path(input)) {
		/* a blob: its filter for this machine */
		if (read_dump_input(input, &blob, &blob_len) < 0)
			goto out;
		if (has_magic(blob, blob_len)) {
			struct capr_error perr;
			char why[256];
			uint8_t *bytes = NULL;
			size_t nbytes = 0;
			if (arch) {
				fprintf(stderr, "capc: error: --arch: a blob's filter is converted for this machine only; compile the policy for %s\n",
					arch);
				status = 1;
				goto out;
			}
			capr_policy *pol = capr_policy_from_buf(blob, blob_len, &perr);
			blob = NULL; /* taken */
			if (!pol) {
				fprintf(stderr, "capc: error: %s\n", capr_strerror(&perr));
				status = 1;
				goto out;
			}
			if (export_bpf_blob(pol, point, &bytes, &nbytes, why, sizeof why) < 0) {
				fprintf(stderr, "capc: error: %s\n", why);
				status = 1;
			} else {
				status = write_atomic(output ? output : "-", bytes, nbytes) == 0 ? 0 : 2;
			}
			free(bytes);
			capr_close(pol);
			goto out;
		}
		struct src_file *f = diag_load_text(input, (const char *)blob, blob_len);
		free(blob);
		blob = NULL;
		blob_len = 0;
		unit = f ? ast_parse_file(f) : NULL;
	} else if (dump && !yaml_is_yaml_path(input)) {
		if (read_dump_input(input, &blob, &blob_len) < 0)
			goto out;
		if (has_magic(blob, blob_len)) {
			status = dump_blob(stdout, blob, blob_len) == 0 ? 0 : 1;
			goto out;
		}
		if (memchr(blob, '\0', blob_len)) {
			fprintf(stderr,
				"capc: error: '%s' is not a capbin blob (bad magic: a blob starts with \"CAPCBIN\\x1a\") and not policy text\n",
				input);
			status = 1;
			goto out;
		}
		/* Policy text: compiled in memory from what was read. */
		struct src_file *f = diag_load_text(input, (const char *)blob,
						    blob_len);
		free(blob);
		blob = NULL;
		blob_len = 0;
		unit = f ? ast_parse_file(f) : NULL;
	} else if (yaml_is_yaml_path(input)) {
		unit = yaml_parse_file(input, (const char *const *)target);
	} else {
		struct src_file *f = diag_load_file(input, NULL);
		if (!f) {
			status = 2; /* I/O, not the policy's fault */
			goto report;
		}
		unit = ast_parse_file(f);
	}
	if (unit && diag_error_count() && !yaml_is_yaml_path(input) && !ast) {
		/* Syntax errors: the parser dropped the broken statements.
		 * Check the rest too, as a C compiler does, so one run shows
		 * every error; nothing is written. */
		struct sema_opts rest = {
			.select = service,
			.target = (const char *const *)target,
			.generate = false,
			.host_lookup = host_lookup,
			.after_syntax_error = true,
		};
		sema_build(unit, &rest, &ir);
		status = 1;
		goto report;
	}
	if (!unit || diag_error_count()) {
		status = diag_error_count() ? 1 : 2;
		goto report;
	}
	if (ast) {
		ast_print(unit, stdout);
		status = 0;
		goto report;
	}
	struct sema_opts opts = {
		.select = service,
		.target = (const char *const *)target,
		.generate = !check && !(emit && (strcmp(emit, "cap") == 0 || strcmp(emit, "yaml") == 0)),
		.host_lookup = host_lookup,
		.backend = backend,
	};
	if (sema_build(unit, &opts, &ir) < 0 || diag_error_count()) {
		status = 1;
		goto report;
	}
	if (check) {
		status = 0;
		goto report;
	}
	if (emit && (strcmp(emit, "cap") == 0 || strcmp(emit, "yaml") == 0)) {
		/* the tree as canonical .cap text or YAML: checked, not compiled */
		char *text = NULL;
		size_t tlen = 0;
		FILE *mf = open_memstream(&text, &tlen);
		if (!mf) {
			fprintf(stderr, "capc: error: out of memory\n");
			goto report;
		}
		if (emit[0] == 'c')
			cap_print(unit, mf);
		else
			yaml_print(unit, mf);
		fclose(mf);
		status = write_atomic(output ? output : "-", (const uint8_t *)text, tlen) == 0 ? 0 : 2;
		free(text);
		goto report;
	}
	char err[256];
	if (emit_blob(&ir, &blob, &blob_len, err, sizeof err) < 0) {
		fprintf(stderr, "capc: error: %s\n", err);
		status = 1;
		goto report;
	}
	if (dump) {
		status = dump_blob(stdout, blob, blob_len) == 0 ? 0 : 1;
		goto report;
	}
	if (emit && (strcmp(emit, "systemd") == 0 || strcmp(emit, "oci") == 0)) {
		uint8_t *bytes = NULL;
		size_t nbytes = 0;
		unsigned gaps = 0;
		bool sd = strcmp(emit, "systemd") == 0;
		if ((sd ? export_systemd(&ir, input, &bytes, &nbytes, &gaps, err, sizeof err)
			: export_oci(&ir, &bytes, &nbytes, &gaps, err, sizeof err)) < 0) {
			fprintf(stderr, "capc: error: %s\n", err);
			status = 1;
			goto report;
		}
		if (gaps)
			fprintf(stderr, "capc: warning: %u part%s of the policy cannot be expressed in %s: see %s\n", gaps,
				gaps == 1 ? "" : "s", sd ? "systemd" : "OCI",
				sd ? "the '# not expressible' comments" : "annotations[\"org.capc.not-expressible\"]");
		status = write_atomic(output ? output : "-", bytes, nbytes) == 0 ? 0 : 2;
		free(bytes);
		goto report;
	}
	if (emit) {
		uint8_t *bytes = NULL;
		size_t nbytes = 0;
		if (export_bpf(&ir, point, arch, &bytes, &nbytes, err, sizeof err) < 0) {
			fprintf(stderr, "capc: error: %s\n", err);
			status = 1;
			goto report;
		}
		status = write_atomic(output ? output : "-", bytes, nbytes) == 0 ? 0 : 2;
		free(bytes);
		goto report;
	}
	if (!output) {
		default_out = default_output(input);
		if (!default_out) {
			fprintf(stderr, "capc: error: out of memory\n");
			goto report;
		}
		output = default_out;
	}
	status = write_atomic(output, blob, blob_len) == 0 ? 0 : 2;
report:
	if (diag_error_count() || diag_warning_count()) {
		unsigned e = diag_error_count(), w = diag_warning_count();
		if (e && w)
			fprintf(stderr, "%u error%s and %u warning%s generated.\n", e, e == 1 ? "" : "s", w,
				w == 1 ? "" : "s");
		else if (e)
			fprintf(stderr, "%u error%s generated.\n", e, e == 1 ? "" : "s");
		else
			fprintf(stderr, "%u warning%s generated.\n", w, w == 1 ? "" : "s");
	}
out:
	ir_free(&ir);
	if (unit)
		ast_free_unit(unit);
	free(blob);
	free(default_out);
	free_strv(target);
	diag_shutdown();
	return status;
}
