/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file xsd_ops.h
 * Request handling: one xsd_sockmsg in, exactly one reply out (the request's type, or
 * XS_ERROR with an xsd_errors name), plus any watch events the change fires.
 */
#ifndef XSD_OPS_H
#define XSD_OPS_H

#include "xsd_conn.h"

/**
 * Handle one complete request from @p c. Matches xsd_conn_msg_fn; @p server is the
 * struct xsd_server. Never trusts the payload: a malformed one gets XS_ERROR EINVAL.
 */
void xsd_ops_handle(void *server, struct xsd_conn *c, const struct xsd_sockmsg *hdr,
		    char *body);

#endif /* XSD_OPS_H */
