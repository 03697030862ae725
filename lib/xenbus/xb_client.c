/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The bottom of lib/xenbus, what every other file uses (as Linux's xenbus_client.c and
 * xenbus_xs.c are to netback): the log type, paths, reading a key, state names, and
 * recording why a frontend is refused. It calls nothing else in lib/xenbus but xb_parse.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "xb_internal.h"

RTE_LOG_REGISTER(xb_logtype, netback.xenbus, NOTICE);

int xb_path_join(char *buf, size_t size, const char *dir, const char *key)
{
	int n = snprintf(buf, size, "%s/%s", dir, key);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int xb_read_key(struct xb_xs *xs, xb_txn_t txn, const char *dir, const char *key,
		char *buf, size_t size)
{
	char path[XB_PATH_MAX];
	int ret;

	ret = xb_path_join(path, sizeof(path), dir, key);
	if (ret < 0)
		return ret;
	return xs->ops->read(xs, txn, path, buf, size);
}

const char *xb_state_name(unsigned int state)
{
	static const char *const names[] = {
		"Unknown", "Initialising", "InitWait", "Initialised", "Connected",
		"Closing", "Closed", "Reconfiguring", "Reconfigured",
	};

	return state < sizeof(names) / sizeof(names[0]) ? names[state] : "Invalid";
}

int xb_vif_reason(struct xb_vif *vif, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(vif->fatal_reason, sizeof(vif->fatal_reason), fmt, ap);
	va_end(ap);
	vif->fatal_err = err;
	return err;
}
