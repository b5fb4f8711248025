/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * INFORMATIONAL (RFC 7296 §1.4): Delete of Child SAs and of the IKE SA
 * (§1.4.1), and the empty request used as a liveness check (§2.4, dead
 * peer detection; the give-up is the engine's retransmission timer).
 */
#include <errno.h>
#include <string.h>

#include "control/ike/exchange.h"

static void be32(uint32_t v, uint8_t *out)
{
	out[0] = (uint8_t)(v >> 24);
	out[1] = (uint8_t)(v >> 16);
	out[2] = (uint8_t)(v >> 8);
	out[3] = (uint8_t)v;
}

/* Initiator builds: D(ESP, our inbound SPI), D(IKE), or nothing (DPD). */
static int i_build(struct ike_xctx *x)
{
	struct ike_sa *sa = x->sa;
	struct pld_delete d = { 0 };
	uint8_t spi[4];
	int rc;

	switch (x->task.type) {
	case IKE_TASK_CHILD_DELETE: {
		struct ike_child *c = &sa->child[x->task.child];

		if (c->state == IKE_CHILD_FREE)
			return -ESTALE; /* gone meanwhile */
		if (c->state != IKE_CHILD_DELETING) {
			rc = ike_child_set_state(x->e, sa, c, IKE_CHILD_DELETING);
			if (rc != 0)
				return rc;
		}
		/* §1.4.1: a Child SA is named by the sender's inbound SPI. */
		be32(c->spi_in, spi);
		d = (struct pld_delete){ .protocol_id = IKE_PROTO_ESP, .spi_size = 4, .n_spis = 1,
					 .spis = spi };
		return ike_msg_add_delete(x->mb, &d);
	}
	case IKE_TASK_IKE_DELETE:
		if (sa->state != IKE_SA_DELETING) {
			rc = ike_sa_set_state(x->e, sa, IKE_SA_DELETING);
			if (rc != 0)
				return rc;
		}
		d.protocol_id = IKE_PROTO_IKE;
		return ike_msg_add_delete(x->mb, &d);
	case IKE_TASK_DPD:
		return 0; /* §1.4: an empty INFORMATIONAL request */
	default:
		return -EINVAL;
	}
}

static int r_delete(struct ike_xctx *x, const struct pld_delete *d)
{
	struct ike_sa *sa = x->sa;
	/* Child SAs of a rekeyed IKE SA live in its successor (§2.18). */
	struct ike_sa *owner = sa->moved_to != NULL ? sa->moved_to : sa;

	if (d->protocol_id == IKE_PROTO_IKE) {
		/* §1.4.1: the IKE SA and all its Child SAs go; empty answer. */
		for (unsigned i = 0; i < IKE_CHILD_MAX; i++)
			if (sa->child[i].state != IKE_CHILD_FREE)
				ike_child_remove(x->e, sa, &sa->child[i]);
		return ike_sa_set_state(x->e, sa, IKE_SA_DEAD);
	}
	if (d->protocol_id != IKE_PROTO_ESP || d->spi_size != 4)
		return 0; /* AH: not ours; ignored */
	for (unsigned i = 0; i < d->n_spis; i++) {
		struct ike_child *c = ike_child_by_spi_out(owner, pld_delete_spi32(d, i));
		bool ours_too;

		if (c == NULL)
			continue; /* §1.4.1: unknown SPIs are ignored */
		/* §1.4.1: if we are deleting it as well, our answer leaves it out. */
		ours_too = c->state == IKE_CHILD_DELETING;
		if (!ours_too && x->n_del < sizeof(x->del_spi) / sizeof(x->del_spi[0]))
			x->del_spi[x->n_del++] = c->spi_in;
		ike_child_remove(x->e, owner, c);
	}
	return 0;
}

/* Responder processes: each Delete payload; anything else is liveness. */
static int r_process(struct ike_xctx *x)
{
	const struct ike_pld_ref *r;
	struct pld_delete d;
	int rc;

	/* Validate every payload before acting on any. */
	for (r = ike_msg_find(x->m, IKE_PLD_D); r != NULL; r = ike_msg_find_next(x->m, r))
		if (pld_delete_parse(r->body, r->body_len, &d) != 0)
			return -EBADMSG;
	for (r = ike_msg_find(x->m, IKE_PLD_D); r != NULL; r = ike_msg_find_next(x->m, r)) {
		(void)pld_delete_parse(r->body, r->body_len, &d);
		rc = r_delete(x, &d);
		if (rc != 0)
			return rc;
		if (x->sa->state == IKE_SA_DEAD)
			break;
	}
	return 0;
}

/* Responder builds: D(ESP) with our inbound SPIs of the deleted pairs. */
static int r_build(struct ike_xctx *x)
{
	uint8_t spis[16 * 4];
	struct pld_delete d = { .protocol_id = IKE_PROTO_ESP, .spi_size = 4, .spis = spis };

	if (x->n_del == 0)
		return 0;
	for (unsigned i = 0; i < x->n_del; i++)
		be32(x->del_spi[i], spis + 4 * i);
	d.n_spis = (uint16_t)x->n_del;
	return ike_msg_add_delete(x->mb, &d);
}

/* Initiator processes: the deleted SAs leave the driver. */
static int i_process(struct ike_xctx *x)
{
	struct ike_sa *sa = x->sa;
	/* Child SAs of a rekeyed IKE SA live in its successor (§2.18). */
	struct ike_sa *owner = sa->moved_to != NULL ? sa->moved_to : sa;

	switch (x->task.type) {
	case IKE_TASK_CHILD_DELETE:
		if (owner->child[x->task.child].state != IKE_CHILD_FREE)
			ike_child_remove(x->e, owner, &owner->child[x->task.child]);
		return 0;
	case IKE_TASK_IKE_DELETE:
		return ike_sa_set_state(x->e, sa, IKE_SA_DEAD);
	default:
		return 0; /* DPD: the peer is alive (last_rx updated) */
	}
}

const struct ike_exchange ike_x_informational = {
	.type = IKE_EXCH_INFORMATIONAL,
	.encrypted = true,
	.i_build = i_build,
	.r_process = r_process,
	.r_build = r_build,
	.i_process = i_process,
};
