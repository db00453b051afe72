/* A scriptable fake SMTP server for the odd and hostile cases no real MTA
 * imitates. It listens on 127.0.0.1 on a free port, serves one connection
 * in a child process, and plays a script of steps. What the client sent is
 * written to a log file, one line each, for the test to check. */
#ifndef TESTS_FAKESERVER_H
#define TESTS_FAKESERVER_H

#include <stddef.h>
#include <sys/types.h>

enum fs_op {
	FS_END = 0,
	FS_SEND,       /* write text */
	FS_SEND_BYTES, /* write len bytes of text (may hold NUL) */
	FS_EXPECT,     /* read one line from the client */
	FS_STARTTLS,   /* TLS handshake as the server, with cert/key */
	FS_SLEEP,      /* pause ms */
	FS_DRIP,       /* write text one byte every ms */
	FS_FLOOD,      /* write text again and again for up to ms */
	FS_CLOSE,      /* close the connection */
	FS_RESET,      /* close with a TCP reset */
	FS_DRAIN       /* read until the client closes (at most ms) */
};

struct fs_step {
	enum fs_op op;
	const char *text;
	size_t len;
	int ms;
};

struct fakeserver {
	pid_t pid;
	int port;
	const char *cert_path; /* for FS_STARTTLS and implicit TLS */
	const char *key_path;
	int implicit_tls;   /* handshake before the first step */
	int ipv6;           /* listen on ::1 instead of 127.0.0.1 */
	char log_path[256]; /* client lines, one per line */
};

/* Start the server; returns 0 and fills fs->port and fs->pid. */
int fakeserver_start(struct fakeserver *fs, const struct fs_step *script, const char *dir);
/* Wait for the child (killing it if it is still running). */
void fakeserver_stop(struct fakeserver *fs);
/* The client's lines, read back from the log (static buffer). */
const char *fakeserver_client_lines(const struct fakeserver *fs);

#endif
