/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inbound ESP steered by SPI (drivers/esp_steer.c) against a mock NIC: a
 * table of rte_flow rules that can refuse masks, ESP in UDP, or ESP at
 * all, and holds a set number of rules. The NIC's choice of queue for a
 * packet is checked against the dataplane's owner of its SA (SPI mod
 * workers) for random SPIs; an SA added through the ring driver gets its
 * rules and loses them with the SA; the worker the NIC picks decrypts the
 * packet without handing it over. And a real DPDK port without a flow API
 * (net_ring) leaves every kind unsteered, with its answer as the reason.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>
#include <rte_random.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "drivers/esp_steer.h"
#include "drivers/ipsec_ring.h"
#include "tests/check_run.h"
#include "tests/worker/gwsim.h"

enum { NIC_RULES_MAX = 64 };

/* What the mock NIC can match, and the rules it holds. */
static struct mock_nic {
	bool esp, udp, masks;  /* ESP items; after UDP; SPI masks not all ones */
	unsigned capacity;
	unsigned n, creates;   /* rules now; create calls */
	struct mock_rule {
		bool used, ip6, udp;
		uint16_t port, queue;
		uint32_t spi, mask;
	} rule[NIC_RULES_MAX];
} nic;

static void nic_reset(bool esp, bool udp, bool masks, unsigned capacity)
{
	nic = (struct mock_nic){ .esp = esp, .udp = udp, .masks = masks, .capacity = capacity };
}

static int refuse(struct rte_flow_error *err, const char *msg)
{
	err->type = RTE_FLOW_ERROR_TYPE_ITEM;
	err->message = msg;
	return -ENOTSUP;
}

/* Parse a rule as a NIC would: ETH, IPV4 or IPV6, [UDP], ESP, END; QUEUE. */
static int nic_parse(const struct rte_flow_item *it, const struct rte_flow_action *act,
		     struct mock_rule *r, struct rte_flow_error *err)
{
	*r = (struct mock_rule){ .used = true };
	if (it->type != RTE_FLOW_ITEM_TYPE_ETH)
		return refuse(err, "no ETH");
	it++;
	if (it->type != RTE_FLOW_ITEM_TYPE_IPV4 && it->type != RTE_FLOW_ITEM_TYPE_IPV6)
		return refuse(err, "no IP");
	r->ip6 = it->type == RTE_FLOW_ITEM_TYPE_IPV6;
	it++;
	if (it->type == RTE_FLOW_ITEM_TYPE_UDP) {
		const struct rte_flow_item_udp *s = it->spec, *m = it->mask;

		if (!nic.udp)
			return refuse(err, "no ESP after UDP");
		if (m->hdr.dst_port != RTE_BE16(0xffff) || s->hdr.dst_port != RTE_BE16(4500))
			return refuse(err, "UDP: not port 4500");
		r->udp = true;
		it++;
	}
	if (it->type != RTE_FLOW_ITEM_TYPE_ESP || !nic.esp)
		return refuse(err, "item not supported");
	const struct rte_flow_item_esp *s = it->spec, *m = it->mask;

	r->spi = rte_be_to_cpu_32(s->hdr.spi);
	r->mask = rte_be_to_cpu_32(m->hdr.spi);
	if (r->mask != UINT32_MAX && !nic.masks)
		return refuse(err, "SPI mask must be all ones");
	if ((it + 1)->type != RTE_FLOW_ITEM_TYPE_END)
		return refuse(err, "items after ESP");
	if (act[0].type != RTE_FLOW_ACTION_TYPE_QUEUE || act[1].type != RTE_FLOW_ACTION_TYPE_END)
		return refuse(err, "action not supported");
	r->queue = ((const struct rte_flow_action_queue *)act[0].conf)->index;
	return 0;
}

static int nic_validate(uint16_t port, const struct rte_flow_attr *attr,
			const struct rte_flow_item pattern[], const struct rte_flow_action actions[],
			struct rte_flow_error *err)
{
	struct mock_rule r;

	ck_assert_uint_eq(attr->ingress, 1);
	(void)port;
	return nic_parse(pattern, actions, &r, err);
}

static struct rte_flow *nic_create(uint16_t port, const struct rte_flow_attr *attr,
				   const struct rte_flow_item pattern[],
				   const struct rte_flow_action actions[], struct rte_flow_error *err)
{
	struct mock_rule r;

	nic.creates++;
	ck_assert_uint_eq(attr->ingress, 1);
	if (nic_parse(pattern, actions, &r, err) < 0)
		return NULL;
	if (nic.n == nic.capacity) {
		refuse(err, "table full");
		return NULL;
	}
	r.port = port;
	for (unsigned i = 0; i < NIC_RULES_MAX; i++)
		if (!nic.rule[i].used) {
			nic.rule[i] = r;
			nic.n++;
			return (struct rte_flow *)&nic.rule[i];
		}
	ck_abort_msg("mock NIC: capacity past NIC_RULES_MAX");
	return NULL;
}

static int nic_destroy(uint16_t port, struct rte_flow *flow, struct rte_flow_error *err)
{
	struct mock_rule *r = (struct mock_rule *)flow;

	(void)err;
	ck_assert(r >= nic.rule && r < nic.rule + NIC_RULES_MAX && r->used);
	ck_assert_uint_eq(r->port, port);
	r->used = false;
	nic.n--;
	return 0;
}

static const struct esp_steer_flow_ops nic_ops = {
	.validate = nic_validate, .create = nic_create, .destroy = nic_destroy,
};

/* The RX queue the NIC gives ESP of @p kind with @p spi on @p port; -1:
 * no rule matches (RSS decides). */
static int nic_queue(uint16_t port, enum esp_steer_kind kind, uint32_t spi)
{
	bool ip6 = kind == ESP_STEER_IP6 || kind == ESP_STEER_UDP6;
	bool udp = kind == ESP_STEER_UDP4 || kind == ESP_STEER_UDP6;
	int q = -1;

	for (unsigned i = 0; i < NIC_RULES_MAX; i++) {
		const struct mock_rule *r = &nic.rule[i];

		if (r->used && r->port == port && r->ip6 == ip6 && r->udp == udp &&
		    (spi & r->mask) == r->spi) {
			ck_assert_msg(q < 0 || q == r->queue, "SPI %#x: two rules disagree", spi);
			q = r->queue;
		}
	}
	return q;
}

static const struct esp_steer_port ports[] = { { 3, 16 }, { 7, 16 } };
/* A local address no port was given: rules on every port. */
static const struct esp_addr unlisted = { .family = AF_INET, .bytes = { 198, 51, 100, 7 } };

static void assert_modes(const struct esp_steer *st, unsigned p, enum esp_steer_mode ip,
			 enum esp_steer_mode udp)
{
	for (unsigned k = 0; k < ESP_STEER_KINDS; k++) {
		bool is_udp = k == ESP_STEER_UDP4 || k == ESP_STEER_UDP6;

		ck_assert_msg(esp_steer_mode_of(st, p, k, NULL) == (is_udp ? udp : ip),
			      "port %u %s: %s", p, esp_steer_kind_name(k),
			      esp_steer_mode_name(esp_steer_mode_of(st, p, k, NULL)));
	}
}

static uint64_t rules_of(const struct esp_steer *st, unsigned p)
{
	struct esp_steer_counts c;

	esp_steer_counts_of(st, p, &c);
	return c.rules;
}

static uint64_t refused_of(const struct esp_steer *st, unsigned p)
{
	struct esp_steer_counts c;

	esp_steer_counts_of(st, p, &c);
	return c.refused;
}

START_TEST(masked_rules_send_every_spi_to_its_owner)
{
	for (uint16_t n = 2; n <= 8; n *= 2) {
		struct esp_steer *st;

		nic_reset(true, true, true, NIC_RULES_MAX);
		st = esp_steer_open(ports, 2, n, &nic_ops);
		ck_assert_ptr_nonnull(st);
		for (unsigned p = 0; p < 2; p++) {
			assert_modes(st, p, ESP_STEER_MASKED, ESP_STEER_MASKED);
			ck_assert_ptr_null(esp_steer_why(st, p));
			ck_assert_uint_eq(rules_of(st, p), 4u * n);
		}
		/* N rules cover every SA: none more for an SA. */
		ck_assert_ptr_null(esp_steer_sa_add(st, 0x1234, 0x1234 % n, ESP_STEER_UDP6, &unlisted));
		ck_assert_uint_eq(nic.n, 2u * 4u * n);
		for (unsigned i = 0; i < 10000; i++) {
			uint32_t spi = (uint32_t)rte_rand();

			for (unsigned k = 0; k < ESP_STEER_KINDS; k++)
				for (unsigned p = 0; p < 2; p++)
					ck_assert_int_eq(nic_queue(ports[p].port_id, k, spi),
							 (int)(spi % n));
		}
		esp_steer_close(st);
		ck_assert_uint_eq(nic.n, 0);
	}
}
END_TEST

START_TEST(exact_rules_follow_the_sas)
{
	/* A NIC that matches whole SPIs only, and three workers (no mask
	 * can say mod 3) with a NIC that could do masks: both exact. */
	static const struct { bool masks; uint16_t n; } cases[] = { { false, 2 }, { true, 3 } };
	static const uint32_t spi[ESP_STEER_KINDS] = { 0x1000, 0x2001, 0xc0000002, 0x7fff };

	for (unsigned c = 0; c < 2; c++) {
		uint16_t n = cases[c].n;
		struct esp_steer_sa *sa[ESP_STEER_KINDS];
		struct esp_steer *st;

		nic_reset(true, true, cases[c].masks, NIC_RULES_MAX);
		st = esp_steer_open(ports, 2, n, &nic_ops);
		for (unsigned p = 0; p < 2; p++)
			assert_modes(st, p, ESP_STEER_EXACT, ESP_STEER_EXACT);
		ck_assert_uint_eq(nic.n, 0);
		/* An SA of each kind: a rule on each port, for its kind. */
		for (unsigned k = 0; k < ESP_STEER_KINDS; k++) {
			sa[k] = esp_steer_sa_add(st, spi[k], (uint16_t)(spi[k] % n), k, &unlisted);
			ck_assert_ptr_nonnull(sa[k]);
		}
		ck_assert_uint_eq(nic.n, 2u * ESP_STEER_KINDS);
		for (unsigned i = 0; i < ESP_STEER_KINDS; i++)
			for (unsigned k = 0; k < ESP_STEER_KINDS; k++) {
				ck_assert_int_eq(nic_queue(ports[1].port_id, k, spi[i]),
						 k == i ? (int)(spi[i] % n) : -1);
				/* One bit off: no rule, RSS decides. */
				ck_assert_int_eq(nic_queue(ports[0].port_id, k, spi[i] ^ 0x100), -1);
			}
		esp_steer_sa_del(st, sa[1]);
		ck_assert_uint_eq(nic.n, 2u * 3u);
		ck_assert_int_eq(nic_queue(ports[0].port_id, ESP_STEER_IP6, spi[1]), -1);
		ck_assert_int_eq(nic_queue(ports[0].port_id, ESP_STEER_UDP4, spi[2]), (int)(spi[2] % n));
		for (unsigned k = 0; k < ESP_STEER_KINDS; k++)
			if (k != 1)
				esp_steer_sa_del(st, sa[k]);
		ck_assert_uint_eq(rules_of(st, 0) + rules_of(st, 1), 0);
		esp_steer_close(st);
		ck_assert_uint_eq(nic.n, 0);
	}
}
END_TEST

START_TEST(exact_rules_only_where_the_sa_s_esp_arrives)
{
	struct esp_addr wan4, wan6, lan4;
	struct esp_steer_sa *a, *b, *c;
	struct esp_steer *st;

	gwsim_addr(&wan4, "192.0.2.1");
	gwsim_addr(&wan6, "2001:db8::1");
	gwsim_addr(&lan4, "10.1.0.254");
	nic_reset(true, true, false, NIC_RULES_MAX);
	st = esp_steer_open(ports, 2, 2, &nic_ops);
	ck_assert_int_eq(esp_steer_port_addr_add(st, 0, &lan4), 0);
	ck_assert_int_eq(esp_steer_port_addr_add(st, 1, &wan4), 0);
	ck_assert_int_eq(esp_steer_port_addr_add(st, 1, &wan6), 0);

	/* The WAN's addresses: a rule on the WAN port only. */
	a = esp_steer_sa_add(st, 0x100, 0, ESP_STEER_IP4, &wan4);
	b = esp_steer_sa_add(st, 0x101, 1, ESP_STEER_UDP6, &wan6);
	ck_assert_uint_eq(nic.n, 2);
	ck_assert_uint_eq(rules_of(st, 0), 0);
	ck_assert_int_eq(nic_queue(ports[1].port_id, ESP_STEER_IP4, 0x100), 0);
	ck_assert_int_eq(nic_queue(ports[1].port_id, ESP_STEER_UDP6, 0x101), 1);
	ck_assert_int_eq(nic_queue(ports[0].port_id, ESP_STEER_IP4, 0x100), -1);
	/* An address no port has: every port. */
	c = esp_steer_sa_add(st, 0x102, 0, ESP_STEER_IP4, &unlisted);
	ck_assert_uint_eq(nic.n, 4);
	ck_assert_int_eq(nic_queue(ports[0].port_id, ESP_STEER_IP4, 0x102), 0);
	ck_assert_int_eq(nic_queue(ports[1].port_id, ESP_STEER_IP4, 0x102), 0);
	esp_steer_sa_del(st, a);
	esp_steer_sa_del(st, b);
	esp_steer_sa_del(st, c);
	esp_steer_close(st);
	ck_assert_uint_eq(nic.n, 0);
}
END_TEST

START_TEST(a_full_table_is_counted_not_asked_again)
{
	struct esp_steer *st;
	struct esp_steer_sa *a, *b, *f;
	unsigned creates;

	/* One port, room for 2 rules. */
	nic_reset(true, true, false, 2);
	st = esp_steer_open(ports, 1, 2, &nic_ops);
	a = esp_steer_sa_add(st, 10, 0, ESP_STEER_IP4, &unlisted);
	b = esp_steer_sa_add(st, 11, 1, ESP_STEER_IP6, &unlisted);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(rules_of(st, 0), 2);

	/* Refused: counted, and that kind is not asked for again... */
	creates = nic.creates;
	ck_assert_ptr_null(esp_steer_sa_add(st, 12, 0, ESP_STEER_IP4, &unlisted));
	ck_assert_uint_eq(nic.creates, creates + 1);
	ck_assert_ptr_null(esp_steer_sa_add(st, 14, 0, ESP_STEER_IP4, &unlisted));
	ck_assert_uint_eq(nic.creates, creates + 1);
	ck_assert_uint_eq(refused_of(st, 0), 2);
	/* ...while another kind (a table of its own, maybe) is, once. */
	ck_assert_ptr_null(esp_steer_sa_add(st, 15, 1, ESP_STEER_IP6, &unlisted));
	ck_assert_ptr_null(esp_steer_sa_add(st, 17, 1, ESP_STEER_IP6, &unlisted));
	ck_assert_uint_eq(nic.creates, creates + 2);
	ck_assert_uint_eq(refused_of(st, 0), 4);
	ck_assert_int_eq(nic_queue(ports[0].port_id, ESP_STEER_IP4, 12), -1);

	/* A rule of the kind gone, and the NIC is asked again. */
	esp_steer_sa_del(st, a);
	f = esp_steer_sa_add(st, 13, 1, ESP_STEER_IP4, &unlisted);
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(nic.creates, creates + 3);
	ck_assert_int_eq(nic_queue(ports[0].port_id, ESP_STEER_IP4, 13), 1);
	ck_assert_uint_eq(nic.n, 2);
	esp_steer_sa_del(st, b);
	esp_steer_sa_del(st, f);
	esp_steer_close(st);
	ck_assert_uint_eq(nic.n, 0);
}
END_TEST

START_TEST(what_the_nic_cannot_do_stays_with_rss)
{
	struct esp_steer *st;
	const char *why;

	/* No ESP at all: every kind none, the NIC's answer kept. */
	nic_reset(false, false, false, NIC_RULES_MAX);
	st = esp_steer_open(ports, 2, 2, &nic_ops);
	assert_modes(st, 0, ESP_STEER_NONE, ESP_STEER_NONE);
	ck_assert_int_eq(esp_steer_mode_of(st, 1, ESP_STEER_IP6, &why), ESP_STEER_NONE);
	ck_assert_str_eq(why, "rte_flow: item not supported");
	ck_assert_ptr_null(esp_steer_sa_add(st, 0x77, 1, ESP_STEER_IP4, &unlisted));
	ck_assert_uint_eq(nic.n, 0);
	esp_steer_close(st);

	/* ESP, but not after UDP: IP kinds masked, ESP in UDP none. */
	nic_reset(true, false, true, NIC_RULES_MAX);
	st = esp_steer_open(ports, 1, 4, &nic_ops);
	assert_modes(st, 0, ESP_STEER_MASKED, ESP_STEER_NONE);
	ck_assert_int_eq(esp_steer_mode_of(st, 0, ESP_STEER_UDP4, &why), ESP_STEER_NONE);
	ck_assert_str_eq(why, "rte_flow: no ESP after UDP");
	ck_assert_int_eq(esp_steer_mode_of(st, 0, ESP_STEER_IP4, &why), ESP_STEER_MASKED);
	ck_assert_ptr_null(why);
	ck_assert_str_eq(esp_steer_why(st, 0), "rte_flow: no ESP after UDP");
	esp_steer_close(st);
	ck_assert_uint_eq(nic.n, 0);

	/* One worker: nothing to steer, the NIC never asked. */
	nic_reset(true, true, true, NIC_RULES_MAX);
	st = esp_steer_open(ports, 1, 1, &nic_ops);
	assert_modes(st, 0, ESP_STEER_NONE, ESP_STEER_NONE);
	ck_assert_uint_eq(nic.creates, 0);
	esp_steer_close(st);

	/* A port with fewer RX queues than workers: some owners have no
	 * queue there to be steered to. */
	st = esp_steer_open(&(struct esp_steer_port){ 9, 2 }, 1, 4, &nic_ops);
	assert_modes(st, 0, ESP_STEER_NONE, ESP_STEER_NONE);
	ck_assert_int_eq(esp_steer_mode_of(st, 0, ESP_STEER_IP4, &why), ESP_STEER_NONE);
	ck_assert_str_eq(why, "2 RX queues for 4 workers");
	ck_assert_uint_eq(nic.creates, 0);
	esp_steer_close(st);
}
END_TEST

START_TEST(masked_rules_all_or_none)
{
	struct esp_steer *st;

	/* Room for 3 with 2 workers: IPv4's pair fits, IPv6's second rule
	 * does not, so its first goes too and IPv6 is exact (validated,
	 * no rule yet); the UDP kinds likewise. */
	nic_reset(true, true, true, 3);
	st = esp_steer_open(ports, 1, 2, &nic_ops);
	ck_assert_int_eq(esp_steer_mode_of(st, 0, ESP_STEER_IP4, NULL), ESP_STEER_MASKED);
	ck_assert_int_eq(esp_steer_mode_of(st, 0, ESP_STEER_IP6, NULL), ESP_STEER_EXACT);
	ck_assert_int_eq(esp_steer_mode_of(st, 0, ESP_STEER_UDP4, NULL), ESP_STEER_EXACT);
	ck_assert_uint_eq(nic.n, 2);
	ck_assert_uint_eq(rules_of(st, 0), 2);
	ck_assert_int_eq(nic_queue(ports[0].port_id, ESP_STEER_IP6, 5), -1);
	esp_steer_close(st);
	ck_assert_uint_eq(nic.n, 0);
}
END_TEST

/* --- through the ring driver, and the worker the NIC picks ------------ */

static struct gwsim C;
static struct esp_steer *gw_steer;

static void gw_setup(void)
{
	gwsim_setup("test_steer");
	gwsim_init(&C, 'c', 2);
	for (unsigned w = 0; w < 2; w++)
		worker_rcu_online(C.peers[w]);
}

/* The driver removes the rules of the SAs it still has (an SA left
 * there by the test below): none may stay in the NIC. */
static void gw_teardown(void)
{
	gwsim_free(&C);
	if (nic.n != 0) {
		fprintf(stderr, "%u rules left in the NIC after the SA driver went\n", nic.n);
		abort();
	}
	esp_steer_close(gw_steer);
	gwsim_teardown();
}

START_TEST(inbound_sas_get_rules_and_their_owner_decrypts)
{
	struct combo c = { ESP_CIPHER_AES128_GCM16, 0, ESP_MODE_TUNNEL, AF_INET, AF_INET };
	struct esp_sa_params out, in;
	struct esp_steer *st;
	uint8_t tmp[16];

	nic_reset(true, true, false, NIC_RULES_MAX);
	st = gw_steer = esp_steer_open(&(struct esp_steer_port){ C.wan, 2 }, 1, 2, &nic_ops);
	assert_modes(st, 0, ESP_STEER_EXACT, ESP_STEER_EXACT);
	drv_ipsec_ring_set_steer(C.drv, st);

	for (uint32_t spi = 0x5000; spi <= 0x5001; spi++) {
		struct drv_policy pol = {
			.id = spi, .priority = 1, .action = SPD_PROTECT, .sa_spi = spi,
		};
		struct rte_mbuf *m, *esp, *clear = NULL;
		uint16_t owner = (uint16_t)(spi % 2), other = owner ^ 1;
		int q;

		/* B -> C: B's outbound, C's inbound, selectors from B. */
		gwsim_sa_params(&out, &c, spi, ESP_DIR_OUT, false);
		gwsim_sa_params(&in, &c, spi, ESP_DIR_IN, false);
		memcpy(tmp, out.sel.src, 16);
		memcpy(out.sel.src, out.sel.dst, 16);
		memcpy(out.sel.dst, tmp, 16);
		in.sel = out.sel;
		pol.sel = out.sel;
		ck_assert_int_eq(drv_sa_add(B.drv, &out), 0);
		ck_assert_int_eq(drv_policy_add(B.drv, &pol), 0);
		ck_assert_int_eq(drv_sa_add(C.drv, &in), 0);
		worker_apply_msgs(B.w);
		worker_apply_msgs(C.peers[0]);
		worker_apply_msgs(C.peers[1]);
		ck_assert_uint_eq(nic.n, 1);

		m = gwsim_udp_frame(AF_INET, &mac_b_lan, "10.2.0.1", "10.1.0.1", 5000, 64, 0,
				    true);
		esp = gwsim_run(&B, B.lan, m, B.wan_tx[0]);
		ck_assert_ptr_nonnull(esp);
		/* The queue the NIC gives it is its owner's (worker w polls
		 * queue w), which decrypts it and hands nothing over. */
		q = nic_queue(C.wan, ESP_STEER_IP4, spi);
		ck_assert_int_eq(q, owner);
		worker_process_burst(C.peers[q], C.wan, &esp, 1);
		worker_flush(C.peers[q]);
		ck_assert_uint_eq(rte_ring_count(C.peers[other]->handoff), 0);
		ck_assert_int_eq(rte_ring_dequeue(C.lan_tx[q], (void **)&clear), 0);
		ck_assert_uint_eq(rte_pktmbuf_data_len(clear), 14 + 20 + 8 + 64);
		rte_pktmbuf_free(clear);

		/* Outbound SAs need no rule; the inbound one's go with it. */
		ck_assert_int_eq(drv_sa_add(C.drv, &out), 0);
		ck_assert_uint_eq(nic.n, 1);
		ck_assert_int_eq(drv_sa_del(C.drv, spi, ESP_DIR_OUT), 0);
		ck_assert_int_eq(drv_sa_del(C.drv, spi, ESP_DIR_IN), 0);
		ck_assert_uint_eq(nic.n, 0);
		ck_assert_int_eq(drv_policy_del(B.drv, spi), 0);
		ck_assert_int_eq(drv_sa_del(B.drv, spi, ESP_DIR_OUT), 0);
		worker_apply_msgs(B.w);
		worker_apply_msgs(C.peers[0]);
		worker_apply_msgs(C.peers[1]);
	}

	/* An SA still there when the driver goes (gw_teardown()). */
	gwsim_sa_params(&in, &c, 0x6001, ESP_DIR_IN, false);
	ck_assert_int_eq(drv_sa_add(C.drv, &in), 0);
	worker_apply_msgs(C.peers[1]);
	ck_assert_uint_eq(nic.n, 1);
}
END_TEST

START_TEST(a_port_without_a_flow_api_is_not_steered)
{
	struct esp_steer *st =
		esp_steer_open(&(struct esp_steer_port){ C.wan, 2 }, 1, 2, &esp_steer_rte_flow);
	const char *why;

	ck_assert_ptr_nonnull(st);
	for (unsigned k = 0; k < ESP_STEER_KINDS; k++) {
		ck_assert_int_eq(esp_steer_mode_of(st, 0, k, &why), ESP_STEER_NONE);
		ck_assert_ptr_nonnull(why);
		ck_assert_msg(strncmp(why, "rte_flow: ", 10) == 0 && strlen(why) > 10, "%s", why);
	}
	ck_assert_uint_eq(rules_of(st, 0), 0);
	ck_assert_ptr_null(esp_steer_sa_add(st, 0x99, 1, ESP_STEER_UDP4, &unlisted));
	esp_steer_close(st);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("steer");
	TCase *nicc = tcase_create("mock NIC");
	TCase *gw = tcase_create("gateway");

	tcase_add_test(nicc, masked_rules_send_every_spi_to_its_owner);
	tcase_add_test(nicc, exact_rules_follow_the_sas);
	tcase_add_test(nicc, exact_rules_only_where_the_sa_s_esp_arrives);
	tcase_add_test(nicc, a_full_table_is_counted_not_asked_again);
	tcase_add_test(nicc, what_the_nic_cannot_do_stays_with_rss);
	tcase_add_test(nicc, masked_rules_all_or_none);
	suite_add_tcase(s, nicc);
	tcase_add_unchecked_fixture(gw, gw_setup, gw_teardown);
	tcase_add_test(gw, inbound_sas_get_rules_and_their_owner_decrypts);
	tcase_add_test(gw, a_port_without_a_flow_api_is_not_steered);
	suite_add_tcase(s, gw);
	return check_run_nofork(s);
}
