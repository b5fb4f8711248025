/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Key logging for debugging (off unless ops->keylog is set): the IKE SA
 * and Child SA keys as lines of Wireshark's "ikev2_decryption_table" and
 * "esp_sa" UAT files, so a capture of esprit's own traffic can be
 * decrypted and dissected independently. The lines are secrets: they go
 * only to ops->keylog, never to the log, and are wiped after the call.
 * Not a public header.
 */
#ifndef ESPRIT_IKE_KEYLOG_H
#define ESPRIT_IKE_KEYLOG_H

#include "dataplane/sa.h"

struct ike_engine;
struct ike_sa;

enum { IKE_KEYLOG_LINE_MAX = 768 };

/*
 * The SA's SK_e and SK_a once per key derivation (struct ike_keys.logged,
 * which every derivation clears): called where SK is sealed or opened, so
 * every set of keys is logged before its first message, whichever exchange
 * made it (IKE_SA_INIT, IKE SA rekey, or anything that rederives keys),
 * and when the SA becomes ESTABLISHED (a rekey's new SA, maybe unused yet).
 */
void ike_keylog_sa(struct ike_engine *e, struct ike_sa *sa);
/* One ESP SA as installed in the dataplane (called after each sa_add). */
void ike_keylog_esp(struct ike_engine *e, const struct esp_sa_params *p);

/* The lines themselves (tested on their own): length, or -ENOTSUP when
 * Wireshark has no name for the algorithm, -ENOSPC. */
int ike_keylog_sa_line(const struct ike_sa *sa, char *line, size_t cap);
int ike_keylog_esp_line(const struct esp_sa_params *p, char *line, size_t cap);

#endif /* ESPRIT_IKE_KEYLOG_H */
