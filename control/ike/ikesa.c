/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IKE SA and Child SA state machines (one checked setter each,
 * STYLE.md rule 6), child slots and the per-SA task queue.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "control/ike/exchange.h"
#include "control/ike/keylog.h"
#include "control/ike/ikesa.h"

static const char *const sa_names[] = {
#define X(n) #n,
	IKE_SA_STATES(X)
#undef X
};

static const char *const child_names[] = {
#define X(n) #n,
	IKE_CHILD_STATES(X)
#undef X
};

const char *ike_sa_state_name(enum ike_sa_state s)
{
	return (unsigned)s < IKE_SA_STATE_MAX ? sa_names[s] : "?";
}

const char *ike_child_state_name(enum ike_child_state s)
{
	return (unsigned)s < IKE_CHILD_STATE_MAX ? child_names[s] : "?";
}

#define B(s) (1u << IKE_SA_##s)
/* Legal successors of each IKE SA state. */
static const unsigned sa_next[IKE_SA_STATE_MAX] = {
	/* IDLE: we initiate, we answer an IKE_SA_INIT, or a rekey made it
	 * (§2.18: the new SA is usable once the CREATE_CHILD_SA is done). */
	[IKE_SA_IDLE]        = B(INIT_SENT) | B(INIT_DONE) | B(ESTABLISHED) | B(DEAD),
	[IKE_SA_INIT_SENT]   = B(AUTH_SENT) | B(DEAD),
	[IKE_SA_INIT_DONE]   = B(ESTABLISHED) | B(DEAD),
	[IKE_SA_AUTH_SENT]   = B(ESTABLISHED) | B(DEAD),
	[IKE_SA_ESTABLISHED] = B(REKEYING) | B(REKEYED) | B(DELETING) | B(DEAD),
	/* A failed or lost rekey returns to ESTABLISHED (§2.8.1). */
	[IKE_SA_REKEYING]    = B(ESTABLISHED) | B(REKEYED) | B(DELETING) | B(DEAD),
	[IKE_SA_REKEYED]     = B(DELETING) | B(DEAD),
	[IKE_SA_DELETING]    = B(DEAD),
	[IKE_SA_DEAD]        = 0,
};
#undef B

#define C(s) (1u << IKE_CHILD_##s)
static const unsigned child_next[IKE_CHILD_STATE_MAX] = {
	[IKE_CHILD_FREE]      = C(CREATING) | C(INSTALLED),
	[IKE_CHILD_CREATING]  = C(INSTALLED) | C(FREE),
	[IKE_CHILD_INSTALLED] = C(REKEYING) | C(REKEYED) | C(DELETING) | C(FREE),
	[IKE_CHILD_REKEYING]  = C(INSTALLED) | C(REKEYED) | C(DELETING) | C(FREE),
	[IKE_CHILD_REKEYED]   = C(DELETING) | C(FREE),
	[IKE_CHILD_DELETING]  = C(FREE),
};
#undef C

bool ike_sa_transition_ok(enum ike_sa_state from, enum ike_sa_state to)
{
	if ((unsigned)from >= IKE_SA_STATE_MAX || (unsigned)to >= IKE_SA_STATE_MAX)
		return false;
	return sa_next[from] & (1u << to);
}

bool ike_child_transition_ok(enum ike_child_state from, enum ike_child_state to)
{
	if ((unsigned)from >= IKE_CHILD_STATE_MAX || (unsigned)to >= IKE_CHILD_STATE_MAX)
		return false;
	return child_next[from] & (1u << to);
}

int ike_sa_set_state(struct ike_engine *e, struct ike_sa *sa, enum ike_sa_state to)
{
	enum ike_sa_state from = sa->state;

	if (!ike_sa_transition_ok(from, to)) {
		ike_log(e, "IKE SA %016llx_i %016llx_r: refused %s -> %s",
			(unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r,
			ike_sa_state_name(from), ike_sa_state_name(to));
		return -EPERM;
	}
	sa->state = to;
	/* Half-open accounting (§2.6) for the SAs of the engine's table. */
	if (sa->used && from == IKE_SA_INIT_DONE)
		e->n_half_open--;
	if (sa->used && to == IKE_SA_INIT_DONE)
		e->n_half_open++;
	sa->transitions++;
	e->st.sa_transitions++;
	if (to == IKE_SA_ESTABLISHED && sa->established_ms == 0)
		sa->established_ms = ike_now(e);
	ike_log(e, "IKE SA %016llx_i %016llx_r: %s -> %s", (unsigned long long)sa->spi_i,
		(unsigned long long)sa->spi_r, ike_sa_state_name(from), ike_sa_state_name(to));
	/* An IKE SA rekey's new SA is keyed and established at once. */
	if (to == IKE_SA_ESTABLISHED)
		ike_keylog_sa(e, sa);
	return 0;
}

int ike_child_set_state(struct ike_engine *e, struct ike_sa *sa, struct ike_child *c,
			enum ike_child_state to)
{
	enum ike_child_state from = c->state;

	if (!ike_child_transition_ok(from, to)) {
		ike_log(e, "Child SA %08x_i %08x_o (IKE %016llx_i): refused %s -> %s", c->spi_in,
			c->spi_out, (unsigned long long)sa->spi_i, ike_child_state_name(from),
			ike_child_state_name(to));
		return -EPERM;
	}
	c->state = to;
	e->st.child_transitions++;
	ike_log(e, "Child SA %08x_i %08x_o (IKE %016llx_i): %s -> %s", c->spi_in, c->spi_out,
		(unsigned long long)sa->spi_i, ike_child_state_name(from),
		ike_child_state_name(to));
	return 0;
}

struct ike_child *ike_child_alloc(struct ike_sa *sa)
{
	for (unsigned i = 0; i < IKE_CHILD_MAX; i++)
		if (sa->child[i].state == IKE_CHILD_FREE) {
			memset(&sa->child[i], 0, sizeof(sa->child[i]));
			sa->child[i].rekey_of = -1;
			sa->child[i].replaced_by = -1;
			return &sa->child[i];
		}
	return NULL;
}

int ike_child_slot(const struct ike_sa *sa, const struct ike_child *c)
{
	return (int)(c - sa->child);
}

struct ike_child *ike_child_by_spi_in(struct ike_sa *sa, uint32_t spi)
{
	for (unsigned i = 0; i < IKE_CHILD_MAX; i++)
		if (sa->child[i].state != IKE_CHILD_FREE && sa->child[i].spi_in == spi)
			return &sa->child[i];
	return NULL;
}

struct ike_child *ike_child_by_spi_out(struct ike_sa *sa, uint32_t spi)
{
	for (unsigned i = 0; i < IKE_CHILD_MAX; i++)
		if (sa->child[i].state != IKE_CHILD_FREE && sa->child[i].spi_out == spi)
			return &sa->child[i];
	return NULL;
}

int ike_sa_keep(uint8_t **dst, size_t *dst_len, const uint8_t *buf, size_t len)
{
	uint8_t *p = malloc(len != 0 ? len : 1);

	if (p == NULL)
		return -ENOMEM;
	memcpy(p, buf, len);
	if (*dst != NULL) {
		explicit_bzero(*dst, *dst_len);
		free(*dst);
	}
	*dst = p;
	*dst_len = len;
	return 0;
}

int ike_sent_keep(struct ike_sent **dst, const struct ike_dgrams *d)
{
	struct ike_sent *s = malloc(sizeof(*s) + d->total);

	if (s == NULL)
		return -ENOMEM;
	s->n = d->n;
	memcpy(s->len, d->len, sizeof(s->len));
	s->total = d->total;
	memcpy(s->buf, d->buf, d->total);
	free(*dst);
	*dst = s;
	return 0;
}

void ike_sa_release_bufs(struct ike_sa *sa)
{
	if (sa->init_req != NULL)
		explicit_bzero(sa->init_req, sa->init_req_len);
	if (sa->init_resp != NULL)
		explicit_bzero(sa->init_resp, sa->init_resp_len);
	free(sa->init_req);
	free(sa->init_resp);
	free(sa->out.d);
	free(sa->resp.d);
	if (sa->frag.data != NULL)
		explicit_bzero(sa->frag.data, IKE_FRAG_MAX * sizeof(*sa->frag.data));
	free(sa->frag.data);
	/* RFC 9370 IKE_FOLLOWUP_KE series cut short. */
	for (unsigned i = 0; i < 2; i++) {
		struct ike_mke *k = i == 0 ? &sa->fu_i.k : &sa->fu_r.k;

		if (k->secrets != NULL)
			explicit_bzero(k->secrets, IKE_MKE_SECRETS);
		free(k->secrets);
		k->secrets = NULL;
	}
	sa->init_req = sa->init_resp = NULL;
	sa->init_req_len = sa->init_resp_len = 0;
	sa->out.d = sa->resp.d = NULL;
	sa->frag.data = NULL;
}

int ike_task_push(struct ike_sa *sa, uint8_t type, int child, int cfg)
{
	if (sa->n_tasks == IKE_TASK_MAX)
		return -ENOSPC;
	sa->tasks[sa->n_tasks++] = (struct ike_task){ .type = type, .child = (int8_t)child,
						      .cfg = (int8_t)cfg };
	return 0;
}

int ike_task_push_front(struct ike_sa *sa, uint8_t type, int child, int cfg)
{
	if (sa->n_tasks == IKE_TASK_MAX)
		return -ENOSPC;
	memmove(sa->tasks + 1, sa->tasks, sa->n_tasks * sizeof(sa->tasks[0]));
	sa->n_tasks++;
	sa->tasks[0] = (struct ike_task){ .type = type, .child = (int8_t)child, .cfg = (int8_t)cfg };
	return 0;
}

bool ike_task_pop(struct ike_sa *sa, struct ike_task *t)
{
	if (sa->n_tasks == 0)
		return false;
	*t = sa->tasks[0];
	memmove(sa->tasks, sa->tasks + 1, --sa->n_tasks * sizeof(sa->tasks[0]));
	return true;
}
