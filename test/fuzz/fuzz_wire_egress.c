/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_wire_egress: what a hostile guest sends, through lib/netif and app/egress.c's
 * dnb_port_tx(), to a wire port (#12 item 4). The guest side is fuzz_guest_tx.h's script
 * (its page bytes make any Ethernet/VLAN/IP/IPv6-extension/TCP headers, its extra slots any
 * GSO size and type, up to 64 KiB per packet). The input starts with the wire port: its
 * MTU (576..9000), which of TSO, checksum offload (each per IP version) and VLAN insertion
 * it does, and whether the vif has an access VLAN the port is a trunk for (the switch then
 * tags the vif's frames, RTE_MBUF_F_TX_VLAN, and drops those already tagged in the data);
 * each burst step is followed by how many frames the NIC takes of each tx_burst.
 *
 * The wire port is a fake ethdev made here. Its tx_pkt_prepare applies DPDK 22.11's i40e
 * rules (i40e_prep_pkts: segment count and frame size, MSS range, unsupported flags, minimum
 * length, rte_validate_tx_offload, rte_net_intel_cksum_prepare) and marks what it passes.
 * Its tx_pkt_burst checks every frame offered, then frees those it takes:
 *  - it passed prepare since the last burst (rte_eth_tx_prepare ran, on this very frame);
 *  - its chain is well formed;
 *  - it asks only for offloads the port does (TSO, L4 checksum per IP version, VLAN insert;
 *    an IPv4 header checksum only with TSO);
 *  - with any offload, l2/l3(/l4 for TSO) lengths are the real header lengths
 *    (rte_net_get_ptype), of the IP version and L4 protocol its flags say, all within the
 *    first segment;
 *  - no frame over the MTU: an IP packet of at most mtu bytes after every 802.1Q tag it has
 *    or gets, and for TSO l3_len + l4_len + tso_segsz <= mtu.
 * Per burst: dnb_port_tx takes every frame; tx_pkts counts the frames the NIC took,
 * tx_drop_prepare what prepare refused, tx_drops at least those plus the refused tails and
 * tx_drop_oversize. After every burst: every mbuf of both pools (packets, GSO indirect) free.
 */
#include <stdlib.h>
#include <string.h>

#include <ethdev_driver.h>
#include <rte_ether.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_net.h>
#include <rte_tcp.h>

#include "dnb.h"
#include "fuzz_common.h"
#include "fuzz_guest_tx.h"

#define WIRE_POOL_SIZE 1023u
#define WIRE_INDIRECT_POOL_SIZE 511u
#define WIRE_MTU_MIN 576u
#define WIRE_MTU_MAX 9000u

/* DPDK 22.11.11's i40e limits (drivers/net/i40e/i40e_rxtx.h, i40e_ethdev.h). */
#define NIC_TX_MAX_MTU_SEG 8u
#define NIC_TX_MAX_SEG UINT8_MAX
#define NIC_MIN_TSO_MSS 256u
#define NIC_MAX_TSO_MSS 9674u
#define NIC_FRAME_SIZE_MAX 9728u
#define NIC_TSO_FRAME_SIZE_MAX 262144u
#define NIC_TX_MIN_PKT_LEN 17u
#define NIC_TX_OFFLOAD_MASK                                                                \
	(RTE_MBUF_F_TX_OUTER_IPV6 | RTE_MBUF_F_TX_OUTER_IPV4 | RTE_MBUF_F_TX_IPV4 |         \
	 RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_L4_MASK |              \
	 RTE_MBUF_F_TX_OUTER_IP_CKSUM | RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_QINQ |        \
	 RTE_MBUF_F_TX_VLAN | RTE_MBUF_F_TX_TUNNEL_MASK | RTE_MBUF_F_TX_OUTER_UDP_CKSUM |   \
	 RTE_MBUF_F_TX_IEEE1588_TMST)
#define NIC_TX_OFFLOAD_NOTSUP_MASK (RTE_MBUF_F_TX_OFFLOAD_MASK ^ NIC_TX_OFFLOAD_MASK)

/* The offload requests a NIC acts on (IPV4/IPV6 alone only describe the frame). */
#define WIRE_OFFLOADS (RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_TCP_SEG)

enum wire_conf_bit {
	WIRE_TSO_V4 = 1,
	WIRE_TSO_V6 = 2,
	WIRE_CSUM_V4 = 4,
	WIRE_CSUM_V6 = 8,
	WIRE_VLAN_INSERT = 16,
	WIRE_TRUNK = 32, /* the vif has an access VLAN; the wire port is a trunk */
};

/* app/main.c registers it; egress.c logs its GSO drops through it (quieted in Initialize) */
int dnb_logtype;
static struct dnb_app wire_app;
static struct dnb_port wire_port;
/* The vif on the other side of the switch (per input). */
static struct {
	bool trunk;   /* it has an access VLAN: every frame reaching the NIC is tagged */
	uint16_t tci; /* that VLAN */
} wire_vif;

/* The fake NIC's state: what it passed in prepare, and what one dnb_port_tx() call saw. */
static struct {
	int mark_off;     /* dynfield: the generation in which prepare passed the frame */
	uint32_t gen;     /* +1 per tx_burst: a mark from an earlier flush is stale */
	uint8_t take;     /* 0: take every frame, else take - 1 at most per tx_burst */
	uint64_t sent, tails_refused, prepare_refused;
} nic;

static uint32_t *wire_mark(struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, nic.mark_off, uint32_t *);
}

/* i40e_prep_pkts (DPDK 22.11.11), with rte_validate_tx_offload as under RTE_ETHDEV_DEBUG_TX. */
static int nic_prepare_one(struct rte_mbuf *m)
{
	uint64_t ol = m->ol_flags;

	if (!(ol & RTE_MBUF_F_TX_TCP_SEG)) {
		if (m->nb_segs > NIC_TX_MAX_MTU_SEG || m->pkt_len > NIC_FRAME_SIZE_MAX)
			return -EINVAL;
	} else if (m->nb_segs > NIC_TX_MAX_SEG || m->tso_segsz < NIC_MIN_TSO_MSS ||
		   m->tso_segsz > NIC_MAX_TSO_MSS || m->pkt_len > NIC_TSO_FRAME_SIZE_MAX) {
		return -EINVAL; /* "MSS outside the range are considered malicious" */
	}
	if (ol & NIC_TX_OFFLOAD_NOTSUP_MASK)
		return -ENOTSUP;
	if (m->pkt_len < NIC_TX_MIN_PKT_LEN)
		return -EINVAL;
	if (rte_validate_tx_offload(m) != 0)
		return -EINVAL;
	return rte_net_intel_cksum_prepare(m);
}

static uint16_t nic_tx_prepare(void *txq, struct rte_mbuf **pkts, uint16_t nb)
{
	(void)txq;
	for (uint16_t i = 0; i < nb; i++) {
		int rc = nic_prepare_one(pkts[i]);

		if (rc != 0) {
			rte_errno = -rc;
			nic.prepare_refused++;
			return i;
		}
		*wire_mark(pkts[i]) = nic.gen;
	}
	return nb;
}

/* The L2 header of @p m on the wire: Ethernet, the tags in its data (@p hl), the one the NIC
 * inserts. */
static uint32_t wire_l2_len(const struct rte_mbuf *m, const struct rte_net_hdr_lens *hl)
{
	return hl->l2_len + ((m->ol_flags & RTE_MBUF_F_TX_VLAN) ? RTE_VLAN_HLEN : 0);
}

static void nic_check_offloads(const struct rte_mbuf *m)
{
	uint64_t ol = m->ol_flags, l4 = ol & RTE_MBUF_F_TX_L4_MASK;
	bool v4 = (ol & RTE_MBUF_F_TX_IPV4) != 0;

	fz_check(!(ol & RTE_MBUF_F_TX_TCP_SEG) || (v4 ? wire_port.tso_v4 : wire_port.tso_v6),
		 "TSO (IPv%d) to a port without it", v4 ? 4 : 6);
	fz_check(l4 == 0 || (v4 ? wire_port.csum_v4 : wire_port.csum_v6),
		 "L4 checksum offload (IPv%d) to a port without it", v4 ? 4 : 6);
	fz_check(!(ol & RTE_MBUF_F_TX_IP_CKSUM) || (ol & RTE_MBUF_F_TX_TCP_SEG),
		 "IPv4 header checksum offload without TSO (ports never enable it)");
	fz_check(!(ol & RTE_MBUF_F_TX_VLAN) || wire_port.vlan_insert,
		 "RTE_MBUF_F_TX_VLAN to a port that does not insert tags");
}

/* With an offload, the NIC reads the headers where l2/l3/l4_len say: they must be there. */
static void nic_check_headers(const struct rte_mbuf *m, const struct rte_net_hdr_lens *hl,
			      uint32_t ptype)
{
	uint64_t ol = m->ol_flags, l4 = ol & RTE_MBUF_F_TX_L4_MASK;
	bool tso = (ol & RTE_MBUF_F_TX_TCP_SEG) != 0;
	uint32_t want_l4 = tso || l4 == RTE_MBUF_F_TX_TCP_CKSUM ? RTE_PTYPE_L4_TCP :
			   RTE_PTYPE_L4_UDP;

	if (!(ol & WIRE_OFFLOADS))
		return;
	fz_check(m->l2_len == hl->l2_len && m->l3_len == hl->l3_len,
		 "offload with l2_len %u l3_len %u, headers are %u and %u", m->l2_len,
		 m->l3_len, hl->l2_len, hl->l3_len);
	fz_check((ol & RTE_MBUF_F_TX_IPV4) ? RTE_ETH_IS_IPV4_HDR(ptype) :
		 RTE_ETH_IS_IPV6_HDR(ptype), "IPv%d flag on ptype %#x",
		 (ol & RTE_MBUF_F_TX_IPV4) ? 4 : 6, ptype);
	fz_check((!tso && l4 == 0) || (ptype & RTE_PTYPE_L4_MASK) == want_l4,
		 "L4 offload for %#x on ptype %#x", want_l4, ptype);
	fz_check(!tso || m->l4_len == hl->l4_len, "TSO with l4_len %u, TCP header is %u",
		 m->l4_len, hl->l4_len);
	fz_check(!tso || m->l4_len >= sizeof(struct rte_tcp_hdr),
		 "TSO with a TCP header of %u bytes", m->l4_len);
	fz_check((uint32_t)m->l2_len + m->l3_len + m->l4_len <= m->data_len,
		 "offload headers (%u+%u+%u) past the first segment (%u)", m->l2_len, m->l3_len,
		 m->l4_len, m->data_len);
}

static void nic_check_size(const struct rte_mbuf *m, const struct rte_net_hdr_lens *hl)
{
	uint32_t wire_len = m->pkt_len + ((m->ol_flags & RTE_MBUF_F_TX_VLAN) ? RTE_VLAN_HLEN : 0);

	if (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG)
		fz_check((uint32_t)m->l3_len + m->l4_len + m->tso_segsz <= wire_port.mtu,
			 "TSO segments of %u+%u+%u bytes over MTU %u", m->l3_len, m->l4_len,
			 m->tso_segsz, wire_port.mtu);
	else
		fz_check(wire_len - wire_l2_len(m, hl) <= wire_port.mtu,
			 "%u-byte frame (L2 header %u) over MTU %u", wire_len,
			 wire_l2_len(m, hl), wire_port.mtu);
}

static uint16_t nic_tx_burst(void *txq, struct rte_mbuf **pkts, uint16_t nb)
{
	uint16_t take = nic.take == 0 ? nb : RTE_MIN(nb, nic.take - 1);

	(void)txq;
	for (uint16_t i = 0; i < nb; i++) {
		struct rte_mbuf *m = pkts[i];
		struct rte_net_hdr_lens hl;
		uint32_t ptype;

		fz_check(*wire_mark(m) == nic.gen, "frame %u of %u reached tx_burst unprepared",
			 i, nb);
		fz_check_chain(m, "wire tx_burst");
		ptype = rte_net_get_ptype(m, &hl, RTE_PTYPE_L2_MASK | RTE_PTYPE_L3_MASK |
					  RTE_PTYPE_L4_MASK);
		nic_check_offloads(m);
		nic_check_headers(m, &hl, ptype);
		nic_check_size(m, &hl);
	}
	nic.gen++;
	rte_pktmbuf_free_bulk(pkts, take);
	nic.sent += take;
	nic.tails_refused += nb - take;
	return take;
}

static int nic_configure(struct rte_eth_dev *dev)
{
	(void)dev;
	return 0;
}

static int nic_start(struct rte_eth_dev *dev)
{
	dev->data->dev_link.link_status = RTE_ETH_LINK_UP;
	return 0;
}

static int nic_stop(struct rte_eth_dev *dev)
{
	(void)dev;
	return 0;
}

static int nic_link_update(struct rte_eth_dev *dev, int wait)
{
	(void)dev;
	(void)wait;
	return 0;
}

static int nic_info(struct rte_eth_dev *dev, struct rte_eth_dev_info *info)
{
	(void)dev;
	info->max_rx_queues = 1;
	info->max_tx_queues = 1;
	info->max_mac_addrs = 1;
	info->max_rx_pktlen = NIC_FRAME_SIZE_MAX;
	info->tx_offload_capa = RTE_ETH_TX_OFFLOAD_VLAN_INSERT | RTE_ETH_TX_OFFLOAD_IPV4_CKSUM |
				RTE_ETH_TX_OFFLOAD_UDP_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
				RTE_ETH_TX_OFFLOAD_TCP_TSO | RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	return 0;
}

static int nic_txq_setup(struct rte_eth_dev *dev, uint16_t id, uint16_t nb_desc,
			 unsigned int socket_id, const struct rte_eth_txconf *conf)
{
	static int txq; /* the queue has no state; ethdev wants a non-NULL pointer */

	(void)nb_desc;
	(void)socket_id;
	(void)conf;
	dev->data->tx_queues[id] = &txq;
	return 0;
}

static const struct eth_dev_ops nic_ops = {
	.dev_configure = nic_configure,
	.dev_start = nic_start,
	.dev_stop = nic_stop,
	.link_update = nic_link_update,
	.dev_infos_get = nic_info,
	.tx_queue_setup = nic_txq_setup,
};

/* An ethdev on no bus, brought up as ports.c brings up a wire port. */
static uint16_t nic_create(void)
{
	static const struct rte_driver drv = { .name = "fz_wire" };
	static struct rte_device device = { .name = "fz_wire", .driver = &drv,
					    .numa_node = SOCKET_ID_ANY };
	struct rte_eth_conf conf = { .txmode.offloads = RTE_ETH_TX_OFFLOAD_MULTI_SEGS };
	struct rte_eth_dev *dev = rte_eth_dev_allocate("fz_wire");
	uint16_t port;

	fz_check(dev != NULL, "allocating the wire ethdev");
	port = dev->data->port_id;
	dev->data->mac_addrs = rte_zmalloc(NULL, RTE_ETHER_ADDR_LEN, 0);
	fz_check(dev->data->mac_addrs != NULL, "wire MAC");
	dev->device = &device; /* ethdev reads its driver's name */
	dev->dev_ops = &nic_ops;
	dev->tx_pkt_prepare = nic_tx_prepare;
	dev->tx_pkt_burst = nic_tx_burst;
	rte_eth_dev_probing_finish(dev);
	fz_check(rte_eth_dev_configure(port, 0, 1, &conf) == 0 &&
		 rte_eth_tx_queue_setup(port, 0, 0, SOCKET_ID_ANY, NULL) == 0 &&
		 rte_eth_dev_start(port) == 0, "bringing the wire ethdev up");
	return port;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const struct rte_mbuf_dynfield mark = {
		.name = "fz_wire_prepared", .size = sizeof(uint32_t), .align = sizeof(uint32_t),
	};

	(void)argc;
	(void)argv;
	fz_eal_init();
	dnb_logtype = rte_log_register_type_and_pick_level("netback.app", RTE_LOG_CRIT);
	/* As app/main.c's pools_create, without per-lcore caches: in-use counts are exact. */
	wire_app.pool = rte_pktmbuf_pool_create("fz_wire_pkts", WIRE_POOL_SIZE, 0, 0,
						RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	wire_app.gso_indirect = rte_pktmbuf_pool_create("fz_wire_gso_ind",
							WIRE_INDIRECT_POOL_SIZE, 0, 0, 0,
							SOCKET_ID_ANY);
	fz_check(wire_app.pool != NULL && wire_app.gso_indirect != NULL, "pools");
	wire_app.gso = (struct rte_gso_ctx){
		.direct_pool = wire_app.pool,
		.indirect_pool = wire_app.gso_indirect,
		.gso_types = RTE_ETH_TX_OFFLOAD_TCP_TSO,
		.flag = 0,
	};
	nic.mark_off = rte_mbuf_dynfield_register(&mark);
	fz_check(nic.mark_off >= 0, "dynfield");
	wire_port.port_id = nic_create();
	fz_gtx_init(wire_app.pool); /* the vif's packets come from the same pool, as in main.c */
	return 0;
}

/* The switch between the vif and a trunk: it drops a frame tagged in its data, and marks the
 * others for the VLAN (l2sw_forward.c classify_vlan, set_tx_tag). @return frames kept. */
static uint16_t wire_switch(struct rte_mbuf **pkts, uint16_t nb)
{
	uint16_t kept = 0;

	for (uint16_t i = 0; i < nb; i++) {
		const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(pkts[i], struct rte_ether_hdr *);

		if (eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_VLAN) ||
		    eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_QINQ)) {
			rte_pktmbuf_free(pkts[i]);
			continue;
		}
		pkts[i]->vlan_tci = wire_vif.tci;
		pkts[i]->ol_flags |= RTE_MBUF_F_TX_VLAN;
		pkts[kept++] = pkts[i];
	}
	return kept;
}

static void wire_sink(struct rte_mbuf **pkts, uint16_t nb, struct fz_in *in, void *arg)
{
	struct dnb_port_stats s0 = wire_port.stats, *s1 = &wire_port.stats;
	uint64_t sent = nic.sent, tails = nic.tails_refused, refused = nic.prepare_refused;
	uint64_t known_drops;

	(void)arg;
	nic.take = fz_u8(in);
	if (wire_vif.trunk)
		nb = wire_switch(pkts, nb);
	fz_check(dnb_port_tx(&wire_app, &wire_port, pkts, nb) == nb, "dnb_port_tx did not take every frame");
	fz_check(s1->tx_pkts - s0.tx_pkts == nic.sent - sent, "tx_pkts +%lu, the NIC took %lu",
		 (unsigned long)(s1->tx_pkts - s0.tx_pkts), (unsigned long)(nic.sent - sent));
	fz_check(s1->tx_drop_prepare - s0.tx_drop_prepare == nic.prepare_refused - refused,
		 "tx_drop_prepare +%lu, prepare refused %lu",
		 (unsigned long)(s1->tx_drop_prepare - s0.tx_drop_prepare),
		 (unsigned long)(nic.prepare_refused - refused));
	known_drops = (nic.prepare_refused - refused) + (nic.tails_refused - tails) +
		      (s1->tx_drop_oversize - s0.tx_drop_oversize);
	fz_check(s1->tx_drops - s0.tx_drops >= known_drops &&
		 s1->tx_drops - s0.tx_drops <= known_drops + nb,
		 "tx_drops +%lu, known causes %lu for %u frames",
		 (unsigned long)(s1->tx_drops - s0.tx_drops), (unsigned long)known_drops, nb);
	fz_check(rte_mempool_in_use_count(wire_app.pool) == 0 &&
		 rte_mempool_in_use_count(wire_app.gso_indirect) == 0,
		 "after dnb_port_tx: %u packet and %u indirect mbufs not freed",
		 rte_mempool_in_use_count(wire_app.pool),
		 rte_mempool_in_use_count(wire_app.gso_indirect));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in;
	uint8_t conf;

	fz_in_init(&in, data, size);
	conf = fz_u8(&in);
	memset(&wire_port.stats, 0, sizeof(wire_port.stats));
	wire_port.is_vif = false;
	wire_port.csum_v4 = conf & WIRE_CSUM_V4;
	wire_port.csum_v6 = conf & WIRE_CSUM_V6;
	/* as ports.c: TSO only with checksum offload (a TSO packet's checksum is partial) */
	wire_port.tso_v4 = (conf & WIRE_TSO_V4) && wire_port.csum_v4;
	wire_port.tso_v6 = (conf & WIRE_TSO_V6) && wire_port.csum_v6;
	wire_port.vlan_insert = conf & WIRE_VLAN_INSERT;
	wire_port.mtu = (uint16_t)(WIRE_MTU_MIN + fz_u16(&in) % (WIRE_MTU_MAX - WIRE_MTU_MIN + 1));
	wire_vif.trunk = conf & WIRE_TRUNK;
	wire_vif.tci = (uint16_t)(1 + fz_u16(&in) % 4094); /* 1..4094 */
	fz_gtx_run(&in, wire_sink, NULL);
	return 0;
}
