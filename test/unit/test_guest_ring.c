/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the simulated guest's netfront ring bookkeeping (test/guest/guest_*_ring.c,
 * guest_pkt.c): no TAP, no hypervisor. The test plays the backend by writing responses
 * into the shared ring page, and a fake grant table records what the guest granted.
 */
#include <endian.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "guest_ring.h"

/* ---- fake grant table ---- */

#define FAKE_NR_GREFS 1024
#define FAKE_FIRST_GREF 8 /* as Linux: 0..7 reserved */

struct fake_gnttab {
	bool used[FAKE_NR_GREFS];
	bool readonly[FAKE_NR_GREFS];
	bool busy[FAKE_NR_GREFS];   /* the "backend" still maps it */
	uint32_t pfn[FAKE_NR_GREFS];
	unsigned int nr_used;
	unsigned int bad_ends;      /* end of a reference that was not granted */
	int fail_grants;            /* grants left before failing; < 0: never fail */
};

static int fake_grant(void *ctx, uint32_t pfn, bool readonly)
{
	struct fake_gnttab *gt = ctx;
	unsigned int r;

	if (gt->fail_grants == 0)
		return -ENOSPC;
	if (gt->fail_grants > 0)
		gt->fail_grants--;
	for (r = FAKE_FIRST_GREF; r < FAKE_NR_GREFS; r++) {
		if (!gt->used[r]) {
			gt->used[r] = true;
			gt->readonly[r] = readonly;
			gt->pfn[r] = pfn;
			gt->nr_used++;
			return (int)r;
		}
	}
	return -ENOSPC;
}

static int fake_end(void *ctx, uint32_t gref)
{
	struct fake_gnttab *gt = ctx;

	if (gref >= FAKE_NR_GREFS || !gt->used[gref]) {
		gt->bad_ends++;
		return -EINVAL;
	}
	if (gt->busy[gref])
		return -EBUSY;
	gt->used[gref] = false;
	gt->nr_used--;
	return 0;
}

/* ---- fixture ---- */

#define RX_PFN_BASE 100u
#define TX_PFN_BASE 1000u

struct fix {
	struct fake_gnttab gt;
	struct gr_grant_ops gops;
	void *sring;
	uint8_t *pages; /* GR_RX_RING_SIZE pages, also used for TX (one queue side per test) */
	struct gr_buf bufs[GR_RX_RING_SIZE];
	struct gr_rxq rx;
	struct gr_txq tx;
	struct gr_rx_pkt pkt;
	uint8_t frame[70000];
	uint8_t flat[70000];
};

static int fix_setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	unsigned int i;

	assert_non_null(f);
	f->gt.fail_grants = -1;
	f->gops.grant = fake_grant;
	f->gops.end = fake_end;
	f->gops.ctx = &f->gt;
	f->sring = aligned_alloc(GR_PAGE_SIZE, GR_PAGE_SIZE);
	f->pages = aligned_alloc(GR_PAGE_SIZE, (size_t)GR_PAGE_SIZE * GR_RX_RING_SIZE);
	assert_non_null(f->sring);
	assert_non_null(f->pages);
	memset(f->sring, 0xa5, GR_PAGE_SIZE); /* init must not rely on a zeroed page */
	memset(f->pages, 0, (size_t)GR_PAGE_SIZE * GR_RX_RING_SIZE);
	for (i = 0; i < GR_RX_RING_SIZE; i++) {
		f->bufs[i].page = f->pages + (size_t)i * GR_PAGE_SIZE;
		f->bufs[i].pfn = RX_PFN_BASE + i;
		f->bufs[i].gref = GR_NO_GREF;
	}
	*state = f;
	return 0;
}

static int fix_teardown(void **state)
{
	struct fix *f = *state;

	free(f->sring);
	free(f->pages);
	free(f);
	return 0;
}

static void rx_start(struct fix *f, bool sg, bool gso)
{
	bool notify;

	assert_int_equal(gr_rxq_init(&f->rx, f->sring, f->bufs, &f->gops, GR_RX_RING_SIZE, sg,
				     gso), 0);
	assert_int_equal(gr_rx_refill(&f->rx, &notify), GR_RX_RING_SIZE);
}

static void tx_start(struct fix *f, bool sg, bool gso, bool csum6)
{
	struct gr_tx_features feat = { .sg = sg, .gso4 = gso, .gso6 = gso, .csum6 = csum6 };
	unsigned int i;

	for (i = 0; i < GR_TX_RING_SIZE; i++)
		f->bufs[i].pfn = TX_PFN_BASE + i;
	assert_int_equal(gr_txq_init(&f->tx, f->sring, f->bufs, &f->gops, &feat), 0);
}

/* ---- frames ---- */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Ethernet + IPv4 + TCP (20 bytes) + payload pattern; returns the frame length. */
static size_t make_tcp4(uint8_t *p, size_t len)
{
	size_t i;

	memset(p, 0, 54);
	put16(p + 12, 0x0800);
	p[14] = 0x45;
	put16(p + 16, (uint16_t)(len - 14 > 0xffff ? 0xffff : len - 14));
	p[14 + 8] = 64;
	p[14 + 9] = IPPROTO_TCP;
	memcpy(p + 26, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	p[34 + 12] = 5 << 4;
	for (i = 54; i < len; i++)
		p[i] = (uint8_t)(i * 7 + 3);
	return len;
}

/* Ethernet + IPv6 + UDP + payload. */
static size_t make_udp6(uint8_t *p, size_t len)
{
	size_t i;

	memset(p, 0, 62);
	put16(p + 12, 0x86dd);
	p[14] = 0x60;
	put16(p + 18, (uint16_t)(len - 54));
	p[20] = IPPROTO_UDP;
	p[21] = 64;
	p[22 + 15] = 1;   /* src ::1 */
	p[38 + 15] = 2;   /* dst ::2 */
	put16(p + 54, 1234);
	put16(p + 56, 5678);
	put16(p + 58, (uint16_t)(len - 54));
	for (i = 62; i < len; i++)
		p[i] = (uint8_t)(i * 13 + 1);
	return len;
}

/* ---- backend side helpers ---- */

static void be_rx_rsp(struct fix *f, RING_IDX idx, uint16_t id, uint16_t off, int16_t status,
		      uint16_t flags)
{
	netif_rx_response_t *r = RING_GET_RESPONSE(&f->rx.ring, idx);

	r->id = id;
	r->offset = off;
	r->status = status;
	r->flags = flags;
}

static void be_rx_extra(struct fix *f, RING_IDX idx, uint8_t type, uint8_t flags,
			uint16_t gso_size, uint8_t gso_type)
{
	netif_extra_info_t e = { .type = type, .flags = flags };

	e.u.gso.size = gso_size;
	e.u.gso.type = gso_type;
	memcpy(RING_GET_RESPONSE(&f->rx.ring, idx), &e, sizeof(e));
}

/* Copy @len frame bytes into the page of request @idx at @off. */
static void be_rx_data(struct fix *f, RING_IDX idx, uint16_t off, const uint8_t *src, size_t len)
{
	netif_rx_request_t *req = RING_GET_REQUEST(&f->rx.ring, idx);

	assert_true(f->gt.used[req->gref]);
	assert_false(f->gt.readonly[req->gref]);
	memcpy(f->pages + (size_t)(f->gt.pfn[req->gref] - RX_PFN_BASE) * GR_PAGE_SIZE + off, src,
	       len);
}

static void be_rx_publish(struct fix *f, RING_IDX prod)
{
	f->rx.ring.sring->rsp_prod = prod;
}

static size_t flatten(const struct gr_rx_pkt *pkt, uint8_t *dst)
{
	size_t n = 0;
	unsigned int i;

	for (i = 1; i < pkt->nr_iov; i++) {
		memcpy(dst + n, pkt->iov[i].iov_base, pkt->iov[i].iov_len);
		n += pkt->iov[i].iov_len;
	}
	return n;
}

/* ---- RX tests ---- */

static void test_rx_refill(void **state)
{
	struct fix *f = *state;
	unsigned int i;
	bool notify;

	assert_int_equal(gr_rxq_init(&f->rx, f->sring, f->bufs, &f->gops, GR_RX_RING_SIZE, true,
				     true), 0);
	assert_int_equal(gr_rx_refill(&f->rx, &notify), GR_RX_RING_SIZE);
	assert_true(notify);
	assert_int_equal(f->rx.ring.sring->req_prod, GR_RX_RING_SIZE);
	assert_int_equal(f->gt.nr_used, GR_RX_RING_SIZE);
	for (i = 0; i < GR_RX_RING_SIZE; i++) {
		netif_rx_request_t *req = RING_GET_REQUEST(&f->rx.ring, i);

		assert_int_equal(req->id, i);
		assert_false(f->gt.readonly[req->gref]);
		assert_int_equal(f->gt.pfn[req->gref], RX_PFN_BASE + i);
	}
	assert_int_equal(gr_rx_refill(&f->rx, &notify), 0);
	assert_false(notify);
	assert_int_equal(gr_rxq_init(&f->rx, f->sring, f->bufs, &f->gops, 0, true, true), -EINVAL);
}

static void test_rx_refill_grant_failure(void **state)
{
	struct fix *f = *state;
	bool notify;

	assert_int_equal(gr_rxq_init(&f->rx, f->sring, f->bufs, &f->gops, 64, true, true), 0);
	f->gt.fail_grants = 10;
	assert_int_equal(gr_rx_refill(&f->rx, &notify), 10);
	assert_int_equal(f->rx.st.grant_fail, 1);
	assert_int_equal(gr_rx_refill(&f->rx, &notify), -ENOSPC);
	f->gt.fail_grants = -1;
	assert_int_equal(gr_rx_refill(&f->rx, &notify), 54);
	assert_int_equal(f->rx.ring.req_prod_pvt, 64);
}

static void test_rx_single_slot(void **state)
{
	struct fix *f = *state;
	bool notify;
	netif_rx_request_t *req;
	uint32_t gref;

	rx_start(f, true, true);
	make_tcp4(f->frame, 60);
	req = RING_GET_REQUEST(&f->rx.ring, 0);
	gref = req->gref;
	be_rx_data(f, 0, 100, f->frame, 60);
	be_rx_rsp(f, 0, 0, 100, 60, NETRXF_data_validated);
	be_rx_publish(f, 1);

	assert_int_equal(gr_rx_next(&f->rx, &f->pkt), 1);
	assert_int_equal(f->pkt.len, 60);
	assert_int_equal(f->pkt.nr_iov, 2);
	assert_int_equal(f->pkt.iov[0].iov_len, sizeof(struct virtio_net_hdr));
	assert_int_equal(f->pkt.vh.flags, VIRTIO_NET_HDR_F_DATA_VALID);
	assert_int_equal(f->pkt.vh.gso_type, VIRTIO_NET_HDR_GSO_NONE);
	assert_ptr_equal(f->pkt.iov[1].iov_base, f->pages + 100);
	assert_memory_equal(f->pkt.iov[1].iov_base, f->frame, 60);
	assert_false(f->gt.used[gref]); /* grant ended before the data is used */
	assert_int_equal(gr_rx_next(&f->rx, &f->pkt), 0);
	assert_int_equal(f->rx.ring.sring->rsp_event, 2);
	assert_int_equal(f->rx.st.packets, 1);
	assert_int_equal(f->rx.st.bytes, 60);
	assert_int_equal(f->rx.st.data_validated, 1);
	assert_int_equal(f->rx.st.errors, 0);
	/* The consumed slot is reposted with a fresh grant of the same page. */
	assert_int_equal(gr_rx_refill(&f->rx, &notify), 1);
	req = RING_GET_REQUEST(&f->rx.ring, GR_RX_RING_SIZE);
	assert_int_equal(req->id, 0);
	assert_int_equal(f->gt.pfn[req->gref], RX_PFN_BASE);
}

/* 5000-byte TCPv4 GSO packet over 3 data slots plus a GSO extra slot. */
static void post_gso_chain(struct fix *f, uint16_t first_flags, uint16_t gso_size,
			   uint8_t gso_type)
{
	make_tcp4(f->frame, 5000);
	be_rx_data(f, 0, 0, f->frame, 2000);
	be_rx_rsp(f, 0, 0, 0, 2000, first_flags | NETRXF_more_data | NETRXF_extra_info);
	be_rx_extra(f, 1, XEN_NETIF_EXTRA_TYPE_GSO, 0, gso_size, gso_type);
	be_rx_data(f, 2, 0, f->frame + 2000, 2000);
	be_rx_rsp(f, 2, 2, 0, 2000, NETRXF_more_data);
	be_rx_data(f, 3, 50, f->frame + 4000, 1000);
	be_rx_rsp(f, 3, 3, 50, 1000, 0);
	be_rx_publish(f, 4);
}

static void test_rx_gso_chain(void **state)
{
	struct fix *f = *state;

	rx_start(f, true, true);
	post_gso_chain(f, NETRXF_csum_blank | NETRXF_data_validated, 1448,
		       XEN_NETIF_GSO_TYPE_TCPV4);
	assert_int_equal(gr_rx_next(&f->rx, &f->pkt), 1);
	assert_int_equal(f->pkt.len, 5000);
	assert_int_equal(flatten(&f->pkt, f->flat), 5000);
	assert_memory_equal(f->flat, f->frame, 5000);
	assert_int_equal(f->pkt.vh.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(f->pkt.vh.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
	assert_int_equal(le16toh(f->pkt.vh.gso_size), 1448);
	assert_int_equal(le16toh(f->pkt.vh.csum_start), 34);
	assert_int_equal(le16toh(f->pkt.vh.csum_offset), 16);
	assert_int_equal(le16toh(f->pkt.vh.hdr_len), 54);
	assert_int_equal(f->rx.ring.rsp_cons, 4);
	assert_int_equal(f->rx.st.gso, 1);
	assert_int_equal(f->rx.st.csum_blank, 1);
	assert_int_equal(f->gt.nr_used, GR_RX_RING_SIZE - 4);
	assert_int_equal(gr_rx_next(&f->rx, &f->pkt), 0);
}

static void test_rx_gso_csum_fixup(void **state)
{
	struct fix *f = *state;
	struct gr_l4 l4;
	uint8_t expect[64];

	rx_start(f, true, true);
	post_gso_chain(f, 0, 1448, XEN_NETIF_GSO_TYPE_TCPV4);
	assert_int_equal(gr_rx_next(&f->rx, &f->pkt), 1);
	assert_int_equal(f->rx.st.gso_fixup, 1);
	assert_int_equal(f->pkt.vh.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	memcpy(expect, f->frame, sizeof(expect));
	assert_int_equal(gr_l4_locate(expect, sizeof(expect), &l4), 0);
	gr_l4_set_pseudo_csum(expect, &l4, 5000 - 34);
	/* pseudo sum of 10.0.0.1 -> 10.0.0.2, proto 6, length 4966 */
	assert_int_equal(expect[50] << 8 | expect[51],
			 gr_csum_fold(0x0a00 + 0x0001 + 0x0a00 + 0x0002 + 6 + 4966));
	assert_int_equal(flatten(&f->pkt, f->flat), 5000);
	assert_memory_equal(f->flat, expect, 64);
	assert_memory_equal(f->flat + 64, f->frame + 64, 5000 - 64);
}

struct rx_bad_case {
	const char *name;
	size_t cause;     /* offsetof(struct gr_rx_stats, counter) */
	RING_IDX slots;   /* responses published */
};

/* Publish one bad packet of case @c; the good packet that follows must still be seen. */
static void rx_post_bad(struct fix *f, int c)
{
	unsigned int i;

	make_tcp4(f->frame, 5000);
	switch (c) {
	case 0: be_rx_rsp(f, 0, 0, 0, NETIF_RSP_ERROR, 0); break;
	case 1: be_rx_rsp(f, 0, 0, 4000, 200, 0); break;
	case 2: be_rx_rsp(f, 0, 5, 0, 60, 0); break;
	case 3:
		for (i = 0; i < GR_RX_MAX_SLOTS + 1; i++)
			be_rx_rsp(f, i, (uint16_t)i, 0, 100,
				  i < GR_RX_MAX_SLOTS ? NETRXF_more_data : 0);
		break;
	case 4:
		be_rx_rsp(f, 0, 0, 0, 100, NETRXF_extra_info);
		be_rx_extra(f, 1, XEN_NETIF_EXTRA_TYPE_NONE, 0, 0, 0);
		break;
	case 5:
		be_rx_data(f, 0, 0, f->frame, 100);
		be_rx_rsp(f, 0, 0, 0, 100, NETRXF_extra_info | NETRXF_csum_blank);
		be_rx_extra(f, 1, XEN_NETIF_EXTRA_TYPE_GSO, 0, 0, XEN_NETIF_GSO_TYPE_TCPV4);
		break;
	case 6:
		be_rx_data(f, 0, 0, f->frame, 100);
		be_rx_rsp(f, 0, 0, 0, 100, NETRXF_extra_info | NETRXF_csum_blank);
		be_rx_extra(f, 1, XEN_NETIF_EXTRA_TYPE_GSO, 0, 1448, XEN_NETIF_GSO_TYPE_TCPV6);
		break;
	case 7: be_rx_rsp(f, 0, 0, 0, 10, 0); break;
	case 8: be_rx_rsp(f, 0, 0, 0, 100, NETRXF_gso_prefix); break;
	case 9:
		/* csum_blank on a frame that is not TCP/UDP: nothing to point csum_start at */
		memset(f->frame + 12, 0x08, 1);
		f->frame[13] = 0x06; /* ARP */
		be_rx_data(f, 0, 0, f->frame, 100);
		be_rx_rsp(f, 0, 0, 0, 100, NETRXF_csum_blank);
		break;
	}
}

static const struct rx_bad_case rx_bad_cases[] = {
	{ "status<0", offsetof(struct gr_rx_stats, bad_status), 1 },
	{ "offset+size>page", offsetof(struct gr_rx_stats, bad_offset), 1 },
	{ "id mismatch", offsetof(struct gr_rx_stats, bad_id), 1 },
	{ "19 slots", offsetof(struct gr_rx_stats, too_many_slots), GR_RX_MAX_SLOTS + 1 },
	{ "extra type 0", offsetof(struct gr_rx_stats, bad_extra), 2 },
	{ "gso size 0", offsetof(struct gr_rx_stats, bad_gso), 2 },
	{ "gso v6 on v4", offsetof(struct gr_rx_stats, bad_gso), 2 },
	{ "runt", offsetof(struct gr_rx_stats, runt), 1 },
	{ "gso_prefix", offsetof(struct gr_rx_stats, unrequested), 1 },
	{ "csum_blank not l4", offsetof(struct gr_rx_stats, bad_csum_hdr), 1 },
};

static void test_rx_hostile_packets(void **state)
{
	struct fix *f = *state;
	unsigned int c;

	for (c = 0; c < sizeof(rx_bad_cases) / sizeof(rx_bad_cases[0]); c++) {
		const struct rx_bad_case *bc = &rx_bad_cases[c];
		RING_IDX n = bc->slots;
		uint64_t *cnt;

		memset(&f->gt, 0, sizeof(f->gt));
		f->gt.fail_grants = -1;
		rx_start(f, true, true);
		rx_post_bad(f, (int)c);
		/* followed by a good 60-byte packet */
		make_tcp4(f->frame, 60);
		be_rx_data(f, n, 0, f->frame, 60);
		be_rx_rsp(f, n, (uint16_t)n, 0, 60, 0);
		be_rx_publish(f, n + 1);

		cnt = (uint64_t *)((uint8_t *)&f->rx.st + bc->cause);
		print_message("case %s\n", bc->name);
		assert_int_equal(gr_rx_next(&f->rx, &f->pkt), -EBADMSG);
		assert_int_equal(*cnt, 1);
		assert_int_equal(f->rx.st.errors, 1);
		assert_int_equal(f->rx.ring.rsp_cons, n);
		assert_false(f->rx.broken);
		assert_int_equal(gr_rx_next(&f->rx, &f->pkt), 1);
		assert_int_equal(f->pkt.len, 60);
		assert_int_equal(f->gt.nr_used, GR_RX_RING_SIZE - n - 1);
		assert_int_equal(f->gt.bad_ends, 0);
	}
}

static void test_rx_incomplete_chain(void **state)
{
	struct fix *f = *state;

	rx_start(f, true, true);
	be_rx_rsp(f, 0, 0, 0, 100, NETRXF_more_data);
	be_rx_publish(f, 1);
	assert_int_equal(gr_rx_next(&f->rx, &f->pkt), -EBADMSG);
	assert_int_equal(f->rx.st.incomplete, 1);
	assert_int_equal(f->rx.ring.rsp_cons, 1);
	/* An extra slot promising more extras at the end of the published responses. */
	be_rx_rsp(f, 1, 1, 0, 100, NETRXF_extra_info);
	be_rx_extra(f, 2, XEN_NETIF_EXTRA_TYPE_GSO, XEN_NETIF_EXTRA_FLAG_MORE, 1448, 1);
	be_rx_publish(f, 3);
	assert_int_equal(gr_rx_next(&f->rx, &f->pkt), -EBADMSG);
	assert_int_equal(f->rx.st.incomplete, 2);
	assert_int_equal(f->rx.ring.rsp_cons, 3);
	assert_false(f->rx.broken);
}

static void test_rx_unrequested(void **state)
{
	struct fix *f = *state;

	rx_start(f, false, false);
	make_tcp4(f->frame, 200);
	be_rx_data(f, 0, 0, f->frame, 100);
	be_rx_rsp(f, 0, 0, 0, 100, NETRXF_more_data);
	be_rx_data(f, 1, 0, f->frame + 100, 100);
	be_rx_rsp(f, 1, 1, 0, 100, 0);
	be_rx_publish(f, 2);
	assert_int_equal(gr_rx_next(&f->rx, &f->pkt), -EBADMSG);
	assert_int_equal(f->rx.st.unrequested, 1);
	memset(&f->gt, 0, sizeof(f->gt));
	f->gt.fail_grants = -1;
	rx_start(f, true, false); /* sg offered, GSO not */
	post_gso_chain(f, NETRXF_csum_blank, 1448, XEN_NETIF_GSO_TYPE_TCPV4);
	assert_int_equal(gr_rx_next(&f->rx, &f->pkt), -EBADMSG);
	assert_int_equal(f->rx.st.unrequested, 1);
	assert_int_equal(f->rx.ring.rsp_cons, 4);
}

static void test_rx_bad_prod(void **state)
{
	struct fix *f = *state;
	bool notify;

	rx_start(f, true, true);
	be_rx_publish(f, GR_RX_RING_SIZE + 1);
	assert_int_equal(gr_rx_next(&f->rx, &f->pkt), -EIO);
	assert_true(f->rx.broken);
	assert_int_equal(f->rx.st.bad_prod, 1);
	assert_int_equal(gr_rx_next(&f->rx, &f->pkt), -EIO);
	assert_int_equal(gr_rx_refill(&f->rx, &notify), -EIO);
	/* Teardown still ends every grant. */
	assert_int_equal(gr_rx_release_all(&f->rx), 0);
	assert_int_equal(f->gt.nr_used, 0);
}

static void test_rx_fewer_posted_than_answered(void **state)
{
	struct fix *f = *state;
	bool notify;

	assert_int_equal(gr_rxq_init(&f->rx, f->sring, f->bufs, &f->gops, 8, true, true), 0);
	assert_int_equal(gr_rx_refill(&f->rx, &notify), 8);
	be_rx_publish(f, 9); /* within RING_SIZE, but only 8 requests exist */
	assert_int_equal(gr_rx_next(&f->rx, &f->pkt), -EIO);
	assert_int_equal(f->rx.st.bad_prod, 1);
}

static void test_rx_grant_busy(void **state)
{
	struct fix *f = *state;
	uint32_t gref;

	rx_start(f, true, true);
	/* The response overwrites the request in the shared slot: keep the reference. */
	gref = RING_GET_REQUEST(&f->rx.ring, 0)->gref;
	f->gt.busy[gref] = true;
	be_rx_rsp(f, 0, 0, 0, 60, 0);
	be_rx_publish(f, 1);
	assert_int_equal(gr_rx_next(&f->rx, &f->pkt), -EIO);
	assert_int_equal(f->rx.st.grant_busy, 1);
	assert_true(f->rx.broken);
	assert_int_equal(gr_rx_release_all(&f->rx), 1);
	f->gt.busy[gref] = false;
	assert_int_equal(gr_rx_release_all(&f->rx), 0);
	assert_int_equal(f->gt.nr_used, 0);
}

/* ---- TX tests ---- */

/* Read @len bytes of f->frame into the peeked pages, as readv() from the TAP does. */
static void tx_fill(struct fix *f, size_t len)
{
	struct iovec iov[GR_TX_MAX_DATA_SLOTS];
	unsigned int n = gr_tx_peek(&f->tx, iov, GR_TX_MAX_DATA_SLOTS), i;
	size_t done = 0;

	for (i = 0; i < n && done < len; i++) {
		size_t c = len - done < iov[i].iov_len ? len - done : iov[i].iov_len;

		memcpy(iov[i].iov_base, f->frame + done, c);
		done += c;
	}
}

static void test_tx_small(void **state)
{
	struct fix *f = *state;
	struct virtio_net_hdr vh = { 0 };
	struct iovec iov[GR_TX_MAX_DATA_SLOTS];
	netif_tx_request_t *req;
	bool notify;

	tx_start(f, true, true, true);
	assert_int_equal(gr_tx_max_slots(&f->tx), GR_TX_MAX_DATA_SLOTS);
	assert_int_equal(gr_tx_peek(&f->tx, iov, GR_TX_MAX_DATA_SLOTS), GR_TX_MAX_DATA_SLOTS);
	make_tcp4(f->frame, 60);
	tx_fill(f, 60);
	assert_int_equal(gr_tx_post(&f->tx, &vh, 60), 1);
	gr_tx_push(&f->tx, &notify);
	assert_true(notify);
	assert_int_equal(f->tx.ring.sring->req_prod, 1);
	req = RING_GET_REQUEST(&f->tx.ring, 0);
	assert_int_equal(req->size, 60);
	assert_int_equal(req->offset, 0);
	assert_int_equal(req->flags, 0);
	assert_int_equal(req->id, 0);
	assert_true(f->gt.readonly[req->gref]);
	assert_int_equal(f->gt.pfn[req->gref], TX_PFN_BASE);
	assert_ptr_equal(iov[0].iov_base, f->tx.buf[0].page);
	assert_int_equal(f->tx.nr_free, GR_TX_RING_SIZE - 1);
	assert_int_equal(gr_tx_outstanding(&f->tx), 1);
	assert_int_equal(f->tx.st.packets, 1);
	assert_int_equal(f->tx.st.bytes, 60);
}

static void post_tx_gso(struct fix *f)
{
	struct virtio_net_hdr vh = {
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
		.gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
		.hdr_len = htole16(54),
		.gso_size = htole16(1448),
		.csum_start = htole16(34),
		.csum_offset = htole16(16),
	};

	make_tcp4(f->frame, 10000);
	tx_fill(f, 10000);
	assert_int_equal(gr_tx_post(&f->tx, &vh, 10000), 4);
}

static void test_tx_gso(void **state)
{
	struct fix *f = *state;
	netif_tx_request_t *r0, *r2, *r3;
	netif_extra_info_t ex;

	tx_start(f, true, true, true);
	post_tx_gso(f);
	r0 = RING_GET_REQUEST(&f->tx.ring, 0);
	r2 = RING_GET_REQUEST(&f->tx.ring, 2);
	r3 = RING_GET_REQUEST(&f->tx.ring, 3);
	memcpy(&ex, RING_GET_REQUEST(&f->tx.ring, 1), sizeof(ex));
	assert_int_equal(r0->size, 10000);
	assert_int_equal(r0->flags, NETTXF_csum_blank | NETTXF_data_validated | NETTXF_more_data |
					    NETTXF_extra_info);
	assert_int_equal(ex.type, XEN_NETIF_EXTRA_TYPE_GSO);
	assert_int_equal(ex.flags, 0);
	assert_int_equal(ex.u.gso.size, 1448);
	assert_int_equal(ex.u.gso.type, XEN_NETIF_GSO_TYPE_TCPV4);
	assert_int_equal(r2->size, GR_PAGE_SIZE);
	assert_int_equal(r2->flags, NETTXF_more_data);
	assert_int_equal(r3->size, 10000 - 2 * GR_PAGE_SIZE);
	assert_int_equal(r3->flags, 0);
	assert_true(r0->id != r2->id && r2->id != r3->id && r0->id != r3->id);
	assert_memory_equal(f->tx.buf[r2->id].page, f->frame + GR_PAGE_SIZE, GR_PAGE_SIZE);
	assert_int_equal(f->tx.nr_free, GR_TX_RING_SIZE - 3);
	assert_int_equal(f->tx.ring.req_prod_pvt, 4);
	assert_int_equal(f->tx.st.gso, 1);
	assert_int_equal(f->tx.st.csum_blank, 1);
}

static void be_tx_rsp(struct fix *f, RING_IDX idx, uint16_t id, int16_t status)
{
	netif_tx_response_t *r = RING_GET_RESPONSE(&f->tx.ring, idx);

	r->id = id;
	r->status = status;
}

static void test_tx_gc(void **state)
{
	struct fix *f = *state;
	uint16_t id0, id2, id3;

	tx_start(f, true, true, true);
	post_tx_gso(f);
	id0 = RING_GET_REQUEST(&f->tx.ring, 0)->id;
	id2 = RING_GET_REQUEST(&f->tx.ring, 2)->id;
	id3 = RING_GET_REQUEST(&f->tx.ring, 3)->id;
	be_tx_rsp(f, 0, id0, NETIF_RSP_OKAY);
	be_tx_rsp(f, 1, 0xdead, NETIF_RSP_NULL); /* extra slot: id is garbage */
	be_tx_rsp(f, 2, id2, NETIF_RSP_OKAY);
	be_tx_rsp(f, 3, id3, NETIF_RSP_ERROR);
	f->tx.ring.sring->rsp_prod = 4;
	assert_int_equal(gr_tx_gc(&f->tx), 3);
	assert_int_equal(f->tx.nr_free, GR_TX_RING_SIZE);
	assert_int_equal(f->gt.nr_used, 0);
	assert_int_equal(f->tx.st.rsp_error, 1);
	assert_int_equal(f->tx.ring.sring->rsp_event, 5);
	assert_int_equal(gr_tx_gc(&f->tx), 0);
	assert_false(f->tx.broken);
}

struct tx_drop_case {
	const char *name;
	bool sg, gso;
	size_t len;
	struct virtio_net_hdr vh;
	int rc;
	size_t cause;
};

static const struct tx_drop_case tx_drop_cases[] = {
	{ "runt", true, true, 10, { 0 }, -EMSGSIZE, offsetof(struct gr_tx_stats, runt) },
	{ "no sg, 5000", false, false, 5000, { 0 }, -EMSGSIZE,
	  offsetof(struct gr_tx_stats, oversize) },
	{ "over 64K", true, true, 65536, { 0 }, -EMSGSIZE, offsetof(struct gr_tx_stats, oversize) },
	{ "gso not negotiated", true, false, 5000,
	  { .flags = 1, .gso_type = VIRTIO_NET_HDR_GSO_TCPV4, .gso_size = 1448,
	    .csum_start = 34, .csum_offset = 16 },
	  -EOPNOTSUPP, offsetof(struct gr_tx_stats, unsupported) },
	{ "gso ecn", true, true, 5000,
	  { .flags = 1, .gso_type = VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN,
	    .gso_size = 1448, .csum_start = 34, .csum_offset = 16 },
	  -EOPNOTSUPP, offsetof(struct gr_tx_stats, unsupported) },
	{ "gso udp", true, true, 5000,
	  { .flags = 1, .gso_type = VIRTIO_NET_HDR_GSO_UDP, .gso_size = 1448,
	    .csum_start = 34, .csum_offset = 6 },
	  -EOPNOTSUPP, offsetof(struct gr_tx_stats, unsupported) },
	{ "gso size 0", true, true, 5000,
	  { .flags = 1, .gso_type = VIRTIO_NET_HDR_GSO_TCPV4, .csum_start = 34,
	    .csum_offset = 16 },
	  -EINVAL, offsetof(struct gr_tx_stats, bad_vnet) },
	{ "csum past end", true, true, 60, { .flags = 1, .csum_start = 50, .csum_offset = 16 },
	  -EINVAL, offsetof(struct gr_tx_stats, bad_vnet) },
};

static void test_tx_drops(void **state)
{
	struct fix *f = *state;
	unsigned int c;

	for (c = 0; c < sizeof(tx_drop_cases) / sizeof(tx_drop_cases[0]); c++) {
		const struct tx_drop_case *dc = &tx_drop_cases[c];
		struct virtio_net_hdr vh = dc->vh;
		uint64_t *cnt;

		print_message("case %s\n", dc->name);
		vh.gso_size = htole16(vh.gso_size);
		vh.csum_start = htole16(vh.csum_start);
		vh.csum_offset = htole16(vh.csum_offset);
		memset(&f->gt, 0, sizeof(f->gt));
		f->gt.fail_grants = -1;
		tx_start(f, dc->sg, dc->gso, true);
		make_tcp4(f->frame, dc->len < 54 ? 54 : dc->len);
		assert_int_equal(gr_tx_post(&f->tx, &vh, dc->len), dc->rc);
		cnt = (uint64_t *)((uint8_t *)&f->tx.st + dc->cause);
		assert_int_equal(*cnt, 1);
		assert_int_equal(f->tx.st.errors, 1);
		assert_int_equal(f->tx.st.packets, 0);
		assert_int_equal(f->tx.ring.req_prod_pvt, 0);
		assert_int_equal(f->tx.nr_free, GR_TX_RING_SIZE);
		assert_int_equal(f->gt.nr_used, 0);
	}
}

static void test_tx_grant_failure(void **state)
{
	struct fix *f = *state;
	struct virtio_net_hdr vh = { 0 };

	tx_start(f, true, true, true);
	make_tcp4(f->frame, 10000);
	f->gt.fail_grants = 2; /* third page fails: the two granted are ended again */
	assert_int_equal(gr_tx_post(&f->tx, &vh, 10000), -ENOSPC);
	assert_int_equal(f->tx.st.grant_fail, 1);
	assert_int_equal(f->gt.nr_used, 0);
	assert_int_equal(f->tx.nr_free, GR_TX_RING_SIZE);
	assert_int_equal(f->tx.ring.req_prod_pvt, 0);
}

static void test_tx_hostile_responses(void **state)
{
	struct fix *f = *state;
	struct virtio_net_hdr vh = { 0 };
	int c;

	for (c = 0; c < 4; c++) {
		uint16_t id;

		memset(&f->gt, 0, sizeof(f->gt));
		f->gt.fail_grants = -1;
		tx_start(f, true, true, true);
		make_tcp4(f->frame, 60);
		assert_int_equal(gr_tx_post(&f->tx, &vh, 60), 1);
		id = RING_GET_REQUEST(&f->tx.ring, 0)->id;
		switch (c) {
		case 0: /* id beyond the ring */
			be_tx_rsp(f, 0, GR_TX_RING_SIZE + 44, NETIF_RSP_OKAY);
			f->tx.ring.sring->rsp_prod = 1;
			break;
		case 1: /* id in range but never posted */
			be_tx_rsp(f, 0, (uint16_t)(id + 1), NETIF_RSP_OKAY);
			f->tx.ring.sring->rsp_prod = 1;
			break;
		case 2: /* more responses than requests */
			be_tx_rsp(f, 0, id, NETIF_RSP_OKAY);
			f->tx.ring.sring->rsp_prod = 2;
			break;
		case 3: /* backend still maps the page */
			f->gt.busy[RING_GET_REQUEST(&f->tx.ring, 0)->gref] = true;
			be_tx_rsp(f, 0, id, NETIF_RSP_OKAY);
			f->tx.ring.sring->rsp_prod = 1;
			break;
		}
		assert_int_equal(gr_tx_gc(&f->tx), -EIO);
		assert_true(f->tx.broken);
		assert_int_equal(c == 2 ? f->tx.st.bad_prod :
				 c == 3 ? f->tx.st.grant_busy : f->tx.st.bad_id, 1);
		assert_false(gr_tx_can_take(&f->tx));
		assert_int_equal(gr_tx_post(&f->tx, &vh, 60), -EIO);
		assert_int_equal(gr_tx_release_all(&f->tx), c == 3 ? 1 : 0);
	}
}

static void test_tx_sw_csum_ipv6(void **state)
{
	struct fix *f = *state;
	struct virtio_net_hdr vh = {
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
		.csum_start = htole16(54),
		.csum_offset = htole16(6),
	};
	struct gr_l4 l4;
	uint64_t sum = 0;
	uint8_t *seg;
	size_t len = 5001, i;

	tx_start(f, true, true, false);
	make_udp6(f->frame, len);
	assert_int_equal(gr_l4_locate(f->frame, len, &l4), 0);
	gr_l4_set_pseudo_csum(f->frame, &l4, (uint32_t)(len - 54));
	tx_fill(f, len);
	assert_int_equal(gr_tx_post(&f->tx, &vh, len), 2);
	assert_int_equal(RING_GET_REQUEST(&f->tx.ring, 0)->flags, NETTXF_more_data);
	assert_int_equal(f->tx.st.sw_csum, 1);
	/* Reassemble and verify: pseudo header + UDP segment must sum to 0xffff. */
	seg = f->flat;
	memcpy(seg, f->tx.buf[RING_GET_REQUEST(&f->tx.ring, 0)->id].page, GR_PAGE_SIZE);
	memcpy(seg + GR_PAGE_SIZE, f->tx.buf[RING_GET_REQUEST(&f->tx.ring, 1)->id].page,
	       len - GR_PAGE_SIZE);
	sum = gr_csum_add(sum, seg + 22, 32, false);
	sum += IPPROTO_UDP + (len - 54);
	sum = gr_csum_add(sum, seg + 54, len - 54, false);
	assert_int_equal(gr_csum_fold(sum), 0xffff);
	for (i = 62; i < len; i++)
		assert_int_equal(seg[i], f->frame[i]);

	/* With the offload negotiated, the same frame goes out csum_blank untouched. */
	tx_start(f, true, true, true);
	make_udp6(f->frame, len);
	tx_fill(f, len);
	assert_int_equal(gr_tx_post(&f->tx, &vh, len), 2);
	assert_int_equal(RING_GET_REQUEST(&f->tx.ring, 0)->flags,
			 NETTXF_csum_blank | NETTXF_data_validated | NETTXF_more_data);
	assert_int_equal(f->tx.st.sw_csum, 0);
}

static void test_tx_ring_space(void **state)
{
	struct fix *f = *state;
	struct virtio_net_hdr vh = {
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
		.gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
		.gso_size = htole16(1448),
		.csum_start = htole16(34),
		.csum_offset = htole16(16),
	};
	unsigned int frames = 0;
	RING_IDX i;

	tx_start(f, true, true, true);
	make_tcp4(f->frame, GR_TX_MAX_FRAME);
	while (gr_tx_can_take(&f->tx)) {
		assert_int_equal(gr_tx_post(&f->tx, &vh, GR_TX_MAX_FRAME), GR_TX_MAX_DATA_SLOTS + 1);
		frames++;
	}
	/* 16 data slots + 1 extra per frame: 15 frames use 255 slots, 240 ids. */
	assert_int_equal(frames, GR_TX_RING_SIZE / (GR_TX_MAX_DATA_SLOTS + 1));
	assert_int_equal(f->tx.ring.req_prod_pvt, frames * (GR_TX_MAX_DATA_SLOTS + 1));
	assert_int_equal(gr_tx_outstanding(&f->tx), frames * GR_TX_MAX_DATA_SLOTS);
	assert_int_equal(gr_tx_post(&f->tx, &vh, GR_TX_MAX_FRAME), -ENOSPC);
	assert_int_equal(f->tx.st.no_space, 1);
	for (i = 0; i < f->tx.ring.req_prod_pvt; i++) {
		netif_tx_request_t *req = RING_GET_REQUEST(&f->tx.ring, i);
		bool extra = i % (GR_TX_MAX_DATA_SLOTS + 1) == 1;

		be_tx_rsp(f, i, extra ? 0 : req->id, extra ? NETIF_RSP_NULL : NETIF_RSP_OKAY);
	}
	f->tx.ring.sring->rsp_prod = f->tx.ring.req_prod_pvt;
	assert_int_equal(gr_tx_gc(&f->tx), (int)(frames * GR_TX_MAX_DATA_SLOTS));
	assert_int_equal(gr_tx_outstanding(&f->tx), 0);
	assert_true(gr_tx_can_take(&f->tx));
	assert_int_equal(f->gt.nr_used, 0);
}

/* ---- headers ---- */

static void test_l4_locate(void **state)
{
	struct fix *f = *state;
	uint8_t *p = f->frame;
	struct gr_l4 l4;

	make_tcp4(p, 100);
	assert_int_equal(gr_l4_locate(p, 100, &l4), 0);
	assert_int_equal(l4.l3_off, 14);
	assert_int_equal(l4.l4_off, 34);
	assert_int_equal(l4.l4_hlen, 20);
	assert_int_equal(l4.proto, IPPROTO_TCP);
	assert_false(l4.ipv6);
	assert_int_equal(gr_l4_locate(p, 53, &l4), -EMSGSIZE);
	p[14 + 6] = 0x20; /* MF: a fragment */
	assert_int_equal(gr_l4_locate(p, 100, &l4), -EPROTONOSUPPORT);

	/* VLAN-tagged IPv4 with options, TCP with options */
	memset(p, 0, 128);
	put16(p + 12, 0x8100);
	put16(p + 16, 0x0800);
	p[18] = 0x46;
	p[18 + 9] = IPPROTO_TCP;
	p[42 + 12] = 8 << 4;
	assert_int_equal(gr_l4_locate(p, 128, &l4), 0);
	assert_int_equal(l4.l3_off, 18);
	assert_int_equal(l4.l4_off, 42);
	assert_int_equal(l4.l4_hlen, 32);
	assert_int_equal(gr_l4_locate(p, 70, &l4), -EMSGSIZE);

	/* IPv6, hop-by-hop options (8 bytes), then UDP */
	make_udp6(p, 200);
	memmove(p + 62, p + 54, 138);
	p[20] = IPPROTO_HOPOPTS;
	p[54] = IPPROTO_UDP;
	p[55] = 0;
	assert_int_equal(gr_l4_locate(p, 200, &l4), 0);
	assert_true(l4.ipv6);
	assert_int_equal(l4.l4_off, 62);
	assert_int_equal(l4.proto, IPPROTO_UDP);
	p[54] = IPPROTO_FRAGMENT;
	assert_int_equal(gr_l4_locate(p, 200, &l4), -EPROTONOSUPPORT);

	put16(p + 12, 0x0806); /* ARP */
	assert_int_equal(gr_l4_locate(p, 200, &l4), -EPROTONOSUPPORT);
	assert_int_equal(gr_l4_locate(p, 10, &l4), -EMSGSIZE);
}

static void test_csum_odd_split(void **state)
{
	uint8_t b[7] = { 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde };
	uint64_t whole = gr_csum_add(0, b, 7, false);
	uint64_t split = gr_csum_add(gr_csum_add(0, b, 3, false), b + 3, 4, true);

	(void)state;
	assert_int_equal(gr_csum_fold(whole), gr_csum_fold(split));
	assert_int_equal(gr_csum_fold(whole), gr_csum_fold(0x1234 + 0x5678 + 0x9abc + 0xde00));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rx_refill, fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_rx_refill_grant_failure, fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_rx_single_slot, fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_rx_gso_chain, fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_rx_gso_csum_fixup, fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_rx_hostile_packets, fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_rx_incomplete_chain, fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_rx_unrequested, fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_rx_bad_prod, fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_rx_fewer_posted_than_answered, fix_setup,
						fix_teardown),
		cmocka_unit_test_setup_teardown(test_rx_grant_busy, fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_tx_small, fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_tx_gso, fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_tx_gc, fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_tx_drops, fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_tx_grant_failure, fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_tx_hostile_responses, fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_tx_sw_csum_ipv6, fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_tx_ring_space, fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_l4_locate, fix_setup, fix_teardown),
		cmocka_unit_test(test_csum_odd_split),
	};

	return cmocka_run_group_tests_name("guest_ring", tests, NULL, NULL);
}
