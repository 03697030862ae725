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

/* A headroom the control thread published (headroom_changed): from the next packet on.
 * Looked at again inside the burst: a reconnect meanwhile took the frontend's latest. */
static void headroom_apply(struct xenvif_queue *q)
{
	unsigned int seq = atomic_load_explicit(&q->headroom_seq, memory_order_acquire);
	uint16_t h = atomic_load_explicit(&q->headroom, memory_order_relaxed);

	if (seq == q->headroom_seen)
		return;
	q->headroom_seen = seq;
	/* Outside a burst, and xb bounds it: a refusal would leave the old layout. */
	if (nif_rxq_set_headroom(q->guest_rx, h) == 0) {
		q->stats.rx_headroom_changes++;
		q->stats.rx_headroom = h;
	}
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
 * Has the guest stopped consuming? Frames wait for its RX buffers (in the backlog, or
 * refused) and none went for stall_tsc. Like xen-netback's rx_stall_timeout, it must not
 * then hold the caller's mbufs (XSA-392): the caller drops the backlog and what comes next,
 * counted, until the guest posts buffers again.
 */
static bool stalled(struct xenvif_queue *q, bool waiting, bool progress)
{
	uint64_t now;

	if (progress || !waiting) {
		q->stall_since = 0;
		return false;
	}
	now = rte_get_tsc_cycles();
	if (q->stall_since == 0) {
		q->stall_since = now;
		return false;
	}
	return now - q->stall_since >= q->vif->stall_tsc;
}

/* xenvif_send_fn: frames into the guest's RX ring, in rounds of at most XENVIF_BURST_MAX. */
static uint16_t ring_send(struct xenvif_queue *q, struct rte_mbuf **pkts, uint16_t nb,
			  bool *notify)
{
	uint16_t done = 0;

	/* Bounded by nb: every packet prepare takes counts, delivered or dropped. */
	while (done < nb && atomic_load_explicit(&q->enabled, memory_order_relaxed) != 0) {
		uint16_t want = RTE_MIN(nb - done, XENVIF_BURST_MAX);
		uint16_t nb_prep;
		nif_gcopy_seg *segs;
		uint32_t nb_segs;
		bool more_notify = false;
		int rc;

		nb_prep = nif_rx_prepare_burst(q->guest_rx, pkts + done, want);
		nb_segs = nif_rx_gcopy_segs(q->guest_rx, &segs);
		rc = issue_copies(q, nb_segs, segs);
		nif_rx_finish_burst(q->guest_rx, rc, &more_notify);
		done += nb_prep;
		*notify |= more_notify;
		if (nb_prep < want)
			break;
	}
	return done;
}

/* What the guest last set over its control ring: hash extras on what we send it from now on
 * (the control thread published it; read once per burst, copied only when it changed). */
static void hash_refresh(struct xenvif_queue *q)
{
	struct nif_hash h;

	if (nif_ctrl_hash_read(q->vif->cring, &h, &q->hash_gen))
		nif_rxq_set_hash(q->guest_rx, &h);
}

/*
 * ethdev tx_burst: packets for the guest (its RX ring). What the ring has no posted buffers
 * for goes to the backlog, while it has room, and out first at the next call (a call with
 * no packets only flushes it); the rest stays the caller's.
 */
uint16_t xenvif_tx_burst(void *queue, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	struct xenvif_queue *q = queue;
	uint16_t nb_tx = 0, sent = 0;
	bool notify = false;

	bool new_headroom = atomic_load_explicit(&q->headroom_seq, memory_order_relaxed) !=
			    q->headroom_seen;

	/* the flush call of an idle queue: nothing to enter for, unless a new headroom waits
	 * (applied here, so a queue without traffic is not left on the old one) */
	if (nb_pkts == 0 && xenvif_backlog_pending(q) == 0 && likely(!new_headroom))
		return 0;
	if (unlikely(!xenvif_burst_enter(q, &q->in_tx))) {
		q->stats.rx_not_connected += nb_pkts != 0;
		goto out;
	}
	if (q->vif->cring != NULL)
		hash_refresh(q);
	if (unlikely(new_headroom))
		headroom_apply(q);
	if (q->backlog.nb != 0)
		sent = xenvif_backlog_flush(q, ring_send, &notify);
	if (q->backlog.nb == 0) {
		nb_tx = ring_send(q, pkts, nb_pkts, &notify);
		sent += nb_tx;
	}
	if (notify)
		guest_notify(q, q->port_rx);
	if (unlikely(nif_rxq_fatal(q->guest_rx) != NIF_FATAL_NONE)) {
		queue_fatal(q, nif_rxq_fatal(q->guest_rx));
		goto out;
	}
	/* what the ring had no buffers for waits in the backlog, unless the guest stalled */
	if (!stalled(q, nb_tx < nb_pkts || q->backlog.nb != 0, sent > 0)) {
		while (nb_tx < nb_pkts && xenvif_backlog_push(q, pkts[nb_tx]))
			nb_tx++;
	} else {
		xenvif_backlog_purge(q);
		rte_pktmbuf_free_bulk(pkts + nb_tx, nb_pkts - nb_tx);
		q->stats.rx_stall_drops += nb_pkts - nb_tx;
		nb_tx = nb_pkts;
	}
out:
	xenvif_burst_leave(&q->in_tx);
	return nb_tx;
}
