/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The forwarding database: a fixed table of 8-slot buckets, each station hashed to two
 * buckets (two-choice hashing: high load without chains, so a slot can be emptied without
 * tombstones). Sized once at create; nothing is allocated afterwards.
 *
 * Concurrency, without locks. Each slot is two 64-bit atomics, a key word and a meta word.
 * - Add: CAS the key from EMPTY to key|BUSY (claim), store meta (release), store key (release).
 *   Readers ignore BUSY slots; a second lcore adding the same station sees key|BUSY and
 *   stops, so the same station is normally added once. (A transient duplicate is possible
 *   if a slot frees up between a learner's scan and its claim: lookups take the first,
 *   the other ages out.)
 * - Read: load key (acquire) and compare, load meta (acquire), load key again: if it
 *   changed, the slot was removed or reused meanwhile and the read counts as a miss.
 * - Refresh / move: CAS of the meta word from the value read, so an update never lands on a
 *   slot that was reused for another station (its meta holds another "seen" time).
 * - Remove (ageing, port flush, a pin taking a learned entry's slot), in two steps so that
 *   exactly one thread removes an entry and knows its port: claim it by CAS of the meta word
 *   from the value read to value|DEAD (a refresh or move meanwhile makes the claim fail;
 *   nobody CASes a DEAD meta, and readers take a DEAD slot for a miss), then CAS the key
 *   from the value read to EMPTY. If that fails, the slot was emptied and claimed again
 *   between the remover's loads and its new meta equals the one read (an ABA): the remover
 *   writes the meta back and removes nothing.
 * The one residual race: a reader stalled between its loads across two removals and re-adds
 * of the same slot could return the port of an intermediate station. Removal needs the
 * station idle for age_ticks (or a port flush, or a move to a port at its cap), and the
 * forwarder checks that the port is in
 * the frame's VLAN, so the worst outcome is a frame sent to one port of its own VLAN,
 * which flooding does anyway.
 *
 * Pinned entries (vif MACs) are written only by the control thread (l2sw_port_set).
 *
 * Stations per port (max_learned). stations[p] counts the dynamic entries whose meta names
 * port p, without a lock: each change of that set is one successful CAS (add: the key
 * claim; move: the meta CAS; remove: the DEAD claim), and the thread whose CAS won does the
 * count's update: +1 before the meta naming p becomes visible (add, move in; undone if the
 * CAS fails), -1 after it is withdrawn (remove, move out). So the count is never below the
 * entries (never negative), above them only by the operations in progress (one per thread
 * at most), and exact when none is. Only the lcore forwarding port p adds or moves stations
 * to p, and the others only decrement p's count: a check against the cap before the
 * increment keeps the count, hence the entries, at or below the cap (a burst in progress
 * while l2sw_port_set() changes the cap finishes under the old one).
 */
#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_malloc.h>
#include <rte_pause.h>
#include <rte_random.h>

#include "l2sw_fdb.h"

/* A BUSY slot is finished by its claimer within two stores; the pinning thread waits. */
#define L2SW_BUSY_SPIN 100000

struct bucket_pair {
	struct l2sw_bucket *b[2];
};

static inline uint64_t
fdb_hash(uint64_t key, uint64_t seed)
{
	/* splitmix64 finaliser: cheap, every key bit reaches every hash bit */
	key ^= seed;
	key = (key ^ (key >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	key = (key ^ (key >> 27)) * UINT64_C(0x94d049bb133111eb);
	return key ^ (key >> 31);
}

static inline struct bucket_pair
fdb_buckets(const struct l2sw_fdb *fdb, uint64_t key)
{
	uint64_t h = fdb_hash(key, fdb->seed);
	uint32_t i = (uint32_t)h & fdb->mask;
	uint32_t j = (uint32_t)(h >> 32) & fdb->mask;
	struct bucket_pair p;

	if (j == i)
		j = i ^ 1; /* mask >= 1: always a second bucket */
	p.b[0] = &fdb->buckets[i];
	p.b[1] = &fdb->buckets[j];
	return p;
}

int
l2sw_fdb_init(struct l2sw_fdb *fdb, uint32_t entries, uint16_t nb_ports, int socket_id)
{
	uint32_t nb_buckets;

	if (entries == 0 || entries > (UINT32_C(1) << 30) || nb_ports == 0)
		return -EINVAL;
	nb_buckets = rte_align32pow2((entries + L2SW_BUCKET_SLOTS - 1) / L2SW_BUCKET_SLOTS);
	if (nb_buckets < 2)
		nb_buckets = 2;
	fdb->buckets = rte_zmalloc_socket("l2sw_fdb", (size_t)nb_buckets * sizeof(*fdb->buckets),
					  RTE_CACHE_LINE_SIZE, socket_id);
	fdb->stations = rte_zmalloc_socket("l2sw_stations", nb_ports * sizeof(*fdb->stations),
					   RTE_CACHE_LINE_SIZE, socket_id);
	if (fdb->buckets == NULL || fdb->stations == NULL) {
		l2sw_fdb_fini(fdb);
		return -ENOMEM;
	}
	fdb->mask = nb_buckets - 1;
	fdb->seed = rte_rand();
	fdb->age_cursor = 0;
	fdb->nb_ports = nb_ports;
	return 0;
}

void
l2sw_fdb_fini(struct l2sw_fdb *fdb)
{
	rte_free(fdb->stations);
	rte_free(fdb->buckets);
	fdb->stations = NULL;
	fdb->buckets = NULL;
}

uint32_t
l2sw_fdb_stations(const struct l2sw_fdb *fdb, uint16_t port)
{
	return atomic_load_explicit(&fdb->stations[port], memory_order_relaxed);
}

/*
 * Ports in metas are always < nb_ports: learn and pin are called with checked ports. The
 * increment is ordered before the meta that publishes the entry (release), and a remover's
 * claim reads that meta (acquire): its decrement comes after, the count never wraps.
 */
static inline void
stations_add(struct l2sw_fdb *fdb, uint16_t port, int32_t delta)
{
	atomic_fetch_add_explicit(&fdb->stations[port], (uint32_t)delta, memory_order_relaxed);
}

/* Read a published slot holding @p key; false if it holds something else, changed, or is
 * being removed. */
static inline bool
slot_read(const struct l2sw_slot *s, uint64_t key, uint64_t *meta)
{
	if (atomic_load_explicit(&s->key, memory_order_acquire) != key)
		return false;
	*meta = atomic_load_explicit(&s->meta, memory_order_acquire);
	return (*meta & L2SW_META_DEAD) == 0 &&
	       atomic_load_explicit(&s->key, memory_order_relaxed) == key;
}

/* Read whatever published entry slot @p s holds; false for an empty or unstable slot. */
static inline bool
slot_load(const struct l2sw_slot *s, uint64_t *key, uint64_t *meta)
{
	*key = atomic_load_explicit(&s->key, memory_order_acquire);
	return *key != L2SW_KEY_EMPTY && (*key & L2SW_KEY_BUSY) == 0 && slot_read(s, *key, meta);
}

/*
 * Take the dynamic entry (@p key, @p meta), as read from slot @p s, away from its port:
 * the slot's key becomes @p to (EMPTY, or a new key|BUSY that the caller then publishes).
 * False if the entry changed meanwhile (refreshed, moved, removed): nothing was done.
 */
static bool
slot_release(struct l2sw_fdb *fdb, struct l2sw_slot *s, uint64_t key, uint64_t meta,
	     uint64_t to)
{
	uint64_t m = meta;

	if (!atomic_compare_exchange_strong_explicit(&s->meta, &m, meta | L2SW_META_DEAD,
						     memory_order_acq_rel, memory_order_relaxed))
		return false;
	if (!atomic_compare_exchange_strong_explicit(&s->key, &key, to, memory_order_acq_rel,
						     memory_order_relaxed)) {
		/* emptied and claimed again since our loads, with this very meta: not ours */
		atomic_store_explicit(&s->meta, meta, memory_order_release);
		return false;
	}
	stations_add(fdb, l2sw_meta_port(meta), -1);
	return true;
}

bool
l2sw_fdb_lookup(const struct l2sw_fdb *fdb, uint64_t key, uint64_t *meta)
{
	struct bucket_pair p = fdb_buckets(fdb, key);

	for (int b = 0; b < 2; b++)
		for (int i = 0; i < L2SW_BUCKET_SLOTS; i++)
			if (slot_read(&p.b[b]->slot[i], key, meta))
				return true;
	return false;
}

/* Claim an empty slot for @p key and publish it; L2SW_LEARN_HIT if another lcore won. */
static enum l2sw_learn
fdb_add(struct bucket_pair *p, uint64_t key, uint64_t meta)
{
	for (int b = 0; b < 2; b++) {
		for (int i = 0; i < L2SW_BUCKET_SLOTS; i++) {
			struct l2sw_slot *s = &p->b[b]->slot[i];
			uint64_t expect = L2SW_KEY_EMPTY;

			if (atomic_load_explicit(&s->key, memory_order_relaxed) != expect)
				continue;
			if (!atomic_compare_exchange_strong_explicit(&s->key, &expect,
					key | L2SW_KEY_BUSY, memory_order_acq_rel,
					memory_order_acquire)) {
				if ((expect & ~L2SW_KEY_BUSY) == key)
					return L2SW_LEARN_HIT;
				continue;
			}
			atomic_store_explicit(&s->meta, meta, memory_order_release);
			atomic_store_explicit(&s->key, key, memory_order_release);
			return L2SW_LEARN_NEW;
		}
	}
	return L2SW_LEARN_FULL;
}

/** What a learner brings: the ingress port, the time, and that port's limits. */
struct learn_req {
	uint16_t port;
	uint64_t now;
	uint64_t refresh; /**< least time between two "seen" updates */
	uint32_t cap;     /**< the port's max_learned, 0: none */
};

static inline bool
at_cap(const struct l2sw_fdb *fdb, const struct learn_req *r)
{
	return r->cap != 0 && l2sw_fdb_stations(fdb, r->port) >= r->cap;
}

/* The station is in slot @p s with meta @p m: refresh it or move it to the learner's port. */
static enum l2sw_learn
fdb_update(struct l2sw_fdb *fdb, struct l2sw_slot *s, uint64_t key, uint64_t m,
	   const struct learn_req *r)
{
	uint64_t want = l2sw_meta(r->port, false, r->now);
	uint16_t from = l2sw_meta_port(m);

	if (l2sw_meta_pinned(m))
		return from == r->port ? L2SW_LEARN_HIT : L2SW_LEARN_PINNED;
	if (from == r->port) {
		/* refresh rarely: every write bounces the line between lcores */
		if (l2sw_meta_idle(m, r->now) >= r->refresh)
			atomic_compare_exchange_strong_explicit(&s->meta, &m, want,
				memory_order_release, memory_order_relaxed);
		return L2SW_LEARN_HIT;
	}
	if (at_cap(fdb, r)) {
		/* its old port is stale and this one may hold no more: unknown from now on */
		slot_release(fdb, s, key, m, L2SW_KEY_EMPTY);
		return L2SW_LEARN_CAP;
	}
	stations_add(fdb, r->port, 1);
	if (atomic_compare_exchange_strong_explicit(&s->meta, &m, want, memory_order_release,
						    memory_order_relaxed)) {
		stations_add(fdb, from, -1);
		return L2SW_LEARN_MOVED;
	}
	stations_add(fdb, r->port, -1);
	return L2SW_LEARN_HIT; /* someone else updated it first; the next frame decides */
}

enum l2sw_learn
l2sw_fdb_learn(struct l2sw_fdb *fdb, uint64_t key, uint16_t port, uint64_t now,
	       uint64_t refresh_ticks, uint32_t cap)
{
	const struct learn_req r = {
		.port = port, .now = now, .refresh = refresh_ticks, .cap = cap,
	};
	struct bucket_pair p = fdb_buckets(fdb, key);
	enum l2sw_learn res;
	uint64_t m;

	for (int b = 0; b < 2; b++) {
		for (int i = 0; i < L2SW_BUCKET_SLOTS; i++) {
			struct l2sw_slot *s = &p.b[b]->slot[i];

			if (atomic_load_explicit(&s->key, memory_order_relaxed) ==
			    (key | L2SW_KEY_BUSY))
				return L2SW_LEARN_HIT;
			if (slot_read(s, key, &m))
				return fdb_update(fdb, s, key, m, &r);
		}
	}
	if (at_cap(fdb, &r))
		return L2SW_LEARN_CAP;
	stations_add(fdb, port, 1); /* before the entry can be seen: see the top */
	res = fdb_add(&p, key, l2sw_meta(port, false, now));
	if (res != L2SW_LEARN_NEW)
		stations_add(fdb, port, -1);
	return res;
}

/* Remove every dynamic copy of @p key (control thread). */
static void
fdb_remove_dynamic(struct l2sw_fdb *fdb, struct bucket_pair *p, uint64_t key)
{
	uint64_t m;

	for (int b = 0; b < 2; b++) {
		for (int i = 0; i < L2SW_BUCKET_SLOTS; i++) {
			struct l2sw_slot *s = &p->b[b]->slot[i];

			if (slot_read(s, key, &m) && !l2sw_meta_pinned(m))
				slot_release(fdb, s, key, m, L2SW_KEY_EMPTY);
		}
	}
}

/* Claim a slot holding a dynamic entry for a pinned one (the FDB is full of learned MACs). */
static int
fdb_evict_for(struct l2sw_fdb *fdb, struct bucket_pair *p, uint64_t key, uint64_t meta)
{
	for (int b = 0; b < 2; b++) {
		for (int i = 0; i < L2SW_BUCKET_SLOTS; i++) {
			struct l2sw_slot *s = &p->b[b]->slot[i];
			uint64_t k, m;

			if (!slot_load(s, &k, &m) || l2sw_meta_pinned(m) ||
			    !slot_release(fdb, s, k, m, key | L2SW_KEY_BUSY))
				continue;
			atomic_store_explicit(&s->meta, meta, memory_order_release);
			atomic_store_explicit(&s->key, key, memory_order_release);
			return 0;
		}
	}
	return -ENOSPC;
}

/* Wait until no slot of the pair holds @p key as BUSY (a learner finishing its add). */
static void
fdb_wait_not_busy(struct bucket_pair *p, uint64_t key)
{
	for (int b = 0; b < 2; b++)
		for (int i = 0; i < L2SW_BUCKET_SLOTS; i++)
			for (int n = 0; n < L2SW_BUSY_SPIN &&
			     atomic_load_explicit(&p->b[b]->slot[i].key, memory_order_acquire) ==
			     (key | L2SW_KEY_BUSY); n++)
				rte_pause();
}

int
l2sw_fdb_pin(struct l2sw_fdb *fdb, uint64_t key, uint16_t port)
{
	struct bucket_pair p = fdb_buckets(fdb, key);
	uint64_t meta = l2sw_meta(port, true, 0);
	int ret = 0;

	fdb_wait_not_busy(&p, key);
	fdb_remove_dynamic(fdb, &p, key);
	if (fdb_add(&p, key, meta) != L2SW_LEARN_NEW)
		ret = fdb_evict_for(fdb, &p, key, meta);
	if (ret == 0) {
		/* a wire lcore may have learned the MAC between the removal and the add */
		fdb_wait_not_busy(&p, key);
		fdb_remove_dynamic(fdb, &p, key);
	}
	return ret;
}

void
l2sw_fdb_unpin(struct l2sw_fdb *fdb, uint64_t key)
{
	struct bucket_pair p = fdb_buckets(fdb, key);
	uint64_t m;

	for (int b = 0; b < 2; b++) {
		for (int i = 0; i < L2SW_BUCKET_SLOTS; i++) {
			struct l2sw_slot *s = &p.b[b]->slot[i];
			uint64_t expect = key;

			if (slot_read(s, key, &m) && l2sw_meta_pinned(m))
				atomic_compare_exchange_strong_explicit(&s->key, &expect,
					L2SW_KEY_EMPTY, memory_order_acq_rel, memory_order_relaxed);
		}
	}
}

void
l2sw_fdb_flush_port(struct l2sw_fdb *fdb, uint16_t port)
{
	for (uint32_t b = 0; b <= fdb->mask; b++) {
		for (int i = 0; i < L2SW_BUCKET_SLOTS; i++) {
			struct l2sw_slot *s = &fdb->buckets[b].slot[i];
			uint64_t k, m;

			if (slot_load(s, &k, &m) && !l2sw_meta_pinned(m) &&
			    l2sw_meta_port(m) == port)
				slot_release(fdb, s, k, m, L2SW_KEY_EMPTY);
		}
	}
}

unsigned int
l2sw_fdb_age(struct l2sw_fdb *fdb, uint64_t now, uint64_t age_ticks, uint32_t budget,
	     uint64_t *aged_per_port)
{
	uint32_t nb_buckets = fdb->mask + 1;
	unsigned int removed = 0;

	if (budget > nb_buckets)
		budget = nb_buckets;
	for (; budget > 0; budget--) {
		struct l2sw_bucket *bk = &fdb->buckets[fdb->age_cursor];

		fdb->age_cursor = (fdb->age_cursor + 1) & fdb->mask;
		for (int i = 0; i < L2SW_BUCKET_SLOTS; i++) {
			struct l2sw_slot *s = &bk->slot[i];
			uint64_t k, m;

			if (!slot_load(s, &k, &m) || l2sw_meta_pinned(m) ||
			    l2sw_meta_idle(m, now) <= age_ticks ||
			    !slot_release(fdb, s, k, m, L2SW_KEY_EMPTY))
				continue;
			removed++;
			l2sw_ctr_add(&aged_per_port[l2sw_meta_port(m)], 1);
		}
	}
	return removed;
}

int
l2sw_fdb_walk_entries(const struct l2sw_fdb *fdb, uint64_t now, l2sw_fdb_walk_cb cb, void *arg)
{
	for (uint32_t b = 0; b <= fdb->mask; b++) {
		for (int i = 0; i < L2SW_BUCKET_SLOTS; i++) {
			const struct l2sw_slot *s = &fdb->buckets[b].slot[i];
			struct l2sw_fdb_entry e;
			uint64_t k, m;
			int ret;

			if (!slot_load(s, &k, &m))
				continue;
			memset(&e, 0, sizeof(e));
			l2sw_u64_mac(k & L2SW_MAC_MASK, &e.mac);
			e.vlan = (uint16_t)((k >> 48) & 0xfff);
			e.port = l2sw_meta_port(m);
			e.pinned = l2sw_meta_pinned(m);
			e.idle = e.pinned ? 0 : l2sw_meta_idle(m, now);
			ret = cb(&e, arg);
			if (ret != 0)
				return ret;
		}
	}
	return 0;
}
