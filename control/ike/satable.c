/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The engine's IKE SA table: SAs allocated on demand, found through a hash
 * of the initiator's SPI (RFC 7296 §2.6: SPIi is chosen by the initiator
 * and, with SPIr or with the peer's address for an IKE_SA_INIT request,
 * names the SA), and kept on a list in creation order for walks.
 *
 * The hash is keyed with a random secret so a peer choosing SPIs cannot
 * pile its SAs into one bucket. The bucket array doubles when the table
 * holds more SAs than buckets. Walks with ike_sa_each() may destroy any SA,
 * including ones not yet visited.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "control/ike/exchange.h"

enum { BUCKETS_MIN = 64 };

static unsigned bucket_of(const struct ike_engine *e, uint64_t spi_i, unsigned n_bucket)
{
	uint64_t h = spi_i ^ e->hash_key[0];

	/* A keyed 64-bit mixer (SplitMix64's finaliser on SPI ^ secret). */
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
	h ^= e->hash_key[1];
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return (unsigned)h & (n_bucket - 1);
}

int ike_satable_init(struct ike_engine *e)
{
	e->bucket = calloc(BUCKETS_MIN, sizeof(*e->bucket));
	if (e->bucket == NULL)
		return -ENOMEM;
	e->n_bucket = BUCKETS_MIN;
	ike_rng(e, (uint8_t *)e->hash_key, sizeof(e->hash_key));
	return 0;
}

void ike_satable_free(struct ike_engine *e)
{
	while (e->sa_head != NULL)
		ike_sa_destroy(e, e->sa_head);
	free(e->bucket);
	e->bucket = NULL;
	e->n_bucket = 0;
}

/* Twice the buckets; on allocation failure the old (longer) chains stay. */
static void grow(struct ike_engine *e)
{
	unsigned n = e->n_bucket * 2;
	struct ike_sa **b = calloc(n, sizeof(*b));

	if (b == NULL)
		return;
	for (struct ike_sa *sa = e->sa_head; sa != NULL; sa = sa->l_next) {
		unsigned k = bucket_of(e, sa->spi_i, n);

		sa->h_next = b[k];
		b[k] = sa;
	}
	free(e->bucket);
	e->bucket = b;
	e->n_bucket = n;
}

struct ike_sa *ike_sa_new(struct ike_engine *e, uint64_t spi_i)
{
	struct ike_sa *sa = calloc(1, sizeof(*sa));
	unsigned k;

	if (sa == NULL)
		return NULL;
	sa->used = true;
	sa->spi_i = spi_i;
	sa->created_ms = sa->last_rx_ms = ike_now(e);
	if (e->n_sa >= e->n_bucket)
		grow(e);
	k = bucket_of(e, spi_i, e->n_bucket);
	sa->h_next = e->bucket[k];
	e->bucket[k] = sa;
	sa->l_prev = e->sa_tail;
	if (e->sa_tail != NULL)
		e->sa_tail->l_next = sa;
	else
		e->sa_head = sa;
	e->sa_tail = sa;
	e->n_sa++;
	return sa;
}

void ike_satable_remove(struct ike_engine *e, struct ike_sa *sa)
{
	struct ike_sa **pp = &e->bucket[bucket_of(e, sa->spi_i, e->n_bucket)];

	if (!sa->used)
		return;
	while (*pp != NULL && *pp != sa)
		pp = &(*pp)->h_next;
	if (*pp == sa)
		*pp = sa->h_next;
	/* Walks in progress skip over it. */
	for (struct ike_sa_iter *it = e->iters; it != NULL; it = it->up)
		if (it->next == sa)
			it->next = sa->l_next;
	if (sa->l_prev != NULL)
		sa->l_prev->l_next = sa->l_next;
	else
		e->sa_head = sa->l_next;
	if (sa->l_next != NULL)
		sa->l_next->l_prev = sa->l_prev;
	else
		e->sa_tail = sa->l_prev;
	if (sa->state == IKE_SA_INIT_DONE)
		e->n_half_open--;
	sa->h_next = sa->l_prev = sa->l_next = NULL;
	sa->used = false;
	e->n_sa--;
}

struct ike_sa *ike_sa_chain(const struct ike_engine *e, uint64_t spi_i)
{
	return e->bucket[bucket_of(e, spi_i, e->n_bucket)];
}

void ike_sa_each(struct ike_engine *e, ike_sa_each_fn fn, void *arg)
{
	struct ike_sa_iter it = { .up = e->iters };
	struct ike_sa *sa = e->sa_head;

	e->iters = &it;
	while (sa != NULL) {
		it.next = sa->l_next;
		fn(e, sa, arg);
		sa = it.next;
	}
	e->iters = it.up;
}

bool ike_spi_used(const struct ike_engine *e, uint64_t spi)
{
	for (const struct ike_sa *sa = ike_sa_chain(e, spi); sa != NULL; sa = sa->h_next)
		if (sa->spi_i == spi)
			return true;
	return false;
}

struct ike_sa *ike_sa_find(struct ike_engine *e, uint64_t spi_i, uint64_t spi_r)
{
	/* spi_r 0: any SA with this SPIi (SPI allocation, INIT). */
	for (struct ike_sa *sa = ike_sa_chain(e, spi_i); sa != NULL; sa = sa->h_next)
		if (sa->spi_i == spi_i && (spi_r == 0 || sa->spi_r == spi_r))
			return sa;
	return NULL;
}

struct ike_sa *ike_sa_by_conn(struct ike_engine *e, const char *conn)
{
	for (struct ike_sa *sa = e->sa_head; sa != NULL; sa = sa->l_next)
		if (sa->conn != NULL && strcmp(sa->conn->name, conn) == 0 &&
		    sa->state != IKE_SA_DEAD && sa->state != IKE_SA_REKEYED &&
		    sa->state != IKE_SA_DELETING)
			return sa;
	return NULL;
}

void ike_sa_foreach(const struct ike_engine *e, ike_sa_visit_fn fn, void *arg)
{
	for (const struct ike_sa *sa = e->sa_head; sa != NULL; sa = sa->l_next)
		fn(sa, arg);
}

unsigned ike_sa_count(const struct ike_engine *e)
{
	return e->n_sa;
}

unsigned ike_half_open(const struct ike_engine *e)
{
	return e->n_half_open;
}

unsigned ike_sa_half_open(const struct ike_engine *e)
{
	return e->n_half_open;
}

unsigned ike_sa_max(const struct ike_engine *e)
{
	return e->cfg.max_sas != 0 ? e->cfg.max_sas : IKE_SA_MAX_DEFAULT;
}
