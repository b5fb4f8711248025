/* SPDX-License-Identifier: BSD-3-Clause */
/** @file The esp_inbound fuzz entry and its packet sealer (tests only). */
#ifndef ESPRIT_TESTS_FUZZ_ESP_IN_H
#define ESPRIT_TESTS_FUZZ_ESP_IN_H

#include <stddef.h>
#include <stdint.h>

enum {
	FUZZ_ESP_NSA = 4,          /**< fixed inbound SAs, chosen by byte 0 */
	FUZZ_ESP_SEAL = 0x04,      /**< byte 0 flag: the rest is plaintext */
};

/**
 * Input: byte 0 = SA index (bits 0-1) | FUZZ_ESP_SEAL; then either the
 * whole packet from the outer IP header, or (SEAL) an ESP plaintext that
 * is first sealed into a valid packet for that SA, so the fuzzer also
 * reaches the trailer and inner-packet checks behind the ICV.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/**
 * Seal @p pt (len rounded down to 4 octets) into a valid packet for SA
 * @p idx with its next sequence number. Returns the packet length or 0.
 */
size_t fuzz_esp_in_seal(unsigned idx, const uint8_t *pt, size_t len, uint8_t *out, size_t cap);

/** Packets esp_inbound accepted so far (for the plain test's sanity). */
uint64_t fuzz_esp_in_accepted(void);

#endif
