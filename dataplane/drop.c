/* SPDX-License-Identifier: BSD-3-Clause */
#include "dataplane/drop.h"

static const char *const drop_names[ESP_DROP_MAX] = {
#define ESP_DROP_NAME(name, str) [ESP_DROP_##name] = str,
	ESP_DROP_REASONS(ESP_DROP_NAME)
#undef ESP_DROP_NAME
};

const char *esp_drop_name(enum esp_drop reason)
{
	return (unsigned)reason < ESP_DROP_MAX ? drop_names[reason] : "?";
}
