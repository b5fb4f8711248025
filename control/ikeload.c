/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * esprit-ikeload: an IKEv2 initiator load generator built on espritd's IKE
 * engine, without a dataplane: Child SAs go into the mock SA driver, IKE
 * messages through kernel UDP sockets. It keeps C setups (IKE_SA_INIT +
 * IKE_AUTH with one Child SA, PSK) in flight, each from its own engine and
 * UDP port, until N have completed, and reports setups per second and the
 * latency of one setup. The proposals are given on the command line, so any
 * key exchange the engine supports can be measured (x25519, ML-KEM with
 * IKE_INTERMEDIATE, ...).
 *
 *   esprit-ikeload -l 192.0.2.2 -r 192.0.2.1 -n 2000 -c 16 -k PSK \
 *       [-p aes256-sha256-x25519] [-e aes128gcm16] [-i load.test] [-R resp.test] \
 *       [--ts-local 10.2.0.0/24] [--ts-remote 10.1.0.0/24] [-t 10] [--json] \
 *       [--ppk-id ID --ppk SECRET [--ppk-int]]
 *
 * With --ppk-id every setup requires that post-quantum preshared key (RFC
 * 8784 in IKE_AUTH, or RFC 9867 in IKE_INTERMEDIATE with --ppk-int; SECRET
 * as text, at least 32 characters). The report includes the IKE octets on
 * the wire per setup, both directions, UDP payload (with any non-ESP marker).
 *
 * Each setup is a fresh IKE SA with INITIAL_CONTACT, so a responder keeps
 * about one IKE SA per source port. Exit status 0 when every setup completed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "control/ike/ike.h"
#include "drivers/ipsec.h"

enum { SLOTS_MAX = 64, DGRAM_MAX = 65535 };

struct slot {
	int fd;
	struct ike_addr local;
	struct ike_engine *e;
	uint64_t started_ns;
};

struct load {
	struct ike_conn conn;
	struct ike_addr remote;
	struct drv_ipsec *drv;
	struct slot slot[SLOTS_MAX];
	unsigned n_slots, total, started, done, failed, timeout_s;
	double *lat_ms;
	uint64_t tx_octets, rx_octets, tx_dgrams, rx_dgrams; /* every slot's IKE traffic */
};

static struct load load;

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t op_now(void *arg)
{
	(void)arg;
	return mono_ns() / 1000000u;
}

static void op_rng(uint8_t *buf, size_t len, void *arg)
{
	(void)arg;
	if (RAND_bytes(buf, (int)len) != 1)
		abort();
}

static int op_send(struct ike_engine *e, const struct ike_addr *local,
		   const struct ike_addr *remote, const uint8_t *buf, size_t len, void *arg)
{
	const struct slot *s = arg;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(remote->port) };
	static const uint8_t marker[4];
	struct iovec iov[2] = { { (void *)marker, sizeof(marker) }, { (void *)buf, len } };
	/* RFC 3948 §2.2: on 4500 (after NAT-T floating) the non-ESP marker
	 * goes first; we still send from our own port. */
	bool natt = remote->port == 4500;
	struct msghdr mh = { .msg_name = &to, .msg_namelen = sizeof(to),
			     .msg_iov = natt ? iov : iov + 1, .msg_iovlen = natt ? 2 : 1 };

	(void)e;
	(void)local;
	memcpy(&to.sin_addr, remote->ip.bytes, 4);
	if (sendmsg(s->fd, &mh, 0) < 0)
		return -errno;
	load.tx_octets += len + (natt ? sizeof(marker) : 0);
	load.tx_dgrams++;
	return 0;
}

static int slot_start(struct load *l, struct slot *s)
{
	struct ike_engine_ops ops = { .send = op_send, .now_ms = op_now, .rng = op_rng, .arg = s };
	const struct ike_engine_cfg cfg = { .cookie_threshold = 1000, .half_open_max = 1000,
					    .max_sas = 8 };
	struct ike_conn c = l->conn;

	s->e = ike_engine_new(&ops, l->drv, &cfg);
	if (s->e == NULL)
		return -ENOMEM;
	c.local = s->local; /* NAT_DETECTION_SOURCE_IP: the port we send from */
	if (ike_conn_add(s->e, &c) != 0 || ike_initiate(s->e, "load", "net") != 0) {
		ike_engine_free(s->e);
		s->e = NULL;
		return -EINVAL;
	}
	s->started_ns = mono_ns();
	l->started++;
	return 0;
}

/* Done (established with its Child SA installed), failed, or running. */
static int slot_state(const struct load *l, const struct slot *s)
{
	struct ike_sa *sa = ike_sa_by_conn(s->e, "load");

	if (sa != NULL && sa->state == IKE_SA_ESTABLISHED) {
		for (unsigned i = 0; i < IKE_CHILD_MAX; i++)
			if (sa->child[i].state == IKE_CHILD_INSTALLED)
				return 1;
		if (!sa->out.active)
			return -1; /* IKE_AUTH done, no Child SA (e.g. TS_UNACCEPTABLE) */
	}
	if (ike_sa_count(s->e) == 0 ||
	    mono_ns() - s->started_ns > (uint64_t)l->timeout_s * 1000000000u)
		return -1;
	return 0;
}

static void slot_finish(struct load *l, struct slot *s, int st)
{
	if (st > 0)
		l->lat_ms[l->done++] = (double)(mono_ns() - s->started_ns) / 1e6;
	else
		l->failed++;
	ike_engine_free(s->e);
	s->e = NULL;
	if (l->started < l->total && slot_start(l, s) != 0)
		l->failed++;
}

static int slot_open(struct slot *s, const char *local)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);

	if (inet_pton(AF_INET, local, &a.sin_addr) != 1)
		return -EINVAL;
	s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(s->fd, (struct sockaddr *)&a, &alen) != 0)
		return -errno;
	s->local.ip.family = AF_INET;
	memcpy(s->local.ip.bytes, &a.sin_addr, 4);
	s->local.port = ntohs(a.sin_port);
	return 0;
}

static void input(struct slot *s)
{
	static uint8_t buf[DGRAM_MAX];
	struct sockaddr_in from;
	socklen_t flen = sizeof(from);
	ssize_t n;

	while ((n = recvfrom(s->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen)) > 0) {
		struct ike_addr remote = { .ip.family = AF_INET, .port = ntohs(from.sin_port) };

		memcpy(remote.ip.bytes, &from.sin_addr, 4);
		load.rx_octets += (uint64_t)n;
		load.rx_dgrams++;
		/* RFC 3948: datagrams on 4500 carry the non-ESP marker. */
		if (remote.port == 4500 && n >= 4 && memcmp(buf, "\0\0\0\0", 4) == 0)
			(void)ike_engine_input(s->e, &s->local, &remote, buf + 4, (size_t)n - 4);
		else
			(void)ike_engine_input(s->e, &s->local, &remote, buf, (size_t)n);
		flen = sizeof(from);
	}
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void usage(FILE *out)
{
	fprintf(out, "usage: esprit-ikeload -l LOCAL_IP -r REMOTE_IP[:PORT] -k PSK [-n TOTAL] "
		     "[-c CONCURRENT] [-p IKE_PROPOSAL] [-e ESP_PROPOSAL] [-i LOCAL_ID] "
		     "[-R REMOTE_ID] [--ts-local CIDR] [--ts-remote CIDR] [-t TIMEOUT_S] [--json] "
		     "[--ppk-id ID --ppk SECRET [--ppk-int]]\n");
}

static int set_id(struct ike_id *id, const char *s)
{
	id->type = IKE_ID_FQDN;
	id->len = (uint8_t)strlen(s);
	if (strlen(s) > IKE_ID_MAX)
		return -EINVAL;
	memcpy(id->data, s, id->len);
	return 0;
}

static int parse_args(int argc, char **argv, struct load *l, const char **local, bool *json)
{
	static const struct option opts[] = {
		{ "ts-local", required_argument, NULL, 'L' },
		{ "ts-remote", required_argument, NULL, 'T' },
		{ "json", no_argument, NULL, 'j' },
		{ "ppk-id", required_argument, NULL, 'P' },
		{ "ppk", required_argument, NULL, 'K' },
		{ "ppk-int", no_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *ike = "aes256-sha256-x25519", *esp = "aes128gcm16", *remote = NULL;
	const char *psk = NULL, *lid = "load.test", *rid = "resp.test";
	const char *tsl = "10.2.0.0/24", *tsr = "10.1.0.0/24";
	const char *ppk_id = NULL, *ppk = NULL;
	bool ppk_int = false;
	struct ike_conn *c = &l->conn;
	char host[64], *colon;
	int o, n;

	l->total = 1000;
	l->n_slots = 8;
	l->timeout_s = 10;
	while ((o = getopt_long(argc, argv, "l:r:n:c:p:e:k:i:R:t:h", opts, NULL)) != -1) {
		switch (o) {
		case 'l': *local = optarg; break;
		case 'r': remote = optarg; break;
		case 'n': l->total = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'c': l->n_slots = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'p': ike = optarg; break;
		case 'e': esp = optarg; break;
		case 'k': psk = optarg; break;
		case 'i': lid = optarg; break;
		case 'R': rid = optarg; break;
		case 't': l->timeout_s = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'L': tsl = optarg; break;
		case 'T': tsr = optarg; break;
		case 'j': *json = true; break;
		case 'P': ppk_id = optarg; break;
		case 'K': ppk = optarg; break;
		case 'I': ppk_int = true; break;
		case 'h': usage(stdout); exit(0);
		default: return -EINVAL;
		}
	}
	if (*local == NULL || remote == NULL || psk == NULL || l->total == 0 ||
	    l->n_slots == 0 || l->n_slots > SLOTS_MAX || strlen(psk) > IKE_PSK_MAX ||
	    strlen(remote) >= sizeof(host))
		return -EINVAL;
	snprintf(host, sizeof(host), "%s", remote);
	colon = strchr(host, ':');
	l->remote.port = 500;
	if (colon != NULL) {
		*colon = '\0';
		l->remote.port = (uint16_t)strtoul(colon + 1, NULL, 10);
	}
	if (esp_addr_parse(host, &l->remote.ip, NULL) != 0 || l->remote.ip.family != AF_INET)
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "load");
	c->remote = l->remote;
	c->auth = IKE_AUTHK_PSK;
	c->psk_len = strlen(psk);
	memcpy(c->psk, psk, c->psk_len);
	if (set_id(&c->local_id, lid) != 0 || set_id(&c->remote_id, rid) != 0)
		return -EINVAL;
	n = ike_proposals_parse(ike, IKE_PROTO_IKE, c->ike, IKE_PROPS_MAX);
	if (n <= 0)
		return -EINVAL;
	c->n_ike = (unsigned)n;
	c->n_child = 1;
	snprintf(c->child[0].name, sizeof(c->child[0].name), "net");
	c->child[0].mode = ESP_MODE_TUNNEL;
	c->child[0].replay_window = 64;
	n = ike_proposals_parse(esp, IKE_PROTO_ESP, c->child[0].esp, IKE_PROPS_MAX);
	if (n <= 0 || ike_ts_parse(tsl, &c->child[0].ts_l) != 0 ||
	    ike_ts_parse(tsr, &c->child[0].ts_r) != 0)
		return -EINVAL;
	c->child[0].n_esp = (unsigned)n;
	if ((ppk_id == NULL) != (ppk == NULL) || (ppk_int && ppk_id == NULL))
		return -EINVAL;
	if (ppk_id != NULL) {
		/* RFC 8784 §6: at least 256 bits; PPK_ID_FIXED as in espritd's default. */
		if (strlen(ppk_id) > IKE_PPK_ID_MAX || strlen(ppk) < 32 || strlen(ppk) > IKE_PPK_MAX)
			return -EINVAL;
		c->ppk.id_type = IKE_PPK_ID_FIXED;
		c->ppk.id_len = (uint8_t)strlen(ppk_id);
		memcpy(c->ppk.id, ppk_id, c->ppk.id_len);
		c->ppk.key_len = strlen(ppk);
		memcpy(c->ppk.key, ppk, c->ppk.key_len);
		c->ppk_required = true;
		c->ppk_intermediate = ppk_int;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *local = NULL;
	bool json = false;
	uint64_t t0, last_tick = 0;
	double secs, mean = 0, p50, p99, per, dgrams;

	if (parse_args(argc, argv, &load, &local, &json) != 0) {
		usage(stderr);
		return 2;
	}
	load.lat_ms = calloc(load.total, sizeof(*load.lat_ms));
	load.drv = drv_ipsec_mock_create();
	if (load.lat_ms == NULL || load.drv == NULL)
		return 1;
	if (load.n_slots > load.total)
		load.n_slots = load.total;
	for (unsigned i = 0; i < load.n_slots; i++)
		if (slot_open(&load.slot[i], local) != 0) {
			fprintf(stderr, "esprit-ikeload: cannot bind a UDP socket on %s\n", local);
			return 1;
		}
	t0 = mono_ns();
	for (unsigned i = 0; i < load.n_slots; i++)
		if (slot_start(&load, &load.slot[i]) != 0)
			load.failed++;
	while (load.done + load.failed < load.total) {
		struct pollfd p[SLOTS_MAX];
		uint64_t now;

		for (unsigned i = 0; i < load.n_slots; i++)
			p[i] = (struct pollfd){ .fd = load.slot[i].e != NULL ? load.slot[i].fd : -1,
						.events = POLLIN };
		if (poll(p, load.n_slots, 10) < 0 && errno != EINTR)
			return 1;
		now = mono_ns();
		for (unsigned i = 0; i < load.n_slots; i++) {
			struct slot *s = &load.slot[i];
			int st;

			if (s->e == NULL)
				continue;
			if (p[i].revents & POLLIN)
				input(s);
			if (now - last_tick > 50000000u)
				ike_engine_tick(s->e);
			st = slot_state(&load, s);
			if (st != 0)
				slot_finish(&load, s, st);
		}
		if (now - last_tick > 50000000u)
			last_tick = now;
		if (load.started == load.total && load.done + load.failed < load.total) {
			bool any = false;

			for (unsigned i = 0; i < load.n_slots; i++)
				any |= load.slot[i].e != NULL;
			if (!any)
				break;
		}
	}
	secs = (double)(mono_ns() - t0) / 1e9;
	for (unsigned i = 0; i < load.done; i++)
		mean += load.lat_ms[i] / load.done;
	qsort(load.lat_ms, load.done, sizeof(*load.lat_ms), cmp_d);
	p50 = load.done ? load.lat_ms[load.done / 2] : 0.0;
	p99 = load.done ? load.lat_ms[(size_t)(load.done * 0.99)] : 0.0;
	/* Octets per setup: every datagram sent and received, over the
	 * setups that completed (retransmissions included, as on a wire). */
	per = load.done ? (double)(load.tx_octets + load.rx_octets) / load.done : 0.0;
	dgrams = load.done ? (double)(load.tx_dgrams + load.rx_dgrams) / load.done : 0.0;
	if (json)
		printf("{\"setups\": %u, \"failed\": %u, \"concurrency\": %u, \"seconds\": %.3f, "
		       "\"setups_per_s\": %.1f, \"latency_ms\": {\"mean\": %.2f, \"p50\": %.2f, "
		       "\"p99\": %.2f}, \"octets_per_setup\": %.0f, \"datagrams_per_setup\": %.1f}\n",
		       load.done, load.failed, load.n_slots, secs, load.done / secs, mean, p50, p99,
		       per, dgrams);
	else
		printf("%u setups (%u failed) in %.2f s with %u in flight: %.1f setups/s, latency "
		       "mean %.2f ms, p50 %.2f ms, p99 %.2f ms; %.0f octets in %.1f datagrams per "
		       "setup\n", load.done, load.failed, secs, load.n_slots, load.done / secs, mean,
		       p50, p99, per, dgrams);
	for (unsigned i = 0; i < load.n_slots; i++) {
		ike_engine_free(load.slot[i].e);
		close(load.slot[i].fd);
	}
	drv_ipsec_mock_destroy(load.drv);
	free(load.lat_ms);
	return load.failed == 0 ? 0 : 1;
}
