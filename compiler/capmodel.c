/* capmodel.c - the kernel's capability rules, as far as policies need them. */
#include "capmodel.h"

#include "capbin.h"

struct cm_state cm_root_start(uint64_t all)
{
	struct cm_state s = {
		.bnd = all,
		.prm = all,
		.eff = all,
		.inh = 0,
		.amb = 0,
		.securebits = 0,
		.root = true,
		.nnp = false,
		.filters = 0,
	};
	return s;
}

void cm_apply(struct cm_state *s, const struct cm_stage *st)
{
	if (st->flags & CAPBIN_STAGE_BOUNDING)
		s->bnd &= st->bounding;
	if (st->flags & CAPBIN_STAGE_SECUREBITS)
		s->securebits = (s->securebits & ~st->securebits_mask) | (st->securebits & st->securebits_mask);
	if (st->flags & CAPBIN_STAGE_USER) {
		/* The runtime keeps what the stage keeps across the switch
		 * (keep_caps or no_setuid_fixup), and the compiler writes the
		 * kernel's clearing into the masks, so only root-ness changes. */
		s->root = st->user_is_root;
	}
	if (st->flags & CAPBIN_STAGE_CAPS) {
		s->prm = (s->prm & st->prm_and) | st->prm_or;
		s->eff = (s->eff & st->eff_and) | st->eff_or;
		s->inh = (s->inh & st->inh_and) | st->inh_or;
	}
	if (st->flags & CAPBIN_STAGE_AMBIENT)
		s->amb = (s->amb & st->amb_and) | st->amb_or;
	/* The kernel keeps ambient a subset of permitted and inheritable. */
	s->amb &= s->prm & s->inh;
	if (st->flags & CAPBIN_STAGE_NNP)
		s->nnp = true;
	if (st->flags & CAPBIN_STAGE_SECCOMP)
		s->filters++;
}

void cm_leave_root(struct cm_state *s)
{
	if (!(s->securebits & CAPBIN_SECBIT_NO_SETUID_FIXUP)) {
		if (!(s->securebits & CAPBIN_SECBIT_KEEP_CAPS))
			s->prm = 0;
		s->eff = 0;
		s->amb = 0;
	}
	s->root = false;
}

void cm_exec(struct cm_state *s)
{
	/* No file capabilities, not setuid: the ambient set survives and
	 *   P' = (bounding & fP) | (I & fI) | A'
	 * where root (unless SECBIT_NOROOT) is treated as if the file had
	 * fP = fI = all and the effective bit set. */
	if (s->root && !(s->securebits & CAPBIN_SECBIT_NOROOT)) {
		s->prm = s->bnd | s->inh | s->amb;
		s->eff = s->prm;
	} else {
		s->prm = s->amb;
		s->eff = s->amb;
	}
	/* keep_caps is cleared by execve; the other securebits survive. */
	s->securebits &= ~CAPBIN_SECBIT_KEEP_CAPS;
}
