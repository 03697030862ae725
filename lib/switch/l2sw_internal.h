/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Internal to lib/switch: the switch object, the FDB and the per-lcore output. Not installed,
 * not included by other modules.
 */
#ifndef L2SW_INTERNAL_H
#define L2SW_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_log.h>

#include "l2sw.h"

extern int l2sw_logtype;
#define L2SW_LOG(level, sw, fmt, ...) \
	rte_log(RTE_LOG_##level, l2sw_logtype, "l2sw %s: " fmt "\n", (sw)->name, ##__VA_ARGS__)

/** Outputs one switch can have (one per forwarding lcore). */
#define L2SW_MAX_OUTS RTE_MAX_LCORE
#define L2SW_NAME_LEN 32

/*
 * A MAC address as a 48-bit number, first octet most significant (its bit 40 is the
 * group bit).
 */
#define L2SW_MAC_MASK ((UINT64_C(1) << 48) - 1)
#define L2SW_MAC_GROUP_BIT (UINT64_C(1) << 40)

static inline uint64_t
l2sw_mac_u64(const struct rte_ether_addr *a)
{
	const uint8_t *b = a->addr_bytes;

	return ((uint64_t)b[0] << 40) | ((uint64_t)b[1] << 32) | ((uint64_t)b[2] << 24) |
	       ((uint64_t)b[3] << 16) | ((uint64_t)b[4] << 8) | (uint64_t)b[5];
}

static inline void
l2sw_u64_mac(uint64_t v, struct rte_ether_addr *a)
{
	for (int i = 5; i >= 0; i--, v >>= 8)
		a->addr_bytes[i] = (uint8_t)v;
}

/*
 * Port configuration packed in one 64-bit word so that forwarding lcores read a consistent
 * snapshot while the control thread reconfigures the port:
 * bits 0..47 vif MAC, 48..59 access VLAN, 60..61 kind, 62 trunk, 63 tx_writes.
 */
#define L2SW_PW_VLAN_SHIFT 48
#define L2SW_PW_KIND_SHIFT 60
#define L2SW_PW_TRUNK (UINT64_C(1) << 62)
#define L2SW_PW_TX_WRITES (UINT64_C(1) << 63)

/** A decoded port word. */
struct l2sw_pconf {
	uint64_t mac;
	uint16_t vlan;
	uint8_t kind; /**< enum l2sw_port_kind */
	bool trunk;
	bool tx_writes;
};

static inline struct l2sw_pconf
l2sw_pconf_decode(uint64_t w)
{
	struct l2sw_pconf pc = {
		.mac = w & L2SW_MAC_MASK,
		.vlan = (uint16_t)((w >> L2SW_PW_VLAN_SHIFT) & 0xfff),
		.kind = (uint8_t)((w >> L2SW_PW_KIND_SHIFT) & 0x3),
		.trunk = (w & L2SW_PW_TRUNK) != 0,
		.tx_writes = (w & L2SW_PW_TX_WRITES) != 0,
	};
	return pc;
}

/** Does a port with this configuration carry @p vlan? */
static inline bool
l2sw_pconf_member(const struct l2sw_pconf *pc, uint16_t vlan)
{
	switch (pc->kind) {
	case L2SW_PORT_WIRE:
		return pc->trunk || vlan == 0;
	case L2SW_PORT_VIF:
		return pc->vlan == vlan;
	default:
		return false;
	}
}

/* ---- forwarding database (l2sw_fdb.c) ---- */

#define L2SW_BUCKET_SLOTS 8

/*
 * FDB key word: bits 0..47 MAC, 48..59 VLAN, bit 60 always set (so no key is 0, the empty
 * slot), bit 63 "busy": the slot is claimed and its meta word not yet written.
 */
#define L2SW_KEY_VALID (UINT64_C(1) << 60)
#define L2SW_KEY_BUSY (UINT64_C(1) << 63)
#define L2SW_KEY_EMPTY UINT64_C(0)

static inline uint64_t
l2sw_fdb_key(uint16_t vlan, uint64_t mac)
{
	return L2SW_KEY_VALID | ((uint64_t)vlan << 48) | (mac & L2SW_MAC_MASK);
}

/*
 * FDB meta word: bits 0..14 port, bit 15 dead (the entry is being removed, see l2sw_fdb.c),
 * bit 16 pinned, bits 17..63 last seen time modulo 2^47 (so the idle time of an entry is
 * exact while it is under 2^46 ticks: conf.age_ticks is bounded by that).
 */
#define L2SW_META_PORT_MASK UINT64_C(0x7fff)
#define L2SW_META_DEAD (UINT64_C(1) << 15)
#define L2SW_META_PINNED (UINT64_C(1) << 16)
#define L2SW_META_SEEN_SHIFT 17
#define L2SW_SEEN_BITS 47
#define L2SW_SEEN_MASK ((UINT64_C(1) << L2SW_SEEN_BITS) - 1)
#define L2SW_AGE_MAX ((UINT64_C(1) << (L2SW_SEEN_BITS - 1)) - 1)

static inline uint64_t
l2sw_meta(uint16_t port, bool pinned, uint64_t now)
{
	return ((now & L2SW_SEEN_MASK) << L2SW_META_SEEN_SHIFT) |
	       (pinned ? L2SW_META_PINNED : 0) | port;
}

static inline uint16_t
l2sw_meta_port(uint64_t meta)
{
	return (uint16_t)(meta & L2SW_META_PORT_MASK);
}

static inline bool
l2sw_meta_pinned(uint64_t meta)
{
	return (meta & L2SW_META_PINNED) != 0;
}

/** Ticks since the entry was last seen; 0 if it was seen "after" @p now (another lcore). */
static inline uint64_t
l2sw_meta_idle(uint64_t meta, uint64_t now)
{
	uint64_t d = (now - (meta >> L2SW_META_SEEN_SHIFT)) & L2SW_SEEN_MASK;

	return d > L2SW_AGE_MAX ? 0 : d;
}

struct l2sw_slot {
	_Atomic uint64_t key;
	_Atomic uint64_t meta;
};

struct l2sw_bucket {
	struct l2sw_slot slot[L2SW_BUCKET_SLOTS];
} __rte_cache_aligned;

struct l2sw_fdb {
	struct l2sw_bucket *buckets;
	uint32_t mask;       /**< number of buckets - 1; buckets are a power of two, >= 2 */
	uint64_t seed;       /**< hash seed, random per switch */
	uint32_t age_cursor; /**< next bucket l2sw_age() scans; the ager's only */
	uint16_t nb_ports;
	/** [nb_ports] dynamic entries per port, counted as l2sw_fdb.c's header says */
	_Atomic uint32_t *stations;
};

/** Outcome of learning a source station. */
enum l2sw_learn {
	L2SW_LEARN_HIT,    /**< known on this port (refreshed), or being added by another lcore */
	L2SW_LEARN_NEW,    /**< added */
	L2SW_LEARN_MOVED,  /**< was on another port, now on this one */
	L2SW_LEARN_FULL,   /**< no free slot in either bucket */
	L2SW_LEARN_PINNED, /**< pinned to another port: refused */
	L2SW_LEARN_CAP,    /**< the port holds its max_learned stations: not learned */
};

int l2sw_fdb_init(struct l2sw_fdb *fdb, uint32_t entries, uint16_t nb_ports, int socket_id);
void l2sw_fdb_fini(struct l2sw_fdb *fdb);
bool l2sw_fdb_lookup(const struct l2sw_fdb *fdb, uint64_t key, uint64_t *meta);
/** Learn @p key on @p port; @p cap: the port's max_learned (0: none). One lcore per port. */
enum l2sw_learn l2sw_fdb_learn(struct l2sw_fdb *fdb, uint64_t key, uint16_t port, uint64_t now,
			       uint64_t refresh_ticks, uint32_t cap);
int l2sw_fdb_pin(struct l2sw_fdb *fdb, uint64_t key, uint16_t port);
void l2sw_fdb_unpin(struct l2sw_fdb *fdb, uint64_t key);
void l2sw_fdb_flush_port(struct l2sw_fdb *fdb, uint16_t port);
unsigned int l2sw_fdb_age(struct l2sw_fdb *fdb, uint64_t now, uint64_t age_ticks,
			  uint32_t budget, uint64_t *aged_per_port);
/** Dynamic entries of @p port now (see struct l2sw_stats::stations for the bound). */
uint32_t l2sw_fdb_stations(const struct l2sw_fdb *fdb, uint16_t port);
int l2sw_fdb_walk_entries(const struct l2sw_fdb *fdb, uint64_t now, l2sw_fdb_walk_cb cb,
			  void *arg);

/* ---- counters ---- */

/*
 * Each counter has one writer (the lcore forwarding the ingress port, the lcore owning an
 * output, or the ager) and is read by the control thread: relaxed atomic load/store, no
 * locked read-modify-write.
 */
static inline void
l2sw_ctr_add(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}

static inline uint64_t
l2sw_ctr_read(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
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
