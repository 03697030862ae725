/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Internal to drivers/xen/sim (and its unit test): what a backend handle holds, kept where
 * it outlives the process, and the kernel's release of it when the process dies.
 *
 * On Xen, a dom0 process's grant maps and event channels belong to its open files of
 * /dev/xen/gntdev and /dev/xen/evtchn. When the process dies, whatever the cause, the kernel
 * releases them: gntdev unmaps every grant (Xen drops the pins and clears GTF_reading and
 * GTF_writing in the guest's entry once no pin remains) and evtchn closes every port
 * (EVTCHNOP_close: the guest's end goes back to unbound with remote_domid 0, and dom0 may
 * bind it again). The sim's handles live inside the process, so it models that release:
 *
 *  - Each handle has a record "<dir>/be<token>.rec" (its event channel socket is
 *    "<dir>/be<token>.evtchn"): its grant pins (the two claims of a grant copy in progress,
 *    and one entry per mapped page) and its bound ports, each naming the domain's instance.
 *    The handle holds an exclusive flock on the record for its lifetime. The kernel drops
 *    that lock when the process dies, however it dies: it is the only sign of death used
 *    (a pid check would race with pid reuse).
 *  - Shared state (a grant's active entry, a guest port's binding) changes under a lock word
 *    in the domain's hypervisor area that holds the holder's token. Under the lock, before
 *    it changes anything, the holder writes in its record what the state was (the undo), so
 *    a holder killed between two stores leaves a state that can be put back exactly. A pin
 *    entry is written with the pin, under the same lock; a port entry before the claim.
 *  - The reaper undoes exactly what a dead holder's record says, then deletes the record and
 *    its socket. It runs where the kernel would have cleaned up by then: at every sim_open,
 *    on the guest side before xensim_gnttab_end answers -EBUSY, before a bind fails on a
 *    port bound to a holder, and in a waiter on a lock whose holder is gone.
 *
 * A copy's pins live only inside one sim_grant_copy call, but a process killed inside the
 * call leaves them in the shared active table: so they are recorded too (entries 0 and 1,
 * a few stores per claim, no system call), and reaped like map pins.
 *
 * Records are untrusted input to the reaper: every field is checked and what is bad is
 * skipped; a record whose header is bad is deleted without undoing anything.
 * Not modelled: a record file truncated while it is being reaped (SIGBUS, as for a guest
 * that truncates its own file), and a child that inherits a handle across fork() (it
 * shares the flock, so the handle lives on while the child does).
 */
#ifndef DNB_XENSIM_REC_H
#define DNB_XENSIM_REC_H

#include <stddef.h>
#include <stdint.h>

#define XENSIM_REC_MAGIC 0x43455258u /* "XREC" */
#define XENSIM_REC_VERSION 1u
/** Pin entries per record: the claims of a copy, then one per mapped page. */
#define XENSIM_REC_PINS 16384u
#define XENSIM_REC_COPY_SRC 0u
#define XENSIM_REC_COPY_DST 1u
#define XENSIM_REC_FIRST_MAP 2u
/** Local ports per handle; port 0 is reserved, as in Xen. Port entry i is local port i. */
#define XENSIM_HV_NR_PORTS 1024u

enum xensim_rec_kind {
	XENSIM_REC_FREE = 0,
	XENSIM_REC_PIN_RO = 1,
	XENSIM_REC_PIN_RW = 2,
	XENSIM_REC_PORT = 3,
};

enum xensim_lock_what { XENSIM_LOCK_NONE = 0, XENSIM_LOCK_GRANT = 1, XENSIM_LOCK_PORT = 2 };

/** A pin of grant @c index, or a binding of guest port @c index, of domain @c domid. */
struct xensim_rec_entry {
	uint64_t instance; /**< the domain's instance (struct xensim_hv_shared) */
	uint32_t index;    /**< grant reference, or the guest's port */
	uint16_t domid;
	uint8_t kind;      /**< enum xensim_rec_kind: written last, cleared first */
	uint8_t pad;
};

/** The lock a holder takes or holds (one at a time), and the undo of its grant op. */
struct xensim_rec_op {
	uint64_t instance;
	uint32_t index;       /**< grant reference or guest port */
	uint16_t domid;
	uint8_t what;         /**< enum xensim_lock_what */
	uint8_t undo;         /**< 1 while the fields below must be put back */
	uint32_t pins_before; /**< the active entry's pins before the op */
	uint32_t entry;       /**< the pin entry the op changes ... */
	uint8_t kind_before;  /**< ... and its kind before */
	uint8_t pad[7];
};

/** The record file, mapped shared by its handle (and by a reaper once it is dead). */
struct xensim_rec_file {
	uint32_t magic;
	uint32_t version;
	uint32_t token;
	uint32_t nr_pins;
	uint32_t nr_ports;
	int32_t pid; /**< for people reading the directory; never used */
	struct xensim_rec_op op;
	struct xensim_rec_entry pins[XENSIM_REC_PINS];
	struct xensim_rec_entry ports[XENSIM_HV_NR_PORTS];
};

/** A holder: a handle's own record, or a reaper acting for a dead one. */
struct xensim_rec {
	const char *dir;
	uint32_t token;            /**< non-zero; unique among the records of @c dir */
	int fd;                    /**< holds the flock */
	struct xensim_rec_file *f; /**< MAP_SHARED */
	uint32_t *free_maps;       /**< the handle's free map entries (a stack); NULL: a reaper */
	uint32_t nr_free;
	/**
	 * The kernel's release of a dead holder: xensim_reap_holder(), called by a waiter that
	 * finds one (xensim_lock.c, xensim_evtchn.c). Given by whoever fills the record, so
	 * that code below the reaper (which uses it to unpin and close) never calls up to it.
	 */
	int (*reap)(const char *dir, uint32_t token);
};

/**
 * Order the stores before it before those after it, as a reaper finds them once the
 * holder is dead: a process dies at an instruction boundary, and the reaper reads after a
 * system call (the flock), so only the compiler could reorder them. No CPU fence is needed.
 */
static inline void xensim_rec_order(void)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

/**
 * Create, lock and publish a new record in @p dir (which must outlive @p rec) with a fresh
 * token. The file is complete and locked before its name appears, so a reaper never sees
 * a live handle's record unlocked. @p reap: see struct xensim_rec. @return 0 or -errno.
 */
int xensim_rec_open(struct xensim_rec *rec, const char *dir,
		    int (*reap)(const char *dir, uint32_t token));
/** A clean close: the handle released everything itself; the record goes. */
void xensim_rec_close(struct xensim_rec *rec);
/** "<dir>/be<token>.<ext>". @return 0 or -ENAMETOOLONG. */
int xensim_rec_path(char *buf, size_t len, const char *dir, uint32_t token, const char *ext);

/** A free map entry. @return its index, or -ENOMEM when the handle maps too many pages. */
int xensim_rec_map_alloc(struct xensim_rec *rec);
void xensim_rec_map_free(struct xensim_rec *rec, uint32_t entry);

/* Entry writes and the locks are inline, in xensim_hv_internal.h: a grant copy takes and
 * drops a pin per op. */

/**
 * The kernel's release of every dead holder in @p dir: each record whose flock can be
 * taken is undone and deleted (with its socket). Live records are never touched. Bounded:
 * at most XENSIM_REAP_MAX_DIRENTS names are looked at per call.
 * @return the number of records reaped, or -errno when @p dir cannot be read.
 */
int xensim_reap(const char *dir);
#define XENSIM_REAP_MAX_DIRENTS 4096

/**
 * Reap the holder @p token of @p dir if it is dead.
 * @return 1 reaped, 0 alive (or being reaped by someone else), -ENOENT no such record.
 */
int xensim_reap_holder(const char *dir, uint32_t token);

#endif /* DNB_XENSIM_REC_H */
