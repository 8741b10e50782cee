"""A real SMTP server for the tests (aiosmtpd): it accepts mail on
127.0.0.1:PORT and writes each message, as received, to DIR/<n>.eml with the
envelope recipients in DIR/<n>.rcpt. Recipients whose address contains
"reject" are refused for good (550). Prints READY once it listens."""

import itertools
import os
import sys
import time

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, folder):
        self.folder = folder
        self.counter = itertools.count(1)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if "reject" in address:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        n = next(self.counter)
        stem = os.path.join(self.folder, f"{time.time_ns()}-{n}")
        with open(stem + ".tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        with open(stem + ".rcpt", "w") as f:
            f.write("\n".join(envelope.rcpt_tos))
        os.rename(stem + ".tmp", stem + ".eml")
        return "250 Message accepted for delivery"


def main():
    port, folder = int(sys.argv[1]), sys.argv[2]
    os.makedirs(folder, exist_ok=True)
    controller = Controller(Sink(folder), hostname="127.0.0.1", port=port)
    controller.start()
    print("READY", flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
