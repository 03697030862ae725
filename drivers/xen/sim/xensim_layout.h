/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Internal to drivers/xen/sim: the layout of a simulated domain's file, shared by the guest
 * side (xensim_dom.c) and the simulated hypervisor (xensim_gnttab.c, xensim_evtchn.c).
 *
 *   page 0                 struct xensim_hdr
 *   page 1                 event channel table: XENSIM_NR_PORTS x struct xensim_evtchn
 *   page 2 ..              grant table: nr_grefs x grant_entry_v1_t (Xen's own), page-rounded
 *   then                   nr_pages guest page frames of 4 KiB
 *   then                   the hypervisor's area (struct xensim_hv_shared, then the active
 *                          grant table: nr_grefs x struct xensim_active), page-rounded
 *
 * Every byte up to the end of the frames is writable by the guest. The hypervisor side
 * therefore snapshots and validates the header once at attach and never trusts it again,
 * reads each shared field once with an atomic load, and bounds every index by its private
 * snapshot. Shared fields of Xen's struct types are accessed with the __atomic builtins (the
 * C11 memory model on a type that cannot be declared _Atomic).
 *
 * The hypervisor's area stands for Xen's own memory: the guest side never maps it (it writes
 * only the domain's instance there, at creation). It is shared by every backend process, as
 * Xen's active grant table is one per domain whoever maps the grant.
 */
#ifndef DNB_XENSIM_LAYOUT_H
#define DNB_XENSIM_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xenctrl.h>
#include <xen/grant_table.h>

#define XENSIM_MAGIC 0x4d495358u   /* "XSIM" */
#define XENSIM_VERSION 2u /* 2: the hypervisor's area after the frames */
#define XENSIM_ALIVE 0x56494c41u   /* "ALIV": any other value means the domain is dead */
#define XENSIM_PAGE_SIZE 4096u

/** Ports per domain (port 0 is reserved, as in Xen). */
#define XENSIM_NR_PORTS 64u
/** Upper bounds a hypervisor accepts from a header: keeps size arithmetic in range. */
#define XENSIM_MAX_PAGES (1u << 20)
#define XENSIM_MAX_GREFS (1u << 20)

struct xensim_hdr {
	uint32_t magic;
	uint32_t version;
	uint16_t domid;
	uint16_t pad;
	uint32_t nr_pages;
	uint32_t nr_grefs;
	uint32_t nr_ports;
	uint32_t alive; /**< XENSIM_ALIVE while the domain exists (atomic) */
};

/** Event channel states, Xen's ECS_* subset. XENSIM_ECS_BINDING is transient. */
enum xensim_ecs {
	XENSIM_ECS_FREE = 0,
	XENSIM_ECS_UNBOUND = 1,
	XENSIM_ECS_INTERDOMAIN = 2,
	XENSIM_ECS_BINDING = 3,
};

/** Index into pending/mask/queued: which end of the channel. */
enum xensim_end { XENSIM_END_GUEST = 0, XENSIM_END_REMOTE = 1 };

#define XENSIM_SOCK_NAME_MAX 40

/**
 * One guest port. state/remote_domid are written by the guest (alloc/close) and by the
 * binder (bind/unbind, by compare-and-swap); remote_* name the binder while interdomain.
 * pending/mask/queued per end: Xen's pending and mask bits, plus "queued", set while a
 * delivery datagram is in flight so each port is delivered at most once (the role of
 * Xen's pending-selector bit).
 */
struct xensim_evtchn {
	uint32_t state;
	uint16_t remote_domid;
	uint16_t pad;
	uint32_t remote_port;
	uint32_t remote_token;
	uint8_t pending[2];
	uint8_t mask[2];
	uint8_t queued[2];
	uint8_t pad2[2];
	char remote_sock[XENSIM_SOCK_NAME_MAX]; /**< binder's socket, a name inside the dir */
};
_Static_assert(sizeof(struct xensim_evtchn) == 64, "evtchn entry layout");
_Static_assert(offsetof(struct xensim_evtchn, remote_port) == 8, "state and remote_domid: one word");
_Static_assert(sizeof(grant_entry_v1_t) == 8, "Xen v1 grant entry");

static inline size_t xensim_round_page(size_t n)
{
	return (n + XENSIM_PAGE_SIZE - 1) & ~(size_t)(XENSIM_PAGE_SIZE - 1);
}

static inline size_t xensim_evtchn_off(void)
{
	return XENSIM_PAGE_SIZE;
}

static inline size_t xensim_gnttab_off(void)
{
	return xensim_evtchn_off() +
	       xensim_round_page(XENSIM_NR_PORTS * sizeof(struct xensim_evtchn));
}

static inline size_t xensim_frames_off(uint32_t nr_grefs)
{
	return xensim_gnttab_off() + xensim_round_page((size_t)nr_grefs * sizeof(grant_entry_v1_t));
}

/** The guest's part of the file: what the guest side maps. */
static inline size_t xensim_guest_size(uint32_t nr_pages, uint32_t nr_grefs)
{
	return xensim_frames_off(nr_grefs) + (size_t)nr_pages * XENSIM_PAGE_SIZE;
}

/**
 * The hypervisor's area. A lock word is 0 (free) or the token of the backend handle that
 * holds it: whoever waits too long on it can tell a dead holder (its record's flock is gone,
 * see xensim_rec.h) and undo what it left half done.
 */
struct xensim_hv_shared {
	uint64_t instance;                   /**< non-zero, random: this domain, not an earlier
						  one with the same domid */
	uint32_t port_lock[XENSIM_NR_PORTS]; /**< serializes binds and closes of a guest port */
};

/**
 * One active grant entry (Xen's struct active_grant_entry): pins of this grant by every
 * backend process together, so GTF_reading/GTF_writing are cleared when the last one goes.
 */
struct xensim_active {
	uint32_t lock;  /**< 0 or the holder's token (atomic) */
	uint32_t pins;  /**< bits 0..15 read-only pins, 16..30 writable (GNTPIN_hstr/hstw) */
	uint32_t frame; /**< frame captured at the first pin; valid while pinned */
	uint32_t pad;
};
_Static_assert(sizeof(struct xensim_active) == 16, "active entry layout");

static inline size_t xensim_hv_off(uint32_t nr_pages, uint32_t nr_grefs)
{
	return xensim_guest_size(nr_pages, nr_grefs); /* page-aligned already */
}

static inline size_t xensim_active_off(uint32_t nr_pages, uint32_t nr_grefs)
{
	return xensim_hv_off(nr_pages, nr_grefs) +
	       xensim_round_page(sizeof(struct xensim_hv_shared));
}

static inline size_t xensim_file_size(uint32_t nr_pages, uint32_t nr_grefs)
{
	return xensim_active_off(nr_pages, nr_grefs) +
	       xensim_round_page((size_t)nr_grefs * sizeof(struct xensim_active));
}

/** "<dir>/dom<domid>.mem" and "<dir>/dom<domid>.evtchn". @return 0 or -ENAMETOOLONG. */
int xensim_dom_path(char *buf, size_t len, const char *dir, uint16_t domid, const char *ext);

/** Deliver @p port to the datagram socket at @p addr (one datagram of a uint32_t). */
struct sockaddr_un;
int xensim_evtchn_send(int sock, const struct sockaddr_un *addr, uint32_t port);

/**
 * Raise @p end of @p ch, Xen's way: set pending; if it was clear and the end is not
 * masked, deliver (once: queued). @return 1 when a datagram must be sent, else 0.
 */
static inline int xensim_evtchn_raise(struct xensim_evtchn *ch, enum xensim_end end)
{
	if (__atomic_exchange_n(&ch->pending[end], 1, __ATOMIC_SEQ_CST) != 0)
		return 0;
	if (__atomic_load_n(&ch->mask[end], __ATOMIC_SEQ_CST) != 0)
		return 0;
	return __atomic_exchange_n(&ch->queued[end], 1, __ATOMIC_SEQ_CST) == 0;
}

/** Unmask @p end: clear mask, then re-deliver if pending. @return 1 to send, else 0. */
static inline int xensim_evtchn_unmask_end(struct xensim_evtchn *ch, enum xensim_end end)
{
	__atomic_store_n(&ch->mask[end], 0, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&ch->pending[end], __ATOMIC_SEQ_CST) == 0)
		return 0;
	return __atomic_exchange_n(&ch->queued[end], 1, __ATOMIC_SEQ_CST) == 0;
}

/* A port's state and remote_domid, compared-and-swapped as one word. */
union xensim_evtchn_head {
	uint64_t raw;
	struct {
		uint32_t state;
		uint16_t remote_domid;
		uint16_t pad;
	} s;
};

/**
 * Xen's evtchn_close of the binder's end, as the guest's end @p ch sees it: if the port is
 * still interdomain with binder @p token on its port @p lport, it goes back to unbound with
 * remote_domid 0, bindable by domain 0 again; pending and mask bits stay as they are. The
 * caller holds the port's lock (no other binder meanwhile); a guest closing the port at the
 * same time wins, and nothing changes. @return true when it was bound to us and is unbound.
 */
static inline bool xensim_evtchn_unbind_remote(struct xensim_evtchn *ch, uint32_t token,
					       uint32_t lport)
{
	uint64_t *word = (uint64_t *)(void *)ch;
	union xensim_evtchn_head cur, next;

	cur.raw = __atomic_load_n(word, __ATOMIC_ACQUIRE);
	if (cur.s.state != XENSIM_ECS_INTERDOMAIN ||
	    __atomic_load_n(&ch->remote_port, __ATOMIC_RELAXED) != lport ||
	    __atomic_load_n(&ch->remote_token, __ATOMIC_RELAXED) != token)
		return false;
	next = cur;
	next.s.state = XENSIM_ECS_UNBOUND;
	next.s.remote_domid = 0;
	return __atomic_compare_exchange_n(word, &cur.raw, next.raw, false, __ATOMIC_SEQ_CST,
					   __ATOMIC_SEQ_CST);
}

/** Accept a delivery on @p end, as /dev/xen/evtchn does: mask the port, clear pending. */
static inline void xensim_evtchn_take(struct xensim_evtchn *ch, enum xensim_end end)
{
	__atomic_store_n(&ch->queued[end], 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&ch->mask[end], 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&ch->pending[end], 0, __ATOMIC_SEQ_CST);
}

#endif /* DNB_XENSIM_LAYOUT_H */
