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
 * node. Of the trees within 5 % of the least weighted cost (weight x
 * comparisons, plus the 4 instructions every call runs besides the tree),
 * it is one whose longest path (comparisons + extra) is shortest: see
 * bpf_tree.c. */
int bt_build(struct bpf_asm *a, const struct bt_range *r, size_t n);

#endif /* CAPC_BPF_TREE_H */
