#!/usr/bin/env python3
"""Read an Apple configuration profile the way a Mac reads its property
list (plistlib) and check it for tests/setup/run.sh.

  plist.py FILE KEY=VALUE...   the mail payload (PayloadContent[0]) has
                               each KEY with VALUE (digits: an integer,
                               true/false: a boolean, else a string);
                               KEY=- says the key is absent
  plist.py --same A B          A and B hold the same profile, UUIDs aside

Either way the profile must be a Configuration with one
com.apple.mail.managed payload and no key that holds a password (only
OutgoingPasswordSameAsIncomingPassword may name one). Prints each
problem; exits 1 when there is one."""
import plistlib
import sys

ALLOWED_PASSWORD_KEY = "OutgoingPasswordSameAsIncomingPassword"


def load(path):
    with open(path, "rb") as f:
        return plistlib.load(f)


def keys_everywhere(value):
    if isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from keys_everywhere(v)
    elif isinstance(value, list):
        for v in value:
            yield from keys_everywhere(v)


def check_shape(p, problems):
    if p.get("PayloadType") != "Configuration" or p.get("PayloadVersion") != 1:
        problems.append("not a Configuration profile, version 1")
    content = p.get("PayloadContent")
    if not isinstance(content, list) or len(content) != 1:
        problems.append("PayloadContent is not one payload")
        return None
    mail = content[0]
    if mail.get("PayloadType") != "com.apple.mail.managed":
        problems.append("the payload is not com.apple.mail.managed")
    for k in keys_everywhere(p):
        if "password" in k.lower() and k != ALLOWED_PASSWORD_KEY:
            problems.append("a password key: " + k)
    return mail


def typed(text):
    if text.isdigit():
        return int(text)
    if text in ("true", "false"):
        return text == "true"
    return text


def without_uuids(value):
    if isinstance(value, dict):
        return {k: without_uuids(v) for k, v in value.items() if k != "PayloadUUID"}
    if isinstance(value, list):
        return [without_uuids(v) for v in value]
    return value


def main(argv):
    problems = []
    if len(argv) == 4 and argv[1] == "--same":
        a, b = load(argv[2]), load(argv[3])
        check_shape(a, problems)
        check_shape(b, problems)
        if without_uuids(a) != without_uuids(b):
            problems.append("the two profiles differ")
    elif len(argv) >= 2:
        mail = check_shape(load(argv[1]), problems)
        for pair in argv[2:]:
            key, _, want = pair.partition("=")
            if mail is None:
                break
            if want == "-":
                if key in mail:
                    problems.append("%s is there: %r" % (key, mail[key]))
            elif key not in mail:
                problems.append("no " + key)
            elif mail[key] != typed(want) or type(mail[key]) is not type(typed(want)):
                problems.append("%s is %r, not %r" % (key, mail[key], typed(want)))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for p in problems:
        print("  plist: " + p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
