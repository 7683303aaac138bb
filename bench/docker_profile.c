/* docker_profile.c - read a Docker seccomp profile (JSON, through libyaml)
 * and resolve includes/excludes as Docker does for a default container.
 * See docker_profile.h. Only what the benchmarks need: a malformed profile
 * is an error, not a diagnosis.
 */
#include <errno.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <yaml.h>

#include "docker_profile.h"

/* Docker's default capability set (moby oci/caps/defaults.go), the same
 * list capc's importer uses. */
static const char *const default_caps[] = {
	"CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER",           "CAP_MKNOD",
	"CAP_NET_RAW", "CAP_SETGID",      "CAP_SETUID", "CAP_SETFCAP",          "CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE", NULL,
};

/* Docker's names for this machine's architecture in includes/excludes. */
#if defined(__x86_64__)
static const char *const my_arch[] = { "amd64", NULL };
#elif defined(__aarch64__)
static const char *const my_arch[] = { "arm64", NULL };
#else
#error "bench: add Docker's name for this architecture"
#endif

struct ctx {
	yaml_document_t *doc;
	const char *path;
};

static yaml_node_t *node(struct ctx *c, int id)
{
	return yaml_document_get_node(c->doc, id);
}

static const char *scalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static yaml_node_t *get(struct ctx *c, yaml_node_t *map, const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		const char *k = scalar(node(c, p->key));
		if (k && strcmp(k, key) == 0)
			return node(c, p->value);
	}
	return NULL;
}

static size_t seq_len(yaml_node_t *n)
{
	if (!n || n->type != YAML_SEQUENCE_NODE)
		return 0;
	return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

static yaml_node_t *seq_at(struct ctx *c, yaml_node_t *n, size_t i)
{
	return node(c, n->data.sequence.items.start[i]);
}

static bool in_list(const char *v, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(v, *list) == 0)
			return true;
	return false;
}

static int number(const char *s, uint64_t *out)
{
	char *end;
	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

static bool cap_held(const char *name)
{
	/* Docker writes CAP_SYS_ADMIN; compare by number so spelling
	 * variants (cap_sys_admin) match too. */
	cap_value_t want;
	if (cap_from_name(name, &want) < 0)
		return false;
	for (const char *const *d = default_caps; *d; d++) {
		cap_value_t have;
		if (cap_from_name(*d, &have) == 0 && have == want)
			return true;
	}
	return false;
}

/* Whether an entry passes its includes (include) or excludes (!include). */
static bool passes(struct ctx *c, yaml_node_t *f, bool include)
{
	if (!f || f->type != YAML_MAPPING_NODE)
		return true;
	yaml_node_t *arches = get(c, f, "arches"), *caps = get(c, f, "caps"), *kernel = get(c, f, "minKernel");
	bool arch_listed = false, arch_match = false, all_caps = true, any_cap = false;
	for (size_t i = 0; i < seq_len(arches); i++) {
		const char *a = scalar(seq_at(c, arches, i));
		arch_listed = true;
		if (a && in_list(a, my_arch))
			arch_match = true;
	}
	for (size_t i = 0; i < seq_len(caps); i++) {
		const char *s = scalar(seq_at(c, caps, i));
		bool held = s && cap_held(s);
		all_caps = all_caps && held;
		any_cap = any_cap || held;
	}
	if (include)
		return (!arch_listed || arch_match) && all_caps; /* minKernel: assumed met */
	return !arch_match && !any_cap && !(kernel && scalar(kernel) && *scalar(kernel));
}

static int action(const char *a, yaml_node_t *errno_node, uint32_t *out)
{
	uint64_t e = 1; /* EPERM, Docker's default errnoRet */
	if (!a)
		return -1;
	if (errno_node && (number(scalar(errno_node), &e) < 0 || e > 4095))
		return -1;
	if (!strcmp(a, "SCMP_ACT_ALLOW"))
		*out = SCMP_ACT_ALLOW;
	else if (!strcmp(a, "SCMP_ACT_ERRNO"))
		*out = SCMP_ACT_ERRNO((uint32_t)e);
	else if (!strcmp(a, "SCMP_ACT_KILL") || !strcmp(a, "SCMP_ACT_KILL_THREAD"))
		*out = SCMP_ACT_KILL;
	else if (!strcmp(a, "SCMP_ACT_KILL_PROCESS"))
		*out = SCMP_ACT_KILL_PROCESS;
	else if (!strcmp(a, "SCMP_ACT_TRAP"))
		*out = SCMP_ACT_TRAP;
	else if (!strcmp(a, "SCMP_ACT_LOG"))
		*out = SCMP_ACT_LOG;
	else
		return -1;
	return 0;
}

static int parse_args(struct ctx *c, yaml_node_t *args, struct dp_rule *r)
{
	static const struct {
		const char *name;
		enum dp_op op;
	} ops[] = {
		{ "SCMP_CMP_NE", DP_NE }, { "SCMP_CMP_LT", DP_LT }, { "SCMP_CMP_LE", DP_LE },
		{ "SCMP_CMP_EQ", DP_EQ }, { "SCMP_CMP_GE", DP_GE }, { "SCMP_CMP_GT", DP_GT },
		{ "SCMP_CMP_MASKED_EQ", DP_MASKED_EQ },
	};
	size_t n = seq_len(args);
	if (!n)
		return 0;
	r->args = calloc(n, sizeof *r->args);
	if (!r->args)
		return -1;
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *a = seq_at(c, args, i);
		struct dp_arg *d = &r->args[r->nargs++];
		uint64_t idx;
		const char *op = scalar(get(c, a, "op"));
		if (number(scalar(get(c, a, "index")), &idx) < 0 || idx > 5 ||
		    number(scalar(get(c, a, "value")), &d->value) < 0 || !op)
			return -1;
		d->index = (unsigned)idx;
		yaml_node_t *two = get(c, a, "valueTwo");
		if (two && number(scalar(two), &d->value_two) < 0)
			return -1;
		size_t k;
		for (k = 0; k < sizeof ops / sizeof ops[0]; k++)
			if (!strcmp(op, ops[k].name))
				break;
		if (k == sizeof ops / sizeof ops[0])
			return -1;
		d->op = ops[k].op;
	}
	return 0;
}

static int entry(struct ctx *c, yaml_node_t *e, struct dp_profile *p)
{
	if (!e || e->type != YAML_MAPPING_NODE)
		return -1;
	if (!passes(c, get(c, e, "includes"), true) || !passes(c, get(c, e, "excludes"), false)) {
		p->skipped_entries++;
		return 0;
	}
	struct dp_rule r = { 0 };
	if (action(scalar(get(c, e, "action")), get(c, e, "errnoRet"), &r.action) < 0 ||
	    parse_args(c, get(c, e, "args"), &r) < 0)
		goto bad;
	yaml_node_t *names = get(c, e, "names");
	const char *one = scalar(get(c, e, "name"));
	size_t n = seq_len(names) + (one != NULL);
	r.names = calloc(n + 1, sizeof *r.names);
	if (!r.names)
		goto bad;
	for (size_t i = 0; i < n; i++) {
		const char *s = i < seq_len(names) ? scalar(seq_at(c, names, i)) : one;
		if (!s)
			goto bad;
		if (seccomp_syscall_resolve_name(s) == __NR_SCMP_ERROR) {
			p->unknown_names++;
			continue;
		}
		if (!(r.names[r.nnames++] = strdup(s)))
			goto bad;
	}
	struct dp_rule *nr = realloc(p->rules, (p->nrules + 1) * sizeof *nr);
	if (!nr)
		goto bad;
	p->rules = nr;
	p->rules[p->nrules++] = r;
	return 0;
bad:
	for (size_t i = 0; i < r.nnames; i++)
		free(r.names[i]);
	free(r.names);
	free(r.args);
	return -1;
}

int dp_load(const char *path, struct dp_profile *out)
{
	FILE *fp = fopen(path, "rb");
	yaml_parser_t parser;
	yaml_document_t doc;
	int ret = -1;

	memset(out, 0, sizeof *out);
	if (!fp) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!yaml_parser_initialize(&parser)) {
		fclose(fp);
		fprintf(stderr, "%s: libyaml: out of memory\n", path);
		return -1;
	}
	yaml_parser_set_input_file(&parser, fp);
	if (!yaml_parser_load(&parser, &doc)) {
		fprintf(stderr, "%s:%zu: %s\n", path, parser.problem_mark.line + 1,
			parser.problem ? parser.problem : "invalid YAML/JSON");
		yaml_parser_delete(&parser);
		fclose(fp);
		return -1;
	}
	struct ctx c = { .doc = &doc, .path = path };
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	yaml_node_t *syscalls = get(&c, root, "syscalls");
	if (action(scalar(get(&c, root, "defaultAction")), get(&c, root, "defaultErrnoRet"), &out->default_action) < 0) {
		fprintf(stderr, "%s: missing or unsupported defaultAction\n", path);
		goto done;
	}
	for (size_t i = 0; i < seq_len(syscalls); i++) {
		if (entry(&c, seq_at(&c, syscalls, i), out) < 0) {
			fprintf(stderr, "%s: syscall entry %zu: malformed or unsupported\n", path, i);
			goto done;
		}
	}
	ret = 0;
done:
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	fclose(fp);
	if (ret < 0)
		dp_free(out);
	return ret;
}

void dp_free(struct dp_profile *p)
{
	for (size_t i = 0; i < p->nrules; i++) {
		for (size_t j = 0; j < p->rules[i].nnames; j++)
			free(p->rules[i].names[j]);
		free(p->rules[i].names);
		free(p->rules[i].args);
	}
	free(p->rules);
	memset(p, 0, sizeof *p);
}
