/* SPDX-License-Identifier: BSD-3-Clause */
/** @file Control-plane logging (never used on the per-packet path). */
#ifndef ESPRIT_CONTROL_LOG_H
#define ESPRIT_CONTROL_LOG_H

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARNING, LOG_LVL_INFO, LOG_LVL_DEBUG };

extern enum log_level log_threshold;

/** Set the threshold from "error", "warning", "info" or "debug". */
int log_set_level(const char *name);

void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...)   log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LVL_WARNING, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) do { if (log_threshold >= LOG_LVL_DEBUG) log_msg(LOG_LVL_DEBUG, __VA_ARGS__); } while (0)

#endif
