/* SPDX-License-Identifier: BSD-3-Clause */
/* Handlers for a connection's own state and for domains: watches, transactions,
 * introduce/release, control. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "xsd_log.h"
#include "xsd_ops_internal.h"
#include "xsd_watch.h"

/*
 * An event carries the watched path (up to XENSTORE_ABS_PATH_MAX) and the token; both
 * must fit in one message or libxenstore drops the connection, so tokens are bounded.
 */
#define XSD_TOKEN_MAX (XENSTORE_PAYLOAD_MAX - XENSTORE_ABS_PATH_MAX - 2)

/* Domain ids a guest can have (below DOMID_FIRST_RESERVED). */
#define XSD_GUEST_DOMID_MAX 0x7fefu

/* "<path>\0<token>\0" of XS_WATCH / XS_UNWATCH, resolved. */
static int watch_args(struct xsd_req *r, const char **path, const char **token,
		      char abs[XSD_PATH_BUF], bool *relative)
{
	const char *argv[2];

	if (xsd_req_split(r, argv, 2) != 2 || strlen(argv[1]) > XSD_TOKEN_MAX)
		return -EINVAL;
	*path = argv[0];
	*token = argv[1];
	*relative = false;
	if (argv[0][0] == '@') {
		if (!xsd_path_is_special(argv[0]))
			return -EINVAL;
		strcpy(abs, argv[0]);
		return 0;
	}
	return xsd_path_resolve(argv[0], r->c->domid, abs, relative);
}

int xsd_op_watch(struct xsd_req *r)
{
	char abs[XSD_PATH_BUF];
	const char *path, *token;
	bool relative;
	int rc = watch_args(r, &path, &token, abs, &relative);

	if (rc == 0)
		rc = xsd_watch_add(r->c, path, abs, relative, token);
	if (rc == 0)
		rc = xsd_reply_ok(r);
	/* As xenstored: every new watch fires once at once, after the reply. */
	if (rc == 0)
		xsd_watch_fire_initial(r->c, abs, token);
	return rc;
}

int xsd_op_unwatch(struct xsd_req *r)
{
	char abs[XSD_PATH_BUF];
	const char *path, *token;
	bool relative;
	int rc = watch_args(r, &path, &token, abs, &relative);

	if (rc == 0)
		rc = xsd_watch_remove(r->c, abs, token);
	return rc != 0 ? rc : xsd_reply_ok(r);
}

static void abort_all_txns(struct xsd_conn *c)
{
	uint32_t i;

	for (i = 0; i < c->lim.max_txns; i++) {
		xsd_txn_free(c->txns[i]);
		c->txns[i] = NULL;
	}
	c->nr_txns = 0;
}

int xsd_op_reset_watches(struct xsd_req *r)
{
	/* xenstored drops the connection's transactions too. */
	xsd_watch_remove_all(r->c);
	abort_all_txns(r->c);
	return xsd_reply_ok(r);
}

int xsd_op_transaction_start(struct xsd_req *r)
{
	struct xsd_conn *c = r->c;
	struct xsd_txn *tx;
	char idstr[16];
	uint32_t i;

	if (xsd_req_one_arg(r) == NULL)
		return -EINVAL;
	if (c->nr_txns >= c->lim.max_txns)
		return -ENOSPC;
	if (++r->s->next_txn_id == 0) /* 0 means "no transaction" */
		++r->s->next_txn_id;
	tx = xsd_txn_start(r->s->tree, r->s->next_txn_id);
	if (tx == NULL)
		return -ENOMEM;
	for (i = 0; c->txns[i] != NULL; i++)
		;
	c->txns[i] = tx;
	c->nr_txns++;
	snprintf(idstr, sizeof(idstr), "%u", xsd_txn_id(tx));
	return xsd_reply_str(r, idstr);
}

int xsd_op_transaction_end(struct xsd_req *r)
{
	const char *arg = xsd_req_one_arg(r);
	struct xsd_conn *c = r->c;
	uint32_t i;
	int rc = 0;

	if (r->tx == NULL)
		return -ENOENT;
	if (arg == NULL || (strcmp(arg, "T") != 0 && strcmp(arg, "F") != 0))
		return -EINVAL;
	for (i = 0; c->txns[i] != r->tx; i++)
		;
	c->txns[i] = NULL;
	c->nr_txns--;
	if (arg[0] == 'T')
		rc = xsd_txn_commit(r->tx, r->s->tree, xsd_apply_live, r->s);
	if (rc != 0)
		xsd_log(XSD_LOG_DEBUG, "conn %u: transaction %u not committed: %s", c->id,
			xsd_txn_id(r->tx), strerror(-rc));
	xsd_txn_free(r->tx);
	r->tx = NULL;
	return rc != 0 ? rc : xsd_reply_ok(r);
}

static int one_domid(struct xsd_req *r, uint32_t *domid)
{
	const char *arg = xsd_req_one_arg(r);

	return arg == NULL ? -EINVAL : xsd_parse_domid(arg, domid);
}

int xsd_op_get_domain_path(struct xsd_req *r)
{
	char path[64];
	uint32_t domid;
	int rc = one_domid(r, &domid);

	if (rc != 0)
		return rc;
	xsd_path_domain(domid, path, sizeof(path));
	return xsd_reply_str(r, path);
}

int xsd_op_introduce(struct xsd_req *r)
{
	const char *argv[4];
	uint32_t domid;
	int argc;

	if (r->c->domid != 0)
		return -EACCES;
	/* "<domid>\0<mfn>\0<evtchn>\0": the page and port mean nothing without Xen. */
	argc = xsd_req_split(r, argv, 4);
	if (argc < 3 || xsd_parse_domid(argv[0], &domid) != 0 || domid == 0 ||
	    domid > XSD_GUEST_DOMID_MAX)
		return -EINVAL;
	if (!xsd_server_introduced(r->s, domid)) {
		xsd_server_set_introduced(r->s, domid, true);
		xsd_log(XSD_LOG_INFO, "domain %u introduced", domid);
		xsd_watch_fire(r->s->conns, "@introduceDomain", NULL, false);
	}
	/* Introducing again is how a toolstack re-binds a domain: success, no event. */
	return xsd_reply_ok(r);
}

int xsd_op_release(struct xsd_req *r)
{
	uint32_t domid;
	int rc;

	if (r->c->domid != 0)
		return -EACCES;
	rc = one_domid(r, &domid);
	if (rc != 0 || domid == 0)
		return -EINVAL;
	if (!xsd_server_introduced(r->s, domid))
		return -ENOENT;
	xsd_server_set_introduced(r->s, domid, false);
	xsd_log(XSD_LOG_INFO, "domain %u released", domid);
	xsd_watch_fire(r->s->conns, "@releaseDomain", NULL, false);
	return xsd_reply_ok(r);
}

int xsd_op_is_domain_introduced(struct xsd_req *r)
{
	uint32_t domid;
	int rc = one_domid(r, &domid);

	if (rc != 0)
		return rc;
	return xsd_reply_str(r, xsd_server_introduced(r->s, domid) ? "T" : "F");
}

int xsd_op_resume(struct xsd_req *r)
{
	uint32_t domid;
	int rc;

	if (r->c->domid != 0)
		return -EACCES;
	rc = one_domid(r, &domid);
	if (rc != 0)
		return rc;
	return xsd_server_introduced(r->s, domid) ? xsd_reply_ok(r) : -ENOENT;
}

int xsd_op_set_target(struct xsd_req *r)
{
	const char *argv[2];
	uint32_t domid, target;

	if (r->c->domid != 0)
		return -EACCES;
	if (xsd_req_split(r, argv, 2) != 2 || xsd_parse_domid(argv[0], &domid) != 0 ||
	    xsd_parse_domid(argv[1], &target) != 0)
		return -EINVAL;
	/* Stub domains (a domain acting for another) are not modelled here. */
	return -ENOSYS;
}

int xsd_op_control(struct xsd_req *r)
{
	static const char help[] = "help\nprint <text>: write <text> to the daemon's log\n";
	const char *argv[2];
	int argc;

	if (r->c->domid != 0)
		return -EACCES;
	argc = xsd_req_split(r, argv, 2);
	if (argc < 1)
		return -EINVAL;
	if (strcmp(argv[0], "help") == 0)
		return xsd_reply_str(r, help);
	if (strcmp(argv[0], "print") == 0 && argc == 2) {
		xsd_log(XSD_LOG_INFO, "control print: %s", argv[1]);
		return xsd_reply_ok(r);
	}
	return -EINVAL;
}
