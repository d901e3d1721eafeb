#include "sys/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *prog = "synscope";
static enum log_level cur_level = LOG_LVL_NOTICE;

void log_init(const char *progname, enum log_level level)
{
	const char *slash = strrchr(progname, '/');

	prog = slash ? slash + 1 : progname;
	cur_level = level;
	setvbuf(stderr, NULL, _IONBF, 0);
}

void log_set_level(enum log_level level)
{
	cur_level = level;
}

enum log_level log_get_level(void)
{
	return cur_level;
}

const char *log_progname(void)
{
	return prog;
}

static void vlog(enum log_level lvl, int err, const char *fmt, va_list ap)
{
	char msg[1024];

	if (lvl > cur_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (err)
		fprintf(stderr, "%s: %s: %s\n", prog, msg, strerror(err));
	else
		fprintf(stderr, "%s: %s\n", prog, msg);
}

void log_warn(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERR, err, fmt, ap);
	va_end(ap);
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERR, 0, fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_INFO, 0, fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_DEBUG, 0, fmt, ap);
	va_end(ap);
}
