/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_byteorder.h>

#include "dataplane/esp.h"
#include "drivers/esp_steer.h"

enum { STEER_WHY_MAX = 128 };

struct steer_port {
	uint16_t port_id, rx_queues;
	enum esp_steer_mode mode[ESP_STEER_KINDS];
	/** Exact: the NIC refused this kind's last rule (its table is
	 *  full, most likely); new SAs make none until one is removed, so
	 *  a million SAs do not ask a full NIC a million times. */
	bool full[ESP_STEER_KINDS];
	char why[ESP_STEER_KINDS][STEER_WHY_MAX];
	struct rte_flow **masked;  /**< [kind * n_workers + w] */
	struct esp_addr *addrs;    /**< where ESP reaches this port */
	unsigned n_addrs;
	uint64_t rules, refused;
};

struct esp_steer {
	const struct esp_steer_flow_ops *ops;
	uint16_t n_workers;
	unsigned n_ports;
	unsigned n_exact;          /**< (port, kind) pairs in mode exact */
	struct steer_port port[];
};

/** One inbound SA's rules: one on each port in mode exact for its kind. */
struct esp_steer_sa {
	unsigned n;
	struct steer_sa_rule {
		unsigned port_index;
		enum esp_steer_kind kind;
		struct rte_flow *flow;
	} r[];
};

const struct esp_steer_flow_ops esp_steer_rte_flow = {
	.validate = rte_flow_validate,
	.create = rte_flow_create,
	.destroy = rte_flow_destroy,
};

static bool kind_is_udp(enum esp_steer_kind kind)
{
	return kind == ESP_STEER_UDP4 || kind == ESP_STEER_UDP6;
}

static bool kind_is_ip6(enum esp_steer_kind kind)
{
	return kind == ESP_STEER_IP6 || kind == ESP_STEER_UDP6;
}

void esp_steer_rule_build(struct esp_steer_rule *r, enum esp_steer_kind kind, uint32_t spi,
			  uint32_t mask, uint16_t queue)
{
	unsigned i = 0;

	memset(r, 0, sizeof(*r));
	r->attr.ingress = 1;
	r->pattern[i++].type = RTE_FLOW_ITEM_TYPE_ETH;
	r->pattern[i++].type = kind_is_ip6(kind) ? RTE_FLOW_ITEM_TYPE_IPV6 : RTE_FLOW_ITEM_TYPE_IPV4;
	if (kind_is_udp(kind)) {
		r->udp.hdr.dst_port = RTE_BE16(IKE_NATT_UDP_PORT);
		r->udp_mask.hdr.dst_port = RTE_BE16(0xffff);
		r->pattern[i++] = (struct rte_flow_item){
			.type = RTE_FLOW_ITEM_TYPE_UDP, .spec = &r->udp, .mask = &r->udp_mask,
		};
	}
	r->esp.hdr.spi = rte_cpu_to_be_32(spi & mask);
	r->esp_mask.hdr.spi = rte_cpu_to_be_32(mask);
	r->pattern[i++] = (struct rte_flow_item){
		.type = RTE_FLOW_ITEM_TYPE_ESP, .spec = &r->esp, .mask = &r->esp_mask,
	};
	r->pattern[i].type = RTE_FLOW_ITEM_TYPE_END;
	r->queue.index = queue;
	r->actions[0] = (struct rte_flow_action){ .type = RTE_FLOW_ACTION_TYPE_QUEUE,
						  .conf = &r->queue };
	r->actions[1].type = RTE_FLOW_ACTION_TYPE_END;
}

static struct rte_flow *rule_make(const struct esp_steer *st, uint16_t port_id,
				  enum esp_steer_kind kind, uint32_t spi, uint32_t mask,
				  uint16_t queue, struct rte_flow_error *err)
{
	struct esp_steer_rule r;

	esp_steer_rule_build(&r, kind, spi, mask, queue);
	return st->ops->create(port_id, &r.attr, r.pattern, r.actions, err);
}

static void rule_destroy(const struct esp_steer *st, uint16_t port_id, struct rte_flow *flow)
{
	struct rte_flow_error err;

	(void)st->ops->destroy(port_id, flow, &err);
}

static void why_set(struct steer_port *sp, enum esp_steer_kind kind, const char *what,
		    const struct rte_flow_error *err, int rc)
{
	snprintf(sp->why[kind], sizeof(sp->why[kind]), "%s: %s", what,
		 err->message != NULL ? err->message : strerror(rc < 0 ? -rc : EINVAL));
}

/* The N rules SPI & (N-1) == w -> queue w, all or none. */
static int masked_make(struct esp_steer *st, struct steer_port *sp, enum esp_steer_kind kind,
		       struct rte_flow_error *err)
{
	struct rte_flow **flows = &sp->masked[kind * st->n_workers];
	uint16_t w;

	for (w = 0; w < st->n_workers; w++) {
		flows[w] = rule_make(st, sp->port_id, kind, w, st->n_workers - 1u, w, err);
		if (flows[w] == NULL)
			break;
	}
	if (w == st->n_workers) {
		sp->rules += w;
		return 0;
	}
	while (w-- > 0) {
		rule_destroy(st, sp->port_id, flows[w]);
		flows[w] = NULL;
	}
	return -ENOTSUP;
}

static void port_choose(struct esp_steer *st, struct steer_port *sp, enum esp_steer_kind kind)
{
	uint16_t n = st->n_workers;
	struct rte_flow_error err = { 0 };
	struct esp_steer_rule r;
	int rc;

	sp->mode[kind] = ESP_STEER_NONE;
	if (n < 2) {
		snprintf(sp->why[kind], sizeof(sp->why[kind]), "one worker: nothing to steer");
		return;
	}
	if (sp->rx_queues < n) {
		snprintf(sp->why[kind], sizeof(sp->why[kind]), "%u RX queues for %u workers",
			 sp->rx_queues, n);
		return;
	}
	if ((n & (n - 1u)) == 0 && masked_make(st, sp, kind, &err) == 0) {
		sp->mode[kind] = ESP_STEER_MASKED;
		return;
	}
	/* A whole SPI to queue 1, as an SA's rule will be. */
	memset(&err, 0, sizeof(err));
	esp_steer_rule_build(&r, kind, 1, UINT32_MAX, 1);
	rc = st->ops->validate(sp->port_id, &r.attr, r.pattern, r.actions, &err);
	if (rc == 0) {
		sp->mode[kind] = ESP_STEER_EXACT;
		st->n_exact++;
		return;
	}
	why_set(sp, kind, "rte_flow", &err, rc);
}

struct esp_steer *esp_steer_open(const struct esp_steer_port *ports, unsigned n_ports,
				 uint16_t n_workers, const struct esp_steer_flow_ops *ops)
{
	struct esp_steer *st = calloc(1, sizeof(*st) + n_ports * sizeof(st->port[0]));

	if (st == NULL)
		return NULL;
	st->ops = ops;
	st->n_workers = n_workers;
	st->n_ports = n_ports;
	for (unsigned p = 0; p < n_ports; p++) {
		struct steer_port *sp = &st->port[p];

		sp->port_id = ports[p].port_id;
		sp->rx_queues = ports[p].rx_queues;
		sp->masked = calloc((size_t)ESP_STEER_KINDS * n_workers, sizeof(*sp->masked));
		if (sp->masked == NULL) {
			esp_steer_close(st);
			return NULL;
		}
		for (unsigned k = 0; k < ESP_STEER_KINDS; k++)
			port_choose(st, sp, (enum esp_steer_kind)k);
	}
	return st;
}

void esp_steer_close(struct esp_steer *st)
{
	if (st == NULL)
		return;
	for (unsigned p = 0; p < st->n_ports; p++) {
		struct steer_port *sp = &st->port[p];

		for (size_t i = 0; sp->masked != NULL && i < (size_t)ESP_STEER_KINDS * st->n_workers;
		     i++)
			if (sp->masked[i] != NULL)
				rule_destroy(st, sp->port_id, sp->masked[i]);
		free(sp->masked);
		free(sp->addrs);
	}
	free(st);
}

int esp_steer_port_addr_add(struct esp_steer *st, unsigned port_index,
			    const struct esp_addr *addr)
{
	struct steer_port *sp = &st->port[port_index];
	struct esp_addr *a = realloc(sp->addrs, (sp->n_addrs + 1) * sizeof(*a));

	if (a == NULL)
		return -ENOMEM;
	a[sp->n_addrs++] = *addr;
	sp->addrs = a;
	return 0;
}

static bool port_has(const struct steer_port *sp, const struct esp_addr *addr)
{
	for (unsigned i = 0; i < sp->n_addrs; i++)
		if (esp_addr_eq(&sp->addrs[i], addr))
			return true;
	return false;
}

/* Does ESP to @p local arrive on port @p p: it has @p local, or no port has. */
static bool port_receives(const struct esp_steer *st, unsigned p, const struct esp_addr *local)
{
	if (port_has(&st->port[p], local))
		return true;
	for (unsigned q = 0; q < st->n_ports; q++)
		if (port_has(&st->port[q], local))
			return false;
	return true;
}

enum esp_steer_mode esp_steer_mode_of(const struct esp_steer *st, unsigned port_index,
				      enum esp_steer_kind kind, const char **why)
{
	const struct steer_port *sp = &st->port[port_index];

	if (why != NULL)
		*why = sp->mode[kind] == ESP_STEER_NONE ? sp->why[kind] : NULL;
	return sp->mode[kind];
}

const char *esp_steer_why(const struct esp_steer *st, unsigned port_index)
{
	const struct steer_port *sp = &st->port[port_index];

	for (unsigned k = 0; k < ESP_STEER_KINDS; k++)
		if (sp->mode[k] == ESP_STEER_NONE)
			return sp->why[k];
	return NULL;
}

const char *esp_steer_mode_name(enum esp_steer_mode mode)
{
	static const char *const names[] = {
		[ESP_STEER_NONE] = "none", [ESP_STEER_MASKED] = "masked",
		[ESP_STEER_EXACT] = "exact",
	};

	return (unsigned)mode < sizeof(names) / sizeof(names[0]) ? names[mode] : "?";
}

const char *esp_steer_kind_name(enum esp_steer_kind kind)
{
	static const char *const names[] = {
		[ESP_STEER_IP4] = "ipv4", [ESP_STEER_IP6] = "ipv6",
		[ESP_STEER_UDP4] = "udp4", [ESP_STEER_UDP6] = "udp6",
	};

	return (unsigned)kind < ESP_STEER_KINDS ? names[kind] : "?";
}

enum esp_steer_kind esp_steer_kind_of(int family, bool natt)
{
	if (family == AF_INET6)
		return natt ? ESP_STEER_UDP6 : ESP_STEER_IP6;
	return natt ? ESP_STEER_UDP4 : ESP_STEER_IP4;
}

struct esp_steer_sa *esp_steer_sa_add(struct esp_steer *st, uint32_t spi, uint16_t owner,
				      enum esp_steer_kind kind, const struct esp_addr *local)
{
	struct esp_steer_sa *sa;

	if (st == NULL || st->n_exact == 0)
		return NULL;
	/* Without memory, every rule counts as refused. */
	sa = malloc(sizeof(*sa) + st->n_ports * sizeof(sa->r[0]));
	if (sa != NULL)
		sa->n = 0;
	for (unsigned p = 0; p < st->n_ports; p++) {
		struct steer_port *sp = &st->port[p];
		struct rte_flow_error err;
		struct rte_flow *flow;

		if (sp->mode[kind] != ESP_STEER_EXACT || !port_receives(st, p, local))
			continue;
		flow = sa == NULL || sp->full[kind]
			       ? NULL
			       : rule_make(st, sp->port_id, kind, spi, UINT32_MAX, owner, &err);
		if (flow == NULL) {
			sp->full[kind] = sp->full[kind] || sa != NULL;
			sp->refused++;
			continue;
		}
		sa->r[sa->n++] = (struct steer_sa_rule){ .port_index = p, .kind = kind, .flow = flow };
		sp->rules++;
	}
	if (sa != NULL && sa->n == 0) {
		free(sa);
		return NULL;
	}
	return sa;
}

void esp_steer_sa_del(struct esp_steer *st, struct esp_steer_sa *sa)
{
	if (sa == NULL)
		return;
	for (unsigned i = 0; i < sa->n; i++) {
		struct steer_port *sp = &st->port[sa->r[i].port_index];

		rule_destroy(st, sp->port_id, sa->r[i].flow);
		sp->rules--;
		sp->full[sa->r[i].kind] = false;
	}
	free(sa);
}

void esp_steer_counts_of(const struct esp_steer *st, unsigned port_index,
			 struct esp_steer_counts *out)
{
	*out = (struct esp_steer_counts){
		.rules = st->port[port_index].rules, .refused = st->port[port_index].refused,
	};
}
