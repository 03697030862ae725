/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Guest RX (backend -> guest): consume the frontend's RX requests, plan the grant copies
 * of each packet straight from its mbuf chain, and write the responses once the caller
 * has copied. Modelled on xen-netback's rx.c (xenvif_rx_action / xenvif_rx_skb).
 */
#include <errno.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "nif_internal.h"

static int rx_conf_check(const struct nif_rxq_conf *conf)
{
	if (conf == NULL || conf->sring == NULL || !nif_ring_bytes_ok(conf->ring_bytes) ||
	    conf->headroom > NIF_RX_HEADROOM_MAX)
		return -EINVAL;
	/* A full-size packet must fit one batch: 16 pages plus one split per mbuf segment. */
	if (conf->max_copy_segs != 0 && conf->max_copy_segs < 2 * NIF_MAX_DATA_SLOTS)
		return -EINVAL;
	return 0;
}

struct nif_rxq *nif_rxq_create(const struct nif_rxq_conf *conf)
{
	struct nif_rxq *q = NULL;
	int rc = rx_conf_check(conf);

	if (rc == 0)
		NIF_QUEUE_CREATE(q, conf, "nif_rxq", NIF_RX_DEFAULT_SEGS, rc);
	if (rc == 0) {
		q->feat = conf->features;
		q->layout = conf->layout;
		q->headroom = conf->headroom;
		q->mcast = conf->mcast;
		q->max_frame = (uint32_t)(conf->features.mtu != 0 ? conf->features.mtu :
					  NIF_DEFAULT_MTU) + NIF_ETH_HLEN + NIF_VLAN_HLEN;
		q->pkts = nif_queue_array(&q->h, "nif_rx_pkts", q->h.max_burst,
					  sizeof(*q->pkts));
		q->rsp = nif_queue_array(&q->h, "nif_rx_rsp", q->h.ring_size, sizeof(*q->rsp));
		if (q->pkts == NULL || q->rsp == NULL)
			rc = -ENOMEM;
	}
	if (rc < 0) {
		nif_rxq_free(q);
		rte_errno = -rc;
		return NULL;
	}
	return q;
}

void nif_rxq_free(struct nif_rxq *q)
{
	if (q == NULL)
		return;
	for (uint16_t i = 0; i < nif_queue_held(&q->h); i++)
		rte_pktmbuf_free(q->pkts[i].m);
	rte_free(q->rsp);
	rte_free(q->pkts);
	nif_queue_fini(&q->h);
	rte_free(q);
}

/* Read req_prod once and check it (netback checks the TX ring so; we do both rings). */
static bool rx_read_prod(struct nif_rxq *q, RING_IDX *prod)
{
	*prod = nif_load_idx(&q->ring.sring->req_prod);
	if (*prod - q->ring.rsp_prod_pvt > q->h.ring_size) {
		q->h.fatal = NIF_FATAL_IMPOSSIBLE_REQS;
		q->stats.rx_fatal_impossible_reqs++;
		return false;
	}
	return true;
}

/*
 * Are @needed requests posted? If not, ask the frontend to kick us once they are
 * (req_event = req_cons + needed), then re-check in case it posted them meanwhile.
 */
static bool rx_slots_available(struct nif_rxq *q, uint32_t needed, RING_IDX *prod)
{
	for (;;) {
		RING_IDX seen = *prod;

		if (seen - q->ring.req_cons >= needed)
			return true;
		if (!q->feat.rx_notify)
			return false;
		nif_store_idx(&q->ring.sring->req_event, q->ring.req_cons + needed);
		xen_mb(); /* req_event visible before we look at req_prod again */
		if (!rx_read_prod(q, prod) || *prod == seen)
			return false;
	}
}

/* Pending response of data slot @d of a packet of @nslots data slots. */
static void rx_data_rsp(netif_rx_response_t *rsp, uint16_t id, uint16_t d, uint16_t nslots,
			uint16_t first_flags, uint16_t headroom, uint16_t bytes)
{
	rsp->id = id;
	/* The first slot's data after the headroom, the rest at the start of their page.
	 * (xen-netback writes offset 0 and counts the headroom into status; netfront reads
	 * status as the data's length and the data at offset, so say where it is.) */
	rsp->offset = d == 0 ? headroom : 0;
	rsp->flags = d + 1 < nslots ? NETRXF_more_data : 0;
	if (d == 0)
		rsp->flags |= first_flags;
	rsp->status = (int16_t)bytes;
}

/* The extras of a packet, in netback's order (GSO, then hash), chained by FLAG_MORE. */
struct rx_extras {
	netif_extra_info_t e[NIF_RX_MAX_EXTRAS];
	uint8_t n;
	bool gso;
	bool hash;
};

/* Consume the packet's requests and build its segments and pending responses. */
static void rx_consume(struct nif_rxq *q, struct rte_mbuf *m, uint16_t nslots,
		       uint16_t flags, const struct rx_extras *ex)
{
	grant_ref_t grefs[NIF_MAX_DATA_SLOTS];
	uint16_t ids[NIF_MAX_DATA_SLOTS + NIF_RX_MAX_EXTRAS], sizes[NIF_MAX_DATA_SLOTS];
	uint16_t needed = nslots + ex->n;
	struct nif_rx_pkt *p = &q->pkts[q->h.nb_pkts++];
	RING_IDX cons = q->ring.req_cons;
	struct nif_rx_sink sink = {
		.segs = q->h.segs + q->h.nb_segs, .grefs = grefs, .domid = q->h.domid,
		.slot_sizes = sizes, .max_slots = nslots,
	};
	uint32_t nsegs = 0, mask = q->h.ring_size - 1;

	for (uint16_t k = 0; k < needed; k++) {
		netif_rx_request_t req;

		RING_COPY_REQUEST(&q->ring, cons + k, &req); /* the one read of this slot */
		ids[k] = req.id;
		/* Data slot d sits at ring offset 0 for d == 0, else d + the extras. */
		if (k == 0)
			grefs[0] = req.gref;
		else if (k > ex->n)
			grefs[k - ex->n] = req.gref;
	}
	nif_rx_walk(m, q->layout, q->headroom, &sink, &nsegs);

	if (ex->n != 0)
		flags |= NETRXF_extra_info;
	for (uint16_t d = 0; d < nslots; d++) {
		uint16_t k = d == 0 ? 0 : d + ex->n;

		rx_data_rsp(&q->rsp[(cons + k) & mask], ids[k], d, nslots, flags, q->headroom,
			    sizes[d]);
	}
	for (uint8_t x = 0; x < ex->n; x++)
		memcpy(&q->rsp[(cons + 1 + x) & mask], &ex->e[x], sizeof(ex->e[x]));

	p->m = m;
	p->first_slot = cons;
	p->nb_slots = needed;
	p->nb_extra = ex->n;
	p->has_gso = ex->gso;
	p->has_hash = ex->hash;
	p->first_seg = q->h.nb_segs;
	p->nb_segs = nsegs;
	q->h.nb_segs += nsegs;
	q->ring.req_cons = cons + needed;
	q->stats.rx_slots += needed;
	q->stats.gcopy_segs += nsegs;
}

/* The hash extra of @p m under the queue's hash state (netback's rx.c), if it has one. */
static void rx_hash_extra(const struct nif_rxq *q, const struct rte_mbuf *m,
			  struct rx_extras *ex)
{
	netif_extra_info_t *e = &ex->e[ex->n];
	uint32_t hash;
	uint8_t type;

	if (!q->hashing || !nif_hash_frame(&q->hash, m, &hash, &type))
		return;
	memset(e, 0, sizeof(*e));
	e->type = XEN_NETIF_EXTRA_TYPE_HASH;
	e->u.hash.type = type;
	e->u.hash.algorithm = XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ;
	memcpy(e->u.hash.value, &hash, sizeof(hash)); /* host order, as netback writes it */
	if (ex->n != 0)
		ex->e[ex->n - 1].flags |= XEN_NETIF_EXTRA_FLAG_MORE;
	ex->n++;
	ex->hash = true;
}

void nif_rxq_set_hash(struct nif_rxq *q, const struct nif_hash *h)
{
	if (h == NULL) {
		memset(&q->hash, 0, sizeof(q->hash));
		q->hashing = false;
		return;
	}
	q->hash = *h;
	q->hashing = h->alg == XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ && h->flags != 0;
}

enum rx_place { RX_PLACED, RX_DROPPED, RX_STOP };

static enum rx_place rx_drop(struct rte_mbuf *m, uint64_t *counter)
{
	(*counter)++;
	rte_pktmbuf_free(m);
	return RX_DROPPED;
}

static enum rx_place rx_place_packet(struct nif_rxq *q, struct rte_mbuf *m, RING_IDX *prod)
{
	struct nif_rx_stats *st = &q->stats;
	struct rx_extras ex = { .n = 0 };
	/* with an XDP headroom, netfront takes single-slot packets only (nif_rxq_set_headroom) */
	uint16_t flags, max_slots = q->feat.sg && q->headroom == 0 ? NIF_MAX_DATA_SLOTS : 1;
	uint32_t nsegs;
	int nslots;

	/* xenvif_start_xmit's check: before any work, a frame the guest did not ask for */
	if (q->mcast != NULL && nif_mcast_filtered(q->mcast, m))
		return rx_drop(m, &st->rx_mcast_filtered);
	/* The chain first: offload parsing reads headers up to pkt_len through it. */
	nslots = nif_rx_walk(m, q->layout, q->headroom, NULL, &nsegs);
	if (nslots < 0)
		return rx_drop(m, &st->rx_drop_bad_mbuf);
	switch (nif_rx_offload(q, m, &flags, &ex.e[0], &ex.gso)) {
	case NIF_RX_OK:
		break;
	case NIF_RX_DROP_OVERSIZE:
		return rx_drop(m, &st->rx_drop_oversize);
	case NIF_RX_DROP_NO_GSO:
		return rx_drop(m, &st->rx_drop_no_gso);
	case NIF_RX_DROP_BAD_GSO:
		return rx_drop(m, &st->rx_drop_bad_gso);
	case NIF_RX_DROP_NO_CSUM:
		return rx_drop(m, &st->rx_drop_no_csum);
	}
	if (nslots > max_slots)
		return rx_drop(m, &st->rx_drop_too_many_slots);
	if (nsegs > q->h.max_segs)
		return rx_drop(m, &st->rx_drop_too_many_segs);
	if (q->h.nb_segs + nsegs > q->h.max_segs)
		return RX_STOP;
	ex.n = ex.gso ? 1 : 0;
	rx_hash_extra(q, m, &ex);
	if (!rx_slots_available(q, (uint32_t)nslots + ex.n, prod)) {
		if (q->h.fatal == NIF_FATAL_NONE)
			st->rx_no_slots++;
		return RX_STOP;
	}
	rx_consume(q, m, (uint16_t)nslots, flags, &ex);
	return RX_PLACED;
}

uint16_t nif_rx_prepare_burst(struct nif_rxq *q, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	RING_IDX prod;
	uint16_t i;

	if (!nif_queue_begin(&q->h))
		return 0;
	if (q->h.fatal != NIF_FATAL_NONE || !rx_read_prod(q, &prod))
		return 0;
	for (i = 0; i < nb_pkts && q->h.nb_pkts < q->h.max_burst; i++) {
		if (rx_place_packet(q, pkts[i], &prod) == RX_STOP)
			break;
	}
	return i;
}

uint32_t nif_rx_gcopy_segs(struct nif_rxq *q, nif_gcopy_seg **segs)
{
	return nif_queue_batch(&q->h, segs);
}

/* Account one packet and write its responses into the shared ring. */
static void rx_complete_pkt(struct nif_rxq *q, const struct nif_rx_pkt *p, bool ok)
{
	uint32_t mask = q->h.ring_size - 1;
	netif_rx_response_t *first = &q->rsp[p->first_slot & mask];

	if (ok) {
		q->stats.rx_packets++;
		q->stats.rx_bytes += p->m->pkt_len;
		q->stats.rx_gso += p->has_gso;
		q->stats.rx_hash += p->has_hash;
		if (first->flags & NETRXF_csum_blank)
			q->stats.rx_csum_blank++;
		else if (first->flags & NETRXF_data_validated)
			q->stats.rx_data_validated++;
	} else {
		q->stats.rx_gcopy_err++;
	}
	for (uint16_t k = 0; k < p->nb_slots; k++) {
		RING_IDX idx = p->first_slot + k;
		netif_rx_response_t *rsp = &q->rsp[idx & mask];

		/* Extra-info slots keep their bytes: "status" overlays the extra's payload. */
		if (!ok && !(k >= 1 && k <= p->nb_extra))
			rsp->status = NETIF_RSP_ERROR;
		*RING_GET_RESPONSE(&q->ring, idx) = *rsp;
	}
}

int nif_rx_finish_burst(struct nif_rxq *q, int copy_rc, bool *notify)
{
	*notify = false;
	if (!q->h.in_burst)
		return -EINVAL;
	for (uint16_t i = 0; i < q->h.nb_pkts; i++) {
		struct nif_rx_pkt *p = &q->pkts[i];

		rx_complete_pkt(q, p, nif_queue_copied(&q->h, p->first_seg, p->nb_segs, copy_rc));
		rte_pktmbuf_free(p->m);
		p->m = NULL;
	}
	if (nif_queue_end(&q->h, &q->stats.gcopy_batches))
		NIF_PUSH_RESPONSES(&q->ring, notify);
	return 0;
}

struct nif_ring_pos nif_rxq_attach_pos(const struct nif_rxq *q)
{
	return q->h.attach;
}

int nif_rxq_set_headroom(struct nif_rxq *q, uint16_t headroom)
{
	if (headroom > NIF_RX_HEADROOM_MAX)
		return -EINVAL;
	if (q->h.in_burst)
		return -EBUSY;
	q->headroom = headroom;
	return 0;
}

enum nif_fatal nif_rxq_fatal(const struct nif_rxq *q)
{
	return q->h.fatal;
}

const struct nif_rx_stats *nif_rxq_stats(const struct nif_rxq *q)
{
	return &q->stats;
}

void nif_rxq_stats_reset(struct nif_rxq *q)
{
	memset(&q->stats, 0, sizeof(q->stats));
}
