/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Guest-TX request validation, mirroring xen-netback's xenvif_tx_build_gops,
 * xenvif_get_extras, xenvif_count_requests and xenvif_set_skb_gso, including which
 * violations are fatal (xenvif_fatal_tx_err: disable the vif) and which only earn the
 * packet an error response (xenvif_tx_err).
 *
 * Each ring slot is copied into a local exactly once (RING_COPY_REQUEST); all checks and
 * all later use read the copy. Nothing is consumed here: the caller advances req_cons.
 */
#include "nif_internal.h"

void nif_tx_set_fatal(struct nif_txq *q, enum nif_fatal reason)
{
	struct nif_tx_stats *st = &q->stats;

	q->h.fatal = reason;
	switch (reason) {
	case NIF_FATAL_IMPOSSIBLE_REQS:
		st->tx_fatal_impossible_reqs++;
		break;
	case NIF_FATAL_MISSING_EXTRA:
		st->tx_fatal_missing_extra++;
		break;
	case NIF_FATAL_BAD_EXTRA_TYPE:
		st->tx_fatal_bad_extra_type++;
		break;
	case NIF_FATAL_SLOTS_EXCEED_REQS:
		st->tx_fatal_slots_exceed_reqs++;
		break;
	case NIF_FATAL_TOO_MANY_SLOTS:
		st->tx_fatal_too_many_slots++;
		break;
	case NIF_FATAL_CROSS_PAGE:
		st->tx_fatal_cross_page++;
		break;
	case NIF_FATAL_GSO_SIZE_ZERO:
		st->tx_fatal_gso_size++;
		break;
	case NIF_FATAL_GSO_BAD_TYPE:
		st->tx_fatal_gso_type++;
		break;
	default:
		break;
	}
}

static void tx_note_slot(struct nif_txq *q, RING_IDX idx, uint16_t id, bool null_rsp)
{
	q->rsp_id[idx & (q->h.ring_size - 1)] = id;
	q->rsp_null[idx & (q->h.ring_size - 1)] = null_rsp;
}

/* xenvif_get_extras: 0, or -1 with q->h.fatal set. *work counts the slots still posted. */
static int tx_get_extras(struct nif_txq *q, struct nif_tx_req_set *rs, RING_IDX idx,
			 int *work)
{
	netif_extra_info_t extra;

	do {
		if ((*work)-- <= 0) {
			nif_tx_set_fatal(q, NIF_FATAL_MISSING_EXTRA);
			return -1;
		}
		RING_COPY_REQUEST(&q->ring, idx, &extra);
		tx_note_slot(q, idx, 0, true);
		idx++;
		rs->nb_extras++;
		if (extra.type == XEN_NETIF_EXTRA_TYPE_NONE ||
		    extra.type >= XEN_NETIF_EXTRA_TYPE_MAX) {
			nif_tx_set_fatal(q, NIF_FATAL_BAD_EXTRA_TYPE);
			return -1;
		}
		rs->extras[extra.type - 1] = extra;
	} while (extra.flags & XEN_NETIF_EXTRA_FLAG_MORE);
	return 0;
}

/*
 * xenvif_count_requests: walk the NETTXF_more_data chain after the first slot (at @idx).
 * Subtracts each follow-up's size from rs->first.size, leaving the first slot's own size.
 * @return NIF_TX_PACKET, NIF_TX_ERROR (counted) or NIF_TX_FATAL.
 */
static enum nif_tx_verdict tx_count_requests(struct nif_txq *q, struct nif_tx_req_set *rs,
					     RING_IDX idx, int work)
{
	uint64_t *drop_cause = NULL;
	uint16_t nfr = 0;
	bool more;

	if (!(rs->first.flags & NETTXF_more_data))
		return NIF_TX_PACKET;
	do {
		netif_tx_request_t txp;

		if (nfr >= work) {
			nif_tx_set_fatal(q, NIF_FATAL_SLOTS_EXCEED_REQS);
			return NIF_TX_FATAL;
		}
		if (nfr >= NIF_TX_FATAL_SLOTS) {
			nif_tx_set_fatal(q, NIF_FATAL_TOO_MANY_SLOTS);
			return NIF_TX_FATAL;
		}
		/* Legacy limit: more slots than MAX_SKB_FRAGS ever was is dropped, not fatal. */
		if (drop_cause == NULL && nfr >= NIF_MAX_DATA_SLOTS)
			drop_cause = &q->stats.tx_drop_too_many_slots;
		RING_COPY_REQUEST(&q->ring, idx + nfr, &txp);
		tx_note_slot(q, idx + nfr, txp.id, false);
		/* A >= 64 KiB frame overflowed first->size: buggy, not malicious. */
		if (drop_cause == NULL && txp.size > rs->first.size)
			drop_cause = &q->stats.tx_drop_size_overflow;
		rs->first.size -= txp.size;
		if (drop_cause == NULL)
			rs->frags[nfr] = txp;
		nfr++;
		if ((uint32_t)txp.offset + txp.size > NIF_PAGE_SIZE) {
			nif_tx_set_fatal(q, NIF_FATAL_CROSS_PAGE);
			return NIF_TX_FATAL;
		}
		more = (txp.flags & NETTXF_more_data) != 0;
	} while (more);
	rs->nb_frags = nfr;
	if (drop_cause != NULL) {
		(*drop_cause)++;
		return NIF_TX_ERROR;
	}
	return NIF_TX_PACKET;
}

/* xenvif_set_skb_gso's checks. */
static enum nif_tx_verdict tx_check_gso(struct nif_txq *q, const netif_extra_info_t *gso)
{
	if (gso->type == XEN_NETIF_EXTRA_TYPE_NONE)
		return NIF_TX_PACKET;
	if (gso->u.gso.size == 0) {
		nif_tx_set_fatal(q, NIF_FATAL_GSO_SIZE_ZERO);
		return NIF_TX_FATAL;
	}
	if (gso->u.gso.type != XEN_NETIF_GSO_TYPE_TCPV4 &&
	    gso->u.gso.type != XEN_NETIF_GSO_TYPE_TCPV6) {
		nif_tx_set_fatal(q, NIF_FATAL_GSO_BAD_TYPE);
		return NIF_TX_FATAL;
	}
	return NIF_TX_PACKET;
}

enum nif_tx_verdict nif_tx_parse(struct nif_txq *q, struct nif_tx_req_set *rs,
				 uint16_t *slots)
{
	RING_IDX cons = q->ring.req_cons, prod, idx;
	enum nif_tx_verdict v;
	int work;

	prod = nif_load_idx(&q->ring.sring->req_prod);
	if (prod - cons > q->h.ring_size) {
		nif_tx_set_fatal(q, NIF_FATAL_IMPOSSIBLE_REQS);
		return NIF_TX_FATAL;
	}
	work = (int)(prod - cons);
	if (work == 0)
		return NIF_TX_EMPTY;

	memset(rs->extras, 0, sizeof(rs->extras));
	rs->nb_extras = 0;
	rs->nb_frags = 0;
	RING_COPY_REQUEST(&q->ring, cons, &rs->first);
	tx_note_slot(q, cons, rs->first.id, false);
	rs->total = rs->first.size;
	work--;
	idx = cons + 1;
	if ((rs->first.flags & NETTXF_extra_info) && tx_get_extras(q, rs, idx, &work) < 0)
		return NIF_TX_FATAL;
	idx += rs->nb_extras;
	*slots = (uint16_t)(1 + rs->nb_extras);

	/* A multicast-control request is a dummy: respond, ignore its data and more_data. */
	if (rs->extras[XEN_NETIF_EXTRA_TYPE_MCAST_ADD - 1].type != 0 ||
	    rs->extras[XEN_NETIF_EXTRA_TYPE_MCAST_DEL - 1].type != 0)
		return NIF_TX_MCAST;

	v = tx_count_requests(q, rs, idx, work);
	*slots = (uint16_t)(*slots + rs->nb_frags);
	if (v != NIF_TX_PACKET)
		return v;
	if (rs->first.size < NIF_ETH_HLEN) {
		q->stats.tx_drop_runt++;
		return NIF_TX_ERROR;
	}
	/* The payload must not fragment: the first slot stays in its page. */
	if ((uint32_t)rs->first.offset + rs->first.size > NIF_PAGE_SIZE) {
		nif_tx_set_fatal(q, NIF_FATAL_CROSS_PAGE);
		return NIF_TX_FATAL;
	}
	return tx_check_gso(q, &rs->extras[XEN_NETIF_EXTRA_TYPE_GSO - 1]);
}
