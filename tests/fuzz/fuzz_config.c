/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for control/config.c: any text handed to
 * config_load_string() or config_parse_sa() (the latter is reachable from
 * the management socket) must yield 0 or an error message, never a crash.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct esprit_config cfg;
	struct cfg_sa sa;
	char err[512];
	char *text = malloc(size + 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	/* On failure cfg holds the defaults, still good for config_parse_sa. */
	if (config_load_string(&cfg, text, "fuzz", err, sizeof(err)) == 0 && cfg.n_sas > 0) {
		/* Whatever loads must be self-consistent. */
		for (unsigned i = 0; i < cfg.n_policies; i++)
			if (cfg.policies[i].action == SPD_PROTECT && cfg.policies[i].sa_spi == 0)
				abort();
	}
	err[sizeof(err) - 1] = '\0';
	if (strlen(err) >= sizeof(err))
		abort();
	(void)config_parse_sa(&cfg, text, &sa, err, sizeof(err));
	config_free(&cfg);
	free(text);
	return 0;
}
