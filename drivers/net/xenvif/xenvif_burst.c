/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data path of net_xenvif: each burst call drives lib/netif through its three steps
 * (prepare, one grant-copy batch, finish) and notifies the guest at most once per call.
 * Nothing here allocates (beyond mbufs from the queue's pool), locks or logs.
 */
#include <stdatomic.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "xenvif_internal.h"

/* A protocol violation stopped a ring: stop polling and let the control thread disable the
 * vif (it logs, writes the error node and disconnects). */
static void queue_fatal(struct xenvif_queue *q, enum nif_fatal reason)
{
	unsigned int none = NIF_FATAL_NONE;

	atomic_store_explicit(&q->enabled, 0, memory_order_relaxed);
	if (atomic_compare_exchange_strong(&q->fatal, &none, (unsigned int)reason))
		xenvif_ctrl_kick(q->vif);
}

static inline void guest_notify(struct xenvif_queue *q, int port)
{
	if (xen_hv_evtchn_notify(q->hv, (evtchn_port_t)port) == 0)
		q->stats.evtchn_notify++;
}

static inline int issue_copies(struct xenvif_queue *q, uint32_t nb_segs, nif_gcopy_seg *segs)
{
	int rc;

	if (nb_segs == 0)
		return 0;
	rc = xen_hv_grant_copy(q->hv, nb_segs, segs);
	if (unlikely(rc < 0))
		q->stats.gcopy_failed++;
	return rc;
}

/* A rate the control thread published (rate_changed): ours from the next packet on. */
static void rate_apply(struct xenvif_queue *q)
{
	q->rate_seen = atomic_load_explicit(&q->rate_seq, memory_order_acquire);
	nif_txq_set_rate(q->guest_tx,
			 atomic_load_explicit(&q->rate_bytes, memory_order_relaxed),
			 atomic_load_explicit(&q->rate_usec, memory_order_relaxed));
}

/*
 * ethdev rx_burst: packets the guest sent (its TX ring).
 *
 * The budget is in packets consumed, not delivered: a runt, a multicast request, a failed
 * copy or a frame dropped after the copy is answered but delivers nothing, and a guest that
 * reposts such requests as fast as we answer would otherwise keep this call (and every other
 * port of the worker) going for as long as it likes. So one call consumes at most @p nb_pkts
 * packets' requests (each at most NIF_TX_FATAL_SLOTS slots plus its extra-info slots), like
 * the NAPI budget of xen-netback's xenvif_poll; the rest waits for the next poll, after the
 * worker's other ports had their turn. A disable from the control thread is seen between
 * rounds, so dev_stop never waits for more than one round.
 */
uint16_t xenvif_rx_burst(void *queue, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	struct xenvif_queue *q = queue;
	uint16_t nb_rx = 0, consumed = 0;
	bool notify = false;

	if (unlikely(!xenvif_burst_enter(q, &q->in_rx)))
		goto out;
	if (unlikely(atomic_load_explicit(&q->rate_seq, memory_order_acquire) != q->rate_seen))
		rate_apply(q);
	while (consumed < nb_pkts &&
	       atomic_load_explicit(&q->enabled, memory_order_relaxed) != 0) {
		uint16_t want = RTE_MIN(nb_pkts - consumed, XENVIF_BURST_MAX);
		uint16_t nb_prep, nb_out = 0;
		nif_gcopy_seg *segs;
		uint32_t nb_segs;
		bool more_notify = false;
		int rc;

		/* every prepare is finished, even an empty one (lib/netif's contract) */
		nb_prep = nif_tx_prepare_burst(q->guest_tx, want);
		nb_segs = nif_tx_gcopy_segs(q->guest_tx, &segs);
		rc = issue_copies(q, nb_segs, segs);
		nif_tx_finish_burst(q->guest_tx, rc, pkts + nb_rx, &nb_out, &more_notify);
		nb_rx += nb_out;
		consumed += nb_prep;
		notify |= more_notify;
		if (nb_prep < want)
			break;
	}
	if (notify)
		guest_notify(q, q->port_tx);
	if (unlikely(nif_txq_fatal(q->guest_tx) != NIF_FATAL_NONE))
		queue_fatal(q, nif_txq_fatal(q->guest_tx));
out:
	xenvif_burst_leave(&q->in_rx);
	return nb_rx;
}

/*
 * The guest posted no RX buffers for a while (it stopped consuming). Like xen-netback's
 * rx_stall_timeout, do not let it hold the caller's mbufs: after stall_tsc without progress
 * take and drop what it is given, counted, until it posts buffers again (XSA-392).
 */
static uint16_t stall_check(struct xenvif_queue *q, struct rte_mbuf **pkts, uint16_t nb_left,
			    bool progress)
{
	uint64_t now;

	if (progress || nb_left == 0) {
		q->stall_since = 0;
		return 0;
	}
	now = rte_get_tsc_cycles();
	if (q->stall_since == 0) {
		q->stall_since = now;
		return 0;
	}
	if (now - q->stall_since < q->vif->stall_tsc)
		return 0;
	rte_pktmbuf_free_bulk(pkts, nb_left);
	q->stats.rx_stall_drops += nb_left;
	return nb_left;
}

/* ethdev tx_burst: packets for the guest (its RX ring). Untaken packets stay the caller's. */
uint16_t xenvif_tx_burst(void *queue, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	struct xenvif_queue *q = queue;
	uint16_t nb_tx = 0;
	bool notify = false;

	if (unlikely(!xenvif_burst_enter(q, &q->in_tx))) {
		q->stats.rx_not_connected++;
		goto out;
	}
	/* Bounded by nb_pkts: every packet prepare takes counts, delivered or dropped. */
	while (nb_tx < nb_pkts &&
	       atomic_load_explicit(&q->enabled, memory_order_relaxed) != 0) {
		uint16_t want = RTE_MIN(nb_pkts - nb_tx, XENVIF_BURST_MAX);
		uint16_t nb_prep;
		nif_gcopy_seg *segs;
		uint32_t nb_segs;
		bool more_notify = false;
		int rc;

		nb_prep = nif_rx_prepare_burst(q->guest_rx, pkts + nb_tx, want);
		nb_segs = nif_rx_gcopy_segs(q->guest_rx, &segs);
		rc = issue_copies(q, nb_segs, segs);
		nif_rx_finish_burst(q->guest_rx, rc, &more_notify);
		nb_tx += nb_prep;
		notify |= more_notify;
		if (nb_prep < want)
			break;
	}
	if (notify)
		guest_notify(q, q->port_rx);
	if (unlikely(nif_rxq_fatal(q->guest_rx) != NIF_FATAL_NONE))
		queue_fatal(q, nif_rxq_fatal(q->guest_rx));
	else
		nb_tx += stall_check(q, pkts + nb_tx, nb_pkts - nb_tx, nb_tx > 0);
out:
	xenvif_burst_leave(&q->in_tx);
	return nb_tx;
}
