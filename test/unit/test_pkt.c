/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/pkt: the Ethernet/VLAN walk (tags, limits, short frames) and the TCP pseudo-header sum
 * against DPDK's rte_ipv4_phdr_cksum / rte_ipv6_phdr_cksum where those fit (no extension
 * headers), and against the sum written out by hand where they do not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pkt.h"

static uint8_t frame[256];

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

/* an Ethernet header with @p n tags of @p types, then @p etype */
static uint32_t make_l2(unsigned int n, const uint16_t *types, uint16_t etype)
{
	uint32_t off = 12;

	memset(frame, 0, sizeof(frame));
	for (unsigned int i = 0; i < n; i++) {
		put16(frame + off, types[i]);
		put16(frame + off + 2, (uint16_t)(100 + i));
		off += 4;
	}
	put16(frame + off, etype);
	return off + 2;
}

static void l2_walk_tags(void **state)
{
	uint16_t tags[3] = { RTE_ETHER_TYPE_QINQ, RTE_ETHER_TYPE_VLAN, RTE_ETHER_TYPE_VLAN };
	struct pkt_l2 l2;

	(void)state;
	make_l2(0, tags, RTE_ETHER_TYPE_IPV6);
	assert_int_equal(pkt_l2_walk(frame, 64, 2, &l2), 0);
	assert_int_equal(l2.l2_len, 14);
	assert_int_equal(l2.nb_tags, 0);
	assert_int_equal(l2.etype, RTE_ETHER_TYPE_IPV6);

	make_l2(2, tags, RTE_ETHER_TYPE_IPV4);
	assert_int_equal(pkt_l2_walk(frame, 64, 2, &l2), 0);
	assert_int_equal(l2.l2_len, 22);
	assert_int_equal(l2.nb_tags, 2);
	assert_int_equal(l2.tci[0], 100);
	assert_int_equal(l2.tci[1], 101);
	assert_int_equal(l2.etype, RTE_ETHER_TYPE_IPV4);
	/* one tag too many: refused, the caller counts it */
	assert_int_equal(pkt_l2_walk(frame, 64, 1, &l2), -ENOTSUP);
	make_l2(3, tags, RTE_ETHER_TYPE_IPV4);
	assert_int_equal(pkt_l2_walk(frame, 64, 2, &l2), -ENOTSUP);
	assert_int_equal(l2.etype, RTE_ETHER_TYPE_VLAN);
	/* and no PKT_MAX_TAGS overrun for a caller that asks for more */
	assert_int_equal(pkt_l2_walk(frame, 64, 9, &l2), -ENOTSUP);
}

static void l2_walk_short(void **state)
{
	uint16_t tags[2] = { RTE_ETHER_TYPE_VLAN, RTE_ETHER_TYPE_VLAN };
	struct pkt_l2 l2;

	(void)state;
	make_l2(0, tags, RTE_ETHER_TYPE_IPV4);
	assert_int_equal(pkt_l2_walk(frame, 13, 2, &l2), -EMSGSIZE);
	assert_int_equal(l2.l2_len, 14);
	make_l2(2, tags, RTE_ETHER_TYPE_IPV4);
	assert_int_equal(pkt_l2_walk(frame, 21, 2, &l2), -EMSGSIZE);
	assert_int_equal(l2.l2_len, 22);
	assert_int_equal(pkt_l2_walk(frame, 22, 2, &l2), 0);
}

static void phdr_ipv4_matches_dpdk(void **state)
{
	struct rte_ipv4_hdr ip = {
		.version_ihl = RTE_IPV4_VHL_DEF, .total_length = RTE_BE16(1500),
		.next_proto_id = IPPROTO_TCP, .src_addr = RTE_BE32(0xc0a80a01),
		.dst_addr = RTE_BE32(0xfe000a02),
	};

	(void)state;
	assert_int_equal(pkt_tcp_phdr_sum(&ip, true, 1480), rte_ipv4_phdr_cksum(&ip, 0));
	assert_int_equal(pkt_tcp_phdr_sum(&ip, true, 0),
			 rte_ipv4_phdr_cksum(&ip, RTE_MBUF_F_TX_TCP_SEG));
}

static void phdr_ipv6_matches_dpdk_and_ext(void **state)
{
	uint8_t pkt[40 + 8 + 20];
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)pkt;
	uint16_t want, got;

	(void)state;
	memset(pkt, 0, sizeof(pkt));
	ip6->vtc_flow = RTE_BE32(6u << 28);
	ip6->payload_len = RTE_BE16(1400);
	ip6->proto = IPPROTO_TCP;
	for (int i = 0; i < 16; i++) {
		ip6->src_addr[i] = (uint8_t)(0x20 + i);
		ip6->dst_addr[i] = (uint8_t)(0xf0 - 3 * i);
	}
	assert_int_equal(pkt_tcp_phdr_sum(ip6, false, 1400), rte_ipv6_phdr_cksum(ip6, 0));
	assert_int_equal(pkt_tcp_phdr_sum(ip6, false, 0),
			 rte_ipv6_phdr_cksum(ip6, RTE_MBUF_F_TX_TCP_SEG));
	/* a hop-by-hop header before TCP: the protocol is TCP's and the length TCP's alone */
	want = rte_ipv6_phdr_cksum(ip6, 0);
	ip6->proto = 0;
	ip6->payload_len = RTE_BE16(1408);
	pkt_tcp_phdr_write(ip6, 48, false, false);
	memcpy(&got, pkt + 48 + offsetof(struct rte_tcp_hdr, cksum), 2);
	assert_int_equal(got, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(l2_walk_tags),
		cmocka_unit_test(l2_walk_short),
		cmocka_unit_test(phdr_ipv4_matches_dpdk),
		cmocka_unit_test(phdr_ipv6_matches_dpdk_and_ext),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
