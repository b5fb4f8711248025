/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * `espritctl reload` and SIGHUP: re-read the configuration file and apply
 * the difference without dropping what runs.
 *
 * The new file is parsed and checked completely first; an error leaves
 * everything as it was. Then:
 *  - connections: added ones are added (and started when a child has
 *    start_action = start); changed ones replace the old version in the
 *    IKE engine (ike_conn_update(): established IKE SAs move to the new
 *    settings for their next rekey when they can, the installed SAs stay
 *    as negotiated); removed ones no longer match or initiate, and their
 *    IKE SAs are kept until terminated, except that IKE SAs of a removed
 *    connection with a start_action = start child are deleted (as
 *    strongSwan undoes the start action when a connection is unloaded);
 *  - static `sas`: compared by SPI and direction; unchanged ones are not
 *    touched (traffic and counters continue), changed ones updated in
 *    place, removed ones deleted, new ones added;
 *  - `policies`: compared position by position; unchanged ones are not
 *    touched, others replaced, added or deleted;
 *  - esprit.log_level applies at once;
 *  - the rest of `esprit`, `ports`, `routes`, `neighbors` and `labels`
 *    cannot change at run time: a difference is reported as "needs
 *    restart" and the running values stay in effect.
 */
#ifndef ESPRIT_CONTROL_RELOAD_H
#define ESPRIT_CONTROL_RELOAD_H

#include <stddef.h>

struct gw;

enum reload_limits {
	RELOAD_NOTES_MAX = 96,
	RELOAD_NOTE_LEN = 160,
};

struct reload_report {
	unsigned n_changes, n_restart, n_failed;
	char changes[RELOAD_NOTES_MAX][RELOAD_NOTE_LEN];  /**< what was applied */
	char restart[RELOAD_NOTES_MAX][RELOAD_NOTE_LEN];  /**< what needs a restart */
	char failed[RELOAD_NOTES_MAX][RELOAD_NOTE_LEN];   /**< applying this failed */
};

/**
 * Reload g->cfg.path. 0 (see @p r for what happened), or -errno with
 * "file:line: ..." in @p err and nothing changed.
 */
int gw_reload(struct gw *g, struct reload_report *r, char *err, size_t errlen);

/** SIGHUP: reload and log the outcome. */
void gw_reload_logged(struct gw *g);

/** Free configurations kept for IKE SAs that have ended (control loop). */
void gw_reload_gc(struct gw *g);

#endif
