/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file xsd_listen.h
 * Listening Unix stream sockets, each tied to the domid its clients act as.
 */
#ifndef XSD_LISTEN_H
#define XSD_LISTEN_H

#include <stdint.h>

struct xsd_listener {
	int fd;
	uint32_t domid;   /**< clients accepted here act as this domain */
	const char *path; /**< borrowed from argv; unlinked at shutdown */
};

/**
 * Bind and listen on @p path (non-blocking, close-on-exec). The file appears only once
 * the socket accepts connections. A stale socket file nobody listens on is replaced; a
 * live one is an error.
 * @return 0 (l->fd set), or -errno: -EADDRINUSE for a live socket, -ENAMETOOLONG.
 */
int xsd_listen_open(struct xsd_listener *l, const char *path, uint32_t domid);

/** Close and unlink. */
void xsd_listen_close(struct xsd_listener *l);

#endif /* XSD_LISTEN_H */
