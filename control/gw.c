/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bringing the gateway up and down: EAL, mbuf pool, ports, workers and
 * their rings, the SA driver; programming the configuration through the
 * driver; building and publishing forwarding snapshots.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "control/gw.h"
#include "control/gw_setup.h"
#include "control/log.h"
#include "dataplane/pktmeta.h"
#include "drivers/esp_steer.h"
#include "drivers/ipsec_ring.h"
#include "drivers/port.h"

enum { GW_EAL_ARGV_MAX = CFG_EAL_ARGS_MAX + 16 };

static char lcore_main[16];

/* EAL arguments: the config's own plus what the config implies. */
static int eal_args(const struct esprit_config *cfg, char **argv)
{
	static char lcores[80];
	bool pci = false;
	int argc = 0;

	argv[argc++] = "espritd";
	for (unsigned i = 0; i < cfg->n_eal_args; i++)
		argv[argc++] = cfg->eal_args[i];
	bool user_lcores = false;

	for (unsigned i = 0; i < cfg->n_eal_args; i++)
		user_lcores |= strcmp(cfg->eal_args[i], "-l") == 0 || strcmp(cfg->eal_args[i], "-c") == 0 ||
			       strncmp(cfg->eal_args[i], "--lcores", 8) == 0;
	if (user_lcores) {
		/* the EAL arguments already place the lcores */
	} else if (cfg->lcores[0] != '\0') {
		/* The first lcore runs the control thread. "0,1" is a plain
		 * list (-l); "0@0,1@1,2@1" maps lcores to CPUs (--lcores), so
		 * more workers than CPUs can run, e.g. for tests. */
		size_t n = strcspn(cfg->lcores, ",-@(");

		snprintf(lcore_main, sizeof(lcore_main), "%.*s", (int)n, cfg->lcores);
		snprintf(lcores, sizeof(lcores), "%s", cfg->lcores);
		argv[argc++] = strpbrk(cfg->lcores, "@(") != NULL ? "--lcores" : "-l";
		argv[argc++] = lcores;
		argv[argc++] = "--main-lcore";
		argv[argc++] = lcore_main;
	} else {
		snprintf(lcores, sizeof(lcores), "0-%u", cfg->workers);
		argv[argc++] = "-l";
		argv[argc++] = lcores;
	}
	for (unsigned i = 0; i < cfg->n_ports; i++)
		if (strncmp(cfg->ports[i].devargs, "net_", 4) != 0)
			pci = true;
	if (!pci)
		argv[argc++] = "--no-pci";
	argv[argc] = NULL;
	return argc;
}

static IMB_MGR *imb_mgr_new(void)
{
	IMB_MGR *mgr = alloc_mb_mgr(0);

	if (mgr == NULL)
		return NULL;
	init_mb_mgr_auto(mgr, NULL);
	return mgr;
}

int gw_fib_publish(struct gw *g)
{
	const struct esprit_config *cfg = &g->cfg;
	uint32_t n_routes = cfg->n_routes, n_neigh = cfg->n_neighs;
	struct fib *f, *old = g->fib;

	for (unsigned p = 0; p < cfg->n_ports; p++)
		n_routes += cfg->ports[p].n_addrs;
	for (unsigned i = 0; i < g->n_neigh; i++)
		n_neigh += g->neigh[i].resolved;
	f = fib_alloc(n_routes, n_neigh, cfg->n_labels);
	if (f == NULL)
		return -ENOMEM;

	for (unsigned p = 0; p < cfg->n_ports; p++) {
		const struct cfg_port *cp = &cfg->ports[p];
		struct fib_port *fp = &f->ports[g->port_id[p]];

		fp->used = true;
		fp->mtu = cp->mtu;
		rte_eth_macaddr_get(g->port_id[p], &fp->mac);
		for (unsigned a = 0; a < cp->n_addrs && a < FIB_PORT_ADDRS_MAX; a++) {
			struct fib_route *r = &f->routes[f->n_routes++];

			fp->addrs[fp->n_addrs] = cp->addrs[a].addr;
			fp->plens[fp->n_addrs++] = cp->addrs[a].len;
			/* the connected route of each address */
			r->family = cp->addrs[a].addr.family;
			r->plen = cp->addrs[a].len;
			r->port = g->port_id[p];
			memcpy(r->prefix, cp->addrs[a].addr.bytes, 16);
		}
	}
	for (unsigned i = 0; i < cfg->n_routes; i++) {
		const struct cfg_route *cr = &cfg->routes[i];
		struct fib_route *r = &f->routes[f->n_routes++];

		r->family = cr->dst.addr.family;
		r->plen = cr->dst.len;
		r->port = g->port_id[cr->port];
		memcpy(r->prefix, cr->dst.addr.bytes, 16);
		r->has_via = cr->via.family != 0;
		memcpy(r->via, cr->via.bytes, 16);
	}
	fib_sort_routes(f);
	for (unsigned i = 0; i < cfg->n_neighs; i++) {
		struct fib_neigh *n = &f->neighs[f->n_neighs++];

		n->family = cfg->neighs[i].ip.family;
		n->port = g->port_id[cfg->neighs[i].port];
		memcpy(n->ip, cfg->neighs[i].ip.bytes, 16);
		memcpy(n->mac.addr_bytes, cfg->neighs[i].mac, 6);
	}
	for (unsigned i = 0; i < g->n_neigh; i++)
		if (g->neigh[i].resolved)
			f->neighs[f->n_neighs++] = g->neigh[i].n;
	for (unsigned i = 0; i < cfg->n_labels; i++) {
		struct fib_label *l = &f->labels[f->n_labels++];

		l->id = cfg->labels[i].id;
		l->port = g->port_id[cfg->labels[i].port];
		l->vlan = cfg->labels[i].vlan;
		f->ports[l->port].has_labels = true;
	}
	/* ESP-in-UDP arrives on 4500 and on any port an SA was given. */
	f->natt_ports[f->n_natt_ports++] = IKE_NATT_UDP_PORT;
	for (unsigned i = 0; i < cfg->n_sas; i++) {
		const struct esp_sa_params *p = &cfg->sas[i].p;
		bool seen = false;

		if (p->dir != ESP_DIR_IN || !(p->flags & ESP_SA_F_NATT))
			continue;
		for (unsigned k = 0; k < f->n_natt_ports; k++)
			seen |= f->natt_ports[k] == p->natt_dport;
		if (!seen && f->n_natt_ports < RTE_DIM(f->natt_ports))
			f->natt_ports[f->n_natt_ports++] = p->natt_dport;
	}

	struct dp_msg msg = { .type = DP_MSG_FIB_SET, .obj = f };

	for (uint16_t w = 0; w < g->n_workers; w++)
		while (rte_ring_mp_enqueue_elem(g->workers[w]->msgs, &msg, sizeof(msg)) != 0)
			rte_pause();
	g->fib = f;
	if (old != NULL) {
		/* A worker reads the FIB only within one loop, which ends with
		 * a quiescent state: after one grace period nobody holds it. */
		rte_rcu_qsbr_synchronize(g->qsbr, RTE_QSBR_THRID_INVALID);
		fib_free(old);
	}
	return 0;
}

void gw_static_sa_event(struct gw *g, const struct esp_event *ev)
{
	const char *dir = ev->dir == ESP_DIR_IN ? "in" : "out";

	if (ev->type == ESP_EV_SOFT_EXPIRE) {
		log_warn("SA 0x%08x %s: soft lifetime reached", ev->spi, dir);
	} else {
		log_warn("SA 0x%08x %s: hard lifetime reached, removing it", ev->spi, dir);
		drv_sa_del(g->ipsec, ev->spi, (enum esp_dir)ev->dir);
	}
}

int gw_program_config(struct gw *g, char *err, size_t errlen)
{
	const struct esprit_config *cfg = &g->cfg;
	int rc;

	for (unsigned i = 0; i < cfg->n_sas; i++) {
		rc = drv_sa_add(g->ipsec, &cfg->sas[i].p);
		if (rc < 0) {
			snprintf(err, errlen, "%s: SA '%s' (spi 0x%08x): %s", cfg->path,
				 cfg->sas[i].name, cfg->sas[i].p.spi, strerror(-rc));
			return rc;
		}
	}
	/* the configuration's policies become one SPD snapshot */
	drv_policy_batch(g->ipsec, true);
	for (unsigned i = 0; i < cfg->n_policies; i++) {
		const struct cfg_policy *cp = &cfg->policies[i];
		struct drv_policy pol;

		cfg_policy_drv(cp, i, &pol);
		rc = drv_policy_add(g->ipsec, &pol);
		if (rc < 0) {
			drv_policy_batch(g->ipsec, false);
			snprintf(err, errlen, "%s: policy '%s': %s", cfg->path, cp->name,
				 strerror(-rc));
			return rc;
		}
	}
	rc = drv_policy_batch(g->ipsec, false);
	if (rc < 0)
		snprintf(err, errlen, "%s: publishing the policies: %s", cfg->path, strerror(-rc));
	return rc;
}

/* One line a port: how its NIC steers each kind of ESP, or why not. */
static void steer_log(const struct gw *g)
{
	for (uint16_t p = 0; p < g->n_ports; p++) {
		const char *why = esp_steer_why(g->steer, p);
		char line[160];
		size_t n = 0;

		for (unsigned k = 0; k < ESP_STEER_KINDS && n < sizeof(line); k++)
			n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s %s", k ? ", " : "",
					      esp_steer_kind_name(k),
					      esp_steer_mode_name(esp_steer_mode_of(g->steer, p, k, NULL)));
		if (why == NULL)
			log_info("port %s: inbound ESP steered to its SA's worker by SPI (%s)",
				 g->cfg.ports[p].name, line);
		else
			log_info("port %s: inbound ESP steered by SPI: %s; where not (%s), "
				 "workers hand ESP to its SA's worker", g->cfg.ports[p].name, line,
				 why);
	}
}

/* Inbound ESP to its SA's worker's queue where the NICs can (before
 * the first SA: each inbound SA may need rules of its own). */
static int steer_open(struct gw *g, const uint16_t *nb_rxq)
{
	const struct esprit_config *cfg = &g->cfg;
	struct esp_steer_port ports[CFG_PORTS_MAX];

	for (uint16_t p = 0; p < g->n_ports; p++)
		ports[p] = (struct esp_steer_port){ .port_id = g->port_id[p], .rx_queues = nb_rxq[p] };
	g->steer = esp_steer_open(ports, g->n_ports, g->n_workers, &esp_steer_rte_flow);
	if (g->steer == NULL)
		return -ENOMEM;
	for (unsigned p = 0; p < cfg->n_ports; p++)
		for (unsigned a = 0; a < cfg->ports[p].n_addrs; a++)
			if (esp_steer_port_addr_add(g->steer, p, &cfg->ports[p].addrs[a].addr) < 0)
				return -ENOMEM;
	drv_ipsec_ring_set_steer(g->ipsec, g->steer);
	steer_log(g);
	return 0;
}

int gw_start(struct gw *g, char *err, size_t errlen)
{
	const struct esprit_config *cfg = &g->cfg;
	char *argv[GW_EAL_ARGV_MAX];
	int argc = eal_args(cfg, argv), rc;
	uint16_t nb_rxq[CFG_PORTS_MAX];

	g->mgmt_fd = -1;
	g->started = (uint64_t)time(NULL);
	if (rte_eal_init(argc, argv) < 0) {
		snprintf(err, errlen, "EAL init failed: %s", rte_strerror(rte_errno));
		return -rte_errno;
	}
	g->n_workers = cfg->workers;
	if (rte_lcore_count() < (unsigned)g->n_workers + 1u) {
		snprintf(err, errlen, "%u workers need %u lcores, EAL has %u (esprit.lcores)",
			 g->n_workers, g->n_workers + 1, rte_lcore_count());
		return -EINVAL;
	}
	rc = pkt_meta_register();
	if (rc < 0) {
		snprintf(err, errlen, "mbuf dynamic field: %s", strerror(-rc));
		return rc;
	}
	g->pool = worker_pool_create("mbufs", cfg->mbufs, (int)rte_socket_id());
	if (g->pool == NULL) {
		snprintf(err, errlen, "mbuf pool of %u: %s", cfg->mbufs, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	size_t qsz = rte_rcu_qsbr_get_memsize(g->n_workers);

	g->qsbr = rte_zmalloc("qsbr", qsz, RTE_CACHE_LINE_SIZE);
	if (g->qsbr == NULL || rte_rcu_qsbr_init(g->qsbr, g->n_workers) != 0) {
		snprintf(err, errlen, "RCU init failed");
		return -ENOMEM;
	}
	g->mgr = imb_mgr_new();
	if (g->mgr == NULL) {
		snprintf(err, errlen, "IPsec-MB manager allocation failed");
		return -ENOMEM;
	}
	for (uint16_t w = 0; w < g->n_workers; w++) {
		struct worker_conf wc = {
			.tag = "", .id = w, .n_workers = g->n_workers, .sad_entries = cfg->max_sas,
			.idle_sleep_us = cfg->idle_sleep_us, .qsbr = g->qsbr, .pool = g->pool,
			.peers = g->workers,
		};

		g->workers[w] = worker_create(&wc);
		if (g->workers[w] == NULL) {
			snprintf(err, errlen, "worker %u: cannot allocate rings/tables", w);
			return -ENOMEM;
		}
		/* Before any message: a worker whose lcore starts late must
		 * still hold up the grace periods of what its queue names. */
		worker_rcu_online(g->workers[w]);
	}
	for (unsigned p = 0; p < cfg->n_ports; p++) {
		const struct cfg_port *cp = &cfg->ports[p];
		struct rte_ether_addr mac;
		struct port_conf pc = {
			.name = cp->name, .devargs = cp->devargs, .nb_queues = g->n_workers,
			.rxd = cfg->rxq_size, .txd = cfg->txq_size, .mtu = cp->mtu,
			.mac = NULL,
		};

		if (cp->has_mac) {
			memcpy(mac.addr_bytes, cp->mac, 6);
			pc.mac = &mac;
		}
		rc = port_open(&pc, g->pool, &g->port_id[p], &nb_rxq[p], err, errlen);
		if (rc < 0)
			return rc;
		if (g->port_id[p] >= FIB_PORTS_MAX) {
			snprintf(err, errlen, "port %s: DPDK port id %u too high", cp->name,
				 g->port_id[p]);
			return -ERANGE;
		}
		g->n_ports++;
		log_info("port %s: DPDK port %u, %u RX queue(s), device %s", cp->name,
			 g->port_id[p], nb_rxq[p], cp->devargs);
	}
	/* Spread RX queues over the workers: queue q of every port goes to
	 * worker q % workers (RSS picks the queue). */
	for (unsigned p = 0; p < cfg->n_ports; p++)
		for (uint16_t q = 0; q < nb_rxq[p]; q++) {
			struct worker *w = g->workers[q % g->n_workers];

			w->rxq[w->n_rxq++] = (struct worker_rxq){ .port = g->port_id[p], .queue = q };
		}
	g->ipsec = drv_ipsec_ring_create(g->workers, g->n_workers, g->qsbr, g->mgr, cfg->max_sas);
	if (g->ipsec == NULL) {
		snprintf(err, errlen, "SA driver: out of memory");
		return -ENOMEM;
	}
	if (cfg->esp_steering && g->n_workers > 1 && steer_open(g, nb_rxq) < 0) {
		snprintf(err, errlen, "ESP steering: out of memory");
		return -ENOMEM;
	}
	rc = gw_fib_publish(g);
	if (rc < 0) {
		snprintf(err, errlen, "FIB: %s", strerror(-rc));
		return rc;
	}
	unsigned lcore, w = 0;

	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (w == g->n_workers)
			break;
		g->workers[w]->lcore = lcore;
		rte_eal_remote_launch(worker_main, g->workers[w], lcore);
		log_info("worker %u on lcore %u, %u RX queue(s)", w, lcore, g->workers[w]->n_rxq);
		if (g->n_workers > 1 && !crypto_mgr_private(&g->workers[w]->crypto))
			log_warn("worker %u shares IPsec-MB %s's error number with another worker "
				 "(more workers than library copies: GLIBC_TUNABLES=glibc.rtld.nns=16 "
				 "allows more); their crypto slows when they run at once",
				 w, imb_get_version_str());
		w++;
	}
	return gw_program_config(g, err, errlen);
}

void gw_stop(struct gw *g)
{
	for (uint16_t w = 0; w < g->n_workers; w++)
		if (g->workers[w] != NULL)
			g->workers[w]->stop = true;
	rte_eal_mp_wait_lcore();
	drv_ipsec_ring_destroy(g->ipsec);
	g->ipsec = NULL;
	esp_steer_close(g->steer);
	g->steer = NULL;
	for (uint16_t p = 0; p < g->n_ports; p++)
		port_close(g->port_id[p]);
	for (uint16_t w = 0; w < g->n_workers; w++)
		worker_destroy(g->workers[w]);
	if (g->mgr != NULL)
		free_mb_mgr(g->mgr);
	fib_free(g->fib);
	free(g->neigh);
	rte_free(g->qsbr);
	rte_eal_cleanup();
}
