/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>
#include <rte_malloc.h>

#include "dataplane/fib.h"

struct fib *fib_alloc(uint32_t n_routes, uint32_t n_neighs, uint32_t n_labels)
{
	size_t sz = sizeof(struct fib) + n_routes * sizeof(struct fib_route) +
		    n_neighs * sizeof(struct fib_neigh) + n_labels * sizeof(struct fib_label);
	struct fib *f = rte_zmalloc("fib", sz, RTE_CACHE_LINE_SIZE);

	if (f == NULL)
		return NULL;
	f->routes = (struct fib_route *)(f + 1);
	f->neighs = (struct fib_neigh *)(f->routes + n_routes);
	f->labels = (struct fib_label *)(f->neighs + n_neighs);
	return f;
}

void fib_free(struct fib *f)
{
	rte_free(f);
}

static int route_cmp(const void *a, const void *b)
{
	const struct fib_route *x = a, *y = b;

	return (int)y->plen - (int)x->plen;
}

void fib_sort_routes(struct fib *f)
{
	qsort(f->routes, f->n_routes, sizeof(*f->routes), route_cmp);
}

int fib_local_port(const struct fib *f, uint8_t family, const uint8_t *addr)
{
	unsigned len = esp_addr_len(family);

	for (int p = 0; p < FIB_PORTS_MAX; p++) {
		const struct fib_port *fp = &f->ports[p];

		for (unsigned i = 0; i < fp->n_addrs; i++)
			if (fp->addrs[i].family == family &&
			    memcmp(fp->addrs[i].bytes, addr, len) == 0)
				return p;
	}
	return -1;
}

bool fib_is_local(const struct fib *f, uint8_t family, const uint8_t *addr)
{
	return fib_local_port(f, family, addr) >= 0;
}

int fib_route(const struct fib *f, uint8_t family, const uint8_t *dst, struct fib_hop *hop)
{
	unsigned len = esp_addr_len(family);

	for (uint32_t i = 0; i < f->n_routes; i++) {
		const struct fib_route *r = &f->routes[i];

		if (r->family != family || !esp_prefix_match(r->prefix, dst, r->plen))
			continue;
		hop->port = r->port;
		hop->mtu = f->ports[r->port].mtu;
		hop->family = family;
		memcpy(hop->nh, r->has_via ? r->via : dst, len);
		return 0;
	}
	return -1;
}

const struct rte_ether_addr *fib_neigh_lookup(const struct fib *f, uint8_t family,
					      const uint8_t *nh, uint16_t port)
{
	unsigned len = esp_addr_len(family);

	for (uint32_t i = 0; i < f->n_neighs; i++) {
		const struct fib_neigh *n = &f->neighs[i];

		if (n->family == family && n->port == port && memcmp(n->ip, nh, len) == 0)
			return &n->mac;
	}
	return NULL;
}

uint16_t fib_label_in(const struct fib *f, uint16_t port, uint16_t vlan)
{
	for (uint32_t i = 0; i < f->n_labels; i++)
		if (f->labels[i].port == port && f->labels[i].vlan == vlan)
			return f->labels[i].id;
	return 0;
}

int fib_label_out(const struct fib *f, uint16_t label, uint16_t port, uint16_t *vlan)
{
	for (uint32_t i = 0; i < f->n_labels; i++)
		if (f->labels[i].port == port && f->labels[i].id == label) {
			*vlan = f->labels[i].vlan;
			return 0;
		}
	*vlan = 0;
	/* A port without label mappings carries labeled traffic untagged
	 * (typically the WAN side, where the label lives in the SA). */
	if (label == 0 || !f->ports[port].has_labels)
		return 0;
	return -1;
}
