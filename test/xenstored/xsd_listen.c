/* SPDX-License-Identifier: BSD-3-Clause */
#include "xsd_listen.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int make_addr(const char *path, struct sockaddr_un *addr)
{
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(addr->sun_path))
		return -ENAMETOOLONG;
	strcpy(addr->sun_path, path);
	return 0;
}

/* A socket file left by a daemon that died: remove it. One somebody serves: keep it. */
static int clear_stale(const struct sockaddr_un *addr)
{
	struct stat st;
	int fd, rc;

	if (stat(addr->sun_path, &st) != 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = connect(fd, (const struct sockaddr *)addr, sizeof(*addr));
	close(fd);
	if (rc == 0)
		return -EADDRINUSE;
	return unlink(addr->sun_path) == 0 ? 0 : -errno;
}

/*
 * Bind under a temporary name, listen, then rename into place: the socket file appears
 * only once it accepts connections, so a launcher that waits for "test -S PATH" never
 * races the listen() and gets ECONNREFUSED. Paths too long for the temporary name are
 * bound directly.
 */
static int bind_listen(int fd, const struct sockaddr_un *addr)
{
	struct sockaddr_un tmp;
	int n;

	n = snprintf(tmp.sun_path, sizeof(tmp.sun_path), "%s.%ld.tmp", addr->sun_path,
		     (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp.sun_path)) {
		if (bind(fd, (const struct sockaddr *)addr, sizeof(*addr)) != 0 || listen(fd, 64) != 0)
			return -errno;
		return 0;
	}
	tmp.sun_family = AF_UNIX;
	unlink(tmp.sun_path);
	if (bind(fd, (struct sockaddr *)&tmp, sizeof(tmp)) != 0)
		return -errno;
	if (listen(fd, 64) != 0 || rename(tmp.sun_path, addr->sun_path) != 0) {
		n = -errno;
		unlink(tmp.sun_path);
		return n;
	}
	return 0;
}

int xsd_listen_open(struct xsd_listener *l, const char *path, uint32_t domid)
{
	struct sockaddr_un addr;
	int fd, rc;

	rc = make_addr(path, &addr);
	if (rc == 0)
		rc = clear_stale(&addr);
	if (rc != 0)
		return rc;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	rc = bind_listen(fd, &addr);
	if (rc != 0) {
		close(fd);
		return rc;
	}
	l->fd = fd;
	l->domid = domid;
	l->path = path;
	return 0;
}

void xsd_listen_close(struct xsd_listener *l)
{
	if (l->fd < 0)
		return;
	close(l->fd);
	unlink(l->path);
	l->fd = -1;
}
