/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker's classifier, SPD, transforms and forwarding all parse
 * untrusted frames. This entry point feeds one frame, or a burst of them,
 * to one of the four ports of the two simulated gateways, which carry SAs
 * of every kind so that mutated ESP reaches the decapsulation paths.
 */
#include <string.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "tests/worker/gwsim.h"
#include "tests/worker/gwsim_check.h"
#include "tests/worker/worker_fuzz.h"

const struct combo worker_fuzz_aes6 = { ESP_CIPHER_AES128_GCM16, ESP_SA_F_IIV, ESP_MODE_TUNNEL,
					AF_INET6, AF_INET6 };
const struct combo worker_fuzz_combos[WORKER_FUZZ_COMBOS] = {
	{ ESP_CIPHER_AES128_GCM16, 0, ESP_MODE_TUNNEL, AF_INET, AF_INET },
	{ ESP_CIPHER_CHACHA20_POLY1305, ESP_SA_F_IIV | ESP_SA_F_ESN | ESP_SA_F_NATT, ESP_MODE_TUNNEL,
	  AF_INET6, AF_INET6 },
	{ ESP_CIPHER_AES256_GCM16, ESP_SA_F_NATT, ESP_MODE_TRANSPORT, AF_INET, AF_INET },
};

void worker_fuzz_init(void)
{
	gwsim_setup("fuzz_worker");
	for (unsigned i = 0; i < WORKER_FUZZ_COMBOS; i++)
		gwsim_install(&worker_fuzz_combos[i], 0x100 + i);
	/* B's inbound SA of an AES-GCM IPv6 tunnel, whose ESP takes the
	 * IPv6 express way; A keeps its IPv6 policy for the ChaCha one */
	gwsim_install(&worker_fuzz_aes6, WORKER_FUZZ_AES6_SPI);
	ck_assert_int_eq(drv_policy_del(A.drv, WORKER_FUZZ_AES6_SPI), 0);
	/* and a second IPv4 one like 0x100, for bursts of two SAs' ESP
	 * (the inbound express way of many SAs) */
	gwsim_install(&worker_fuzz_combos[0], WORKER_FUZZ_AES4_SPI);
	ck_assert_int_eq(drv_policy_del(A.drv, WORKER_FUZZ_AES4_SPI), 0);
	worker_apply_msgs(A.w);
}

static void drain_all(void)
{
	struct gwsim *g[] = { &A, &B };

	for (unsigned i = 0; i < 2; i++) {
		gwsim_drain(g[i]->lan_tx[0]);
		gwsim_drain(g[i]->wan_tx[0]);
		gwsim_drain(g[i]->w->punt);
	}
}

/* An mbuf of the @p len octets at @p p, or NULL. */
static struct rte_mbuf *frame_of(const uint8_t *p, size_t len)
{
	struct rte_mbuf *m;
	char *d;

	if (len > RTE_MBUF_DEFAULT_DATAROOM || (m = rte_pktmbuf_alloc(gwsim_pool)) == NULL)
		return NULL;
	d = rte_pktmbuf_append(m, (uint16_t)len);
	if (d == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memcpy(d, p, len);
	return m;
}

void worker_fuzz_one(const uint8_t *data, size_t len)
{
	struct rte_mbuf *pkts[WORKER_BURST];
	uint16_t n = 0, port;
	struct gwsim *g;

	if (len < 1)
		return;
	g = (data[0] & 2) ? &B : &A;
	port = (data[0] & 1) ? g->wan : g->lan;
	if (data[0] & WORKER_FUZZ_BURST) {
		/* each frame after its length, 2 octets big-endian */
		for (size_t at = 1; at + 2 <= len && n < WORKER_BURST;) {
			size_t flen = (size_t)data[at] << 8 | data[at + 1];

			at += 2;
			if (flen == 0 || flen > len - at || (pkts[n] = frame_of(data + at, flen)) == NULL)
				break;
			at += flen;
			n++;
		}
	} else if ((pkts[0] = frame_of(data + 1, len - 1)) != NULL) {
		n = 1;
	}
	if (n == 0)
		return;
	worker_process_burst(g->w, port, pkts, n);
	worker_flush(g->w);
	drain_all();
}

void worker_fuzz_fini(void)
{
	gwsim_teardown();
}

unsigned worker_fuzz_pool_avail(void)
{
	return rte_mempool_avail_count(gwsim_pool);
}
