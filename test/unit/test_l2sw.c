/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/switch: learning, ageing, moves, flooding with shared mbufs, source checks, VLANs,
 * a full FDB, chains, runts, private copies and output accounting. Needs an EAL (mbufs,
 * rte_malloc) but no hugepages and no root.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "dnb_test_eal.h"
#include "l2sw.h"

#define NB_MBUFS 2047
#define MAX_PORTS 6
#define OUT_CAP 64
#define AGE 1000
#define PAYLOAD 46

enum { P_WIRE = 0, P_VIF1, P_VIF2, P_VIF3, P_WIRE2, NB_PORTS };

struct fixture {
	struct rte_mempool *mp;
	struct rte_mempool *copy_mp;
	struct l2sw *sw;
	struct l2sw_out *out;
};

/* What one forward produced, per destination port: the caller's tx took everything. */
struct got {
	uint16_t nb[MAX_PORTS];
	struct rte_mbuf *pkts[MAX_PORTS][OUT_CAP];
};

static const struct rte_ether_addr vif_mac[NB_PORTS] = {
	[P_VIF1] = {{0x02, 0x16, 0x3e, 0x00, 0x00, 0x01}},
	[P_VIF2] = {{0x02, 0x16, 0x3e, 0x00, 0x00, 0x02}},
	[P_VIF3] = {{0x02, 0x16, 0x3e, 0x00, 0x00, 0x03}},
};
static const struct rte_ether_addr host_a = {{0x52, 0x54, 0x00, 0xaa, 0x00, 0x01}};
static const struct rte_ether_addr host_b = {{0x52, 0x54, 0x00, 0xbb, 0x00, 0x02}};
static const struct rte_ether_addr bcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
static const struct rte_ether_addr mcast = {{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}};
static const struct rte_ether_addr zero_mac;

static struct rte_mempool *
pool(const char *name)
{
	/* No per-lcore cache: in-use counts are exact. "ring_mt_hts": the threads of the
	 * concurrency test are not EAL lcores, and on a loaded machine (CI's 2 cores) a thread
	 * preempted inside the default MP/MC ring's update leaves the others spinning for
	 * seconds; the head/tail-sync ring is the one DPDK offers for overcommitted threads. */
	return rte_pktmbuf_pool_create_by_ops(name, NB_MBUFS, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					      SOCKET_ID_ANY, "ring_mt_hts");
}

static int
group_setup(void **state)
{
	static struct fixture f;

	if (dnb_test_eal_init(256) < 0)
		return -1;
	f.mp = pool("l2sw_test");
	f.copy_mp = pool("l2sw_copy");
	if (f.mp == NULL || f.copy_mp == NULL)
		return -1;
	*state = &f;
	return 0;
}

static void
set_port(struct l2sw *sw, uint16_t port, enum l2sw_port_kind kind, uint16_t vlan, bool trunk,
	 bool tx_writes)
{
	struct l2sw_port_conf pc = {
		.kind = kind, .access_vlan = vlan, .trunk = trunk, .tx_writes = tx_writes,
	};

	if (kind == L2SW_PORT_VIF)
		pc.mac = vif_mac[port];
	assert_int_equal(l2sw_port_set(sw, port, &pc), 0);
}

/* A switch with the wire port, three vifs in VLAN 0 and a second wire port. */
static int
make_switch(struct fixture *f, uint32_t fdb_entries)
{
	struct l2sw_conf conf = {
		.name = "test", .socket_id = SOCKET_ID_ANY, .nb_ports = NB_PORTS,
		.fdb_entries = fdb_entries, .age_ticks = AGE, .copy_pool = f->copy_mp,
	};

	f->sw = l2sw_create(&conf);
	if (f->sw == NULL)
		return -1;
	f->out = l2sw_out_create(f->sw, OUT_CAP, SOCKET_ID_ANY);
	if (f->out == NULL)
		return -1;
	set_port(f->sw, P_WIRE, L2SW_PORT_WIRE, 0, false, false);
	set_port(f->sw, P_VIF1, L2SW_PORT_VIF, 0, false, false);
	set_port(f->sw, P_VIF2, L2SW_PORT_VIF, 0, false, false);
	set_port(f->sw, P_VIF3, L2SW_PORT_VIF, 0, false, false);
	set_port(f->sw, P_WIRE2, L2SW_PORT_WIRE, 0, false, false);
	return 0;
}

static int
setup(void **state)
{
	return make_switch(*state, 1024);
}

static int
setup_small_fdb(void **state)
{
	return make_switch(*state, 16);
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	l2sw_out_free(f->out);
	l2sw_free(f->sw);
	f->out = NULL;
	f->sw = NULL;
	/* every test frees what it got: a leak or a double free shows here */
	assert_int_equal(rte_mempool_in_use_count(f->mp), 0);
	assert_int_equal(rte_mempool_in_use_count(f->copy_mp), 0);
	return 0;
}

static void
write_eth(uint8_t *p, const struct rte_ether_addr *dst, const struct rte_ether_addr *src,
	  uint16_t ether_type)
{
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)p;

	rte_ether_addr_copy(dst, &eh->dst_addr);
	rte_ether_addr_copy(src, &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(ether_type);
}

static struct rte_mbuf *
frame(struct fixture *f, const struct rte_ether_addr *dst, const struct rte_ether_addr *src)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(f->mp);
	uint8_t *p;

	assert_non_null(m);
	p = (uint8_t *)rte_pktmbuf_append(m, RTE_ETHER_HDR_LEN + PAYLOAD);
	assert_non_null(p);
	write_eth(p, dst, src, RTE_ETHER_TYPE_IPV4);
	memset(p + RTE_ETHER_HDR_LEN, 0x5a, PAYLOAD);
	return m;
}

static struct rte_mbuf *
tagged_frame(struct fixture *f, const struct rte_ether_addr *dst,
	     const struct rte_ether_addr *src, uint16_t tci)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(f->mp);
	struct rte_vlan_hdr *vh;
	uint8_t *p;

	assert_non_null(m);
	p = (uint8_t *)rte_pktmbuf_append(m, RTE_ETHER_HDR_LEN + sizeof(*vh) + PAYLOAD);
	assert_non_null(p);
	write_eth(p, dst, src, RTE_ETHER_TYPE_VLAN);
	vh = (struct rte_vlan_hdr *)(p + RTE_ETHER_HDR_LEN);
	vh->vlan_tci = rte_cpu_to_be_16(tci);
	vh->eth_proto = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	memset(vh + 1, 0x5a, PAYLOAD);
	return m;
}

/* A chain of segments with the given lengths; the Ethernet header starts the first one. */
static struct rte_mbuf *
chain(struct fixture *f, const uint16_t *lens, unsigned int nb, const struct rte_ether_addr *dst,
      const struct rte_ether_addr *src)
{
	uint8_t bytes[RTE_ETHER_HDR_LEN];
	struct rte_mbuf *head = NULL;
	unsigned int off = 0;

	write_eth(bytes, dst, src, RTE_ETHER_TYPE_IPV4);
	for (unsigned int i = 0; i < nb; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(f->mp);
		uint8_t *p;

		assert_non_null(m);
		p = (uint8_t *)rte_pktmbuf_append(m, lens[i]);
		assert_non_null(p);
		for (unsigned int j = 0; j < lens[i]; j++, off++)
			p[j] = off < sizeof(bytes) ? bytes[off] : 0x5a;
		if (head == NULL)
			head = m;
		else
			assert_int_equal(rte_pktmbuf_chain(head, m), 0);
	}
	return head;
}

static uint16_t
fwd(struct fixture *f, uint16_t in_port, struct rte_mbuf *m, uint64_t now, struct got *g)
{
	struct rte_mbuf **pkts;
	uint16_t queued, port, n;

	queued = l2sw_forward_burst(f->sw, f->out, in_port, &m, 1, now);
	memset(g, 0, sizeof(*g));
	while ((n = l2sw_out_next(f->out, &port, &pkts)) != 0) {
		assert_true(port < MAX_PORTS);
		assert_true(n <= OUT_CAP);
		memcpy(g->pkts[port], pkts, n * sizeof(*pkts));
		g->nb[port] = n;
		assert_int_equal(l2sw_out_done(f->out, port, n), 0);
	}
	return queued;
}

static void
got_free(struct got *g)
{
	for (int p = 0; p < MAX_PORTS; p++)
		for (int i = 0; i < g->nb[p]; i++)
			rte_pktmbuf_free(g->pkts[p][i]);
	memset(g, 0, sizeof(*g));
}

/* Exactly these ports (bit mask) got one frame each. */
static void
assert_dests(const struct got *g, unsigned int mask)
{
	for (int p = 0; p < MAX_PORTS; p++)
		assert_int_equal(g->nb[p], (mask >> p) & 1u);
}

static struct l2sw_stats
stats(struct fixture *f, uint16_t port)
{
	struct l2sw_stats st;

	assert_int_equal(l2sw_stats_get(f->sw, port, &st), 0);
	return st;
}

#define BIT(p) (1u << (p))
#define ALL_BUT(p) (((1u << NB_PORTS) - 1) & ~BIT(p))

static void
test_learn_and_forward(void **state)
{
	struct fixture *f = *state;
	struct got g;

	/* host A broadcasts from the wire: flooded to all others, A learned on the wire */
	assert_int_equal(fwd(f, P_WIRE, frame(f, &bcast, &host_a), 10, &g), NB_PORTS - 1);
	assert_dests(&g, ALL_BUT(P_WIRE));
	got_free(&g);
	assert_int_equal(stats(f, P_WIRE).learned, 1);
	assert_int_equal(stats(f, P_WIRE).flooded, 1);

	/* a vif answers A: unicast to the wire only */
	assert_int_equal(fwd(f, P_VIF1, frame(f, &host_a, &vif_mac[P_VIF1]), 11, &g), 1);
	assert_dests(&g, BIT(P_WIRE));
	got_free(&g);
	assert_int_equal(stats(f, P_VIF1).unknown_unicast, 0);
	assert_int_equal(stats(f, P_VIF1).flooded, 0);

	/* guest to guest: the pinned vif MAC is known without learning, the wire is not used */
	assert_int_equal(fwd(f, P_VIF1, frame(f, &vif_mac[P_VIF2], &vif_mac[P_VIF1]), 12, &g), 1);
	assert_dests(&g, BIT(P_VIF2));
	got_free(&g);

	/* the wire reaches a guest directly too */
	assert_int_equal(fwd(f, P_WIRE, frame(f, &vif_mac[P_VIF3], &host_a), 13, &g), 1);
	assert_dests(&g, BIT(P_VIF3));
	got_free(&g);

	assert_int_equal(stats(f, P_WIRE).rx_pkts, 2);
	assert_int_equal(stats(f, P_VIF2).tx_pkts, 2); /* the broadcast and the guest frame */
	assert_int_equal(stats(f, L2SW_PORT_ALL).learned, 1);
}

/* IPv6 neighbour discovery and MLD go to 33:33:xx:xx:xx:xx (RFC 2464): every other port
 * of the VLAN gets them, from a guest (its solicitation for another guest or a wire host)
 * and from the wire, the same as a broadcast; a group address is never learned (#20). */
static void
test_ipv6_multicast_flooded(void **state)
{
	static const struct rte_ether_addr nd = {{0x33, 0x33, 0xff, 0x00, 0x00, 0x12}};
	static const struct rte_ether_addr mld = {{0x33, 0x33, 0x00, 0x00, 0x00, 0x16}};
	struct fixture *f = *state;
	struct got g;

	assert_int_equal(fwd(f, P_VIF1, frame(f, &nd, &vif_mac[P_VIF1]), 10, &g), NB_PORTS - 1);
	assert_dests(&g, ALL_BUT(P_VIF1));
	got_free(&g);
	assert_int_equal(fwd(f, P_WIRE, frame(f, &mld, &host_a), 11, &g), NB_PORTS - 1);
	assert_dests(&g, ALL_BUT(P_WIRE));
	got_free(&g);
	assert_int_equal(stats(f, P_VIF1).flooded, 1);
	assert_int_equal(stats(f, P_WIRE).flooded, 1);
	assert_int_equal(stats(f, L2SW_PORT_ALL).learned, 1); /* host A, not a group address */
}

static void
test_unknown_unicast_flooded(void **state)
{
	struct fixture *f = *state;
	struct got g;

	assert_int_equal(fwd(f, P_VIF1, frame(f, &host_b, &vif_mac[P_VIF1]), 1, &g),
			 NB_PORTS - 1);
	assert_dests(&g, ALL_BUT(P_VIF1));
	got_free(&g);
	assert_int_equal(stats(f, P_VIF1).unknown_unicast, 1);
	assert_int_equal(stats(f, P_VIF1).flooded, 1);

	assert_int_equal(fwd(f, P_WIRE, frame(f, &mcast, &host_a), 1, &g), NB_PORTS - 1);
	assert_dests(&g, ALL_BUT(P_WIRE));
	got_free(&g);
	assert_int_equal(stats(f, P_WIRE).unknown_unicast, 0);
}

static void
test_ageing(void **state)
{
	struct fixture *f = *state;
	uint32_t all = l2sw_fdb_buckets(f->sw);
	struct got g;

	fwd(f, P_WIRE, frame(f, &bcast, &host_a), 1000, &g);
	got_free(&g);
	/* idle exactly the age time: kept */
	assert_int_equal(l2sw_age(f->sw, 1000 + AGE, all), 0);
	assert_int_equal(fwd(f, P_VIF1, frame(f, &host_a, &vif_mac[P_VIF1]), 1000 + AGE, &g), 1);
	got_free(&g);
	/* idle longer: removed, the pinned vif MACs stay */
	assert_int_equal(l2sw_age(f->sw, 1000 + AGE + 1, all), 1);
	assert_int_equal(stats(f, P_WIRE).aged, 1);
	assert_int_equal(stats(f, L2SW_PORT_ALL).aged, 1);
	/* A is unknown again: flooded */
	assert_int_equal(fwd(f, P_VIF1, frame(f, &host_a, &vif_mac[P_VIF1]), 2100, &g),
			 NB_PORTS - 1);
	assert_dests(&g, ALL_BUT(P_VIF1));
	got_free(&g);
	assert_int_equal(stats(f, P_VIF1).unknown_unicast, 1);
	/* the guests are still reachable */
	assert_int_equal(fwd(f, P_VIF1, frame(f, &vif_mac[P_VIF2], &vif_mac[P_VIF1]), 5000, &g),
			 1);
	assert_dests(&g, BIT(P_VIF2));
	got_free(&g);
}

static void
test_ageing_budget_and_refresh(void **state)
{
	struct fixture *f = *state;
	uint32_t all = l2sw_fdb_buckets(f->sw);
	unsigned int removed = 0;
	struct got g;

	fwd(f, P_WIRE, frame(f, &bcast, &host_a), 0, &g);
	got_free(&g);
	fwd(f, P_WIRE2, frame(f, &bcast, &host_b), 0, &g);
	got_free(&g);
	/* B keeps talking: its entry is refreshed and survives */
	fwd(f, P_WIRE2, frame(f, &bcast, &host_b), AGE, &g);
	got_free(&g);
	/* one bucket per call: the whole table takes `all` calls, never more work per call */
	for (uint32_t i = 0; i < all; i++) {
		unsigned int n = l2sw_age(f->sw, AGE + 10, 1);

		assert_true(n <= 8);
		removed += n;
	}
	assert_int_equal(removed, 1);
	assert_int_equal(stats(f, P_WIRE).aged, 1);
	assert_int_equal(stats(f, P_WIRE2).aged, 0);
}

static void
test_station_move(void **state)
{
	struct fixture *f = *state;
	struct got g;

	fwd(f, P_WIRE, frame(f, &bcast, &host_a), 1, &g);
	got_free(&g);
	/* A now talks from the other wire port */
	fwd(f, P_WIRE2, frame(f, &bcast, &host_a), 2, &g);
	got_free(&g);
	assert_int_equal(stats(f, P_WIRE2).moved, 1);
	assert_int_equal(stats(f, P_WIRE2).learned, 0);
	/* the station counts on its new port only */
	assert_int_equal(stats(f, P_WIRE).stations, 0);
	assert_int_equal(stats(f, P_WIRE2).stations, 1);
	assert_int_equal(fwd(f, P_VIF1, frame(f, &host_a, &vif_mac[P_VIF1]), 3, &g), 1);
	assert_dests(&g, BIT(P_WIRE2));
	got_free(&g);
}

static void
test_same_port_dropped(void **state)
{
	struct fixture *f = *state;
	struct got g;

	fwd(f, P_WIRE, frame(f, &bcast, &host_a), 1, &g);
	got_free(&g);
	assert_int_equal(fwd(f, P_WIRE, frame(f, &host_a, &host_b), 2, &g), 0);
	assert_dests(&g, 0);
	assert_int_equal(stats(f, P_WIRE).same_port, 1);
}

static void
test_flood_shares_one_mbuf(void **state)
{
	struct fixture *f = *state;
	struct rte_mbuf *m = frame(f, &bcast, &host_a);
	struct got g;

	assert_int_equal(fwd(f, P_WIRE, m, 1, &g), NB_PORTS - 1);
	for (int p = 0; p < NB_PORTS; p++) {
		if (p == P_WIRE)
			continue;
		assert_ptr_equal(g.pkts[p][0], m); /* no copy */
	}
	assert_int_equal(rte_mbuf_refcnt_read(m), NB_PORTS - 1);
	assert_int_equal(rte_mempool_in_use_count(f->mp), 1);
	got_free(&g); /* each consumer frees its reference */
	assert_int_equal(rte_mempool_in_use_count(f->mp), 0);
}

static void
test_spoofed_source_dropped(void **state)
{
	struct fixture *f = *state;
	struct got g;

	/* a guest using someone else's MAC */
	assert_int_equal(fwd(f, P_VIF1, frame(f, &bcast, &vif_mac[P_VIF2]), 1, &g), 0);
	assert_dests(&g, 0);
	assert_int_equal(fwd(f, P_VIF1, frame(f, &bcast, &host_b), 1, &g), 0);
	assert_int_equal(stats(f, P_VIF1).spoofed, 2);
	/* the wire claiming a guest's pinned MAC: dropped, the guest keeps its traffic */
	assert_int_equal(fwd(f, P_WIRE, frame(f, &bcast, &vif_mac[P_VIF2]), 1, &g), 0);
	assert_int_equal(stats(f, P_WIRE).spoofed, 1);
	assert_int_equal(fwd(f, P_VIF1, frame(f, &vif_mac[P_VIF2], &vif_mac[P_VIF1]), 2, &g), 1);
	assert_dests(&g, BIT(P_VIF2));
	got_free(&g);
	assert_int_equal(stats(f, L2SW_PORT_ALL).moved, 0);
}

static void
test_bad_source_dropped(void **state)
{
	struct fixture *f = *state;
	struct got g;

	assert_int_equal(fwd(f, P_WIRE, frame(f, &bcast, &zero_mac), 1, &g), 0);
	assert_int_equal(fwd(f, P_WIRE, frame(f, &host_a, &mcast), 1, &g), 0);
	assert_int_equal(fwd(f, P_WIRE, frame(f, &host_a, &bcast), 1, &g), 0);
	assert_dests(&g, 0);
	assert_int_equal(stats(f, P_WIRE).bad_src, 3);
	assert_int_equal(stats(f, P_WIRE).learned, 0);
}

static void
test_vlan_isolation(void **state)
{
	struct fixture *f = *state;
	struct rte_mbuf *m;
	struct got g;

	set_port(f->sw, P_WIRE, L2SW_PORT_WIRE, 0, true, false);
	set_port(f->sw, P_VIF1, L2SW_PORT_VIF, 10, false, false);
	set_port(f->sw, P_VIF2, L2SW_PORT_VIF, 20, false, false);
	set_port(f->sw, P_VIF3, L2SW_PORT_VIF, 10, false, false);

	/*
	 * broadcast from VLAN 10: vif3 and the trunk, not vif2, not wire2. The trunk's frame
	 * asks for the tag (a frame of its own), vif3's does not: one rule for every egress.
	 */
	m = frame(f, &bcast, &vif_mac[P_VIF1]);
	assert_int_equal(fwd(f, P_VIF1, m, 1, &g), 2);
	assert_dests(&g, BIT(P_VIF3) | BIT(P_WIRE));
	assert_ptr_equal(g.pkts[P_VIF3][0], m);
	assert_false(m->ol_flags & RTE_MBUF_F_TX_VLAN);
	assert_ptr_not_equal(g.pkts[P_WIRE][0], m);
	assert_true(g.pkts[P_WIRE][0]->ol_flags & RTE_MBUF_F_TX_VLAN);
	assert_int_equal(g.pkts[P_WIRE][0]->vlan_tci, 10);
	got_free(&g);

	/* vif2's MAC is not known in VLAN 10: flooded within VLAN 10 only */
	assert_int_equal(fwd(f, P_VIF1, frame(f, &vif_mac[P_VIF2], &vif_mac[P_VIF1]), 2, &g), 2);
	assert_dests(&g, BIT(P_VIF3) | BIT(P_WIRE));
	got_free(&g);

	/* a tagged frame from an access vif */
	assert_int_equal(fwd(f, P_VIF1, tagged_frame(f, &bcast, &vif_mac[P_VIF1], 20), 3, &g), 0);
	assert_dests(&g, 0);
	assert_int_equal(stats(f, P_VIF1).vlan_drop, 1);

	/* from the trunk in VLAN 20: reaches vif2 untagged */
	m = tagged_frame(f, &bcast, &host_a, 20);
	assert_int_equal(fwd(f, P_WIRE, m, 4, &g), 1);
	assert_dests(&g, BIT(P_VIF2));
	assert_int_equal(m->pkt_len, RTE_ETHER_HDR_LEN + PAYLOAD);
	assert_int_equal(rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type,
			 rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4));
	assert_memory_equal(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->src_addr, &host_a,
			    RTE_ETHER_ADDR_LEN);
	got_free(&g);
	/* A was learned in VLAN 20 only: vif2 reaches it, vif1 (VLAN 10) floods */
	assert_int_equal(fwd(f, P_VIF2, frame(f, &host_a, &vif_mac[P_VIF2]), 5, &g), 1);
	assert_dests(&g, BIT(P_WIRE));
	assert_int_equal(g.pkts[P_WIRE][0]->vlan_tci, 20);
	got_free(&g);
	assert_int_equal(fwd(f, P_VIF1, frame(f, &host_a, &vif_mac[P_VIF1]), 6, &g), 2);
	got_free(&g);

	/* VID 4095 and 802.1ad on the trunk */
	assert_int_equal(fwd(f, P_WIRE, tagged_frame(f, &bcast, &host_a, 0xfff), 7, &g), 0);
	m = frame(f, &bcast, &host_a);
	rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type =
		rte_cpu_to_be_16(RTE_ETHER_TYPE_QINQ);
	assert_int_equal(fwd(f, P_WIRE, m, 7, &g), 0);
	assert_int_equal(stats(f, P_WIRE).vlan_drop, 2);
}

static void
test_inner_tag_not_sent_to_trunk(void **state)
{
	struct fixture *f = *state;
	struct got g;

	/* vif1 has no access VLAN: its own tags are payload, but must not enter the trunk */
	set_port(f->sw, P_WIRE, L2SW_PORT_WIRE, 0, true, false);
	assert_int_equal(fwd(f, P_VIF1, tagged_frame(f, &bcast, &vif_mac[P_VIF1], 30), 1, &g),
			 NB_PORTS - 2);
	assert_dests(&g, ALL_BUT(P_VIF1) & ~BIT(P_WIRE));
	got_free(&g);
	assert_int_equal(stats(f, P_VIF1).vlan_drop, 1);
}

/* A frame whose tag @p tci a wire PMD stripped into the metadata (af_packet, VLAN strip). */
static struct rte_mbuf *
stripped_frame(struct fixture *f, const struct rte_ether_addr *dst,
	       const struct rte_ether_addr *src, uint16_t tci)
{
	struct rte_mbuf *m = frame(f, dst, src);

	m->vlan_tci = tci;
	m->ol_flags |= RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED;
	return m;
}

/* The frame still carries tag @p tci in its data, unchanged, and asks for no other. */
static void
assert_tag_in_data(const struct rte_mbuf *m, uint16_t tci)
{
	const struct rte_vlan_hdr *vh =
		rte_pktmbuf_mtod_offset(m, const struct rte_vlan_hdr *, RTE_ETHER_HDR_LEN);

	assert_int_equal(m->pkt_len, RTE_ETHER_HDR_LEN + sizeof(*vh) + PAYLOAD);
	assert_int_equal(rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type,
			 rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN));
	assert_int_equal(rte_be_to_cpu_16(vh->vlan_tci), tci);
	assert_false(m->ol_flags & RTE_MBUF_F_TX_VLAN);
}

/* Untagged in the data, and asks the egress to insert @p tci (0: to insert nothing). */
static void
assert_tag_request(const struct rte_mbuf *m, uint16_t tci)
{
	assert_int_equal(m->pkt_len, RTE_ETHER_HDR_LEN + PAYLOAD);
	assert_int_equal(rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type,
			 rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4));
	assert_int_equal((m->ol_flags & RTE_MBUF_F_TX_VLAN) != 0, tci != 0);
	if (tci != 0)
		assert_int_equal(m->vlan_tci, tci);
}

static void
test_passthrough_tag_in_data(void **state)
{
	struct fixture *f = *state;
	struct rte_mbuf *m;
	struct got g;

	/* a guest's eth0.100 (no VLAN on its vif): to every port of VLAN 0, unchanged */
	assert_int_equal(fwd(f, P_VIF1, tagged_frame(f, &bcast, &vif_mac[P_VIF1], 100), 1, &g),
			 NB_PORTS - 1);
	assert_dests(&g, ALL_BUT(P_VIF1));
	assert_tag_in_data(g.pkts[P_WIRE][0], 100);
	got_free(&g);
	/* the peer's answer, its tag in the data (RX_VLAN alone: af_packet put it back) */
	m = tagged_frame(f, &vif_mac[P_VIF1], &host_a, 0x2064);
	m->vlan_tci = 0x2064;
	m->ol_flags |= RTE_MBUF_F_RX_VLAN;
	assert_int_equal(fwd(f, P_WIRE, m, 2, &g), 1);
	assert_dests(&g, BIT(P_VIF1));
	assert_tag_in_data(g.pkts[P_VIF1][0], 0x2064);
	got_free(&g);
	/* learned in VLAN 0, as the bridge's one table: the guest reaches host A directly */
	assert_int_equal(fwd(f, P_VIF1, tagged_frame(f, &host_a, &vif_mac[P_VIF1], 100), 3, &g),
			 1);
	assert_dests(&g, BIT(P_WIRE));
	assert_tag_in_data(g.pkts[P_WIRE][0], 100);
	got_free(&g);
	assert_int_equal(stats(f, P_WIRE).learned, 1);
	assert_int_equal(stats(f, L2SW_PORT_ALL).vlan_drop, 0);
}

static void
test_passthrough_tag_in_metadata(void **state)
{
	struct fixture *f = *state;
	struct rte_mbuf *m;
	struct got g;

	set_port(f->sw, P_WIRE2, L2SW_PORT_WIRE, 0, false, true);
	/* unicast to the guest: the stripped tag goes back, priority bits and all */
	m = stripped_frame(f, &vif_mac[P_VIF1], &host_a, 0x2064);
	assert_int_equal(fwd(f, P_WIRE, m, 1, &g), 1);
	assert_dests(&g, BIT(P_VIF1));
	assert_tag_request(g.pkts[P_VIF1][0], 0x2064);
	got_free(&g);
	/* broadcast: the vifs share one frame asking for the tag, wire2 (it writes) a copy */
	m = stripped_frame(f, &bcast, &host_a, 100);
	assert_int_equal(fwd(f, P_WIRE, m, 2, &g), NB_PORTS - 1);
	assert_dests(&g, ALL_BUT(P_WIRE));
	for (int p = P_VIF1; p <= P_VIF3; p++) {
		assert_ptr_equal(g.pkts[p][0], m);
		assert_tag_request(g.pkts[p][0], 100);
	}
	assert_ptr_not_equal(g.pkts[P_WIRE2][0], m);
	assert_tag_request(g.pkts[P_WIRE2][0], 100);
	got_free(&g);
	/* the guest's answer goes back tagged in its data: nothing to insert */
	assert_int_equal(fwd(f, P_VIF1, tagged_frame(f, &host_a, &vif_mac[P_VIF1], 100), 3, &g),
			 1);
	assert_dests(&g, BIT(P_WIRE));
	assert_tag_in_data(g.pkts[P_WIRE][0], 100);
	got_free(&g);
	assert_int_equal(stats(f, L2SW_PORT_ALL).vlan_drop, 0);
	/* a trunk would take the tag for its own VLAN: never sent there, counted */
	set_port(f->sw, P_WIRE2, L2SW_PORT_WIRE, 0, true, true);
	assert_int_equal(fwd(f, P_WIRE, stripped_frame(f, &bcast, &host_a, 100), 4, &g), 3);
	assert_dests(&g, BIT(P_VIF1) | BIT(P_VIF2) | BIT(P_VIF3));
	got_free(&g);
	assert_int_equal(stats(f, P_WIRE).vlan_drop, 1);
	/* no vif PMD strips: such metadata from a vif is refused; an access vif's tags too */
	assert_int_equal(fwd(f, P_VIF1, stripped_frame(f, &bcast, &vif_mac[P_VIF1], 100), 5, &g),
			 0);
	set_port(f->sw, P_VIF2, L2SW_PORT_VIF, 10, false, false);
	assert_int_equal(fwd(f, P_VIF2, tagged_frame(f, &bcast, &vif_mac[P_VIF2], 100), 6, &g),
			 0);
	assert_int_equal(stats(f, P_VIF1).vlan_drop, 1);
	assert_int_equal(stats(f, P_VIF2).vlan_drop, 1);
}

static void
set_trunk_vif(struct fixture *f, uint16_t port, const uint64_t *vlans)
{
	struct l2sw_port_conf pc = {
		.kind = L2SW_PORT_VIF, .mac = vif_mac[port], .trunk = true, .trunk_vlans = vlans,
	};

	assert_int_equal(l2sw_port_set(f->sw, port, &pc), 0);
}

static void
test_trunk_vif(void **state)
{
	struct fixture *f = *state;
	struct rte_mbuf *m;
	struct got g;

	/* vif1 a trunk of every VLAN, the wire a trunk, vif2 in VLAN 10, vif3 and wire2 in none */
	set_trunk_vif(f, P_VIF1, NULL);
	set_port(f->sw, P_WIRE, L2SW_PORT_WIRE, 0, true, true);
	set_port(f->sw, P_VIF2, L2SW_PORT_VIF, 10, false, false);

	/* tagged 10 from the guest: to the wire tagged, to vif2 untagged; a checksum request's
	 * offsets follow the headers out of the tag */
	m = tagged_frame(f, &bcast, &vif_mac[P_VIF1], 10);
	m->l2_len = RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN;
	assert_int_equal(fwd(f, P_VIF1, m, 1, &g), 2);
	assert_dests(&g, BIT(P_WIRE) | BIT(P_VIF2));
	assert_tag_request(g.pkts[P_VIF2][0], 0);
	assert_int_equal(g.pkts[P_VIF2][0]->l2_len, RTE_ETHER_HDR_LEN);
	assert_tag_request(g.pkts[P_WIRE][0], 10);
	got_free(&g);
	/* untagged from the guest: VLAN 0, with vif3, wire2 and the trunk's untagged side */
	assert_int_equal(fwd(f, P_VIF1, frame(f, &bcast, &vif_mac[P_VIF1]), 2, &g), 3);
	assert_dests(&g, BIT(P_WIRE) | BIT(P_VIF3) | BIT(P_WIRE2));
	assert_tag_request(g.pkts[P_WIRE][0], 0);
	got_free(&g);
	/* its MAC was learned in VLAN 10: vif2 and the wire reach it, the tag inserted */
	assert_int_equal(stats(f, P_VIF1).learned, 1);
	assert_int_equal(fwd(f, P_VIF2, frame(f, &vif_mac[P_VIF1], &vif_mac[P_VIF2]), 3, &g), 1);
	assert_dests(&g, BIT(P_VIF1));
	assert_tag_request(g.pkts[P_VIF1][0], 10);
	got_free(&g);
	assert_int_equal(fwd(f, P_WIRE, tagged_frame(f, &vif_mac[P_VIF1], &host_a, 10), 4, &g),
			 1);
	assert_dests(&g, BIT(P_VIF1));
	assert_tag_request(g.pkts[P_VIF1][0], 10);
	got_free(&g);
	/* the wire in VLAN 20: only the trunk vif is in it */
	assert_int_equal(fwd(f, P_WIRE, tagged_frame(f, &bcast, &host_b, 20), 5, &g), 1);
	assert_dests(&g, BIT(P_VIF1));
	assert_tag_request(g.pkts[P_VIF1][0], 20);
	got_free(&g);
	/* a guest's own inner tag on VLAN 0 (vif3) never enters the trunk vif */
	assert_int_equal(fwd(f, P_VIF3, tagged_frame(f, &bcast, &vif_mac[P_VIF3], 30), 6, &g), 1);
	assert_dests(&g, BIT(P_WIRE2));
	got_free(&g);
	/* 802.1ad from the trunk vif: refused, as on a wire trunk */
	m = frame(f, &bcast, &vif_mac[P_VIF1]);
	rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type =
		rte_cpu_to_be_16(RTE_ETHER_TYPE_QINQ);
	assert_int_equal(fwd(f, P_VIF1, m, 7, &g), 0);
	assert_int_equal(stats(f, P_VIF1).vlan_drop, 1);
	assert_int_equal(stats(f, P_VIF1).spoofed, 0);
}

static void
test_trunk_vif_set(void **state)
{
	struct fixture *f = *state;
	uint64_t set[L2SW_VLAN_WORDS] = {0};
	struct got g;

	/* VLANs 10 and 100, no untagged frames */
	set[0] = UINT64_C(1) << 10;
	set[1] = UINT64_C(1) << (100 - 64);
	set_trunk_vif(f, P_VIF1, set);
	set_port(f->sw, P_WIRE, L2SW_PORT_WIRE, 0, true, true);

	assert_int_equal(fwd(f, P_VIF1, tagged_frame(f, &bcast, &vif_mac[P_VIF1], 100), 1, &g),
			 1);
	assert_dests(&g, BIT(P_WIRE));
	assert_tag_request(g.pkts[P_WIRE][0], 100);
	got_free(&g);
	/* another VLAN, and untagged: refused, counted */
	assert_int_equal(fwd(f, P_VIF1, tagged_frame(f, &bcast, &vif_mac[P_VIF1], 20), 2, &g), 0);
	assert_int_equal(fwd(f, P_VIF1, frame(f, &bcast, &vif_mac[P_VIF1]), 3, &g), 0);
	assert_int_equal(stats(f, P_VIF1).vlan_drop, 2);
	/* towards it: VLAN 10 yes; VLAN 20 and untagged no (unicast to it too: flooded, no port) */
	assert_int_equal(fwd(f, P_WIRE, tagged_frame(f, &bcast, &host_a, 10), 4, &g), 1);
	assert_dests(&g, BIT(P_VIF1));
	assert_tag_request(g.pkts[P_VIF1][0], 10);
	got_free(&g);
	assert_int_equal(fwd(f, P_WIRE, tagged_frame(f, &vif_mac[P_VIF1], &host_a, 20), 5, &g),
			 0);
	assert_int_equal(fwd(f, P_WIRE, frame(f, &vif_mac[P_VIF1], &host_a), 6, &g), 3);
	assert_dests(&g, BIT(P_VIF2) | BIT(P_VIF3) | BIT(P_WIRE2));
	got_free(&g);
	/* the set is the port's: a new one applies at once */
	set[0] |= 1; /* untagged */
	set_trunk_vif(f, P_VIF1, set);
	assert_int_equal(fwd(f, P_VIF1, frame(f, &bcast, &vif_mac[P_VIF1]), 7, &g), 4);
	got_free(&g);
	assert_int_equal(stats(f, P_VIF1).vlan_drop, 2); /* no new drop */
}

/* Wire station number @p i: 52:54:00:10:hi:lo. */
static struct rte_ether_addr
host(unsigned int i)
{
	return (struct rte_ether_addr){{0x52, 0x54, 0x00, 0x10, (uint8_t)(i >> 8), (uint8_t)i}};
}

/* Stations [first, first + nb) broadcast from @p port at @p now: each one flooded. */
static void
hosts_broadcast(struct fixture *f, uint16_t port, unsigned int first, unsigned int nb,
		uint64_t now)
{
	struct got g;

	for (unsigned int i = first; i < first + nb; i++) {
		struct rte_ether_addr src = host(i);

		assert_int_equal(fwd(f, port, frame(f, &bcast, &src), now, &g), NB_PORTS - 1);
		got_free(&g);
	}
}

static void
test_fdb_full_still_floods(void **state)
{
	struct fixture *f = *state;
	const unsigned int nb = 100;
	struct l2sw_stats st;
	struct got g;

	hosts_broadcast(f, P_WIRE, 0, nb, 1);
	st = stats(f, P_WIRE);
	assert_true(st.fdb_full > 0);
	assert_int_equal(st.learned + st.fdb_full, nb);
	assert_true(st.learned <= 16 - 3); /* three slots hold the pinned vif MACs */
	assert_int_equal(st.flooded, nb);
	/* the pinned guests still forward */
	assert_int_equal(fwd(f, P_WIRE, frame(f, &vif_mac[P_VIF2], &host_a), 2, &g), 1);
	assert_dests(&g, BIT(P_VIF2));
	got_free(&g);
}

static void
set_wire_cap(struct l2sw *sw, uint16_t port, uint32_t cap)
{
	struct l2sw_port_conf pc = {.kind = L2SW_PORT_WIRE, .max_learned = cap};

	assert_int_equal(l2sw_port_set(sw, port, &pc), 0);
}

/* Dynamic entries per port and pinned entries, as a walk finds them. */
struct port_count {
	unsigned int dyn[NB_PORTS];
	unsigned int pinned;
};

static int
count_per_port(const struct l2sw_fdb_entry *e, void *arg)
{
	struct port_count *c = arg;

	if (e->pinned)
		c->pinned++;
	else if (e->port < NB_PORTS)
		c->dyn[e->port]++;
	return 0;
}

static struct port_count
walk_count(struct fixture *f)
{
	struct port_count c;

	memset(&c, 0, sizeof(c));
	assert_int_equal(l2sw_fdb_walk(f->sw, 0, count_per_port, &c), 0);
	return c;
}

static void
test_learn_cap(void **state)
{
	struct fixture *f = *state;
	struct rte_ether_addr h;
	struct l2sw_stats st;
	struct got g;

	set_wire_cap(f->sw, P_WIRE, 4);
	/* ten new stations on a port allowed four: all ten flooded, six not learned */
	hosts_broadcast(f, P_WIRE, 0, 10, 1);
	st = stats(f, P_WIRE);
	assert_int_equal(st.learned, 4);
	assert_int_equal(st.learn_cap, 6);
	assert_int_equal(st.fdb_full, 0);
	assert_int_equal(st.flooded, 10);
	assert_int_equal(st.stations, 4);
	assert_int_equal(walk_count(f).dyn[P_WIRE], 4);
	/* a refused station is unknown: a guest's frame to it is flooded */
	h = host(9);
	assert_int_equal(fwd(f, P_VIF1, frame(f, &h, &vif_mac[P_VIF1]), 2, &g), NB_PORTS - 1);
	got_free(&g);
	assert_int_equal(stats(f, P_VIF1).unknown_unicast, 1);
	/* a learned one is not; another port (no cap) still learns */
	h = host(0);
	assert_int_equal(fwd(f, P_VIF1, frame(f, &h, &vif_mac[P_VIF1]), 2, &g), 1);
	assert_dests(&g, BIT(P_WIRE));
	got_free(&g);
	hosts_broadcast(f, P_WIRE2, 100, 10, 3);
	assert_int_equal(stats(f, P_WIRE2).learned, 10);
	/* a station moving in to the full port is forgotten, not left at its old port */
	hosts_broadcast(f, P_WIRE, 100, 1, 4);
	assert_int_equal(stats(f, P_WIRE).learn_cap, 7);
	assert_int_equal(stats(f, P_WIRE).moved, 0);
	assert_int_equal(stats(f, P_WIRE2).stations, 9);
	h = host(100);
	assert_int_equal(fwd(f, P_VIF1, frame(f, &h, &vif_mac[P_VIF1]), 5, &g), NB_PORTS - 1);
	got_free(&g);
	assert_int_equal(stats(f, L2SW_PORT_ALL).stations, 4 + 9);
}

static void
test_ageing_frees_quota(void **state)
{
	struct fixture *f = *state;
	uint32_t all = l2sw_fdb_buckets(f->sw);

	set_wire_cap(f->sw, P_WIRE, 4);
	hosts_broadcast(f, P_WIRE, 0, 4, 10);
	hosts_broadcast(f, P_WIRE, 4, 1, 10 + AGE);
	assert_int_equal(stats(f, P_WIRE).learn_cap, 1);
	/* the four go idle for longer than the age: their slots and quota come back */
	assert_int_equal(l2sw_age(f->sw, 10 + AGE + 1, all), 4);
	assert_int_equal(stats(f, P_WIRE).aged, 4);
	assert_int_equal(stats(f, P_WIRE).stations, 0);
	hosts_broadcast(f, P_WIRE, 4, 4, 20 + AGE);
	assert_int_equal(stats(f, P_WIRE).learned, 8);
	assert_int_equal(stats(f, P_WIRE).stations, 4);
	assert_int_equal(stats(f, P_WIRE).learn_cap, 1);
	/* a port flush frees it too */
	set_wire_cap(f->sw, P_WIRE, 4);
	assert_int_equal(stats(f, P_WIRE).stations, 0);
	assert_int_equal(walk_count(f).dyn[P_WIRE], 0);
}

static void
test_pinned_not_counted(void **state)
{
	struct fixture *f = *state;
	struct l2sw_port_conf vif = {.kind = L2SW_PORT_VIF, .mac = vif_mac[P_VIF1],
				     .max_learned = 1};
	struct l2sw_port_conf evictor = {.kind = L2SW_PORT_VIF,
					 .mac = {{0x02, 0x16, 0x3e, 0x00, 0x00, 0x99}}};
	struct port_count c;

	/* a vif learns nothing: a cap on one is refused */
	assert_int_equal(l2sw_port_set(f->sw, P_VIF1, &vif), -EINVAL);
	set_port(f->sw, P_VIF1, L2SW_PORT_VIF, 0, false, false);
	/* the FDB (two buckets) holds three pinned vif MACs: the wire still gets its cap */
	set_wire_cap(f->sw, P_WIRE, 2);
	hosts_broadcast(f, P_WIRE, 0, 5, 1);
	assert_int_equal(stats(f, P_WIRE).learned, 2);
	assert_int_equal(stats(f, P_WIRE).stations, 2);
	for (uint16_t p = P_VIF1; p <= P_VIF3; p++)
		assert_int_equal(stats(f, p).stations, 0);
	/* the other wire port (no cap) fills the table; then the first one becomes a vif
	 * (nothing of its own to flush) and its MAC, pinned, evicts a learned entry: that
	 * entry's port counts one station less */
	set_wire_cap(f->sw, P_WIRE, 2);
	hosts_broadcast(f, P_WIRE2, 100, 40, 2);
	assert_int_equal(stats(f, P_WIRE2).stations, 16 - 3);
	assert_int_equal(l2sw_port_set(f->sw, P_WIRE, &evictor), 0);
	c = walk_count(f);
	assert_int_equal(c.pinned, 4);
	assert_int_equal(c.dyn[P_WIRE2], 16 - 4);
	assert_int_equal(stats(f, P_WIRE2).stations, 16 - 4);
	assert_int_equal(stats(f, L2SW_PORT_ALL).stations, 16 - 4);
}

static void
test_chain_forwarded_as_chain(void **state)
{
	struct fixture *f = *state;
	const uint16_t lens[] = {60, 700, 1200};
	struct rte_mbuf *m, *seg;
	struct got g;

	m = chain(f, lens, RTE_DIM(lens), &vif_mac[P_VIF2], &host_a);
	assert_int_equal(fwd(f, P_WIRE, m, 1, &g), 1);
	assert_ptr_equal(g.pkts[P_VIF2][0], m);
	assert_int_equal(m->nb_segs, 3);
	assert_int_equal(m->pkt_len, 60 + 700 + 1200);
	got_free(&g);

	/* flooded: every segment carries a reference per destination */
	m = chain(f, lens, RTE_DIM(lens), &bcast, &host_a);
	assert_int_equal(fwd(f, P_WIRE, m, 2, &g), NB_PORTS - 1);
	for (seg = m; seg != NULL; seg = seg->next)
		assert_int_equal(rte_mbuf_refcnt_read(seg), NB_PORTS - 1);
	got_free(&g);
	assert_int_equal(rte_mempool_in_use_count(f->mp), 0);
}

static void
test_runts_dropped(void **state)
{
	struct fixture *f = *state;
	const uint16_t short_first[] = {8, 60};
	struct rte_mbuf *m;
	struct got g;

	m = rte_pktmbuf_alloc(f->mp);
	assert_non_null(rte_pktmbuf_append(m, RTE_ETHER_HDR_LEN - 1));
	memset(rte_pktmbuf_mtod(m, void *), 0xff, RTE_ETHER_HDR_LEN - 1);
	assert_int_equal(fwd(f, P_WIRE, m, 1, &g), 0);
	/* whole frame long enough, Ethernet header split across segments */
	m = chain(f, short_first, RTE_DIM(short_first), &bcast, &host_a);
	assert_int_equal(fwd(f, P_VIF1, m, 1, &g), 0);
	/* empty */
	m = rte_pktmbuf_alloc(f->mp);
	assert_int_equal(fwd(f, P_WIRE, m, 1, &g), 0);
	assert_dests(&g, 0);
	assert_int_equal(stats(f, P_WIRE).runt, 2);
	assert_int_equal(stats(f, P_VIF1).runt, 1);

	/* a trunk frame tagged but cut inside the tag */
	set_port(f->sw, P_WIRE, L2SW_PORT_WIRE, 0, true, false);
	m = tagged_frame(f, &bcast, &host_a, 10);
	rte_pktmbuf_trim(m, m->pkt_len - (RTE_ETHER_HDR_LEN + 2));
	assert_int_equal(fwd(f, P_WIRE, m, 1, &g), 0);
	assert_int_equal(stats(f, P_WIRE).runt, 3);
	assert_int_equal(stats(f, L2SW_PORT_ALL).learned, 0);
}

static void
test_tx_writes_gets_copy(void **state)
{
	struct fixture *f = *state;
	struct rte_mbuf *m = frame(f, &bcast, &vif_mac[P_VIF1]);
	struct got g;

	set_port(f->sw, P_WIRE, L2SW_PORT_WIRE, 0, false, true);
	assert_int_equal(fwd(f, P_VIF1, m, 1, &g), NB_PORTS - 1);
	assert_ptr_not_equal(g.pkts[P_WIRE][0], m);
	assert_int_equal(rte_mbuf_refcnt_read(g.pkts[P_WIRE][0]), 1);
	assert_ptr_equal(g.pkts[P_WIRE2][0], m);
	assert_int_equal(rte_mbuf_refcnt_read(m), NB_PORTS - 2);
	assert_memory_equal(rte_pktmbuf_mtod(g.pkts[P_WIRE][0], void *),
			    rte_pktmbuf_mtod(m, void *), m->pkt_len);
	assert_int_equal(rte_mempool_in_use_count(f->copy_mp), 1);
	got_free(&g);

	/* unicast: the writer owns the frame alone, no copy */
	fwd(f, P_WIRE, frame(f, &bcast, &host_a), 2, &g);
	got_free(&g);
	m = frame(f, &host_a, &vif_mac[P_VIF1]);
	assert_int_equal(fwd(f, P_VIF1, m, 3, &g), 1);
	assert_ptr_equal(g.pkts[P_WIRE][0], m);
	got_free(&g);
}

static void
test_out_partial_tx_and_overflow(void **state)
{
	struct fixture *f = *state;
	struct rte_mbuf *pkts[OUT_CAP + 4], **q;
	uint16_t port, n;

	for (unsigned int i = 0; i < RTE_DIM(pkts); i++)
		pkts[i] = frame(f, &vif_mac[P_VIF2], &vif_mac[P_VIF1]);
	/* more than the port's array holds: the excess is dropped and counted */
	assert_int_equal(l2sw_forward_burst(f->sw, f->out, P_VIF1, pkts, RTE_DIM(pkts), 1),
			 OUT_CAP);
	n = l2sw_out_next(f->out, &port, &q);
	assert_int_equal(n, OUT_CAP);
	assert_int_equal(port, P_VIF2);
	assert_int_equal(l2sw_out_done(f->out, port, n + 1), -EINVAL);
	/* the egress took 10: the caller owns those, the switch frees the rest */
	for (int i = 0; i < 10; i++)
		rte_pktmbuf_free(q[i]);
	assert_int_equal(l2sw_out_done(f->out, port, 10), 0);
	assert_int_equal(l2sw_out_next(f->out, &port, &q), 0);
	assert_int_equal(l2sw_out_done(f->out, P_VIF2, 0), -EINVAL);
	assert_int_equal(stats(f, P_VIF2).tx_pkts, 10);
	assert_int_equal(stats(f, P_VIF2).tx_drop, 4 + OUT_CAP - 10);
	assert_int_equal(stats(f, P_VIF1).rx_pkts, RTE_DIM(pkts));
}

struct walk_count {
	unsigned int total, pinned;
	bool saw_a;
};

static int
count_entry(const struct l2sw_fdb_entry *e, void *arg)
{
	struct walk_count *w = arg;

	w->total++;
	w->pinned += e->pinned;
	if (rte_is_same_ether_addr(&e->mac, &host_a)) {
		w->saw_a = true;
		assert_int_equal(e->port, P_WIRE);
		assert_int_equal(e->idle, 40);
		assert_false(e->pinned);
	}
	return 0;
}

static int
stop_walk(const struct l2sw_fdb_entry *e, void *arg)
{
	(void)e;
	(void)arg;
	return 7;
}

static void
test_fdb_walk_and_port_removal(void **state)
{
	struct fixture *f = *state;
	struct walk_count w = {0};
	struct l2sw_port_conf none = {.kind = L2SW_PORT_NONE};
	struct got g;

	fwd(f, P_WIRE, frame(f, &bcast, &host_a), 10, &g);
	got_free(&g);
	assert_int_equal(l2sw_fdb_walk(f->sw, 50, count_entry, &w), 0);
	assert_int_equal(w.total, 4);
	assert_int_equal(w.pinned, 3);
	assert_true(w.saw_a);
	assert_int_equal(l2sw_fdb_walk(f->sw, 50, stop_walk, NULL), 7);

	/* a removed vif gets nothing and its ingress is dropped; its MAC is unpinned */
	assert_int_equal(l2sw_port_set(f->sw, P_VIF2, &none), 0);
	assert_int_equal(fwd(f, P_WIRE, frame(f, &bcast, &host_a), 11, &g), NB_PORTS - 2);
	assert_int_equal(g.nb[P_VIF2], 0);
	got_free(&g);
	assert_int_equal(fwd(f, P_VIF2, frame(f, &bcast, &vif_mac[P_VIF2]), 11, &g), 0);
	assert_int_equal(stats(f, P_VIF2).no_port, 1);
	memset(&w, 0, sizeof(w));
	assert_int_equal(l2sw_fdb_walk(f->sw, 50, count_entry, &w), 0);
	assert_int_equal(w.pinned, 2);
}

static void
test_bad_config_rejected(void **state)
{
	struct fixture *f = *state;
	struct l2sw_port_conf pc = {.kind = L2SW_PORT_VIF, .mac = mcast};
	struct l2sw_conf conf = {
		.nb_ports = 2, .fdb_entries = 16, .age_ticks = AGE, .socket_id = SOCKET_ID_ANY,
	};
	uint64_t vlans_4095[L2SW_VLAN_WORDS] = {[L2SW_VLAN_WORDS - 1] = UINT64_C(1) << 63};
	uint64_t vlans_10[L2SW_VLAN_WORDS] = {[0] = UINT64_C(1) << 10};
	struct l2sw *sw;
	struct got g;

	assert_int_equal(l2sw_port_set(f->sw, P_VIF1, &pc), -EINVAL);
	pc.mac = vif_mac[P_VIF1];
	pc.access_vlan = 4095;
	assert_int_equal(l2sw_port_set(f->sw, P_VIF1, &pc), -EINVAL);
	/* a trunk vif has no access VLAN, and its set never holds VID 4095 */
	pc.access_vlan = 10;
	pc.trunk = true;
	assert_int_equal(l2sw_port_set(f->sw, P_VIF1, &pc), -EINVAL);
	pc.access_vlan = 0;
	pc.trunk_vlans = vlans_4095;
	assert_int_equal(l2sw_port_set(f->sw, P_VIF1, &pc), -EINVAL);
	/* a set is a trunk vif's only */
	pc.trunk_vlans = vlans_10;
	pc.trunk = false;
	assert_int_equal(l2sw_port_set(f->sw, P_VIF1, &pc), -EINVAL);
	pc = (struct l2sw_port_conf){.kind = L2SW_PORT_WIRE, .trunk = true, .trunk_vlans = vlans_10};
	assert_int_equal(l2sw_port_set(f->sw, P_WIRE, &pc), -EINVAL);
	assert_int_equal(l2sw_port_set(f->sw, NB_PORTS, &pc), -EINVAL);
	/* no copy pool: a writing port cannot be had */
	sw = l2sw_create(&conf);
	assert_non_null(sw);
	pc = (struct l2sw_port_conf){.kind = L2SW_PORT_WIRE, .tx_writes = true};
	assert_int_equal(l2sw_port_set(sw, 0, &pc), -EINVAL);
	l2sw_free(sw);
	conf.age_ticks = 0;
	assert_null(l2sw_create(&conf));
	conf.age_ticks = AGE;
	conf.nb_ports = 0;
	assert_null(l2sw_create(&conf));
	/* an ingress port out of range: the burst is freed */
	assert_int_equal(fwd(f, NB_PORTS, frame(f, &bcast, &host_a), 1, &g), 0);
	assert_int_equal(rte_mempool_in_use_count(f->mp), 0);
}

/* ---- several lcores at once: two forwarders sharing stations, an ager and a walker ---- */

#define STRESS_ROUNDS 4000
#define STRESS_BURST 8
#define STRESS_HOSTS 64

struct stress_arg {
	struct fixture *f;
	struct l2sw_out *out;
	uint16_t port;
	unsigned int hosts;  /**< stations the sources and destinations are drawn from */
	unsigned int rounds; /**< bursts to forward */
	_Atomic uint64_t *clock;
	_Atomic int *running;
	_Atomic int *go;     /**< all threads start at once, so that they overlap */
	uint64_t sent;
	int failed;
};

/*
 * The EAL pinned the main thread to the main lcore's CPU and new threads inherit that: free
 * a forwarder to run on any CPU, so that it really runs beside the ager and the other one.
 */
static void
unpin_self(void)
{
	cpu_set_t all;
	long nb_cpus = sysconf(_SC_NPROCESSORS_ONLN);

	CPU_ZERO(&all);
	for (long c = 0; c < nb_cpus && c < CPU_SETSIZE; c++)
		CPU_SET(c, &all);
	pthread_setaffinity_np(pthread_self(), sizeof(all), &all);
}

static void *
stress_forwarder(void *p)
{
	struct stress_arg *a = p;
	struct rte_mbuf *burst[STRESS_BURST], **q;
	uint32_t rnd = a->port * 2654435761u + 1;
	uint16_t port, n;

	unpin_self();
	while (!atomic_load(a->go))
		sched_yield();

	for (unsigned int r = 0; r < a->rounds; r++) {
		for (int i = 0; i < STRESS_BURST; i++) {
			struct rte_ether_addr src = {{0x52, 0x54, 0, 0x20, 0, 0}};
			struct rte_ether_addr dst = src;

			rnd = rnd * 1103515245u + 12345u;
			src.addr_bytes[5] = (uint8_t)((rnd >> 16) % a->hosts);
			dst.addr_bytes[5] = (uint8_t)((rnd >> 24) % a->hosts);
			burst[i] = rte_pktmbuf_alloc(a->f->mp);
			if (burst[i] == NULL) {
				a->failed = 1;
				return NULL;
			}
			write_eth((uint8_t *)rte_pktmbuf_append(burst[i], 60),
				  (rnd & 0x100) ? &dst : &bcast, &src, RTE_ETHER_TYPE_IPV4);
		}
		l2sw_forward_burst(a->f->sw, a->out, a->port, burst, STRESS_BURST,
				   atomic_fetch_add(a->clock, 3));
		a->sent += STRESS_BURST;
		while ((n = l2sw_out_next(a->out, &port, &q)) != 0) {
			/* an egress that takes half */
			for (uint16_t i = 0; i < n / 2; i++)
				rte_pktmbuf_free(q[i]);
			if (l2sw_out_done(a->out, port, n / 2) != 0)
				a->failed = 1;
		}
	}
	atomic_fetch_sub(a->running, 1);
	return NULL;
}

static int
check_entry(const struct l2sw_fdb_entry *e, void *arg)
{
	(void)arg;
	/* learned hosts only on the two wire ports, pinned guests on theirs */
	if (e->pinned)
		return e->port == P_VIF1 || e->port == P_VIF2 || e->port == P_VIF3 ? 0 : -1;
	return e->port == P_WIRE || e->port == P_WIRE2 ? 0 : -1;
}

/* Two forwarders, one per wire port, sharing @p hosts stations (so they also move). */
struct stress {
	_Atomic uint64_t clock;
	_Atomic int running;
	_Atomic int go;
	struct stress_arg a[2];
	pthread_t th[2];
};

static void
stress_start(struct fixture *f, struct stress *st, unsigned int hosts, unsigned int rounds)
{
	atomic_init(&st->clock, 1);
	atomic_init(&st->running, 2);
	atomic_init(&st->go, 0);
	for (int i = 0; i < 2; i++)
		st->a[i] = (struct stress_arg){.f = f, .port = i == 0 ? P_WIRE : P_WIRE2,
					       .hosts = hosts, .rounds = rounds, .clock = &st->clock,
					       .running = &st->running, .go = &st->go};
	st->a[0].out = f->out;
	st->a[1].out = l2sw_out_create(f->sw, OUT_CAP, SOCKET_ID_ANY);
	assert_non_null(st->a[1].out);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&st->th[i], NULL, stress_forwarder, &st->a[i]), 0);
	atomic_store(&st->go, 1);
}

static void
stress_join(struct stress *st)
{
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_join(st->th[i], NULL), 0);
	assert_int_equal(st->a[0].failed + st->a[1].failed, 0);
	l2sw_out_free(st->a[1].out); /* its counters stay with the switch */
}

static void
test_concurrent_forwarders(void **state)
{
	struct fixture *f = *state;
	struct stress s;
	struct l2sw_stats st;
	unsigned int aged = 0;

	stress_start(f, &s, STRESS_HOSTS, STRESS_ROUNDS);
	/* age and walk for as long as the forwarders run */
	for (unsigned int i = 0; atomic_load(&s.running) > 0; i++) {
		/* every other pass looks from the future: stations age while being learned */
		aged += l2sw_age(f->sw, atomic_load(&s.clock) + (i & 1) * 2 * AGE, 4);
		sched_yield(); /* leave the cores to the forwarders when they are few */
		if ((i & 63) == 0)
			assert_int_equal(l2sw_fdb_walk(f->sw, atomic_load(&s.clock), check_entry,
						       NULL), 0);
	}
	stress_join(&s);
	/* How the threads interleaved is up to the scheduler (on a loaded machine one may end
	 * before the other starts, and the ager may pass only once): age what is left, so the
	 * counts below hold for every interleaving. test_station_move covers "moved". */
	aged += l2sw_age(f->sw, atomic_load(&s.clock) + 2 * AGE, l2sw_fdb_buckets(f->sw));
	assert_int_equal(l2sw_stats_get(f->sw, L2SW_PORT_ALL, &st), 0);
	assert_int_equal(st.rx_pkts, s.a[0].sent + s.a[1].sent);
	assert_int_equal(st.aged, aged);
	assert_true(aged > 0);
	assert_true(st.tx_pkts > 0);
	assert_true(st.tx_drop > 0);
	assert_int_equal(st.stations, 0);
	assert_int_equal(l2sw_fdb_walk(f->sw, atomic_load(&s.clock), check_entry, NULL), 0);
	/* every reference was freed exactly once: teardown checks the pool */
}

/* A 16-slot FDB (two buckets, three of its slots pinned) and few stations: the ager, the
 * flushes and both forwarders keep meeting on the same slots. */
#define STRESS_CAP 8
#define STRESS_FEW_HOSTS 12

/*
 * Per-port station counts while both forwarders learn and move stations against their
 * ports' caps, the ager removes them (from the future every other pass) and one port is
 * flushed now and then: the count never goes above the cap, and once the threads are done
 * it equals what a walk finds.
 */
static void
test_concurrent_station_counts(void **state)
{
	struct fixture *f = *state;
	struct port_count c;
	struct stress s;

	set_wire_cap(f->sw, P_WIRE, STRESS_CAP);
	set_wire_cap(f->sw, P_WIRE2, STRESS_CAP);
	unpin_self(); /* the ager too: three threads on any CPU, not two plus one pinned */
	stress_start(f, &s, STRESS_FEW_HOSTS, 5 * STRESS_ROUNDS);
	for (unsigned int i = 0; atomic_load(&s.running) > 0; i++) {
		l2sw_age(f->sw, atomic_load(&s.clock) + ((i & 1) == 0) * 2 * AGE, 2);
		if ((i & 255) == 128)
			set_wire_cap(f->sw, P_WIRE2, STRESS_CAP); /* a port flush under load */
		assert_true(stats(f, P_WIRE).stations <= STRESS_CAP);
		assert_true(stats(f, P_WIRE2).stations <= STRESS_CAP);
	}
	stress_join(&s);
	c = walk_count(f);
	assert_int_equal(stats(f, P_WIRE).stations, c.dyn[P_WIRE]);
	assert_int_equal(stats(f, P_WIRE2).stations, c.dyn[P_WIRE2]);
	assert_true(c.dyn[P_WIRE] <= STRESS_CAP && c.dyn[P_WIRE2] <= STRESS_CAP);
	assert_true(stats(f, L2SW_PORT_ALL).learn_cap > 0);
	l2sw_age(f->sw, atomic_load(&s.clock) + 2 * AGE, l2sw_fdb_buckets(f->sw));
	assert_int_equal(stats(f, L2SW_PORT_ALL).stations, 0);
	assert_int_equal(walk_count(f).pinned, 3);
}


/* ---- a vif's source policy: ip= (vif-common's handle_iptable) and extra MACs ---------- */

static const struct rte_ether_addr vrrp_mac = {{0x00, 0x00, 0x5e, 0x00, 0x01, 0x01}};

static struct pkt_ip_prefix
prefix(const char *addr, uint8_t len)
{
	struct pkt_ip_prefix p = {.v6 = strchr(addr, ':') != NULL, .len = len};

	assert_int_equal(inet_pton(p.v6 ? AF_INET6 : AF_INET, addr, p.addr), 1);
	return p;
}

/* VIF1 with an IP check on @p ips (may be empty: fail closed). */
static void
set_vif_ips(struct fixture *f, const struct pkt_ip_prefix *ips, uint8_t nb)
{
	struct l2sw_port_conf pc = {.kind = L2SW_PORT_VIF, .mac = vif_mac[P_VIF1],
				    .ip_check = true, .ips = ips, .nb_ips = nb};

	assert_int_equal(l2sw_port_set(f->sw, P_VIF1, &pc), 0);
}

/* A frame from @p src to host A: Ethernet, @p nb_tags 802.1Q tags (VID 7), @p etype, then
 * the @p len bytes of @p l3, unpadded (so a cut header stays cut). */
static struct rte_mbuf *
l3_frame(struct fixture *f, const struct rte_ether_addr *src, unsigned int nb_tags,
	 uint16_t etype, const uint8_t *l3, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(f->mp);
	uint8_t *p;

	assert_non_null(m);
	p = (uint8_t *)rte_pktmbuf_append(m, RTE_ETHER_HDR_LEN + 4 * nb_tags + len);
	assert_non_null(p);
	write_eth(p, &host_a, src, nb_tags != 0 ? RTE_ETHER_TYPE_VLAN : etype);
	for (unsigned int i = 0; i < nb_tags; i++) {
		uint8_t *t = p + RTE_ETHER_HDR_LEN + 4 * i;
		uint16_t next = i + 1 < nb_tags ? RTE_ETHER_TYPE_VLAN : etype;

		t[0] = 0;
		t[1] = 7;
		t[2] = (uint8_t)(next >> 8);
		t[3] = (uint8_t)next;
	}
	memcpy(p + RTE_ETHER_HDR_LEN + 4 * nb_tags, l3, len);
	return m;
}

/* IPv4 + UDP header from @p src: 28 bytes into @p b. */
static uint16_t
ip4_udp(uint8_t *b, const char *src, uint16_t frag, uint16_t sport, uint16_t dport)
{
	memset(b, 0, 28);
	b[0] = 0x45;
	b[3] = 28;
	b[6] = (uint8_t)(frag >> 8);
	b[7] = (uint8_t)frag;
	b[8] = 64;
	b[9] = IPPROTO_UDP;
	assert_int_equal(inet_pton(AF_INET, src, b + 12), 1);
	b[16] = 192;
	b[19] = 1;
	b[20] = (uint8_t)(sport >> 8);
	b[21] = (uint8_t)sport;
	b[22] = (uint8_t)(dport >> 8);
	b[23] = (uint8_t)dport;
	return 28;
}

/* ARP request (IPv4 over Ethernet) claiming @p spa; @p plen 4 unless a test lies. */
static uint16_t
arp(uint8_t *b, const char *spa, uint8_t plen)
{
	memset(b, 0, 28);
	b[1] = 1;
	b[2] = 0x08;
	b[4] = 6;
	b[5] = plen;
	b[7] = 1;
	memcpy(b + 8, vif_mac[P_VIF1].addr_bytes, 6);
	assert_int_equal(inet_pton(AF_INET, spa, b + 14), 1);
	return 28;
}

static uint16_t
ip6(uint8_t *b, const char *src)
{
	memset(b, 0, 48);
	b[0] = 0x60;
	b[5] = 8;
	b[6] = IPPROTO_UDP;
	b[7] = 64;
	assert_int_equal(inet_pton(AF_INET6, src, b + 8), 1);
	b[24] = 0x20;
	b[39] = 1;
	return 48;
}

/* Forward one frame from @p port; true when it went anywhere. */
static bool
passes(struct fixture *f, uint16_t port, struct rte_mbuf *m)
{
	struct got g;
	uint16_t n = fwd(f, port, m, 1, &g);

	got_free(&g);
	return n != 0;
}

static void
test_ip_check_ipv4_arp(void **state)
{
	struct fixture *f = *state;
	const struct pkt_ip_prefix ips[] = {prefix("10.0.0.5", 32), prefix("10.1.0.0", 16)};
	const struct rte_ether_addr *me = &vif_mac[P_VIF1];
	uint8_t b[64];
	uint16_t n;

	set_vif_ips(f, ips, RTE_DIM(ips));
	n = ip4_udp(b, "10.0.0.5", 0, 1000, 53);
	assert_true(passes(f, P_VIF1, l3_frame(f, me, 0, RTE_ETHER_TYPE_IPV4, b, n)));
	n = ip4_udp(b, "10.1.200.3", 0, 1000, 53);
	assert_true(passes(f, P_VIF1, l3_frame(f, me, 0, RTE_ETHER_TYPE_IPV4, b, n)));
	n = ip4_udp(b, "10.0.0.6", 0, 1000, 53);
	assert_false(passes(f, P_VIF1, l3_frame(f, me, 0, RTE_ETHER_TYPE_IPV4, b, n)));
	/* DHCP before an address: from 0.0.0.0, UDP 68 to 67, whole */
	n = ip4_udp(b, "0.0.0.0", 0, 68, 67);
	assert_true(passes(f, P_VIF1, l3_frame(f, me, 0, RTE_ETHER_TYPE_IPV4, b, n)));
	n = ip4_udp(b, "0.0.0.0", 0, 68, 68);
	assert_false(passes(f, P_VIF1, l3_frame(f, me, 0, RTE_ETHER_TYPE_IPV4, b, n)));
	n = ip4_udp(b, "0.0.0.0", 0x0010, 68, 67); /* a later fragment: no UDP header */
	assert_false(passes(f, P_VIF1, l3_frame(f, me, 0, RTE_ETHER_TYPE_IPV4, b, n)));
	n = ip4_udp(b, "10.0.0.5", 0, 1000, 53); /* cut inside the IP header */
	assert_false(passes(f, P_VIF1, l3_frame(f, me, 0, RTE_ETHER_TYPE_IPV4, b, 16)));
	assert_int_equal(stats(f, P_VIF1).ip_spoofed, 4);
	/* ARP: the sender address claimed, or a probe's 0.0.0.0 */
	assert_true(passes(f, P_VIF1, l3_frame(f, me, 0, RTE_ETHER_TYPE_ARP, b, arp(b, "10.0.0.5", 4))));
	assert_true(passes(f, P_VIF1, l3_frame(f, me, 0, RTE_ETHER_TYPE_ARP, b, arp(b, "0.0.0.0", 4))));
	assert_false(passes(f, P_VIF1, l3_frame(f, me, 0, RTE_ETHER_TYPE_ARP, b, arp(b, "10.0.0.9", 4))));
	assert_false(passes(f, P_VIF1, l3_frame(f, me, 0, RTE_ETHER_TYPE_ARP, b, arp(b, "10.0.0.5", 16))));
	assert_int_equal(stats(f, P_VIF1).ip_spoofed, 6);
	/* only IPv4 listed: IPv6 is not checked (vif-common restricts IPv4 only); nor LLDP */
	assert_true(passes(f, P_VIF1, l3_frame(f, me, 0, RTE_ETHER_TYPE_IPV6, b, ip6(b, "2001:db8::9"))));
	assert_true(passes(f, P_VIF1, l3_frame(f, me, 0, RTE_ETHER_TYPE_LLDP, b, 20)));
	/* a tag in the data hides nothing: the inner header is checked */
	n = ip4_udp(b, "10.0.0.6", 0, 1000, 53);
	assert_false(passes(f, P_VIF1, l3_frame(f, me, 1, RTE_ETHER_TYPE_IPV4, b, n)));
	assert_false(passes(f, P_VIF1, l3_frame(f, me, 3, RTE_ETHER_TYPE_IPV4, b, n)));
	n = ip4_udp(b, "10.0.0.5", 0, 1000, 53);
	assert_true(passes(f, P_VIF1, l3_frame(f, me, 1, RTE_ETHER_TYPE_IPV4, b, n)));
	assert_int_equal(stats(f, P_VIF1).ip_spoofed, 8);
	assert_int_equal(stats(f, P_VIF1).spoofed, 0);
	assert_int_equal(stats(f, P_VIF1).rx_pkts, 16);
	/* a vif without ip= sends from anything, as before */
	n = ip4_udp(b, "10.0.0.6", 0, 1000, 53);
	assert_true(passes(f, P_VIF2, l3_frame(f, &vif_mac[P_VIF2], 0, RTE_ETHER_TYPE_IPV4, b, n)));
	assert_int_equal(stats(f, L2SW_PORT_ALL).ip_spoofed, 8);
}

static void
test_ip_check_ipv6(void **state)
{
	struct fixture *f = *state;
	const struct pkt_ip_prefix ips[] = {prefix("2001:db8:1::", 48), prefix("10.0.0.5", 32)};
	const struct rte_ether_addr *me = &vif_mac[P_VIF1];
	uint8_t b[64];
	uint16_t n;

	set_vif_ips(f, ips, RTE_DIM(ips));
	assert_true(passes(f, P_VIF1, l3_frame(f, me, 0, RTE_ETHER_TYPE_IPV6, b, ip6(b, "2001:db8:1:ff::7"))));
	assert_true(passes(f, P_VIF1, l3_frame(f, me, 0, RTE_ETHER_TYPE_IPV6, b, ip6(b, "::"))));
	assert_true(passes(f, P_VIF1, l3_frame(f, me, 0, RTE_ETHER_TYPE_IPV6, b, ip6(b, "fe80::1"))));
	assert_false(passes(f, P_VIF1, l3_frame(f, me, 0, RTE_ETHER_TYPE_IPV6, b, ip6(b, "2001:db8:2::1"))));
	assert_false(passes(f, P_VIF1, l3_frame(f, me, 1, RTE_ETHER_TYPE_IPV6, b, ip6(b, "2001:db8:2::1"))));
	assert_false(passes(f, P_VIF1, l3_frame(f, me, 0, RTE_ETHER_TYPE_IPV6, b, 39)));
	n = ip4_udp(b, "10.0.0.5", 0, 1000, 53);
	assert_true(passes(f, P_VIF1, l3_frame(f, me, 0, RTE_ETHER_TYPE_IPV4, b, n)));
	n = ip4_udp(b, "10.0.0.6", 0, 1000, 53);
	assert_false(passes(f, P_VIF1, l3_frame(f, me, 0, RTE_ETHER_TYPE_IPV4, b, n)));
	assert_int_equal(stats(f, P_VIF1).ip_spoofed, 4);
}

/* ip_check with no address (the app's answer to a malformed ip key): no IP at all but a
 * DHCP client's discovery; other ethertypes still pass. */
static void
test_ip_check_fail_closed(void **state)
{
	struct fixture *f = *state;
	const struct rte_ether_addr *me = &vif_mac[P_VIF1];
	uint8_t b[64];
	uint16_t n;

	set_vif_ips(f, NULL, 0);
	n = ip4_udp(b, "10.0.0.5", 0, 1000, 53);
	assert_false(passes(f, P_VIF1, l3_frame(f, me, 0, RTE_ETHER_TYPE_IPV4, b, n)));
	assert_false(passes(f, P_VIF1, l3_frame(f, me, 0, RTE_ETHER_TYPE_ARP, b, arp(b, "10.0.0.5", 4))));
	assert_false(passes(f, P_VIF1, l3_frame(f, me, 0, RTE_ETHER_TYPE_IPV6, b, ip6(b, "2001:db8::1"))));
	n = ip4_udp(b, "0.0.0.0", 0, 68, 67);
	assert_true(passes(f, P_VIF1, l3_frame(f, me, 0, RTE_ETHER_TYPE_IPV4, b, n)));
	assert_true(passes(f, P_VIF1, l3_frame(f, me, 0, RTE_ETHER_TYPE_LLDP, b, 20)));
	assert_int_equal(stats(f, P_VIF1).ip_spoofed, 3);
}

static void
test_extra_macs_pinned(void **state)
{
	struct fixture *f = *state;
	const struct rte_ether_addr extra[] = {vrrp_mac};
	struct l2sw_port_conf pc = {.kind = L2SW_PORT_VIF, .mac = vif_mac[P_VIF1],
				    .extra_macs = extra, .nb_extra_macs = 1};
	struct got g;

	/* strict by default: the second MAC is spoofed */
	assert_false(passes(f, P_VIF1, frame(f, &host_a, &vrrp_mac)));
	assert_int_equal(stats(f, P_VIF1).spoofed, 1);
	assert_int_equal(l2sw_port_set(f->sw, P_VIF1, &pc), 0);
	assert_true(passes(f, P_VIF1, frame(f, &host_a, &vrrp_mac)));
	assert_true(passes(f, P_VIF1, frame(f, &host_a, &vif_mac[P_VIF1])));
	assert_false(passes(f, P_VIF1, frame(f, &host_a, &host_b)));
	assert_int_equal(stats(f, P_VIF1).spoofed, 2);
	/* pinned: reachable before it sends, and nobody else may take it */
	assert_int_equal(fwd(f, P_WIRE, frame(f, &vrrp_mac, &host_a), 1, &g), 1);
	assert_dests(&g, BIT(P_VIF1));
	got_free(&g);
	assert_false(passes(f, P_WIRE, frame(f, &host_a, &vrrp_mac)));
	assert_int_equal(stats(f, P_WIRE).spoofed, 1);
	/* another vif may not claim it, nor VIF1's own MAC: refused, that port left out */
	pc.mac = vif_mac[P_VIF2];
	assert_int_equal(l2sw_port_set(f->sw, P_VIF2, &pc), -EADDRINUSE);
	assert_false(passes(f, P_VIF2, frame(f, &host_a, &vif_mac[P_VIF2])));
	assert_int_equal(stats(f, P_VIF2).no_port, 1);
	pc.extra_macs = &vif_mac[P_VIF1];
	assert_int_equal(l2sw_port_set(f->sw, P_VIF2, &pc), -EADDRINUSE);
	assert_true(passes(f, P_VIF1, frame(f, &host_a, &vrrp_mac)));
	assert_int_equal(walk_count(f).pinned, 3); /* VIF1, its extra, VIF3 */
	/* back to strict: the extra MAC is unpinned and spoofed again */
	set_port(f->sw, P_VIF1, L2SW_PORT_VIF, 0, false, false);
	assert_false(passes(f, P_VIF1, frame(f, &host_a, &vrrp_mac)));
	assert_int_equal(stats(f, P_VIF1).spoofed, 3);
	assert_int_equal(walk_count(f).pinned, 2);
}

/* An HVM guest's emulated NIC (a tap) beside its vif: the one MAC, pinned to the emulated
 * NIC while it is there, back to the vif when it goes. */
static void
test_emulated_nic_twin(void **state)
{
	struct fixture *f = *state;
	struct l2sw_port_conf pc = {.kind = L2SW_PORT_VIF, .mac = vif_mac[P_VIF1],
				    .twin_set = true, .twin = P_VIF1};
	struct l2sw_port_conf bad;
	struct got g;

	/* refused: not the twin's MAC, itself, a wire twin, with learning or a trunk */
	bad = pc;
	bad.mac = vif_mac[P_VIF2];
	assert_int_equal(l2sw_port_set(f->sw, P_WIRE2, &bad), -EINVAL);
	bad = pc;
	bad.twin = P_WIRE2;
	assert_int_equal(l2sw_port_set(f->sw, P_WIRE2, &bad), -EINVAL);
	bad.twin = P_WIRE;
	assert_int_equal(l2sw_port_set(f->sw, P_WIRE2, &bad), -EINVAL);
	bad = pc;
	bad.learn = true;
	assert_int_equal(l2sw_port_set(f->sw, P_WIRE2, &bad), -EINVAL);
	bad = pc;
	bad.trunk = true;
	assert_int_equal(l2sw_port_set(f->sw, P_WIRE2, &bad), -EINVAL);
	/* the refusals left the port as it was: a wire port */
	assert_true(passes(f, P_WIRE2, frame(f, &host_a, &host_b)));

	assert_int_equal(l2sw_port_set(f->sw, P_WIRE2, &pc), 0);
	assert_int_equal(walk_count(f).pinned, 3); /* one entry for the two ports */
	assert_int_equal(fwd(f, P_WIRE, frame(f, &vif_mac[P_VIF1], &host_a), 1, &g), 1);
	assert_dests(&g, BIT(P_WIRE2));
	got_free(&g);
	/* the emulated NIC sends from the guest's MAC only; nobody else takes it */
	assert_true(passes(f, P_WIRE2, frame(f, &host_a, &vif_mac[P_VIF1])));
	assert_false(passes(f, P_WIRE2, frame(f, &host_a, &host_b)));
	assert_int_equal(stats(f, P_WIRE2).spoofed, 1);
	assert_false(passes(f, P_WIRE, frame(f, &host_a, &vif_mac[P_VIF1])));
	assert_int_equal(stats(f, P_WIRE).spoofed, 1);
	/* the vif's own frames still pass (its source check is its port's, not the FDB's) */
	assert_true(passes(f, P_VIF1, frame(f, &host_a, &vif_mac[P_VIF1])));

	/* the tap goes: the MAC is the vif's again, pinned */
	set_port(f->sw, P_WIRE2, L2SW_PORT_NONE, 0, false, false);
	assert_int_equal(walk_count(f).pinned, 3);
	assert_int_equal(fwd(f, P_WIRE, frame(f, &vif_mac[P_VIF1], &host_a), 1, &g), 1);
	assert_dests(&g, BIT(P_VIF1));
	got_free(&g);
	assert_false(passes(f, P_WIRE, frame(f, &host_a, &vif_mac[P_VIF1])));
	assert_int_equal(stats(f, P_WIRE).spoofed, 2);
}

static void
test_vif_learn(void **state)
{
	static const struct rte_ether_addr c1 = {{0x02, 0x42, 0x00, 0x00, 0x00, 0x01}};
	static const struct rte_ether_addr c2 = {{0x02, 0x42, 0x00, 0x00, 0x00, 0x02}};
	static const struct rte_ether_addr c3 = {{0x02, 0x42, 0x00, 0x00, 0x00, 0x03}};
	struct fixture *f = *state;
	struct l2sw_port_conf pc = {.kind = L2SW_PORT_VIF, .mac = vif_mac[P_VIF1],
				    .learn = true, .max_learned = 2};
	struct got g;

	assert_int_equal(l2sw_port_set(f->sw, P_VIF1, &pc), 0);
	assert_true(passes(f, P_VIF1, frame(f, &host_a, &c1)));
	assert_true(passes(f, P_VIF1, frame(f, &host_a, &c2)));
	assert_true(passes(f, P_VIF1, frame(f, &host_a, &vif_mac[P_VIF1])));
	assert_true(passes(f, P_VIF1, frame(f, &host_a, &c3))); /* over the cap: not learned */
	assert_int_equal(stats(f, P_VIF1).learned, 2);
	assert_int_equal(stats(f, P_VIF1).learn_cap, 1);
	assert_int_equal(stats(f, P_VIF1).stations, 2);
	/* anti-poisoning: another vif's pinned MAC is never learned here */
	assert_false(passes(f, P_VIF1, frame(f, &host_a, &vif_mac[P_VIF2])));
	assert_int_equal(stats(f, P_VIF1).spoofed, 1);
	assert_int_equal(fwd(f, P_WIRE, frame(f, &c2, &host_a), 1, &g), 1);
	assert_dests(&g, BIT(P_VIF1));
	got_free(&g);
	/* a cap on a vif that does not learn, or a policy on a wire port, is a mistake */
	pc.learn = false;
	assert_int_equal(l2sw_port_set(f->sw, P_VIF1, &pc), -EINVAL);
	pc = (struct l2sw_port_conf){.kind = L2SW_PORT_WIRE, .learn = true};
	assert_int_equal(l2sw_port_set(f->sw, P_WIRE2, &pc), -EINVAL);
	pc = (struct l2sw_port_conf){.kind = L2SW_PORT_VIF, .mac = vif_mac[P_VIF3],
				     .extra_macs = &mcast, .nb_extra_macs = 1};
	assert_int_equal(l2sw_port_set(f->sw, P_VIF3, &pc), -EINVAL);
	pc = (struct l2sw_port_conf){.kind = L2SW_PORT_VIF, .mac = vif_mac[P_VIF3],
				     .ip_check = true, .nb_ips = L2SW_MAX_IPS + 1};
	assert_int_equal(l2sw_port_set(f->sw, P_VIF3, &pc), -EINVAL);
	/* refused before anything changed: VIF3 still forwards */
	assert_true(passes(f, P_VIF3, frame(f, &host_a, &vif_mac[P_VIF3])));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_learn_and_forward, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_unicast_flooded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_multicast_flooded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ageing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ageing_budget_and_refresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_station_move, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_port_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flood_shares_one_mbuf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spoofed_source_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_source_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vlan_isolation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inner_tag_not_sent_to_trunk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_passthrough_tag_in_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_passthrough_tag_in_metadata, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trunk_vif, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trunk_vif_set, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fdb_full_still_floods, setup_small_fdb,
						teardown),
		cmocka_unit_test_setup_teardown(test_learn_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ageing_frees_quota, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pinned_not_counted, setup_small_fdb, teardown),
		cmocka_unit_test_setup_teardown(test_chain_forwarded_as_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runts_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_writes_gets_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_partial_tx_and_overflow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fdb_walk_and_port_removal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_config_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ip_check_ipv4_arp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ip_check_ipv6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ip_check_fail_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_extra_macs_pinned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vif_learn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_emulated_nic_twin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_forwarders, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_station_counts, setup_small_fdb,
						teardown),
	};

	return cmocka_run_group_tests_name("l2sw", tests, group_setup, NULL);
}
