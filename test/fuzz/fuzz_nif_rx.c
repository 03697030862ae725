/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_nif_rx: lib/netif's guest-RX path against a hostile frontend. The input is a script:
 * RX requests (ids, grefs, some not granted), raw ring slots, req_prod and rsp_event values,
 * and bursts of packets of fuzz-chosen size, chain shape (segment lengths, headroom, broken
 * pkt_len) and offload flags, delivered with a grant copy that may fail a segment or all.
 *
 * Invariants per burst: nothing after a fatal error; one response per consumed request,
 * with the request's id; rx_slots equal to the responses pushed; taken packets =
 * placed + counted drops; placed = delivered (rx_packets) + copy errors (rx_gcopy_err);
 * copies read only the taken packets' data (and ASan-poisoned bytes around each segment
 * catch any read past it) and write only granted pages within [0, 4096); each delivered
 * packet's bytes equal its linearized copy, its first slot at the queue's headroom (the
 * frontend's xdp-headroom, 0 or 1..2045) and the others at 0, in packed layout in slots
 * full to the page's end but the last; a GSO extra slot carries the packet's MSS. At the
 * end every mbuf is back in the pool.
 */
#include <stdlib.h>
#include <string.h>

#include <xenctrl.h>
#include <xen/io/netif.h>

#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "fuzz_common.h"
#include "fuzz_gnt.h"
#include "nif.h"

#define RX_POOL_SIZE 511u
#define RX_ROOM 4096u           /* data bytes per mbuf after the headroom */
#define RX_MAX_PENDING 16u
#define RX_MAX_SEGS 24u
#define RX_MAX_LEN (RX_MAX_SEGS * RX_ROOM)
#define RX_MAX_OPS 64u

enum rx_op { OP_POST, OP_RAW, OP_PUSH, OP_RSP_EVENT, OP_PKTS, OP_BURST, OP_NB };

static struct rte_mempool *rx_mp;

/* A packet offered to the queue, and what the test remembers of it. */
struct rx_pkt {
	struct rte_mbuf *m;
	uint32_t len;                 /* linearized bytes (sum of data_len) */
	uint16_t mss;                 /* tso_segsz when built */
	uint8_t *lin;                 /* linearized copy, RX_MAX_LEN bytes */
	uint16_t nb_ranges;
	const uint8_t *range[RX_MAX_SEGS];
	uint16_t range_len[RX_MAX_SEGS];
};

struct rx_run {
	struct fz_gnt gnt;
	netif_rx_sring_t *sring;
	netif_rx_front_ring_t fe;
	struct nif_rxq *q;
	bool packed;
	uint16_t headroom;            /* where each packet's first slot starts */
	uint16_t max_burst;
	struct rx_pkt pend[RX_MAX_PENDING];
	uint16_t nb_pend;
	uint16_t nb_offered;          /* taken packets of the current burst: [0, nb_offered) */
	uint64_t seed;
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_eal_init();
	rx_mp = rte_pktmbuf_pool_create("fz_nif_rx", RX_POOL_SIZE, 0, 0,
					RTE_PKTMBUF_HEADROOM + RX_ROOM, SOCKET_ID_ANY);
	fz_check(rx_mp != NULL, "RX pool");
	return 0;
}

/* Copy reads must stay within the data of a packet the queue took in this burst. */
static bool rx_local_ok(const void *virt, uint16_t len, void *arg)
{
	const struct rx_run *r = arg;

	for (uint16_t i = 0; i < r->nb_offered; i++)
		for (uint16_t s = 0; s < r->pend[i].nb_ranges; s++)
			if (fz_within(virt, len, r->pend[i].range[s], r->pend[i].range_len[s]))
				return true;
	return false;
}

static uint64_t rx_offload_flags(uint8_t bits)
{
	static const uint64_t f[8] = {
		RTE_MBUF_F_TX_TCP_SEG, RTE_MBUF_F_RX_LRO, RTE_MBUF_F_TX_TCP_CKSUM,
		RTE_MBUF_F_RX_L4_CKSUM_GOOD, RTE_MBUF_F_TX_IPV4, RTE_MBUF_F_TX_IPV6,
		RTE_MBUF_F_RX_IP_CKSUM_BAD, RTE_MBUF_F_TX_UDP_CKSUM,
	};
	uint64_t fl = 0;

	for (unsigned int i = 0; i < 8; i++)
		if (bits & (1u << i))
			fl |= f[i];
	return fl;
}

/* Start of an Ethernet + IPv4/IPv6 + TCP frame so the IP version can be parsed. */
static void rx_fill(uint8_t *d, uint32_t len, uint32_t off, uint8_t kind, uint64_t *seed)
{
	static const uint8_t hdr4[] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00,
		0x45, 0, 0x05, 0xdc, 0, 1, 0x40, 0, 64, 6 };
	static const uint8_t hdr6[] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x86, 0xdd,
		0x60, 0, 0, 0, 0x05, 0xb4, 6, 64 };
	const uint8_t *h = kind % 3 == 0 ? hdr4 : kind % 3 == 1 ? hdr6 : NULL;
	uint32_t hlen = kind % 3 == 0 ? sizeof(hdr4) : sizeof(hdr6);

	/* One generator step per 8 bytes: packets are up to 96 KiB and this is per input. */
	for (uint32_t b = 0; b < len; b += 8) {
		*seed = *seed * 6364136223846793005ull + 1442695040888963407ull;
		memcpy(d + b, seed, RTE_MIN(8u, len - b));
	}
	for (uint32_t b = 0; h != NULL && off + b < hlen && b < len; b++)
		d[b] = h[off + b];
}

/* Build one packet from the input; false when the pool ran dry (nothing kept). */
static bool rx_build(struct rx_run *r, struct fz_in *in, struct rx_pkt *p)
{
	uint8_t shape = fz_u8(in), kind = fz_u8(in);
	uint16_t nsegs = (uint16_t)(1 + (shape & 0x7f) % RX_MAX_SEGS);
	struct rte_mbuf *prev = NULL;
	uint8_t *lin = p->lin != NULL ? p->lin : malloc(RX_MAX_LEN);

	memset(p, 0, sizeof(*p));
	p->lin = lin;
	fz_check(p->lin != NULL, "linear buffer");
	for (uint16_t s = 0; s < nsegs; s++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(rx_mp);
		uint16_t len = fz_u16(in) % (RX_ROOM + 1);

		if (m == NULL) {
			rte_pktmbuf_free(p->m);
			p->m = NULL;
			return false;
		}
		fz_mbuf_unpoison(m);
		m->data_off = (uint16_t)(fz_u8(in) % (RTE_PKTMBUF_HEADROOM + 1));
		m->data_len = len;
		rx_fill(rte_pktmbuf_mtod(m, uint8_t *), len, p->len, kind, &r->seed);
		memcpy(p->lin + p->len, rte_pktmbuf_mtod(m, uint8_t *), len);
		p->range[s] = rte_pktmbuf_mtod(m, uint8_t *);
		p->range_len[s] = len;
		p->len += len;
		fz_mbuf_poison_outside(m);
		if (prev == NULL)
			p->m = m;
		else
			prev->next = m;
		prev = m;
	}
	p->nb_ranges = nsegs;
	p->m->nb_segs = nsegs;
	p->m->pkt_len = p->len;
	if (shape & 0x80) /* a broken chain: pkt_len disagrees with the segments */
		p->m->pkt_len += (uint32_t)(int8_t)fz_u8(in);
	p->m->ol_flags = rx_offload_flags(fz_u8(in));
	p->m->tso_segsz = fz_u16(in);
	p->mss = p->m->tso_segsz;
	return true;
}

static void rx_op_pkts(struct rx_run *r, struct fz_in *in)
{
	uint16_t n = (uint16_t)(1 + fz_u8(in) % 8);

	for (uint16_t i = 0; i < n && r->nb_pend < RX_MAX_PENDING; i++) {
		if (!rx_build(r, in, &r->pend[r->nb_pend]))
			return;
		r->nb_pend++;
	}
}

static void rx_op_post(struct rx_run *r, struct fz_in *in)
{
	uint16_t n = (uint16_t)(1 + fz_u8(in) % 32), id = fz_u16(in);
	uint8_t gref = fz_u8(in), stride = fz_u8(in) % 3;

	for (uint16_t i = 0; i < n; i++) {
		netif_rx_request_t *req = RING_GET_REQUEST(&r->fe, r->fe.req_prod_pvt);

		req->id = (uint16_t)(id + i);
		req->gref = (grant_ref_t)(gref + i * stride) % (FZ_GNT_PAGES + 2);
		r->fe.req_prod_pvt++;
	}
	r->sring->req_prod = r->fe.req_prod_pvt;
}

/* What the test read back of one packet in the responses. */
struct rx_seen {
	uint16_t nslots;
	uint16_t size[NIF_MAX_DATA_SLOTS + 2];
	grant_ref_t gref[NIF_MAX_DATA_SLOTS + 2];
	bool error;
	bool has_gso;
	netif_extra_info_t gso;
	uint32_t total;
};

static bool rx_matches(const struct rx_run *r, const struct rx_seen *s, const struct rx_pkt *p,
		       const uint8_t *gref_uses)
{
	uint32_t off = 0;

	if (p->len != s->total || (s->has_gso && p->mss != s->gso.u.gso.size))
		return false;
	for (uint16_t k = 0; k < s->nslots; k++) {
		/* A gref posted twice in one burst holds whichever copy came last. */
		if (s->gref[k] < FZ_GNT_PAGES && gref_uses[s->gref[k]] == 1 &&
		    memcmp(r->gnt.page[s->gref[k]] + (k == 0 ? r->headroom : 0), p->lin + off,
			   s->size[k]) != 0)
			return false;
		off += s->size[k];
	}
	return true;
}

/* Read one packet's responses from ring index @idx; returns slots used. */
static uint32_t rx_read_pkt(struct rx_run *r, RING_IDX idx, uint32_t left,
			    const netif_rx_request_t *reqs, RING_IDX old, struct rx_seen *s)
{
	uint32_t k = 0;
	bool more;

	memset(s, 0, sizeof(*s));
	do {
		const netif_rx_response_t *rsp = RING_GET_RESPONSE(&r->fe, idx + k);
		const netif_rx_request_t *req = &reqs[idx + k - old];

		fz_check(k < left && s->nslots < NIF_MAX_DATA_SLOTS,
			 "RX packet runs past the pushed responses or 18 slots");
		fz_check(rsp->id == req->id && rsp->offset == (s->nslots == 0 ? r->headroom : 0),
			 "RX response id %u offset %u (headroom %u) for request id %u", rsp->id,
			 rsp->offset, r->headroom, req->id);
		if (rsp->status < 0)
			s->error = true;
		else
			s->total += (uint16_t)rsp->status;
		fz_check(rsp->status <= (int)NIF_PAGE_SIZE - rsp->offset && rsp->status != 0,
			 "RX slot of %d bytes", rsp->status);
		s->size[s->nslots] = rsp->status > 0 ? (uint16_t)rsp->status : 0;
		s->gref[s->nslots++] = req->gref;
		more = rsp->flags & NETRXF_more_data;
		if (k++ == 0 && (rsp->flags & NETRXF_extra_info)) {
			fz_check(k < left, "RX extra slot past the pushed responses");
			memcpy(&s->gso, RING_GET_RESPONSE(&r->fe, idx + k), sizeof(s->gso));
			fz_check(s->gso.type == XEN_NETIF_EXTRA_TYPE_GSO && s->gso.flags == 0 &&
				 s->gso.u.gso.size != 0 &&
				 (s->gso.u.gso.type == XEN_NETIF_GSO_TYPE_TCPV4 ||
				  s->gso.u.gso.type == XEN_NETIF_GSO_TYPE_TCPV6),
				 "RX extra slot type %u gso %u/%u", s->gso.type,
				 s->gso.u.gso.type, s->gso.u.gso.size);
			s->has_gso = true;
			k++;
		}
	} while (more);
	return k;
}

/* Walk the pushed responses packet by packet; count delivered and failed ones. */
static void rx_check_responses(struct rx_run *r, RING_IDX old, uint32_t nslots,
			       const netif_rx_request_t *reqs, uint64_t *ok, uint64_t *err)
{
	uint8_t gref_uses[FZ_GNT_PAGES] = { 0 };
	uint16_t cursor = 0;
	struct rx_seen s;

	for (uint32_t k = 0; k < nslots; k++)
		if (reqs[k].gref < FZ_GNT_PAGES && gref_uses[reqs[k].gref] < 2)
			gref_uses[reqs[k].gref]++;
	for (uint32_t k = 0; k < nslots;) {
		k += rx_read_pkt(r, old + k, nslots - k, reqs, old, &s);
		if (s.error) {
			for (uint16_t d = 0; d < s.nslots; d++)
				fz_check(s.size[d] == 0, "RX error packet with a data slot");
			(*err)++;
			continue;
		}
		(*ok)++;
		for (uint32_t d = 0, at = 0; r->packed && d < s.nslots; at += s.size[d++])
			fz_check(s.size[d] == (d + 1 < s.nslots ?
					       NIF_PAGE_SIZE - (d == 0 ? r->headroom : 0) :
					       s.total - at),
				 "packed slot %u of %u holds %u of %u bytes", d, s.nslots,
				 s.size[d], s.total);
		while (cursor < r->nb_offered && !rx_matches(r, &s, &r->pend[cursor], gref_uses))
			cursor++;
		fz_check(cursor < r->nb_offered,
			 "delivered %u bytes in %u slots that match no taken packet", s.total,
			 s.nslots);
		cursor++;
	}
}

static uint64_t rx_drops(const struct nif_rx_stats *s)
{
	return s->rx_drop_too_many_slots + s->rx_drop_no_gso + s->rx_drop_bad_gso +
	       s->rx_drop_oversize + s->rx_drop_no_csum + s->rx_drop_bad_mbuf +
	       s->rx_drop_too_many_segs;
}

static void rx_burst(struct rx_run *r, uint8_t copy_mode, uint16_t fail)
{
	static netif_rx_request_t reqs[NIF_PAGE_SIZE];
	enum nif_fatal f0 = nif_rxq_fatal(r->q);
	struct nif_rx_stats s0 = *nif_rxq_stats(r->q), s1;
	struct rte_mbuf *pkts[RX_MAX_PENDING];
	RING_IDX old = r->sring->rsp_prod;
	uint64_t ok = 0, err = 0;
	nif_gcopy_seg *segs;
	uint32_t nslots, nseg;
	uint16_t taken;
	bool notify;
	int rc = 0;

	for (uint16_t i = 0; i < r->nb_pend; i++)
		pkts[i] = r->pend[i].m;
	taken = nif_rx_prepare_burst(r->q, pkts, r->nb_pend);
	r->nb_offered = taken;
	s1 = *nif_rxq_stats(r->q);
	fz_check(taken <= r->nb_pend, "took %u of %u", taken, r->nb_pend);
	fz_check(f0 == NIF_FATAL_NONE || (taken == 0 && nif_rxq_fatal(r->q) == f0),
		 "fatal %d not sticky", f0);
	nslots = (uint32_t)(s1.rx_slots - s0.rx_slots);
	fz_check(nslots <= RING_SIZE(&r->fe), "%u RX slots consumed", nslots);
	for (uint32_t k = 0; k < nslots; k++)
		reqs[k] = *RING_GET_REQUEST(&r->fe, old + k);
	nseg = nif_rx_gcopy_segs(r->q, &segs);
	fz_check(nseg == s1.gcopy_segs - s0.gcopy_segs, "RX segments %u", nseg);
	for (uint32_t i = 0; i < nseg; i++)
		fz_check(segs[i].flags == GNTCOPY_dest_gref &&
			 segs[i].dest.foreign.domid == FZ_DOMID && segs[i].len > 0 &&
			 (uint32_t)segs[i].dest.foreign.offset + segs[i].len <= NIF_PAGE_SIZE,
			 "RX segment %u: flags %#x offset %u len %u", i, segs[i].flags,
			 segs[i].dest.foreign.offset, segs[i].len);
	r->gnt.fail_seg = copy_mode == 2 ? fail : FZ_NO_FAIL;
	r->gnt.fail_status = GNTST_bad_gntref;
	if (copy_mode == 1)
		rc = -1;
	else
		fz_gnt_copy(&r->gnt, segs, nseg, rx_local_ok, r);
	fz_check(nif_rx_finish_burst(r->q, rc, &notify) == 0, "RX finish refused");
	s1 = *nif_rxq_stats(r->q);
	fz_check(r->sring->rsp_prod - old == nslots, "%u RX responses for %u slots",
		 r->sring->rsp_prod - old, nslots);
	rx_check_responses(r, old, nslots, reqs, &ok, &err);
	fz_check(notify == ((RING_IDX)(r->sring->rsp_prod - r->sring->rsp_event) <
			    (RING_IDX)(r->sring->rsp_prod - old)),
		 "RX notify %d with rsp_event %u, responses [%u, %u)", notify,
		 r->sring->rsp_event, old, r->sring->rsp_prod);
	fz_check(s1.rx_packets - s0.rx_packets == ok && s1.rx_gcopy_err - s0.rx_gcopy_err == err,
		 "RX counted %lu ok %lu errors, responses show %lu and %lu",
		 (unsigned long)(s1.rx_packets - s0.rx_packets),
		 (unsigned long)(s1.rx_gcopy_err - s0.rx_gcopy_err), (unsigned long)ok,
		 (unsigned long)err);
	fz_check(ok + err + rx_drops(&s1) - rx_drops(&s0) == taken,
		 "RX took %u packets: %lu placed, %lu dropped", taken, (unsigned long)(ok + err),
		 (unsigned long)(rx_drops(&s1) - rx_drops(&s0)));
	/* The rest stays ours, in order, for a later burst. */
	for (uint16_t i = taken; i < r->nb_pend; i++) {
		uint8_t *lin = r->pend[i - taken].lin;

		r->pend[i - taken].lin = r->pend[i].lin;
		r->pend[i - taken] = r->pend[i];
		r->pend[i].lin = lin;
	}
	r->nb_pend = (uint16_t)(r->nb_pend - taken);
	r->nb_offered = 0;
}

static bool rx_setup(struct rx_run *r, struct fz_in *in)
{
	uint8_t f = fz_u8(in), b = fz_u8(in), segs = fz_u8(in);
	RING_IDX start = fz_u32(in);
	struct nif_rxq_conf c = {
		.ring_bytes = NIF_PAGE_SIZE, .domid = FZ_DOMID,
		.features = {
			.sg = f & 1, .gso_tcpv4 = f & 2, .gso_tcpv6 = f & 4, .csum_ipv4 = f & 8,
			.csum_ipv6 = f & 16, .rx_notify = f & 32, .mtu = fz_u16(in),
		},
		.layout = f & 64 ? NIF_LAYOUT_NAIVE : NIF_LAYOUT_PACKED,
		/* b's low bits are the burst; its high ones a headroom up to NIF_RX_HEADROOM_MAX */
		.headroom = f & 128 ? (uint16_t)(1 + (b >> 5) * 292) : 0,
		.max_burst = (uint16_t)(1 + b % 32),
		.max_copy_segs = segs == 0 ? 0 : 2 * NIF_MAX_DATA_SLOTS + segs,
		.socket_id = SOCKET_ID_ANY,
	};

	r->packed = c.layout == NIF_LAYOUT_PACKED;
	r->headroom = c.headroom;
	r->max_burst = c.max_burst;
	r->seed = start;
	fz_gnt_init(&r->gnt);
	r->sring = aligned_alloc(NIF_PAGE_SIZE, NIF_PAGE_SIZE);
	fz_check(r->sring != NULL, "ring page");
	memset(r->sring, 0, NIF_PAGE_SIZE);
	SHARED_RING_INIT(r->sring);
	FRONT_RING_INIT(&r->fe, r->sring, NIF_PAGE_SIZE);
	r->sring->req_prod = r->sring->rsp_prod = start;
	r->sring->rsp_event = start + 1;
	r->fe.req_prod_pvt = r->fe.rsp_cons = start;
	c.sring = r->sring;
	r->q = nif_rxq_create(&c);
	fz_check(r->q != NULL, "RX create failed: %d", rte_errno);
	return true;
}

static void rx_teardown(struct rx_run *r)
{
	for (uint16_t i = 0; i < RX_MAX_PENDING; i++) {
		if (i < r->nb_pend)
			rte_pktmbuf_free(r->pend[i].m);
		free(r->pend[i].lin);
	}
	nif_rxq_free(r->q);
	free(r->sring);
	fz_gnt_fini(&r->gnt);
	fz_check(rte_mempool_in_use_count(rx_mp) == 0, "%u RX mbufs leaked",
		 rte_mempool_in_use_count(rx_mp));
}

static void rx_step(struct rx_run *r, struct fz_in *in)
{
	uint8_t raw[sizeof(netif_rx_request_t)];

	switch (fz_u8(in) % OP_NB) {
	case OP_POST:
		rx_op_post(r, in);
		break;
	case OP_RAW:
		fz_bytes(in, raw, sizeof(raw));
		memcpy(RING_GET_REQUEST(&r->fe, r->fe.req_prod_pvt++), raw, sizeof(raw));
		break;
	case OP_PUSH:
		r->sring->req_prod = fz_u8(in) < 224 ? r->fe.req_prod_pvt :
				     r->sring->rsp_prod + fz_u32(in) % 1024;
		break;
	case OP_RSP_EVENT:
		r->sring->rsp_event = r->sring->rsp_prod + fz_u16(in);
		break;
	case OP_PKTS:
		rx_op_pkts(r, in);
		break;
	default: {
		uint8_t mode = fz_u8(in) % 8;

		rx_burst(r, mode < 3 ? mode : 0, fz_u8(in));
		break;
	}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rx_run r;
	struct fz_in in;

	memset(&r, 0, sizeof(r));
	fz_in_init(&in, data, size);
	rx_setup(&r, &in);
	for (unsigned int i = 0; i < RX_MAX_OPS && fz_more(&in); i++)
		rx_step(&r, &in);
	for (unsigned int i = 0; i < 4 && r.nb_pend > 0; i++)
		rx_burst(&r, 0, 0);
	rx_teardown(&r);
	return 0;
}
