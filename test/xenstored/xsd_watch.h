/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file xsd_watch.h
 * Watches and XS_WATCH_EVENT delivery ("path\0token\0", req_id 0, tx_id 0).
 *
 * Matching, as xenstored: a watch on W fires for a change of W or of anything below W.
 * A removal of P also fires every watch registered below P (with the watch's own path),
 * since those nodes went away with P. A domain other than dom0 gets an event only when it
 * may read the changed node (for a removal: the removed node's permissions). Special
 * names ("@introduceDomain", "@releaseDomain") match only themselves and reach only dom0
 * connections, as xenstored's default permissions on them allow.
 */
#ifndef XSD_WATCH_H
#define XSD_WATCH_H

#include <stdbool.h>

#include "xsd_conn.h"
#include "xsd_perms.h"

/**
 * Register a watch on @p c.
 * @param path      the name as the client sent it.
 * @param abs       resolved absolute name (or the special name itself).
 * @param relative  @p path was relative.
 * @return 0; -EEXIST (same path and token already watched); -E2BIG (over the
 *         connection's watch quota); -ENOMEM.
 */
int xsd_watch_add(struct xsd_conn *c, const char *path, const char *abs, bool relative,
		  const char *token);

/** Remove the watch with resolved name @p abs and @p token. @return 0 or -ENOENT. */
int xsd_watch_remove(struct xsd_conn *c, const char *abs, const char *token);

/** Remove every watch of @p c. */
void xsd_watch_remove_all(struct xsd_conn *c);

/** Queue the initial event of a new watch: its own path as registered, and its token. */
void xsd_watch_fire_initial(struct xsd_conn *c, const char *abs, const char *token);

/**
 * Fire every matching watch of every live connection in the list @p conns.
 * @param abs      the changed node (canonical absolute) or a special name.
 * @param perms    permissions deciding who may see the change; NULL for special names.
 * @param removed  the node was removed (also fire watches below it).
 */
void xsd_watch_fire(struct xsd_conn *conns, const char *abs, const struct xsd_perms *perms,
		    bool removed);

#endif /* XSD_WATCH_H */
