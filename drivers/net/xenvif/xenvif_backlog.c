/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tx_burst's backlog: frames for the guest that found its RX ring without posted buffers,
 * kept (bounded) and sent first when it posts some, as xen-netback keeps them in its
 * rx_queue (rx.c: xenvif_rx_queue_tail, xenvif_rx_dequeue, xenvif_rx_queue_purge) instead
 * of dropping them. Without it every burst larger than what the guest has posted loses
 * frames, and a TCP stream into a guest that is a little late (a vCPU descheduled for a
 * moment) goes into retransmission. Like a NIC's TX descriptor ring, it belongs to the lcore
 * calling tx_burst: a call with no packets (rte_eth_tx_burst(port, q, pkts, 0)) flushes it.
 */
#include <string.h>

#include <rte_mbuf.h>

#include "xenvif_internal.h"

/* The backlog's frame count for a reader on another thread (rx_intr_enable's hint). */
static inline void backlog_set_nb(struct xenvif_backlog *b, uint16_t nb)
{
	__atomic_store_n(&b->nb, nb, __ATOMIC_RELAXED);
}

uint16_t xenvif_backlog_pending(const struct xenvif_queue *q)
{
	return __atomic_load_n(&q->backlog.nb, __ATOMIC_RELAXED);
}

bool xenvif_backlog_push(struct xenvif_queue *q, struct rte_mbuf *m)
{
	struct xenvif_backlog *b = &q->backlog;

	if (b->nb == XENVIF_BACKLOG_PKTS || b->bytes + m->pkt_len > XENVIF_BACKLOG_BYTES ||
	    b->mbufs + m->nb_segs > XENVIF_BACKLOG_MBUFS) {
		q->stats.rx_backlog_full++;
		return false;
	}
	b->pkts[b->nb] = m;
	b->sizes[b->nb].bytes = m->pkt_len;
	b->sizes[b->nb].mbufs = m->nb_segs;
	b->bytes += m->pkt_len;
	b->mbufs += m->nb_segs;
	backlog_set_nb(b, b->nb + 1);
	q->stats.rx_backlog_pkts++;
	return true;
}

uint16_t xenvif_backlog_flush(struct xenvif_queue *q, xenvif_send_fn send, bool *notify)
{
	struct xenvif_backlog *b = &q->backlog;
	uint16_t sent;

	if (b->nb == 0)
		return 0;
	sent = send(q, b->pkts, b->nb, notify);
	for (uint16_t i = 0; i < sent; i++) {
		/* lib/netif freed the frames it took: only their sizes are read, from our copy */
		b->bytes -= b->sizes[i].bytes;
		b->mbufs -= b->sizes[i].mbufs;
	}
	memmove(b->pkts, b->pkts + sent, (size_t)(b->nb - sent) * sizeof(b->pkts[0]));
	memmove(b->sizes, b->sizes + sent, (size_t)(b->nb - sent) * sizeof(b->sizes[0]));
	backlog_set_nb(b, b->nb - sent);
	return sent;
}

void xenvif_backlog_purge(struct xenvif_queue *q)
{
	struct xenvif_backlog *b = &q->backlog;

	if (b->nb == 0)
		return;
	rte_pktmbuf_free_bulk(b->pkts, b->nb);
	q->stats.rx_backlog_drops += b->nb;
	b->bytes = b->mbufs = 0;
	backlog_set_nb(b, 0);
}
