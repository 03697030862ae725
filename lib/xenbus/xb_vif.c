/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The vif object: create (Linux netback_probe), destroy (netback_remove), paths, watches,
 * the caller's refusal (xb_vif_fail) and the hotplug-status key. The top of lib/xenbus:
 * it uses every other file, none uses it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>

#include "xb_internal.h"


/* Longest hotplug-status value accepted ("connected", "error", ...). */
#define XB_HOTPLUG_STATUS_MAX 32

static int check_args(struct xb_xs *xs, uint16_t domid, const struct xb_backend_features *feat)
{
	const struct xb_xs_ops *ops;

	if (xs == NULL || xs->ops == NULL || feat == NULL || domid > XB_DOMID_MAX)
		return -EINVAL;
	ops = xs->ops;
	if (ops->read == NULL || ops->directory == NULL || ops->write == NULL ||
	    ops->rm == NULL || ops->txn_start == NULL || ops->txn_end == NULL ||
	    ops->watch == NULL || ops->unwatch == NULL)
		return -EINVAL;
	if (feat->max_queues < 1 || feat->max_queues > XB_MAX_QUEUES)
		return -EINVAL;
	/* Segmentation offload produces multi-slot packets: meaningless without sg. */
	if ((feat->gso_tcpv4 || feat->gso_tcpv6) && !feat->sg)
		return -EINVAL;
	return 0;
}

struct xb_vif *xb_vif_create(struct xb_xs *xs, uint16_t domid, uint32_t devid,
		const struct xb_backend_features *feat)
{
	enum xb_state found;
	struct xb_vif *vif;
	int ret;

	ret = check_args(xs, domid, feat);
	if (ret < 0) {
		rte_errno = -ret;
		return NULL;
	}
	vif = calloc(1, sizeof(*vif));
	if (vif == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	vif->xs = xs;
	vif->domid = domid;
	vif->devid = devid;
	vif->feat = *feat;
	vif->last_fe = XB_FE_NONE;
	/* Probe starts here, as Linux's xenbus core does before netback_probe. */
	vif->state = XB_STATE_INITIALISING;
	snprintf(vif->be_path, sizeof(vif->be_path), "/local/domain/%u/backend/vif/%u/%u",
		XB_BACKEND_DOMID, (unsigned int)domid, (unsigned int)devid);
	snprintf(vif->err_dir, sizeof(vif->err_dir), "/local/domain/%u/error/backend/vif/%u/%u",
		XB_BACKEND_DOMID, (unsigned int)domid, (unsigned int)devid);
	/* Both fit: ids are at most 5 digits each. */
	xb_path_join(vif->err_node, sizeof(vif->err_node), vif->err_dir, "error");
	xb_path_join(vif->rate_path, sizeof(vif->rate_path), vif->be_path, "rate");

	if (xb_frontend_read_path(vif) < 0) {
		/* Refuse (Closing); report it at the first poll. */
		xb_state_refuse(vif, NULL);
		vif->broken = true;
		vif->fatal_unreported = true;
		return vif;
	}
	found = xb_backend_connected(vif);
	if (found != XB_STATE_UNKNOWN) {
		/* A previous backend process left it Connected (or Reconfigured, in the middle
		 * of an xdp-headroom change): its features are the ones the frontend negotiated,
		 * so nothing is written; the first poll decides. */
		vif->state = found;
		vif->resuming = true;
		XB_LOG(NOTICE, vif, "found %s, frontend %s: resuming", xb_state_name(found),
		       vif->fe_path);
		return vif;
	}
	ret = xb_backend_write_features(vif);
	if (ret == 0)
		ret = xb_state_walk(vif, XB_STATE_INITWAIT, NULL);
	if (ret < 0) {
		free(vif);
		rte_errno = -ret;
		return NULL;
	}
	XB_LOG(INFO, vif, "backend InitWait, frontend %s, max %u queue(s)", vif->fe_path,
		feat->max_queues);
	return vif;
}

void xb_vif_free_keep(struct xb_vif *vif)
{
	if (vif == NULL)
		return;
	xb_vif_unwatch(vif);
	XB_LOG(INFO, vif, "left %s for the next backend process", xb_state_name(vif->state));
	free(vif);
}

void xb_vif_destroy(struct xb_vif *vif)
{
	if (vif == NULL)
		return;
	xb_vif_unwatch(vif);
	vif->attached = false;
	vif->connect_pending = false;
	xb_state_walk(vif, XB_STATE_CLOSED, NULL);
	xb_backend_remove_error_dir(vif);
	XB_LOG(INFO, vif, "destroyed");
	free(vif);
}

const char *xb_vif_backend_path(const struct xb_vif *vif)
{
	return vif->be_path;
}

const char *xb_vif_error_path(const struct xb_vif *vif)
{
	return vif->err_node;
}

const char *xb_vif_frontend_state_path(const struct xb_vif *vif)
{
	return vif->fe_state_path[0] != '\0' ? vif->fe_state_path : NULL;
}

enum xb_state xb_vif_state(const struct xb_vif *vif)
{
	return vif->state;
}

int xb_vif_watch(struct xb_vif *vif, const char *token)
{
	int ret;

	if (token == NULL || token[0] == '\0' || strlen(token) >= sizeof(vif->watch_token) ||
	    vif->watch_token[0] != '\0')
		return -EINVAL;
	if (vif->fe_state_path[0] == '\0')
		return -ENOENT;
	ret = vif->xs->ops->watch(vif->xs, vif->fe_state_path, token);
	if (ret < 0) {
		XB_LOG(ERR, vif, "watching %s: %s", vif->fe_state_path, strerror(-ret));
		return ret;
	}
	/* The toolstack's rate, re-read when it changes (netback's xen_register_credit_watch). */
	ret = vif->xs->ops->watch(vif->xs, vif->rate_path, token);
	if (ret < 0) {
		XB_LOG(ERR, vif, "watching %s: %s", vif->rate_path, strerror(-ret));
		vif->xs->ops->unwatch(vif->xs, vif->fe_state_path, token);
		return ret;
	}
	/* netback's mcast_ctrl_watch (it offers feature-dynamic-multicast-control) */
	ret = vif->xs->ops->watch(vif->xs, vif->mcast_path, token);
	if (ret < 0) {
		XB_LOG(ERR, vif, "watching %s: %s", vif->mcast_path, strerror(-ret));
		vif->xs->ops->unwatch(vif->xs, vif->rate_path, token);
		vif->xs->ops->unwatch(vif->xs, vif->fe_state_path, token);
		return ret;
	}
	memcpy(vif->watch_token, token, strlen(token) + 1);
	return 0;
}

int xb_vif_unwatch(struct xb_vif *vif)
{
	int ret;

	if (vif->watch_token[0] == '\0')
		return 0;
	ret = vif->xs->ops->unwatch(vif->xs, vif->fe_state_path, vif->watch_token);
	if (vif->xs->ops->unwatch(vif->xs, vif->rate_path, vif->watch_token) < 0 && ret == 0)
		ret = -EIO;
	if (vif->xs->ops->unwatch(vif->xs, vif->mcast_path, vif->watch_token) < 0 && ret == 0)
		ret = -EIO;
	vif->watch_token[0] = '\0';
	return ret;
}

void xb_vif_set_release_cb(struct xb_vif *vif, void (*fn)(void *arg), void *arg)
{
	vif->release_cb = fn;
	vif->release_arg = arg;
}

int xb_vif_fail(struct xb_vif *vif, int err, const char *reason)
{
	if (err >= 0 || reason == NULL)
		return -EINVAL;
	vif->attached = false;
	vif->connect_pending = false;
	vif->resumed = false;
	return xb_vif_refuse(vif, NULL, err, "%s", reason);
}

int xb_vif_set_hotplug_status(struct xb_vif *vif, const char *status)
{
	char path[XB_PATH_MAX];
	int ret;

	if (status == NULL || strlen(status) >= XB_HOTPLUG_STATUS_MAX)
		return -EINVAL;
	ret = xb_path_join(path, sizeof(path), vif->be_path, "hotplug-status");
	if (ret < 0)
		return ret;
	return vif->xs->ops->write(vif->xs, XB_TXN_NONE, path, status);
}
