/* SPDX-License-Identifier: BSD-3-Clause */
/* Dispatch and the helpers every handler shares. */
#include "xsd_ops.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "xsd_log.h"
#include "xsd_ops_internal.h"
#include "xsd_watch.h"

struct op_desc {
	const char *name;
	int (*fn)(struct xsd_req *r);
	bool in_txn; /* honours tx_id */
};

static const struct op_desc ops[XS_TYPE_COUNT] = {
	[XS_CONTROL] = { "CONTROL", xsd_op_control, false },
	[XS_DIRECTORY] = { "DIRECTORY", xsd_op_directory, true },
	[XS_READ] = { "READ", xsd_op_read, true },
	[XS_GET_PERMS] = { "GET_PERMS", xsd_op_get_perms, true },
	[XS_WATCH] = { "WATCH", xsd_op_watch, false },
	[XS_UNWATCH] = { "UNWATCH", xsd_op_unwatch, false },
	[XS_TRANSACTION_START] = { "TRANSACTION_START", xsd_op_transaction_start, false },
	[XS_TRANSACTION_END] = { "TRANSACTION_END", xsd_op_transaction_end, true },
	[XS_INTRODUCE] = { "INTRODUCE", xsd_op_introduce, false },
	[XS_RELEASE] = { "RELEASE", xsd_op_release, false },
	[XS_GET_DOMAIN_PATH] = { "GET_DOMAIN_PATH", xsd_op_get_domain_path, false },
	[XS_WRITE] = { "WRITE", xsd_op_write, true },
	[XS_MKDIR] = { "MKDIR", xsd_op_mkdir, true },
	[XS_RM] = { "RM", xsd_op_rm, true },
	[XS_SET_PERMS] = { "SET_PERMS", xsd_op_set_perms, true },
	[XS_IS_DOMAIN_INTRODUCED] = { "IS_DOMAIN_INTRODUCED", xsd_op_is_domain_introduced, false },
	[XS_RESUME] = { "RESUME", xsd_op_resume, false },
	[XS_SET_TARGET] = { "SET_TARGET", xsd_op_set_target, false },
	[XS_RESET_WATCHES] = { "RESET_WATCHES", xsd_op_reset_watches, false },
	[XS_DIRECTORY_PART] = { "DIRECTORY_PART", xsd_op_directory_part, true },
	/* XS_WATCH_EVENT and XS_ERROR are daemon-to-client only: no handler, EINVAL. */
};

int xsd_reply(struct xsd_req *r, const void *data, size_t len)
{
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	int rc = xsd_conn_send(r->c, r->hdr->type, r->hdr->req_id, r->hdr->tx_id, &iov, 1);

	/* A reply cannot be too big by construction; a dead queue is not the request's fault. */
	return rc == -E2BIG ? -E2BIG : 0;
}

int xsd_reply_str(struct xsd_req *r, const char *s)
{
	return xsd_reply(r, s, strlen(s) + 1);
}

int xsd_reply_ok(struct xsd_req *r)
{
	return xsd_reply_str(r, "OK");
}

static void reply_error(struct xsd_req *r, int err)
{
	const char *name = "EINVAL";
	struct iovec iov;
	size_t i;

	for (i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++) {
		if (xsd_errors[i].errnum == err) {
			name = xsd_errors[i].errstring;
			break;
		}
	}
	iov.iov_base = (void *)name;
	iov.iov_len = strlen(name) + 1;
	(void)xsd_conn_send(r->c, XS_ERROR, r->hdr->req_id, r->hdr->tx_id, &iov, 1);
}

const char *xsd_req_one_arg(const struct xsd_req *r)
{
	if (r->len == 0 || strlen(r->body) != r->len - 1)
		return NULL;
	return r->body;
}

int xsd_req_split(const struct xsd_req *r, const char **argv, int max)
{
	uint32_t off = 0;
	int n = 0;

	if (r->len == 0 || r->body[r->len - 1] != '\0')
		return -EINVAL;
	while (off < r->len) {
		if (n == max)
			return -EINVAL;
		argv[n++] = r->body + off;
		off += (uint32_t)strlen(r->body + off) + 1;
	}
	return n;
}

int xsd_parse_domid(const char *s, uint32_t *domid)
{
	uint32_t v = 0;

	if (*s == '\0' || strlen(s) > 5)
		return -EINVAL;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (uint32_t)(*s - '0');
	}
	if (v > XSD_DOMID_MAX)
		return -EINVAL;
	*domid = v;
	return 0;
}

int xsd_req_access(struct xsd_req *r, const char *abs, uint32_t need,
		   const struct xsd_node **node)
{
	const struct xsd_node *n = xsd_tree_lookup(r->tree, abs);
	const struct xsd_node *judge = n != NULL ? n : xsd_tree_nearest(r->tree, abs);

	if ((xsd_perms_for(xsd_node_perms(judge), r->c->domid) & need) != need)
		return -EACCES;
	*node = n;
	return 0;
}

int xsd_req_note(struct xsd_req *r, const char *abs)
{
	return r->tx != NULL ? xsd_txn_note(r->tx, abs) : 0;
}

void xsd_parent_path(const char *abs, char out[XSD_PATH_BUF])
{
	const char *slash = strrchr(abs, '/');
	size_t len = slash != NULL && slash != abs ? (size_t)(slash - abs) : 1;

	memcpy(out, abs, len);
	out[len] = '\0';
}

int xsd_req_note_create(struct xsd_req *r, const char *abs)
{
	char path[XSD_PATH_BUF];
	char *slash;
	int rc;

	if (r->tx == NULL)
		return 0;
	strcpy(path, abs);
	for (;;) {
		rc = xsd_txn_note(r->tx, path);
		if (rc != 0 || xsd_tree_lookup(r->tree, path) != NULL || strcmp(path, "/") == 0)
			return rc;
		/* Step to the parent in place. */
		slash = strrchr(path, '/');
		slash[slash == path ? 1 : 0] = '\0';
	}
}

int xsd_apply_live(void *server, const struct xsd_change *ch)
{
	struct xsd_server *s = server;
	const struct xsd_node *n;
	struct xsd_perms perms;
	int rc;

	if (ch->kind != XSD_CHANGE_RM) {
		rc = xsd_tree_apply(s->tree, ch);
		if (rc == 0) {
			n = xsd_tree_lookup(s->tree, ch->path);
			xsd_watch_fire(s->conns, ch->path, xsd_node_perms(n), false);
		}
		return rc;
	}
	/* Who may see a removal is decided by the permissions the node had. */
	n = xsd_tree_lookup(s->tree, ch->path);
	if (n == NULL)
		return -ENOENT;
	if (xsd_perms_copy(&perms, xsd_node_perms(n)) != 0)
		return -ENOMEM;
	rc = xsd_tree_apply(s->tree, ch);
	if (rc == 0)
		xsd_watch_fire(s->conns, ch->path, &perms, true);
	xsd_perms_fini(&perms);
	return rc;
}

int xsd_req_change(struct xsd_req *r, const struct xsd_change *ch)
{
	int rc;

	if (r->tx == NULL)
		return xsd_apply_live(r->s, ch);
	rc = xsd_tree_apply(r->tree, ch);
	return rc != 0 ? rc : xsd_txn_log(r->tx, ch);
}

static struct xsd_txn *find_txn(struct xsd_conn *c, uint32_t id)
{
	uint32_t i;

	for (i = 0; i < c->lim.max_txns; i++)
		if (c->txns[i] != NULL && xsd_txn_id(c->txns[i]) == id)
			return c->txns[i];
	return NULL;
}

void xsd_ops_handle(void *server, struct xsd_conn *c, const struct xsd_sockmsg *hdr,
		    char *body)
{
	struct xsd_req r = {
		.s = server, .c = c, .hdr = hdr, .body = body, .len = hdr->len,
		.tree = ((struct xsd_server *)server)->tree,
	};
	const struct op_desc *op = hdr->type < XS_TYPE_COUNT ? &ops[hdr->type] : NULL;
	int rc;

	if (op == NULL || op->fn == NULL) {
		xsd_log(XSD_LOG_DEBUG, "conn %u: unknown type %u", c->id, hdr->type);
		reply_error(&r, EINVAL);
		return;
	}
	if (xsd_log_verbose())
		xsd_log(XSD_LOG_DEBUG, "conn %u (domid %u): %s tx %u \"%.80s\"", c->id, c->domid,
			op->name, hdr->tx_id, body);
	if (op->in_txn && hdr->tx_id != 0) {
		r.tx = find_txn(c, hdr->tx_id);
		if (r.tx == NULL) {
			reply_error(&r, ENOENT);
			return;
		}
		r.tree = xsd_txn_tree(r.tx);
	}
	rc = op->fn(&r);
	if (rc < 0) {
		xsd_log(XSD_LOG_DEBUG, "conn %u: %s -> error %d", c->id, op->name, -rc);
		reply_error(&r, -rc);
	}
}
