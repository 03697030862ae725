/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Chosen vifs, between the app's two files about them: vifs.c decides about one vif and
 * attaches or detaches its port (what binding a driver to a xenbus device is in Linux);
 * vif_watch.c decides when to ask (watch events, the tick, the slow full rescan) and keeps
 * the vifs that must be asked again. Both run on the vif control thread only.
 */
#ifndef DNB_VIFS_H
#define DNB_VIFS_H

#include <stdbool.h>

#include "dnb.h"
#include "xb.h"

/**
 * Look at vif @p id again (xb_discover_lookup: five xenstore reads at most) and act: attach
 * a port if the vif is ours (online; named with --vif, or marked with --marked-vifs), not
 * attached and free of the kernel's xen-netback; detach its port if it is attached and no
 * longer ours or gone.
 * @return true when the vif is settled (attached, detached, or none of ours); false when it
 *   must be asked again later: xenstore could not tell (XB_VIF_UNKNOWN: nothing was changed),
 *   the kernel still holds it, or its attach failed.
 */
bool dnb_vif_examine(struct dnb_app *app, struct xb_xs *xs, struct xb_vif_id id);

/**
 * The ids of the attached vifs, for a pass that checks each.
 * @return how many were stored in @p ids (at most @p max).
 */
unsigned int dnb_vif_attached_ids(struct xb_vif_id *ids, unsigned int max);

/** Is vif @p id attached? */
bool dnb_vif_attached(struct xb_vif_id id);

/**
 * Detach every attached vif (service shutdown), as @p mode says: leave each Connected for
 * the next process (rte_pmd_xenvif_keep_on_close), release it (Closing, Closed), or leave it
 * Connected and bind it to the kernel's xen-netback (dnb_kernel_take), without the state
 * the service kept for a restart (XB_PERSIST_KEY, removed through @p xs).
 */
void dnb_vif_detach_all(struct dnb_app *app, struct xb_xs *xs, enum dnb_exit_mode mode);

#endif /* DNB_VIFS_H */
