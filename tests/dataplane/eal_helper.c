/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "tests/dataplane/eal_helper.h"

enum { TEST_POOL_SIZE = 4095, TEST_BUF_SIZE = 4096 + RTE_PKTMBUF_HEADROOM };

static struct rte_mempool *pool;
static IMB_MGR *mgr;

int test_eal_init(const char *file_prefix)
{
	if (pool != NULL)
		return 0;
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "%s", file_prefix);
	char *argv[] = {
		/* --no-shconf: no shared config file a concurrent run could meet */
		"test", "--no-huge", "--no-pci", "-m", "128", "--no-shconf", "--file-prefix", prefix,
		"--log-level", "error", "--no-telemetry", "-l", "0", NULL,
	};
	int argc = (int)(sizeof(argv) / sizeof(argv[0])) - 1;

	if (rte_eal_init(argc, argv) < 0)
		return -1;
	pool = rte_pktmbuf_pool_create("test_pool", TEST_POOL_SIZE, 0, 0, TEST_BUF_SIZE,
				       (int)rte_socket_id());
	if (pool == NULL)
		return -1;
	mgr = alloc_mb_mgr(0);
	if (mgr == NULL)
		return -1;
	init_mb_mgr_auto(mgr, NULL);
	return 0;
}

struct rte_mempool *test_pool(void)
{
	return pool;
}

IMB_MGR *test_mgr(void)
{
	return mgr;
}

struct rte_mbuf *test_mbuf(const uint8_t *data, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	if (m == NULL)
		return NULL;
	char *p = rte_pktmbuf_append(m, (uint16_t)len);
	if (p == NULL && len != 0) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	if (len != 0)
		memcpy(p, data, len);
	return m;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long test_unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex);
	if (n % 2 != 0 || n / 2 > cap)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (long)(n / 2);
}
