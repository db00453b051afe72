#!/usr/bin/env python3
"""Every label the Thunderbird guide quotes is one of Thunderbird's own
interface strings (its en-US locale files from Debian's package). Labels
the guide gives for older versions ("before version 128: ...") are not
looked for. Prints "ok LABEL" or "FAIL LABEL", one line each."""
import os
import re
import sys

guide, strings = sys.argv[1], sys.argv[2]
text = open(guide, encoding="utf-8").read().replace("\n", " ")
text = re.sub(r" +", " ", text)
known = []
for root, _, files in os.walk(strings):
    for name in files:
        with open(os.path.join(root, name), encoding="utf-8", errors="replace") as f:
            known.append(f.read())
known = "\n".join(known)

labels = []
for m in re.finditer(r'"([^"]+)"', text):
    before = text[max(0, m.start() - 30):m.start()]
    if "before version" in before:
        continue
    labels.append(m.group(1))
if not labels:
    print("FAIL no quoted labels in the guide")
for label in dict.fromkeys(labels):
    # The locale files write "Edit…" with an ellipsis character and may add
    # a trailing space after a colon.
    want = label.strip().replace("...", "\u2026")
    found = re.search(r'(=|")\s*' + re.escape(want) + r'\s*("|$)', known, re.M)
    print("%s %s" % ("ok" if found else "FAIL", label))
