/* bpfload.h - a seccomp filter from a file, for the benchmarks: a raw
 * classic-BPF program (what seccomp_export_bpf writes) or a .capbin (the
 * filter of its first stage with seccomp, for the running arch; the blob
 * is validated by libcapr first).
 */
#ifndef BENCH_BPFLOAD_H
#define BENCH_BPFLOAD_H

#include <linux/filter.h>
#include <stddef.h>

/* Returns a malloc'ed program and its length in *n, or NULL after
 * printing why to stderr. */
struct sock_filter *bpf_load(const char *path, size_t *n);

/* The whole file, malloc'ed, or NULL after printing why. */
void *bench_read_file(const char *path, size_t *len);

#endif /* BENCH_BPFLOAD_H */
