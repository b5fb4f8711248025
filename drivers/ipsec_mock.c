/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * In-memory mock of drivers/ipsec.h for unit tests: it keeps what it is
 * told, with stats that tests may poke, and never touches packets.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/ipsec.h"
#include "drivers/ipsec_mock.h"

static struct mock_drv *mock(struct drv_ipsec *d)
{
	return (struct mock_drv *)d;
}

static int mock_find(struct mock_drv *m, uint32_t spi, enum esp_dir dir)
{
	for (unsigned i = 0; i < m->n_sas; i++)
		if (m->sas[i].p.spi == spi && m->sas[i].p.dir == dir)
			return (int)i;
	return -1;
}

struct mock_sa *mock_sa_find(struct mock_drv *m, uint32_t spi, enum esp_dir dir)
{
	int i = mock_find(m, spi, dir);

	return i < 0 ? NULL : &m->sas[i];
}

static int mock_get_spi(struct drv_ipsec *d, uint16_t owner, uint32_t *spi)
{
	struct mock_drv *m = mock(d);

	*spi = m->next_spi++ * 16 + owner;
	return 0;
}

static int mock_sa_add(struct drv_ipsec *d, const struct esp_sa_params *p)
{
	struct mock_drv *m = mock(d);
	const char *why;

	m->calls++;
	if (mock_find(m, p->spi, p->dir) >= 0)
		return -EEXIST;
	if (esp_sa_params_check(p, &why) < 0)
		return -EINVAL;
	if (m->n_sas == MOCK_SAS_MAX)
		return -ENOSPC;
	memset(&m->sas[m->n_sas], 0, sizeof(m->sas[0]));
	m->sas[m->n_sas++].p = *p;
	return 0;
}

static int mock_sa_update(struct drv_ipsec *d, const struct esp_sa_params *p)
{
	struct mock_drv *m = mock(d);
	int i = mock_find(m, p->spi, p->dir);

	m->calls++;
	if (i < 0)
		return -ENOENT;
	m->sas[i].p = *p;
	return 0;
}

static int mock_sa_update_endpoints(struct drv_ipsec *d, uint32_t spi, enum esp_dir dir,
				    const struct drv_sa_endpoints *ep)
{
	struct mock_drv *m = mock(d);
	int i = mock_find(m, spi, dir);

	m->calls++;
	if (i < 0)
		return -ENOENT;
	m->sas[i].p.local = ep->local;
	m->sas[i].p.remote = ep->remote;
	if (m->sas[i].p.flags & ESP_SA_F_NATT) {
		m->sas[i].p.natt_sport = ep->natt_sport;
		m->sas[i].p.natt_dport = ep->natt_dport;
	}
	return 0;
}

static int mock_sa_del(struct drv_ipsec *d, uint32_t spi, enum esp_dir dir)
{
	struct mock_drv *m = mock(d);
	int i = mock_find(m, spi, dir);

	m->calls++;
	if (i < 0)
		return -ENOENT;
	m->sas[i] = m->sas[--m->n_sas];
	return 0;
}

static int mock_sa_stats(struct drv_ipsec *d, uint32_t spi, enum esp_dir dir,
			 struct esp_sa_stats *out)
{
	struct mock_drv *m = mock(d);
	int i = mock_find(m, spi, dir);

	if (i < 0)
		return -ENOENT;
	*out = m->sas[i].stats;
	return 0;
}

static int mock_policy_add(struct drv_ipsec *d, const struct drv_policy *pol)
{
	struct mock_drv *m = mock(d);

	m->calls++;
	for (unsigned i = 0; i < m->n_pols; i++)
		if (m->pols[i].id == pol->id)
			return -EEXIST;
	if (m->n_pols == MOCK_POLS_MAX)
		return -ENOSPC;
	m->pols[m->n_pols++] = *pol;
	return 0;
}

static int mock_policy_del(struct drv_ipsec *d, uint32_t id)
{
	struct mock_drv *m = mock(d);

	m->calls++;
	for (unsigned i = 0; i < m->n_pols; i++)
		if (m->pols[i].id == id) {
			memmove(&m->pols[i], &m->pols[i + 1], (m->n_pols - i - 1) * sizeof(m->pols[0]));
			m->n_pols--;
			return 0;
		}
	return -ENOENT;
}

static unsigned mock_events(struct drv_ipsec *d, struct esp_event *ev, unsigned max)
{
	struct mock_drv *m = mock(d);
	unsigned n = m->n_events < max ? m->n_events : max;

	memcpy(ev, m->events, n * sizeof(*ev));
	memmove(m->events, m->events + n, (m->n_events - n) * sizeof(*ev));
	m->n_events -= n;
	return n;
}

static void mock_sa_foreach(struct drv_ipsec *d, drv_sa_visit_fn fn, void *arg)
{
	struct mock_drv *m = mock(d);

	for (unsigned i = 0; i < m->n_sas; i++)
		fn(&m->sas[i].p, &m->sas[i].stats, arg);
}

static void mock_policy_foreach(struct drv_ipsec *d, drv_policy_visit_fn fn, void *arg)
{
	struct mock_drv *m = mock(d);

	for (unsigned i = 0; i < m->n_pols; i++)
		fn(&m->pols[i], arg);
}

static void mock_poll(struct drv_ipsec *d)
{
	mock(d)->polls++;
}

static const struct drv_ipsec_ops mock_ops = {
	.get_spi = mock_get_spi,
	.sa_add = mock_sa_add,
	.sa_update = mock_sa_update,
	.sa_del = mock_sa_del,
	.sa_stats = mock_sa_stats,
	.policy_add = mock_policy_add,
	.policy_del = mock_policy_del,
	.events = mock_events,
	.sa_update_endpoints = mock_sa_update_endpoints,
	.sa_foreach = mock_sa_foreach,
	.policy_foreach = mock_policy_foreach,
	.poll = mock_poll,
};

struct drv_ipsec *drv_ipsec_mock_create(void)
{
	struct mock_drv *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->base.ops = &mock_ops;
	m->next_spi = 0x100;
	return &m->base;
}

void drv_ipsec_mock_destroy(struct drv_ipsec *d)
{
	if (d != NULL)
		explicit_bzero(d, sizeof(struct mock_drv));
	free(d);
}
