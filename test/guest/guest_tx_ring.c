/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Guest TX ring: turn a frame read from the TAP (already in the pages of the next free
 * ids) into netif TX requests, and collect the backend's responses.
 * Mirrors xen-netfront's xennet_start_xmit / xennet_make_txreqs / xennet_tx_buf_gc.
 */
#include <endian.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "guest_ring.h"

int gr_txq_init(struct gr_txq *q, void *sring, const struct gr_buf *bufs,
		const struct gr_grant_ops *gops, const struct gr_tx_features *feat)
{
	netif_tx_sring_t *s = sring;
	unsigned int i;

	if (gops->grant == NULL || gops->end == NULL)
		return -EINVAL;
	memset(q, 0, sizeof(*q));
	SHARED_RING_INIT(s);
	FRONT_RING_INIT(&q->ring, s, GR_PAGE_SIZE);
	for (i = 0; i < GR_TX_RING_SIZE; i++) {
		q->buf[i] = bufs[i];
		q->buf[i].gref = GR_NO_GREF;
		/* Pop order 0, 1, 2 ...: frames land in ascending ids on a fresh ring. */
		q->free_ids[i] = (uint16_t)(GR_TX_RING_SIZE - 1 - i);
	}
	q->nr_free = GR_TX_RING_SIZE;
	q->gops = *gops;
	q->sg = feat->sg;
	q->gso4 = feat->sg && feat->gso4;
	q->gso6 = feat->sg && feat->gso6 && feat->csum6;
	q->csum6 = feat->csum6;
	return 0;
}

unsigned int gr_tx_max_slots(const struct gr_txq *q)
{
	return q->sg ? GR_TX_MAX_DATA_SLOTS : 1;
}

static unsigned int tx_ring_free(const struct gr_txq *q)
{
	return GR_TX_RING_SIZE - (q->ring.req_prod_pvt - q->ring.rsp_cons);
}

bool gr_tx_can_take(const struct gr_txq *q)
{
	unsigned int slots = gr_tx_max_slots(q);

	return !q->broken && q->nr_free >= slots && tx_ring_free(q) >= slots + 1;
}

/* The id the @i-th page of the next frame belongs to. @pre i < q->nr_free */
static inline uint16_t tx_peek_id(const struct gr_txq *q, unsigned int i)
{
	return q->free_ids[q->nr_free - 1 - i];
}

unsigned int gr_tx_peek(const struct gr_txq *q, struct iovec *iov, unsigned int max)
{
	unsigned int n = gr_tx_max_slots(q), i;

	if (n > max)
		n = max;
	if (n > q->nr_free)
		n = q->nr_free;
	for (i = 0; i < n; i++) {
		iov[i].iov_base = q->buf[tx_peek_id(q, i)].page;
		iov[i].iov_len = GR_PAGE_SIZE;
	}
	return n;
}

/* Byte @pos of the frame held in the peeked pages. */
static inline uint8_t *tx_byte(const struct gr_txq *q, size_t pos)
{
	return (uint8_t *)q->buf[tx_peek_id(q, (unsigned int)(pos / GR_PAGE_SIZE))].page +
	       pos % GR_PAGE_SIZE;
}

static size_t tx_gather(const struct gr_txq *q, size_t len, uint8_t *dst, size_t want)
{
	size_t got = 0;

	if (want > len)
		want = len;
	while (got < want) {
		size_t n = GR_PAGE_SIZE - got % GR_PAGE_SIZE;

		if (n > want - got)
			n = want - got;
		memcpy(dst + got, tx_byte(q, got), n);
		got += n;
	}
	return got;
}

/* Complete a partial checksum in software (skb_checksum_help): sum from csum_start. */
static void tx_sw_csum(struct gr_txq *q, size_t len, size_t start, size_t field, bool udp)
{
	uint64_t sum = 0;
	size_t pos = start;
	uint16_t csum;

	while (pos < len) {
		size_t n = GR_PAGE_SIZE - pos % GR_PAGE_SIZE;

		if (n > len - pos)
			n = len - pos;
		sum = gr_csum_add(sum, tx_byte(q, pos), n, ((pos - start) & 1) != 0);
		pos += n;
	}
	csum = (uint16_t)~gr_csum_fold(sum);
	if (udp && csum == 0)
		csum = 0xffff; /* UDP: 0 means "no checksum" */
	*tx_byte(q, field) = (uint8_t)(csum >> 8);
	*tx_byte(q, field + 1) = (uint8_t)csum;
}

/* Checksum flags for the first request, from the virtio header. @return 0 or drop counter. */
static uint64_t *tx_csum_flags(struct gr_txq *q, const struct virtio_net_hdr *vh, size_t len,
			       bool gso, uint16_t *flags)
{
	size_t start = le16toh(vh->csum_start), field;
	uint8_t hdr[GR_RX_PULL];
	struct gr_l4 l4;
	size_t got;

	*flags = 0;
	if (!(vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)) {
		if (vh->flags & VIRTIO_NET_HDR_F_DATA_VALID)
			*flags = NETTXF_data_validated;
		return NULL;
	}
	field = start + le16toh(vh->csum_offset);
	if (field + 2 > len)
		return &q->st.bad_vnet;
	if (!q->csum6) {
		got = tx_gather(q, len, hdr, sizeof(hdr));
		if (gr_l4_locate(hdr, got, &l4) == 0 && l4.ipv6) {
			/* The backend did not offer feature-ipv6-csum-offload. */
			if (gso)
				return &q->st.unsupported;
			tx_sw_csum(q, len, start, field, l4.proto == IPPROTO_UDP);
			q->st.sw_csum++;
			return NULL;
		}
	}
	*flags = NETTXF_csum_blank | NETTXF_data_validated;
	return NULL;
}

/* GSO extra for the virtio header. @return NULL, or the drop counter. */
static uint64_t *tx_gso_extra(struct gr_txq *q, const struct virtio_net_hdr *vh,
			      netif_extra_info_t *extra)
{
	uint8_t type = vh->gso_type;

	memset(extra, 0, sizeof(*extra));
	if (type == VIRTIO_NET_HDR_GSO_NONE)
		return NULL;
	if (type == VIRTIO_NET_HDR_GSO_TCPV4 && q->gso4)
		extra->u.gso.type = XEN_NETIF_GSO_TYPE_TCPV4;
	else if (type == VIRTIO_NET_HDR_GSO_TCPV6 && q->gso6)
		extra->u.gso.type = XEN_NETIF_GSO_TYPE_TCPV6;
	else
		return &q->st.unsupported; /* includes ECN and UDP, never offered */
	if (vh->gso_size == 0)
		return &q->st.bad_vnet;
	extra->type = XEN_NETIF_EXTRA_TYPE_GSO;
	extra->u.gso.size = le16toh(vh->gso_size);
	return NULL;
}

/* Grant the first @k peeked pages read-only; undo on failure. */
static int tx_grant_pages(struct gr_txq *q, unsigned int k)
{
	unsigned int i;

	for (i = 0; i < k; i++) {
		struct gr_buf *b = &q->buf[tx_peek_id(q, i)];
		int ref = q->gops.grant(q->gops.ctx, b->pfn, true);

		if (ref < 0) {
			while (i-- > 0) {
				b = &q->buf[tx_peek_id(q, i)];
				/* Never published: the backend cannot hold it. */
				(void)q->gops.end(q->gops.ctx, (uint32_t)b->gref);
				b->gref = GR_NO_GREF;
			}
			return ref;
		}
		b->gref = ref;
	}
	return 0;
}

/* Write the requests: first (size = whole frame), the GSO extra, then the other pages. */
static void tx_write_reqs(struct gr_txq *q, size_t len, unsigned int k, uint16_t flags,
			  const netif_extra_info_t *extra)
{
	RING_IDX idx = q->ring.req_prod_pvt;
	size_t left = len;
	unsigned int i;

	for (i = 0; i < k; i++) {
		uint16_t id = tx_peek_id(q, i);
		netif_tx_request_t *req = RING_GET_REQUEST(&q->ring, idx);
		size_t chunk = left < GR_PAGE_SIZE ? left : GR_PAGE_SIZE;

		req->gref = (grant_ref_t)q->buf[id].gref;
		req->offset = 0;
		req->id = id;
		req->size = (uint16_t)(i == 0 ? len : chunk);
		req->flags = (uint16_t)((i == 0 ? flags : 0) | (i + 1 < k ? NETTXF_more_data : 0));
		q->pending[id] = true;
		left -= chunk;
		idx++;
		if (i == 0 && extra->type != XEN_NETIF_EXTRA_TYPE_NONE) {
			req->flags |= NETTXF_extra_info;
			memcpy(RING_GET_REQUEST(&q->ring, idx), extra, sizeof(*extra));
			idx++;
		}
	}
	q->ring.req_prod_pvt = idx;
	q->nr_free -= k;
}

int gr_tx_post(struct gr_txq *q, const struct virtio_net_hdr *vh, size_t len)
{
	size_t max = q->sg ? GR_TX_MAX_FRAME : GR_PAGE_SIZE;
	netif_extra_info_t extra;
	unsigned int k, slots;
	uint64_t *cause;
	uint16_t flags;
	int rc;

	if (q->broken)
		return -EIO;
	memset(&extra, 0, sizeof(extra));
	rc = -EMSGSIZE;
	if (len < GR_ETH_HLEN) {
		cause = &q->st.runt;
		goto drop;
	}
	if (len > max) {
		cause = &q->st.oversize;
		goto drop;
	}
	k = (unsigned int)((len + GR_PAGE_SIZE - 1) / GR_PAGE_SIZE);
	rc = -ENOSPC;
	if (k > q->nr_free) {
		cause = &q->st.no_space;
		goto drop;
	}
	cause = tx_gso_extra(q, vh, &extra);
	if (cause == NULL)
		cause = tx_csum_flags(q, vh, len, extra.type != 0, &flags);
	if (cause != NULL) {
		rc = cause == &q->st.unsupported ? -EOPNOTSUPP : -EINVAL;
		goto drop;
	}
	slots = k + (extra.type != 0 ? 1 : 0);
	if (slots > tx_ring_free(q)) {
		cause = &q->st.no_space;
		goto drop;
	}
	if (tx_grant_pages(q, k) < 0) {
		cause = &q->st.grant_fail;
		goto drop;
	}
	tx_write_reqs(q, len, k, flags, &extra);
	q->st.packets++;
	q->st.bytes += len;
	if (extra.type != 0)
		q->st.gso++;
	if (flags & NETTXF_csum_blank)
		q->st.csum_blank++;
	return (int)slots;
drop:
	(*cause)++;
	q->st.errors++;
	return rc;
}

int gr_tx_post_raw(struct gr_txq *q, uint16_t flags, uint16_t size,
		   const netif_extra_info_t *extra)
{
	static const netif_extra_info_t none;
	unsigned int slots = extra != NULL ? 2 : 1;

	if (q->broken)
		return -EIO;
	if (q->nr_free < 1 || tx_ring_free(q) < slots || tx_grant_pages(q, 1) < 0)
		return -ENOSPC;
	/* tx_write_reqs sets NETTXF_extra_info when there is an extra */
	tx_write_reqs(q, size, 1, flags, extra != NULL ? extra : &none);
	return (int)slots;
}

void gr_tx_push(struct gr_txq *q, bool *notify)
{
	int want;

	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&q->ring, want);
	*notify = want != 0;
}

static int tx_broken(struct gr_txq *q, uint64_t *cause)
{
	(*cause)++;
	q->broken = true;
	return -EIO;
}

/* Consume one copied response. @return 1 data slot done, 0 skipped, -EIO broken. */
static int tx_complete(struct gr_txq *q, const netif_tx_response_t *rsp)
{
	struct gr_buf *b;

	if (rsp->status == NETIF_RSP_NULL)
		return 0; /* the answer to an extra-info slot */
	if (rsp->id >= GR_TX_RING_SIZE || !q->pending[rsp->id])
		return tx_broken(q, &q->st.bad_id);
	if (rsp->status == NETIF_RSP_ERROR)
		q->st.rsp_error++;
	else if (rsp->status == NETIF_RSP_DROPPED)
		q->st.rsp_dropped++;
	b = &q->buf[rsp->id];
	if (q->gops.end(q->gops.ctx, (uint32_t)b->gref) < 0)
		return tx_broken(q, &q->st.grant_busy);
	b->gref = GR_NO_GREF;
	q->pending[rsp->id] = false;
	q->free_ids[q->nr_free++] = rsp->id;
	q->st.completed++;
	return 1;
}

int gr_tx_gc(struct gr_txq *q)
{
	int done = 0, more;

	if (q->broken)
		return -EIO;
	do {
		RING_IDX rp = q->ring.sring->rsp_prod, cons;

		xen_rmb(); /* read responses only after reading rsp_prod */
		if (rp - q->ring.rsp_cons > q->ring.req_prod_pvt - q->ring.rsp_cons)
			return tx_broken(q, &q->st.bad_prod);
		for (cons = q->ring.rsp_cons; cons != rp; cons++) {
			netif_tx_response_t rsp;
			int rc;

			RING_COPY_RESPONSE(&q->ring, cons, &rsp);
			rc = tx_complete(q, &rsp);
			if (rc < 0) {
				q->ring.rsp_cons = cons + 1;
				return rc;
			}
			done += rc;
		}
		q->ring.rsp_cons = rp;
		RING_FINAL_CHECK_FOR_RESPONSES(&q->ring, more);
	} while (more);
	return done;
}

unsigned int gr_tx_outstanding(const struct gr_txq *q)
{
	return GR_TX_RING_SIZE - q->nr_free;
}

unsigned int gr_tx_release_all(struct gr_txq *q)
{
	unsigned int busy = 0, id;

	for (id = 0; id < GR_TX_RING_SIZE; id++) {
		struct gr_buf *b = &q->buf[id];

		if (!q->pending[id] || b->gref == GR_NO_GREF)
			continue;
		if (q->gops.end(q->gops.ctx, (uint32_t)b->gref) < 0) {
			busy++;
			continue;
		}
		b->gref = GR_NO_GREF;
		q->pending[id] = false;
		q->free_ids[q->nr_free++] = (uint16_t)id;
	}
	return busy;
}
