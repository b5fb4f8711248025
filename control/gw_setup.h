/* SPDX-License-Identifier: BSD-3-Clause */
/** @file Starting and stopping the gateway (control/gw.c). */
#ifndef ESPRIT_CONTROL_GW_SETUP_H
#define ESPRIT_CONTROL_GW_SETUP_H

#include <stddef.h>

struct gw;

/**
 * Initialise EAL from g->cfg, open the ports, start the workers and
 * program the configured SAs and policies. 0 or -errno with @p err set;
 * on failure the caller exits (the process is half set up).
 */
int gw_start(struct gw *g, char *err, size_t errlen);
/** Stop the workers and release everything. */
void gw_stop(struct gw *g);

#endif
