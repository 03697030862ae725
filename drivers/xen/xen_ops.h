/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The hypervisor interface of dpdk-netback: everything the datapath needs from Xen, behind
 * one small ops table with two implementations.
 *
 *  - "real": libxengnttab, libxenevtchn and libxenctrl on a Dom0 or driver domain (/dev/xen).
 *            Built in.
 *  - "sim":  (the test tree only: sim/, linked whole into the test bed's binaries, never into
 *            the installed service) a simulated hypervisor for test beds without Xen; guest memory, the guest's
 *            grant table and its event channels live in a shared tmpfs file per domain
 *            (see sim/xensim_dom.h for the guest side). It keeps Xen's semantics: the same
 *            per-segment statuses, the same page rules, the same event channel behaviour.
 *
 * Xenstore is not part of this table: both implementations use the real libxenstore client,
 * which reaches the test bed's daemon through XENSTORED_PATH.
 *
 * All functions return 0 (or a non-negative value where said) on success and a negative
 * errno on failure. None of them allocates on the grant-copy or event-notify paths, so both
 * may be called from the hot path; map/unmap and bind/unbind are control-path calls.
 *
 * A struct xen_hv handle is not thread safe: each lcore that issues grant copies should own
 * one (as each xengnttab handle is one open of /dev/xen/gntdev).
 */
#ifndef DNB_XEN_OPS_H
#define DNB_XEN_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>

#include <xenctrl.h> /* first: defines __XEN_TOOLS__ and the barriers ring.h needs */
#include <xengnttab.h>
#include <xen/grant_table.h>
#include <xen/event_channel.h>

/** Xen's page size: the unit of grants, ring pages and grant-copy segments. */
#define XEN_PAGE_SHIFT_4K 12
#define XEN_PAGE_SIZE_4K (1u << XEN_PAGE_SHIFT_4K)

/** One grant-copy segment: exactly libxengnttab's, so "real" passes batches through. */
typedef xengnttab_grant_copy_segment_t xen_gcopy_seg;

struct xen_hv;

/** The ops table. Implementations fill it; callers use the xen_hv_* wrappers below. */
struct xen_ops {
	const char *name; /**< "real" or "sim" */

	/** Open the interface; NULL with errno set (and a log line naming the device) on error. */
	struct xen_hv *(*open)(void);
	void (*close)(struct xen_hv *hv);

	/**
	 * Issue @p count copy segments as one batch (one ioctl for "real").
	 * Semantics are those of xengnttab_grant_copy(): per segment, flags say which side is a
	 * grant (GNTCOPY_source_gref / GNTCOPY_dest_gref); a foreign side's offset + len must not
	 * pass its 4 KiB page; a local (virt) side may cross pages. Each segment's status is set
	 * to GNTST_okay or a GNTST_* error independently of the others.
	 * @return 0 when the batch was issued (then check each status), -errno when the whole
	 *         call was refused (-EINVAL for a malformed segment, as the gntdev driver does).
	 */
	int (*grant_copy)(struct xen_hv *hv, uint32_t count, xen_gcopy_seg *segs);

	/**
	 * Map @p count granted pages of domain @p domid into one contiguous virtual range.
	 * @return the address, or NULL with errno set.
	 */
	void *(*map_grant_refs)(struct xen_hv *hv, uint32_t domid, uint32_t count,
				const uint32_t *refs, bool writable);
	int (*unmap)(struct xen_hv *hv, void *addr, uint32_t count);

	/** Bind to the unbound port @p remote_port of @p domid. @return local port or -errno. */
	int (*evtchn_bind_interdomain)(struct xen_hv *hv, uint32_t domid,
				       evtchn_port_t remote_port);
	int (*evtchn_unbind)(struct xen_hv *hv, evtchn_port_t port);
	int (*evtchn_notify)(struct xen_hv *hv, evtchn_port_t port);
	/** A file descriptor that polls readable while a bound port has a delivered event. */
	int (*evtchn_fd)(struct xen_hv *hv);
	/**
	 * Take the next delivered port without blocking. A delivered port stays masked until
	 * evtchn_unmask(), as with /dev/xen/evtchn. @return port, or -EAGAIN when none.
	 */
	int (*evtchn_pending)(struct xen_hv *hv);
	int (*evtchn_unmask)(struct xen_hv *hv, evtchn_port_t port);
};

/** Every handle starts with its ops table. */
struct xen_hv {
	const struct xen_ops *ops;
};

/** The built-in implementation: libxengnttab, libxenevtchn, libxenctrl. */
extern const struct xen_ops xen_real_ops;

/**
 * Add an implementation to those xen_ops_select() knows. Called before main() by
 * XEN_OPS_REGISTER; at most 4 in all (a fifth is a build error that panics at start).
 */
void xen_ops_register(const struct xen_ops *ops);

/** Register @p ops (a struct xen_ops object) when its object file is linked in. */
#define XEN_OPS_REGISTER(ops) \
	RTE_INIT(xen_ops_register_##ops) { xen_ops_register(&(ops)); }

/**
 * Choose the implementation by name: "real" (also for NULL), or one registered by a library
 * linked into this binary ("sim" in the test tree's binaries only). Never decided by the
 * environment: a service cannot be pointed at a simulated hypervisor by what it inherits.
 * @return the ops table, or NULL with errno = EINVAL for a name this binary does not have.
 */
const struct xen_ops *xen_ops_select(const char *kind);

/** The names xen_ops_select() accepts, ", "-separated, into @p buf (for error messages). */
const char *xen_ops_names(char *buf, size_t len);

static inline struct xen_hv *xen_hv_open(const struct xen_ops *ops)
{
	return ops->open();
}

static inline void xen_hv_close(struct xen_hv *hv)
{
	if (hv != NULL)
		hv->ops->close(hv);
}

static inline int xen_hv_grant_copy(struct xen_hv *hv, uint32_t count, xen_gcopy_seg *segs)
{
	return hv->ops->grant_copy(hv, count, segs);
}

static inline void *xen_hv_map(struct xen_hv *hv, uint32_t domid, uint32_t count,
			       const uint32_t *refs, bool writable)
{
	return hv->ops->map_grant_refs(hv, domid, count, refs, writable);
}

static inline int xen_hv_unmap(struct xen_hv *hv, void *addr, uint32_t count)
{
	return hv->ops->unmap(hv, addr, count);
}

static inline int xen_hv_evtchn_bind(struct xen_hv *hv, uint32_t domid, evtchn_port_t rport)
{
	return hv->ops->evtchn_bind_interdomain(hv, domid, rport);
}

static inline int xen_hv_evtchn_unbind(struct xen_hv *hv, evtchn_port_t port)
{
	return hv->ops->evtchn_unbind(hv, port);
}

static inline int xen_hv_evtchn_notify(struct xen_hv *hv, evtchn_port_t port)
{
	return hv->ops->evtchn_notify(hv, port);
}

static inline int xen_hv_evtchn_fd(struct xen_hv *hv)
{
	return hv->ops->evtchn_fd(hv);
}

static inline int xen_hv_evtchn_pending(struct xen_hv *hv)
{
	return hv->ops->evtchn_pending(hv);
}

static inline int xen_hv_evtchn_unmask(struct xen_hv *hv, evtchn_port_t port)
{
	return hv->ops->evtchn_unmask(hv, port);
}

#endif /* DNB_XEN_OPS_H */
