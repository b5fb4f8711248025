/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside the management socket: the JSON helpers mgmt.c shares with the
 * request handlers kept in their own files (mgmt_ike.c: IKE SAs and
 * `reload`). Not a public header.
 */
#ifndef ESPRIT_CONTROL_MGMT_INT_H
#define ESPRIT_CONTROL_MGMT_INT_H

#include <stdint.h>
#include <jansson.h>

#include "dataplane/addr.h"

struct gw;

/* {"ok":false,"error":...} and {"ok":true}. */
json_t *mgmt_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
json_t *mgmt_ok(void);
/* The next whitespace-separated word of *s, NUL-terminated in place. */
char *mgmt_word(char **s);
json_t *mgmt_addr_json(const struct esp_addr *a);
json_t *mgmt_prefix_json(uint8_t family, const uint8_t *bytes, uint8_t len);
json_t *mgmt_spi_json(uint32_t spi);
/* "0x1001" or "4097": 0 or -EINVAL. */
int mgmt_parse_spi(const char *s, uint32_t *spi);

/* mgmt_ike.c: "ike ..." and "reload". */
json_t *mgmt_req_ike(struct gw *g, char *rest);
json_t *mgmt_req_reload(struct gw *g);

#endif
