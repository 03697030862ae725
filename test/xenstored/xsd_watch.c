/* SPDX-License-Identifier: BSD-3-Clause */
#include "xsd_watch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xsd_path.h"

static struct xsd_watch *find(struct xsd_conn *c, const char *abs, const char *token,
			      struct xsd_watch ***link)
{
	struct xsd_watch **pp, *w;

	for (pp = &c->watches; (w = *pp) != NULL; pp = &w->next) {
		if (strcmp(w->abs, abs) == 0 && strcmp(w->token, token) == 0) {
			if (link != NULL)
				*link = pp;
			return w;
		}
	}
	return NULL;
}

int xsd_watch_add(struct xsd_conn *c, const char *path, const char *abs, bool relative,
		  const char *token)
{
	struct xsd_watch *w;

	if (find(c, abs, token, NULL) != NULL)
		return -EEXIST;
	if (c->nr_watches >= c->lim.max_watches)
		return -E2BIG;
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return -ENOMEM;
	w->path = strdup(path);
	w->abs = strdup(abs);
	w->token = strdup(token);
	if (w->path == NULL || w->abs == NULL || w->token == NULL) {
		free(w->path);
		free(w->abs);
		free(w->token);
		free(w);
		return -ENOMEM;
	}
	w->relative = relative;
	w->next = c->watches;
	c->watches = w;
	c->nr_watches++;
	return 0;
}

static void watch_free(struct xsd_watch *w)
{
	free(w->path);
	free(w->abs);
	free(w->token);
	free(w);
}

int xsd_watch_remove(struct xsd_conn *c, const char *abs, const char *token)
{
	struct xsd_watch **link, *w = find(c, abs, token, &link);

	if (w == NULL)
		return -ENOENT;
	*link = w->next;
	watch_free(w);
	c->nr_watches--;
	return 0;
}

void xsd_watch_remove_all(struct xsd_conn *c)
{
	struct xsd_watch *w;

	while ((w = c->watches) != NULL) {
		c->watches = w->next;
		watch_free(w);
	}
	c->nr_watches = 0;
}

static void send_event(struct xsd_conn *c, const char *path, const char *token)
{
	struct iovec iov[2] = {
		{ .iov_base = (void *)path, .iov_len = strlen(path) + 1 },
		{ .iov_base = (void *)token, .iov_len = strlen(token) + 1 },
	};

	/* A full queue kills the connection inside send: nothing more to do here. */
	(void)xsd_conn_send(c, XS_WATCH_EVENT, 0, 0, iov, 2);
}

/* @abs as this watch reports it: relative watches see names below their domain. */
static const char *reported(const struct xsd_conn *c, const struct xsd_watch *w, const char *abs)
{
	char prefix[64];
	size_t plen;

	if (!w->relative)
		return abs;
	plen = xsd_path_domain(c->domid, prefix, sizeof(prefix));
	if (strncmp(abs, prefix, plen) == 0 && abs[plen] == '/')
		return abs + plen + 1;
	return abs;
}

void xsd_watch_fire_initial(struct xsd_conn *c, const char *abs, const char *token)
{
	struct xsd_watch *w = find(c, abs, token, NULL);

	if (w != NULL)
		send_event(c, w->path, w->token);
}

static void fire_conn(struct xsd_conn *c, const char *abs, bool special, bool removed)
{
	struct xsd_watch *w;

	for (w = c->watches; w != NULL && !c->dead; w = w->next) {
		if (special) {
			if (strcmp(w->abs, abs) == 0)
				send_event(c, w->path, w->token);
		} else if (w->abs[0] != '/') {
			continue; /* a special watch never matches a node */
		} else if (xsd_path_covers(w->abs, abs)) {
			send_event(c, reported(c, w, abs), w->token);
		} else if (removed && xsd_path_covers(abs, w->abs)) {
			send_event(c, w->path, w->token);
		}
	}
}

void xsd_watch_fire(struct xsd_conn *conns, const char *abs, const struct xsd_perms *perms,
		    bool removed)
{
	bool special = perms == NULL;
	struct xsd_conn *c;

	for (c = conns; c != NULL; c = c->next) {
		if (c->dead || c->watches == NULL)
			continue;
		if (c->domid != 0 &&
		    (special || !(xsd_perms_for(perms, c->domid) & XSD_PERM_READ)))
			continue;
		fire_conn(c, abs, special, removed);
	}
}
