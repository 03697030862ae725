/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Guest RX ring: keep it filled with granted pages, turn response chains into packets.
 * Mirrors xen-netfront's xennet_alloc_rx_buffers / xennet_get_responses / xennet_poll.
 */
#include <endian.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "guest_ring.h"

#define RX_MASK (GR_RX_RING_SIZE - 1)

/* Request id posted at ring index @idx: the slot number, as netfront does. */
static inline uint16_t rx_id(RING_IDX idx)
{
	return (uint16_t)(idx & RX_MASK);
}

int gr_rxq_init(struct gr_rxq *q, void *sring, const struct gr_buf *bufs,
		const struct gr_grant_ops *gops, unsigned int fill, bool sg, bool gso)
{
	netif_rx_sring_t *s = sring;
	unsigned int i;

	if (fill == 0 || fill > GR_RX_RING_SIZE || gops->grant == NULL || gops->end == NULL)
		return -EINVAL;
	memset(q, 0, sizeof(*q));
	SHARED_RING_INIT(s);
	FRONT_RING_INIT(&q->ring, s, GR_PAGE_SIZE);
	for (i = 0; i < GR_RX_RING_SIZE; i++) {
		q->buf[i] = bufs[i];
		q->buf[i].gref = GR_NO_GREF;
	}
	q->gops = *gops;
	q->fill = fill;
	q->sg = sg;
	q->gso = gso;
	return 0;
}

int gr_rx_refill(struct gr_rxq *q, bool *notify)
{
	int posted = 0;

	*notify = false;
	if (q->broken)
		return -EIO;
	while (q->ring.req_prod_pvt - q->ring.rsp_cons < q->fill) {
		RING_IDX idx = q->ring.req_prod_pvt;
		uint16_t id = rx_id(idx);
		struct gr_buf *b = &q->buf[id];
		netif_rx_request_t *req;
		int ref;

		/* Only reachable if the buffer was still granted: a bookkeeping bug, not input. */
		if (b->gref != GR_NO_GREF)
			return -EALREADY;
		ref = q->gops.grant(q->gops.ctx, b->pfn, false);
		if (ref < 0) {
			q->st.grant_fail++;
			if (posted == 0)
				return ref;
			break;
		}
		b->gref = ref;
		req = RING_GET_REQUEST(&q->ring, idx);
		req->id = id;
		req->pad = 0;
		req->gref = (grant_ref_t)ref;
		q->ring.req_prod_pvt = idx + 1;
		posted++;
	}
	if (posted > 0) {
		int want;

		RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&q->ring, want);
		*notify = want != 0;
	}
	return posted;
}

/* Take back the buffer of the slot at ring index @idx: end the backend's access first. */
static int rx_take_slot(struct gr_rxq *q, RING_IDX idx)
{
	struct gr_buf *b = &q->buf[rx_id(idx)];

	if (b->gref == GR_NO_GREF)
		return 0;
	if (q->gops.end(q->gops.ctx, (uint32_t)b->gref) < 0) {
		/* netfront: "Grant still in use by backend domain" -> broken. */
		q->st.grant_busy++;
		q->broken = true;
		return -EIO;
	}
	b->gref = GR_NO_GREF;
	return 0;
}

/* What a chain walk found, before the packet is built. */
struct rx_chain {
	netif_extra_info_t gso;     /* type 0 when the packet has no GSO extra */
	netif_extra_info_t hash;    /* type 0 when the packet has no hash extra */
	uint16_t flags;             /* flags of the first response */
	unsigned int nr_slots;      /* data slots, may exceed GR_RX_MAX_SLOTS */
	uint32_t len;
	struct iovec seg[GR_RX_MAX_SLOTS];
	uint64_t *cause;            /* first error's counter, NULL when the chain is good */
};

static void chain_fail(struct rx_chain *c, uint64_t *cause)
{
	if (c->cause == NULL)
		c->cause = cause;
}

/*
 * Extra-info slots follow the first response at @*cons + 1 ...; on return @*cons is the
 * last one consumed. Their buffers go back to the free pool.
 */
static int rx_get_extras(struct gr_rxq *q, RING_IDX *cons, RING_IDX rp, struct rx_chain *c)
{
	netif_extra_info_t extra;
	netif_rx_response_t raw;

	_Static_assert(sizeof(extra) == sizeof(raw), "an extra-info slot is one response slot");
	do {
		if (*cons + 1 == rp) {
			chain_fail(c, &q->st.incomplete);
			return 0;
		}
		++*cons;
		RING_COPY_RESPONSE(&q->ring, *cons, &raw);
		memcpy(&extra, &raw, sizeof(extra));
		if (rx_take_slot(q, *cons) < 0)
			return -EIO;
		if (extra.type == XEN_NETIF_EXTRA_TYPE_NONE || extra.type >= XEN_NETIF_EXTRA_TYPE_MAX)
			chain_fail(c, &q->st.bad_extra);
		else if (extra.type == XEN_NETIF_EXTRA_TYPE_GSO)
			c->gso = extra;
		else if (extra.type == XEN_NETIF_EXTRA_TYPE_HASH)
			c->hash = extra; /* for --ctrl-ring's check; a TAP has no use for it */
		/* MCAST extras carry nothing a TAP can use. */
	} while (extra.flags & XEN_NETIF_EXTRA_FLAG_MORE);
	return 0;
}

/* Validate one data response (already copied) at ring index @idx and record its data. */
static void rx_add_data(struct gr_rxq *q, RING_IDX idx, const netif_rx_response_t *rsp,
			struct rx_chain *c)
{
	struct gr_buf *b = &q->buf[rx_id(idx)];

	if (rsp->id != rx_id(idx)) {
		chain_fail(c, &q->st.bad_id);
	} else if (rsp->status < 0) {
		chain_fail(c, &q->st.bad_status);
	} else if ((uint32_t)rsp->offset + (uint32_t)rsp->status > GR_PAGE_SIZE) {
		chain_fail(c, &q->st.bad_offset);
	} else if (c->nr_slots < GR_RX_MAX_SLOTS) {
		/* netfront reads each slot at its response's offset (xdp-headroom) */
		if (c->nr_slots == 0 && rsp->offset > 0)
			q->st.headroom++;
		c->seg[c->nr_slots].iov_base = (uint8_t *)b->page + rsp->offset;
		c->seg[c->nr_slots].iov_len = (size_t)rsp->status;
		c->len += (uint32_t)rsp->status;
	}
	c->nr_slots++;
}

/* Walk one packet's responses from rsp_cons; always consumes them, even when bad. */
static int rx_walk_chain(struct gr_rxq *q, RING_IDX rp, struct rx_chain *c)
{
	RING_IDX cons = q->ring.rsp_cons;
	RING_IDX first = cons;
	netif_rx_response_t rsp;
	int rc = 0;

	RING_COPY_RESPONSE(&q->ring, cons, &rsp);
	c->flags = rsp.flags;
	if (rx_take_slot(q, cons) < 0)
		return -EIO;
	if (rsp.flags & NETRXF_extra_info) {
		rc = rx_get_extras(q, &cons, rp, c);
		if (rc < 0)
			return rc;
	}
	rx_add_data(q, first, &rsp, c);
	while (rsp.flags & NETRXF_more_data) {
		if (cons + 1 == rp) {
			/* netfront: "Need more slots": backends publish whole packets. */
			chain_fail(c, &q->st.incomplete);
			break;
		}
		cons++;
		RING_COPY_RESPONSE(&q->ring, cons, &rsp);
		if (rx_take_slot(q, cons) < 0)
			return -EIO;
		rx_add_data(q, cons, &rsp, c);
	}
	q->ring.rsp_cons = cons + 1;
	if (c->nr_slots > GR_RX_MAX_SLOTS)
		chain_fail(c, &q->st.too_many_slots);
	return 0;
}

/* Copy the first bytes of the packet out of its segments. */
static uint32_t rx_pull(const struct rx_chain *c, uint8_t *dst, uint32_t want)
{
	uint32_t got = 0;
	unsigned int i;

	for (i = 0; i < c->nr_slots && got < want; i++) {
		size_t n = c->seg[i].iov_len;

		if (n > want - got)
			n = want - got;
		memcpy(dst + got, c->seg[i].iov_base, n);
		got += (uint32_t)n;
	}
	return got;
}

/* Fill the virtio header for csum_blank / data_validated / GSO; pulls headers if needed. */
static uint64_t *rx_offloads(struct gr_rxq *q, const struct rx_chain *c, struct gr_rx_pkt *pkt)
{
	bool gso = c->gso.type == XEN_NETIF_EXTRA_TYPE_GSO;
	bool partial = (c->flags & NETRXF_csum_blank) != 0;
	struct gr_l4 l4;

	memset(&pkt->vh, 0, sizeof(pkt->vh));
	pkt->hdr_len = 0;
	if (!partial && !gso) {
		if (c->flags & NETRXF_data_validated)
			pkt->vh.flags = VIRTIO_NET_HDR_F_DATA_VALID;
		return NULL;
	}
	pkt->hdr_len = rx_pull(c, pkt->hdr, c->len < GR_RX_PULL ? c->len : GR_RX_PULL);
	if (gr_l4_locate(pkt->hdr, pkt->hdr_len, &l4) < 0)
		return gso ? &q->st.bad_gso : &q->st.bad_csum_hdr;
	if (gso) {
		uint8_t t = c->gso.u.gso.type;

		if (c->gso.u.gso.size == 0 || l4.proto != IPPROTO_TCP ||
		    !((t == XEN_NETIF_GSO_TYPE_TCPV4 && !l4.ipv6) ||
		      (t == XEN_NETIF_GSO_TYPE_TCPV6 && l4.ipv6)))
			return &q->st.bad_gso;
		pkt->vh.gso_type = l4.ipv6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4;
		pkt->vh.gso_size = htole16(c->gso.u.gso.size);
		pkt->vh.hdr_len = htole16((uint16_t)(l4.l4_off + l4.l4_hlen));
		if (!partial) {
			/* netfront's checksum_setup: a GSO packet must be partial; rebuild. */
			gr_l4_set_pseudo_csum(pkt->hdr, &l4, c->len - l4.l4_off);
			q->st.gso_fixup++;
		}
	}
	pkt->vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	pkt->vh.csum_start = htole16(l4.l4_off);
	pkt->vh.csum_offset = htole16(l4.proto == IPPROTO_TCP ? 16 : 6);
	return NULL;
}

/* Lay out iov: vnet header, pulled headers, then the segments past them. */
static void rx_build_iov(const struct rx_chain *c, struct gr_rx_pkt *pkt)
{
	uint32_t skip = pkt->hdr_len;
	unsigned int i, n = 0;

	pkt->iov[n].iov_base = &pkt->vh;
	pkt->iov[n++].iov_len = sizeof(pkt->vh);
	if (skip > 0) {
		pkt->iov[n].iov_base = pkt->hdr;
		pkt->iov[n++].iov_len = skip;
	}
	for (i = 0; i < c->nr_slots; i++) {
		size_t len = c->seg[i].iov_len;

		if (skip >= len) {
			skip -= (uint32_t)len;
			continue;
		}
		pkt->iov[n].iov_base = (uint8_t *)c->seg[i].iov_base + skip;
		pkt->iov[n++].iov_len = len - skip;
		skip = 0;
	}
	pkt->nr_iov = n;
	pkt->len = c->len;
}

/* Decide whether a well-formed chain is deliverable; fill @pkt. */
static uint64_t *rx_build_pkt(struct gr_rxq *q, const struct rx_chain *c, struct gr_rx_pkt *pkt)
{
	bool gso = c->gso.type == XEN_NETIF_EXTRA_TYPE_GSO;
	uint64_t *cause;

	if ((c->flags & NETRXF_gso_prefix) || (gso && !q->gso) || (c->nr_slots > 1 && !q->sg))
		return &q->st.unrequested;
	if (c->len < GR_ETH_HLEN)
		return &q->st.runt;
	cause = rx_offloads(q, c, pkt);
	if (cause != NULL)
		return cause;
	rx_build_iov(c, pkt);
	return NULL;
}

/* Check rsp_prod; arm rsp_event when nothing is left. @return responses available or -EIO. */
static int rx_available(struct gr_rxq *q, RING_IDX *rp)
{
	int more;

	for (;;) {
		*rp = q->ring.sring->rsp_prod;
		xen_rmb(); /* read responses only after reading rsp_prod */
		/* Responses can only answer posted requests (stricter than RING_RESPONSE_PROD_OVERFLOW). */
		if (*rp - q->ring.rsp_cons > q->ring.req_prod_pvt - q->ring.rsp_cons) {
			q->st.bad_prod++;
			q->broken = true;
			return -EIO;
		}
		if (*rp != q->ring.rsp_cons)
			return 1;
		RING_FINAL_CHECK_FOR_RESPONSES(&q->ring, more);
		if (!more)
			return 0;
	}
}

int gr_rx_next(struct gr_rxq *q, struct gr_rx_pkt *pkt)
{
	struct rx_chain c;
	uint64_t *cause;
	RING_IDX rp;
	int rc;

	if (q->broken)
		return -EIO;
	rc = rx_available(q, &rp);
	if (rc <= 0)
		return rc;
	memset(&c.gso, 0, sizeof(c.gso));
	memset(&c.hash, 0, sizeof(c.hash));
	c.nr_slots = 0;
	c.len = 0;
	c.cause = NULL;
	rc = rx_walk_chain(q, rp, &c);
	if (rc < 0)
		return rc;
	cause = c.cause != NULL ? c.cause : rx_build_pkt(q, &c, pkt);
	if (cause != NULL) {
		(*cause)++;
		q->st.errors++;
		return -EBADMSG;
	}
	pkt->has_hash = c.hash.type == XEN_NETIF_EXTRA_TYPE_HASH;
	pkt->hash_type = c.hash.u.hash.type;
	memcpy(&pkt->hash, c.hash.u.hash.value, sizeof(pkt->hash));
	q->st.packets++;
	q->st.bytes += pkt->len;
	if (pkt->vh.gso_type != VIRTIO_NET_HDR_GSO_NONE)
		q->st.gso++;
	if (c.flags & NETRXF_csum_blank)
		q->st.csum_blank++;
	else if (c.flags & NETRXF_data_validated)
		q->st.data_validated++;
	return 1;
}

unsigned int gr_rx_release_all(struct gr_rxq *q)
{
	unsigned int busy = 0, i;

	for (i = 0; i < GR_RX_RING_SIZE; i++) {
		struct gr_buf *b = &q->buf[i];

		if (b->gref == GR_NO_GREF)
			continue;
		if (q->gops.end(q->gops.ctx, (uint32_t)b->gref) < 0)
			busy++;
		else
			b->gref = GR_NO_GREF;
	}
	return busy;
}
