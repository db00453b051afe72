#!/usr/bin/env python3
"""Real mail programs' ways of talking, against the practice server: what
smtplib does (its AUTH LOGIN fallback, with the user name on the command),
and a connection that never speaks on the SSL/TLS port (a program set to
STARTTLS there) while another program sends on 587. Each check prints one
line, "ok NAME" or "FAIL NAME: why"."""
import smtplib
import socket
import ssl
import sys
import time

P465, P587, CA = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
USER, PASSWORD = "demo@lab.smtpfix.test", "practice-2026"
ctx = ssl.create_default_context(cafile=CA)
ctx.check_hostname = False  # the test reaches the server by 127.0.0.1


def check(name, fn):
    try:
        fn()
        print("ok", name)
    except Exception as e:  # any failure is the check's failure
        print("FAIL %s: %r" % (name, e))


def send_587():
    s = smtplib.SMTP("127.0.0.1", P587, timeout=5)
    s.starttls(context=ctx)
    s.login(USER, PASSWORD)
    s.sendmail(USER, ["someone@example.com"], "Subject: practice\r\n\r\nhello\r\n")
    s.quit()


def silent_465_does_not_block_587():
    silent = socket.create_connection(("127.0.0.1", P465))
    try:
        started = time.monotonic()
        send_587()
        took = time.monotonic() - started
        if took > 2:
            raise RuntimeError("587 took %.1f s while 465 held a silent client" % took)
    finally:
        silent.close()


def login_with_initial_response():
    s = smtplib.SMTP("127.0.0.1", P587, timeout=5)
    s.starttls(context=ctx)
    s.ehlo()
    s.user, s.password = USER, "not-the-password"
    try:
        s.auth("LOGIN", s.auth_login, initial_response_ok=True)
        raise RuntimeError("a wrong password was taken")
    except smtplib.SMTPAuthenticationError as e:
        if e.smtp_code != 535:
            raise RuntimeError("refused with %d, not 535" % e.smtp_code)
    s.user, s.password = USER, PASSWORD
    code, _ = s.auth("LOGIN", s.auth_login, initial_response_ok=True)
    if code != 235:
        raise RuntimeError("the right password got %d" % code)
    s.quit()


def ssl_465():
    s = smtplib.SMTP_SSL("127.0.0.1", P465, timeout=5, context=ctx)
    s.login(USER, PASSWORD)
    s.sendmail(USER, ["someone@example.com"], "Subject: practice\r\n\r\nhello\r\n")
    s.quit()


def many_at_once():
    conns = [socket.create_connection(("127.0.0.1", P465)) for _ in range(10)]
    try:
        send_587()
        ssl_465()
    finally:
        for c in conns:
            c.close()


check("smtplib: silent client on 465, sending on 587 still works", silent_465_does_not_block_587)
check("smtplib: AUTH LOGIN with the user name on the command", login_with_initial_response)
check("smtplib: SSL/TLS on 465", ssl_465)
check("smtplib: ten silent clients and two senders", many_at_once)
