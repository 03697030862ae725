/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file xsd_server.h
 * The daemon's whole state, shared by the request handlers (xsd_ops) and the poll loop
 * (xsd_main). Single-threaded: nothing here is locked.
 */
#ifndef XSD_SERVER_H
#define XSD_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "xsd_conn.h"
#include "xsd_perms.h"
#include "xsd_tree.h"

struct xsd_server {
	struct xsd_tree *tree;     /**< the live tree */
	uint64_t gen;              /**< generation counter of the tree and its copies */
	struct xsd_conn *conns;    /**< every connection, dead ones until the loop frees them */
	uint32_t nr_conns;
	uint32_t next_conn_id;
	uint32_t next_txn_id;      /**< last transaction id handed out (ids are never 0) */
	/** Domains announced with XS_INTRODUCE and not yet released; dom0 always. */
	uint8_t introduced[(XSD_DOMID_MAX + 1) / 8];
};

static inline bool xsd_server_introduced(const struct xsd_server *s, uint32_t domid)
{
	return domid <= XSD_DOMID_MAX && (s->introduced[domid / 8] >> (domid % 8)) & 1;
}

static inline void xsd_server_set_introduced(struct xsd_server *s, uint32_t domid, bool on)
{
	if (domid > XSD_DOMID_MAX)
		return;
	if (on)
		s->introduced[domid / 8] |= (uint8_t)(1u << (domid % 8));
	else
		s->introduced[domid / 8] &= (uint8_t)~(1u << (domid % 8));
}

#endif /* XSD_SERVER_H */
