/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file xsd_conn.h
 * One client connection: framing of xsd_sockmsg messages in, a bounded queue of messages
 * out, and the per-connection state (domid, watches, transactions).
 *
 * Output bound: replies and watch events queue in memory while the socket is full. Past
 * @c out_limit bytes the connection is killed (logged), so a client that never reads its
 * watch events cannot grow the daemon without bound. Requests are not read while more
 * than half of the bound is queued, so a client that pipelines requests without reading
 * replies is slowed, not killed; only events, which the daemon cannot hold back, push a
 * connection over the bound.
 *
 * Framing: a header whose len exceeds XENSTORE_PAYLOAD_MAX cannot be skipped safely (the
 * stream has no resync point), so such a connection is killed, as xenstored does.
 */
#ifndef XSD_CONN_H
#define XSD_CONN_H

#include <errno.h> /* before xs_wire.h: it defines xsd_errors only when EINVAL is */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <xen/io/xs_wire.h>

struct xsd_txn;

/** A registered watch. */
struct xsd_watch {
	struct xsd_watch *next;
	char *path;    /**< as the client gave it (events are reported in this form) */
	char *abs;     /**< resolved absolute name, or the special name */
	char *token;
	bool relative; /**< events drop the "/local/domain/<domid>/" prefix */
};

struct xsd_outbuf {
	struct xsd_outbuf *next;
	size_t len;    /**< bytes in data */
	size_t off;    /**< bytes already written */
	char data[];
};

/** Per-connection quotas, from the command line. */
struct xsd_conn_limits {
	size_t out_limit;     /**< queued output bytes before the connection is killed */
	uint32_t max_watches; /**< XS_WATCH beyond this fails with E2BIG */
	uint32_t max_txns;    /**< XS_TRANSACTION_START beyond this fails with ENOSPC */
};

struct xsd_conn {
	struct xsd_conn *next;
	int fd;
	uint32_t id;          /**< serial number, for the log */
	uint32_t domid;       /**< 0: privileged (the --socket); else from --domain-socket */
	bool dead;            /**< to be freed by the main loop; sends are dropped */
	struct xsd_conn_limits lim;
	/* input: one message at a time; +1 keeps a NUL after the payload */
	char in[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX + 1];
	uint32_t in_have;
	/* output */
	struct xsd_outbuf *out_head, *out_tail;
	size_t out_bytes;
	/* state */
	struct xsd_watch *watches;
	uint32_t nr_watches;
	struct xsd_txn **txns; /**< lim.max_txns slots, NULL when free */
	uint32_t nr_txns;
};

/**
 * Wrap an accepted, non-blocking socket. Takes ownership of @p fd (closed on failure).
 * @return the connection or NULL (out of memory).
 */
struct xsd_conn *xsd_conn_new(int fd, uint32_t domid, uint32_t id,
			      const struct xsd_conn_limits *lim);

/** Close the socket and free everything the connection holds (watches, transactions). */
void xsd_conn_free(struct xsd_conn *c);

/** Mark @p c dead and log @p why once; it is freed by the main loop. */
void xsd_conn_kill(struct xsd_conn *c, const char *why);

/**
 * Queue one message: header {type, req_id, tx_id, len = sum of @p iov} and the payload.
 * @return 0; -E2BIG if the payload exceeds XENSTORE_PAYLOAD_MAX (nothing queued);
 *         -ENOBUFS when the queue bound was crossed (the connection is killed);
 *         -EPIPE on a dead connection; -ENOMEM (killed).
 */
int xsd_conn_send(struct xsd_conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
		  const struct iovec *iov, int nr_iov);

/** Write queued output until the socket is full. Kills the connection on a write error. */
void xsd_conn_flush(struct xsd_conn *c);

/** True while the main loop should poll @p c for input (alive, output under half the bound). */
bool xsd_conn_wants_input(const struct xsd_conn *c);

/**
 * Handler for one complete request. @p body holds hdr->len bytes followed by a NUL guard
 * (so string functions stop inside the buffer); it is valid only during the call.
 */
typedef void (*xsd_conn_msg_fn)(void *arg, struct xsd_conn *c, const struct xsd_sockmsg *hdr,
				char *body);

/**
 * Read what the socket has and hand each complete message to @p fn, at most @p budget
 * of them (fairness between clients). EOF, read errors and over-long headers kill @p c.
 */
void xsd_conn_receive(struct xsd_conn *c, unsigned int budget, xsd_conn_msg_fn fn, void *arg);

#endif /* XSD_CONN_H */
