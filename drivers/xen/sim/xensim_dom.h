/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The guest's side of the simulated hypervisor: what a simulated domain (the test bed's
 * netfront) does with Xen — own memory pages, grant them to another domain, allocate and
 * signal event channels.
 *
 * A domain is a file "<dir>/dom<domid>.mem" on tmpfs (dir = the XENSIM_DIR of the test bed),
 * mapped MAP_SHARED by the guest and by the backend's "sim" xen_ops, so ring pages and
 * buffers are really shared memory. It holds a header, the event channel table, the grant
 * table (Xen's own struct grant_entry_v1, written by the guest exactly as a PV guest writes
 * its shared grant table), then the guest's page frames. The guest receives event channel
 * deliveries on a datagram socket "<dir>/dom<domid>.evtchn".
 *
 * The guest side trusts nobody either: every index it is handed is checked.
 * Functions return a non-negative value on success and a negative errno on failure.
 */
#ifndef DNB_XENSIM_DOM_H
#define DNB_XENSIM_DOM_H

#include <stdbool.h>
#include <stdint.h>

struct xensim_dom;

/**
 * Create domain @p domid with @p nr_pages page frames (pfn 0 .. nr_pages-1) and
 * @p nr_grefs grant entries, in directory @p dir. Fails with -EEXIST if that domain exists.
 * @return the domain, or NULL with errno set.
 */
struct xensim_dom *xensim_dom_create(const char *dir, uint16_t domid, uint32_t nr_pages,
				     uint32_t nr_grefs);
/** Destroy the domain: its file and socket are removed; the backend sees GNTST_bad_domain. */
void xensim_dom_destroy(struct xensim_dom *dom);

uint16_t xensim_dom_id(const struct xensim_dom *dom);
/** Address of page frame @p pfn in the guest's own mapping, or NULL when out of range. */
void *xensim_dom_page(struct xensim_dom *dom, uint32_t pfn);
uint32_t xensim_dom_nr_pages(const struct xensim_dom *dom);

/**
 * Grant domain @p to_domid access to page frame @p pfn (read-only when @p readonly).
 * Reference 0..7 are reserved as in Linux (GNTTAB_NR_RESERVED_ENTRIES).
 * @return the grant reference, or -ENOSPC, -EINVAL.
 */
int xensim_gnttab_grant(struct xensim_dom *dom, uint16_t to_domid, uint32_t pfn,
			bool readonly);
/**
 * End foreign access to @p gref. @return 0, or -EBUSY while the grantee has it mapped
 * (GTF_reading/GTF_writing set by the hypervisor), as gnttab_end_foreign_access_ref().
 */
int xensim_gnttab_end(struct xensim_dom *dom, uint32_t gref);

/** Allocate an unbound port that @p remote_domid may bind. @return port or -errno. */
int xensim_evtchn_alloc_unbound(struct xensim_dom *dom, uint16_t remote_domid);
/** Close @p port; a bound peer sees its end go unbound, as in Xen. */
int xensim_evtchn_close(struct xensim_dom *dom, uint32_t port);
/** Signal the peer of @p port: sets its pending bit, delivers unless masked or pending. */
int xensim_evtchn_notify(struct xensim_dom *dom, uint32_t port);
/** Readable while an event has been delivered to this domain. */
int xensim_evtchn_fd(struct xensim_dom *dom);
/** Next delivered port (it stays masked until unmasked), or -EAGAIN. */
int xensim_evtchn_pending(struct xensim_dom *dom);
int xensim_evtchn_unmask(struct xensim_dom *dom, uint32_t port);

#endif /* DNB_XENSIM_DOM_H */
