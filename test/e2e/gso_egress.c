/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnb-gso-egress: one TSO frame through app/egress.c's dnb_port_tx to a wire port without
 * TSO or checksum offload (a fake NIC, test/common/dnb_test_nic.c), as a guest's TSO frame
 * leaves for net_af_packet; the segments the NIC is given are written to stdout, each as a
 * 4-byte length (little endian) and its bytes. gso_kernel.py compares them with what the
 * Linux kernel's software GSO makes of the same frame (#20).
 *
 *   dnb-gso-egress L3_LEN L4_LEN MSS < FRAME     (an Ethernet + IPv4/IPv6 + TCP frame)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "dnb.h"
#include "dnb_test_eal.h"
#include "dnb_test_nic.h"

int dnb_logtype; /* app/main.c registers it; egress.c logs its GSO drops through it */
static uint8_t frame[70000], seg[70000];
static unsigned int nb_written;

static uint16_t nic_tx_burst(void *txq, struct rte_mbuf **pkts, uint16_t nb)
{
	(void)txq;
	for (uint16_t i = 0; i < nb; i++) {
		const uint8_t *d = rte_pktmbuf_read(pkts[i], 0, pkts[i]->pkt_len, seg);
		uint32_t len = pkts[i]->pkt_len;

		if (d == NULL || fwrite(&len, 4, 1, stdout) != 1 || fwrite(d, 1, len, stdout) != len)
			exit(1);
		nb_written++;
	}
	rte_pktmbuf_free_bulk(pkts, nb);
	return nb;
}

static struct rte_mbuf *frame_mbuf(struct rte_mempool *mp, size_t len)
{
	struct rte_mbuf *head = NULL;

	/* in 2 KiB mbufs, as a vif's guest-TX pool gives them */
	for (size_t done = 0; done < len;) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		size_t n;

		if (m == NULL)
			return NULL;
		n = RTE_MIN(len - done, (size_t)rte_pktmbuf_tailroom(m));
		memcpy(rte_pktmbuf_append(m, (uint16_t)n), frame + done, n);
		if (head == NULL)
			head = m;
		else if (rte_pktmbuf_chain(head, m) != 0)
			return NULL;
		done += n;
	}
	return head;
}

int main(int argc, char **argv)
{
	static struct dnb_app app;
	static struct dnb_port wire;
	size_t len = fread(frame, 1, sizeof(frame), stdin);
	struct rte_mbuf *m;
	bool v6;
	int port;

	if (argc != 4 || len < 60 || dnb_test_eal_init(256) != 0)
		return 2;
	v6 = frame[12] == 0x86 && frame[13] == 0xdd;
	app.pool = rte_pktmbuf_pool_create("gso_direct", 2047, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					   SOCKET_ID_ANY);
	app.gso_indirect = rte_pktmbuf_pool_create("gso_indirect", 2047, 0, 0, 0, SOCKET_ID_ANY);
	port = dnb_test_nic_create("gso_wire", RTE_ETH_TX_OFFLOAD_MULTI_SEGS, 9728, NULL,
				   nic_tx_burst);
	if (app.pool == NULL || app.gso_indirect == NULL || port < 0)
		return 1;
	app.gso = (struct rte_gso_ctx){ .direct_pool = app.pool, .indirect_pool = app.gso_indirect,
					.gso_types = RTE_ETH_TX_OFFLOAD_TCP_TSO };
	wire.port_id = (uint16_t)port;
	wire.mtu = 9000;
	m = frame_mbuf(app.pool, len);
	if (m == NULL)
		return 1;
	/* what lib/netif's nif_tx_offload_setup gives a guest's GSO frame */
	m->l2_len = RTE_ETHER_HDR_LEN;
	m->l3_len = (uint16_t)atoi(argv[1]);
	m->l4_len = (uint16_t)atoi(argv[2]);
	m->tso_segsz = (uint16_t)atoi(argv[3]);
	m->ol_flags = RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM |
		      (v6 ? RTE_MBUF_F_TX_IPV6 : RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM);
	dnb_port_tx(&app, &wire, &m, 1);
	fflush(stdout);
	fprintf(stderr, "dnb-gso-egress: %u segments, drops %lu\n", nb_written,
		(unsigned long)wire.stats.tx_drops);
	return wire.stats.tx_drops == 0 ? 0 : 1;
}
