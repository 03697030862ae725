/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * A minimal netfront for test_xenvif, living in the test process: a simulated domain
 * (xensim_dom) with its two ring pages and a pool of buffer pages, its xenstore keys written
 * through its own connection to the test xenstored (as the guest domain), and raw ring
 * access so a test can play a hostile frontend.
 *
 * Pages of the domain: pfn 0 the TX ring, pfn 1 the RX ring, then TFE_NR_BUFS TX buffer
 * pages and TFE_NR_BUFS RX buffer pages, then the control ring's page and the page its
 * requests pass (a hash key or mapping: granted once, read-only). Buffer pages are granted once at creation (the
 * backend only grant-copies them); ring pages are granted at each connect and their grants
 * ended at each disconnect, which fails (-EBUSY) if the backend keeps them mapped.
 * Request ids and buffers follow the ring index: slot i uses buffer (i % TFE_NR_BUFS).
 */
#ifndef DNB_TEST_XENVIF_FE_H
#define DNB_TEST_XENVIF_FE_H

#include <stdbool.h>
#include <stdint.h>

#include <xenctrl.h> /* first: defines __XEN_TOOLS__ and the barriers ring.h needs */
#include <xen/io/netif.h>

/** Buffer pages per direction; also the most requests a test keeps outstanding. */
#define TFE_NR_BUFS 32u

/** What the frontend writes in xenstore at connect. */
struct tfe_opts {
	bool rx_copy;      /**< request-rx-copy=1 (a backend refuses a frontend without it) */
	bool split_evtchn; /**< event-channel-tx/-rx, else one shared event-channel */
	bool sg;           /**< feature-sg */
	bool gso;          /**< feature-gso-tcpv4/-tcpv6 */
	bool rx_notify;    /**< feature-rx-notify */
	bool mq_key;       /**< multi-queue-num-queues=1 */
	bool ctrl_ring;    /**< ctrl-ring-ref and event-channel-ctrl (a Windows frontend) */
};

/** Linux netfront's usual keys. */
extern const struct tfe_opts tfe_full;
/** The least a frontend may write: request-rx-copy and one queue's rings and channel. */
extern const struct tfe_opts tfe_minimal;

struct tfe {
	uint16_t domid;
	struct xensim_dom *dom;
	struct xs_handle *xs;         /**< the guest's own xenstore connection */
	char fe_path[64];
	char be_path[64];
	netif_tx_front_ring_t tx;
	netif_rx_front_ring_t rx;
	int tx_ring_ref, rx_ring_ref; /**< -1 while not granted */
	int port_tx, port_rx;         /**< -1 while not allocated; equal when shared */
	int tx_gref[TFE_NR_BUFS];
	int rx_gref[TFE_NR_BUFS];
	xen_netif_ctrl_front_ring_t ctrl;
	int ctrl_ring_ref;            /**< -1 while not granted */
	int port_ctrl;                /**< -1 while not allocated */
	int ctrl_data_gref;           /**< the control requests' data page */
};

/**
 * Create domain @p domid in @p sim_dir and open its xenstore connection on @p xs_sock.
 * @return 0 or a negative errno.
 */
int tfe_create(struct tfe *fe, const char *sim_dir, const char *xs_sock, uint16_t domid);
void tfe_destroy(struct tfe *fe);

/** Write "<fe>/state". @return 0 or -errno. */
int tfe_set_state(struct tfe *fe, int state);
/** The backend's state as the guest reads it; -1 when unreadable. */
int tfe_backend_state(struct tfe *fe);
/** Wait up to @p ms for the backend state to be @p state. @return 0 or -ETIMEDOUT. */
int tfe_wait_backend(struct tfe *fe, int state, int ms);

/**
 * Initialise both rings (SHARED_RING_INIT / FRONT_RING_INIT), grant them, allocate the event
 * channel(s) and write the keys of @p opts in one transaction. Does not change the state.
 * @return 0 or a negative errno.
 */
int tfe_setup(struct tfe *fe, const struct tfe_opts *opts);
/**
 * Release what tfe_setup took: end the ring grants (-EBUSY if the backend still maps a
 * ring: it must unmap before it leaves Connected) and close the event channels.
 * @return 0 or the first error.
 */
int tfe_teardown(struct tfe *fe);

/**
 * The whole connect of a restarted netfront: Closed (wait for the backend Closed),
 * Initialising (wait InitWait), tfe_teardown of any old rings, tfe_setup, Connected, and
 * wait for the backend Connected. @return 0 or a negative errno.
 */
int tfe_connect(struct tfe *fe, const struct tfe_opts *opts);

/** Address of the TX / RX buffer page @p i. */
uint8_t *tfe_tx_buf(struct tfe *fe, unsigned int i);
uint8_t *tfe_rx_buf(struct tfe *fe, unsigned int i);

/**
 * End the grant of TX buffer @p i (a guest taking its page back) / grant it again.
 * @return 0 or a negative errno.
 */
int tfe_tx_revoke(struct tfe *fe, unsigned int i);
int tfe_tx_regrant(struct tfe *fe, unsigned int i);

/** Write @p req at the next private TX request slot (raw; no push). Its buffer index. */
unsigned int tfe_tx_put(struct tfe *fe, const netif_tx_request_t *req);
/** Publish the private TX requests (RING_PUSH_REQUESTS). */
void tfe_tx_push(struct tfe *fe);
/**
 * Send one single-slot packet: copy @p len bytes into the slot's buffer at @p offset,
 * put and push the request. @return the request id.
 */
uint16_t tfe_tx_send(struct tfe *fe, const void *data, uint16_t len, uint16_t offset);
/** Take the next TX response. @return true with @p rsp, false when none is pending. */
bool tfe_tx_rsp(struct tfe *fe, netif_tx_response_t *rsp);

/** Post @p n RX requests (each a granted buffer page). */
void tfe_rx_post(struct tfe *fe, unsigned int n);
/**
 * Take the next RX response; @p *data points at its bytes in the buffer page (valid until
 * the buffer is posted again). @return true with @p rsp, false when none is pending.
 */
bool tfe_rx_rsp(struct tfe *fe, netif_rx_response_t *rsp, const uint8_t **data);

/** The page a control request's key or mapping goes in (granted as ctrl_data_gref). */
uint8_t *tfe_ctrl_data(struct tfe *fe);
/**
 * One control-ring request (netif.h "Control ring"): post it, notify, and wait up to
 * TFE_WAIT_MS for its response. @return its status (XEN_NETIF_CTRL_STATUS_*) with
 * @p data (may be NULL) set, or -ETIMEDOUT, -ENODEV without a control ring.
 */
int tfe_ctrl(struct tfe *fe, uint16_t type, uint32_t d0, uint32_t d1, uint32_t d2,
	     uint32_t *data);

/** Take the next RX slot as an extra-info slot (after a response flagged extra_info). */
bool tfe_rx_extra(struct tfe *fe, struct netif_extra_info *ex);

#endif /* DNB_TEST_XENVIF_FE_H */
