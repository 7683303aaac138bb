/* export.c - a compiled policy in other tools' formats.
 *
 * bpf: one stage's filter as the raw struct sock_filter array that
 * `bwrap --seccomp FD` (and any loader calling seccomp(2) with a
 * struct sock_fprog) takes: 8 bytes an instruction, code (16 bits), jt,
 * jf, k (32 bits), in the byte order of the machine that loads it. Only
 * that stage's filter: a process under capload stacks every point's
 * filter, a single exported one is what it is alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "seccomp_int.h"

static int pack(const struct ir_insn *v, size_t n, bool le, uint8_t **out, size_t *len, char *why, size_t whylen)
{
	uint8_t *b = malloc(n ? n * 8 : 1);
	if (!b) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		uint8_t *p = b + 8 * i;
		uint16_t c = v[i].code;
		uint32_t k = v[i].k;
		p[le ? 0 : 1] = (uint8_t)c;
		p[le ? 1 : 0] = (uint8_t)(c >> 8);
		p[2] = v[i].jt;
		p[3] = v[i].jf;
		for (int j = 0; j < 4; j++)
			p[4 + (le ? j : 3 - j)] = (uint8_t)(k >> (8 * j));
	}
	*out = b;
	*len = n * 8;
	return 0;
}

int export_bpf(const struct ir_policy *p, const char *point, const char *arch, uint8_t **out, size_t *len,
	       char *why, size_t whylen)
{
	size_t a = 0, s = 0;

	if (arch) {
		while (a < p->narch && strcmp(p->arches[a].name, arch) != 0)
			a++;
		if (a == p->narch) {
			snprintf(why, whylen, "'%s' is not a target of this policy (its arch statement or --target)", arch);
			return -1;
		}
	}
	if (point) {
		while (s < p->nstages && strcmp(p->stages[s].point, point) != 0)
			s++;
		if (s == p->nstages) {
			snprintf(why, whylen, "the policy has no point '%s'", point);
			return -1;
		}
		if (!p->stages[s].filter) {
			snprintf(why, whylen, "point '%s' has no seccomp filter", point);
			return -1;
		}
	} else {
		while (s < p->nstages && !p->stages[s].filter)
			s++;
		if (s == p->nstages) {
			snprintf(why, whylen, "the policy has no seccomp filter");
			return -1;
		}
	}
	const struct ir_prog *pr = &p->stages[s].progs[a];
	return pack(pr->insns, pr->n, sc_audit_arch_le(p->arches[a].audit_arch), out, len, why, whylen);
}

int export_bpf_blob(const capr_policy *pol, const char *point, uint8_t **out, size_t *len, char *why, size_t whylen)
{
	size_t s = 0;

	if (point) {
		long i = capr_stage_index(pol, point);
		if (i < 0) {
			snprintf(why, whylen, "the blob has no point '%s'", point);
			return -1;
		}
		s = (size_t)i;
	} else {
		while (s < pol->nstages && !pol->stages[s].filter)
			s++;
	}
	if (s == pol->nstages || !pol->stages[s].filter) {
		snprintf(why, whylen, point ? "point '%s' has no seccomp filter" : "the blob has no seccomp filter",
			 point ? point : "");
		return -1;
	}
	/* struct sock_filter and struct ir_insn have the same layout, host order */
	return pack((const struct ir_insn *)pol->stages[s].filter, pol->stages[s].filter_len,
		    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, out, len, why, whylen);
}
