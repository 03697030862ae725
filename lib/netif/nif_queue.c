/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The head both queue directions share (struct nif_queue): its setup and teardown, written
 * once for nif_rx.c and nif_tx.c. Mirrors the common part of xen-netback's
 * xenvif_init_queue / xenvif_map_frontend_data_rings and xenvif_deinit_queue.
 */
#include <errno.h>

#include <rte_malloc.h>

#include "nif_internal.h"

int nif_queue_init(struct nif_queue *h, const struct nif_queue_conf *c)
{
	h->ring_size = c->ring_size;
	h->attach = c->attach;
	h->domid = c->domid;
	h->max_burst = c->max_burst != 0 ? c->max_burst : NIF_DEFAULT_BURST;
	h->max_segs = c->max_segs;
	h->socket_id = c->socket_id;
	/* As xenvif_map_frontend_data_rings: a ring already holding more requests than slots
	 * is garbage, refused before any of it is served. */
	if (c->attach.req_prod - c->attach.rsp_prod > c->ring_size)
		return -EIO;
	h->segs = nif_queue_array(h, "nif_segs", h->max_segs, sizeof(*h->segs));
	return h->segs != NULL ? 0 : -ENOMEM;
}

void *nif_queue_array(const struct nif_queue *h, const char *name, uint32_t n, size_t size)
{
	return rte_zmalloc_socket(name, size * n, 0, h->socket_id);
}

void nif_queue_fini(struct nif_queue *h)
{
	rte_free(h->segs);
	h->segs = NULL;
}
