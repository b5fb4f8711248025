/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Internals shared by the configuration parsers (config.c for the
 * dataplane sections, config_ike.c for `connections`). Every helper reports
 * errors as "FILE:LINE: setting 'path': what" and returns -EINVAL.
 */
#ifndef ESPRIT_CONTROL_CONFIG_INT_H
#define ESPRIT_CONTROL_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libconfig.h>

#include "control/config.h"

enum { CFG_KEYMAT_MAX = 64 };   /**< cipher key + salt, octets */

/** Parse context: where errors go and what to call the input. */
struct parser {
	const char *file;
	char *err;
	size_t errlen;
};

/* Report a problem with setting @p s (or its missing @p member). */
__attribute__((format(printf, 4, 5)))
int perr(struct parser *ps, const config_setting_t *s, const char *member, const char *fmt, ...);
int copy_str(char *dst, size_t size, const char *src);
/* @p g must be a group holding only settings named in @p allowed. */
int check_group(struct parser *ps, const config_setting_t *g, const char *const *allowed);
int get_list(struct parser *ps, const config_setting_t *g, const char *name, bool groups,
	     config_setting_t **out);
int get_str(struct parser *ps, const config_setting_t *g, const char *name, bool required,
	    const char **out);
int get_int(struct parser *ps, const config_setting_t *g, const char *name, bool required,
	    long long min, long long max, long long *out);
int get_bool(struct parser *ps, const config_setting_t *g, const char *name, bool *out);
int get_name(struct parser *ps, const config_setting_t *g, const char *name, bool required,
	     char *dst, size_t size);
int get_addr(struct parser *ps, const config_setting_t *g, const char *name, bool required,
	     struct esp_addr *a);
int parse_hex(const char *s, uint8_t *out, size_t max, size_t *len);
/* Prefix text @p v of setting @p s (for error messages) into @p p. */
int parse_prefix(struct parser *ps, const config_setting_t *s, const char *v, bool network,
		 struct cfg_prefix *p);
/* An address with prefix length; @p network: host bits must be clear. */
int get_prefix(struct parser *ps, const config_setting_t *g, const char *name, bool required,
	       bool network, struct cfg_prefix *p);

/* config_sa.c: the sas and policies sections */
int parse_sa(struct parser *ps, const struct esprit_config *cfg, const config_setting_t *g,
	     unsigned idx, struct cfg_sa *sa);
int parse_policy(struct parser *ps, struct esprit_config *cfg, const config_setting_t *g,
		 unsigned idx, struct cfg_policy *pol);
/* The SA named @p name, or (name NULL) with @p spi and @p dir; NULL if none. */
const struct cfg_sa *sa_find(const struct esprit_config *cfg, const char *name, uint32_t spi,
			     enum esp_dir dir);

/* config_ike.c */
int config_parse_connections(struct parser *ps, struct esprit_config *cfg,
			     const config_setting_t *root);
void config_free_connections(struct esprit_config *cfg);

#endif
