#include "smtpfix/clock.h"

#include <limits.h>
#include <time.h>

double
sf_now_ms_precise(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

int64_t
sf_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
sf_ms_left(int64_t deadline)
{
	int64_t left = deadline - sf_now_ms();

	return left > 0 ? left : 0;
}

int
sf_poll_timeout(int64_t deadline)
{
	int64_t left = sf_ms_left(deadline);

	return left > INT_MAX ? INT_MAX : (int)left;
}
