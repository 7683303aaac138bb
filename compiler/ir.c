/* ir.c - freeing the resolved policy. */
#include <stdlib.h>
#include <string.h>

#include "ir.h"
#include "seccomp.h"

void ir_stage_free(struct ir_stage *s)
{
	free(s->point);
	free(s->user.name);
	free(s->group.name);
	for (size_t g = 0; g < s->ngroups; g++)
		free(s->groups[g].name);
	free(s->groups);
	sc_filter_free(s->filter);
	for (size_t a = 0; a < CAPBIN_MAX_ARCHES; a++)
		free(s->progs[a].insns);
	for (size_t e = 0; e < s->nexpects; e++)
		free(s->expects[e].syscall);
	free(s->expects);
	memset(s, 0, sizeof *s);
}

void ir_free(struct ir_policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nstages; i++)
		ir_stage_free(&p->stages[i]);
	free(p->stages);
	for (size_t i = 0; i < p->nrules; i++)
		free(p->rules[i].who.name);
	free(p->rules);
	free(p->name);
	memset(p, 0, sizeof *p);
}
