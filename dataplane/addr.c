/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "dataplane/addr.h"

int esp_addr_parse(const char *s, struct esp_addr *addr, uint8_t *plen)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);

	if (n == 0 || n >= INET6_ADDRSTRLEN)
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	memset(addr, 0, sizeof(*addr));
	if (inet_pton(AF_INET, buf, addr->bytes) == 1)
		addr->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, addr->bytes) == 1)
		addr->family = AF_INET6;
	else
		return -EINVAL;

	unsigned max = esp_addr_len(addr->family) * 8;
	if (slash == NULL) {
		if (plen != NULL)
			*plen = (uint8_t)max;
		return 0;
	}
	if (plen == NULL)
		return -EINVAL;
	char *end;
	unsigned long l = strtoul(slash + 1, &end, 10);
	if (end == slash + 1 || *end != '\0' || l > max)
		return -EINVAL;
	*plen = (uint8_t)l;
	return 0;
}

const char *esp_addr_fmt(const struct esp_addr *addr, char *buf, size_t len)
{
	if (addr->family == 0 || inet_ntop(addr->family, addr->bytes, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "-");
	return buf;
}
