/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * espritd's management socket (AF_UNIX, stream, mode 0600).
 *
 * A client connects, sends one request line and reads one JSON document;
 * the server then closes. Requests:
 *
 *     sa list                     sa show SPI [in|out]
 *     sa add { SA in config syntax }   (one line)
 *     sa del SPI in|out           policy list
 *     port stats                  worker stats      version
 *     ike list|initiate|rekey|terminate ...     reload
 *
 * Answers are {"ok":true, ...} or {"ok":false,"error":"..."}.
 * Everything runs on the control thread from mgmt_poll(), which never
 * waits for long: a client that does not send its line within
 * MGMT_IO_TIMEOUT_MS is dropped.
 */
#ifndef ESPRIT_CONTROL_MGMT_H
#define ESPRIT_CONTROL_MGMT_H

#include <stddef.h>

struct gw;

enum mgmt_limits {
	MGMT_REQ_MAX = 16384,       /**< longest request line */
	MGMT_IO_TIMEOUT_MS = 200,   /**< per client, reading the request */
	MGMT_SEND_TIMEOUT_MS = 1000,/**< per client, writing the answer */
	MGMT_ACCEPT_BURST = 4,      /**< clients served per mgmt_poll() */
};

/**
 * Listen on @p path: create its directory if missing, replace a stale
 * socket (refuse when another espritd answers on it). Sets g->mgmt_fd.
 * 0 or -errno with @p err set.
 */
int mgmt_open(struct gw *g, const char *path, char *err, size_t errlen);

/**
 * Serve the clients waiting now (at most MGMT_ACCEPT_BURST), and refresh
 * the telemetry snapshot once a second. Call from the control loop.
 */
void mgmt_poll(struct gw *g);

/** Close and unlink the socket; also stops the telemetry callbacks. */
void mgmt_close(struct gw *g);

/**
 * Answer one request line: a malloc'd, newline-terminated JSON text
 * (NULL only when out of memory). mgmt_poll() uses it; tests may too.
 */
char *mgmt_handle(struct gw *g, const char *line);

#endif
