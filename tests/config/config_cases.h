/* SPDX-License-Identifier: BSD-3-Clause */
/** @file Configuration texts shared by the config suite and the mutation test. */
#ifndef ESPRIT_TESTS_CONFIG_CASES_H
#define ESPRIT_TESTS_CONFIG_CASES_H

#include <stddef.h>

/** A broken configuration and a substring its error message must contain. */
struct cfg_bad_case {
	const char *what;
	const char *text;
	const char *expect;
};

extern const struct cfg_bad_case cfg_bad_cases[];
extern const size_t cfg_n_bad_cases;

/** The full example configuration (every section, both families). */
extern const char cfg_valid_text[];

/** A runtime SA in `espritctl sa add` syntax, valid against cfg_valid_text. */
extern const char cfg_valid_sa_text[];

#endif
