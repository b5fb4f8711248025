/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker's classifier, SPD, transforms and forwarding all parse
 * untrusted frames. This entry point feeds one frame to one of the four
 * ports of the two simulated gateways, which carry SAs of every kind so
 * that mutated ESP reaches the decapsulation paths.
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

void worker_fuzz_init(void)
{
	static const struct combo combos[] = {
		{ ESP_CIPHER_AES128_GCM16, 0, ESP_MODE_TUNNEL, AF_INET, AF_INET },
		{ ESP_CIPHER_CHACHA20_POLY1305, ESP_SA_F_IIV | ESP_SA_F_ESN | ESP_SA_F_NATT,
		  ESP_MODE_TUNNEL, AF_INET6, AF_INET6 },
		{ ESP_CIPHER_AES256_GCM16, ESP_SA_F_NATT, ESP_MODE_TRANSPORT, AF_INET, AF_INET },
	};

	gwsim_setup("fuzz_worker");
	for (unsigned i = 0; i < sizeof(combos) / sizeof(combos[0]); i++)
		gwsim_install(&combos[i], 0x100 + i);
	/* B's inbound SA of an AES-GCM IPv6 tunnel, whose ESP takes the
	 * IPv6 express way; A keeps its IPv6 policy for the ChaCha one */
	gwsim_install(&worker_fuzz_aes6, WORKER_FUZZ_AES6_SPI);
	ck_assert_int_eq(drv_policy_del(A.drv, WORKER_FUZZ_AES6_SPI), 0);
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

void worker_fuzz_one(const uint8_t *data, size_t len)
{
	struct rte_mbuf *m;
	struct gwsim *g;
	uint16_t port;

	if (len < 1 || len - 1 > RTE_MBUF_DEFAULT_DATAROOM)
		return;
	g = (data[0] & 2) ? &B : &A;
	port = (data[0] & 1) ? g->wan : g->lan;
	m = rte_pktmbuf_alloc(gwsim_pool);
	if (m == NULL)
		return;
	char *p = rte_pktmbuf_append(m, (uint16_t)(len - 1));

	if (p == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	memcpy(p, data + 1, len - 1);
	worker_process_burst(g->w, port, &m, 1);
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
