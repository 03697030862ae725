/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal to lib/xenbus: the vif object and the functions shared between its files. Files
 * depend one way, each only on those listed after it:
 *   xb_vif.c      object lifecycle, paths, watches, hotplug status (the top)
 *   xb_state.c    the backend state graph, the frontend state handling, refusals
 *   xb_frontend.c reading and validating the frontend's keys into struct xb_frontend_conf
 *   xb_backend.c  writing the backend's keys (features transaction, state, error node)
 *   xb_persist.c  the backend's own state key (XB_PERSIST_KEY): encoding, parser, I/O
 *   xb_discover.c which vifs the toolstack created (no struct xb_vif: the caller's policy)
 *   xb_client.c   log type, paths, reading a key, state names, a refusal's reason
 *   xb_parse.c    strict parsers for untrusted strings (the bottom)
 */
#ifndef DNB_XB_INTERNAL_H
#define DNB_XB_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_log.h>

#include "xb.h"

extern int xb_logtype;

/** One log line, always prefixed with the vif's name. */
#define XB_LOG(level, vif, fmt, ...) \
	rte_log(RTE_LOG_ ## level, xb_logtype, "vif%u.%u: " fmt "\n", \
		(unsigned int)(vif)->domid, (unsigned int)(vif)->devid, ##__VA_ARGS__)

/** The backend domain: xb serves Dom0's backend tree. */
#define XB_BACKEND_DOMID 0u

/** Longest xenstore value xb reads (numbers, states, paths, MACs are all far shorter). */
#define XB_VALUE_MAX 128

/** Bound on retries of a transaction that keeps conflicting (Linux retries forever). */
#define XB_TXN_RETRIES 16

/* struct xb_vif::last_fe before any frontend state was seen. */
#define XB_FE_NONE (-1)
/* A frontend state that is not a decimal number. */
#define XB_FE_GARBAGE (-2)

struct xb_vif {
	struct xb_xs *xs;
	uint16_t domid;
	uint32_t devid;
	struct xb_backend_features feat;

	char be_path[XB_PATH_MAX];       /* /local/domain/0/backend/vif/<domid>/<devid> */
	/* /local/domain/0/error/backend/vif/<domid>/<devid>: dom0's private error directory,
	 * where Linux's xenbus_dev_error writes (error/<nodename>, relative to dom0's home) */
	char err_dir[XB_PATH_MAX];
	char err_node[XB_PATH_MAX];      /* <err_dir>/error */
	char fe_path[XB_PATH_MAX];       /* validated copy of the backend's "frontend" */
	char fe_state_path[XB_PATH_MAX]; /* <fe_path>/state; "" while fe_path is refused */
	char watch_token[XB_PATH_MAX];   /* non-empty while xb_vif_watch's watch is registered */
	char rate_path[XB_PATH_MAX];     /* <be_path>/rate, watched with the frontend's state */
	/* <fe_path>/request-multicast-control, watched with it; "" while fe_path is refused */
	char mcast_path[XB_PATH_MAX];

	enum xb_state state;    /* last state written to <be_path>/state */
	/* The frontend state last acted on: an enum xb_state, XB_FE_NONE or XB_FE_GARBAGE. */
	int last_fe;
	/* CONNECT was returned; waiting for xb_vif_connected / xb_vif_fail. */
	bool connect_pending;
	/* The caller holds a data plane (from CONNECT until DISCONNECT/FATAL/OFFLINE). */
	bool attached;
	/* Refused or locally closed: ignore a frontend that stays Connected/Initialised. */
	bool hold;
	/* The toolstack's keys were refused at create: nothing can ever connect. */
	bool broken;
	/* Found Connected at create: the first poll resumes instead of connecting. */
	bool resuming;
	/* The connect in progress is a resume: xb_vif_connected writes nothing. */
	bool resumed;
	/* A refusal not yet reported by xb_vif_poll (from create). */
	bool fatal_unreported;
	int fatal_err;
	char fatal_reason[XB_REASON_MAX];

	struct xb_frontend_conf conf; /* last validated request (valid while pending/attached) */

	/* xb_vif_set_release_cb: release the caller's data plane before a state write */
	void (*release_cb)(void *arg);
	void *release_arg;
};

/* xb_parse.c: strict parsers. Each returns 0 or -EINVAL; nothing is written on error. */
/* xb_parse_u32 (the decimal parser) and xb_parse_mac are public: xb.h. */
/* The backend's "rate": "BYTES,USEC" as libxl writes it, both decimal and not 0. */
int xb_parse_rate(const char *s, uint32_t *bytes, uint32_t *usec);
/* A path component naming a domain or device: canonical decimal (no leading zero), <= max. */
int xb_parse_id(const char *s, uint32_t max, uint32_t *out);
/* A xenbus state; -ERANGE for a decimal number past XB_STATE_RECONFIGURED. */
int xb_parse_state(const char *s, enum xb_state *out);
/* The toolstack's "online" key: true only for exactly "1". */
bool xb_parse_online(const char *s);
/* One hex digit (either case). */
int xb_parse_hex_digit(char c, uint8_t *out);
/* Exactly 2 * @p n hex digits (n <= 64) and nothing after, into @p n bytes. */
int xb_parse_hex(const char *s, uint8_t *out, size_t n);

/* xb_client.c: the bottom, used by every file below it in this list */
/* Join @p dir and @p key into @p buf; -ENAMETOOLONG if it does not fit. */
int xb_path_join(char *buf, size_t size, const char *dir, const char *key);
/*
 * Read <dir>/<key> into @p buf (size XB_VALUE_MAX at least). Returns the length, -ENOENT,
 * -EOVERFLOW for over-long values, or another xenstore error.
 */
int xb_read_key(struct xb_xs *xs, xb_txn_t txn, const char *dir, const char *key,
		char *buf, size_t size);
const char *xb_state_name(unsigned int state);
/*
 * Record why the frontend is refused (vif->fatal_err, vif->fatal_reason) and return @p err.
 * Nothing is written or logged: the caller acts on it with xb_state_refuse().
 */
int xb_vif_reason(struct xb_vif *vif, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* xb_persist.c */
/* Remove the vif's XB_PERSIST_KEY (a missing one is success): the backend left Connected. */
int xb_persist_forget(struct xb_vif *vif);

/* xb_backend.c */
int xb_backend_write_features(struct xb_vif *vif);
int xb_backend_write_state(struct xb_vif *vif, enum xb_state state);
int xb_backend_write_error(struct xb_vif *vif, int err, const char *message);
int xb_backend_clear_error(struct xb_vif *vif);
/* The vif is released: remove its error directory, and its domain's once empty. */
void xb_backend_remove_error_dir(struct xb_vif *vif);
/* The backend's "state" key when it says Connected or Reconfigured (a previous process left
 * it so, with a data plane), else XB_STATE_UNKNOWN. */
enum xb_state xb_backend_connected(struct xb_vif *vif);
/* Reads the backend's "online" key (xb_parse_online). */
bool xb_backend_online(struct xb_vif *vif);

/* xb_frontend.c */
/*
 * Read and validate the frontend's keys (and the backend's "mac") into vif->conf.
 * Returns 0, or the negative errno with the reason recorded (xb_vif_reason).
 */
int xb_frontend_read_conf(struct xb_vif *vif);
/*
 * The toolstack's "rate" into vif->conf (xen_net_read_rate): unlimited when there is none,
 * and when it is malformed (logged, naming the key and the value, as netback warns).
 */
void xb_frontend_read_rate(struct xb_vif *vif);
/*
 * The frontend's "request-multicast-control" into vif->conf.mcast_control, after a change
 * while connected (xen_mcast_ctrl_changed): off when there is none, and when it is malformed
 * (logged, naming the key and the value, as xenbus_read_unsigned's default).
 */
void xb_frontend_read_mcast(struct xb_vif *vif);
/*
 * The toolstack's "mtu" into vif->conf.mtu: 0 (the caller's default) when there is none,
 * and when it is malformed or out of range (logged, naming the key and the value).
 */
void xb_frontend_read_mtu(struct xb_vif *vif);
/*
 * The frontend's "xdp-headroom" into vif->conf (read_xenbus_frontend_xdp): 0 when absent,
 * capped at XB_XDP_HEADROOM_MAX (logged). 0, or -EINVAL (not a decimal u32) or a xenstore
 * error with the reason recorded (xb_vif_reason), naming the key and the value.
 */
int xb_frontend_read_xdp(struct xb_vif *vif);
/* Validate the toolstack's "frontend" and "frontend-id": 0, or as xb_frontend_read_conf. */
int xb_frontend_read_path(struct xb_vif *vif);

/* xb_state.c */
/*
 * Walk the backend state to @p target along the graph. Leaving Connected (or a pending
 * connect) releases the caller's data plane (ev->detach, XB_EV_DISCONNECT unless an event
 * is already set). Reaching Connected from InitWait reads the frontend's keys and stops at
 * XB_EV_CONNECT (or XB_EV_FATAL). @p ev may be NULL for walks the caller started.
 */
int xb_state_walk(struct xb_vif *vif, enum xb_state target, struct xb_event *ev);
/*
 * Refuse the frontend for the reason recorded (xb_vif_reason), as xenbus_dev_fatal: log at
 * ERR, write the error node (err_node) = "<-err> <message>", walk to Closing, hold. Fills
 * @p ev (if not NULL) with XB_EV_FATAL. Returns the write error, if any.
 */
int xb_state_refuse(struct xb_vif *vif, struct xb_event *ev);
/* xb_vif_reason() then xb_state_refuse(). */
int xb_vif_refuse(struct xb_vif *vif, struct xb_event *ev, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* xb_vif.c: the top (the object's lifecycle, the API in xb.h not listed above) */

#endif /* DNB_XB_INTERNAL_H */
