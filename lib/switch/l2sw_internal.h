/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Internal to lib/switch: the switch object and the per-lcore output, above the FDB
 * (l2sw_fdb.h). Not installed, not included by other modules.
 */
#ifndef L2SW_INTERNAL_H
#define L2SW_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_log.h>

#include "l2sw.h"
#include "l2sw_fdb.h"
#include "l2sw_policy.h"

extern int l2sw_logtype;
#define L2SW_LOG(level, sw, fmt, ...) \
	rte_log(RTE_LOG_##level, l2sw_logtype, "l2sw %s: " fmt "\n", (sw)->name, ##__VA_ARGS__)

/** Outputs one switch can have (one per forwarding lcore). */
#define L2SW_MAX_OUTS RTE_MAX_LCORE
#define L2SW_NAME_LEN 32

/*
 * Port configuration packed in one 64-bit word so that forwarding lcores read a consistent
 * snapshot while the control thread reconfigures the port:
 * bits 0..47 vif MAC, 48..59 access VLAN, 60..61 kind, 62 trunk, 63 tx_writes.
 * A trunk vif has no access VLAN: its VLAN field is 0 when it carries every VLAN and
 * L2SW_PW_VLAN_LIST when it carries the set in its policy (l2sw_policy::vlans), which stays
 * out of the word and out of the per-burst snapshot (512 bytes a port).
 */
#define L2SW_PW_VLAN_SHIFT 48
#define L2SW_PW_KIND_SHIFT 60
#define L2SW_PW_TRUNK (UINT64_C(1) << 62)
#define L2SW_PW_TX_WRITES (UINT64_C(1) << 63)
#define L2SW_PW_VLAN_LIST 1

/** A decoded port word. */
struct l2sw_pconf {
	uint64_t mac;
	uint16_t vlan;  /**< access VLAN; 0 on a trunk (its MAC is pinned in VLAN 0) */
	uint8_t kind;   /**< enum l2sw_port_kind */
	bool trunk;
	bool vlan_list; /**< trunk vif: carries only the VLANs of its policy's set */
	bool tx_writes;
};

static inline struct l2sw_pconf
l2sw_pconf_decode(uint64_t w)
{
	uint16_t vlan = (uint16_t)((w >> L2SW_PW_VLAN_SHIFT) & 0xfff);
	bool trunk = (w & L2SW_PW_TRUNK) != 0;
	struct l2sw_pconf pc = {
		.mac = w & L2SW_MAC_MASK,
		.vlan = trunk ? 0 : vlan,
		.kind = (uint8_t)((w >> L2SW_PW_KIND_SHIFT) & 0x3),
		.trunk = trunk,
		.vlan_list = trunk && vlan == L2SW_PW_VLAN_LIST,
		.tx_writes = (w & L2SW_PW_TX_WRITES) != 0,
	};
	return pc;
}

/** Ingress counters of one port: written by the lcore forwarding that port. */
struct l2sw_in_stats {
	uint64_t rx_pkts;
	uint64_t learned;
	uint64_t moved;
	uint64_t flooded;
	uint64_t unknown_unicast;
	uint64_t spoofed;
	uint64_t bad_src;
	uint64_t same_port;
	uint64_t fdb_full;
	uint64_t learn_cap;
	uint64_t vlan_drop;
	uint64_t runt;
	uint64_t no_port;
	uint64_t ip_spoofed;
} __rte_cache_aligned;

/** Egress counters of one port in one output: written by the lcore owning the output. */
struct l2sw_eg_stats {
	uint64_t tx_pkts;
	uint64_t tx_drop;
	uint64_t no_mbuf;
};

struct l2sw {
	char name[L2SW_NAME_LEN];
	uint16_t nb_ports;
	uint64_t age_ticks;
	uint64_t refresh_ticks;          /**< least time between two "seen" updates of an entry */
	struct rte_mempool *copy_pool;
	struct l2sw_fdb fdb;
	_Atomic uint64_t *port_word;     /**< [nb_ports], see L2SW_PW_* */
	_Atomic uint32_t *max_learned;   /**< [nb_ports] l2sw_port_conf::max_learned, 0: none */
	/*
	 * [nb_ports * 2] vif source policies, two per port: l2sw_port_set() writes the one not
	 * published, then publishes it in policy_sel, so a burst in flight keeps reading the
	 * old one whole.
	 */
	struct l2sw_policy *policy;
	_Atomic uint8_t *policy_sel;     /**< [nb_ports] 0 or 1: the published policy */
	int32_t *twin;                   /**< [nb_ports] l2sw_port_conf::twin, -1: none; control */
	struct l2sw_in_stats *in_stats;  /**< [nb_ports] */
	uint64_t *aged;                  /**< [nb_ports], written by the ager */
	struct l2sw_eg_stats *retired;   /**< [nb_ports], egress counters of freed outputs */
	struct l2sw_out *outs[L2SW_MAX_OUTS]; /**< live outputs; control thread only */
};

struct l2sw_out {
	struct l2sw *sw;
	unsigned int index;        /**< in sw->outs */
	uint16_t cap;              /**< frames per destination port */
	uint16_t nb_dirty;         /**< ports with frames queued */
	uint16_t *dirty;           /**< [nb_ports] those ports, most recent last */
	uint16_t *nb;              /**< [nb_ports] frames queued per port */
	struct rte_mbuf **pkts;    /**< [nb_ports * cap] */
	uint64_t *snap;            /**< [nb_ports] port words read at the start of a burst */
	uint16_t *dest;            /**< [nb_ports] flood destinations, scratch */
	struct l2sw_eg_stats *eg;  /**< [nb_ports] */
};

/** The published source policy of @p port (acquire: its contents are complete). */
static inline const struct l2sw_policy *
l2sw_policy_of(const struct l2sw *sw, uint16_t port)
{
	return &sw->policy[2 * port + atomic_load_explicit(&sw->policy_sel[port],
							   memory_order_acquire)];
}

/**
 * Does port @p port, whose word decodes to @p pc, carry @p vlan? A trunk vif with a set
 * reads its published policy: a burst racing l2sw_port_set() on that port sees the old set
 * or the new one (see l2sw_port_set()).
 */
static inline bool
l2sw_pconf_member(const struct l2sw *sw, uint16_t port, const struct l2sw_pconf *pc,
		  uint16_t vlan)
{
	switch (pc->kind) {
	case L2SW_PORT_WIRE:
		return pc->trunk || vlan == 0;
	case L2SW_PORT_VIF:
		if (!pc->trunk)
			return pc->vlan == vlan;
		return !pc->vlan_list || l2sw_policy_vlan(l2sw_policy_of(sw, port), vlan);
	default:
		return false;
	}
}

/** Queue one frame reference for @p port; frees it and counts tx_drop when full. */
static inline uint16_t
l2sw_out_enqueue(struct l2sw_out *out, uint16_t port, struct rte_mbuf *m)
{
	uint16_t n = out->nb[port];

	if (unlikely(n == out->cap)) {
		rte_pktmbuf_free(m);
		l2sw_ctr_add(&out->eg[port].tx_drop, 1);
		return 0;
	}
	if (n == 0)
		out->dirty[out->nb_dirty++] = port;
	out->pkts[(uint32_t)port * out->cap + n] = m;
	out->nb[port] = n + 1;
	return 1;
}

#endif /* L2SW_INTERNAL_H */
