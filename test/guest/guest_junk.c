/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A guest that keeps its TX ring full of requests the backend must consume but that deliver
 * nothing to its switch, reposting each as soon as its response comes (--junk: the guest
 * spins on its ring, yielding the CPU to every other runnable process): the
 * workload of the isolation issue (#12), where one backend call once ran for 951 ms. Also
 * a valid kind, "big": 64 KiB TCP GSO frames to one station (--junk-dst), for the buffer
 * accounting tests. Kinds rotate per request:
 *   runt   a 10-byte frame: NETIF_RSP_ERROR
 *   csum   a 60-byte non-IP frame with NETTXF_csum_blank: copied, OKAY, dropped
 *   mcast  a multicast-add extra, then a -del of the same group (feature-multicast-control):
 *          consumed, no packet (alternating, so the backend's list of at most 64 never
 *          fills: each ADD is accepted, as netback keeps a duplicate as another entry)
 *   gso    a GSO extra on a non-TCP frame: copied, OKAY, dropped
 *   big    a 64 KiB TCP/IPv4 GSO frame to --junk-dst: delivered
 */
#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#include "xensim_dom.h"
#include "guest.h"

#define JUNK_BIG_LEN 65000u
#define JUNK_MSS 1448u

/* A non-IP Ethernet frame (ethertype 0x88b5, IEEE local experimental) from our MAC. */
static void junk_eth(const struct guest *g, uint8_t *p, const uint8_t *dst, uint16_t type)
{
	memcpy(p, dst, 6);
	memcpy(p + 6, g->opt.mac, 6);
	p[12] = (uint8_t)(type >> 8);
	p[13] = (uint8_t)type;
}

/* IPv4 + TCP headers of the big frame; the payload is whatever the pages hold. */
static void junk_tcp4(uint8_t *p, uint32_t len)
{
	uint8_t *ip = p + 14, *tcp = ip + 20;
	uint32_t ip_len = len - 14;

	memset(ip, 0, 40);
	ip[0] = 0x45;
	ip[2] = (uint8_t)(ip_len >> 8);
	ip[3] = (uint8_t)ip_len;
	ip[6] = 0x40; /* DF */
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, (const uint8_t[]){198, 18, 0, 1, 198, 18, 0, 2}, 8); /* benchmark net */
	tcp[0] = 0x9c; tcp[1] = 0x40; tcp[2] = 0x13; tcp[3] = 0x89; /* ports 40000 -> 5001 */
	tcp[12] = 0x50;
	tcp[13] = 0x10; /* ACK */
}

static int junk_big(struct guest *g, struct guest_queue *q)
{
	struct iovec iov[GR_TX_MAX_DATA_SLOTS];
	struct virtio_net_hdr vh = {
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
		.hdr_len = 54, .gso_size = JUNK_MSS, .csum_start = 34, .csum_offset = 16,
	};

	if (!gr_tx_can_take(&q->tx) ||
	    gr_tx_peek(&q->tx, iov, GR_TX_MAX_DATA_SLOTS) * GR_PAGE_SIZE < JUNK_BIG_LEN)
		return -ENOSPC;
	junk_eth(g, iov[0].iov_base, g->opt.junk_dst, 0x0800);
	junk_tcp4(iov[0].iov_base, JUNK_BIG_LEN);
	return gr_tx_post(&q->tx, &vh, JUNK_BIG_LEN);
}

static int junk_one(struct guest *g, struct guest_queue *q, unsigned int kind)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	netif_extra_info_t extra = {0};
	struct iovec iov;

	if (kind == GUEST_JUNK_BIG)
		return junk_big(g, q);
	if (gr_tx_peek(&q->tx, &iov, 1) != 1)
		return -ENOSPC;
	memset(iov.iov_base, 0x5a, 60);
	junk_eth(g, iov.iov_base, bcast, 0x88b5);
	switch (kind) {
	case GUEST_JUNK_RUNT:
		return gr_tx_post_raw(&q->tx, 0, 10, NULL);
	case GUEST_JUNK_CSUM:
		return gr_tx_post_raw(&q->tx, NETTXF_csum_blank | NETTXF_data_validated, 60, NULL);
	case GUEST_JUNK_MCAST: {
		static bool del;

		extra.type = del ? XEN_NETIF_EXTRA_TYPE_MCAST_DEL : XEN_NETIF_EXTRA_TYPE_MCAST_ADD;
		del = !del;
		memcpy(extra.u.mcast.addr, (const uint8_t[]){0x01, 0x00, 0x5e, 0, 0, 1}, 6);
		return gr_tx_post_raw(&q->tx, 0, 60, &extra);
	}
	default: /* GUEST_JUNK_GSO */
		extra.type = XEN_NETIF_EXTRA_TYPE_GSO;
		extra.u.gso.type = XEN_NETIF_GSO_TYPE_TCPV4;
		extra.u.gso.size = JUNK_MSS;
		return gr_tx_post_raw(&q->tx, NETTXF_csum_blank | NETTXF_data_validated, 60,
				      &extra);
	}
}

/* The next kind of the --junk set after @p kind. */
static unsigned int junk_next(const struct guest *g, unsigned int kind)
{
	for (unsigned int i = 1; i <= GUEST_JUNK_NR; i++) {
		unsigned int k = (kind + i) % GUEST_JUNK_NR;

		if (g->opt.junk & (1u << k))
			return k;
	}
	return kind;
}

void guest_junk_fill(struct guest *g)
{
	static unsigned int kind;

	for (unsigned int i = 0; g->connected && i < g->nr_queues; i++) {
		struct guest_queue *q = &g->q[i];
		unsigned int n = 0;
		bool notify = false;

		if (!q->set_up)
			continue;
		(void)gr_tx_gc(&q->tx);
		/* bounded by the ring: every post takes a slot, a failed one ends the fill */
		while (junk_one(g, q, kind = junk_next(g, kind)) > 0)
			n++;
		g->junk_posted += n;
		if (n == 0)
			continue;
		gr_tx_push(&q->tx, &notify);
		if (notify && q->tx_port >= 0)
			xensim_evtchn_notify(g->dom, (uint32_t)q->tx_port);
	}
}
