/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * DPDK telemetry commands, readable with dpdk-telemetry.py:
 *
 *   /esprit/sa               {"fields": [packets, bytes, drops], "0x00001001_out": [..], ..}
 *   /esprit/sa,0x1001[,in]   one SA: parameters (no keys), counters, drops by reason
 *   /esprit/workers          {"fields": [rx, tx, ...], "0": [..], "1": [..]}
 *   /esprit/workers,N        worker N by name, with its drops
 *   /esprit/drops            drops by reason summed over workers, and "total"
 *   /esprit/drops,N          worker N's drops
 *
 * The callbacks run on DPDK's telemetry thread. They never call the SA
 * driver: worker counters are read directly (racy 64-bit reads are fine),
 * and SA counters come from a snapshot the control thread refreshes in
 * telemetry_poll().
 */
#ifndef ESPRIT_CONTROL_TELEMETRY_H
#define ESPRIT_CONTROL_TELEMETRY_H

struct gw;

/** Register the commands (once per process); 0 or -errno. */
int telemetry_register(struct gw *g);

/** Control thread: copy SA counters for /esprit/sa (mgmt_poll calls it). */
void telemetry_poll(struct gw *g);

/** Detach from @p g before its workers go away (mgmt_close calls it). */
void telemetry_stop(void);

#endif
