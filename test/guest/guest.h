/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * dnb-guest internals: the simulated netfront process of the test bed. One thread runs one
 * poll() loop over a signalfd, the xenstore watch fd, the domain's event channel fd and the
 * TAP queue fds; it sleeps in poll() when idle.
 *
 *  guest_opts.c    command line
 *  guest_xenbus.c  frontend state machine (netfront's netback_changed / talk_to_netback)
 *  guest_queue.c   per-queue rings, grants, event channels and the datapath glue
 *  guest_tap.c     the TAP device (IFF_VNET_HDR, offloads, MAC, carrier)
 *  guest_stats.c   counters: printed on SIGUSR1 and at exit
 *  guest_ctrl.c    the control ring (--ctrl-ring): hashing set up, hash extras checked
 *  guest_*_ring.c  pure ring bookkeeping (guest_ring.h)
 */
#ifndef DNB_GUEST_H
#define DNB_GUEST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "guest_ring.h"

#define GUEST_MAX_QUEUES 8
/* Pages of one queue in the domain: two ring pages, then RX buffers, then TX buffers. */
#define GUEST_QUEUE_PAGES (2 + GR_RX_RING_SIZE + GR_TX_RING_SIZE)
/* Grants one queue can hold at once, plus Linux's reserved references. */
#define GUEST_QUEUE_GREFS (2 + GR_RX_RING_SIZE + GR_TX_RING_SIZE)
#define GUEST_RESERVED_GREFS 8
/* Frames read from one TAP queue / packets received per queue before polling again. */
#define GUEST_BUDGET 64
/* netfront's XENNET_TIMEOUT: how long a close waits for the backend, in milliseconds. */
#define GUEST_CLOSE_TIMEOUT_MS 5000

#define GLOG(g, fmt, ...) \
	fprintf(stderr, "dnb-guest dom%u: " fmt "\n", (unsigned int)(g)->opt.domid, ##__VA_ARGS__)

/* Most groups --mcast-join takes. */
#define GUEST_MCAST_JOIN_MAX 16

struct guest_opts {
	uint16_t domid;
	uint32_t devid;
	uint16_t backend_domid;
	const char *sim_dir;
	const char *tap;
	uint8_t mac[6];
	bool have_mac;
	unsigned int queues;   /* wanted; the backend's multi-queue-max-queues caps it */
	bool queues_given;
	unsigned int rx_fill;  /* RX requests kept posted per queue */
	bool sg, gso, csum6, rx_notify, split_evtchn, multi_queue;
	unsigned int hostile_ms; /* --hostile-ms: scribble on the rings this often (0: never) */
	uint64_t seed;           /* --seed: of the hostile scribbles */
	unsigned int junk;       /* --junk: set of 1 << GUEST_JUNK_*; TX ring kept full of them */
	uint8_t junk_dst[6];     /* --junk-dst: where "big" frames go */
	bool rx_stall;           /* --rx-stall: post RX buffers once, never again */
	unsigned int mtu;        /* --mtu: the TAP's MTU once connected (0: left as it is) */
	unsigned int xdp_headroom; /* --xdp-headroom: asked for once connected (0: none) */
	bool ctrl_ring;          /* --ctrl-ring: a control ring, hashing set up and checked */
	bool mcast_control;      /* --mcast-control: request-multicast-control=1 */
	uint8_t mcast_join[GUEST_MCAST_JOIN_MAX][6]; /* --mcast-join: MCAST_ADD once connected */
	unsigned int nb_mcast_join;
};

/* Kinds of --junk (guest_junk.c). */
enum {
	GUEST_JUNK_RUNT, GUEST_JUNK_CSUM, GUEST_JUNK_MCAST, GUEST_JUNK_GSO, GUEST_JUNK_BIG,
	GUEST_JUNK_NR
};

/* Pages after the queues' in the domain: the control ring and its requests' data page. */
#define GUEST_CTRL_PAGES 2
/* Entries of the hash mapping table the control ring sets. */
#define GUEST_CTRL_MAP 8

/** The control ring (guest_ctrl.c), as a Windows frontend uses it for RSS. */
struct guest_ctrl {
	bool on;              /* ring granted and its keys written */
	bool hashing;         /* every setting acknowledged: frames are checked */
	int ring_ref, data_ref, port;
	xen_netif_ctrl_front_ring_t ring;
	uint8_t key[40];
	uint32_t map[GUEST_CTRL_MAP];
	uint64_t hash_ok, hash_bad, queue_ok, queue_bad, unhashed;
};

/** One queue: its rings in the domain, grants, event channels and ring state. */
struct guest_queue {
	unsigned int idx;
	uint32_t pfn_base;     /* first of GUEST_QUEUE_PAGES pages */
	int tx_ring_ref, rx_ring_ref;
	int tx_port, rx_port;  /* equal when one event channel serves both */
	bool set_up;
	struct gr_txq tx;
	struct gr_rxq rx;
	uint64_t notify_fail;  /* evtchn notify errors (backend not bound yet, ...) */
	uint64_t tap_write_err;
	uint64_t tap_read_err;
};

struct guest {
	struct guest_opts opt;
	struct xensim_dom *dom;
	struct xs_handle *xs;
	char fe_path[128];
	char be_path[256];
	uint16_t be_domid;
	int fe_state;          /* XenbusState we last wrote */
	bool connected;        /* backend Connected with our rings: datapath runs */
	bool stopping;
	unsigned int nr_queues;   /* negotiated */
	bool split_evtchn_ok;     /* backend offers feature-split-event-channels */
	struct gr_tx_features txf;
	bool rx_sg, rx_gso;        /* what we offered the backend */
	bool be_xdp;               /* backend offers feature-xdp-headroom */
	bool be_ctrl;              /* backend offers feature-ctrl-ring */
	bool be_mcast;             /* backend offers feature-multicast-control */
	unsigned int xdp_want;     /* headroom to ask for (--xdp-headroom, SIGUSR2 toggles) */
	unsigned int xdp_asked;    /* "xdp-headroom" written, Reconfiguring under way */
	unsigned int xdp_have;     /* what the backend took (Reconfigured, or at connect) */
	int tap_fd[GUEST_MAX_QUEUES];
	unsigned int nr_tap;
	struct guest_queue q[GUEST_MAX_QUEUES];
	struct gr_grant_ops gops;
	/* Counters of queues already torn down (reconnects), so totals survive them. */
	struct gr_rx_stats rx_gone;
	struct gr_tx_stats tx_gone;
	uint64_t notify_fail_gone, tap_write_err_gone, tap_read_err_gone;
	uint64_t grants_leaked;    /* grants the backend never gave back at teardown */
	uint64_t junk_posted;      /* --junk requests posted */
	uint64_t mcast_added;      /* --mcast-join MCAST_ADD requests posted (all connects) */
	struct guest_ctrl ctrl;
};

/* guest_opts.c */
/** Parse argv into @p o. @return 0, 1 when --help was printed, -EINVAL (message printed). */
int guest_opts_parse(int argc, char **argv, struct guest_opts *o);

/* guest_tap.c */
/** Open TAP @p name with up to @p want queues into @p fds. @return queues opened or -errno. */
int guest_tap_open(const char *name, unsigned int want, int *fds);
/** TUNSETOFFLOAD from the negotiated features. @return 0 / -errno. */
int guest_tap_set_offload(int fd, const struct gr_tx_features *f);
/** Set the TAP's MAC and bring it up. @return 0 / -errno. */
int guest_tap_set_mac_up(const char *name, const uint8_t mac[6]);
/** Set the TAP's MTU (SIOCSIFMTU). @return 0 / -errno. */
int guest_tap_set_mtu(const char *name, unsigned int mtu);
/** Carrier on/off (TUNSETCARRIER). @return 0 / -errno. */
int guest_tap_set_carrier(int fd, bool on);

/* guest_queue.c */
/** Create the rings of queue @p i, grant them and allocate its event channels. */
int guest_queue_setup(struct guest *g, unsigned int i);
/** End all grants (retrying while the backend holds them, up to a timeout), close ports. */
void guest_queue_teardown(struct guest *g, unsigned int i);
/** Handle delivered events: gc TX, receive, refill. @return true if work is left. */
bool guest_queue_service(struct guest *g, unsigned int i);
/** Read up to GUEST_BUDGET frames from TAP fd @p tap into queue @p i. @return true if more. */
bool guest_queue_tap_readable(struct guest *g, unsigned int i, int tap);
/** May the TAP queue feeding queue @p i be read now (space for a largest frame)? */
bool guest_queue_can_tx(struct guest *g, unsigned int i);

/* guest_stats.c */
/** Print counters of every queue set up, and totals, to stdout. */
void guest_stats_print(const struct guest *g, const char *why);
/** Fold queue @p i's counters into the totals kept across reconnects. */
void guest_stats_retire(struct guest *g, unsigned int i);

/* guest_xenbus.c */
/** Connect to xenstore, find the backend, write Initialising, set the watches. */
int guest_xenbus_start(struct guest *g);
/** React to xenstore watch events (drains them). */
void guest_xenbus_watch_event(struct guest *g);
/** Close as netfront's remove does (Closing, wait, Closed, wait), then tear down. */
void guest_xenbus_close(struct guest *g);
/** SIGUSR2: switch the xdp-headroom on (--xdp-headroom, or 256) or off, as netfront's
 *  xennet_xdp_set does when a program is attached or removed. */
void guest_xenbus_toggle_xdp(struct guest *g);

/* guest_ctrl.c */
/** Grant the control ring page and allocate its event channel, when --ctrl-ring was given
 *  and the backend offers feature-ctrl-ring (else nothing). @return 0 / -errno. */
int guest_ctrl_setup(struct guest *g);
/** End its grants, close its port. */
void guest_ctrl_teardown(struct guest *g);
/** Connected: set algorithm, flags, key, mapping size and mapping; each answer checked. */
void guest_ctrl_configure(struct guest *g);
/** Check a received frame's hash extra and queue @p qidx against our own computation. */
void guest_ctrl_check(struct guest *g, unsigned int qidx, const struct gr_rx_pkt *pkt);

/* guest_hostile.c: a guest that breaks the ring protocol on purpose (tests only). */
/** Write garbage into one connected queue's shared rings; the backend must cope. */
void guest_hostile_strike(struct guest *g, uint64_t *rng);

/* guest_junk.c: a guest that keeps the backend busy on purpose (tests only). */
/** Gc every queue's TX ring and fill it with the --junk kinds; push and notify. */
void guest_junk_fill(struct guest *g);

/* guest_mcast.c: --mcast-join's MCAST_ADD requests, once connected (a Windows frontend's
 * multicast list), posted on the last queue. */
void guest_mcast_join(struct guest *g);

#endif /* DNB_GUEST_H */
