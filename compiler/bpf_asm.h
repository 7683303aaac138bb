/* bpf_asm.h - a classic-BPF program as a graph, laid out into instructions.
 *
 * The back end (seccomp_bpf.c) builds a filter bottom-up as nodes that
 * name their successors; identical nodes are one node (hash-consed), so
 * equal checks, equal tails and returns of the same action are shared
 * without bookkeeping. ba_layout() orders the nodes (every jump goes
 * forward), resolves offsets, and handles the 8-bit reach of conditional
 * jumps: a return too far away is repeated closer (free at run time), any
 * other far target gets a `ja` trampoline (one more instruction on that
 * path only).
 */
#ifndef CAPC_BPF_ASM_H
#define CAPC_BPF_ASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ir.h"

#define BA_NONE (-1)

struct ba_node {
	uint16_t code; /* BPF_RET|BPF_K, BPF_LD|BPF_W|BPF_ABS, BPF_ALU|BPF_AND|BPF_K, BPF_JMP|{JEQ,JGT,JGE,JSET}|BPF_K */
	uint32_t k;
	int jt, jf;    /* jumps: both targets; other non-returns: jt is the next node; returns: BA_NONE */
};

struct bpf_asm {
	struct ba_node *v;
	size_t n, cap;
	int *hash;     /* open addressing over v, hcap slots, BA_NONE when empty */
	size_t hcap;
};

void ba_init(struct bpf_asm *a);
void ba_free(struct bpf_asm *a);

/* Each returns the node (an existing one if identical). Out of memory
 * ends capc with a message (xalloc.h), as everywhere in the compiler. */
int ba_ret(struct bpf_asm *a, uint32_t action);
int ba_load(struct bpf_asm *a, uint32_t offset, int next); /* A = seccomp_data word at offset */
int ba_and(struct bpf_asm *a, uint32_t mask, int next);   /* A &= mask */
/* op: BPF_JEQ, BPF_JGT, BPF_JGE or BPF_JSET; a jump whose targets are the
 * same node is that node. */
int ba_jump(struct bpf_asm *a, uint16_t op, uint32_t k, int jt, int jf);

/* The most instructions executed from node x up to a return, the return
 * not counted (a return: 0); after layout, trampolines may add to it. */
unsigned ba_longest(const struct bpf_asm *a, int x);

/* The fewest instructions executed from node x to a return whose action
 * `accept` takes, the return not counted; UINT32_MAX when none is
 * reachable. */
unsigned ba_shortest(const struct bpf_asm *a, int x, bool (*accept)(uint32_t action));

/* Lay out the program reachable from `entry` into *out (malloc'ed, host
 * byte order). The program may be longer than the kernel accepts: the
 * caller checks out->n. */
void ba_layout(const struct bpf_asm *a, int entry, struct ir_prog *out);

#endif /* CAPC_BPF_ASM_H */
