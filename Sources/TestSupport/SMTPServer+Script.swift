extension SMTPServer {
    /// The aiosmtpd server, written to the fixture's temp dir at start (no resource plumbing).
    ///
    /// It binds port 0 and writes the port to `DIR/port` once listening (no free-port race between
    /// parallel tests); each message is written as `N.eml` (the raw DATA, CRLF kept, dot-stuffing
    /// undone) and then `N.json` (envelope), so a `.json` file means a complete message; each
    /// connection and each successful AUTH appends a line to `DIR/connections` and
    /// `DIR/authentications`. It exits
    /// by itself when its parent (the test process) goes away.
    static let script = #"""
    import argparse, asyncio, json, os, ssl, sys
    from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--tls", choices=["none", "starttls", "implicit"], default="none")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--user")
    parser.add_argument("--password")
    args = parser.parse_args()
    parent = os.getppid()

    class Handler:
        def __init__(self):
            self.count = 0
            self.busy_seen = set()

        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            # Refusals for tests, by a word in the address: "rejected" for good, "busy" for now
            # (the first time only, as greylisting does).
            if "rejected" in address:
                return "550 5.1.1 <%s>: Recipient address rejected" % address
            if "busy" in address and address not in self.busy_seen:
                self.busy_seen.add(address)
                return "450 4.2.1 <%s>: Mailbox busy, try again later" % address
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            # The message refused after DATA, for good ("spamtrap") or for now ("greylisted").
            if any("spamtrap" in address for address in envelope.rcpt_tos):
                return "554 5.7.1 Message refused as spam"
            if any("greylisted" in address for address in envelope.rcpt_tos):
                return "451 4.7.1 Greylisted, try again later"
            self.count += 1
            base = os.path.join(args.dir, "%06d" % self.count)
            with open(base + ".eml.tmp", "wb") as f:
                f.write(envelope.original_content)
            os.rename(base + ".eml.tmp", base + ".eml")
            meta = {
                "from": envelope.mail_from,
                "recipients": envelope.rcpt_tos,
                "authenticatedAs": session.auth_data if session.authenticated else None,
                # session.ssl is only set by STARTTLS; an SMTPS connection is TLS from the start.
                "tls": args.tls == "implicit" or session.ssl is not None,
            }
            with open(base + ".json.tmp", "w") as f:
                json.dump(meta, f)
            os.rename(base + ".json.tmp", base + ".json")
            return "250 OK message accepted"

    def count_line(name):
        # One line per event, appended: the test reads the line count.
        with open(os.path.join(args.dir, name), "a") as f:
            f.write("1\n")

    def authenticator(server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            login = auth_data.login.decode()
            if login == args.user and auth_data.password.decode() == args.password:
                count_line("authentications")
                return AuthResult(success=True, auth_data=login)
        return AuthResult(success=False, handled=False)

    context = None
    if args.tls != "none":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)

    class CountingSMTP(SMTP):
        def connection_made(self, transport):
            # STARTTLS calls this again on the same TCP connection, with the original transport set.
            if getattr(self, "_original_transport", None) is None:
                count_line("connections")
            super().connection_made(transport)

    def factory():
        return CountingSMTP(
            Handler_instance,
            hostname="postwatch-test",
            tls_context=context if args.tls == "starttls" else None,
            authenticator=authenticator if args.user else None,
            auth_required=bool(args.user),
            # AUTH only after STARTTLS, as real servers do; plain and implicit TLS offer it at once.
            auth_require_tls=(args.tls == "starttls"),
        )

    async def watch_parent():
        while os.getppid() == parent:
            await asyncio.sleep(0.5)
        os._exit(0)

    async def main():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            factory, "127.0.0.1", 0, ssl=context if args.tls == "implicit" else None)
        port = server.sockets[0].getsockname()[1]
        with open(os.path.join(args.dir, "port.tmp"), "w") as f:
            f.write(str(port))
        os.rename(os.path.join(args.dir, "port.tmp"), os.path.join(args.dir, "port"))
        await watch_parent()

    Handler_instance = Handler()
    asyncio.run(main())
    """#
}
