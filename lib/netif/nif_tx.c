/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Guest TX (guest -> backend): turn validated requests into mbufs filled by grant copy,
 * then answer every consumed slot. Modelled on xen-netback's xenvif_tx_action, but
 * copy-only: no grant mapping, so no pending ring and responses come right after the copy.
 */
#include <errno.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "nif_internal.h"

/* Most mbufs one packet of at most XEN_NETIF_MAX_TX_SIZE bytes can need. */
#define NIF_TX_MAX_MBUFS (XEN_NETIF_MAX_TX_SIZE / NIF_TX_MIN_ROOM + 1)
/* Most copy segments of one packet: one per data slot plus one per mbuf boundary. */
#define NIF_TX_MAX_PKT_SEGS (1 + NIF_MAX_DATA_SLOTS + NIF_TX_MAX_MBUFS)

static int tx_conf_check(const struct nif_txq_conf *conf, uint32_t *room)
{
	uint32_t data_room;

	if (conf == NULL || conf->sring == NULL || conf->mp == NULL ||
	    !nif_ring_bytes_ok(conf->ring_bytes))
		return -EINVAL;
	data_room = rte_pktmbuf_data_room_size(conf->mp);
	if (data_room < RTE_PKTMBUF_HEADROOM + NIF_TX_MIN_ROOM)
		return -EINVAL;
	*room = RTE_MIN(data_room - RTE_PKTMBUF_HEADROOM, (uint32_t)UINT16_MAX);
	if (conf->max_copy_segs != 0 && conf->max_copy_segs < NIF_TX_MAX_PKT_SEGS)
		return -EINVAL;
	return 0;
}

struct nif_txq *nif_txq_create(const struct nif_txq_conf *conf)
{
	struct nif_txq *q = NULL;
	uint32_t room;
	int rc = tx_conf_check(conf, &room);

	if (rc == 0)
		NIF_QUEUE_CREATE(q, conf, "nif_txq", NIF_TX_DEFAULT_SEGS, rc);
	if (rc == 0) {
		q->mp = conf->mp;
		/* zmalloc'd: an empty list of its own unless the vif shares one */
		q->mcast = conf->mcast != NULL ? conf->mcast : &q->own_mcast;
		q->mbuf_room = (uint16_t)room;
		q->pkts = nif_queue_array(&q->h, "nif_tx_pkts", q->h.max_burst,
					  sizeof(*q->pkts));
		q->rsp_id = nif_queue_array(&q->h, "nif_tx_rspid", q->h.ring_size,
					    sizeof(*q->rsp_id));
		q->rsp_null = nif_queue_array(&q->h, "nif_tx_rspnull", q->h.ring_size,
					      sizeof(*q->rsp_null));
		if (q->pkts == NULL || q->rsp_id == NULL || q->rsp_null == NULL)
			rc = -ENOMEM;
	}
	if (rc < 0) {
		nif_txq_free(q);
		rte_errno = -rc;
		return NULL;
	}
	return q;
}

void nif_txq_free(struct nif_txq *q)
{
	if (q == NULL)
		return;
	for (uint16_t i = 0; i < nif_queue_held(&q->h); i++)
		rte_pktmbuf_free(q->pkts[i].m);
	rte_free(q->rsp_null);
	rte_free(q->rsp_id);
	rte_free(q->pkts);
	nif_queue_fini(&q->h);
	rte_free(q);
}

/* MCAST_ADD / MCAST_DEL (ADD wins when both are given, as in netback's
 * xenvif_tx_build_gops): the vif's list changes, the request is answered, no packet. */
static int16_t tx_mcast(struct nif_txq *q, const struct nif_tx_req_set *rs)
{
	const netif_extra_info_t *add = &rs->extras[XEN_NETIF_EXTRA_TYPE_MCAST_ADD - 1];
	const netif_extra_info_t *del = &rs->extras[XEN_NETIF_EXTRA_TYPE_MCAST_DEL - 1];

	if (add->type != 0) {
		if (nif_mcast_add(q->mcast, add->u.mcast.addr) < 0) {
			q->stats.tx_mcast_full++;
			return NETIF_RSP_ERROR;
		}
		q->stats.tx_mcast_add++;
		return NETIF_RSP_OKAY;
	}
	nif_mcast_del(q->mcast, del->u.mcast.addr);
	q->stats.tx_mcast_del++;
	return NETIF_RSP_OKAY;
}

const struct nif_mcast *nif_txq_mcast(const struct nif_txq *q)
{
	return q->mcast;
}

/* Chain @n fresh mbufs into one packet of @total bytes. */
static struct rte_mbuf *tx_chain(struct nif_txq *q, struct rte_mbuf **mb, uint16_t n,
				 uint32_t total)
{
	for (uint16_t i = 0; i < n; i++) {
		mb[i]->data_len = (uint16_t)(i + 1 < n ? q->mbuf_room :
					     total - (uint32_t)q->mbuf_room * (n - 1));
		mb[i]->next = i + 1 < n ? mb[i + 1] : NULL;
	}
	mb[0]->pkt_len = total;
	mb[0]->nb_segs = n;
	return mb[0];
}

/* Copy segments for one guest slot into the chain at cursor (*mi, *moff). */
static void tx_add_slot_segs(struct nif_txq *q, struct rte_mbuf **mb, uint16_t *mi,
			     uint32_t *moff, const netif_tx_request_t *slot, uint32_t size)
{
	uint32_t done = 0;

	while (done < size) {
		nif_gcopy_seg *seg = &q->h.segs[q->h.nb_segs++];
		uint32_t chunk = RTE_MIN(size - done, (uint32_t)mb[*mi]->data_len - *moff);

		memset(seg, 0, sizeof(*seg));
		seg->source.foreign.ref = slot->gref;
		seg->source.foreign.offset = (uint16_t)(slot->offset + done);
		seg->source.foreign.domid = q->h.domid;
		seg->dest.virt = rte_pktmbuf_mtod_offset(mb[*mi], uint8_t *, *moff);
		seg->len = (uint16_t)chunk;
		seg->flags = GNTCOPY_source_gref;
		seg->status = 1; /* not a GNTST_* value: an unissued segment reads as failed */
		done += chunk;
		*moff += chunk;
		if (*moff == mb[*mi]->data_len) {
			(*mi)++;
			*moff = 0;
		}
	}
}

/*
 * Allocate and chain the packet's mbufs and plan its copies. -ENOSPC (batch full) or
 * -ENOMEM (pool empty): nothing was consumed or allocated, stop the burst.
 */
static int tx_build(struct nif_txq *q, const struct nif_tx_req_set *rs, struct nif_tx_pkt *p)
{
	struct rte_mbuf *mb[NIF_TX_MAX_MBUFS];
	const netif_extra_info_t *gso = &rs->extras[XEN_NETIF_EXTRA_TYPE_GSO - 1];
	const netif_extra_info_t *hash = &rs->extras[XEN_NETIF_EXTRA_TYPE_HASH - 1];
	uint16_t n = (uint16_t)((rs->total + q->mbuf_room - 1) / q->mbuf_room), mi = 0;
	uint32_t moff = 0;

	if (q->h.nb_segs + 1u + rs->nb_frags + n > q->h.max_segs)
		return -ENOSPC;
	if (rte_pktmbuf_alloc_bulk(q->mp, mb, n) != 0) {
		q->stats.tx_no_mbuf++;
		return -ENOMEM;
	}
	p->m = tx_chain(q, mb, n, rs->total);
	tx_add_slot_segs(q, mb, &mi, &moff, &rs->first, rs->first.size);
	for (uint16_t f = 0; f < rs->nb_frags; f++)
		tx_add_slot_segs(q, mb, &mi, &moff, &rs->frags[f], rs->frags[f].size);
	p->nb_segs = q->h.nb_segs - p->first_seg;
	p->txflags = rs->first.flags;
	p->gso_type = gso->type != 0 ? gso->u.gso.type : XEN_NETIF_GSO_TYPE_NONE;
	p->gso_size = gso->u.gso.size;
	p->has_hash = hash->type != 0;
	if (p->has_hash)
		memcpy(&p->hash, hash->u.hash.value, sizeof(p->hash));
	return 0;
}

/* Parse and stage one packet. false: stop the burst (nothing consumed for it). */
static bool tx_stage_one(struct nif_txq *q)
{
	struct nif_tx_req_set rs;
	struct nif_tx_pkt *p = &q->pkts[q->h.nb_pkts];
	uint16_t slots = 0;

	memset(p, 0, sizeof(*p));
	p->first_slot = q->ring.req_cons;
	p->first_seg = q->h.nb_segs;
	switch (nif_tx_parse(q, &rs, &slots)) {
	case NIF_TX_EMPTY:
	case NIF_TX_FATAL:
		return false;
	case NIF_TX_MCAST:
		p->status = tx_mcast(q, &rs);
		break;
	case NIF_TX_ERROR:
		p->status = NETIF_RSP_ERROR;
		q->stats.tx_error_rsp++;
		break;
	case NIF_TX_PACKET:
		if (nif_tx_credit_wait(q, rs.total) || tx_build(q, &rs, p) < 0)
			return false;
		p->status = NETIF_RSP_OKAY;
		break;
	}
	p->nb_slots = slots;
	q->ring.req_cons += slots;
	q->stats.tx_slots += slots;
	q->h.nb_pkts++;
	return true;
}

uint16_t nif_tx_prepare_burst(struct nif_txq *q, uint16_t max_pkts)
{
	uint16_t limit = RTE_MIN(max_pkts, q->h.max_burst);

	if (!nif_queue_begin(&q->h))
		return 0;
	while (q->h.fatal == NIF_FATAL_NONE && q->h.nb_pkts < limit && tx_stage_one(q))
		;
	q->stats.gcopy_segs += q->h.nb_segs;
	return q->h.nb_pkts;
}

uint32_t nif_tx_gcopy_segs(struct nif_txq *q, nif_gcopy_seg **segs)
{
	return nif_queue_batch(&q->h, segs);
}

static void tx_write_responses(struct nif_txq *q, const struct nif_tx_pkt *p, int16_t status)
{
	uint32_t mask = q->h.ring_size - 1;

	for (uint16_t k = 0; k < p->nb_slots; k++) {
		RING_IDX idx = p->first_slot + k;
		netif_tx_response_t rsp = { .id = q->rsp_id[idx & mask], .status = status };

		if (q->rsp_null[idx & mask]) {
			rsp.id = 0;
			rsp.status = NETIF_RSP_NULL;
		}
		*RING_GET_RESPONSE(&q->ring, idx) = rsp;
	}
}

/* Finish one staged packet; returns the mbuf to deliver or NULL. */
static struct rte_mbuf *tx_finish_pkt(struct nif_txq *q, struct nif_tx_pkt *p, int copy_rc)
{
	struct rte_mbuf *m = p->m;
	int16_t status = p->status;

	p->m = NULL;
	if (m != NULL && !nif_queue_copied(&q->h, p->first_seg, p->nb_segs, copy_rc)) {
		rte_pktmbuf_free(m);
		m = NULL;
		status = NETIF_RSP_ERROR;
		q->stats.tx_gcopy_err++;
		q->stats.tx_error_rsp++;
	} else if (m != NULL && nif_tx_offload_setup(q, m, p) < 0) {
		/* As netback: the copy succeeded, so the guest hears OKAY; we drop it. */
		rte_pktmbuf_free(m);
		m = NULL;
	} else if (m != NULL) {
		q->stats.tx_packets++;
		q->stats.tx_bytes += m->pkt_len;
	}
	tx_write_responses(q, p, status);
	return m;
}

int nif_tx_finish_burst(struct nif_txq *q, int copy_rc, struct rte_mbuf **pkts,
			uint16_t *nb_out, bool *notify)
{
	uint16_t out = 0;

	*nb_out = 0;
	*notify = false;
	if (!q->h.in_burst)
		return -EINVAL;
	for (uint16_t i = 0; i < q->h.nb_pkts; i++) {
		struct rte_mbuf *m = tx_finish_pkt(q, &q->pkts[i], copy_rc);

		if (m != NULL)
			pkts[out++] = m;
	}
	*nb_out = out;
	if (nif_queue_end(&q->h, &q->stats.gcopy_batches))
		NIF_PUSH_RESPONSES(&q->ring, notify);
	return 0;
}

bool nif_tx_final_check(struct nif_txq *q)
{
	RING_IDX prod;

	if (q->h.fatal != NIF_FATAL_NONE)
		return false;
	prod = nif_load_idx(&q->ring.sring->req_prod);
	if (prod != q->ring.req_cons)
		return true;
	nif_store_idx(&q->ring.sring->req_event, q->ring.req_cons + 1);
	xen_mb(); /* req_event visible before the final look at req_prod */
	prod = nif_load_idx(&q->ring.sring->req_prod);
	return prod != q->ring.req_cons;
}

struct nif_ring_pos nif_txq_attach_pos(const struct nif_txq *q)
{
	return q->h.attach;
}

enum nif_fatal nif_txq_fatal(const struct nif_txq *q)
{
	return q->h.fatal;
}

const struct nif_tx_stats *nif_txq_stats(const struct nif_txq *q)
{
	return &q->stats;
}

void nif_txq_stats_reset(struct nif_txq *q)
{
	memset(&q->stats, 0, sizeof(q->stats));
}
