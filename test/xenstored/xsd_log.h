/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file xsd_log.h
 * Logging for dnb-xenstored: one line per event, to stderr or to the --log file.
 */
#ifndef XSD_LOG_H
#define XSD_LOG_H

#include <stdbool.h>

enum xsd_log_level {
	XSD_LOG_ERR,
	XSD_LOG_WARN,
	XSD_LOG_INFO,
	XSD_LOG_DEBUG, /**< per-request trace, only with -v */
};

/**
 * Send the log to @p path (opened for append) instead of stderr.
 * @return 0, or -errno when the file cannot be opened (the log stays on stderr).
 */
int xsd_log_open(const char *path);

/** Let DEBUG lines through (-v). */
void xsd_log_set_verbose(bool verbose);

/** True when DEBUG lines are printed: lets callers skip building a trace line. */
bool xsd_log_verbose(void);

/** Print one line, prefixed with a timestamp and the level. */
void xsd_log(enum xsd_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/** Close the --log file, if any. */
void xsd_log_close(void);

#endif /* XSD_LOG_H */
