/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * "real" xen_ops: libxengnttab (/dev/xen/gntdev) and libxenevtchn (/dev/xen/evtchn) on a
 * Dom0 or driver domain. Thin: the kernel drivers and Xen enforce the semantics.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "xen_ops.h" /* first: xenctrl.h must precede the other Xen headers */

#include <xenevtchn.h>

#include "xen_log.h"

struct xen_real_hv {
	struct xen_hv base; /* first: the ops layer casts */
	xengnttab_handle *gnttab;
	xenevtchn_handle *evtchn;
};

static struct xen_real_hv *to_real(struct xen_hv *hv)
{
	return (struct xen_real_hv *)hv;
}

static struct xen_hv *real_open(void)
{
	struct xen_real_hv *hv;
	int err;

	hv = calloc(1, sizeof(*hv));
	if (hv == NULL)
		return NULL;
	hv->base.ops = &xen_real_ops;
	hv->gnttab = xengnttab_open(NULL, 0);
	if (hv->gnttab == NULL) {
		err = errno;
		XEN_LOG(ERR, "xen-real: cannot open /dev/xen/gntdev: %s", strerror(err));
		goto err_free;
	}
	hv->evtchn = xenevtchn_open(NULL, 0);
	if (hv->evtchn == NULL) {
		err = errno;
		XEN_LOG(ERR, "xen-real: cannot open /dev/xen/evtchn: %s", strerror(err));
		xengnttab_close(hv->gnttab);
		goto err_free;
	}
	return &hv->base;

err_free:
	free(hv);
	errno = err;
	return NULL;
}

static void real_close(struct xen_hv *base)
{
	struct xen_real_hv *hv = to_real(base);

	xenevtchn_close(hv->evtchn);
	xengnttab_close(hv->gnttab);
	free(hv);
}

static int real_grant_copy(struct xen_hv *base, uint32_t count, xen_gcopy_seg *segs)
{
	if (xengnttab_grant_copy(to_real(base)->gnttab, count, segs) < 0)
		return -errno;
	return 0;
}

static void *real_map(struct xen_hv *base, uint32_t domid, uint32_t count,
		      const uint32_t *refs, bool writable)
{
	/* libxengnttab takes a non-const array but only reads it. */
	return xengnttab_map_domain_grant_refs(to_real(base)->gnttab, count, domid,
					       (uint32_t *)(uintptr_t)refs,
					       writable ? PROT_READ | PROT_WRITE : PROT_READ);
}

static int real_unmap(struct xen_hv *base, void *addr, uint32_t count)
{
	if (xengnttab_unmap(to_real(base)->gnttab, addr, count) < 0)
		return -errno;
	return 0;
}

static int real_bind(struct xen_hv *base, uint32_t domid, evtchn_port_t rport)
{
	xenevtchn_port_or_error_t port;

	port = xenevtchn_bind_interdomain(to_real(base)->evtchn, domid, rport);
	return port < 0 ? -errno : port;
}

static int real_unbind(struct xen_hv *base, evtchn_port_t port)
{
	return xenevtchn_unbind(to_real(base)->evtchn, port) < 0 ? -errno : 0;
}

static int real_notify(struct xen_hv *base, evtchn_port_t port)
{
	return xenevtchn_notify(to_real(base)->evtchn, port) < 0 ? -errno : 0;
}

static int real_fd(struct xen_hv *base)
{
	return xenevtchn_fd(to_real(base)->evtchn);
}

static int real_pending(struct xen_hv *base)
{
	struct xen_real_hv *hv = to_real(base);
	struct pollfd pfd = { .fd = xenevtchn_fd(hv->evtchn), .events = POLLIN };
	xenevtchn_port_or_error_t port;
	int n;

	/* xenevtchn.h: pending() may block even on a non-blocking fd, so poll first. */
	n = poll(&pfd, 1, 0);
	if (n < 0)
		return -errno;
	if (n == 0 || !(pfd.revents & POLLIN))
		return -EAGAIN;
	port = xenevtchn_pending(hv->evtchn);
	return port < 0 ? -errno : port;
}

static int real_unmask(struct xen_hv *base, evtchn_port_t port)
{
	return xenevtchn_unmask(to_real(base)->evtchn, port) < 0 ? -errno : 0;
}

const struct xen_ops xen_real_ops = {
	.name = "real",
	.open = real_open,
	.close = real_close,
	.grant_copy = real_grant_copy,
	.map_grant_refs = real_map,
	.unmap = real_unmap,
	.evtchn_bind_interdomain = real_bind,
	.evtchn_unbind = real_unbind,
	.evtchn_notify = real_notify,
	.evtchn_fd = real_fd,
	.evtchn_pending = real_pending,
	.evtchn_unmask = real_unmask,
};
