/* SPDX-License-Identifier: BSD-3-Clause */
/* Name tables for logs, generated from the X-macros of ike_wire.h. */
#include <stddef.h>

#include "control/ike/ike_wire.h"

const char *ike_exchange_name(int type)
{
	switch (type) {
#define X(name, val) case val: return #name;
	IKE_EXCHANGE_TYPES(X)
#undef X
	default: return "UNKNOWN";
	}
}

const char *ike_payload_name(int type)
{
	switch (type) {
#define X(name, val) case val: return #name;
	IKE_PAYLOAD_TYPES(X)
#undef X
	default: return "UNKNOWN";
	}
}

const char *ike_notify_name(int type)
{
	switch (type) {
#define X(name, val) case val: return #name;
	IKE_NOTIFY_TYPES(X)
#undef X
	default: return "UNKNOWN";
	}
}
