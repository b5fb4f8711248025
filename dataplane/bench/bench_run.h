/* SPDX-License-Identifier: BSD-3-Clause */
/** @file The bench's ports, lcores and the run of one case (bench_run.c). */
#ifndef ESPRIT_BENCH_RUN_H
#define ESPRIT_BENCH_RUN_H

#include "dataplane/bench/bench.h"

struct worker;

struct bench_rig {
	uint16_t null_port;                     /**< net_null0,no-rx=1 */
	unsigned lcores[BENCH_WORKERS_MAX];     /**< worker lcores */
	unsigned n_lcores;
	IMB_MGR *ctl_mgr;                       /**< key expansion, pcap making */
	IMB_MGR *worker_mgr;                    /**< raw crypto loops */
	char pcap_dir[512];
};

/** Open the output port and the IPsec-MB managers (after rte_eal_init). */
int bench_rig_init(struct bench_rig *rig);

/** Give back what bench_rig_init() took (before rte_eal_cleanup). */
void bench_rig_fini(struct bench_rig *rig);

/** Measure one case for @p secs seconds of each of I/O and esprit. */
int bench_run_case(struct bench_rig *rig, const struct bench_case *c, struct bench_result *r,
		   double secs);

/** ChaCha20-Poly1305 cycles at @p len: enc direct, enc job, dec direct, dec job. */
void bench_chacha_report(struct bench_rig *rig, uint32_t len, double out[4]);

#endif
