/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file xsd_ops_internal.h
 * Shared by the request handlers (xsd_ops*.c) only. A handler returns 0 after queueing
 * its reply, or -errno, which the dispatcher turns into an XS_ERROR reply.
 */
#ifndef XSD_OPS_INTERNAL_H
#define XSD_OPS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "xsd_path.h"
#include "xsd_server.h"
#include "xsd_txn.h"

/** One request being handled. */
struct xsd_req {
	struct xsd_server *s;
	struct xsd_conn *c;
	const struct xsd_sockmsg *hdr;
	char *body;             /**< hdr->len bytes, then a NUL guard */
	uint32_t len;
	struct xsd_txn *tx;     /**< the request's transaction, NULL outside one */
	struct xsd_tree *tree;  /**< tx's private tree, or the live tree */
};

/* replies */
int xsd_reply(struct xsd_req *r, const void *data, size_t len);
int xsd_reply_str(struct xsd_req *r, const char *s); /* with its NUL */
int xsd_reply_ok(struct xsd_req *r);

/* arguments */
/** The single NUL-terminated string the payload must be, or NULL (malformed). */
const char *xsd_req_one_arg(const struct xsd_req *r);
/**
 * Split a payload made only of NUL-terminated strings into @p argv.
 * @return the count, or -EINVAL when the payload does not end with a NUL or has more
 *         than @p max strings.
 */
int xsd_req_split(const struct xsd_req *r, const char **argv, int max);
/** Parse a decimal domid (0..XSD_DOMID_MAX). @return 0 or -EINVAL. */
int xsd_parse_domid(const char *s, uint32_t *domid);

/* access */
/**
 * Check that the connection may do @p need (XSD_PERM_* bits) on @p abs in r->tree. An
 * absent node is judged by its nearest existing ancestor (xenstored's rule), so a domain
 * learns nothing below a node it cannot access.
 * @param node  receives the node, NULL when absent.
 * @return 0 or -EACCES.
 */
int xsd_req_access(struct xsd_req *r, const char *abs, uint32_t need,
		   const struct xsd_node **node);

/* transactions: remember what the request looks at (no-op outside a transaction) */
int xsd_req_note(struct xsd_req *r, const char *abs);
/** Note @p abs and its ancestors up to the nearest existing one: what creating it changes. */
int xsd_req_note_create(struct xsd_req *r, const char *abs);

/** Apply a change to r->tree: logged in a transaction, else live with watches fired. */
int xsd_req_change(struct xsd_req *r, const struct xsd_change *ch);

/** Apply a change to the live tree and fire its watches (also the commit hook). */
int xsd_apply_live(void *server, const struct xsd_change *ch);

/** The parent name of canonical @p abs (not "/") into @p out. */
void xsd_parent_path(const char *abs, char out[XSD_PATH_BUF]);

/* handlers, by file */
int xsd_op_read(struct xsd_req *r);
int xsd_op_write(struct xsd_req *r);
int xsd_op_mkdir(struct xsd_req *r);
int xsd_op_rm(struct xsd_req *r);
int xsd_op_directory(struct xsd_req *r);
int xsd_op_directory_part(struct xsd_req *r);
int xsd_op_get_perms(struct xsd_req *r);
int xsd_op_set_perms(struct xsd_req *r);

int xsd_op_watch(struct xsd_req *r);
int xsd_op_unwatch(struct xsd_req *r);
int xsd_op_reset_watches(struct xsd_req *r);
int xsd_op_transaction_start(struct xsd_req *r);
int xsd_op_transaction_end(struct xsd_req *r);

int xsd_op_get_domain_path(struct xsd_req *r);
int xsd_op_introduce(struct xsd_req *r);
int xsd_op_release(struct xsd_req *r);
int xsd_op_is_domain_introduced(struct xsd_req *r);
int xsd_op_resume(struct xsd_req *r);
int xsd_op_set_target(struct xsd_req *r);
int xsd_op_control(struct xsd_req *r);

#endif /* XSD_OPS_INTERNAL_H */
