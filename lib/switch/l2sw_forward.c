/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data path: classify each frame of a burst (header bounds, source checks, VLAN), learn
 * its source, and queue it for its destination port(s) in the lcore's output.
 */
#include <stddef.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "l2sw_internal.h"
#include "pkt.h"

#define L2SW_VID_MASK 0x0fff
#define L2SW_VID_RESERVED 0x0fff
/* A flood destination (a port < L2SW_MAX_PORTS) whose frame gets RTE_MBUF_F_TX_VLAN. */
#define L2SW_DEST_TAG 0x8000
#define L2SW_DEST_PORT 0x7fff

/** What the switch needs to know about one frame. */
struct frame_info {
	uint64_t src;
	uint64_t dst;
	uint16_t vlan;      /**< the frame's VLAN inside the switch, 0 = untagged */
	uint16_t tci;       /**< TCI to insert at egress (priority kept from a trunk) */
	bool inner_tag;     /**< VLAN 0 frame that carries a tag of its own (data or restore) */
	bool restore;       /**< VLAN 0 frame whose own tag a wire PMD stripped: every egress
			     *   puts it back (tci) */
};

static inline bool
ether_type_is_tag(rte_be16_t et)
{
	return pkt_etype_is_tag(rte_be_to_cpu_16(et));
}

/*
 * Trunk ingress: move an 802.1Q tag from the data to the metadata, as a NIC with VLAN strip
 * does, so that every frame inside the switch is untagged in its data. Returns false for a
 * frame to drop, having counted why.
 */
static bool
trunk_ingress(struct rte_mbuf *m, struct frame_info *fi, struct l2sw_in_stats *c)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_vlan_hdr *vh;
	uint16_t tci;

	if (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) {
		tci = m->vlan_tci;
	} else if (eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_VLAN)) {
		if (m->data_len < sizeof(*eh) + sizeof(*vh)) {
			c->runt++;
			return false;
		}
		/* stripping writes the data: only the sole owner of a direct mbuf may do it */
		if (!RTE_MBUF_DIRECT(m) || rte_mbuf_refcnt_read(m) != 1) {
			c->vlan_drop++;
			return false;
		}
		vh = (struct rte_vlan_hdr *)(eh + 1);
		tci = rte_be_to_cpu_16(vh->vlan_tci);
		memmove((char *)eh + sizeof(*vh), eh, 2 * RTE_ETHER_ADDR_LEN);
		rte_pktmbuf_adj(m, sizeof(*vh));
		m->vlan_tci = tci;
		m->ol_flags |= RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED;
		/* offload offsets (a guest's checksum request, an LRO aggregate) counted the
		 * tag: the egress finds the headers where they are now */
		if (m->l2_len >= sizeof(*eh) + sizeof(*vh))
			m->l2_len -= sizeof(*vh);
	} else if (eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_QINQ)) {
		c->vlan_drop++; /* 802.1ad service tags are not switched */
		return false;
	} else {
		tci = 0;
	}
	if ((tci & L2SW_VID_MASK) == L2SW_VID_RESERVED) {
		c->vlan_drop++;
		return false;
	}
	fi->vlan = tci & L2SW_VID_MASK;
	fi->tci = tci;
	eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	fi->inner_tag = fi->vlan == 0 && ether_type_is_tag(eh->ether_type);
	return true;
}

/*
 * Which VLAN a frame from @p in belongs to; false (counted) when its tagging is not allowed.
 * A port that is no trunk passes the frame's own tags as a bridge without vlan_filtering
 * does: in the data, or stripped by the wire PMD and put back at every egress.
 */
static bool
classify_vlan(const struct l2sw_pconf *in, const struct l2sw_policy *pol, struct rte_mbuf *m,
	      struct frame_info *fi, struct l2sw_in_stats *c)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	bool data_tag = ether_type_is_tag(eh->ether_type);
	bool stripped = (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) != 0;

	if (in->trunk) {
		if (!trunk_ingress(m, fi, c))
			return false;
		if (in->vlan_list && !l2sw_policy_vlan(pol, fi->vlan)) {
			c->vlan_drop++;
			return false;
		}
		fi->restore = false;
		return true;
	}
	/* no vif PMD strips; an access vif's guest may not choose another VLAN */
	if ((stripped && in->kind != L2SW_PORT_WIRE) ||
	    (in->kind == L2SW_PORT_VIF && in->vlan != 0 && data_tag)) {
		c->vlan_drop++;
		return false;
	}
	fi->vlan = in->kind == L2SW_PORT_VIF ? in->vlan : 0;
	fi->restore = stripped;
	fi->tci = stripped ? m->vlan_tci : fi->vlan;
	fi->inner_tag = fi->vlan == 0 && (data_tag || stripped);
	return true;
}

/* Bounds, source and VLAN checks. False: the frame is to be freed (cause counted). */
static bool
classify(const struct l2sw_pconf *in, const struct l2sw_policy *pol, struct rte_mbuf *m,
	 struct frame_info *fi, struct l2sw_in_stats *c)
{
	const struct rte_ether_hdr *eh;

	/* the header must be whole in the first segment: never read past data_len */
	if (m->data_len < sizeof(*eh) || m->pkt_len < m->data_len) {
		c->runt++;
		return false;
	}
	eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	fi->src = l2sw_mac_u64(&eh->src_addr);
	fi->dst = l2sw_mac_u64(&eh->dst_addr);
	if (fi->src == 0 || (fi->src & L2SW_MAC_GROUP_BIT)) {
		c->bad_src++;
		return false;
	}
	if (in->kind == L2SW_PORT_VIF && fi->src != in->mac && !l2sw_policy_mac_ok(pol, fi->src)) {
		c->spoofed++;
		return false;
	}
	if (!classify_vlan(in, pol, m, fi, c))
		return false;
	/* a trunk vif's tag is gone from the data, others' are walked past: the IP is found */
	if (in->kind == L2SW_PORT_VIF && !l2sw_policy_ip_ok(pol, m)) {
		c->ip_spoofed++;
		return false;
	}
	return true;
}

/* Learn the source of a wire frame. False: it claims a pinned vif MAC (counted spoofed). */
static bool
learn_source(struct l2sw *sw, uint16_t in_port, const struct frame_info *fi, uint64_t now,
	     struct l2sw_in_stats *c)
{
	uint32_t cap = atomic_load_explicit(&sw->max_learned[in_port], memory_order_relaxed);

	switch (l2sw_fdb_learn(&sw->fdb, l2sw_fdb_key(fi->vlan, fi->src), in_port, now,
			       sw->refresh_ticks, cap)) {
	case L2SW_LEARN_NEW:
		c->learned++;
		break;
	case L2SW_LEARN_MOVED:
		c->moved++;
		break;
	case L2SW_LEARN_FULL:
		c->fdb_full++;
		break;
	case L2SW_LEARN_CAP:
		c->learn_cap++;
		break;
	case L2SW_LEARN_PINNED:
		c->spoofed++;
		return false;
	case L2SW_LEARN_HIT:
		break;
	}
	return true;
}

/* Does the frame leave port @p pc with a tag inserted (RTE_MBUF_F_TX_VLAN)? */
static inline bool
tag_at(const struct l2sw_pconf *pc, const struct frame_info *fi)
{
	return fi->restore || (pc->trunk && fi->vlan != 0);
}

/* Set or clear the egress's "insert vlan_tci" request on a frame for one port. */
static inline void
set_tx_tag(struct rte_mbuf *m, const struct frame_info *fi, bool tag)
{
	if (tag) {
		m->vlan_tci = fi->tci;
		m->ol_flags |= RTE_MBUF_F_TX_VLAN;
	} else {
		m->ol_flags &= ~RTE_MBUF_F_TX_VLAN;
	}
}

/* Queue private copies for @p dests[0..nb) (L2SW_DEST_*); the original is not consumed. */
static uint16_t
queue_copies(struct l2sw *sw, struct l2sw_out *out, struct rte_mbuf *m,
	     const struct frame_info *fi, const uint16_t *dests, uint16_t nb)
{
	uint16_t queued = 0;

	for (uint16_t i = 0; i < nb; i++) {
		struct rte_mbuf *cp = rte_pktmbuf_copy(m, sw->copy_pool, 0, UINT32_MAX);
		uint16_t port = dests[i] & L2SW_DEST_PORT;

		if (cp == NULL) {
			l2sw_ctr_add(&out->eg[port].no_mbuf, 1);
			continue;
		}
		set_tx_tag(cp, fi, (dests[i] & L2SW_DEST_TAG) != 0);
		queued += l2sw_out_enqueue(out, port, cp);
	}
	return queued;
}

/*
 * Flood to every other port of the frame's VLAN. The destination list is split in place:
 * ports sharing the mbuf at the front, ports needing a frame of their own at the back: those
 * whose TX writes (tx_writes), and those whose tag request differs from the shared frame's
 * (a trunk beside access vifs; the shared frame has a tag only when every port restores it).
 */
static uint16_t
flood(struct l2sw *sw, struct l2sw_out *out, uint16_t in_port, struct rte_mbuf *m,
      const struct frame_info *fi, struct l2sw_in_stats *c)
{
	uint16_t *dest = out->dest;
	uint16_t nb_share = 0, nb_copy = 0, queued, lone;
	bool blocked = false;

	for (uint16_t q = 0; q < sw->nb_ports; q++) {
		struct l2sw_pconf pc = l2sw_pconf_decode(out->snap[q]);
		bool tag;

		if (q == in_port || !l2sw_pconf_member(sw, q, &pc, fi->vlan))
			continue;
		if (pc.trunk && fi->inner_tag) {
			blocked = true;
			continue;
		}
		tag = tag_at(&pc, fi);
		if (pc.tx_writes || tag != fi->restore)
			dest[sw->nb_ports - 1 - nb_copy++] = q | (tag ? L2SW_DEST_TAG : 0);
		else
			dest[nb_share++] = q;
	}
	if (blocked)
		c->vlan_drop++;
	if (nb_share + nb_copy == 0) {
		c->no_port++;
		rte_pktmbuf_free(m);
		return 0;
	}
	c->flooded++;
	/* a lone writer owns the frame outright: no copy */
	if (nb_share == 0 && nb_copy == 1) {
		lone = dest[sw->nb_ports - 1];
		set_tx_tag(m, fi, (lone & L2SW_DEST_TAG) != 0);
		return l2sw_out_enqueue(out, lone & L2SW_DEST_PORT, m);
	}
	queued = queue_copies(sw, out, m, fi, &dest[sw->nb_ports - nb_copy], nb_copy);
	if (nb_share == 0) {
		rte_pktmbuf_free(m);
		return queued;
	}
	set_tx_tag(m, fi, fi->restore);
	if (nb_share > 1)
		rte_pktmbuf_refcnt_update(m, (int16_t)(nb_share - 1));
	for (uint16_t i = 0; i < nb_share; i++)
		queued += l2sw_out_enqueue(out, dest[i], m);
	return queued;
}

static uint16_t
forward_one(struct l2sw *sw, struct l2sw_out *out, const struct l2sw_pconf *in,
	    const struct l2sw_policy *pol, uint16_t in_port, struct rte_mbuf *m, uint64_t now,
	    struct l2sw_in_stats *c)
{
	struct frame_info fi;
	struct l2sw_pconf pc;
	uint64_t meta;
	uint16_t p;

	if (!classify(in, pol, m, &fi, c))
		goto drop;
	/*
	 * A vif's sources are its pinned MACs, unless it learns (its own MACs are a hit); a
	 * trunk vif's are pinned in VLAN 0 and learned in the VLANs it sends in.
	 */
	if ((in->kind == L2SW_PORT_WIRE || pol->learn || in->trunk) &&
	    !learn_source(sw, in_port, &fi, now, c))
		goto drop;
	if (fi.dst & L2SW_MAC_GROUP_BIT)
		return flood(sw, out, in_port, m, &fi, c);
	if (!l2sw_fdb_lookup(&sw->fdb, l2sw_fdb_key(fi.vlan, fi.dst), &meta) ||
	    l2sw_meta_port(meta) >= sw->nb_ports) {
		c->unknown_unicast++;
		return flood(sw, out, in_port, m, &fi, c);
	}
	p = l2sw_meta_port(meta);
	if (p == in_port) {
		c->same_port++;
		goto drop;
	}
	pc = l2sw_pconf_decode(out->snap[p]);
	/* an entry left by a port since removed or moved to another VLAN: unknown */
	if (!l2sw_pconf_member(sw, p, &pc, fi.vlan)) {
		c->unknown_unicast++;
		return flood(sw, out, in_port, m, &fi, c);
	}
	if (pc.trunk && fi.inner_tag) {
		c->vlan_drop++;
		goto drop;
	}
	set_tx_tag(m, &fi, tag_at(&pc, &fi));
	return l2sw_out_enqueue(out, p, m);

drop:
	rte_pktmbuf_free(m);
	return 0;
}

static void
in_stats_flush(struct l2sw_in_stats *dst, const struct l2sw_in_stats *c)
{
	const uint64_t *from = &c->rx_pkts;
	uint64_t *to = &dst->rx_pkts;

	/* the struct is a run of uint64_t counters from rx_pkts to ip_spoofed */
	for (size_t i = 0; i <= offsetof(struct l2sw_in_stats, ip_spoofed) / sizeof(uint64_t);
	     i++)
		if (from[i] != 0)
			l2sw_ctr_add(&to[i], from[i]);
}

uint16_t
l2sw_forward_burst(struct l2sw *sw, struct l2sw_out *out, uint16_t in_port,
		   struct rte_mbuf **pkts, uint16_t nb_pkts, uint64_t now)
{
	struct l2sw_in_stats c;
	const struct l2sw_policy *pol;
	struct l2sw_pconf in;
	uint16_t queued = 0;

	if (unlikely(in_port >= sw->nb_ports || out->sw != sw)) {
		rte_pktmbuf_free_bulk(pkts, nb_pkts);
		return 0;
	}
	memset(&c, 0, sizeof(c));
	c.rx_pkts = nb_pkts;
	for (uint16_t q = 0; q < sw->nb_ports; q++)
		out->snap[q] = atomic_load_explicit(&sw->port_word[q], memory_order_acquire);
	in = l2sw_pconf_decode(out->snap[in_port]);
	pol = l2sw_policy_of(sw, in_port);
	if (unlikely(in.kind == L2SW_PORT_NONE)) {
		c.no_port = nb_pkts;
		rte_pktmbuf_free_bulk(pkts, nb_pkts);
	} else {
		for (uint16_t i = 0; i < nb_pkts; i++) {
			if (i + 1 < nb_pkts)
				rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
			queued += forward_one(sw, out, &in, pol, in_port, pkts[i], now, &c);
		}
	}
	in_stats_flush(&sw->in_stats[in_port], &c);
	return queued;
}
