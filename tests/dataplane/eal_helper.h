/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Test helpers: one EAL per test process (no hugepages, no PCI), a pktmbuf
 * pool, an IPsec-MB manager, mbufs built from bytes, and hex decoding.
 */
#ifndef ESPRIT_TESTS_DATAPLANE_EAL_HELPER_H
#define ESPRIT_TESTS_DATAPLANE_EAL_HELPER_H

#include <stddef.h>
#include <stdint.h>

#include <check.h>
#include <intel-ipsec-mb.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

/** Start the EAL once with a private --file-prefix; 0 or -1. */
int test_eal_init(const char *file_prefix);
/** The shared pktmbuf pool (after test_eal_init). */
struct rte_mempool *test_pool(void);
/** The shared IPsec-MB manager (alloc_mb_mgr(0) + init_mb_mgr_auto()). */
IMB_MGR *test_mgr(void);
/** A one-segment mbuf holding a copy of @p len octets; NULL if no room. */
struct rte_mbuf *test_mbuf(const uint8_t *data, size_t len);
/** Decode lowercase/uppercase hex into @p out (max @p cap); length or -1. */
long test_unhex(const char *hex, uint8_t *out, size_t cap);

#endif
