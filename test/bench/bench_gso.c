/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Software GSO benchmark (#20): the same 64 KiB TSO packet, as a guest's TX leaves it (a
 * chain of 2 KiB mbufs, headers in the first), segmented by pkt_gso_segment over TCP/IPv4
 * (librte_gso) and over TCP/IPv6 (lib/pkt's segmenter), with what app/egress.c does to
 * each segment after it (the pseudo-header sum, the IPv4 header checksum) and, as for a
 * port without checksum offload, the software checksum completion; then the segments and
 * the packet are freed. Only that is timed; building the packet is not. Best of --reps.
 * Prints `name: value` lines (cycles per TSO packet, per segment, ns per segment, the
 * IPv6/IPv4 ratio); checks only that every segment is made and no mbuf is left.
 *
 *   dnb-bench-gso [--packets N] [--mss N] [--payload N] [--reps N]
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dnb_test_eal.h"
#include "pkt.h"

#define MAX_SEGS 256

struct gso_opts {
	uint32_t packets, mss, payload, reps;
};

static struct rte_mempool *direct, *indirect;
static uint8_t frame[70000];

/* The TSO packet's bytes: Ethernet, IPv4 or IPv6, TCP (12 bytes of timestamp option). */
static uint32_t build(bool v6, uint32_t payload)
{
	uint32_t l3 = v6 ? 40 : 20, th = 14 + l3, len = th + 32 + payload;
	uint8_t *ip = frame + 14;

	memset(frame, 0, th + 32);
	memset(frame, 0x02, 12);
	frame[12] = v6 ? 0x86 : 0x08;
	frame[13] = v6 ? 0xdd : 0x00;
	if (v6) {
		ip[0] = 0x60;
		ip[4] = (uint8_t)((32 + payload) >> 8);
		ip[5] = (uint8_t)(32 + payload);
		ip[6] = IPPROTO_TCP;
		ip[7] = 64;
		memset(ip + 8, 0xfd, 32);
	} else {
		ip[0] = 0x45;
		ip[2] = (uint8_t)((20 + 32 + payload) >> 8);
		ip[3] = (uint8_t)(20 + 32 + payload);
		ip[6] = 0x40; /* DF */
		ip[8] = 64;
		ip[9] = IPPROTO_TCP;
		memset(ip + 12, 10, 8);
	}
	frame[th + 12] = 8 << 4;
	frame[th + 13] = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG;
	for (uint32_t i = 0; i < payload; i++)
		frame[th + 32 + i] = (uint8_t)i;
	return len;
}

static struct rte_mbuf *packet(bool v6, uint32_t len, uint16_t mss)
{
	struct rte_mbuf *head = NULL;

	for (uint32_t done = 0; done < len;) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(direct);
		uint32_t n;

		if (m == NULL)
			return NULL;
		n = RTE_MIN(len - done, (uint32_t)rte_pktmbuf_tailroom(m));
		memcpy(rte_pktmbuf_append(m, (uint16_t)n), frame + done, n);
		if (head == NULL)
			head = m;
		else
			rte_pktmbuf_chain(head, m);
		done += n;
	}
	head->l2_len = 14;
	head->l3_len = v6 ? 40 : 20;
	head->l4_len = 32;
	head->tso_segsz = mss;
	head->ol_flags = RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM |
			 (v6 ? RTE_MBUF_F_TX_IPV6 : RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM);
	return head;
}

/* What egress.c does to a segment for a port without checksum offload. */
static void segment_finish(struct rte_mbuf *s, bool v6)
{
	uint8_t *l3 = rte_pktmbuf_mtod_offset(s, uint8_t *, s->l2_len);
	uint16_t zero = 0, sum;

	if (!v6) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3;

		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	pkt_tcp_phdr_write(l3, s->l3_len, !v6, false);
	memcpy(l3 + s->l3_len + 16, &zero, 2);
	if (v6)
		pkt_ipv6_l4_cksum_mbuf(s, IPPROTO_TCP, &sum);
	else
		sum = rte_ipv4_udptcp_cksum_mbuf(s, (struct rte_ipv4_hdr *)l3,
						 s->l2_len + s->l3_len);
	memcpy(l3 + s->l3_len + 16, &sum, 2);
}

/* @return cycles of the timed part over o->packets packets, or 0 on a failure. */
static uint64_t run(bool v6, const struct gso_opts *o, uint64_t *segs)
{
	struct rte_mbuf *out[MAX_SEGS];
	uint32_t len = build(v6, o->payload);
	uint64_t cycles = 0;

	*segs = 0;
	for (uint32_t p = 0; p < o->packets; p++) {
		struct rte_mbuf *m = packet(v6, len, (uint16_t)o->mss);
		struct rte_gso_ctx ctx = {
			.direct_pool = direct, .indirect_pool = indirect,
			.gso_types = RTE_ETH_TX_OFFLOAD_TCP_TSO,
			.gso_size = (uint16_t)(14 + (v6 ? 40 : 20) + 32 + o->mss),
		};
		uint64_t t0;
		int n;

		if (m == NULL)
			return 0;
		t0 = rte_rdtsc();
		n = pkt_gso_segment(m, &ctx, out, MAX_SEGS);
		rte_pktmbuf_free(m);
		for (int i = 0; i < n; i++)
			segment_finish(out[i], v6);
		rte_pktmbuf_free_bulk(out, n > 0 ? (unsigned int)n : 0);
		cycles += rte_rdtsc() - t0;
		if (n != (int)((o->payload + o->mss - 1) / o->mss))
			return 0;
		*segs += (uint64_t)n;
	}
	if (rte_mempool_in_use_count(direct) != 0 || rte_mempool_in_use_count(indirect) != 0)
		return 0;
	return cycles;
}

static int parse(int argc, char **argv, struct gso_opts *o)
{
	static const struct option lo[] = {
		{"packets", 1, NULL, 'p'}, {"mss", 1, NULL, 'm'}, {"payload", 1, NULL, 'l'},
		{"reps", 1, NULL, 'r'}, {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		uint32_t v = (uint32_t)strtoul(optarg, NULL, 10);

		switch (c) {
		case 'p': o->packets = v; break;
		case 'm': o->mss = v; break;
		case 'l': o->payload = v; break;
		case 'r': o->reps = v; break;
		default: return -1;
		}
	}
	return o->packets && o->reps && o->mss >= 64 && o->payload > o->mss &&
	       o->payload <= 65000 && o->payload / o->mss < MAX_SEGS ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct gso_opts o = { .packets = 20000, .mss = 1448, .payload = 64000, .reps = 3 };
	double hz, per_seg[2] = { 0, 0 };

	if (parse(argc, argv, &o) != 0) {
		fprintf(stderr, "usage: %s [--packets N] [--mss N] [--payload N] [--reps N]\n",
			argv[0]);
		return 2;
	}
	if (dnb_test_eal_init(256) != 0)
		return 1;
	direct = rte_pktmbuf_pool_create("bench_gso_direct", 4095, 0, 0,
					 RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	indirect = rte_pktmbuf_pool_create("bench_gso_indirect", 4095, 0, 0, 0, SOCKET_ID_ANY);
	if (direct == NULL || indirect == NULL)
		return 1;
	hz = (double)rte_get_tsc_hz();
	for (int v6 = 0; v6 <= 1; v6++) {
		uint64_t best = UINT64_MAX, segs = 0;

		for (uint32_t r = 0; r < o.reps; r++) {
			uint64_t c = run(v6, &o, &segs);

			if (c == 0) {
				fprintf(stderr, "gso %s: a packet was not segmented whole, or an mbuf "
					"was left\n", v6 ? "ipv6" : "ipv4");
				return 1;
			}
			best = RTE_MIN(best, c);
		}
		per_seg[v6] = (double)best / (double)segs;
		printf("gso_%s_cycles_per_tso_packet: %.0f\n", v6 ? "ipv6" : "ipv4",
		       (double)best / o.packets);
		printf("gso_%s_cycles_per_segment: %.1f\n", v6 ? "ipv6" : "ipv4", per_seg[v6]);
		printf("gso_%s_ns_per_segment: %.1f\n", v6 ? "ipv6" : "ipv4",
		       per_seg[v6] * 1e9 / hz);
	}
	printf("gso_ipv6_over_ipv4_cost: %.2f\n", per_seg[1] / per_seg[0]);
	printf("gso_mss: %u\ngso_payload: %u\n", o.mss, o.payload);
	return 0;
}
