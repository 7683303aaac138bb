/* capr_blob.c - loading and validating a .capbin (capbin.h, docs/capbin.md).
 *
 * The whole file is read into memory and every field is checked before a
 * policy handle exists, so nothing about the process can change on the
 * strength of a blob that is corrupt, truncated, from another format
 * version or for another architecture. The checks, in order:
 *
 *   blob      size within CAPBIN_MAX_SIZE, magic, file_size == length read
 *   checksum  CRC-32 of the file with the checksum field zero
 *   blob      version (major 1, any minor), header_size, kind, counts,
 *             sections (8-aligned, after the header, inside the file, not
 *             overlapping one another), reserved fields
 *   strings   first and last byte NUL, every offset inside and terminated
 *   ids, stage, rule, filter   every field (see validate_stage())
 *   filter    a service's filters, stacked in stage order, within the
 *             kernel's total for one process (check_path_len())
 *   arch      a stage with filters needs an entry for the running arch
 *
 * Every integer is read with memcpy + capbin_le*(): the buffer is never
 * cast to a struct, so alignment and byte order do not matter.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capr_internal.h"

struct rd {
	const uint8_t *buf;
	size_t len;
	unsigned minor;
	uint32_t str_off, str_size;
	struct capr_error *err;
};

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof v);
	return capbin_le16(v);
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof v);
	return capbin_le32(v);
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof v);
	return capbin_le64(v);
}

#define HDR(field) offsetof(struct capbin_header, field)
#define STG(field) offsetof(struct capbin_stage, field)

/* A string offset: inside the section and NUL-terminated there (the last
 * byte of the section is NUL, checked once). Returns the string or NULL
 * with err set; what names the field for the message. */
static const char *get_str(struct rd *r, uint32_t off, bool nonempty, const char *what)
{
	if (off >= r->str_size) {
		capr_seterr(r->err, EINVAL, "strings", "%s: string offset %u is outside the string section (%u bytes)",
			    what, off, r->str_size);
		return NULL;
	}
	const char *s = (const char *)r->buf + r->str_off + off;
	if (nonempty && !*s) {
		capr_seterr(r->err, EINVAL, "strings", "%s: empty name", what);
		return NULL;
	}
	return s;
}

/* An id: by name (name != 0, id == CAPBIN_ID_NONE) or by number. */
static int get_id(struct rd *r, const uint8_t *p, struct capr_id *out, const char *what)
{
	uint32_t name = rd32(p), id = rd32(p + 4);

	if (name) {
		out->name = get_str(r, name, true, what);
		if (!out->name)
			return -1;
		if (id != CAPBIN_ID_NONE) {
			capr_seterr(r->err, EINVAL, "ids", "%s: named '%s' but also has number %u", what, out->name, id);
			return -1;
		}
		out->id = CAPBIN_ID_NONE;
	} else {
		out->name = NULL;
		out->id = id;
	}
	return 0;
}

/* A numeric id that setres[ug]id/setgroups could be asked to use: -1 means
 * "unchanged" to the kernel and is never a valid target. */
static int check_target_id(struct rd *r, const struct capr_id *id, bool primary_ok, const char *what)
{
	if (id->name)
		return 0;
	if (id->id == CAPBIN_ID_NONE || (id->id == CAPBIN_ID_USER_PRIMARY && !primary_ok)) {
		capr_seterr(r->err, EINVAL, "ids", "%s: invalid id 0x%08x", what, id->id);
		return -1;
	}
	return 0;
}

struct section {
	const char *name;
	uint32_t off;
	uint64_t size;
};

static int check_sections(struct rd *r, struct section *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i].off % CAPBIN_ALIGN) {
			capr_seterr(r->err, EINVAL, "blob", "%s section at offset %u is not %u-byte aligned", s[i].name,
				    s[i].off, CAPBIN_ALIGN);
			return -1;
		}
		if (s[i].off < sizeof(struct capbin_header)) {
			capr_seterr(r->err, EINVAL, "blob", "%s section at offset %u overlaps the header", s[i].name,
				    s[i].off);
			return -1;
		}
		if ((uint64_t)s[i].off + s[i].size > r->len) {
			capr_seterr(r->err, EINVAL, "blob",
				    "%s section (offset %u, %llu bytes) extends past the end of the file (%zu bytes)",
				    s[i].name, s[i].off, (unsigned long long)s[i].size, r->len);
			return -1;
		}
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			if (!s[i].size || !s[j].size)
				continue;
			if (s[i].off < s[j].off + s[j].size && s[j].off < s[i].off + s[i].size) {
				capr_seterr(r->err, EINVAL, "blob", "%s and %s sections overlap", s[i].name, s[j].name);
				return -1;
			}
		}
	return 0;
}

static int validate_header(struct rd *r, struct capbin_header *h)
{
	const uint8_t *b = r->buf;
	uint32_t stored, computed;
	uint8_t zero[4] = {0};

	/* Size and magic first: a file that is not a blob at all gets that
	 * message, not a checksum error. */
	if (r->len < CAPBIN_MAGIC_LEN && memcmp(b, CAPBIN_MAGIC, r->len) == 0) {
		capr_seterr(r->err, EINVAL, "blob", "truncated: file has %zu bytes, the header alone needs %zu", r->len,
			    sizeof *h);
		return -1;
	}
	if (r->len < CAPBIN_MAGIC_LEN || memcmp(b, CAPBIN_MAGIC, CAPBIN_MAGIC_LEN) != 0) {
		capr_seterr(r->err, EINVAL, "blob", "not a capbin blob (bad magic)");
		return -1;
	}
	if (r->len < sizeof *h) {
		capr_seterr(r->err, EINVAL, "blob", "truncated: file has %zu bytes, the header alone needs %zu", r->len,
			    sizeof *h);
		return -1;
	}
	h->file_size = rd32(b + HDR(file_size));
	if (h->file_size > r->len) {
		capr_seterr(r->err, EINVAL, "blob", "truncated: header says %u bytes, file has %zu", h->file_size, r->len);
		return -1;
	}
	if (h->file_size < r->len) {
		capr_seterr(r->err, EINVAL, "blob", "trailing data: header says %u bytes, file has %zu", h->file_size,
			    r->len);
		return -1;
	}

	/* The checksum before any other field: every later message is about a
	 * blob that was written that way, not about a damaged copy. */
	stored = rd32(b + HDR(checksum));
	computed = capbin_crc32(0, b, HDR(checksum));
	computed = capbin_crc32(computed, zero, sizeof zero);
	computed = capbin_crc32(computed, b + HDR(checksum) + 4, r->len - HDR(checksum) - 4);
	if (stored != computed) {
		capr_seterr(r->err, EINVAL, "checksum", "blob is corrupted (stored 0x%08x, computed 0x%08x)", stored,
			    computed);
		return -1;
	}

	h->version_major = rd16(b + HDR(version_major));
	h->version_minor = rd16(b + HDR(version_minor));
	if (h->version_major != CAPBIN_VERSION_MAJOR) {
		capr_seterr(r->err, EINVAL, "blob", "unsupported format version %u.%u (this runtime reads %u.x)",
			    h->version_major, h->version_minor, CAPBIN_VERSION_MAJOR);
		return -1;
	}
	r->minor = h->version_minor;
	h->header_size = rd32(b + HDR(header_size));
	if (h->header_size != sizeof *h) {
		capr_seterr(r->err, EINVAL, "blob", "header_size is %u, version 1 headers are %zu bytes", h->header_size,
			    sizeof *h);
		return -1;
	}
	h->kind = rd32(b + HDR(kind));
	h->name = rd32(b + HDR(name));
	h->flags = rd32(b + HDR(flags));
	h->arch_count = rd16(b + HDR(arch_count));
	h->stage_count = rd16(b + HDR(stage_count));
	h->rule_count = rd32(b + HDR(rule_count));
	h->id_count = rd32(b + HDR(id_count));
	h->arch_off = rd32(b + HDR(arch_off));
	h->stage_off = rd32(b + HDR(stage_off));
	h->rule_off = rd32(b + HDR(rule_off));
	h->id_off = rd32(b + HDR(id_off));
	h->filter_off = rd32(b + HDR(filter_off));
	h->filter_count = rd32(b + HDR(filter_count));
	h->bpf_off = rd32(b + HDR(bpf_off));
	h->bpf_count = rd32(b + HDR(bpf_count));
	h->str_off = rd32(b + HDR(str_off));
	h->str_size = rd32(b + HDR(str_size));

	if (h->kind != CAPBIN_KIND_SERVICE && h->kind != CAPBIN_KIND_SESSION) {
		capr_seterr(r->err, EINVAL, "blob", "unknown kind %u", h->kind);
		return -1;
	}
	/* Reserved space: zero in the minor versions this runtime knows; a
	 * newer minor may fill it with information an older reader can
	 * ignore (anything a reader must act on takes a flag bit, which an
	 * older reader refuses). */
	if (r->minor <= CAPBIN_VERSION_MINOR) {
		if (h->flags) {
			capr_seterr(r->err, EINVAL, "blob", "header flags 0x%x: reserved, must be zero", h->flags);
			return -1;
		}
		for (size_t i = 0; i < sizeof h->reserved; i++)
			if (b[HDR(reserved) + i]) {
				capr_seterr(r->err, EINVAL, "blob", "header reserved byte %zu is not zero",
					    HDR(reserved) + i);
				return -1;
			}
	}
	if (h->arch_count > CAPBIN_MAX_ARCHES || h->stage_count > CAPBIN_MAX_STAGES ||
	    h->rule_count > CAPBIN_MAX_RULES) {
		capr_seterr(r->err, EINVAL, "blob", "too many entries: %u arches (max %u), %u stages (max %u), %u rules (max %u)",
			    h->arch_count, CAPBIN_MAX_ARCHES, h->stage_count, CAPBIN_MAX_STAGES, h->rule_count,
			    CAPBIN_MAX_RULES);
		return -1;
	}

	/* Counts times entry sizes in 64 bits: no overflow, and the bounds
	 * check below then limits every count to what the file can hold. */
	struct section s[] = {
		{"arch", h->arch_off, (uint64_t)h->arch_count * sizeof(struct capbin_arch)},
		{"stage", h->stage_off, (uint64_t)h->stage_count * sizeof(struct capbin_stage)},
		{"rule", h->rule_off, (uint64_t)h->rule_count * sizeof(struct capbin_rule)},
		{"id", h->id_off, (uint64_t)h->id_count * sizeof(struct capbin_id)},
		{"filter", h->filter_off, (uint64_t)h->filter_count * sizeof(struct capbin_filter)},
		{"bpf", h->bpf_off, (uint64_t)h->bpf_count * sizeof(struct capbin_insn)},
		{"string", h->str_off, h->str_size},
	};
	if (check_sections(r, s, sizeof s / sizeof s[0]) < 0)
		return -1;

	if (h->str_size < 1 || b[h->str_off] != '\0' || b[h->str_off + h->str_size - 1] != '\0') {
		capr_seterr(r->err, EINVAL, "strings",
			    "string section must start and end with a NUL byte (%u bytes at offset %u)", h->str_size,
			    h->str_off);
		return -1;
	}
	/* Names end up in messages and in /etc lookups: no control bytes. */
	for (uint32_t i = 0; i < h->str_size; i++) {
		uint8_t c = b[h->str_off + i];
		if ((c && c < 0x20) || c == 0x7f) {
			capr_seterr(r->err, EINVAL, "strings", "control byte 0x%02x at string offset %u", c, i);
			return -1;
		}
	}
	r->str_off = h->str_off;
	r->str_size = h->str_size;
	return 0;
}

/* Reads and checks filter index; its kernel size (capr_bpf_kernel_len)
 * goes to *klen when klen is not NULL, the program to *out when out is
 * not NULL. */
static int convert_filter(struct rd *r, const struct capbin_header *h, uint32_t index, const char *point,
			  struct sock_filter **out, size_t *outlen, size_t *klen)
{
	const uint8_t *fp = r->buf + h->filter_off + (size_t)index * sizeof(struct capbin_filter);
	uint32_t first = rd32(fp), count = rd32(fp + 4);
	char why[160];

	char what[96];

	if (point)
		snprintf(what, sizeof what, "filter %u (stage '%s')", index, point);
	else
		snprintf(what, sizeof what, "filter %u", index);
	if (count < 1 || count > CAPBIN_MAX_BPF_INSNS) {
		capr_seterr(r->err, EINVAL, "filter", "%s: %u instructions (1..%u allowed)", what, count,
			    CAPBIN_MAX_BPF_INSNS);
		return -1;
	}
	if ((uint64_t)first + count > h->bpf_count) {
		capr_seterr(r->err, EINVAL, "filter", "%s: instructions %u..%llu outside the bpf section (%u instructions)",
			    what, first, (unsigned long long)first + count - 1, h->bpf_count);
		return -1;
	}
	struct sock_filter *f = calloc(count, sizeof *f);
	if (!f) {
		capr_seterr(r->err, ENOMEM, "filter", "out of memory");
		return -1;
	}
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *ip = r->buf + h->bpf_off + ((size_t)first + i) * sizeof(struct capbin_insn);
		f[i].code = rd16(ip);
		f[i].jt = ip[2];
		f[i].jf = ip[3];
		f[i].k = rd32(ip + 4);
	}
	if (capr_bpf_check(f, count, why, sizeof why) < 0) {
		capr_seterr(r->err, EINVAL, "filter", "%s: %s", what, why);
		free(f);
		return -1;
	}
	if (klen)
		*klen = capr_bpf_kernel_len(f, count);
	if (out) {
		*out = f;
		*outlen = count;
	} else {
		free(f);
	}
	return 0;
}

/* The arch table: known ABI bits, no duplicates. Returns the index of the
 * running arch, -1 if absent, -2 on error. */
static int validate_arches(struct rd *r, const struct capbin_header *h)
{
	uint32_t native = capr_native_audit_arch();
	int found = -1;

	for (unsigned i = 0; i < h->arch_count; i++) {
		const uint8_t *a = r->buf + h->arch_off + (size_t)i * sizeof(struct capbin_arch);
		uint32_t arch = rd32(a), abis = rd32(a + 4);
		char nb[32];

		if (!abis || (abis & ~(uint32_t)(CAPBIN_ABI_NATIVE | CAPBIN_ABI_COMPAT | CAPBIN_ABI_X32))) {
			capr_seterr(r->err, EINVAL, "arch", "arch entry %u (%s): invalid ABI bits 0x%x", i,
				    capr_arch_name(arch, nb, sizeof nb), abis);
			return -2;
		}
		for (unsigned j = 0; j < i; j++)
			if (rd32(r->buf + h->arch_off + (size_t)j * sizeof(struct capbin_arch)) == arch) {
				capr_seterr(r->err, EINVAL, "arch", "arch %s listed twice",
					    capr_arch_name(arch, nb, sizeof nb));
				return -2;
			}
		if (native && arch == native) {
#if defined(__x86_64__) && defined(__ILP32__)
			if (!(abis & CAPBIN_ABI_X32))
				continue; /* the x86_64 entry does not accept this (x32) ABI */
#endif
			found = (int)i;
		}
	}
	return found;
}

static int validate_stage(struct rd *r, const struct capbin_header *h, unsigned i, int arch_index,
			  capr_policy *pol)
{
	const uint8_t *p = r->buf + h->stage_off + (size_t)i * sizeof(struct capbin_stage);
	struct capr_stage *s = &pol->stages[i];
	char what[96];
	uint32_t point = rd32(p + STG(point));

	snprintf(what, sizeof what, "stage %u", i);
	s->point = get_str(r, point, true, what);
	if (!s->point)
		return -1;
	snprintf(what, sizeof what, "stage '%s'", s->point);
	s->trigger = rd16(p + STG(trigger));
	s->flags = rd32(p + STG(flags));
	s->securebits = rd32(p + STG(securebits));
	s->securebits_mask = rd32(p + STG(securebits_mask));
	s->seccomp_flags = rd32(p + STG(seccomp_flags));
	s->bounding = rd64(p + STG(bounding));
	s->prm_and = rd64(p + STG(prm_and));
	s->prm_or = rd64(p + STG(prm_or));
	s->eff_and = rd64(p + STG(eff_and));
	s->eff_or = rd64(p + STG(eff_or));
	s->inh_and = rd64(p + STG(inh_and));
	s->inh_or = rd64(p + STG(inh_or));
	s->amb_and = rd64(p + STG(amb_and));
	s->amb_or = rd64(p + STG(amb_or));

	if (s->trigger < 1 || s->trigger > CAPBIN_TRIGGER_MAX) {
		capr_seterr(r->err, EINVAL, "stage", "%s: unknown trigger %u", what, s->trigger);
		return -1;
	}
	if (s->flags & ~CAPBIN_STAGE_ALL_FLAGS) {
		capr_seterr(r->err, EINVAL, "stage", "%s: unknown flags 0x%x", what, s->flags & ~CAPBIN_STAGE_ALL_FLAGS);
		return -1;
	}
	if (s->seccomp_flags & ~CAPBIN_SECCOMP_ALL_FLAGS) {
		capr_seterr(r->err, EINVAL, "stage", "%s: unknown seccomp flags 0x%x", what,
			    s->seccomp_flags & ~CAPBIN_SECCOMP_ALL_FLAGS);
		return -1;
	}
	if (s->securebits_mask & ~CAPBIN_SECBIT_ALL) {
		capr_seterr(r->err, EINVAL, "stage", "%s: unknown securebits in mask 0x%x", what, s->securebits_mask);
		return -1;
	}
	if (s->securebits & ~s->securebits_mask) {
		capr_seterr(r->err, EINVAL, "stage", "%s: securebits 0x%x outside their mask 0x%x", what, s->securebits,
			    s->securebits_mask);
		return -1;
	}
	if (r->minor <= CAPBIN_VERSION_MINOR && (rd16(p + STG(reserved0)) || rd32(p + STG(reserved1)))) {
		capr_seterr(r->err, EINVAL, "stage", "%s: reserved fields are not zero", what);
		return -1;
	}
	/* Kinds and triggers: service blobs hold "exec" (first, if any) and
	 * points; session blobs hold session stages only. */
	if (pol->kind == CAPBIN_KIND_SESSION) {
		if (s->trigger != CAPBIN_TRIGGER_SESSION) {
			capr_seterr(r->err, EINVAL, "stage", "%s: trigger %s in a session blob", what,
				    capr_trigger_name(s->trigger));
			return -1;
		}
	} else {
		if (s->trigger == CAPBIN_TRIGGER_SESSION) {
			capr_seterr(r->err, EINVAL, "stage", "%s: trigger session in a service blob", what);
			return -1;
		}
		if ((s->trigger == CAPBIN_TRIGGER_EXEC) != (strcmp(s->point, "exec") == 0) ||
		    (s->trigger == CAPBIN_TRIGGER_EXEC && i != 0)) {
			capr_seterr(r->err, EINVAL, "stage",
				    "%s: the exec stage must be named \"exec\", have trigger exec and come first", what);
			return -1;
		}
		for (unsigned j = 0; j < i; j++)
			if (strcmp(pol->stages[j].point, s->point) == 0) {
				capr_seterr(r->err, EINVAL, "stage", "%s: point name used twice", what);
				return -1;
			}
	}

	snprintf(what, sizeof what, "stage '%s': user", s->point);
	if (get_id(r, p + STG(user), &s->user, what) < 0)
		return -1;
	if ((s->flags & CAPBIN_STAGE_USER) && check_target_id(r, &s->user, false, what) < 0)
		return -1;
	snprintf(what, sizeof what, "stage '%s': group", s->point);
	if (get_id(r, p + STG(group), &s->group, what) < 0)
		return -1;
	if ((s->flags & CAPBIN_STAGE_GROUP) &&
	    check_target_id(r, &s->group, (s->flags & CAPBIN_STAGE_USER) != 0, what) < 0)
		return -1;

	uint32_t gi = rd32(p + STG(groups_index)), gc = rd32(p + STG(groups_count));
	if ((uint64_t)gi + gc > pol->nids || gc > CAPBIN_MAX_GROUPS) {
		capr_seterr(r->err, EINVAL, "stage", "stage '%s': groups %u..+%u outside the id table (%zu entries)",
			    s->point, gi, gc, pol->nids);
		return -1;
	}
	s->groups = gc ? pol->ids + gi : NULL;
	s->ngroups = gc;
	if (s->flags & CAPBIN_STAGE_GROUPS)
		for (uint32_t g = 0; g < gc; g++) {
			snprintf(what, sizeof what, "stage '%s': supplementary group %u", s->point, g);
			if (check_target_id(r, &s->groups[g], (s->flags & CAPBIN_STAGE_USER) != 0, what) < 0)
				return -1;
		}

	if (s->flags & CAPBIN_STAGE_SECCOMP) {
		uint32_t fi = rd32(p + STG(filter_index));
		if (h->arch_count == 0 || (uint64_t)fi + h->arch_count > h->filter_count) {
			capr_seterr(r->err, EINVAL, "filter",
				    "stage '%s': filters %u..+%u outside the filter table (%u entries)", s->point, fi,
				    h->arch_count, h->filter_count);
			return -1;
		}
		/* Every arch's filter was checked structurally (all of the
		 * filter table is); keep the running arch's one. */
		if (arch_index >= 0 &&
		    convert_filter(r, h, fi + (uint32_t)arch_index, s->point, &s->filter, &s->filter_len, NULL) < 0)
			return -1;
	}
	return 0;
}

/* A service's points are entered one after the other and each adds its
 * filter to those already installed: the kernel refuses (ENOMEM) the one
 * that takes the total over its limit, late, after the other steps of
 * that stage. Refuse such a blob now, for every arch it has filters for
 * (the running one decides, but a blob is valid or not wherever it is
 * read). klen[i] is filter i's size in the kernel. */
static int check_path_len(struct rd *r, const struct capbin_header *h, const capr_policy *pol, const size_t *klen)
{
	for (uint32_t a = 0; a < h->arch_count; a++) {
		size_t total = 0;
		unsigned nfilters = 0;
		for (size_t i = 0; i < pol->nstages; i++) {
			const uint8_t *p = r->buf + h->stage_off + i * sizeof(struct capbin_stage);
			if (!(pol->stages[i].flags & CAPBIN_STAGE_SECCOMP))
				continue;
			if (!capr_path_add(&total, &nfilters, klen[rd32(p + STG(filter_index)) + a])) {
				char nb[32];
				capr_seterr(r->err, EINVAL, "filter",
					    "stage '%s': its %s filter and those of the stages before it come to %zu "
					    "instructions in the kernel, over its limit of %u for one process",
					    pol->stages[i].point,
					    capr_arch_name(rd32(r->buf + h->arch_off + a * sizeof(struct capbin_arch)), nb,
							   sizeof nb),
					    total, CAPBIN_MAX_PATH_INSNS);
				return -1;
			}
		}
	}
	return 0;
}

static int validate_rules(struct rd *r, const struct capbin_header *h, capr_policy *pol)
{
	if (h->rule_count && pol->kind != CAPBIN_KIND_SESSION) {
		capr_seterr(r->err, EINVAL, "rule", "a service blob has %u session rules", h->rule_count);
		return -1;
	}
	if (!h->rule_count)
		return 0;
	pol->rules = calloc(h->rule_count, sizeof *pol->rules);
	if (!pol->rules) {
		capr_seterr(r->err, ENOMEM, "rule", "out of memory");
		return -1;
	}
	pol->nrules = h->rule_count;
	for (uint32_t i = 0; i < h->rule_count; i++) {
		const uint8_t *p = r->buf + h->rule_off + (size_t)i * sizeof(struct capbin_rule);
		struct capr_rule *ru = &pol->rules[i];
		char what[48];

		ru->kind = rd16(p);
		ru->stage = rd32(p + 4);
		snprintf(what, sizeof what, "rule %u", i);
		if (ru->kind < CAPBIN_RULE_USER || ru->kind > CAPBIN_RULE_DEFAULT) {
			capr_seterr(r->err, EINVAL, "rule", "%s: unknown kind %u", what, ru->kind);
			return -1;
		}
		if (r->minor <= CAPBIN_VERSION_MINOR && rd16(p + 2)) {
			capr_seterr(r->err, EINVAL, "rule", "%s: reserved field is not zero", what);
			return -1;
		}
		if (ru->stage >= pol->nstages) {
			capr_seterr(r->err, EINVAL, "rule", "%s: stage %zu does not exist (%zu stages)", what, ru->stage,
				    pol->nstages);
			return -1;
		}
		if (get_id(r, p + 8, &ru->who, what) < 0)
			return -1;
		if (ru->kind == CAPBIN_RULE_DEFAULT) {
			if (ru->who.name || ru->who.id != CAPBIN_ID_NONE) {
				capr_seterr(r->err, EINVAL, "rule", "%s: a default rule names no one", what);
				return -1;
			}
		} else if (check_target_id(r, &ru->who, false, what) < 0) {
			return -1;
		}
	}
	return 0;
}

static void policy_free(capr_policy *pol)
{
	if (!pol)
		return;
	for (size_t i = 0; i < pol->nstages; i++)
		free(pol->stages[i].filter);
	free(pol->stages);
	free(pol->ids);
	free(pol->rules);
	free(pol->blob);
	free(pol);
}

static capr_policy *policy_from_buf(uint8_t *buf, size_t len, unsigned flags, struct capr_error *err)
{
	struct rd r = {.buf = buf, .len = len, .err = err};
	struct capbin_header h;
	capr_policy *pol = NULL;
	int arch_index;
	bool any_seccomp = false;
	size_t *klen = NULL;

	memset(&h, 0, sizeof h);
	if (len > CAPBIN_MAX_SIZE) {
		capr_seterr(err, EFBIG, "blob", "file is %zu bytes, larger than the %u-byte limit", len, CAPBIN_MAX_SIZE);
		goto fail;
	}
	if (validate_header(&r, &h) < 0)
		goto fail;
	pol = calloc(1, sizeof *pol);
	if (!pol) {
		capr_seterr(err, ENOMEM, "blob", "out of memory");
		goto fail;
	}
	pol->blob = buf;
	pol->len = len;
	buf = NULL;
	pol->kind = h.kind;
	pol->version_minor = h.version_minor;
	pol->name = get_str(&r, h.name, false, "service name");
	if (!pol->name)
		goto fail;

	/* The id table, every entry. */
	if (h.id_count) {
		pol->ids = calloc(h.id_count, sizeof *pol->ids);
		if (!pol->ids) {
			capr_seterr(err, ENOMEM, "blob", "out of memory");
			goto fail;
		}
	}
	pol->nids = h.id_count;
	for (uint32_t i = 0; i < h.id_count; i++) {
		char what[32];
		snprintf(what, sizeof what, "id %u", i);
		if (get_id(&r, r.buf + h.id_off + (size_t)i * sizeof(struct capbin_id), &pol->ids[i], what) < 0)
			goto fail;
	}

	/* Every filter, structurally, whatever arch it is for. */
	if (h.filter_count) {
		klen = calloc(h.filter_count, sizeof *klen);
		if (!klen) {
			capr_seterr(err, ENOMEM, "blob", "out of memory");
			goto fail;
		}
	}
	for (uint32_t i = 0; i < h.filter_count; i++)
		if (convert_filter(&r, &h, i, NULL, NULL, NULL, &klen[i]) < 0)
			goto fail;

	arch_index = validate_arches(&r, &h);
	if (arch_index == -2)
		goto fail;

	if (h.stage_count) {
		pol->stages = calloc(h.stage_count, sizeof *pol->stages);
		if (!pol->stages) {
			capr_seterr(err, ENOMEM, "blob", "out of memory");
			goto fail;
		}
	}
	pol->nstages = h.stage_count;
	for (unsigned i = 0; i < h.stage_count; i++) {
		if (validate_stage(&r, &h, i, arch_index, pol) < 0)
			goto fail;
		if (pol->stages[i].flags & CAPBIN_STAGE_SECCOMP)
			any_seccomp = true;
	}
	if (validate_rules(&r, &h, pol) < 0)
		goto fail;
	if (pol->kind == CAPBIN_KIND_SERVICE && check_path_len(&r, &h, pol, klen) < 0)
		goto fail;
	free(klen);
	klen = NULL;

	if (any_seccomp && arch_index < 0 && !(flags & CAPR_VALIDATE_ANY_ARCH)) {
		char list[160] = "", nb[32];
		size_t used = 0;
		uint32_t native = capr_native_audit_arch();
		for (unsigned i = 0; i < h.arch_count && used < sizeof list; i++) {
			uint32_t a = rd32(r.buf + h.arch_off + (size_t)i * sizeof(struct capbin_arch));
			int n = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
					 capr_arch_name(a, nb, sizeof nb));
			if (n > 0)
				used += (size_t)n;
		}
		if (native)
			capr_seterr(err, ENOEXEC, "arch", "blob has filters for %s only; this kernel is %s", list,
				    capr_arch_name(native, nb, sizeof nb));
		else
			capr_seterr(err, ENOEXEC, "arch",
				    "blob has seccomp filters, and this build of libcapr does not know its architecture");
		goto fail;
	}
	return pol;
fail:
	free(klen);
	free(buf);
	policy_free(pol);
	if (err)
		err->partial = 0;
	return NULL;
}

capr_policy *capr_policy_from_buf(uint8_t *buf, size_t len, struct capr_error *err)
{
	capr_policy *pol = policy_from_buf(buf, len, 0, err);
	if (pol)
		capr_prime_last_cap(); /* for the points, maybe in forked children */
	return pol;
}

/* capc --dump validates with the runtime's rules, except that a blob for
 * another architecture is fine to look at. */
int capr_blob_validate(const void *buf, size_t len, unsigned flags, struct capr_error *err)
{
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy) {
		capr_seterr(err, ENOMEM, "blob", "out of memory");
		return -1;
	}
	if (len)
		memcpy(copy, buf, len);
	capr_policy *pol = policy_from_buf(copy, len, flags, err);
	if (!pol)
		return -1;
	policy_free(pol);
	return 0;
}

CAPR_PUBLIC capr_policy *capr_open_mem(const void *buf, size_t len, struct capr_error *err)
{
	uint8_t *copy;

	if (len > CAPBIN_MAX_SIZE) {
		capr_seterr(err, EFBIG, "blob", "file is %zu bytes, larger than the %u-byte limit", len, CAPBIN_MAX_SIZE);
		return NULL;
	}
	copy = malloc(len ? len : 1);
	if (!copy) {
		capr_seterr(err, ENOMEM, "open", "out of memory");
		return NULL;
	}
	if (len)
		memcpy(copy, buf, len);
	return capr_policy_from_buf(copy, len, err);
}

/* Read the whole file (from offset 0 when it is seekable), refusing more
 * than CAPBIN_MAX_SIZE bytes without reading them all. */
int capr_read_blob_fd(int fd, uint8_t **out, size_t *outlen, struct capr_error *err)
{
	size_t cap = 64 * 1024, len = 0;
	uint8_t *buf = NULL;
	struct stat st;
	bool seekable;

	if (fstat(fd, &st) < 0) {
		capr_seterr(err, errno, "open", "fd %d: %s", fd, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		capr_seterr(err, EISDIR, "open", "fd %d is a directory", fd);
		return -1;
	}
	if (S_ISREG(st.st_mode) && st.st_size > (off_t)CAPBIN_MAX_SIZE) {
		capr_seterr(err, EFBIG, "blob", "file is %lld bytes, larger than the %u-byte limit",
			    (long long)st.st_size, CAPBIN_MAX_SIZE);
		return -1;
	}
	seekable = lseek(fd, 0, SEEK_CUR) >= 0;
	for (;;) {
		if (len == cap || !buf) {
			if (buf)
				cap *= 2;
			/* One byte over the limit tells "too large" from "exactly the limit". */
			if (cap > (size_t)CAPBIN_MAX_SIZE + 1)
				cap = (size_t)CAPBIN_MAX_SIZE + 1;
			uint8_t *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				capr_seterr(err, ENOMEM, "open", "out of memory");
				return -1;
			}
			buf = nb;
		}
		ssize_t n = seekable ? pread(fd, buf + len, cap - len, (off_t)len) : read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			free(buf);
			capr_seterr(err, e, "open", "read: %s", strerror(e));
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > CAPBIN_MAX_SIZE) {
			free(buf);
			capr_seterr(err, EFBIG, "blob", "file is larger than the %u-byte limit", CAPBIN_MAX_SIZE);
			return -1;
		}
	}
	*out = buf;
	*outlen = len;
	return 0;
}

capr_policy *capr_open_fd_nocheck(int fd, struct capr_error *err)
{
	uint8_t *buf;
	size_t len;

	if (capr_read_blob_fd(fd, &buf, &len, err) < 0)
		return NULL;
	return capr_policy_from_buf(buf, len, err);
}

CAPR_PUBLIC capr_policy *capr_open_fd(int fd, struct capr_error *err)
{
	if (capr_check_trust(fd, NULL, CAPR_TRUST_ENV_OVERRIDE, err) < 0)
		return NULL;
	return capr_open_fd_nocheck(fd, err);
}

CAPR_PUBLIC capr_policy *capr_open(const char *path, struct capr_error *err)
{
	/* O_NONBLOCK: a FIFO put in the blob's place must not hang a root
	 * service's start (the trust check refuses it right after). */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	capr_policy *pol;

	if (fd < 0) {
		capr_seterr(err, errno, "open", "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (capr_check_trust(fd, path, CAPR_TRUST_ENV_OVERRIDE, err) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return NULL;
	}
	pol = capr_open_fd_nocheck(fd, err);
	close(fd);
	return pol;
}

CAPR_PUBLIC void capr_close(capr_policy *pol)
{
	policy_free(pol);
}

long capr_stage_index(const capr_policy *pol, const char *point)
{
	for (size_t i = 0; i < pol->nstages; i++)
		if (strcmp(pol->stages[i].point, point) == 0)
			return (long)i;
	return -1;
}
