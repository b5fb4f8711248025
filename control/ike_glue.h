/* SPDX-License-Identifier: BSD-3-Clause */
/** @file The IKEv2 engine inside espritd (see ike_glue.c). */
#ifndef ESPRIT_CONTROL_IKE_GLUE_H
#define ESPRIT_CONTROL_IKE_GLUE_H

#include <stddef.h>

struct gw;

/**
 * Start the IKE engine when the configuration has connections: IKE I/O
 * over the punt rings, the connections, and the children whose
 * start_action is "start". 0 or -errno with @p err set.
 */
int ike_glue_start(struct gw *g, char *err, size_t errlen);
/** Timers (retransmission, DPD, rekeys) and lifetime events; cheap to call often. */
void ike_glue_tick(struct gw *g);
void ike_glue_stop(struct gw *g);

#endif
