/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The backend state machine: Linux netback's set_backend_state (walk the graph in xb.h one
 * legal step at a time) and frontend_changed (map the frontend's state to a target), split
 * so that "connect" hands the parsed request to the caller instead of mapping rings here.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "xb_internal.h"

/* Longest walk: Connected -> Closing -> Closed -> InitWait -> (connect). */
#define XB_WALK_MAX_STEPS 8

/* The next state on the shortest legal path from @p cur to @p target. */
static enum xb_state next_step(enum xb_state cur, enum xb_state target)
{
	switch (cur) {
	case XB_STATE_INITIALISING:
		/* A refusal during probe goes straight to Closing, as xenbus_dev_fatal does. */
		return target == XB_STATE_CLOSED || target == XB_STATE_CLOSING ?
			target : XB_STATE_INITWAIT;
	case XB_STATE_CLOSED:
		return target == XB_STATE_CLOSING ? XB_STATE_CLOSING : XB_STATE_INITWAIT;
	case XB_STATE_INITWAIT:
		return target == XB_STATE_CONNECTED ? XB_STATE_CONNECTED : XB_STATE_CLOSING;
	case XB_STATE_CLOSING:
		return XB_STATE_CLOSED;
	case XB_STATE_CONNECTED:
	default:
		/* Connected goes down through Closing; no other state is ever written. */
		return XB_STATE_CLOSING;
	}
}

/* Leaving InitWait-with-a-pending-connect or Connected: the caller must let go. */
static void release_data_plane(struct xb_vif *vif, struct xb_event *ev)
{
	if (!vif->attached && !vif->connect_pending)
		return;
	vif->attached = false;
	vif->connect_pending = false;
	vif->resumed = false;
	/* before the caller's state write: the frontend may end its grants once it sees it */
	if (vif->release_cb != NULL)
		vif->release_cb(vif->release_arg);
	if (ev == NULL)
		return;
	ev->detach = true;
	if (ev->type == XB_EV_NONE)
		ev->type = XB_EV_DISCONNECT;
}

/* InitWait -> Connected: validate the frontend and hand its request to the caller. */
static int connect_step(struct xb_vif *vif, struct xb_event *ev)
{
	if (vif->connect_pending)
		return 0;
	/* A refusal walks to Closing and fills ev; nothing else to do. */
	if (xb_frontend_read_conf(vif) < 0) {
		xb_state_refuse(vif, ev);
		return 0;
	}
	vif->connect_pending = true;
	vif->attached = true;
	XB_LOG(INFO, vif, "frontend request valid: %u queue(s)", vif->conf.nb_queues);
	if (ev != NULL) {
		ev->type = XB_EV_CONNECT;
		ev->conf = &vif->conf;
	}
	return 0;
}

int xb_state_walk(struct xb_vif *vif, enum xb_state target, struct xb_event *ev)
{
	enum xb_state next;
	int steps;
	int ret;

	if (target != XB_STATE_INITWAIT && target != XB_STATE_CONNECTED &&
	    target != XB_STATE_CLOSING && target != XB_STATE_CLOSED)
		return -EINVAL;
	for (steps = 0; vif->state != target && steps < XB_WALK_MAX_STEPS; steps++) {
		if (vif->state == XB_STATE_INITWAIT && target == XB_STATE_CONNECTED)
			return connect_step(vif, ev);
		release_data_plane(vif, ev);
		next = next_step(vif->state, target);
		/* A fresh attempt starts without the previous one's error. */
		if (vif->state == XB_STATE_CLOSED && next == XB_STATE_INITWAIT)
			xb_backend_clear_error(vif);
		ret = xb_backend_write_state(vif, next);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * The first look at a vif found Connected: if its frontend is Connected too, hand its
 * request to the caller as a resume (nothing written: the frontend sees no change). Keys
 * a guest rewrote while no backend ran are refused as at any connect.
 * @return true when handled; false: the frontend moved on, follow it from Connected.
 */
/* xenbus_dev_fatal: act on the reason recorded by xb_vif_reason(). */
int xb_state_refuse(struct xb_vif *vif, struct xb_event *ev)
{
	int ret, walk, err = vif->fatal_err;

	vif->hold = true;
	XB_LOG(ERR, vif, "refusing frontend: %s (%s)", vif->fatal_reason, strerror(-err));
	ret = xb_backend_write_error(vif, err, vif->fatal_reason);
	if (ret < 0)
		XB_LOG(ERR, vif, "writing error node: %s", strerror(-ret));
	if (ev != NULL) {
		ev->type = XB_EV_FATAL;
		ev->err = err;
		ev->conf = NULL;
		memcpy(ev->reason, vif->fatal_reason, sizeof(ev->reason));
	}
	/* Closing also releases a data plane the caller holds (ev->detach). */
	walk = xb_state_walk(vif, XB_STATE_CLOSING, ev);
	return ret < 0 ? ret : walk;
}

int xb_vif_refuse(struct xb_vif *vif, struct xb_event *ev, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(vif->fatal_reason, sizeof(vif->fatal_reason), fmt, ap);
	va_end(ap);
	vif->fatal_err = err;
	return xb_state_refuse(vif, ev);
}

static bool resume_step(struct xb_vif *vif, int fe, struct xb_event *ev)
{
	vif->resuming = false;
	/* Reconfiguring: the previous process died before it answered (or the frontend has not
	 * seen its answer yet); the conf read here has the new xdp-headroom either way. */
	if (fe != XB_STATE_CONNECTED && fe != XB_STATE_RECONFIGURING)
		return false;
	if (xb_frontend_read_conf(vif) < 0) {
		xb_state_refuse(vif, ev);
		return true;
	}
	vif->connect_pending = true;
	vif->attached = true;
	vif->resumed = true;
	XB_LOG(INFO, vif, "frontend still Connected: resuming %u queue(s)", vif->conf.nb_queues);
	ev->type = XB_EV_CONNECT;
	ev->resume = true;
	ev->conf = &vif->conf;
	return true;
}

/*
 * The frontend's Reconfiguring (netfront's xennet_xdp_set): read its new "xdp-headroom" and
 * answer Reconfigured at once, as netback's frontend_changed does. Only a connected vif has a
 * data plane to reconfigure; before that the state is a protocol error, as any unexpected one.
 */
static int reconfigure_step(struct xb_vif *vif, struct xb_event *ev)
{
	int ret;

	if (vif->hold)
		return 0;
	if (!vif->attached || vif->connect_pending ||
	    (vif->state != XB_STATE_CONNECTED && vif->state != XB_STATE_RECONFIGURED)) {
		xb_vif_refuse(vif, ev, -EINVAL, "saw state %d (Reconfiguring) at frontend while %s",
			      XB_STATE_RECONFIGURING, xb_state_name(vif->state));
		return 0;
	}
	if (xb_frontend_read_xdp(vif) < 0) {
		xb_state_refuse(vif, ev);
		return 0;
	}
	ret = xb_backend_write_state(vif, XB_STATE_RECONFIGURED);
	if (ret < 0)
		return ret;
	XB_LOG(INFO, vif, "xdp-headroom now %u", vif->conf.xdp_headroom);
	ev->type = XB_EV_HEADROOM;
	ev->conf = &vif->conf;
	return 0;
}

/* Linux netback's frontend_changed. */
static int frontend_changed(struct xb_vif *vif, int fe, struct xb_event *ev)
{
	int ret;

	if (vif->resuming && resume_step(vif, fe, ev))
		return 0;
	XB_LOG(DEBUG, vif, "frontend -> %s", xb_state_name((unsigned int)fe));
	switch (fe) {
	case XB_STATE_INITIALISING:
		vif->hold = false;
		return xb_state_walk(vif, XB_STATE_INITWAIT, ev);
	case XB_STATE_INITIALISED:
		return 0;
	case XB_STATE_CONNECTED:
		/* After a refusal, wait for the frontend to close or restart. */
		if (vif->hold)
			return 0;
		/* The end of a reconfiguration: the data plane never stopped. */
		if (vif->state == XB_STATE_RECONFIGURED)
			return xb_backend_write_state(vif, XB_STATE_CONNECTED);
		return xb_state_walk(vif, XB_STATE_CONNECTED, ev);
	case XB_STATE_RECONFIGURING:
		return reconfigure_step(vif, ev);
	case XB_STATE_CLOSING:
		return xb_state_walk(vif, XB_STATE_CLOSING, ev);
	case XB_STATE_CLOSED:
	case XB_STATE_UNKNOWN:
		vif->hold = false;
		ret = xb_state_walk(vif, XB_STATE_CLOSED, ev);
		/* Unknown or gone: the guest is being destroyed. Closed: ask the toolstack. */
		if (ret == 0 && (fe == XB_STATE_UNKNOWN || !xb_backend_online(vif))) {
			XB_LOG(INFO, vif, "frontend %s and device offline",
				xb_state_name((unsigned int)fe));
			ev->type = XB_EV_OFFLINE;
		}
		return ret;
	default:
		if (fe < 0)
			xb_vif_refuse(vif, ev, -EINVAL, "saw a non-numeric state at frontend");
		else
			xb_vif_refuse(vif, ev, -EINVAL, "saw state %d (%s) at frontend", fe,
				xb_state_name((unsigned int)fe));
		return 0;
	}
}

/* The frontend's state: 0 when the node is gone, XB_FE_GARBAGE when not a number. */
static int read_frontend_state(struct xb_vif *vif, int *fe)
{
	char value[XB_VALUE_MAX];
	enum xb_state s;
	int ret;

	ret = xb_read_key(vif->xs, XB_TXN_NONE, vif->fe_path, "state", value, sizeof(value));
	if (ret == -ENOENT) {
		*fe = XB_STATE_UNKNOWN;
		return 0;
	}
	if (ret < 0 && ret != -EOVERFLOW)
		return ret;
	ret = ret < 0 ? -EINVAL : xb_parse_state(value, &s);
	if (ret == -EINVAL) {
		*fe = XB_FE_GARBAGE;
	} else if (ret == -ERANGE) {
		/* Large values stay "invalid" without overflowing an int. */
		*fe = XB_STATE_RECONFIGURED + 1;
		XB_LOG(DEBUG, vif, "frontend state %s", value);
	} else {
		*fe = (int)s;
	}
	return 0;
}

int xb_vif_poll(struct xb_vif *vif, struct xb_event *ev)
{
	int fe;
	int ret;

	memset(ev, 0, sizeof(*ev));
	ev->type = XB_EV_NONE;
	if (vif->fatal_unreported) {
		vif->fatal_unreported = false;
		ev->type = XB_EV_FATAL;
		ev->err = vif->fatal_err;
		memcpy(ev->reason, vif->fatal_reason, sizeof(ev->reason));
		return 0;
	}
	if (vif->broken)
		return 0;
	ret = read_frontend_state(vif, &fe);
	if (ret < 0)
		return ret;
	/* Each frontend state is acted on once; watches may fire without a change. */
	if (fe == vif->last_fe)
		return 0;
	ret = frontend_changed(vif, fe, ev);
	if (ret == 0)
		vif->last_fe = fe;
	return ret;
}

int xb_vif_on_watch(struct xb_vif *vif, const char *path, struct xb_event *ev)
{
	size_t len;

	memset(ev, 0, sizeof(*ev));
	ev->type = XB_EV_NONE;
	if (path == NULL || path[0] == '\0' || vif->fe_state_path[0] == '\0')
		return 0;
	if (strcmp(path, vif->rate_path) == 0) {
		/* A change of the toolstack's rate: only a data plane in use applies it. */
		if (vif->attached && !vif->connect_pending) {
			xb_frontend_read_rate(vif);
			XB_LOG(INFO, vif, "rate now %u bytes per %u us (0: unlimited)",
			       vif->conf.rate_bytes, vif->conf.rate_usec);
			ev->type = XB_EV_RATE;
			ev->conf = &vif->conf;
		}
		return 0;
	}
	if (strcmp(path, vif->mcast_path) == 0) {
		/* feature-dynamic-multicast-control: the frontend may switch it while connected */
		if (vif->attached && !vif->connect_pending) {
			bool was = vif->conf.mcast_control;

			xb_frontend_read_mcast(vif);
			if (vif->conf.mcast_control != was) {
				XB_LOG(INFO, vif, "multicast control %s",
				       vif->conf.mcast_control ? "on" : "off");
				ev->type = XB_EV_MCAST;
				ev->conf = &vif->conf;
			}
		}
		return 0;
	}
	/* The state node itself, or an ancestor (reported when the directory is removed). */
	len = strlen(path);
	if (strncmp(vif->fe_state_path, path, len) != 0 ||
	    (vif->fe_state_path[len] != '\0' && vif->fe_state_path[len] != '/'))
		return 0;
	return xb_vif_poll(vif, ev);
}

int xb_vif_connected(struct xb_vif *vif)
{
	int ret;

	if (vif->connect_pending && vif->resumed &&
	    (vif->state == XB_STATE_CONNECTED || vif->state == XB_STATE_RECONFIGURED)) {
		/* A frontend still Reconfiguring gets its answer; one Connected again its end. */
		enum xb_state want = vif->last_fe == XB_STATE_RECONFIGURING ?
			XB_STATE_RECONFIGURED : XB_STATE_CONNECTED;

		if (vif->state != want) {
			ret = xb_backend_write_state(vif, want);
			if (ret < 0)
				return ret;
		}
		vif->connect_pending = false;
		vif->resumed = false;
		XB_LOG(NOTICE, vif, "resumed, %u queue(s)", vif->conf.nb_queues);
		return 0;
	}
	if (!vif->connect_pending || vif->state != XB_STATE_INITWAIT)
		return -EINVAL;
	ret = xb_backend_write_state(vif, XB_STATE_CONNECTED);
	if (ret < 0)
		return ret;
	vif->connect_pending = false;
	XB_LOG(NOTICE, vif, "connected, %u queue(s)", vif->conf.nb_queues);
	return 0;
}

int xb_vif_disconnect(struct xb_vif *vif)
{
	vif->hold = true;
	if (vif->state == XB_STATE_CLOSED)
		return 0;
	vif->attached = false;
	vif->connect_pending = false;
	XB_LOG(NOTICE, vif, "disconnecting");
	return xb_state_walk(vif, XB_STATE_CLOSING, NULL);
}
