/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * espritd: the gateway process. The main lcore runs the control loop:
 * packets punted by workers, lifetime events, SA housekeeping, the
 * management socket and neighbour resolution. It never touches the
 * per-packet path.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_mbuf.h>
#include <rte_ring.h>

#include "control/config.h"
#include "control/gw.h"
#include "control/gw_setup.h"
#include "control/ike_glue.h"
#include "control/log.h"
#include "control/mgmt.h"
#include "control/reload.h"
#include "control/telemetry.h"

static struct gw gw;

static void on_signal(int sig)
{
	(void)sig;
	gw.stop = true;
}

static void on_hup(int sig)
{
	(void)sig;
	gw.reload = true;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: espritd -c CONFIG [-f] [-t]\n"
		"  -c CONFIG  configuration file (libconfig syntax, see README)\n"
		"  -f         stay in the foreground (espritd always does; for service managers)\n"
		"  -t         check the configuration and exit\n");
}

/* Lifetime events of static SAs. With IKE running, the engine reads the
 * driver's one event queue (its Child SAs' events trigger rekeys) and
 * hands the static SAs' events back (ike_glue.c -> gw_static_sa_event). */
static unsigned handle_events(struct gw *g)
{
	struct esp_event ev[32];
	unsigned n;

	if (g->ike != NULL)
		return 0;
	n = g->ipsec->ops->events(g->ipsec, ev, RTE_DIM(ev));
	for (unsigned i = 0; i < n; i++)
		gw_static_sa_event(g, &ev[i]);
	return n;
}

static unsigned handle_punts(struct gw *g)
{
	struct rte_mbuf *pkts[32];
	unsigned total = 0;

	for (uint16_t w = 0; w < g->n_workers; w++) {
		unsigned n = rte_ring_sc_dequeue_burst(g->workers[w]->punt, (void **)pkts,
						       RTE_DIM(pkts), NULL);

		for (unsigned i = 0; i < n; i++)
			ctl_punt(g, pkts[i]);
		total += n;
	}
	return total;
}

static void control_loop(struct gw *g)
{
	uint64_t last_tick = 0;
	bool spd_failed = false;

	while (!g->stop) {
		/* the policies IKE installs in one pass (new and rekeyed Child
		 * SAs) become one SPD snapshot at its end */
		drv_policy_batch(g->ipsec, true);

		unsigned work = handle_punts(g) + handle_events(g);
		uint64_t now = gw_now_ms();

		g->ipsec->ops->poll(g->ipsec);
		ike_glue_tick(g);
		mgmt_poll(g);
		if (g->reload) {
			g->reload = false;
			gw_reload_logged(g);
		}
		if (now - last_tick >= 1000) {
			last_tick = now;
			ctl_resolve_tick(g);
			gw_reload_gc(g);
		}
		if (drv_policy_batch(g->ipsec, false) < 0) {
			if (!spd_failed)
				log_err("policies: no memory for a new SPD snapshot (trying again)");
			spd_failed = true;
		} else {
			spd_failed = false;
		}
		if (work == 0)
			usleep(1000);
	}
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	bool check_only = false;
	char err[512];
	int opt, rc;

	while ((opt = getopt(argc, argv, "c:fth")) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 'f':
			break;
		case 't':
			check_only = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (path == NULL) {
		usage(stderr);
		return 2;
	}
	rc = config_load(&gw.cfg, path, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "espritd: %s\n", err);
		return 1;
	}
	if (check_only) {
		printf("%s: OK (%u ports, %u SAs, %u policies)\n", path, gw.cfg.n_ports,
		       gw.cfg.n_sas, gw.cfg.n_policies);
		config_free(&gw.cfg);
		return 0;
	}
	if (log_set_level(gw.cfg.log_level) < 0)
		log_set_level("info");
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, on_hup);
	gw.reload_fn = gw_reload;

	rc = gw_start(&gw, err, sizeof(err));
	if (rc < 0) {
		log_err("%s", err);
		return 1;
	}
	rc = mgmt_open(&gw, gw.cfg.mgmt_socket, err, sizeof(err));
	if (rc < 0) {
		log_err("%s", err);
		gw_stop(&gw);
		return 1;
	}
	rc = ike_glue_start(&gw, err, sizeof(err));
	if (rc < 0) {
		log_err("%s", err);
		mgmt_close(&gw);
		gw_stop(&gw);
		return 1;
	}
	if (telemetry_register(&gw) < 0)
		log_warn("DPDK telemetry commands not registered");
	log_info("espritd up: %u port(s), %u worker(s), %u SA(s), %u policies; management on %s",
		 gw.n_ports, gw.n_workers, gw.cfg.n_sas, gw.cfg.n_policies, gw.cfg.mgmt_socket);
	control_loop(&gw);
	log_info("shutting down");
	ike_glue_stop(&gw);
	mgmt_close(&gw);
	gw_stop(&gw);
	config_free(&gw.cfg);
	return 0;
}
