/* emit.c - write a resolved policy (ir.h) as a .capbin (capbin.h).
 *
 * Deterministic by construction: sections in a fixed order, strings in
 * first-use order, no padding byte left uninitialized, nothing taken from
 * the environment. Same IR, same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "capbin.h"
#include "ir.h"
#include <stdio.h>

struct strtab {
	char *buf;
	size_t len, cap;
};

struct buf {
	uint8_t *p;
	size_t len, cap;
};

static int buf_reserve(struct buf *b, size_t more)
{
	if (b->len + more <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 1024;
	while (cap < b->len + more)
		cap *= 2;
	uint8_t *p = realloc(b->p, cap);
	if (!p)
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

static int buf_put(struct buf *b, const void *data, size_t n)
{
	if (n == 0)
		return 0; /* an empty section's buffer is NULL: memcpy(p, NULL, 0) is undefined */
	if (buf_reserve(b, n) < 0)
		return -1;
	memcpy(b->p + b->len, data, n);
	b->len += n;
	return 0;
}

static int buf_align(struct buf *b)
{
	static const uint8_t zero[CAPBIN_ALIGN];
	size_t pad = (CAPBIN_ALIGN - b->len % CAPBIN_ALIGN) % CAPBIN_ALIGN;
	return buf_put(b, zero, pad);
}

/* Offset of s in the string table, adding it on first use. "" and NULL
 * are offset 0. */
static long str_add(struct strtab *t, const char *s)
{
	if (!s || !*s)
		return 0;
	size_t n = strlen(s) + 1;
	for (size_t off = 1; off < t->len; off += strlen(t->buf + off) + 1)
		if (strcmp(t->buf + off, s) == 0)
			return (long)off;
	if (t->len + n > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		while (cap < t->len + n)
			cap *= 2;
		char *p = realloc(t->buf, cap);
		if (!p)
			return -1;
		t->buf = p;
		t->cap = cap;
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	return (long)(t->len - n);
}

static int put_id(struct strtab *st, const struct ir_id *id, struct capbin_id *out)
{
	if (id->name) {
		long off = str_add(st, id->name);
		if (off < 0)
			return -1;
		out->name = capbin_le32((uint32_t)off);
		out->id = capbin_le32(CAPBIN_ID_NONE);
	} else {
		out->name = 0;
		out->id = capbin_le32(id->id);
	}
	return 0;
}

static size_t align_up(size_t n)
{
	return (n + CAPBIN_ALIGN - 1) / CAPBIN_ALIGN * CAPBIN_ALIGN;
}

int emit_blob(const struct ir_policy *p, uint8_t **out, size_t *outlen, char *errbuf, size_t errlen)
{
	struct strtab st = {0};
	struct buf arches = {0}, stages = {0}, rules = {0}, ids = {0}, filters = {0}, insns = {0};
	struct buf file = {0};
	size_t nid = 0, nfilter = 0, ninsn = 0;
	int rc = -1;

	*out = NULL;
	*outlen = 0;
	if (p->nstages > CAPBIN_MAX_STAGES || p->nrules > CAPBIN_MAX_RULES || p->narch > CAPBIN_MAX_ARCHES) {
		snprintf(errbuf, errlen, "policy too large for the blob format (%zu stages, %zu rules, %zu arches)",
			 p->nstages, p->nrules, p->narch);
		return -1;
	}
	/* The string table starts with the empty string. */
	st.buf = calloc(1, 256);
	if (!st.buf)
		goto oom;
	st.len = 1;
	st.cap = 256;

	long name_off = str_add(&st, p->name);
	if (name_off < 0)
		goto oom;

	for (size_t a = 0; a < p->narch; a++) {
		struct capbin_arch ca = {
			.audit_arch = capbin_le32(p->arches[a].audit_arch),
			.abis = capbin_le32(p->arches[a].abis),
		};
		if (buf_put(&arches, &ca, sizeof ca) < 0)
			goto oom;
	}

	for (size_t i = 0; i < p->nstages; i++) {
		const struct ir_stage *s = &p->stages[i];
		struct capbin_stage cs;
		memset(&cs, 0, sizeof cs);
		long pt = str_add(&st, s->point);
		if (pt < 0)
			goto oom;
		cs.point = capbin_le32((uint32_t)pt);
		cs.trigger = capbin_le16(s->trigger);
		cs.flags = capbin_le32(s->flags);
		cs.securebits = capbin_le32(s->securebits);
		cs.securebits_mask = capbin_le32(s->securebits_mask);
		cs.seccomp_flags = capbin_le32(s->seccomp_flags);
		cs.bounding = capbin_le64(s->bounding);
		cs.prm_and = capbin_le64(s->prm_and);
		cs.prm_or = capbin_le64(s->prm_or);
		cs.eff_and = capbin_le64(s->eff_and);
		cs.eff_or = capbin_le64(s->eff_or);
		cs.inh_and = capbin_le64(s->inh_and);
		cs.inh_or = capbin_le64(s->inh_or);
		cs.amb_and = capbin_le64(s->amb_and);
		cs.amb_or = capbin_le64(s->amb_or);
		if (put_id(&st, &s->user, &cs.user) < 0 || put_id(&st, &s->group, &cs.group) < 0)
			goto oom;
		cs.groups_index = capbin_le32((uint32_t)nid);
		cs.groups_count = capbin_le32((uint32_t)s->ngroups);
		for (size_t g = 0; g < s->ngroups; g++) {
			struct capbin_id cid;
			if (put_id(&st, &s->groups[g], &cid) < 0 || buf_put(&ids, &cid, sizeof cid) < 0)
				goto oom;
			nid++;
		}
		if (s->flags & CAPBIN_STAGE_SECCOMP) {
			cs.filter_index = capbin_le32((uint32_t)nfilter);
			for (size_t a = 0; a < p->narch; a++) {
				const struct ir_prog *prog = &s->progs[a];
				if (prog->n == 0 || prog->n > CAPBIN_MAX_BPF_INSNS) {
					snprintf(errbuf, errlen, "stage '%s': filter for %s has %zu instructions",
						 s->point, p->arches[a].name ? p->arches[a].name : "?", prog->n);
					goto fail;
				}
				struct capbin_filter cf = {
					.insn_index = capbin_le32((uint32_t)ninsn),
					.insn_count = capbin_le32((uint32_t)prog->n),
				};
				if (buf_put(&filters, &cf, sizeof cf) < 0)
					goto oom;
				nfilter++;
				for (size_t k = 0; k < prog->n; k++) {
					struct capbin_insn ci = {
						.code = capbin_le16(prog->insns[k].code),
						.jt = prog->insns[k].jt,
						.jf = prog->insns[k].jf,
						.k = capbin_le32(prog->insns[k].k),
					};
					if (buf_put(&insns, &ci, sizeof ci) < 0)
						goto oom;
					ninsn++;
				}
			}
		}
		if (buf_put(&stages, &cs, sizeof cs) < 0)
			goto oom;
	}

	for (size_t i = 0; i < p->nrules; i++) {
		const struct ir_rule *r = &p->rules[i];
		struct capbin_rule cr;
		memset(&cr, 0, sizeof cr);
		cr.kind = capbin_le16(r->kind);
		cr.stage = capbin_le32((uint32_t)r->stage);
		if (r->kind == CAPBIN_RULE_DEFAULT) {
			cr.who.name = 0;
			cr.who.id = capbin_le32(CAPBIN_ID_NONE);
		} else if (put_id(&st, &r->who, &cr.who) < 0) {
			goto oom;
		}
		if (buf_put(&rules, &cr, sizeof cr) < 0)
			goto oom;
	}

	/* Lay the file out: header, then each section 8-byte aligned. */
	struct capbin_header h;
	memset(&h, 0, sizeof h);
	size_t off = sizeof h;
	size_t arch_off = off;
	off = align_up(off + arches.len);
	size_t stage_off = off;
	off = align_up(off + stages.len);
	size_t rule_off = off;
	off = align_up(off + rules.len);
	size_t id_off = off;
	off = align_up(off + ids.len);
	size_t filter_off = off;
	off = align_up(off + filters.len);
	size_t bpf_off = off;
	off = align_up(off + insns.len);
	size_t str_off = off;
	off = align_up(off + st.len);
	if (off > CAPBIN_MAX_SIZE) {
		snprintf(errbuf, errlen, "blob would be %zu bytes, over the %u-byte limit", off, CAPBIN_MAX_SIZE);
		goto fail;
	}

	memcpy(h.magic, CAPBIN_MAGIC, CAPBIN_MAGIC_LEN);
	h.version_major = capbin_le16(CAPBIN_VERSION_MAJOR);
	h.version_minor = capbin_le16(CAPBIN_VERSION_MINOR);
	h.header_size = capbin_le32(sizeof h);
	h.file_size = capbin_le32((uint32_t)off);
	h.kind = capbin_le32(p->kind);
	h.name = capbin_le32((uint32_t)name_off);
	h.arch_count = capbin_le16((uint16_t)p->narch);
	h.stage_count = capbin_le16((uint16_t)p->nstages);
	h.rule_count = capbin_le32((uint32_t)p->nrules);
	h.id_count = capbin_le32((uint32_t)nid);
	h.arch_off = capbin_le32((uint32_t)arch_off);
	h.stage_off = capbin_le32((uint32_t)stage_off);
	h.rule_off = capbin_le32((uint32_t)rule_off);
	h.id_off = capbin_le32((uint32_t)id_off);
	h.filter_off = capbin_le32((uint32_t)filter_off);
	h.filter_count = capbin_le32((uint32_t)nfilter);
	h.bpf_off = capbin_le32((uint32_t)bpf_off);
	h.bpf_count = capbin_le32((uint32_t)ninsn);
	h.str_off = capbin_le32((uint32_t)str_off);
	h.str_size = capbin_le32((uint32_t)st.len);

	if (buf_put(&file, &h, sizeof h) < 0 || buf_put(&file, arches.p, arches.len) < 0 || buf_align(&file) < 0 ||
	    buf_put(&file, stages.p, stages.len) < 0 || buf_align(&file) < 0 ||
	    buf_put(&file, rules.p, rules.len) < 0 || buf_align(&file) < 0 ||
	    buf_put(&file, ids.p, ids.len) < 0 || buf_align(&file) < 0 ||
	    buf_put(&file, filters.p, filters.len) < 0 || buf_align(&file) < 0 ||
	    buf_put(&file, insns.p, insns.len) < 0 || buf_align(&file) < 0 ||
	    buf_put(&file, st.buf, st.len) < 0 || buf_align(&file) < 0)
		goto oom;

	/* The checksum covers the whole file with its own field zero. */
	uint32_t crc = capbin_le32(capbin_crc32(0, file.p, file.len));
	memcpy(file.p + offsetof(struct capbin_header, checksum), &crc, sizeof crc);

	*out = file.p;
	*outlen = file.len;
	file.p = NULL;
	rc = 0;
	goto fail;
oom:
	snprintf(errbuf, errlen, "out of memory");
fail:
	free(st.buf);
	free(arches.p);
	free(stages.p);
	free(rules.p);
	free(ids.p);
	free(filters.p);
	free(insns.p);
	free(file.p);
	return rc;
}
