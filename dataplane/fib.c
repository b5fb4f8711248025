/* SPDX-License-Identifier: BSD-3-Clause */
#include <assert.h>
#include <stdlib.h>
#include <rte_byteorder.h>
#include <rte_malloc.h>

#include "dataplane/fib.h"

static_assert(sizeof(struct fib_fwd) == 64, "a forwarding memo entry is one cache line");

struct fib *fib_alloc(uint32_t n_routes, uint32_t n_neighs, uint32_t n_labels)
{
	size_t fwd = (size_t)FIB_FWD_WORKERS * FIB_FWD_ENTRIES * sizeof(struct fib_fwd);
	size_t loc = RTE_ALIGN_CEIL(sizeof(struct fib_locals), RTE_CACHE_LINE_SIZE);
	size_t head = RTE_ALIGN_CEIL(sizeof(struct fib), RTE_CACHE_LINE_SIZE);
	size_t sz = head + fwd + FIB_FWD_WORKERS * loc + n_routes * sizeof(struct fib_route) +
		    n_neighs * sizeof(struct fib_neigh) + n_labels * sizeof(struct fib_label);
	struct fib *f = rte_zmalloc("fib", sz, RTE_CACHE_LINE_SIZE);

	if (f == NULL)
		return NULL;
	f->fwd = (struct fib_fwd *)((uint8_t *)f + head);
	f->locals = (struct fib_locals *)((uint8_t *)f->fwd + fwd);
	f->routes = (struct fib_route *)((uint8_t *)f->locals + FIB_FWD_WORKERS * loc);
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

/* Address equality as word compares (this runs for every packet). */
static inline bool fib_addr_eq(const uint8_t *a, const uint8_t *b, uint8_t family)
{
	uint64_t x[2], y[2];
	uint32_t u, v;

	if (family == AF_INET) {
		memcpy(&u, a, 4);
		memcpy(&v, b, 4);
		return u == v;
	}
	memcpy(x, a, 16);
	memcpy(y, b, 16);
	return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
}

int fib_local_port(const struct fib *f, uint8_t family, const uint8_t *addr)
{
	for (int p = 0; p < FIB_PORTS_MAX; p++) {
		const struct fib_port *fp = &f->ports[p];

		for (unsigned i = 0; i < fp->n_addrs; i++)
			if (fp->addrs[i].family == family &&
			    fib_addr_eq(fp->addrs[i].bytes, addr, family))
				return p;
	}
	return -1;
}

void fib_locals_build(const struct fib *f, struct fib_locals *l)
{
	memset(l->set4, 0, sizeof(l->set4));
	memset(l->set6, 0, sizeof(l->set6));
	for (int p = 0; p < FIB_PORTS_MAX; p++) {
		const struct fib_port *fp = &f->ports[p];

		for (unsigned i = 0; i < fp->n_addrs && i < FIB_PORT_ADDRS_MAX; i++) {
			const struct esp_addr *a = &fp->addrs[i];

			if (a->family == AF_INET) {
				uint32_t v, k;

				memcpy(&v, a->bytes, 4);
				if (v == 0)
					continue;  /* the empty mark */
				/* at most half the slots are ever taken: an
				 * empty one (or the same address) is near */
				for (k = fib_local_slot4(v); l->set4[k] != 0 && l->set4[k] != v;
				     k = (k + 1) % FIB_LOCAL_SLOTS)
					;
				l->set4[k] = v;
			} else if (a->family == AF_INET6) {
				uint64_t v[2];
				uint32_t k;

				memcpy(v, a->bytes, 16);
				if ((v[0] | v[1]) == 0)
					continue;
				for (k = fib_local_slot6(v);
				     (l->set6[k][0] | l->set6[k][1]) != 0 &&
				     memcmp(l->set6[k], v, 16) != 0;
				     k = (k + 1) % FIB_LOCAL_SLOTS)
					;
				memcpy(l->set6[k], v, 16);
			}
		}
	}
	l->built = 1;
}

bool fib_is_local(const struct fib *f, uint8_t family, const uint8_t *addr)
{
	return fib_local_port(f, family, addr) >= 0;
}

bool fib_local_within(const struct fib *f, uint8_t family, const uint8_t *prefix,
		      const uint8_t *mask)
{
	unsigned len = esp_addr_len(family);

	for (int p = 0; p < FIB_PORTS_MAX; p++) {
		const struct fib_port *fp = &f->ports[p];

		for (unsigned i = 0; i < fp->n_addrs && i < FIB_PORT_ADDRS_MAX; i++) {
			const struct esp_addr *a = &fp->addrs[i];
			unsigned k = 0;

			if (a->family != family)
				continue;
			while (k < len && ((a->bytes[k] ^ prefix[k]) & mask[k]) == 0)
				k++;
			if (k == len)
				return true;
		}
	}
	return false;
}

int fib_route(const struct fib *f, uint8_t family, const uint8_t *dst, struct fib_hop *hop)
{
	unsigned len = esp_addr_len(family);

	for (uint32_t i = 0; i < f->n_routes; i++) {
		const struct fib_route *r = &f->routes[i];

		if (r->family != family || !esp_prefix_match_af(r->prefix, dst, r->plen, family))
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
	for (uint32_t i = 0; i < f->n_neighs; i++) {
		const struct fib_neigh *n = &f->neighs[i];

		if (n->family == family && n->port == port && fib_addr_eq(n->ip, nh, family))
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

int fib_fwd_resolve(const struct fib *f, uint8_t family, const uint8_t *dst, uint16_t label,
		    struct fib_fwd *e)
{
	const struct rte_ether_addr *mac;
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)e->l2;
	struct fib_hop hop;
	uint16_t vlan;
	uint16_t etype = rte_cpu_to_be_16(family == AF_INET ? RTE_ETHER_TYPE_IPV4
							    : RTE_ETHER_TYPE_IPV6);

	if (fib_route(f, family, dst, &hop) != 0 ||
	    fib_label_out(f, label, hop.port, &vlan) != 0)
		return -1;
	mac = fib_neigh_lookup(f, family, hop.nh, hop.port);
	if (mac == NULL)
		return -1;
	memset(e, 0, sizeof(*e));
	e->family = family;
	e->label = label;
	e->port = hop.port;
	e->mtu = hop.mtu;
	memcpy(e->dst, dst, esp_addr_len(family));
	rte_ether_addr_copy(mac, &eth->dst_addr);
	rte_ether_addr_copy(&f->ports[hop.port].mac, &eth->src_addr);
	if (vlan) {
		struct rte_vlan_hdr *vh = (struct rte_vlan_hdr *)(eth + 1);

		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
		vh->vlan_tci = rte_cpu_to_be_16(vlan);
		vh->eth_proto = etype;
		e->l2_len = sizeof(*eth) + sizeof(*vh);
	} else {
		eth->ether_type = etype;
		e->l2_len = sizeof(*eth);
	}
	return 0;
}
