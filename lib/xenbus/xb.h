/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * xb: the backend side of the Xen vif xenstore handshake (what Linux's xen-netback does in
 * xenbus.c), without grants or event channels.
 *
 * One struct xb_vif per guest vif. xb advertises the backend's features, follows the
 * frontend's state, reads and validates everything the frontend wrote, and hands the caller a
 * parsed struct xb_frontend_conf. The caller (the vif PMD) maps the rings and binds the event
 * channels itself, then tells xb whether that worked (xb_vif_connected / xb_vif_fail).
 *
 * Xenstore layout (backend domain 0, guest domain D, device index N):
 *   backend  /local/domain/0/backend/vif/D/N      written by the toolstack, then by xb
 *   frontend /local/domain/D/device/vif/N         written by the guest: untrusted
 *   error    /local/domain/0/error/backend/vif/D/N/error
 *                                                 written by xb, dom0's own: where Linux's
 *                                                 xenbus_dev_error writes (error/<nodename>)
 *
 * Backend state graph (Linux netback's set_backend_state): a target state is reached by
 * the shortest path over these edges, and xb writes every intermediate state so the frontend
 * and the toolstack see each step:
 *
 *   Initialising -> InitWait | Closing | Closed
 *   InitWait     -> Connected | Closing
 *   Connected    -> Closing                (the data plane is released first)
 *   Connected    -> Reconfigured           (the frontend's Reconfiguring: a new xdp-headroom)
 *   Reconfigured -> Connected | Closing
 *   Closing      -> Closed
 *   Closed       -> InitWait | Closing
 *
 * e.g. Connected to InitWait (frontend restarted) writes Closing, Closed, InitWait.
 *
 * Frontend state -> backend target: Initialising -> InitWait, Initialised -> (nothing),
 * Connected -> Connected (after the keys validate and the caller confirms; from Reconfigured
 * at once), Reconfiguring -> Reconfigured (only from Connected or Reconfigured: re-read
 * "xdp-headroom", XB_EV_HEADROOM), Closing -> Closing, Closed -> Closed, Unknown or missing
 * -> Closed. Any other value (InitWait, Reconfigured, Reconfiguring before the backend is
 * Connected, out of range, not a number) is fatal for that vif.
 *
 * After a refusal (or xb_vif_fail / xb_vif_disconnect) the backend holds in Closing and
 * ignores a frontend that stays Connected or Initialised; it follows again once the frontend
 * goes Closed or Initialising. That is the reconnect path of a guest reboot or driver
 * reload: Closed -> Initialising -> InitWait -> Connected. The refusal's error node
 * (xb_vif_error_path() = "<errno> <message>", as xenbus_dev_fatal formats it) stays until the
 * backend leaves Closed for InitWait; xb_vif_destroy removes its directory.
 *
 * Threading: a struct xb_vif is not thread safe; one control thread drives it. Nothing here
 * is for the hot path: every call may do xenstore I/O. Different vifs are independent.
 *
 * Logging: rte_log type "netback.xenbus", every line prefixed "vif<domid>.<devid>:".
 * Works before rte_eal_init.
 */
#ifndef DNB_XB_H
#define DNB_XB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pkt.h"

/** Most queues one vif may have (the cap on multi-queue-max-queues). */
#define XB_MAX_QUEUES 16

/** Size of struct xb_event::reason, and the longest error message xb writes. */
#define XB_REASON_MAX 160

/**
 * Largest "xdp-headroom" xb passes on (bytes). xen-netback caps the frontend's value at
 * netif.h's XEN_NETIF_MAX_XDP_HEADROOM (0x7FFF), past the 4 KiB page, where its chunk length
 * wraps; xb caps at half a page instead, so the first RX slot still holds a whole 1514-byte
 * frame (and eight times Linux's XDP_PACKET_HEADROOM, 256, which is what netfront asks for).
 */
#define XB_XDP_HEADROOM_MAX 2048u

/** Xenstore path buffer size used throughout xb (paths are far shorter). */
#define XB_PATH_MAX 128

/** Frontend/backend states: the values of xen/io/xenbus.h's enum xenbus_state. */
enum xb_state {
	XB_STATE_UNKNOWN = 0,
	XB_STATE_INITIALISING = 1,
	XB_STATE_INITWAIT = 2,
	XB_STATE_INITIALISED = 3,
	XB_STATE_CONNECTED = 4,
	XB_STATE_CLOSING = 5,
	XB_STATE_CLOSED = 6,
	XB_STATE_RECONFIGURING = 7,
	XB_STATE_RECONFIGURED = 8,
};

/* ---- the xenstore ops table ------------------------------------------------------------ */

/** A transaction id; XB_TXN_NONE means "outside any transaction" (libxenstore's XBT_NULL). */
typedef uint32_t xb_txn_t;
#define XB_TXN_NONE 0u

struct xb_xs;

/**
 * What xb needs from a xenstore client. An implementation embeds struct xb_xs as a member
 * and recovers its own state from the pointer. All functions return 0 (or a length where
 * said) on success and a negative errno on failure.
 *
 * There is no mkdir and no set_perms: xb only writes leaf keys under the backend directory,
 * which the toolstack created with the right permissions, and xenstored gives a new node its
 * parent's permissions.
 */
struct xb_xs_ops {
	/**
	 * Read @p path into @p buf (NUL-terminated).
	 * @return the value's length in bytes (without the NUL); -ENOENT when the node does
	 *   not exist; -EOVERFLOW when the value does not fit in @p size - 1 bytes.
	 */
	int (*read)(struct xb_xs *xs, xb_txn_t txn, const char *path, char *buf, size_t size);
	/** Write the string @p value at @p path, creating it (and its parents) if needed. */
	int (*write)(struct xb_xs *xs, xb_txn_t txn, const char *path, const char *value);
	/**
	 * List the names of @p path's children into @p buf, each NUL-terminated, one after
	 * the other (names only, not paths).
	 * @return how many names; -ENOENT when the node does not exist; -EOVERFLOW when the
	 *   names do not all fit in @p size bytes (nothing useful is left in @p buf).
	 */
	int (*directory)(struct xb_xs *xs, xb_txn_t txn, const char *path, char *buf,
			size_t size);
	/** Remove @p path and everything below it. A missing node is success. */
	int (*rm)(struct xb_xs *xs, xb_txn_t txn, const char *path);
	/** Start a transaction; *@p txn is never XB_TXN_NONE on success. */
	int (*txn_start)(struct xb_xs *xs, xb_txn_t *txn);
	/**
	 * End a transaction: commit, or discard when @p abort.
	 * @return 0; -EAGAIN when the commit conflicted with another writer (nothing was
	 *   written: start again); another negative errno on failure.
	 */
	int (*txn_end)(struct xb_xs *xs, xb_txn_t txn, bool abort);
	/** Register a watch on @p path (and its children); events carry @p token. */
	int (*watch)(struct xb_xs *xs, const char *path, const char *token);
	/** Remove a watch registered with the same @p path and @p token. */
	int (*unwatch)(struct xb_xs *xs, const char *path, const char *token);
};

/** The handle xb is given: an implementation's ops. Embed it; do not copy it. */
struct xb_xs {
	const struct xb_xs_ops *ops;
};

/**
 * Open the production client: libxenstore's xs_open(0), which honours XENSTORED_PATH (so the
 * test bed's daemon is reached by the same code).
 * @return a handle to pass to xb_vif_create; NULL with rte_errno set (ENOENT without Xen).
 */
struct xb_xs *xb_xs_libxenstore_open(void);

/**
 * Close a handle from xb_xs_libxenstore_open (and only such a handle). Every vif using it
 * must have been destroyed. NULL is ignored.
 */
void xb_xs_libxenstore_close(struct xb_xs *xs);

/**
 * The file descriptor that becomes readable when a watch event is pending (for poll/epoll).
 * @return the fd, or a negative errno.
 */
int xb_xs_libxenstore_fd(struct xb_xs *xs);

/**
 * Take one pending watch event without blocking.
 * @param path, path_size   receives the path that changed (truncated paths are dropped).
 * @param token, token_size receives the watch's token; may be NULL / 0.
 * @return 0 with one event; -EAGAIN when none is pending; another negative errno on error.
 */
int xb_xs_libxenstore_next_watch(struct xb_xs *xs, char *path, size_t path_size,
		char *token, size_t token_size);

/* ---- vif discovery: which vifs the toolstack has created ------------------------------ */

/*
 * The toolstack (libxl) creates a vif by writing its backend directory,
 * XB_BACKEND_VIF_DIR/<domid>/<devid>, in one transaction: "frontend", "frontend-id",
 * "online" = "1", "state" = "1", "mac", "script", ... and removes it (or writes
 * "online" = "0") when the vif goes. Discovery reads those keys, dom0's own and trusted as
 * far as the toolstack is, still strictly: every id, length and value is checked, and a
 * pass reads a bounded number of nodes. It is what Linux's xenbus_probe_backend does with
 * its watch on "backend" (xenbus_probe_devices, backend_changed), minus the driver binding,
 * which is the caller's policy.
 *
 * Results are tri-state: a read that failed for another reason than ENOENT makes the
 * answer XB_VIF_UNKNOWN, never XB_VIF_ABSENT, so a transient xenstore error never looks
 * like a removed vif.
 */

/** The toolstack's vif backend directory in dom0. */
#define XB_BACKEND_VIF_DIR "/local/domain/0/backend/vif"

/** The hotplug script that marks a vif for this service (the xl vif line's script=). */
#define XB_MARK_SCRIPT "vif-dpdk-netback"

/** Most domains one full scan lists: a backend directory with more is not listed. */
#define XB_DISCOVER_MAX_DOMAINS 1024

/** Most devices listed per domain: a domain directory with more is not listed. */
#define XB_DISCOVER_MAX_DEVS 64

/** Highest domain id discovery accepts: Xen's DOMID_FIRST_RESERVED - 1. */
#define XB_DOMID_MAX 0x7fef

/** One vif: the guest's domain and the device index in it. */
struct xb_vif_id {
	uint16_t domid; /**< 1..XB_DOMID_MAX (dom0's own vifs are never discovered) */
	uint16_t devid;
};

/** Do @p a and @p b name the same vif (same domain, same device index)? */
static inline bool xb_vif_id_eq(struct xb_vif_id a, struct xb_vif_id b)
{
	return a.domid == b.domid && a.devid == b.devid;
}

/** What the toolstack's keys say about one vif. */
struct xb_vif_info {
	struct xb_vif_id id;
	bool online;         /**< "online" is exactly "1" */
	bool mac_valid;      /**< "mac" exists and is "xx:xx:xx:xx:xx:xx" */
	uint8_t mac[6];      /**< the guest's MAC when mac_valid, else zero */
	/** Backend "state"; XB_STATE_UNKNOWN when missing, not a number or out of range. */
	enum xb_state state;
	/** The basename of "script" (a path or a bare name) is XB_MARK_SCRIPT. */
	bool script_marked;
};

/** Does a vif exist? */
enum xb_presence {
	XB_VIF_ABSENT,  /**< its backend directory does not exist */
	XB_VIF_PRESENT, /**< it exists; the info is filled */
	/** A read failed (not ENOENT): keep whatever was believed before, ask again later. */
	XB_VIF_UNKNOWN,
};

/**
 * Read one vif's discovery keys: its backend directory, "online", "script", "mac" and
 * "state" (five reads at most; none when the directory is absent).
 *
 * A key that is missing or over-long (XB_VALUE_MAX) counts as missing or malformed, not as
 * a failed read: a vif the toolstack half-wrote or broke is present and not online, or has
 * no valid MAC.
 *
 * @param info  filled on XB_VIF_PRESENT (its id on every result).
 * @return an enum xb_presence; XB_VIF_ABSENT for an id discovery never serves (domain 0 or
 *   past XB_DOMID_MAX).
 * Control path only: xenstore I/O.
 */
enum xb_presence xb_discover_lookup(struct xb_xs *xs, uint16_t domid, uint16_t devid,
		struct xb_vif_info *info);

/** Most addresses the backend's `ip` key may list; a longer list is malformed. */
#define XB_VIF_IP_MAX 16
/** Longest `ip` value read, with its NUL: XB_VIF_IP_MAX IPv6 prefixes and separators. */
#define XB_VIF_IP_VALUE_MAX 800

/** The toolstack's `ip` key (xl's ip=, which vif-bridge turns into iptables rules). */
struct xb_vif_ips {
	/** false: no key, or an empty one: the guest may send from any address (as
	 *  vif-common.sh's handle_iptable with $ip empty). */
	bool check;
	unsigned int nb;                        /**< entries of @c a; 0 with check: none */
	struct pkt_ip_prefix a[XB_VIF_IP_MAX];  /**< in the key's order */
};

/**
 * Parse an `ip` value: addresses separated by one or more spaces, each an IPv4 dotted quad
 * or an IPv6 address (inet_pton's forms), optionally with "/LEN" (canonical decimal,
 * 0..32 or 0..128), as iptables -s takes them from vif-common.sh. Refused as malformed:
 * anything else, more than XB_VIF_IP_MAX addresses, an IPv4-mapped IPv6 address
 * (::ffff:0:0/96: a guest's IPv4 source is checked as IPv4) and multicast addresses (never
 * a source). The empty string is no check (check false).
 * @return 0 with *@p out set; -EINVAL (garbage, bad prefix, mapped, multicast) or -E2BIG
 *   (too many) with *@p out untouched. Pure.
 */
int xb_parse_ips(const char *s, struct xb_vif_ips *out);

/**
 * Read the vif's backend `ip` key into @p ips (one read). Missing: no check. Malformed or
 * over-long (XB_VIF_IP_VALUE_MAX): logged at ERR naming the key and the value, and
 * **fail closed**: check set with no address, so the guest may send no IP at all (a
 * broken security setting must not read as "anything allowed").
 * @return 0 with *@p ips set; a negative errno when xenstore could not answer (ask again).
 * Control path only: xenstore I/O.
 */
int xb_discover_read_ips(struct xb_xs *xs, uint16_t domid, uint16_t devid,
		struct xb_vif_ips *ips);

/** Longest bridge (switch) name, without its NUL: Linux's IFNAMSIZ - 1. */
#define XB_IFNAME_MAX 15

/**
 * Is @p s a bridge name as the service takes one (the backend's `bridge`, xl's bridge=, and
 * the names of --switch): 1..XB_IFNAME_MAX bytes of ASCII letters, digits, '.', '-' and '_',
 * and not "." or "..". A subset of what Linux's dev_valid_name() allows (it also takes
 * other bytes but '/', ':' and white space): every name brctl or `ip link` makes for a
 * bridge in practice, and nothing that needs quoting in a log line or a telemetry answer.
 * @return 0, or -EINVAL (NULL too). Pure.
 */
int xb_parse_ifname(const char *s);

/** Longest domain name the service takes, without its NUL (xl's name= as admins write it). */
#define XB_DOMAIN_NAME_MAX 63

/**
 * Is @p s a domain name as the service takes one (the toolstack's /local/domain/D/name, and
 * NAME/DEVID in options naming a vif): 1..XB_DOMAIN_NAME_MAX bytes of ASCII letters, digits,
 * '.', '-' and '_', not all digits (that is a domain id). xl takes other bytes too; a domain
 * whose name is outside this set can be named by its id only.
 * @return 0, or -EINVAL (NULL too). Pure.
 */
int xb_parse_domain_name(const char *s);

/**
 * Read the name the toolstack gave domain @p domid (/local/domain/DOMID/name, which only
 * Dom0 may write) into @p name: "" when it has none or one xb_parse_domain_name() refuses
 * (logged at DEBUG: such a domain is named by its id).
 * @return 0; a negative errno when xenstore could not answer. Control path only.
 */
int xb_discover_read_domain_name(struct xb_xs *xs, uint16_t domid,
		char name[XB_DOMAIN_NAME_MAX + 1]);

/** What xb_discover_read_bridge() found. */
enum xb_bridge_key {
	XB_BRIDGE_NONE,      /**< no `bridge` key */
	XB_BRIDGE_NAMED,     /**< a valid name, in the caller's buffer */
	XB_BRIDGE_MALFORMED, /**< present but no valid name (logged at ERR, key and value) */
};

/**
 * Read the vif's backend `bridge` key (libxl writes xl's bridge=, "xenbr0" when the vif line
 * has none) into @p name (one read). A value that xb_parse_ifname() refuses, or one longer
 * than XB_IFNAME_MAX, is malformed: logged at ERR naming the vif, the key and the value
 * (non-printable bytes shown as '?', cut at 32 bytes).
 * @param name  receives the name on XB_BRIDGE_NAMED, "" otherwise.
 * @return an enum xb_bridge_key; a negative errno when xenstore could not answer (ask again).
 * Control path only: xenstore I/O.
 */
int xb_discover_read_bridge(struct xb_xs *xs, uint16_t domid, uint16_t devid,
		char name[XB_IFNAME_MAX + 1]);

/**
 * The backend key naming the tap of the vif's emulated NIC (an HVM guest's device model
 * NIC, libxl's `vifD.V-emu`): written by the hotplug script (vif-dpdk-netback, run by
 * libxl as root with `type_if=tap` and INTERFACE naming the tap) and removed by it when
 * libxl removes the tap. Dom0's backend directory: the guest cannot write it. It lives
 * as long as the vif's directory, so a restarted service finds the tap again.
 */
#define XB_EMU_TAP_KEY "dpdk-netback-emu"

/**
 * Read the vif's XB_EMU_TAP_KEY, as xb_discover_read_bridge() reads `bridge` (the same
 * rule, one read, a malformed value logged naming the vif, the key and the value).
 * @return XB_BRIDGE_NONE (no key: no emulated NIC), XB_BRIDGE_NAMED (the tap's name in
 *   @p name), XB_BRIDGE_MALFORMED; a negative errno when xenstore could not answer.
 */
int xb_discover_read_emu_tap(struct xb_xs *xs, uint16_t domid, uint16_t devid,
		char name[XB_IFNAME_MAX + 1]);

/**
 * List the vifs that exist under XB_BACKEND_VIF_DIR: every domain directory, then every
 * device directory in it. Names that are not canonical decimal ids in range are skipped (and
 * logged at DEBUG), domain 0 too.
 *
 * @param ids      receives at most @p max vifs, in xenstore's order.
 * @param partial  if not NULL, set when the answer may miss vifs that exist: a domain's
 *   listing failed or was over XB_DISCOVER_MAX_DEVS, or @p max was reached. Vifs not listed
 *   are unknown, never absent.
 * @return how many ids were stored; a negative errno when the top directory could not be
 *   listed (-EOVERFLOW: over XB_DISCOVER_MAX_DOMAINS), i.e. nothing is known. A missing
 *   top directory is 0 vifs.
 * Control path only: 1 + (number of domains) directory reads.
 */
int xb_discover_scan(struct xb_xs *xs, struct xb_vif_id *ids, unsigned int max,
		bool *partial);

/**
 * xb_discover_scan for one domain's directory only (one directory read).
 * @param partial  if not NULL, set when @p max was reached before the last device.
 * @return how many ids were stored; 0 when the domain directory does not exist; a negative
 *   errno when it could not be listed (-EOVERFLOW: over XB_DISCOVER_MAX_DEVS) or @p domid
 *   is not one discovery serves (-EINVAL).
 */
int xb_discover_scan_domain(struct xb_xs *xs, uint16_t domid, struct xb_vif_id *ids,
		unsigned int max, bool *partial);

/** What a watch event under XB_BACKEND_VIF_DIR asks discovery to look at again. */
enum xb_discover_what {
	/** Nothing discovery reads: another key, a deeper node, a name that is no id. */
	XB_DISCOVER_IGNORE,
	/** The directory itself (a new watch's first event, or the directory's removal). */
	XB_DISCOVER_ALL,
	/** A domain directory appeared or went: that domain (id->domid) and its vifs. */
	XB_DISCOVER_DOMAIN,
	/** A vif's directory, "online", "script", "mac" or XB_EMU_TAP_KEY changed: that vif (*id). */
	XB_DISCOVER_VIF,
	/** Only a vif's backend "state" changed: that vif (*id), if its state matters. */
	XB_DISCOVER_VIF_STATE,
};

/**
 * Classify the path of a watch event on XB_BACKEND_VIF_DIR, without reading xenstore: the
 * backend's own state writes and every key discovery does not read cost nothing.
 * @param id  receives the domain (and device) the event names, for DOMAIN and VIF*.
 * @return an enum xb_discover_what; IGNORE for NULL or a path outside the directory.
 */
enum xb_discover_what xb_discover_classify(const char *path, struct xb_vif_id *id);

/**
 * Register (or remove) the one watch discovery needs, on XB_BACKEND_VIF_DIR, with
 * @p token. xenstore fires it once at once (XB_DISCOVER_ALL), then for every write or
 * removal below the directory.
 * @return 0 or a negative errno.
 */
int xb_discover_watch(struct xb_xs *xs, const char *token);
int xb_discover_unwatch(struct xb_xs *xs, const char *token);

/* ---- the backend's own state key: what the guest set through its rings ------------------ */

/*
 * xen-netback keeps a guest's control-ring hash settings and its multicast list in the
 * kernel for the life of the connection (vif->hash, vif->fe_mcast_addr) and never restarts,
 * so it has nowhere to keep them. dpdk-netback restarts under a Connected guest
 * (--on-exit keep) and the guest sends neither again, so the service keeps them in a key of
 * its own under the vif's backend directory: dom0's, which the guest cannot write (as
 * XB_EMU_TAP_KEY). The control thread writes it when they change (never the data path) and
 * a resume reads it back; xb removes it whenever the backend leaves Connected (every write
 * of Closing, Closed or InitWait), so a key is only ever read for the connection that wrote
 * it. The kernel's xen-netback reads no key it does not know.
 *
 * Still untrusted: a crashed process or a hand edit may have left anything. The value is
 * one line, fields in this order, single spaces, numbers in canonical decimal:
 *
 *   v=1 alg=A flags=F key=K map=N:M mcast=C:ADDR,ADDR...
 *
 *   A     hash algorithm, 0 (none) or 1 (Toeplitz): netif.h XEN_NETIF_CTRL_HASH_ALGORITHM_*
 *   F     hash types, a subset of the four bits XB_PERSIST_HASH_TYPES
 *   K     the hash key, XB_PERSIST_KEY_SIZE bytes as exactly twice as many hex digits
 *   N:M   mapping table size 0..XB_PERSIST_MAPPING_MAX, then N hex digits, one per entry
 *         (a queue number; each below the connection's queue count: XSA-270's bound)
 *   C:... multicast list size 0..XB_PERSIST_MCAST_MAX, then C addresses of 12 hex digits
 *         separated by commas (an address listed twice is two entries, as in netback)
 *
 * Anything else (another version, a missing or extra field, a count that disagrees with
 * what follows) is refused whole: nothing is restored, the guest sees what it would have
 * seen without the key.
 */

/** The key, under the vif's backend directory. */
#define XB_PERSIST_KEY "dpdk-netback-state"
/** The encoding's version (the "v=" field); another is refused (-EPROTONOSUPPORT). */
#define XB_PERSIST_VERSION 1u
/** Hash key bytes: netif.h's Toeplitz key, xen-netback's XEN_NETBK_MAX_HASH_KEY_SIZE. */
#define XB_PERSIST_KEY_SIZE 40u
/** Mapping entries: xen-netback's XEN_NETBK_MAX_HASH_MAPPING_SIZE. */
#define XB_PERSIST_MAPPING_MAX 128u
/** Multicast addresses: xen-netback's XEN_NETBK_MCAST_MAX. */
#define XB_PERSIST_MCAST_MAX 64u
/** The hash types netif.h defines (XEN_NETIF_CTRL_HASH_TYPE_IPV4 .. _IPV6_TCP). */
#define XB_PERSIST_HASH_TYPES 0xfu
/** The longest value, with its NUL (all fields at their largest, and some room). */
#define XB_PERSIST_VALUE_MAX 1280u

struct xb_vif;

/** The state the key holds. Plain data. */
struct xb_persist {
	uint32_t hash_alg;    /**< 0 or 1 */
	uint32_t hash_flags;  /**< within XB_PERSIST_HASH_TYPES */
	uint8_t hash_key[XB_PERSIST_KEY_SIZE];
	uint32_t map_size;    /**< 0..XB_PERSIST_MAPPING_MAX */
	uint8_t mapping[XB_PERSIST_MAPPING_MAX]; /**< [0, map_size): queue numbers */
	uint32_t nb_mcast;    /**< 0..XB_PERSIST_MCAST_MAX */
	uint8_t mcast[XB_PERSIST_MCAST_MAX][6];  /**< [0, nb_mcast) */
};

/**
 * Encode @p st into @p buf.
 * @return the length written (without the NUL); -EINVAL when a field is out of the
 *   ranges above (a mapping entry past 15, which one hex digit cannot hold, included);
 *   -ENOSPC when @p size is short (XB_PERSIST_VALUE_MAX always suffices). Pure.
 */
int xb_persist_encode(const struct xb_persist *st, char *buf, size_t size);

/**
 * Parse @p s, strictly, as the one parser of the key.
 * @param nb_queues the connection's queue count (1..XB_MAX_QUEUES): every mapping entry
 *   must be below it.
 * @return 0 with *@p out set; -EPROTONOSUPPORT (a "v=" other than XB_PERSIST_VERSION),
 *   -E2BIG (longer than XB_PERSIST_VALUE_MAX - 1) or -EINVAL (anything else malformed or
 *   out of range) with *@p out untouched. Pure.
 */
int xb_persist_parse(const char *s, unsigned int nb_queues, struct xb_persist *out);

/**
 * Write @p st to the vif's XB_PERSIST_KEY (one write). Control path: xenstore I/O.
 * @return 0, -EINVAL (xb_persist_encode refused @p st), or a xenstore error.
 */
int xb_vif_persist_save(struct xb_vif *vif, const struct xb_persist *st);

/**
 * Read the vif's XB_PERSIST_KEY (one read) for a resume.
 * @return 0 with *@p out set; -ENOENT when there is none; a parse error of
 *   xb_persist_parse (-EOVERFLOW for a value past XB_PERSIST_VALUE_MAX), logged at ERR
 *   naming the key and the value: not restored; another xenstore error (logged).
 * Control path: xenstore I/O.
 */
int xb_vif_persist_load(struct xb_vif *vif, unsigned int nb_queues, struct xb_persist *out);

/**
 * Remove vif D/V's XB_PERSIST_KEY, e.g. before the kernel's xen-netback takes the vif (it
 * would not read it, but a later resume must not find it). A missing key is success.
 * @return 0 or a xenstore error. Control path.
 */
int xb_persist_remove(struct xb_xs *xs, uint16_t domid, uint16_t devid);

/* ---- strict decimal ---------------------------------------------------------------------- */

/**
 * Parse @p s as a decimal number: digits only (no sign, no white space, no base prefix, no
 * trailing characters), never wrapping. The one decimal parser of the tree: xenstore values,
 * command-line options, devargs and telemetry parameters all go through it.
 *
 * @return 0 and *@p out set, or -EINVAL (nothing written) for a NULL or empty string, a
 *   non-digit, or a value past UINT32_MAX. Pure; may be called from any thread.
 */
int xb_parse_u32(const char *s, uint32_t *out);

/**
 * Parse @p s as a MAC address "xx:xx:xx:xx:xx:xx", exactly two hex digits per byte, as the
 * toolstack writes the backend's "mac": the one MAC parser (xenstore keys and options).
 * @return 0 with @p mac set, or -EINVAL (nothing written). Pure.
 */
int xb_parse_mac(const char *s, uint8_t mac[6]);

/* ---- what the backend advertises and what the frontend asked for ----------------------- */

/**
 * Features the backend advertises. feature-rx-copy=1, feature-rx-flip=0 and
 * feature-split-event-channels=1 and feature-xdp-headroom=1 (the frontend may ask for room
 * before each packet it receives, see xb_frontend_conf::xdp_headroom) are always written,
 * feature-ctrl-ring always (0 or 1). feature-multicast-control=1 and
 * feature-dynamic-multicast-control=1 are always written: the caller keeps the frontend's
 * MCAST_ADD/DEL list and filters by it while xb_frontend_conf::mcast_control is set (read at
 * connect, then watched: XB_EV_MCAST).
 */
struct xb_backend_features {
	bool sg;                /**< feature-sg: guest may send/receive multi-slot packets */
	bool gso_tcpv4;         /**< feature-gso-tcpv4 (needs sg) */
	bool gso_tcpv6;         /**< feature-gso-tcpv6 (needs sg) */
	bool ipv6_csum_offload; /**< feature-ipv6-csum-offload */
	unsigned int max_queues; /**< multi-queue-max-queues, 1..XB_MAX_QUEUES */
	/** feature-ctrl-ring: the caller serves a control ring (netif.h hashing) */
	bool ctrl_ring;
};

/** One queue's rings and event channels, as the frontend wrote them. */
struct xb_queue_conf {
	uint32_t tx_ring_ref; /**< grant ref of the guest-TX shared ring page */
	uint32_t rx_ring_ref; /**< grant ref of the guest-RX shared ring page */
	uint32_t evtchn_tx;   /**< guest's port for TX notifications */
	uint32_t evtchn_rx;   /**< guest's port for RX; equals evtchn_tx when !split_evtchn */
	bool split_evtchn;    /**< event-channel-tx/-rx were given (else one event-channel) */
};

/**
 * The frontend's validated request, plus the guest MAC from the backend's "mac" key. Every
 * number was parsed as strict decimal and range-checked; "tx/rx" are from the guest's point
 * of view, as in netif.h.
 */
struct xb_frontend_conf {
	unsigned int nb_queues;     /**< 1..max_queues */
	struct xb_queue_conf queues[XB_MAX_QUEUES]; /**< [0, nb_queues) are valid */
	uint8_t mac[6];             /**< the guest's MAC (backend key "mac") */
	bool rx_notify;  /**< feature-rx-notify: guest kicks for new RX requests; if false the
			  *   backend must poll the RX ring and not detect RX stalls */
	bool sg;         /**< feature-sg */
	bool gso_tcpv4;  /**< feature-gso-tcpv4 */
	bool gso_tcpv6;  /**< feature-gso-tcpv6 */
	bool ip_csum;    /**< IPv4 checksum offload on: NOT feature-no-csum-offload (default on) */
	bool ipv6_csum;  /**< feature-ipv6-csum-offload (default off) */
	/** The toolstack's "rate" key (xl's rate=): at most rate_bytes per rate_usec of guest
	 *  TX, xen-netback's credit_bytes/credit_usec. 0: unlimited (no key, or a bad one). */
	uint32_t rate_bytes;
	uint32_t rate_usec;
	/** The toolstack's "mtu" key (xl's mtu=), XB_MTU_MIN..XB_MTU_MAX; 0 when there is
	 *  none or it is malformed (logged): the caller's default applies, as vif-bridge gives
	 *  a vif its bridge's MTU. Read at connect only: libxl writes it once, at creation. */
	uint32_t mtu;
	/**
	 * The frontend's control ring (netif.h, xen-netback's connect_ctrl_ring): it wrote
	 * "ctrl-ring-ref" and "event-channel-ctrl". Only when feature-ctrl-ring was offered;
	 * without "ctrl-ring-ref" there is none; with it, a missing "event-channel-ctrl" or a
	 * value of either that is not a decimal u32 refuses the vif, naming the key.
	 */
	bool ctrl_ring;
	uint32_t ctrl_ring_ref; /**< grant ref of the control ring page */
	uint32_t evtchn_ctrl;   /**< the guest's port for control-ring notifications */
	/**
	 * The frontend's "xdp-headroom" (xen-netback's vif->xdp_headroom): bytes left free before
	 * each guest-RX packet in its first buffer, 0..XB_XDP_HEADROOM_MAX (a larger number is
	 * capped, logged). 0: no key. Read at connect and at each Reconfiguring.
	 */
	uint16_t xdp_headroom;
	/**
	 * The frontend's "request-multicast-control" (netif.h; xen-netback's
	 * vif->multicast_control): deliver it only the multicast frames whose address it added
	 * with MCAST_ADD extras. Read at connect (a value that is not a decimal u32 refuses the
	 * vif, naming the key, as every frontend flag) and watched while connected
	 * (XB_EV_MCAST; a malformed value there is logged and means off, netback's default).
	 */
	bool mcast_control;
};

/** Smallest MTU the "mtu" key may give: IPv4's minimum (RFC 791), Linux's ETH_MIN_MTU. */
#define XB_MTU_MIN 68u
/** Largest: xen-netback's xenvif_change_mtu, ETH_MAX_MTU - VLAN_ETH_HLEN (with SG). */
#define XB_MTU_MAX 65517u

/* ---- events ----------------------------------------------------------------------------- */

enum xb_event_type {
	XB_EV_NONE = 0,   /**< nothing for the caller to do */
	/**
	 * The frontend is Connected and its keys are valid: map conf's rings, bind its event
	 * channels, then call xb_vif_connected (or xb_vif_fail). The backend stays InitWait
	 * until then; on a resume (xb_event::resume) it is and stays Connected.
	 */
	XB_EV_CONNECT,
	/** The frontend is going away: release the data plane taken at XB_EV_CONNECT. */
	XB_EV_DISCONNECT,
	/**
	 * The frontend was refused (or broke the protocol): the vif is Closing with an error
	 * node. If detach is set, release the data plane too. Other vifs are unaffected.
	 */
	XB_EV_FATAL,
	/**
	 * The frontend is Closed and the toolstack took the device offline ("online" is not 1)
	 * or the frontend's state node is gone: release the data plane if detach is set, then
	 * xb_vif_destroy the vif.
	 */
	XB_EV_OFFLINE,
	/**
	 * While connected, the toolstack changed the backend's "rate" key: apply conf's
	 * rate_bytes/rate_usec (xen-netback's xen_net_rate_changed). Nothing else changed.
	 */
	XB_EV_RATE,
	/**
	 * While connected, the frontend went Reconfiguring with a new "xdp-headroom" (netfront
	 * attaching or removing an XDP program): lay out guest-RX packets from conf's
	 * xdp_headroom on. The backend is already Reconfigured (as xen-netback switches at
	 * once); the frontend goes Connected again by itself. Nothing else changed.
	 */
	XB_EV_HEADROOM,
	/**
	 * While connected, the frontend rewrote "request-multicast-control"
	 * (feature-dynamic-multicast-control, xen-netback's xen_mcast_ctrl_changed): filter by
	 * the multicast list from now on when conf's mcast_control is set, else not. The list
	 * itself is kept either way. Nothing else changed.
	 */
	XB_EV_MCAST,
};

/** What xb_vif_poll tells the caller. */
struct xb_event {
	enum xb_event_type type;
	/** DISCONNECT/FATAL/OFFLINE: the caller holds a data plane from XB_EV_CONNECT. */
	bool detach;
	/** FATAL: the negative errno that was written into the error node. */
	int err;
	/** CONNECT: the validated request; owned by the vif, valid until the next xb_vif_* call. */
	const struct xb_frontend_conf *conf;
	/**
	 * CONNECT: a previous backend process served these rings and left the vif Connected.
	 * The frontend saw no change; the shared rings hold that process's progress (attach
	 * them where they are, see nif_*q_create).
	 */
	bool resume;
	/** FATAL: the message written into the error node (after the errno). */
	char reason[XB_REASON_MAX];
};

/* ---- the vif ---------------------------------------------------------------------------- */

struct xb_vif;

/**
 * Take over one vif whose backend directory the toolstack has written: read and validate
 * "frontend" (must be /local/domain/<domid>/device/vif/<devid>) and "frontend-id" (must be
 * @p domid), then advertise @p feat in one transaction (retried on -EAGAIN, a bounded number
 * of times) and switch to InitWait.
 *
 * A bad "frontend"/"frontend-id" does not fail the call: the vif is returned already
 * refused (error node written, state Closing) and the first xb_vif_poll reports XB_EV_FATAL.
 *
 * Resume: when the backend's state is already Connected or Reconfigured (the service was
 * restarted, or crashed, while the guest ran), nothing is written. The first xb_vif_poll
 * then reports XB_EV_CONNECT with resume set if the frontend is still Connected or
 * Reconfiguring (its keys validated as at any connect: keys a guest rewrote meanwhile refuse
 * the vif; xdp-headroom as it is now), and otherwise follows the frontend from Connected as
 * netback's frontend_changed would (a netfront reloaded meanwhile: Closing, Closed,
 * InitWait). xb_vif_connected then answers a Reconfiguring frontend with Reconfigured, and
 * ends a finished reconfiguration with Connected.
 *
 * @param xs    xenstore client; must outlive the vif. Not owned.
 * @param domid the guest's domain id (< 0x7ff0).
 * @param devid the vif's index in the guest (the "handle").
 * @param feat  features to advertise; copied.
 * @return the vif; NULL with rte_errno set: EINVAL (bad arguments, or gso without sg),
 *   ENOMEM, or the xenstore error that stopped the feature transaction (an error node
 *   "<errno> <message>" is then written when possible).
 */
struct xb_vif *xb_vif_create(struct xb_xs *xs, uint16_t domid, uint32_t devid,
		const struct xb_backend_features *feat);

/**
 * Service shutdown or vif removal: walk the backend state to Closed (through Closing when
 * Connected), remove the vif's error directory (and its domain's error directory once
 * empty), and free the vif. Keys the toolstack owns are left alone; watches registered with
 * xb_vif_watch are removed. The caller must already have released any data plane.
 * NULL is ignored.
 */
void xb_vif_destroy(struct xb_vif *vif);

/**
 * Service restart: free the vif and leave its xenstore state as it is (a Connected vif
 * stays Connected, its error node and hotplug-status stay), so that the next process
 * resumes it (see xb_vif_create). Watches registered with xb_vif_watch are removed. The
 * caller must already have released any data plane. NULL is ignored.
 */
void xb_vif_free_keep(struct xb_vif *vif);

/** The backend directory, e.g. "/local/domain/0/backend/vif/3/0". Owned by the vif. */
const char *xb_vif_backend_path(const struct xb_vif *vif);

/**
 * The error node xb writes on a refusal, e.g. "/local/domain/0/error/backend/vif/3/0/error"
 * (dom0's private error/ tree: the guest cannot read it). Owned by the vif.
 */
const char *xb_vif_error_path(const struct xb_vif *vif);

/**
 * The path whose watch drives the vif: "<frontend>/state". Owned by the vif.
 * @return NULL when the backend's "frontend" key was refused at create.
 */
const char *xb_vif_frontend_state_path(const struct xb_vif *vif);

/** The state xb last wrote to "<backend>/state". */
enum xb_state xb_vif_state(const struct xb_vif *vif);

/**
 * Register (xb_vif_watch) or remove (xb_vif_unwatch) the watch on the frontend's state
 * through the vif's own xs handle, with @p token. A caller with its own watch loop may
 * instead watch xb_vif_frontend_state_path() itself.
 * @return 0; -ENOENT when the frontend path was refused; a xenstore error.
 */
int xb_vif_watch(struct xb_vif *vif, const char *token);
int xb_vif_unwatch(struct xb_vif *vif);

/**
 * Have @p fn(@p arg) called, synchronously from inside xb, when xb is about to leave
 * Connected (or drop a pending connect) while the caller holds a data plane, before it
 * writes the next state: the caller unmaps the rings and unbinds the event channels there,
 * so a frontend that sees Closing or Closed may end its grants at once (netback's
 * backend_disconnect comes before its state switch). The event is still reported with
 * detach set, so the caller's release must be idempotent. NULL @p fn: no callback (the
 * caller releases on the event, after the state was written).
 */
void xb_vif_set_release_cb(struct xb_vif *vif, void (*fn)(void *arg), void *arg);

/**
 * Re-read the frontend's state and act on it (the Linux netback frontend_changed), walking
 * the backend state graph as needed.
 * @param ev receives at most one event; XB_EV_NONE when nothing changed. Each frontend state
 *   value is acted on once: calling again with no frontend change returns XB_EV_NONE (a
 *   refused frontend is never retried by polling). Act on @p ev whatever the return value.
 * @return 0, or a negative errno when xenstore could not be read or written (nothing
 *   changed on a read error; a failed write is retried by the next poll).
 */
int xb_vif_poll(struct xb_vif *vif, struct xb_event *ev);

/**
 * A watch fired on @p path: xb_vif_poll if it is this vif's frontend state (or its parent
 * directory, which xenstore reports on removal), else set XB_EV_NONE and return 0.
 */
int xb_vif_on_watch(struct xb_vif *vif, const char *path, struct xb_event *ev);

/**
 * The caller mapped the rings and bound the event channels of the last XB_EV_CONNECT:
 * switch to Connected.
 * @return 0; -EINVAL when no connect is pending; a xenstore write error (still pending).
 */
int xb_vif_connected(struct xb_vif *vif);

/**
 * Refuse the frontend (e.g. mapping its rings failed, or its data plane broke the
 * protocol): write the error node (xb_vif_error_path) = "<-err> <reason>", switch to
 * Closing and hold there until the frontend closes or restarts. The caller must already
 * have released any data plane. Logged at ERR.
 * @param err a negative errno.
 * @return 0, or a xenstore write error (the vif is refused all the same).
 */
int xb_vif_fail(struct xb_vif *vif, int err, const char *reason);

/**
 * Local, clean disconnect (e.g. the administrator removed the vif from this service):
 * switch to Closing without an error node and hold as after xb_vif_fail. The caller must
 * already have released any data plane.
 * @return 0, or a xenstore write error.
 */
int xb_vif_disconnect(struct xb_vif *vif);

/**
 * Write "<backend>/hotplug-status" (libxl waits for "connected" from the vif's hotplug
 * script; this service plays that script's part).
 * @return 0 or a xenstore write error; -EINVAL for NULL or over-long @p status.
 */
int xb_vif_set_hotplug_status(struct xb_vif *vif, const char *status);

#endif /* DNB_XB_H */
