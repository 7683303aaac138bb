/* bpf_tree.h - an optimal search tree over ranges of a 32-bit value.
 *
 * The value is in the accumulator (a syscall number, or one word of an
 * argument); each range of values goes to one node. bt_build() emits the
 * comparisons that take every value to its range's node at the least
 * expected cost: the sum over ranges of weight x comparisons executed.
 */
#ifndef CAPC_BPF_TREE_H
#define CAPC_BPF_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "bpf_asm.h"

struct bt_range {
	uint32_t lo;     /* first value; the range ends where the next begins (the last at 0xffffffff) */
	int target;      /* node */
	uint64_t weight; /* how often values of this range are expected */
	unsigned extra;  /* instructions the target may still run (argument tests) */
};

/* r: n >= 1 ranges, r[0].lo == 0, lo strictly increasing. Adjacent ranges
 * with the same target are merged (weights added). Returns the tree's root
 * node, or BA_NONE when out of memory. *cost (may be NULL): the tree's
 * weighted cost, sum of weight x comparisons. Of the trees within 1 % of
 * the least cost, it is one whose longest path (comparisons + extra) is
 * shortest: see bpf_tree.c. */
int bt_build(struct bpf_asm *a, const struct bt_range *r, size_t n, uint64_t *cost);

/* The same optimum, without emitting: the least weighted number of
 * comparisons (`jge`/`jgt` splits, and `jeq` where one value is set apart
 * from equal surroundings) that separate the ranges. For the benchmark's
 * report and the tests; UINT64_MAX when out of memory. */
uint64_t bt_cost(const struct bt_range *r, size_t n);

#endif /* CAPC_BPF_TREE_H */
