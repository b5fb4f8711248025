/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IKEv2 engine (control/ike) inside espritd: it receives the IKE
 * datagrams workers punt (control/ike_punt.c), sends through worker 0,
 * installs Child SAs through the same SA driver as static SAs, and runs
 * from the control loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "control/gw.h"
#include "control/ike/ike.h"
#include "control/ike_glue.h"
#include "control/ike_punt.h"
#include "control/log.h"
#include "drivers/ipfrag.h"

enum { IKE_TICK_MS = 100 };

/* esprit.keylog: Wireshark's two UAT files, indexed by enum ike_keylog_table. */
static const char *const keylog_files[] = { "ikev2_decryption_table", "esp_sa" };
static int keylog_fd[2] = { -1, -1 };

static int glue_send(struct ike_engine *e, const struct ike_addr *local,
		     const struct ike_addr *remote, const uint8_t *buf, size_t len, void *arg)
{
	struct gw *g = arg;
	struct ike_endpoints ep = {
		.local = local->ip, .remote = remote->ip, .lport = local->port, .rport = remote->port,
	};

	return g->ike_io->ops->send(g->ike_io, &ep, buf, len);
}

static int glue_keepalive(struct ike_engine *e, const struct ike_addr *local,
			  const struct ike_addr *remote, void *arg)
{
	struct gw *g = arg;
	struct ike_endpoints ep = {
		.local = local->ip, .remote = remote->ip, .lport = local->port, .rport = remote->port,
	};

	return g->ike_io->ops->keepalive(g->ike_io, &ep);
}

static uint64_t glue_now(void *arg)
{
	return gw_now_ms();
}

static void glue_rng(uint8_t *buf, size_t len, void *arg)
{
	if (RAND_bytes(buf, (int)len) != 1)
		abort(); /* no randomness: no nonces, SPIs or keys */
}

static void glue_log(const char *line, void *arg)
{
	log_info("ike: %s", line);
}

/* One line of secret keys: appended with one write (O_APPEND keeps lines
 * whole), never logged. */
static void glue_keylog(enum ike_keylog_table t, const char *line, void *arg)
{
	size_t len = strlen(line);

	if ((unsigned)t >= 2 || keylog_fd[t] < 0)
		return;
	if (write(keylog_fd[t], line, len) != (ssize_t)len)
		log_warn("ike: key log %s: write failed", keylog_files[t]);
}

static void keylog_close(void)
{
	for (unsigned i = 0; i < 2; i++) {
		if (keylog_fd[i] >= 0)
			close(keylog_fd[i]);
		keylog_fd[i] = -1;
	}
}

/* Opens (creates, mode 0600) both files in @p dir; 0 or -errno. */
static int keylog_open(const char *dir, char *err, size_t errlen)
{
	for (unsigned i = 0; i < 2; i++) {
		char path[2 * CFG_PATH_MAX];
		struct stat st;
		int fd;

		snprintf(path, sizeof(path), "%s/%s", dir, keylog_files[i]);
		fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
		/* An existing file may have been readable by others: not any more. */
		if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || fchmod(fd, 0600) != 0) {
			int rc = -errno;

			if (fd >= 0 && rc == 0)
				rc = -EINVAL; /* not a regular file */
			snprintf(err, errlen, "keylog %s: %s", path, strerror(-rc));
			if (fd >= 0)
				close(fd);
			keylog_close();
			return rc;
		}
		keylog_fd[i] = fd;
	}
	log_warn("ike: key logging to %s: these files hold SECRET keys", dir);
	return 0;
}

/* A lifetime event of an SA IKE did not make: a static SA. */
static void glue_foreign_event(const struct esp_event *ev, void *arg)
{
	gw_static_sa_event(arg, ev);
}

static void glue_recv(void *arg, const struct ike_endpoints *ep, const uint8_t *msg, size_t len)
{
	struct gw *g = arg;
	struct ike_addr local = { ep->local, ep->lport }, remote = { ep->remote, ep->rport };
	int rc = ike_engine_input(g->ike, &local, &remote, msg, len);

	if (rc < 0)
		log_debug("ike: message of %zu octets dropped: %s", len, strerror(-rc));
}

int ike_glue_start(struct gw *g, char *err, size_t errlen)
{
	static struct ike_engine_ops ops = {
		.send = glue_send, .now_ms = glue_now, .rng = glue_rng, .log = glue_log,
		.keepalive = glue_keepalive, .foreign_event = glue_foreign_event,
	};
	const struct ike_engine_cfg ecfg = { .cookie_threshold = g->cfg.ike_cookie_threshold,
					     .half_open_max = g->cfg.ike_half_open_max,
					     .max_sas = g->cfg.ike_max_sas,
					     .workers = g->n_workers };
	int rc;

	if (g->cfg.n_conns == 0)
		return 0;
	ops.arg = g;
	if (g->cfg.keylog[0] != '\0') {
		rc = keylog_open(g->cfg.keylog, err, errlen);
		if (rc < 0)
			return rc;
		ops.keylog = glue_keylog;
	}
	g->ike_io = ike_punt_open(g, glue_recv, g);
	g->ipfrag = ipfrag_table_new(NULL);
	g->ike = ike_engine_new(&ops, g->ipsec, &ecfg);
	if (g->ike_io == NULL || g->ipfrag == NULL || g->ike == NULL) {
		snprintf(err, errlen, "IKE engine: out of memory");
		return -ENOMEM;
	}
	for (unsigned i = 0; i < g->cfg.n_conns; i++) {
		rc = ike_conn_add(g->ike, &g->cfg.conns[i].c);
		if (rc < 0) {
			snprintf(err, errlen, "connection '%s': %s", g->cfg.conns[i].c.name,
				 strerror(-rc));
			return rc;
		}
	}
	for (unsigned i = 0; i < g->cfg.n_conns; i++) {
		const struct cfg_conn *cc = &g->cfg.conns[i];

		for (unsigned k = 0; k < cc->c.n_child; k++) {
			if (cc->start[k] != CFG_START_START)
				continue;
			rc = ike_initiate(g->ike, cc->c.name, cc->c.child[k].name);
			log_info("ike: initiate %s/%s%s%s", cc->c.name, cc->c.child[k].name,
				 rc < 0 ? ": " : "", rc < 0 ? strerror(-rc) : "");
		}
	}
	log_info("ike: %u connection(s)", g->cfg.n_conns);
	return 0;
}

void ike_glue_tick(struct gw *g)
{
	static uint64_t last;
	uint64_t now = gw_now_ms();

	if (g->ike == NULL || now - last < IKE_TICK_MS)
		return;
	last = now;
	ike_engine_tick(g->ike);
}

void ike_glue_stop(struct gw *g)
{
	if (g->ike != NULL)
		ike_engine_free(g->ike);
	if (g->ike_io != NULL)
		g->ike_io->ops->close(g->ike_io);
	ipfrag_table_free(g->ipfrag);
	g->ike = NULL;
	g->ike_io = NULL;
	g->ipfrag = NULL;
	keylog_close();
}
