/* SPDX-License-Identifier: BSD-3-Clause */
#include "xsd_log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static FILE *log_file;
static bool log_verbose;

int xsd_log_open(const char *path)
{
	FILE *f = fopen(path, "ae");

	if (f == NULL)
		return -errno;
	/* Line-buffered so a test bed that tails the file sees each line at once. */
	setvbuf(f, NULL, _IOLBF, 0);
	log_file = f;
	return 0;
}

void xsd_log_set_verbose(bool verbose)
{
	log_verbose = verbose;
}

bool xsd_log_verbose(void)
{
	return log_verbose;
}

void xsd_log(enum xsd_log_level level, const char *fmt, ...)
{
	static const char *const names[] = { "ERR", "WARN", "INFO", "DEBUG" };
	FILE *out = log_file != NULL ? log_file : stderr;
	struct timespec ts;
	va_list ap;

	if (level == XSD_LOG_DEBUG && !log_verbose)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(out, "%lld.%03ld dnb-xenstored %s: ", (long long)ts.tv_sec,
		ts.tv_nsec / 1000000, names[level]);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
}

void xsd_log_close(void)
{
	if (log_file != NULL)
		fclose(log_file);
	log_file = NULL;
}
