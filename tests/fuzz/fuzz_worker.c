/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: one frame through the worker pipeline of two
 * simulated gateways (tests/worker/worker_fuzz.c). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "tests/worker/worker_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;

	if (!ready) {
		worker_fuzz_init();
		atexit(worker_fuzz_fini);
		ready = 1;
	}
	worker_fuzz_one(data, size);
	return 0;
}
