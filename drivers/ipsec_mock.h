/* SPDX-License-Identifier: BSD-3-Clause */
/** @file The mock SA driver's state, visible to tests. */
#ifndef ESPRIT_DRIVERS_IPSEC_MOCK_H
#define ESPRIT_DRIVERS_IPSEC_MOCK_H

#include "drivers/ipsec.h"

enum { MOCK_SAS_MAX = 256, MOCK_POLS_MAX = 256, MOCK_EVENTS_MAX = 64 };

struct mock_sa {
	struct esp_sa_params p;
	struct esp_sa_stats stats;
};

struct mock_drv {
	struct drv_ipsec base;
	unsigned n_sas, n_pols, n_events;
	struct mock_sa sas[MOCK_SAS_MAX];
	struct drv_policy pols[MOCK_POLS_MAX];
	struct esp_event events[MOCK_EVENTS_MAX];
	uint32_t next_spi;
	unsigned calls, polls;
};

/** The mock's SA (@p spi, @p dir), or NULL: for tests to inspect or change. */
struct mock_sa *mock_sa_find(struct mock_drv *m, uint32_t spi, enum esp_dir dir);

#endif
