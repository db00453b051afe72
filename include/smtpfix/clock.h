/* Monotonic time and deadlines, in milliseconds. A deadline is an absolute
 * monotonic time; every network wait in smtpfix is bounded by one. */
#ifndef SMTPFIX_CLOCK_H
#define SMTPFIX_CLOCK_H

#include <stdint.h>

int64_t sf_now_ms(void);
/* Monotonic time with sub-millisecond precision, for reported durations. */
double sf_now_ms_precise(void);
/* Milliseconds left until deadline, never negative. */
int64_t sf_ms_left(int64_t deadline);
/* Milliseconds left, clamped to what poll() takes. */
int sf_poll_timeout(int64_t deadline);

#endif
