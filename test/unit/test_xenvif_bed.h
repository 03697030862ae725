/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The test bed of test_xenvif, in one process: dnb-xenstored as a child (dom0's socket and
 * one socket per guest), the toolstack's xenstore writes, the net_xenvif ports (vdev
 * hotplug), packet helpers and exact xstats comparison. Helpers fail the running cmocka
 * test on error.
 */
#ifndef DNB_TEST_XENVIF_BED_H
#define DNB_TEST_XENVIF_BED_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "test_xenvif_fe.h"

#define XVB_NR_VIFS 2
/** Most xstats a port may have (8 queues' worth is far less). */
#define XVB_MAX_XSTATS 512
/** How long a control-plane step may take before the test fails (ms). */
#define XVB_WAIT_MS 5000

struct xvb_vif {
	uint16_t domid;
	uint16_t port;
	uint8_t mac[6];
	struct tfe fe;
};

struct xvb {
	char dir[64];          /**< /dev/shm/test_xenvif.XXXXXX */
	char sim_dir[96];
	char xs_sock[96];      /**< dom0's socket */
	char dom_sock[XVB_NR_VIFS][96];
	char log[96];
	pid_t xsd_pid;
	struct xs_handle *xs;  /**< the toolstack's (dom0) connection */
	struct rte_mempool *mp;
	struct xvb_vif vif[XVB_NR_VIFS];
};

/**
 * Start dnb-xenstored ($DNB_XENSTORED) with a socket for each of @p domids, set
 * XENSTORED_PATH and XENSIM_DIR, and open the toolstack's connection.
 * @return 0 or -1 (reason printed).
 */
int xvb_start(struct xvb *b, const uint16_t *domids);
/** Stop the daemon (SIGTERM) and remove the directory. */
void xvb_stop(struct xvb *b);

/** toolstack_add_vif of test/bed/testbed.sh: backend and frontend directories of domid/0. */
int xvb_toolstack_add_vif(struct xvb *b, uint16_t domid, const uint8_t mac[6]);

/**
 * Hotplug-add net_xenvif<N> for @p v with devargs "domid=..,xen=sim,<extra>", configure one
 * queue pair on the bed's mempool and start it. @return 0 or a negative errno.
 */
int xvb_port_add(struct xvb *b, struct xvb_vif *v, const char *extra);

/** Write (or, with @p value NULL, remove) "<backend of domid>/<key>" as the toolstack.
 *  @return 0 or -1. */
int xvb_backend_write(struct xvb *b, uint16_t domid, const char *key, const char *value);

/** Read "<backend of domid>/<key>" as the toolstack. NULL when absent (free() it). */
char *xvb_backend_read(struct xvb *b, uint16_t domid, const char *key);

/** Read vif domid/0's error node (dom0's error/backend/vif/<domid>/0/error), as the
 *  toolstack. NULL when absent (free() it). */
char *xvb_error_read(struct xvb *b, uint16_t domid);

/** Wait up to @p ms for the port's link status to be @p up. @return true when it is. */
bool xvb_wait_link(uint16_t port, bool up, int ms);

/** One xstat by name (the queue prefix "q0_" is added). Fails the test when unknown. */
uint64_t xvb_xstat(uint16_t port, const char *name);

/** All xstats of a port, by index. */
struct xvb_snap {
	unsigned int n;
	char names[XVB_MAX_XSTATS][64];
	uint64_t values[XVB_MAX_XSTATS];
};

/** An expected change of one counter (name without the "q0_" prefix). */
struct xvb_delta {
	const char *name;
	uint64_t delta;
};

void xvb_snap(uint16_t port, struct xvb_snap *s);
/** The value of "q0_<name>" in @p s. Fails the test when absent. */
uint64_t xvb_snap_value(const struct xvb_snap *s, const char *name);
/**
 * Every per-queue xstat ("q0_...", the PMD's own; ethdev's generic ones are derived from
 * them) of @p port now equals @p before plus its delta in @p d (terminated by a NULL
 * name); a counter not listed must not have moved, except the event-driven ones
 * (evtchn_notify, guest_rx_not_connected, guest_rx_no_slots), which are only checked
 * when listed.
 */
void xvb_expect(uint16_t port, const struct xvb_snap *before, const struct xvb_delta *d);

/** Fill @p buf with an Ethernet frame of @p len bytes (dst @p dst) and a @p seed pattern. */
void xvb_frame(uint8_t *buf, uint16_t len, const uint8_t dst[6], uint8_t seed);
/** An mbuf holding xvb_frame(len, dst, seed). */
struct rte_mbuf *xvb_mbuf(struct rte_mempool *mp, uint16_t len, const uint8_t dst[6],
			  uint8_t seed);

/**
 * One packet each way through @p v, byte-exact, with exact counters: the guest sends
 * @p len bytes (rx_burst delivers them), then the port sends @p len bytes (the guest's RX
 * response and page hold them). Leaves the mempool's in-use count where it was.
 */
void xvb_check_both_ways(struct xvb *b, struct xvb_vif *v, uint16_t len, uint8_t seed);

/** Open file descriptors of this process. */
int xvb_count_fds(void);

#endif /* DNB_TEST_XENVIF_BED_H */
