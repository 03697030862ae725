/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Internal to drivers/xen/sim (and its unit test): the simulated hypervisor below the
 * gntdev-like ops layer. Files depend one way, each only on those after it:
 *   xensim_hv.c       the "sim" xen_ops (the backend handle), and xensim_dom.c the guest
 *   xensim_reap.c     the kernel's release of a dead holder (through the unpin and close
 *                     paths below; a waiter below reaches it through xensim_rec::reap)
 *   xensim_gnttab.c, xensim_evtchn.c   grant table and event channels
 *   xensim_domain.c   a guest domain's attachment (registry, each handle's cache)
 *   xensim_lock.c, xensim_rec.c, xensim_common.c   locks, holder records, paths
 *
 *  - struct xensim_domain: the hypervisor's attachment of one guest domain file, shared by
 *    every handle of the process (a registry, keyed by the file's identity). The active
 *    grant entries (pin counts, as Xen's struct active_grant_entry) are in the file's
 *    hypervisor area: one table per domain, whichever process, handle or lcore pins them.
 *  - Every pin and binding is made for a holder (struct xensim_rec, see xensim_rec.h), so
 *    that the kernel's release of a dead process can be modelled.
 *  - xensim_gnttab_copy_op(): one GNTTABOP_copy operation, with Xen's per-op statuses
 *    (gnttab_copy_one: lock domains, claim source then destination, check bounds, copy).
 */
#ifndef DNB_XENSIM_HV_INTERNAL_H
#define DNB_XENSIM_HV_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "xensim_layout.h"
#include "xensim_rec.h"

struct xensim_domain {
	uint16_t domid;
	int fd;                     /**< kept open: map_grant_refs maps its pages */
	uint8_t *base;              /**< MAP_SHARED mapping of the whole file */
	size_t size;                /**< bytes mapped (computed from the snapshot) */
	uint32_t nr_pages;          /**< snapshot, validated at attach: never re-read */
	uint32_t nr_grefs;          /**< snapshot, validated at attach */
	uint64_t dev, ino;          /**< identity of the file, for the registry */
	uint64_t instance;          /**< snapshot of shared->instance, validated at attach */
	struct xensim_hdr *hdr;
	struct xensim_evtchn *evtchn;
	grant_entry_v1_t *gnttab;
	uint8_t *frames;
	struct xensim_hv_shared *shared; /**< the hypervisor's area: never the guest's */
	struct xensim_active *active;    /**< [nr_grefs], in the hypervisor's area */
	unsigned int refcnt;        /**< under the registry lock */
	struct xensim_domain *next;
};

/**
 * Attach domain @p domid of directory @p dir (validates the header and file size), or
 * take a reference to the existing attachment of the same file.
 * @return the domain, or NULL with errno (ENOENT: no such domain; EINVAL: bad header).
 */
struct xensim_domain *xensim_domain_get(const char *dir, uint16_t domid);
/** Take one more reference (a bound port or a mapping keeps the domain attached). */
void xensim_domain_hold(struct xensim_domain *d);
void xensim_domain_put(struct xensim_domain *d);

static inline bool xensim_domain_alive(const struct xensim_domain *d)
{
	return __atomic_load_n(&d->hdr->alive, __ATOMIC_ACQUIRE) == XENSIM_ALIVE;
}

/* ---- A holder's record entries and the hypervisor's locks (see xensim_rec.h) ---- */

/** Record in @p e that its holder pins or binds @p index of @p d (kind written last). */
static inline void xensim_rec_set(struct xensim_rec_entry *e, const struct xensim_domain *d,
				  uint32_t index, enum xensim_rec_kind kind)
{
	__atomic_store_n(&e->instance, d->instance, __ATOMIC_RELAXED);
	__atomic_store_n(&e->index, index, __ATOMIC_RELAXED);
	__atomic_store_n(&e->domid, d->domid, __ATOMIC_RELAXED);
	xensim_rec_order();
	__atomic_store_n(&e->kind, (uint8_t)kind, __ATOMIC_RELAXED);
	xensim_rec_order();
}

static inline void xensim_rec_clear(struct xensim_rec_entry *e)
{
	__atomic_store_n(&e->kind, (uint8_t)XENSIM_REC_FREE, __ATOMIC_RELAXED);
	xensim_rec_order();
}

/** The lock word of grant or port @p index (in range) of @p d. */
static inline uint32_t *xensim_lock_word(struct xensim_domain *d, enum xensim_lock_what what,
					 uint32_t index)
{
	if (what == XENSIM_LOCK_PORT)
		return &d->shared->port_lock[index];
	return &d->active[index].lock;
}

/** xensim_lock() when the lock is taken: wait, and reap a holder that is gone. */
void xensim_lock_wait(struct xensim_rec *rec, uint32_t *word);

/**
 * Take the lock of grant (or guest port) @p index of @p d for @p rec, naming it in the
 * record first. A holder takes one lock at a time and waits for none while holding one.
 */
static inline void xensim_lock(struct xensim_rec *rec, struct xensim_domain *d,
			       enum xensim_lock_what what, uint32_t index)
{
	uint32_t *word = xensim_lock_word(d, what, index);
	struct xensim_rec_op *op = &rec->f->op;
	uint32_t owner = 0;

	/* Named first: if we die holding it, the reaper of our record finds it. */
	__atomic_store_n(&op->instance, d->instance, __ATOMIC_RELAXED);
	__atomic_store_n(&op->index, index, __ATOMIC_RELAXED);
	__atomic_store_n(&op->domid, d->domid, __ATOMIC_RELAXED);
	__atomic_store_n(&op->undo, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&op->what, (uint8_t)what, __ATOMIC_RELAXED);
	xensim_rec_order();
	if (!__atomic_compare_exchange_n(word, &owner, rec->token, false, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED))
		xensim_lock_wait(rec, word);
}

/** Under the lock, before the first change: what to put back if the holder dies. */
static inline void xensim_lock_undo(struct xensim_rec *rec, uint32_t pins_before,
				    uint32_t entry, enum xensim_rec_kind kind_before)
{
	struct xensim_rec_op *op = &rec->f->op;

	__atomic_store_n(&op->pins_before, pins_before, __ATOMIC_RELAXED);
	__atomic_store_n(&op->entry, entry, __ATOMIC_RELAXED);
	__atomic_store_n(&op->kind_before, (uint8_t)kind_before, __ATOMIC_RELAXED);
	xensim_rec_order();
	__atomic_store_n(&op->undo, 1, __ATOMIC_RELAXED);
	xensim_rec_order(); /* no change under the lock comes before its undo */
}

static inline void xensim_unlock(struct xensim_rec *rec, struct xensim_domain *d,
				 enum xensim_lock_what what, uint32_t index)
{
	struct xensim_rec_op *op = &rec->f->op;

	xensim_rec_order();
	__atomic_store_n(&op->undo, 0, __ATOMIC_RELAXED); /* the op is whole */
	xensim_rec_order();
	/* A live holder's lock is never taken over (its record exists): a plain release. */
	__atomic_store_n(xensim_lock_word(d, what, index), 0, __ATOMIC_RELEASE);
	xensim_rec_order();
	__atomic_store_n(&op->what, (uint8_t)XENSIM_LOCK_NONE, __ATOMIC_RELAXED);
}

/**
 * Pin grant @p ref of @p d for domain 0, Xen's acquire_grant_for_copy/map_grant_ref on a
 * v1 table: check the entry (read once), set GTF_reading (and GTF_writing unless
 * @p readonly) in it, count the pin, and record it in pin entry @p entry of @p rec.
 * @return GNTST_okay with *frame set, or GNTST_bad_gntref, GNTST_general_error (not
 * granted to us, or write to read-only, or the entry changes under us), GNTST_bad_page
 * (frame out of range).
 */
int16_t xensim_gnttab_pin(struct xensim_domain *d, uint32_t ref, bool readonly,
			  uint32_t *frame, struct xensim_rec *rec, uint32_t entry);
/**
 * Drop a pin taken by xensim_gnttab_pin() and clear its entry; GTF_writing goes with the
 * last writable pin of the domain's active entry, GTF_reading with the last pin.
 */
void xensim_gnttab_unpin(struct xensim_domain *d, uint32_t ref, bool readonly,
			 struct xensim_rec *rec, uint32_t entry);
/**
 * For a reaper, under the lock a dead holder left taken: put the active entry of @p ref
 * back to @p pins and clear the GTF flags those pins do not justify.
 */
void xensim_gnttab_restore(struct xensim_domain *d, uint32_t ref, uint32_t pins);
/** True for a pin count a holder may have read (bit 31 is never set). */
static inline bool xensim_pins_valid(uint32_t pins)
{
	return (pins >> 31) == 0;
}

/** One side of a copy op: a grant (dom != NULL) or a local page of the caller. */
struct xensim_copy_ptr {
	struct xensim_domain *dom; /**< NULL: local page */
	uint32_t ref;              /**< grant reference when dom != NULL */
	uint8_t *local_page;       /**< start of the local 4 KiB page when dom == NULL */
	uint16_t offset;
};

/** A grant claimed by an op and kept for the next op of the same call (Xen's
 *  struct gnttab_copy_buf). */
struct xensim_copy_claim {
	struct xensim_domain *dom; /**< NULL: nothing held */
	uint32_t ref;
	uint8_t *page;
};

/**
 * One GNTTABOP_copy hypercall in progress. Xen's gnttab_copy() keeps the source and the
 * destination grant claimed from one op to the next while they name the same grant, and
 * releases them when the grant changes, when an op fails, and when the call ends. Linux's
 * gntdev issues a call for at most XENSIM_GNTDEV_COPY_BATCH ops (GNTDEV_COPY_BATCH).
 */
struct xensim_copy_call {
	struct xensim_rec *rec; /**< the caller's holder: claims are pin entries 0 and 1 */
	struct xensim_copy_claim src, dst;
	unsigned int nr_ops;
};

#define XENSIM_GNTDEV_COPY_BATCH 16

/**
 * One GNTTABOP_copy op of @p call, at hypervisor level. The caller resolved the domains
 * (and reports GNTST_bad_domain itself for an unknown one); a dead domain gives
 * GNTST_bad_domain here. A call starts zeroed but for its holder; after
 * XENSIM_GNTDEV_COPY_BATCH ops it ends (claims released) and the next op starts a new one,
 * as gntdev's next hypercall.
 * @return the op's GNTST_* status.
 */
int16_t xensim_gnttab_call_copy_op(struct xensim_copy_call *call,
				   const struct xensim_copy_ptr *src,
				   const struct xensim_copy_ptr *dst, uint16_t len);
/** End @p call: release what it still holds. */
void xensim_gnttab_call_end(struct xensim_copy_call *call);

/** A call of one op for @p rec: xensim_gnttab_call_copy_op() then xensim_gnttab_call_end(). */
int16_t xensim_gnttab_copy_op(struct xensim_rec *rec, const struct xensim_copy_ptr *src,
			      const struct xensim_copy_ptr *dst, uint16_t len);

/* ---- The backend handle ("sim" xen_ops), split over xensim_hv.c and xensim_evtchn.c ---- */

#include <sys/un.h>

#include "xen_ops.h"

/** The "sim" ops table, registered with xen_ops_register() when this library is linked. */
extern const struct xen_ops xen_sim_ops;

/** Guest domains a handle keeps attached for the hot path (a small cache, no lock). */
#define XENSIM_HV_DOM_CACHE 16
/** Most pages one map_grant_refs call maps (gntdev refuses larger requests too). */
#define XENSIM_HV_MAX_MAP 4096

/** A local port's binding: private to the handle, never read back from guest memory. */
struct xensim_port {
	struct xensim_domain *dom; /**< NULL: free */
	uint32_t gport;            /**< the guest's port */
	struct sockaddr_un guest_addr;
};

struct xensim_map;

struct xensim_hv {
	struct xen_hv base; /* first: the ops layer casts */
	char dir[256];
	struct {
		uint16_t domid;
		struct xensim_domain *dom;
	} cache[XENSIM_HV_DOM_CACHE];
	unsigned int nr_cached;
	struct xensim_map *maps;
	struct xensim_rec rec;         /**< what it holds; rec.token tells its bindings */
	int sock;                      /**< this handle's event channel socket */
	struct sockaddr_un self_addr;
	char sock_name[XENSIM_SOCK_NAME_MAX];
	struct xensim_port *ports;     /**< [XENSIM_HV_NR_PORTS] */
};

/** The attached, live domain @p domid (cached), or NULL when there is none. */
struct xensim_domain *xensim_hv_domain(struct xensim_hv *hv, uint16_t domid);

/**
 * Xen's evtchn_close of @p rec's local port @p lport, bound to guest port @p gport of @p d:
 * the guest's end goes back to unbound (if it is still ours) and the record entry goes.
 * Also the reaper's, acting for a dead holder.
 */
void xensim_hv_port_close(struct xensim_rec *rec, struct xensim_domain *d, uint32_t gport,
			  uint32_t lport);

int xensim_hv_evtchn_init(struct xensim_hv *hv);
void xensim_hv_evtchn_fini(struct xensim_hv *hv);
int xensim_hv_evtchn_bind(struct xen_hv *base, uint32_t domid, evtchn_port_t rport);
int xensim_hv_evtchn_unbind(struct xen_hv *base, evtchn_port_t port);
int xensim_hv_evtchn_notify(struct xen_hv *base, evtchn_port_t port);
int xensim_hv_evtchn_fd(struct xen_hv *base);
int xensim_hv_evtchn_pending(struct xen_hv *base);
int xensim_hv_evtchn_unmask(struct xen_hv *base, evtchn_port_t port);

#endif /* DNB_XENSIM_HV_INTERNAL_H */
