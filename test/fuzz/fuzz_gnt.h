/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The guest side of the netif fuzz targets: a small grant table (gref g < FZ_GNT_PAGES is a
 * separately allocated 4 KiB page, so ASan sees any overflow between pages; any other gref
 * is not granted) and a grant copy that applies Xen's per-segment rules (flags, domid,
 * gref, offset + len within the page) the way the hypervisor does: a bad segment gets a
 * GNTST_* error status and copies nothing. The backend-local side of every segment is
 * checked by a caller's callback, and a segment outside the memory the backend may touch
 * aborts: that would be the backend corrupting itself, something Xen cannot catch.
 */
#ifndef DNB_FUZZ_GNT_H
#define DNB_FUZZ_GNT_H

#include <stdbool.h>
#include <stdint.h>

#include "nif.h"

/** Granted pages; grefs FZ_GNT_PAGES and above are refused with GNTST_bad_gntref. */
#define FZ_GNT_PAGES 8u
/** The guest's domain id in every fuzz target. */
#define FZ_DOMID 9u
#define FZ_NO_FAIL UINT32_MAX

struct fz_gnt {
	uint8_t *page[FZ_GNT_PAGES];
	uint32_t fail_seg;     /**< segment index to fail with fail_status, or FZ_NO_FAIL */
	int16_t fail_status;
	uint64_t bytes_copied; /**< total bytes of segments that succeeded */
};

/** Whether the backend-local side [virt, virt + len) of a segment is legitimate. */
typedef bool (*fz_local_ok_fn)(const void *virt, uint16_t len, void *arg);

void fz_gnt_init(struct fz_gnt *g);
void fz_gnt_fini(struct fz_gnt *g);

/**
 * Issue @p count segments as GNTTABOP_copy would, setting each status. Aborts when a
 * segment's local side fails @p local_ok.
 * @return 0 (the batch call itself succeeded).
 */
int fz_gnt_copy(struct fz_gnt *g, nif_gcopy_seg *segs, uint32_t count,
		fz_local_ok_fn local_ok, void *arg);

#endif /* DNB_FUZZ_GNT_H */
