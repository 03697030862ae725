/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_lro_switch: wire frames through the receive path of the service: lro_reassemble_burst
 * and lro_flush, then l2sw_forward_burst and the egress drain. Frames are TCP/IPv4 and
 * TCP/IPv6 segments of a few flows (so that LRO merges), or raw bytes, then byte-flipped by
 * the input, split into mbuf chains of fuzz-chosen shape, optionally with VLAN metadata;
 * the ports are two wire ports (one a trunk) and two vifs; each egress takes a fuzz-chosen
 * part of its frames.
 *
 * Invariants: every input mbuf comes back exactly once (from LRO alone or chained, never
 * twice; the mempools' in-use counts are 0 at the end); every chain handed on is well
 * formed; counters add up (pkts_in, pkts_out); no library read past a frame (the bytes
 * around every segment's data are ASan-poisoned).
 */
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_tcp.h>

#include "fuzz_common.h"
#include "l2sw.h"
#include "lro.h"

#define LS_POOL_SIZE 2047u
#define LS_COPY_POOL_SIZE 1023u
#define LS_MAX_BURSTS 8u
#define LS_MAX_FRAMES 32u
#define LS_MAX_CHAIN 4u
#define LS_MAX_SEGS LS_POOL_SIZE
#define LS_FRAME_MAX 2048u
#define LS_NB_PORTS 4u
#define LS_NB_FLOWS 4u
#define LS_OUT_CAP 64u

static struct rte_mempool *ls_mp, *ls_copy_mp;

static const struct rte_ether_addr ls_macs[] = {
	{ { 0x02, 0, 0, 0, 0, 0x01 } }, { { 0x02, 0, 0, 0, 0, 0x02 } }, /* the vifs */
	{ { 0x02, 0, 0, 0, 0, 0x10 } }, { { 0x02, 0, 0, 0, 0, 0x11 } }, /* wire stations */
	{ { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } }, { { 0x01, 0, 0x5e, 0, 0, 1 } },
	{ { 0, 0, 0, 0, 0, 0 } },
};

struct ls_flow {
	bool v6;
	uint8_t src, dst;      /* ls_macs indexes */
	uint16_t vlan;         /* 0: untagged */
	uint32_t seq, ack;
	uint16_t ip_id;
};

struct ls_run {
	struct lro_ctx *lro;
	struct l2sw *sw;
	struct l2sw_out *out;
	struct ls_flow flow[LS_NB_FLOWS];
	uint64_t now;
	/*
	 * Every segment ever given to LRO (a pool object may be reused: one entry each),
	 * sorted by address before its burst, and whether LRO gave it back since it was built.
	 */
	struct ls_seg {
		struct rte_mbuf *m;
		bool back;
	} segs[LS_MAX_SEGS];
	uint32_t nb_segs, nb_sorted;
	uint64_t pkts_in, pkts_out;
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_eal_init();
	ls_mp = rte_pktmbuf_pool_create("fz_ls", LS_POOL_SIZE, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					SOCKET_ID_ANY);
	ls_copy_mp = rte_pktmbuf_pool_create("fz_ls_copy", LS_COPY_POOL_SIZE, 0, 0,
					     RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	fz_check(ls_mp != NULL && ls_copy_mp != NULL, "pools");
	return 0;
}

/* Ethernet (+ 802.1Q) + IPv4/IPv6 + TCP (+ timestamp option) + payload, checksummed. */
static uint32_t ls_tcp_frame(struct ls_flow *f, struct fz_in *in, uint8_t *b, uint64_t *ol)
{
	uint8_t fl = fz_u8(in), opt = fz_u8(in);
	uint16_t pay = fz_u16(in) % 1461, l2 = f->vlan != 0 ? 18 : 14;
	uint16_t l3 = f->v6 ? 40 : 20, l4 = opt & 1 ? 32 : 20;
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(b + l2 + l3);

	memset(b, 0, (size_t)l2 + l3 + l4);
	rte_ether_addr_copy(&ls_macs[f->dst], (struct rte_ether_addr *)b);
	rte_ether_addr_copy(&ls_macs[f->src], (struct rte_ether_addr *)(b + 6));
	if (f->vlan != 0) {
		b[12] = 0x81;
		b[14] = (uint8_t)(f->vlan >> 8);
		b[15] = (uint8_t)f->vlan;
	}
	b[l2 - 2] = f->v6 ? 0x86 : 0x08;
	b[l2 - 1] = f->v6 ? 0xdd : 0x00;
	if (f->v6) {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(b + l2);

		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->payload_len = rte_cpu_to_be_16((uint16_t)(l4 + pay));
		ip->proto = IPPROTO_TCP;
		ip->hop_limits = 64;
		/* uint8_t[16] in DPDK 22.11, struct rte_ipv6_addr in 24.11: bytes either way */
		((uint8_t *)&ip->src_addr)[0] = 0xfe;
		((uint8_t *)&ip->dst_addr)[0] = 0xfe;
		((uint8_t *)&ip->dst_addr)[15] = f->dst;
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(b + l2);

		ip->version_ihl = 0x45;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(l3 + l4 + pay));
		ip->packet_id = rte_cpu_to_be_16(f->ip_id++);
		ip->fragment_offset = rte_cpu_to_be_16(opt & 2 ? RTE_IPV4_HDR_DF_FLAG : 0);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_TCP;
		ip->src_addr = rte_cpu_to_be_32(0x0a000001);
		ip->dst_addr = rte_cpu_to_be_32(0x0a000000 | f->dst);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	tcp->src_port = rte_cpu_to_be_16(1000);
	tcp->dst_port = rte_cpu_to_be_16(80);
	tcp->sent_seq = rte_cpu_to_be_32(f->seq);
	tcp->recv_ack = rte_cpu_to_be_32(f->ack);
	tcp->data_off = (uint8_t)((l4 / 4) << 4);
	/* Mostly ACK alone (mergeable); other flags (PSH, FIN, SYN, RST, URG, CWR) by input. */
	tcp->tcp_flags = RTE_TCP_ACK_FLAG | (fl & 0xc0 ? (fl & 0x3f) : 0) | (fl & 0x80 ?
			 RTE_TCP_CWR_FLAG : 0);
	tcp->rx_win = rte_cpu_to_be_16(512);
	if (l4 == 32) {
		uint8_t ts[12] = { 1, 1, 8, 10, 0, 0, 0, (uint8_t)(opt >> 4), 0, 0, 0, 1 };

		memcpy(tcp + 1, ts, sizeof(ts));
	}
	for (uint16_t i = 0; i < pay; i++)
		b[l2 + l3 + l4 + i] = (uint8_t)(f->seq + i);
	f->seq += pay;
	if (f->v6)
		tcp->cksum = rte_ipv6_udptcp_cksum((struct rte_ipv6_hdr *)(b + l2), tcp);
	else
		tcp->cksum = rte_ipv4_udptcp_cksum((struct rte_ipv4_hdr *)(b + l2), tcp);
	if (opt & 4)
		*ol |= RTE_MBUF_F_RX_L4_CKSUM_GOOD | RTE_MBUF_F_RX_IP_CKSUM_GOOD;
	return (uint32_t)l2 + l3 + l4 + pay;
}

static uint32_t ls_frame(struct ls_run *r, struct fz_in *in, uint8_t *b, uint64_t *ol)
{
	uint8_t kind = fz_u8(in);
	uint32_t len;

	/* kind: bits 0-1 flow, bits 2-3 both set: raw bytes, bit 4 truncate, bits 5-7 flips. */
	if ((kind & 0x0c) != 0x0c) {
		len = ls_tcp_frame(&r->flow[kind % LS_NB_FLOWS], in, b, ol);
	} else {
		len = fz_u8(in);
		fz_bytes(in, b, len);
	}
	/* Byte flips anywhere in the frame, so every header field is reachable. */
	for (uint8_t n = kind >> 5; n > 0 && len > 0; n--) {
		uint16_t at = fz_u16(in);

		b[at % len] ^= fz_u8(in);
	}
	if (kind & 0x10 && len > 0)
		len -= fz_u8(in) % len; /* truncated frame */
	return len;
}

static int ls_seg_cmp(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)((const struct ls_seg *)a)->m;
	uintptr_t y = (uintptr_t)((const struct ls_seg *)b)->m;

	return x < y ? -1 : x > y;
}

static struct ls_seg *ls_seg_find(struct ls_run *r, struct rte_mbuf *m)
{
	struct ls_seg key = { .m = m };

	return bsearch(&key, r->segs, r->nb_sorted, sizeof(*r->segs), ls_seg_cmp);
}

/* A freshly built segment: not given back yet. */
static void ls_seg_new(struct ls_run *r, struct rte_mbuf *m)
{
	struct ls_seg *s = ls_seg_find(r, m);

	if (s == NULL) {
		fz_check(r->nb_segs < LS_MAX_SEGS, "segment table full");
		s = &r->segs[r->nb_segs++];
		s->m = m;
	}
	s->back = false;
}

/* Split a frame into a chain of 1..4 mbufs; NULL when the pool is dry. */
static struct rte_mbuf *ls_chain(struct ls_run *r, struct fz_in *in, const uint8_t *b,
				 uint32_t len)
{
	uint8_t shape = fz_u8(in);
	uint16_t nb = (uint16_t)(1 + shape % LS_MAX_CHAIN);
	struct rte_mbuf *head = NULL, *prev = NULL;
	uint32_t off = 0;

	for (uint16_t s = 0; s < nb; s++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(ls_mp);
		uint32_t take = s + 1 == nb ? len - off : RTE_MIN(len - off, fz_u16(in) % 1600u);

		if (m == NULL) {
			rte_pktmbuf_free(head);
			return NULL;
		}
		fz_mbuf_unpoison(m);
		ls_seg_new(r, m);
		take = RTE_MIN(take, (uint32_t)rte_pktmbuf_tailroom(m));
		memcpy(rte_pktmbuf_mtod(m, uint8_t *), b + off, take);
		m->data_len = (uint16_t)take;
		off += take;
		if (head == NULL) {
			head = m;
		} else {
			prev->next = m;
			head->nb_segs++;
		}
		prev = m;
	}
	head->pkt_len = off;
	if (shape & 0x80) {
		head->ol_flags |= RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED;
		head->vlan_tci = fz_u16(in);
	}
	for (struct rte_mbuf *m = head; m != NULL; m = m->next)
		fz_mbuf_poison_outside(m);
	return head;
}


/* Mark every segment of @m as returned by LRO; each may come back once only. */
static void ls_mark_back(struct ls_run *r, struct rte_mbuf *m)
{
	fz_check_chain(m, "lro output");
	for (struct rte_mbuf *s = m; s != NULL; s = s->next) {
		struct ls_seg *hit = ls_seg_find(r, s);

		fz_check(hit != NULL, "LRO returned an mbuf it was never given");
		fz_check(!hit->back, "LRO returned an mbuf twice");
		hit->back = true;
	}
	fz_check(lro_mbuf_nb_segs(m) == 1 || (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG &&
					       m->tso_segsz > 0),
		 "aggregate of %u segments without TSO metadata", lro_mbuf_nb_segs(m));
}

/*
 * The egress of every port takes a prefix of its frames: all of them (policy >= 128, or
 * the input is used up), else policy % (n + 1).
 */
static void ls_drain(struct ls_run *r, struct fz_in *in)
{
	uint8_t policy = fz_more(in) ? fz_u8(in) : UINT8_MAX;
	struct rte_mbuf **pkts;
	uint16_t port, n;

	while ((n = l2sw_out_next(r->out, &port, &pkts)) != 0) {
		uint16_t sent = policy >= 128 ? n : (uint16_t)(policy % (n + 1));

		fz_check(port < LS_NB_PORTS, "frames for port %u", port);
		for (uint16_t i = 0; i < n; i++)
			fz_check_chain(pkts[i], "switch output");
		for (uint16_t i = 0; i < sent; i++)
			rte_pktmbuf_free(pkts[i]);
		fz_check(l2sw_out_done(r->out, port, sent) == 0, "out_done refused");
	}
}

static void ls_forward(struct ls_run *r, struct fz_in *in, struct rte_mbuf **pkts, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++)
		ls_mark_back(r, pkts[i]);
	r->pkts_out += n;
	l2sw_forward_burst(r->sw, r->out, (uint16_t)(fz_u8(in) % LS_NB_PORTS), pkts, n, r->now);
	ls_drain(r, in);
}

static void ls_burst(struct ls_run *r, struct fz_in *in)
{
	static uint8_t frame[LS_FRAME_MAX];
	struct rte_mbuf *pkts[LS_MAX_FRAMES], *out[LRO_OUT_PER_PKT * LS_MAX_FRAMES];
	uint16_t n = 0, want = (uint16_t)(1 + fz_u8(in) % LS_MAX_FRAMES);
	int got;

	while (n < want && fz_more(in)) {
		uint64_t ol = 0;
		uint32_t len = ls_frame(r, in, frame, &ol);
		struct rte_mbuf *m = len == 0 ? NULL : ls_chain(r, in, frame, len);

		if (m == NULL)
			continue;
		m->ol_flags |= ol;
		pkts[n++] = m;
	}
	/* Sort the table now: from here on these segments may come back. */
	qsort(r->segs, r->nb_segs, sizeof(*r->segs), ls_seg_cmp);
	r->nb_sorted = r->nb_segs;
	r->now += fz_u16(in);
	got = lro_reassemble_burst(r->lro, pkts, n, r->now, out, RTE_DIM(out));
	fz_check(got >= 0 && got <= LRO_OUT_PER_PKT * n, "reassemble returned %d for %u", got, n);
	r->pkts_in += n;
	ls_forward(r, in, out, (uint16_t)got);
	if (fz_u8(in) & 1) {
		uint16_t f = lro_flush(r->lro, r->now, out, RTE_DIM(out));

		ls_forward(r, in, out, f);
	}
}

static void ls_setup(struct ls_run *r, struct fz_in *in)
{
	uint8_t c = fz_u8(in), v = fz_u8(in);
	struct lro_conf lc = {
		.socket_id = SOCKET_ID_ANY, .max_flows = 1 + c % 8,
		.max_held_mbufs = 1 + fz_u8(in), .timeout_cycles = 1 + fz_u16(in),
		.max_ip_len = c & 0x80 ? 1000 + fz_u16(in) % 64536 : 0,
		.max_slots = c & 0x40 ? 1 + fz_u8(in) % 18 : 0,
	};
	struct l2sw_conf sc = {
		.name = "fuzz", .socket_id = SOCKET_ID_ANY, .nb_ports = LS_NB_PORTS,
		.fdb_entries = 16, .age_ticks = 1000, .copy_pool = ls_copy_mp,
	};
	struct l2sw_port_conf pc[LS_NB_PORTS] = {
		{ .kind = L2SW_PORT_WIRE, .trunk = true },
		{ .kind = L2SW_PORT_WIRE, .tx_writes = v & 1 },
		{ .kind = L2SW_PORT_VIF, .mac = ls_macs[0], .access_vlan = v & 2 ? 5 : 0 },
		{ .kind = L2SW_PORT_VIF, .mac = ls_macs[1], .tx_writes = v & 4 },
	};

	memset(r, 0, sizeof(*r));
	r->lro = lro_ctx_create(&lc);
	fz_check(r->lro != NULL, "lro_ctx_create: %d", rte_errno);
	r->sw = l2sw_create(&sc);
	fz_check(r->sw != NULL, "l2sw_create");
	for (uint16_t p = 0; p < LS_NB_PORTS; p++)
		fz_check(l2sw_port_set(r->sw, p, &pc[p]) == 0, "port %u", p);
	r->out = l2sw_out_create(r->sw, (uint16_t)(1 + v % LS_OUT_CAP), SOCKET_ID_ANY);
	fz_check(r->out != NULL, "l2sw_out_create");
	for (unsigned int f = 0; f < LS_NB_FLOWS; f++) {
		uint8_t b = fz_u8(in);

		r->flow[f] = (struct ls_flow){
			.v6 = b & 1, .src = (uint8_t)(((b >> 1) & 7) % RTE_DIM(ls_macs)),
			.dst = (uint8_t)(((b >> 4) & 7) % RTE_DIM(ls_macs)),
			.vlan = b & 0x80 ? 5 : 0, .seq = fz_u32(in), .ack = 1,
		};
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ls_run r;
	struct rte_mbuf *out[64];
	struct lro_stats st;
	struct fz_in in;
	uint16_t n;

	fz_in_init(&in, data, size);
	ls_setup(&r, &in);
	for (unsigned int b = 0; b < LS_MAX_BURSTS && fz_more(&in); b++)
		ls_burst(&r, &in);
	while ((n = lro_flush(r.lro, LRO_FLUSH_ALL, out, RTE_DIM(out))) != 0)
		ls_forward(&r, &in, out, n);
	fz_check(lro_held_mbufs(r.lro) == 0 && lro_held_flows(r.lro) == 0,
		 "LRO still holds %u mbufs after a full flush", lro_held_mbufs(r.lro));
	fz_check(lro_stats_get(r.lro, &st) == 0 && st.pkts_in == r.pkts_in &&
		 st.pkts_out == r.pkts_out, "LRO counted %lu in %lu out, saw %lu in %lu out",
		 (unsigned long)st.pkts_in, (unsigned long)st.pkts_out,
		 (unsigned long)r.pkts_in, (unsigned long)r.pkts_out);
	l2sw_out_free(r.out);
	l2sw_free(r.sw);
	lro_ctx_free(r.lro);
	fz_check(rte_mempool_in_use_count(ls_mp) == 0 && rte_mempool_in_use_count(ls_copy_mp) == 0,
		 "mbufs not back: %u frames, %u copies", rte_mempool_in_use_count(ls_mp),
		 rte_mempool_in_use_count(ls_copy_mp));
	return 0;
}
