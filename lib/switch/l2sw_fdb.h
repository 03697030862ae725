/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Internal to lib/switch: the forwarding database (l2sw_fdb.c) and the helpers below it (a
 * MAC as a number, single-writer counters). The bottom of the module: l2sw.c and
 * l2sw_forward.c use it, it uses nothing of theirs (only l2sw.h's entry and walk types).
 */
#ifndef L2SW_FDB_H
#define L2SW_FDB_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ether.h>

#include "l2sw.h"

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

#endif /* L2SW_FDB_H */
