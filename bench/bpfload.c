/* bpfload.c - see bpfload.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfload.h"
#include "capbin.h"
#include "capr.h"

void *bench_read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	size_t cap = 1 << 16, n = 0;
	char *buf = NULL;

	if (!fp) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		char *nb = realloc(buf, cap);
		if (!nb) {
			free(buf);
			fclose(fp);
			fprintf(stderr, "%s: out of memory\n", path);
			return NULL;
		}
		buf = nb;
		size_t r = fread(buf + n, 1, cap - n, fp);
		n += r;
		if (n < cap)
			break;
		cap *= 2;
	}
	if (ferror(fp)) {
		fprintf(stderr, "%s: read error\n", path);
		free(buf);
		fclose(fp);
		return NULL;
	}
	fclose(fp);
	*len = n;
	return buf;
}

static uint32_t native_audit_arch(void)
{
#if defined(__x86_64__)
	return 0xc000003eu;
#elif defined(__aarch64__)
	return 0xc00000b7u;
#else
#error "bench: add this arch's AUDIT_ARCH value"
#endif
}

static struct sock_filter *from_capbin(const char *path, const uint8_t *buf, size_t len, size_t *n)
{
	struct capr_error err;
	capr_policy *pol = capr_open_mem(buf, len, &err);
	if (!pol) {
		fprintf(stderr, "%s: %s\n", path, capr_strerror(&err));
		return NULL;
	}
	capr_close(pol);
	/* validated: offsets and counts are in range */
	struct capbin_header h;
	memcpy(&h, buf, sizeof h);
	size_t arch = h.arch_count;
	for (size_t i = 0; i < h.arch_count; i++) {
		struct capbin_arch a;
		memcpy(&a, buf + h.arch_off + i * sizeof a, sizeof a);
		if (a.audit_arch == native_audit_arch())
			arch = i;
	}
	for (size_t s = 0; s < h.stage_count && arch < h.arch_count; s++) {
		struct capbin_stage st;
		memcpy(&st, buf + h.stage_off + s * sizeof st, sizeof st);
		if (!(st.flags & CAPBIN_STAGE_SECCOMP))
			continue;
		struct capbin_filter f;
		memcpy(&f, buf + h.filter_off + (st.filter_index + arch) * sizeof f, sizeof f);
		struct sock_filter *p = calloc(f.insn_count, sizeof *p);
		if (!p)
			return NULL;
		for (size_t i = 0; i < f.insn_count; i++) {
			struct capbin_insn in;
			memcpy(&in, buf + h.bpf_off + (f.insn_index + i) * sizeof in, sizeof in);
			p[i] = (struct sock_filter){ in.code, in.jt, in.jf, in.k };
		}
		*n = f.insn_count;
		return p;
	}
	fprintf(stderr, "%s: no seccomp filter for this arch in the blob\n", path);
	return NULL;
}

struct sock_filter *bpf_load(const char *path, size_t *n)
{
	size_t len;
	uint8_t *buf = bench_read_file(path, &len);
	struct sock_filter *p = NULL;

	if (!buf)
		return NULL;
	if (len >= CAPBIN_MAGIC_LEN && memcmp(buf, CAPBIN_MAGIC, CAPBIN_MAGIC_LEN) == 0) {
		p = from_capbin(path, buf, len, n);
	} else if (len == 0 || len % sizeof *p || len / sizeof *p > 4096) {
		fprintf(stderr, "%s: not a raw BPF program (%zu bytes)\n", path, len);
	} else if ((p = malloc(len))) {
		memcpy(p, buf, len);
		*n = len / sizeof *p;
	}
	free(buf);
	return p;
}
